package output

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Table prints rows: aligned columns under a header on a terminal, plain
// tab-separated lines otherwise (for cut, awk and friends).
type Table struct {
	w      io.Writer
	tty    bool
	header []string
	rows   [][]string
}

// NewTable starts a table; the header shows only on a terminal.
func NewTable(w io.Writer, tty bool, header ...string) *Table {
	return &Table{w: w, tty: tty, header: header}
}

// flatten makes a field one line, without tabs.
var flatten = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")

// AddRow adds a row; tabs and newlines in fields become spaces.
func (t *Table) AddRow(fields ...string) {
	clean := make([]string, len(fields))
	for i, f := range fields {
		clean[i] = flatten.Replace(f)
	}
	t.rows = append(t.rows, clean)
}

// Render writes the table.
func (t *Table) Render() error {
	if !t.tty {
		for _, r := range t.rows {
			if _, err := fmt.Fprintln(t.w, strings.Join(r, "\t")); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(t.w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// Moment formats a time for people on a terminal ("2026-12-22 14:05 UTC (in
// 30 days)") or for programs (RFC 3339).
func Moment(t time.Time, tty bool, now time.Time) string {
	if !tty {
		return t.UTC().Format(time.RFC3339)
	}
	rel := Relative(t, now)
	if t.Before(now) {
		rel = "expired " + rel
	}
	return t.UTC().Format("2006-01-02 15:04 UTC") + " (" + rel + ")"
}

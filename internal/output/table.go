package output

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/patctl/patctl/internal/printable"
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

// AddRow adds a row. Control characters in fields are escaped: a field is
// one line without tabs, and cannot steer the terminal.
func (t *Table) AddRow(fields ...string) {
	clean := make([]string, len(fields))
	for i, f := range fields {
		clean[i] = printable.Escape(f)
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

// Moment formats when a token expires, for people on a terminal
// ("2026-12-22 14:05 UTC (in 30 days)", "… (expired 3 hours ago)") or for
// programs (RFC 3339).
func Moment(t time.Time, tty bool, now time.Time) string {
	if t.Before(now) {
		return stamp(t, tty, now, "expired ")
	}
	return stamp(t, tty, now, "")
}

// Time formats any other time the same way, without calling it an expiry:
// "2026-11-22 11:05 UTC (3 hours ago)".
func Time(t time.Time, tty bool, now time.Time) string { return stamp(t, tty, now, "") }

func stamp(t time.Time, tty bool, now time.Time, prefix string) string {
	if !tty {
		return t.UTC().Format(time.RFC3339)
	}
	return t.UTC().Format("2006-01-02 15:04 UTC") + " (" + prefix + Relative(t, now) + ")"
}

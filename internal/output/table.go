package output

import (
	"io"
	"slices"
	"strings"

	"github.com/patctl/patctl/internal/printable"
)

// Table prints rows: on a terminal, columns aligned by display width under
// a header, cut to fit the terminal's width; otherwise plain tab-separated
// lines with every field whole (for cut, awk and friends).
type Table struct {
	w      io.Writer
	tty    bool
	cols   []column
	rows   [][]Cell
	width  int
	header func(string) string
}

type column struct {
	header string
	flex   bool // may be cut, with "…"
	short  int  // > 0: may be cut to this many columns, without "…"
}

// Cell is a field with how a terminal shows it: Paint (a colour, from
// iostreams) wraps the text once it is cut to fit; nil leaves it plain.
type Cell struct {
	Text  string
	Paint func(string) string
}

// gap is the space between two columns.
const gap = 2

// comfortable is the width a flexible column keeps, when its text is as
// long, before shortenable columns are cut: a name stays readable before
// an id loses its tail.
const comfortable = 20

// NewTable starts a table; the header shows only on a terminal.
func NewTable(w io.Writer, tty bool, header ...string) *Table {
	t := &Table{w: w, tty: tty}
	for _, h := range header {
		t.cols = append(t.cols, column{header: h})
	}
	return t
}

// SetWidth makes the table fit a terminal of that many columns (0: no
// limit): flexible columns are cut with "…" and shortenable ones cut to
// their short width.
func (t *Table) SetWidth(width int) { t.width = width }

// Flexible marks the columns with these headers as ones that may be cut
// with "…" to fit (a name, scopes): they share the width the others leave.
func (t *Table) Flexible(headers ...string) {
	for i := range t.cols {
		if slices.Contains(headers, t.cols[i].header) {
			t.cols[i].flex = true
		}
	}
}

// Shortenable lets the column with this header be cut to its first n
// columns, without "…", when the flexible ones would otherwise get less than
// a readable width (an id on a narrow terminal).
func (t *Table) Shortenable(header string, n int) {
	for i := range t.cols {
		if t.cols[i].header == header {
			t.cols[i].short = n
		}
	}
}

// SetHeaderPaint styles the header on a terminal (bold, say).
func (t *Table) SetHeaderPaint(paint func(string) string) { t.header = paint }

// FitTokens sets a table of tokens up for a terminal width columns wide:
// the flexible columns share what the others leave, the ID column shows an
// id's first 8 characters when they would get too little (as git shows a
// commit), and the header is painted.
func (t *Table) FitTokens(width int, headerPaint func(string) string, flexible ...string) {
	t.SetWidth(width)
	t.Flexible(flexible...)
	t.Shortenable("ID", 8)
	t.SetHeaderPaint(headerPaint)
}

// AddRow adds a row of plain fields.
func (t *Table) AddRow(fields ...string) {
	cells := make([]Cell, len(fields))
	for i, f := range fields {
		cells[i] = Cell{Text: f}
	}
	t.AddCells(cells...)
}

// AddCells adds a row of cells. Control characters in their text are
// escaped: a field is one line without tabs, and cannot steer the terminal.
func (t *Table) AddCells(cells ...Cell) {
	clean := make([]Cell, len(cells))
	for i, c := range cells {
		clean[i] = Cell{Text: printable.Escape(c.Text), Paint: c.Paint}
	}
	t.rows = append(t.rows, clean)
}

// Len is how many rows the table has.
func (t *Table) Len() int { return len(t.rows) }

// Render writes the table.
func (t *Table) Render() error {
	var b strings.Builder
	if !t.tty {
		for _, r := range t.rows {
			for i, c := range r {
				if i > 0 {
					b.WriteByte('\t')
				}
				b.WriteString(c.Text)
			}
			b.WriteByte('\n')
		}
		_, err := io.WriteString(t.w, b.String())
		return err
	}
	widths := t.widths()
	header := make([]Cell, len(t.cols))
	for i, c := range t.cols {
		header[i] = Cell{Text: c.header, Paint: t.header}
	}
	t.line(&b, header, widths)
	for _, r := range t.rows {
		t.line(&b, r, widths)
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

// line writes one row, each cell cut to its column's width and padded to
// it, without trailing blanks.
func (t *Table) line(b *strings.Builder, cells []Cell, widths []int) {
	pad := 0
	for i, c := range cells {
		text := c.Text
		if i < len(widths) {
			text = t.fit(i, text, widths[i])
		}
		if text != "" {
			b.WriteString(strings.Repeat(" ", pad))
			pad = 0
			if c.Paint != nil {
				b.WriteString(c.Paint(text))
			} else {
				b.WriteString(text)
			}
		}
		if i < len(widths) {
			pad += widths[i] - Width(text) + gap
		}
	}
	b.WriteByte('\n')
}

func (t *Table) fit(col int, text string, width int) string {
	switch {
	case Width(text) <= width:
		return text
	case t.cols[col].short > 0 && !t.cols[col].flex:
		return Cut(text, width)
	}
	return Truncate(text, width)
}

// widths decides each column's width: its widest cell, when the table fits;
// else the flexible columns share what the others leave, widest cut first,
// and if that leaves one of them narrower than it is comfortable, the
// shortenable columns are cut and the flexible ones share again. A table
// whose fixed columns alone are wider than the terminal overflows.
func (t *Table) widths() []int {
	natural := make([]int, len(t.cols))
	for i, c := range t.cols {
		natural[i] = Width(c.header)
	}
	for _, r := range t.rows {
		for i, c := range r {
			if i < len(natural) {
				natural[i] = max(natural[i], Width(c.Text))
			}
		}
	}
	widths := slices.Clone(natural)
	if t.width <= 0 || sum(widths)+gap*(len(widths)-1) <= t.width {
		return widths
	}
	if !t.share(widths, natural) {
		shortened := false
		for i, c := range t.cols {
			if c.short > 0 && !c.flex && widths[i] > max(c.short, Width(c.header)) {
				widths[i] = max(c.short, Width(c.header))
				shortened = true
			}
		}
		if shortened {
			t.share(widths, natural)
		}
	}
	return widths
}

// share gives the flexible columns the width the others leave, filling the
// narrowest first (none below its header, or below 5 columns unless its text
// is narrower), and reports whether each got a comfortable width.
func (t *Table) share(widths, natural []int) bool {
	var flex []int
	left := t.width - gap*(len(widths)-1)
	for i, c := range t.cols {
		if c.flex {
			flex = append(flex, i)
		} else {
			left -= widths[i]
		}
	}
	slices.SortStableFunc(flex, func(a, b int) int { return natural[a] - natural[b] })
	ok := true
	for k, i := range flex {
		floor := min(natural[i], max(Width(t.cols[i].header), 5))
		widths[i] = max(floor, min(natural[i], left/(len(flex)-k)))
		left -= widths[i]
		ok = ok && widths[i] >= min(natural[i], comfortable)
	}
	return ok
}

func sum(v []int) int {
	n := 0
	for _, x := range v {
		n += x
	}
	return n
}

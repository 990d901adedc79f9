package output

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/patapi"
)

// TestMain runs the tests in a time zone other than UTC, wherever the
// machine is: human times are local.
func TestMain(m *testing.M) {
	time.Local = time.FixedZone("CET", 3600)
	os.Exit(m.Run())
}

func TestRelative(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		30 * time.Second:                 "in less than a minute",
		time.Minute:                      "in 1 minute",
		59*time.Minute + 50*time.Second:  "in 60 minutes",
		5 * time.Hour:                    "in 5 hours",
		30*24*time.Hour - 10*time.Second: "in 30 days",
		-3 * 24 * time.Hour:              "3 days ago",
	} {
		if got := Relative(now.Add(d), now); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
	if got := Moment(now.Add(-time.Hour), true, now); got != "2026-11-22 12:00 CET (expired 1 hour ago)" {
		t.Error(got)
	}
	if got := Moment(now, false, now); got != "2026-11-22T12:00:00Z" {
		t.Error(got)
	}
	// Only an expiry is "expired"; any other past time is just "ago".
	if got := Time(now.Add(-30*time.Second), true, now); got != "2026-11-22 12:59 CET (less than a minute ago)" {
		t.Error(got)
	}
}

func TestTable(t *testing.T) {
	var b bytes.Buffer
	tb := NewTable(&b, false, "A", "B")
	tb.AddRow("x\ty", "line\nbreak\x1b[2J")
	tb.Render()
	if b.String() != `x\ty`+"\t"+`line\nbreak\x1b[2J`+"\n" {
		t.Fatalf("%q", b.String())
	}
	b.Reset()
	tb = NewTable(&b, true, "NAME", "ID")
	tb.AddRow("long-name", "1")
	tb.Render()
	if lines := strings.Split(b.String(), "\n"); strings.Index(lines[0], "ID") != strings.Index(lines[1], "1") {
		t.Fatalf("not aligned:\n%s", b.String())
	}
}

func TestTokenDetailsEscapesTheServiceText(t *testing.T) {
	var b bytes.Buffer
	tok := patapi.PatToken{DisplayName: "ci\x1b]0;pwned\a", Scope: "vso.code\u009b2J", TargetAccounts: []string{"a\rb", "c"}}
	TokenDetails(&b, tok, true, time.Now(), nil)
	for _, want := range []string{`Name:       ci\x1b]0;pwned\a` + "\n", `Scopes:     vso.code\u009b2J` + "\n", `Valid in:   a\rb, c` + "\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
}

func TestTokenDetailsSaysExpiredOfTheExpiryOnly(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	TokenDetails(&b, patapi.PatToken{ValidFrom: patapi.Time{Time: now.Add(-time.Minute)}, ValidTo: patapi.Time{Time: now.Add(time.Hour)}}, true, now, nil)
	if !strings.Contains(b.String(), "Created:    2026-11-22 12:59 CET (1 minute ago)\n") || strings.Contains(b.String(), "expired") {
		t.Errorf("fresh token:\n%s", b.String())
	}
	b.Reset()
	TokenDetails(&b, patapi.PatToken{ValidFrom: patapi.Time{Time: now.Add(-48 * time.Hour)}, ValidTo: patapi.Time{Time: now.Add(-time.Hour)}}, true, now, nil)
	if !strings.Contains(b.String(), "Created:    2026-11-20 13:00 CET (2 days ago)\n") || !strings.Contains(b.String(), "Expires:    2026-11-22 12:00 CET (expired 1 hour ago)\n") {
		t.Errorf("expired token:\n%s", b.String())
	}
}

func TestCompact(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		20 * time.Second:                "in <1min",
		-20 * time.Second:               "<1min ago",
		45 * time.Minute:                "in 45min",
		59*time.Minute + 50*time.Second: "in 1h", // not "60min"
		47*time.Hour + 50*time.Minute:   "in 2d",
		-3 * time.Hour:                  "3h ago",
		47 * time.Hour:                  "in 47h",
		7 * 24 * time.Hour:              "in 7d",
		-30 * 24 * time.Hour:            "30d ago",
		364 * 24 * time.Hour:            "in 364d",
		365 * 24 * time.Hour:            "in 1y",
		700 * 24 * time.Hour:            "in 2y",
	} {
		if got := Compact(now.Add(d), now); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

func TestTruncateByDisplayWidth(t *testing.T) {
	for _, c := range []struct {
		in    string
		width int
		want  string
	}{
		{"deploy", 10, "deploy"},
		{"deploy", 6, "deploy"},
		{"deploy-pipeline", 8, "deploy-…"},
		{"日本語のトークン", 16, "日本語のトークン"},
		{"日本語のトークン", 8, "日本語…"},                   // 3 wide characters and "…": 7 columns, as the 4th would overflow
		{"日本語のトークン", 7, "日本語…"},                   // exactly
		{"🎉 party time", 6, "🎉 pa…"},              // the emoji counts 2
		{"👩‍💻 dev", 3, "👩‍💻…"},                    // a ZWJ sequence is one character of width 2, never split
		{"e\u0301te\u0301", 3, "e\u0301te\u0301"}, // combining accents take no column
		{"abc", 0, ""},
		{"abc", 1, "…"},
	} {
		got := Truncate(c.in, c.width)
		if got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
		if Width(got) > c.width {
			t.Errorf("Truncate(%q, %d) is %d wide", c.in, c.width, Width(got))
		}
	}
	if got := Cut("4ab5764f-4193-4f1d-b995-64144880b7d7", 8); got != "4ab5764f" {
		t.Error(got)
	}
	if Width("日本") != 4 || Width("🎉") != 2 || Width("abc") != 3 || Width("👩‍💻") != 2 {
		t.Error("widths")
	}
}

// TestTableFitsTheTerminal: at each width, no line is wider than the
// terminal (by display width); columns line up by display width with wide
// characters; a narrow terminal cuts names and scopes with "…" and shows
// the id's first 8 characters; a wide one shows everything.
func TestTableFitsTheTerminal(t *testing.T) {
	id := "4ab5764f-4193-4f1d-b995-64144880b7d7"
	long := "本番デプロイ用のとても長いトークンの名前-" + strings.Repeat("x", 150)
	render := func(width int) []string {
		var b bytes.Buffer
		tb := NewTable(&b, true, "NAME", "ID", "SCOPES", "EXPIRES", "STATUS")
		tb.SetWidth(width)
		tb.Flexible("NAME", "SCOPES")
		tb.Shortenable("ID", 8)
		tb.AddRow("🎉 party", id, "vso.code", "in 7d", "active")
		tb.AddRow(long, id, "vso.code vso.build_execute vso.packaging_write", "3h ago", "revoked")
		tb.AddRow("ci", id, "vso.code", "in 2y", "expired")
		if err := tb.Render(); err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	}
	for _, width := range []int{50, 80, 200, 400} {
		lines := render(width)
		statusAt := -1
		for i, l := range lines {
			if w := Width(l); w > width {
				t.Errorf("%d columns: line %d is %d wide: %q", width, i, w, l)
			}
			if strings.HasSuffix(l, " ") {
				t.Errorf("%d columns: trailing blanks: %q", width, l)
			}
			// STATUS starts in the same column on every line.
			f := strings.Fields(l)
			at := Width(l) - Width(f[len(f)-1])
			if statusAt >= 0 && at != statusAt {
				t.Errorf("%d columns: not aligned:\n%s", width, strings.Join(lines, "\n"))
				break
			}
			statusAt = at
		}
		all := strings.Join(lines, "\n")
		switch {
		case width == 400:
			if !strings.Contains(all, long) || !strings.Contains(all, id) || strings.Contains(all, "…") {
				t.Errorf("400 columns: something cut:\n%s", all)
			}
		case width == 200:
			if !strings.Contains(all, id) || !strings.Contains(all, "vso.code vso.build_execute vso.packaging_write") || !strings.Contains(all, "本番デプロイ") {
				t.Errorf("200 columns: the id or the scopes cut:\n%s", all)
			}
		default:
			if strings.Contains(all, id) || !strings.Contains(all, "4ab5764f ") || !strings.Contains(all, "…") {
				t.Errorf("%d columns: the id whole or nothing cut:\n%s", width, all)
			}
		}
	}
}

func TestTableCellsArePainted(t *testing.T) {
	var b bytes.Buffer
	tb := NewTable(&b, true, "NAME", "STATUS")
	tb.SetHeaderPaint(func(s string) string { return "<b>" + s + "</b>" })
	tb.AddCells(Cell{Text: "long-name"}, Cell{Text: "revoked", Paint: func(s string) string { return "<red>" + s + "</red>" }})
	tb.AddCells(Cell{Text: "x\x1b[2J", Paint: func(s string) string { return "<dim>" + s + "</dim>" }}, Cell{Text: "active"})
	tb.Render()
	want := "<b>NAME</b>       <b>STATUS</b>\nlong-name  <red>revoked</red>\n<dim>x\\x1b[2J</dim>   active\n"
	if b.String() != want {
		t.Fatalf("%q\nwant %q", b.String(), want)
	}
	// Piped: no paint, no header, fields whole.
	b.Reset()
	tb.tty = false
	tb.Render()
	if b.String() != "long-name\trevoked\nx\\x1b[2J\tactive\n" {
		t.Fatalf("%q", b.String())
	}
}

package output

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/patapi"
)

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
	if got := Moment(now.Add(-time.Hour), true, now); got != "2026-11-22 11:00 UTC (expired 1 hour ago)" {
		t.Error(got)
	}
	if got := Moment(now, false, now); got != "2026-11-22T12:00:00Z" {
		t.Error(got)
	}
	// Only an expiry is "expired"; any other past time is just "ago".
	if got := Time(now.Add(-30*time.Second), true, now); got != "2026-11-22 11:59 UTC (less than a minute ago)" {
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
	if !strings.Contains(b.String(), "Created:    2026-11-22 11:59 UTC (1 minute ago)\n") || strings.Contains(b.String(), "expired") {
		t.Errorf("fresh token:\n%s", b.String())
	}
	b.Reset()
	TokenDetails(&b, patapi.PatToken{ValidFrom: patapi.Time{Time: now.Add(-48 * time.Hour)}, ValidTo: patapi.Time{Time: now.Add(-time.Hour)}}, true, now, nil)
	if !strings.Contains(b.String(), "Created:    2026-11-20 12:00 UTC (2 days ago)\n") || !strings.Contains(b.String(), "Expires:    2026-11-22 11:00 UTC (expired 1 hour ago)\n") {
		t.Errorf("expired token:\n%s", b.String())
	}
}

package printable

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"deploy":                      "deploy",
		"déploiement 部署 🚀 a\\b \"q\"": "déploiement 部署 🚀 a\\b \"q\"",
		"\x1b]0;pwned\a":              `\x1b]0;pwned\a`,
		"\x1b[2J":                     `\x1b[2J`,
		"a\tb\nc\rd":                  `a\tb\nc\rd`,
		"\x00\x7f":                    `\x00\x7f`,
		"\u009b31m":                   `\u009b31m`,
		"abc\u202edcba":               `abc\u202edcba`,
		"\u2066x\u2069 \u2028":        `\u2066x\u2069 \u2028`,
		"bad\x9bbyte\xff":             `bad\x9bbyte\xff`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLinesKeepsNewlinesOnly(t *testing.T) {
	in := "refused: bad\r\nname\x1b[2J\nRevoke it with:\n  patctl revoke"
	want := `refused: bad\r` + "\n" + `name\x1b[2J` + "\nRevoke it with:\n  patctl revoke"
	if got := Lines(in); got != want {
		t.Errorf("Lines(%q) = %q, want %q", in, got, want)
	}
}

func TestEscapeKeepsCleanTextAsIs(t *testing.T) {
	s := strings.Repeat("token-name ", 10)
	if n := testing.AllocsPerRun(100, func() { _ = Escape(s) }); n != 0 {
		t.Errorf("%v allocations for text without anything to escape", n)
	}
}

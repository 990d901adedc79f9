package output

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestSecretNeverSplit: framed where the frame fits the terminal, else the
// secret alone on its line; no line patctl writes is wider than the
// terminal, but for the bare secret itself.
func TestSecretNeverSplit(t *testing.T) {
	for _, secret := range []string{strings.Repeat("a", 52), strings.Repeat("b", 84)} {
		for _, width := range []int{0, 50, 57, 58, 80, 200} {
			var b bytes.Buffer
			Secret(&b, secret, width, nil)
			out := b.String()
			framed := strings.Contains(out, "│ "+secret+" │")
			wantFrame := width == 0 || len(secret)+6 <= width
			if framed != wantFrame {
				t.Errorf("%d-character secret at %d columns: framed %v\n%s", len(secret), width, framed, out)
			}
			if !wantFrame && !strings.Contains(out, "\n"+secret+"\n") {
				t.Errorf("%d-character secret at %d columns is not alone on a line:\n%q", len(secret), width, out)
			}
			if strings.Count(out, secret) != 1 || !strings.Contains(out, SecretWarning) {
				t.Errorf("at %d columns:\n%s", width, out)
			}
			for _, line := range strings.Split(out, "\n") {
				if width > 0 && line != secret && utf8.RuneCountInString(line) > width {
					t.Errorf("a line of %d columns at %d: %q", utf8.RuneCountInString(line), width, line)
				}
			}
		}
	}
}

func TestSecretWarningStandsOut(t *testing.T) {
	var plain, colored bytes.Buffer
	Secret(&plain, "s3cr3t", 80, nil)
	Secret(&colored, "s3cr3t", 80, bold{})
	if strings.Contains(plain.String(), "\x1b") {
		t.Fatalf("colour off, yet %q", plain.String())
	}
	if !strings.Contains(colored.String(), "<b><y>! "+SecretWarning+"</y></b>") {
		t.Fatalf("colour on: %q", colored.String())
	}
}

// bold marks what it paints bold and yellow, visibly.
type bold struct{ Plain }

func (bold) Bold(s string) string   { return "<b>" + s + "</b>" }
func (bold) Yellow(s string) string { return "<y>" + s + "</y>" }

package auth

import (
	"strings"
	"testing"
	"time"
)

// TestDeviceCodeTextFitsFiftyColumns: the page and the code each on a line
// of their own, every line of patctl's within 50 columns, so that a narrow
// terminal never breaks the code.
func TestDeviceCodeTextFitsFiftyColumns(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	text := deviceCodeText("https://microsoft.com/devicelogin", "GX7K2Q9PL", "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code GX7K2Q9PL to authenticate.", now.Add(15*time.Minute), now)
	lines := strings.Split(text, "\n")
	if !containsLine(lines, "  GX7K2Q9PL") || !containsLine(lines, "  https://microsoft.com/devicelogin") || !strings.Contains(text, "enter the code") ||
		!strings.Contains(text, "The code expires in 15 minutes.") {
		t.Fatalf("device code text:\n%s", text)
	}
	for _, l := range lines {
		if len(l) > 50 {
			t.Errorf("a line of %d columns: %q", len(l), l)
		}
	}
	// The service's text, escaped, where it gives no page or code.
	if got := deviceCodeText("", "", "Go to\x1b[2J x", time.Time{}, now); got != `Go to\x1b[2J x`+"\n" {
		t.Fatalf("fallback: %q", got)
	}
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

func TestMinutes(t *testing.T) {
	for d, want := range map[time.Duration]string{5 * time.Minute: "5 minutes", time.Minute: "1 minute", 899 * time.Second: "15 minutes"} {
		if got := minutes(d); got != want {
			t.Errorf("minutes(%s) = %q, want %q", d, got, want)
		}
	}
}

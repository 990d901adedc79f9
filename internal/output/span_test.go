package output

import (
	"testing"
	"time"
)

func TestSpan(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                               "<1min",
		20 * time.Second:                "<1min",
		time.Minute:                     "1min",
		45 * time.Minute:                "45min",
		59*time.Minute + 50*time.Second: "1h",
		5 * time.Hour:                   "5h",
		47 * time.Hour:                  "47h",
		48 * time.Hour:                  "2d",
		7*24*time.Hour - 10*time.Second: "7d",
		30*24*time.Hour + 11*time.Hour:  "30d",
		365 * 24 * time.Hour:            "365d",
	} {
		if got := Span(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

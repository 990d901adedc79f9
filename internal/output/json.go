// Package output formats what commands print: JSON for machines, aligned text
// for people.
package output

import (
	"encoding/json"
	"io"
	"strconv"
	"time"
)

// JSON writes v as indented JSON with a final newline.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Relative says how far t is from now in words people read at a glance:
// "in 59 minutes", "3 hours ago".
func Relative(t, now time.Time) string {
	d := t.Sub(now)
	suffix := ""
	prefix := "in "
	if d < 0 {
		d, prefix, suffix = -d, "", " ago"
	}
	var s string
	switch {
	case d < time.Minute:
		s = "less than a minute"
	case d < time.Hour:
		s = plural(rounded(d, time.Minute), "minute")
	case d < 48*time.Hour:
		s = plural(rounded(d, time.Hour), "hour")
	default:
		s = plural(rounded(d, 24*time.Hour), "day")
	}
	return prefix + s + suffix
}

// rounded counts whole units in d, to the nearest: 29 days and 23 hours
// reads as 30 days.
func rounded(d, unit time.Duration) int { return int((d + unit/2) / unit) }

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

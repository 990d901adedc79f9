package output

import (
	"strconv"
	"time"
)

// HumanLayout is how patctl writes a time for a person: local time to the
// minute, with its zone.
const HumanLayout = "2006-01-02 15:04 MST"

// Moment formats when a token expires: for a person (tty), the one human
// form patctl uses everywhere — local time and how far it is, "2026-12-22
// 14:05 CET (in 30 days)", "… (expired 3 hours ago)"; for programs, RFC 3339
// in UTC.
func Moment(t time.Time, tty bool, now time.Time) string {
	if !tty {
		return machine(t)
	}
	if t.Before(now) {
		return human(t, now, "expired ")
	}
	return human(t, now, "")
}

// Time formats any other time the same way, without calling it an expiry:
// "2026-11-22 11:05 CET (3 hours ago)".
func Time(t time.Time, tty bool, now time.Time) string {
	if !tty {
		return machine(t)
	}
	return human(t, now, "")
}

// Human is Time for a person, wherever the terminal is not the question:
// an error message, a line of a log.
func Human(t, now time.Time) string { return human(t, now, "") }

// human is the one function that writes a time for a person (messages, dry
// runs, details; tables use Compact): HumanLayout in local time, then in
// brackets the prefix and how far it is from now.
func human(t, now time.Time, prefix string) string {
	return t.Local().Format(HumanLayout) + " (" + prefix + Relative(t, now) + ")"
}

func machine(t time.Time) string { return t.UTC().Format(time.RFC3339) }

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

// Compact is Relative in as few columns as a table can spare, in Span's
// units (those --expires takes): "in 45min", "in 7d", "3h ago", "in <1min";
// from a year on, years: "in 2y".
func Compact(t, now time.Time) string {
	d := t.Sub(now)
	past := d < 0
	if past {
		d = -d
	}
	s := Span(d)
	if rounded(d, 24*time.Hour) >= 365 {
		s = strconv.Itoa(rounded(d, 365*24*time.Hour)) + "y"
	}
	if past {
		return s + " ago"
	}
	return "in " + s
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

package output

import (
	"strconv"
	"time"
)

// Span writes d shortly, in the units patctl's flags take (--expires 7d):
// "45min", "5h", "7d", rounded to the nearest; under a minute is "<1min".
// Days from 48 hours on, as Relative counts them.
func Span(d time.Duration) string {
	switch {
	case d < time.Minute-time.Second/2:
		return "<1min"
	case rounded(d, time.Minute) < 60:
		return strconv.Itoa(rounded(d, time.Minute)) + "min"
	case rounded(d, time.Hour) < 48:
		return strconv.Itoa(rounded(d, time.Hour)) + "h"
	}
	return strconv.Itoa(rounded(d, 24*time.Hour)) + "d"
}

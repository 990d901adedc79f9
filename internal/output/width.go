package output

import (
	"strings"

	"github.com/rivo/uniseg"
)

// Width is how many terminal columns s takes: a CJK character or an emoji
// takes two, a combining accent none. It counts grapheme clusters, as a
// terminal draws them, so that "👩‍💻" is one character of width 2.
func Width(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return uniseg.StringWidth(s)
}

// Ellipsis marks text cut to fit.
const Ellipsis = "…"

// Truncate cuts s to at most width columns, ending it with "…" when
// anything was cut. It cuts between characters (grapheme clusters), never
// inside one: a wide character that would overflow goes whole.
func Truncate(s string, width int) string {
	if Width(s) <= width {
		return s
	}
	if width <= 0 {
		return ""
	}
	return strings.TrimRight(Cut(s, width-Width(Ellipsis)), " ") + Ellipsis
}

// Cut is the longest beginning of s at most width columns wide, with no
// mark that it was cut (an id's first characters, as git shows a commit).
func Cut(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if isASCII(s) {
		return s[:min(len(s), width)]
	}
	var b strings.Builder
	state, used := -1, 0
	for s != "" {
		var cluster string
		var w int
		cluster, s, w, state = uniseg.FirstGraphemeClusterInString(s, state)
		if used+w > width {
			break
		}
		b.WriteString(cluster)
		used += w
	}
	return b.String()
}

// isASCII is the common case, measured without the Unicode tables: one
// column per byte (control characters are escaped before they get here).
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

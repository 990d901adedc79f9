// Package printable makes text from the service safe to print: a token's name
// or an error message could otherwise carry escape sequences that retitle,
// clear or rewrite the user's terminal, or tabs and newlines that break the
// columns of tab-separated output.
//
// It is a leaf package so that patapi and auth, which output itself depends
// on, can escape the service text they put into errors.
package printable

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape writes every control character of s (C0 with tab and newline, DEL,
// C1), bidirectional-text control, line or paragraph separator and byte of
// invalid UTF-8 the way Go quotes it ("\x1b", "\t", "\u009b", "\u202e",
// "\xff"). Everything else, backslashes included, is kept: the result is
// for reading, and --json keeps the exact text.
func Escape(s string) string { return escape(s, false) }

// Lines is Escape except for newlines, for a message that patctl itself
// broke into lines.
func Lines(s string) string { return escape(s, true) }

func escape(s string, keepNewlines bool) string {
	unsafe := func(r rune, size int) bool {
		return needsEscape(r, size) && !(keepNewlines && r == '\n')
	}
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unsafe(r, size) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s // the common case: nothing to escape, nothing allocated
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case !unsafe(r, size):
			b.WriteString(s[i : i+size])
		case r == utf8.RuneError && size == 1:
			// A stray byte such as 0x9b is CSI to a terminal in 8-bit mode.
			fmt.Fprintf(&b, `\x%02x`, s[i])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

func needsEscape(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case r < utf8.RuneSelf:
		return r < ' ' || r == 0x7f
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029'
}

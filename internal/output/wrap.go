package output

import "strings"

// Glue joins two words that a wrapped line must not separate ("id" and the
// id that follows it). Wrap prints it as a space; text that is not wrapped
// goes through Unglue. It is a control character (unit separator), which
// no text from elsewhere holds by the time it is printed (printable escapes
// them), so that only patctl's own glue is taken for one.
const Glue = "\x1f"

// Unglue is text with its glue printed as spaces.
func Unglue(text string) string { return strings.ReplaceAll(text, Glue, " ") }

// Wrap breaks text into lines at most width columns wide, at spaces (each
// line of text on its own). A word wider than a line — an id, a URL, a
// secret — is never cut when split is nil: it gets a line of its own, which
// the terminal breaks; split, when given, says where to cut such a word
// (the length in bytes of a beginning that fits width columns). width <= 0
// wraps nothing.
func Wrap(text string, width int, split func(word string, width int) int) []string {
	if width <= 0 {
		return strings.Split(Unglue(text), "\n")
	}
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line, used := "", 0
		flush := func() {
			lines = append(lines, Unglue(line))
			line, used = "", 0
		}
		// At ASCII spaces only: a no-break space is kept where it is.
		words := strings.FieldsFunc(para, func(r rune) bool { return r == ' ' || r == '\t' })
		if len(words) == 0 {
			lines = append(lines, "")
			continue
		}
		for _, word := range words {
			word = Unglue(word)
			w := Width(word)
			for split != nil && w > width {
				if line != "" {
					flush()
				}
				cut := split(word, width)
				if cut <= 0 || cut >= len(word) {
					break
				}
				lines = append(lines, word[:cut])
				word = word[cut:]
				w = Width(word)
			}
			switch {
			case line == "":
				line, used = word, w
			case used+1+w <= width:
				line, used = line+" "+word, used+1+w
			default:
				flush()
				line, used = word, w
			}
		}
		flush()
	}
	return lines
}

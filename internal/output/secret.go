package output

import (
	"fmt"
	"io"
	"strings"
)

// SecretWarning is what is said under a new secret: it is shown once.
const SecretWarning = "This token is shown only once: store it now."

// frameColumns is what the frame adds to the secret's width: "  │ " and " │".
const frameColumns = 6

// Secret prints a just-created secret for a person on a terminal of width
// columns (0: unknown): framed when the frame fits, else bare on a line of
// its own — a frame cut by the terminal's edge would split the secret, and
// a line with nothing but the secret copies whole even where the terminal
// wraps it. Then the warning that it is shown once, bold and yellow when cs
// paints (nil: plain).
func Secret(w io.Writer, secret string, width int, cs Painter) {
	if cs == nil {
		cs = Plain{}
	}
	n := Width(secret)
	if width == 0 || n+frameColumns <= width {
		bar := strings.Repeat("─", n+2)
		fmt.Fprintf(w, "\n  ┌%s┐\n  │ %s │\n  └%s┘\n", bar, secret, bar)
	} else {
		fmt.Fprintf(w, "\n%s\n\n", secret)
	}
	fmt.Fprintln(w, "  "+cs.Bold(cs.Yellow("! "+SecretWarning)))
}

package cmdutil

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/patctl/patctl/internal/iostreams"
)

// Confirm asks a yes/no question on the terminal; only "y" or "yes" is yes.
func Confirm(io *iostreams.IOStreams, question string) (bool, error) {
	fmt.Fprintf(io.ErrOut, "%s [y/N] ", question)
	answer, err := bufio.NewReader(io.In).ReadString('\n')
	if err != nil && answer == "" {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

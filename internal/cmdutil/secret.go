package cmdutil

import (
	"bufio"
	"fmt"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
)

// DeliverSecret hands over a token that was just created, the only time its
// secret exists. With --output-file or --ci-variable the secret goes there,
// and stdout gets only JSON without it (if asked) or the pipeline's commands.
// Otherwise: JSON (jsonValue) with --json; on a terminal, the headline and the
// secret framed with a warning; into a pipe, the bare secret on stdout and
// the headline on stderr. jsonValue must hold the secret only when no
// delivery is active.
func DeliverSecret(io *iostreams.IOStreams, tok patapi.PatToken, headline string, j *JSONFlags, jsonValue any, d *SecretDelivery) error {
	if d.Active() {
		where, err := d.Deliver(io.Out, tok.Token)
		if err != nil {
			return err
		}
		fmt.Fprintf(io.ErrOut, "%s The secret was %s.\n", headline, where)
		if j != nil && j.JSON {
			return j.WriteJSON(io.Out, jsonValue)
		}
		return nil
	}
	switch {
	case j != nil && j.JSON:
		return j.WriteJSON(io.Out, jsonValue)
	case io.IsStdoutTTY():
		fmt.Fprintln(io.Out, headline)
		output.Secret(io.Out, tok.Token)
		return nil
	default:
		fmt.Fprintln(io.ErrOut, headline)
		_, err := fmt.Fprintln(io.Out, tok.Token)
		return err
	}
}

// WarnIfClamped says on stderr when the service gave the token a shorter life
// than asked, as a maximum-lifespan policy does. The service rounds times to
// about 1/300 s, hence the slack.
func WarnIfClamped(io *iostreams.IOStreams, asked time.Time, tok patapi.PatToken) {
	if tok.ValidTo.Before(asked.Add(-time.Second)) {
		fmt.Fprintf(io.ErrOut, "Warning: the service set the expiry to %s, earlier than the %s asked for (an organization policy limits token lifetimes).\n",
			tok.ValidTo.UTC().Format(time.RFC3339), asked.UTC().Format(time.RFC3339))
	}
}

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

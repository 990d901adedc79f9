package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/printable"
)

// explain puts an error in the terms of the run that met it: Azure DevOps
// refusing the access token of PATCTL_TOKEN is not fixed by `patctl login`,
// which refuses while PATCTL_TOKEN is set. The rest of the message (what was
// being done, in which organizations) and the exit code stay.
func explain(err error, f *cmdutil.Factory) error {
	var signIn *patapi.SignInError
	if !errors.As(err, &signIn) {
		return err
	}
	if s, serr := f.Settings(); serr != nil || s.Token == "" {
		return err
	}
	answer := fmt.Sprintf("HTTP %d", signIn.Status)
	if signIn.Message != "" {
		answer += ": " + printable.Escape(signIn.Message)
	}
	refused := (&auth.SignInRequiredError{Reason: config.EnvToken + " was refused (" + answer + ")", Remedy: auth.EnvTokenRemedy}).Error()
	return &reworded{msg: strings.Replace(err.Error(), signIn.Error(), refused, 1), err: err}
}

// reworded is an error said otherwise; it is still what it wraps.
type reworded struct {
	msg string
	err error
}

func (r *reworded) Error() string { return r.msg }
func (r *reworded) Unwrap() error { return r.err }

// message is what patctl says of err, ending with code: an interrupt says
// so, without the request it cut short.
func message(err error, code int) string {
	if code == cmdutil.ExitInterrupted && errors.Is(err, context.Canceled) {
		return "interrupted"
	}
	return err.Error()
}

// debugDetail is what --debug adds to an error's line: the request that got
// no answer, method and URL included.
func debugDetail(err error) string {
	var d interface{ Detail() string }
	if errors.As(err, &d) {
		return d.Detail()
	}
	return ""
}

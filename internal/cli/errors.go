package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/patapi"
)

// explain puts an error in the terms of the run that met it: Azure DevOps
// refusing the access token of PATCTL_TOKEN is not fixed by `patctl login`,
// which refuses while PATCTL_TOKEN is set.
func explain(err error, f *cmdutil.Factory) error {
	var signIn *patapi.SignInError
	if !errors.As(err, &signIn) {
		return err
	}
	if s, serr := f.Settings(); serr != nil || s.Token == "" {
		return err
	}
	return &auth.SignInRequiredError{Reason: fmt.Sprintf("%s was refused (Azure DevOps answered HTTP %d)", config.EnvToken, signIn.Status), Remedy: auth.EnvTokenRemedy}
}

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

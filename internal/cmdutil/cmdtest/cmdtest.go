// Package cmdtest gives command tests a PAT API on the emulator.
package cmdtest

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/journal"
	"github.com/patctl/patctl/internal/patapi"
	"golang.org/x/oauth2"
)

// Env is an emulator and the functions commands take to reach it.
type Env struct {
	Emulator  *emulator.Emulator
	Settings  func() (config.Settings, error)
	PATClient func(context.Context, string) (*patapi.Client, error)
	// Direct is a client for setting up and checking state.
	Direct *patapi.Client
	// Journal is the commands' record of unfinished operations, in a
	// directory of the test's own.
	Journal *journal.Journal
}

// New starts an emulator signed in as the default user.
func New(t testing.TB) *Env {
	t.Helper()
	em := emulatortest.Start(t, emulator.Options{})
	tok, err := em.AccessToken(emulator.DefaultUserUPN)
	if err != nil {
		t.Fatal(err)
	}
	httpClient := func() *http.Client {
		return auth.BearerClient(em.HTTPClient(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok}))
	}
	return &Env{
		Emulator: em,
		Settings: func() (config.Settings, error) {
			return config.Settings{APIURL: em.URL(), DevOpsURL: em.URL(), VSSPSAppURL: em.URL(), Org: emulator.DefaultOrg}, nil
		},
		PATClient: func(_ context.Context, org string) (*patapi.Client, error) {
			return patapi.New(httpClient(), em.URL(), org), nil
		},
		Direct:  patapi.New(httpClient(), em.URL(), emulator.DefaultOrg),
		Journal: journal.Open(t.TempDir()),
	}
}

// TokenCmd is a token command's dependencies on this emulator.
func (e *Env) TokenCmd(io *iostreams.IOStreams, now func() time.Time) cmdutil.TokenCmd {
	return cmdutil.TokenCmd{IO: io, Settings: e.Settings, PATClient: e.PATClient, Now: now,
		HTTPClient: func() (*http.Client, error) { return e.Emulator.HTTPClient(), nil },
		BearerClient: func(context.Context) (*http.Client, error) {
			return e.Emulator.UserHTTPClient(emulator.DefaultUserUPN)
		},
		Getenv:  func(string) string { return "" },
		Journal: func() (*journal.Journal, error) { return e.Journal, nil },
		Owner:   func() journal.Owner { return journal.Owner{Account: emulator.DefaultUserUPN} },
		Pending: new(atomic.Int32)}
}

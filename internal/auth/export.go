package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/credstore"
)

// ErrLoginFrom is returned by what manages the local login while
// PATCTL_LOGIN_FROM is set.
var ErrLoginFrom = errors.New(config.EnvLoginFrom + " is set: patctl uses the login kept there, in memory, and keeps none here; unset it first")

// Export is the login in force (the current account, or --account's) as an
// exported login: credstore's self-contained document with the login record
// and the account's part of MSAL's cache, refresh token included. The login
// is made to give a token first — refreshed if its access token has
// expired — so that what leaves is known to work.
func (a *Authenticator) Export(ctx context.Context) (credstore.Login, []byte, error) {
	switch {
	case a.Settings.Token != "":
		return credstore.Login{}, nil, &SignInRequiredError{Reason: config.EnvToken + " is set, and it is a token, not a login that can be exported"}
	case a.Remote != nil:
		return credstore.Login{}, nil, ErrLoginFrom
	}
	login, _, err := a.signedIn(ctx)
	if err != nil {
		return login, nil, err
	}
	silent, err := a.newSilentSource(ctx, login)
	if err != nil {
		return login, nil, err
	}
	if _, err := silent.acquire(false); err != nil {
		return login, nil, err
	}
	// Under the lock: not while another patctl rewrites the cache.
	unlock, err := a.Store.Lock(ctx, a.Stderr)
	if err != nil {
		return login, nil, err
	}
	defer unlock()
	l, data, err := a.Store.ExportLogin(login)
	if err != nil {
		return login, nil, fmt.Errorf("read the login of %s: %w", login.Username, classify(err))
	}
	return l, data, nil
}

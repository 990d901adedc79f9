package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// Flow is one way to sign in interactively.
type Flow interface {
	Acquire(ctx context.Context, client public.Client, scopes []string) (public.AuthResult, error)
}

// BrowserFlow is MSAL's authorization-code flow with PKCE and a loopback
// redirect: the browser shows Entra's sign-in and posts the code back.
type BrowserFlow struct {
	Open    func(ctx context.Context, url string) error
	Out     io.Writer // where the URL is printed
	Timeout time.Duration
}

// BrowserError means the browser could not be opened; device code can stand in.
type BrowserError struct{ Err error }

func (e *BrowserError) Error() string { return "open a browser: " + e.Err.Error() }
func (e *BrowserError) Unwrap() error { return e.Err }

// ErrBrowserTimeout means nobody finished the sign-in in the browser.
var ErrBrowserTimeout = errors.New("no answer from the browser sign-in")

func (f BrowserFlow) Acquire(ctx context.Context, client public.Client, scopes []string) (public.AuthResult, error) {
	if f.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.Timeout)
		defer cancel()
	}
	open := func(url string) error {
		fmt.Fprintf(f.Out, "Opening the sign-in page in your browser. If it does not open, visit:\n  %s\n", url)
		if err := f.Open(ctx, url); err != nil {
			if ctx.Err() != nil {
				return ctx.Err() // cancelled: no fallback to a device code
			}
			return &BrowserError{Err: err}
		}
		return nil
	}
	res, err := client.AcquireTokenInteractive(ctx, scopes, public.WithOpenURL(open))
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return res, fmt.Errorf("%w after %v: run `patctl login` again, or `patctl login --device-code`", ErrBrowserTimeout, f.Timeout)
	}
	return res, err
}

// DeviceCodeFlow shows a code to enter at a URL on any device.
type DeviceCodeFlow struct {
	Out io.Writer // where the instructions are printed
}

func (f DeviceCodeFlow) Acquire(ctx context.Context, client public.Client, scopes []string) (public.AuthResult, error) {
	dc, err := client.AcquireTokenByDeviceCode(ctx, scopes)
	if err != nil {
		return public.AuthResult{}, err
	}
	fmt.Fprintln(f.Out, dc.Result.Message)
	return dc.AuthenticationResult(ctx)
}

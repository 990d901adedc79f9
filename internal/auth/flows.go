package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/patctl/patctl/internal/printable"
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
	Wait    Waiting
}

// Waiting shows that patctl waits for a person — a spinner on a terminal —
// until the function it returns is called. nil shows nothing.
type Waiting func(label string) (stop func())

func (w Waiting) start(label string) (stop func()) {
	if w == nil {
		return func() {}
	}
	return w(label)
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
	stop := func() {}
	open := func(url string) error {
		fmt.Fprintf(f.Out, "Opening the sign-in page in your browser. If it does not open, visit:\n  %s\n", url)
		if err := f.Open(ctx, url); err != nil {
			if ctx.Err() != nil {
				return ctx.Err() // cancelled: no fallback to a device code
			}
			return &BrowserError{Err: err}
		}
		// Short lines, the command on its own: whole at 50 columns.
		if f.Timeout > 0 {
			fmt.Fprintf(f.Out, "Waiting up to %s for the sign-in.\n", minutes(f.Timeout))
		}
		fmt.Fprint(f.Out, "For a code to enter on another device instead,\npress Ctrl-C and run:\n  patctl login --device-code\n")
		stop = f.Wait.start("Waiting for the sign-in in your browser")
		return nil
	}
	res, err := client.AcquireTokenInteractive(ctx, scopes, public.WithOpenURL(open))
	stop()
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return res, fmt.Errorf("%w after %v: run `patctl login` again, or `patctl login --device-code`", ErrBrowserTimeout, f.Timeout)
	}
	return res, err
}

// DeviceCodeFlow shows a code to enter at a URL on any device.
type DeviceCodeFlow struct {
	Out  io.Writer // where the instructions are printed
	Wait Waiting
	Now  func() time.Time // nil: time.Now
}

// Acquire shows the page and the code — the code alone on its line, so
// that it is never broken across lines and a double-click selects it — and
// waits for someone to enter it.
func (f DeviceCodeFlow) Acquire(ctx context.Context, client public.Client, scopes []string) (public.AuthResult, error) {
	dc, err := client.AcquireTokenByDeviceCode(ctx, scopes)
	if err != nil {
		return public.AuthResult{}, err
	}
	fmt.Fprint(f.Out, deviceCodeText(dc.Result.VerificationURL, dc.Result.UserCode, dc.Result.Message, dc.Result.ExpiresOn, f.now()))
	stop := f.Wait.start("Waiting for the code to be entered")
	defer stop()
	return dc.AuthenticationResult(ctx)
}

func (f DeviceCodeFlow) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// deviceCodeText is the instructions of a device code sign-in. The service's
// own message, which a terminal may break anywhere (the code included), is
// used only when the page or the code is missing.
func deviceCodeText(url, code, message string, expires, now time.Time) string {
	url, code = printable.Escape(url), printable.Escape(code)
	if url == "" || code == "" {
		return printable.Escape(message) + "\n"
	}
	text := fmt.Sprintf("To sign in, open this page on any device:\n  %s\nand enter the code:\n\n  %s\n\n", url, code)
	if left := expires.Sub(now); !expires.IsZero() && left > 0 {
		text += fmt.Sprintf("The code expires in %s.\n", minutes(left))
	}
	return text
}

// minutes says a duration in whole minutes: "5 minutes", "1 minute".
func minutes(d time.Duration) string {
	n := int((d + 30*time.Second) / time.Minute)
	if n == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", n)
}

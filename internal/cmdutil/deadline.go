package cmdutil

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/patctl/patctl/internal/config"
)

// DefaultHTTPTimeout is how long one request may take, answer included, when
// PATCTL_HTTP_TIMEOUT does not say.
const DefaultHTTPTimeout = 30 * time.Second

// TimeoutError is a request whose answer did not arrive whole within
// PATCTL_HTTP_TIMEOUT. It is a net.Error whose Timeout is true, and does not
// wrap context.DeadlineExceeded: patapi retries it as a lost answer (an
// idempotent request only), not as the end of the command's own context.
type TimeoutError struct {
	Limit time.Duration
	// Body: the headers came, the rest of the answer did not.
	Body bool
}

func (e *TimeoutError) Error() string {
	what := "no answer"
	if e.Body {
		what = "the answer stopped part-way: not complete"
	}
	return fmt.Sprintf("%s within %s; set %s higher if the service is just slow", what, e.Limit, config.EnvTimeout)
}

func (e *TimeoutError) Timeout() bool   { return true }
func (e *TimeoutError) Temporary() bool { return true }

// deadlineTransport gives each round trip its own deadline, covering the
// headers and the whole body. It sits under everything else (the bearer
// token's refresh, --debug's trace), so a token refreshed through the same
// client, or a request sent again after a 401, gets a fresh deadline, and the
// trace's read of the body is bounded too. http.Client.Timeout would instead
// bound all of those at once, and its error says nothing a user can act on.
type deadlineTransport struct {
	base  http.RoundTripper
	limit time.Duration
}

func (t *deadlineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	expired := &TimeoutError{Limit: t.limit}
	ctx, cancel := context.WithTimeoutCause(req.Context(), t.limit, expired)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	timedOut := context.Cause(ctx) == expired
	switch {
	case timedOut:
		// Even an answer: one that raced the deadline (a server answering
		// as the connection closed) came too late to count.
		if err == nil {
			resp.Body.Close()
		}
		cancel()
		return nil, expired
	case err != nil:
		cancel()
		return nil, err
	}
	resp.Body = &deadlineBody{ReadCloser: resp.Body, ctx: ctx, cancel: cancel, expired: expired}
	return resp, nil
}

// deadlineBody ends the round trip's deadline when the body is closed, and
// names a read cut short by it.
type deadlineBody struct {
	io.ReadCloser
	ctx     context.Context
	cancel  context.CancelFunc
	expired *TimeoutError
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && context.Cause(b.ctx) == b.expired {
		return n, &TimeoutError{Limit: b.expired.Limit, Body: true}
	}
	return n, err
}

func (b *deadlineBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

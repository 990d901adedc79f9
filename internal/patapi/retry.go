package patapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/patctl/patctl/internal/netfail"
)

// RetryPolicy retries idempotent requests (GET, PUT, DELETE) on 429, 502,
// 503, 504, reset connections and timeouts, waiting as the service asks
// (Retry-After) or with exponential backoff, until Deadline. A POST is never
// sent twice: it may have created a token although its answer was lost.
type RetryPolicy struct {
	// Deadline ends all waiting: one for the whole command. Zero: no retries.
	Deadline time.Time
	// Notify is told, in a line, each time a request is about to be retried.
	Notify func(string)
	// Backoff is the first wait, and the least any retry waits; default 1s.
	Backoff time.Duration
}

// DefaultMaxWait bounds the waiting of one command.
const DefaultMaxWait = 60 * time.Second

var retryStatus = map[int]bool{
	http.StatusTooManyRequests:    true,
	http.StatusBadGateway:         true,
	http.StatusServiceUnavailable: true,
	http.StatusGatewayTimeout:     true,
}

// next decides whether to retry after an attempt, and how long to wait.
func (p RetryPolicy) next(method string, status int, header http.Header, err error, attempt int) (time.Duration, bool) {
	if err == nil || p.Deadline.IsZero() || method == http.MethodPost {
		return 0, false
	}
	switch {
	case status != 0 && !retryStatus[status]:
		return 0, false
	case header.Get("X-VSS-HostOfflineError") != "":
		// The organization is offline for maintenance: waiting will not help.
		return 0, false
	case status == 0 && !RetryableTransport(err):
		return 0, false
	}
	base := p.Backoff
	if base <= 0 {
		base = time.Second
	}
	delay, ok := retryAfter(header)
	if !ok {
		delay = base << min(attempt-1, 5)
		delay += time.Duration(rand.Int64N(int64(delay)/4 + 1)) // jitter, so parallel jobs spread out
	}
	// Never a tight loop, whatever Retry-After says.
	delay = max(delay, base)
	if time.Now().Add(delay).After(p.Deadline) {
		return 0, false
	}
	return delay, true
}

// RetryableTransport is a failure that a second try may not meet: a reset or
// refused connection, an answer cut short, a timeout. Not a name that does
// not resolve, nor a certificate that is not trusted.
func RetryableTransport(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// retryAfter reads Retry-After: seconds, or an HTTP date.
func retryAfter(h http.Header) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(time.Until(at), 0), true
	}
	return 0, false
}

// describe says, for a person, why a request is about to be retried.
func describe(status int, err error) string {
	switch status {
	case 0:
		reason, _ := netfail.Describe(err)
		return "Azure DevOps did not answer (" + reason + ")"
	case http.StatusTooManyRequests:
		return "Azure DevOps asks for fewer requests (429)"
	}
	return fmt.Sprintf("Azure DevOps is busy (%d)", status)
}

package sink

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/patctl/patctl/internal/patapi"
)

// retryDelays are the waits between tries of a sink's idempotent request:
// a secret written twice is the same secret.
var retryDelays = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}

// StatusError is a service's answer that is not a success.
type StatusError struct {
	Status  int
	Message string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Retryable is an answer that a later try may not get: the service is busy
// or a gateway gave up.
func (e *StatusError) Retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status == http.StatusBadGateway ||
		e.Status == http.StatusServiceUnavailable || e.Status == http.StatusGatewayTimeout
}

// retry runs try until it succeeds, fails for good, or the tries run out. A
// failure is worth another try when it is a retryable StatusError or never
// got an answer (a reset connection, a timeout).
func retry(ctx context.Context, try func() error) error {
	for attempt := 0; ; attempt++ {
		err := try()
		var status *StatusError
		again := err != nil && (errors.As(err, &status) && status.Retryable() || !errors.As(err, &status) && patapi.RetryableTransport(err))
		if !again || attempt >= len(retryDelays) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(retryDelays[attempt]):
		}
	}
}

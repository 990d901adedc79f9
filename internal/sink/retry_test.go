package sink

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

func TestRetryTriesAgainOnlyWhatMaySucceed(t *testing.T) {
	retryDelays = []time.Duration{time.Millisecond, time.Millisecond}
	for _, c := range []struct {
		err   error
		tries int
	}{
		{&StatusError{Status: 503}, 3},
		{&StatusError{Status: 429}, 3},
		{io.ErrUnexpectedEOF, 3},
		{&StatusError{Status: 403}, 1},
		{errors.New("certificate signed by unknown authority"), 1},
		{nil, 1},
	} {
		tries := 0
		err := retry(context.Background(), func() error { tries++; return c.err })
		if tries != c.tries || !errors.Is(err, c.err) {
			t.Errorf("%v: %d tries (%v), want %d", c.err, tries, err, c.tries)
		}
	}
}

package patapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRetriesIdempotentRequests(t *testing.T) {
	reset := func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := http.NewResponseController(w).Hijack()
		conn.Close()
	}
	retryAfter := func(status int, after string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", after)
			w.WriteHeader(status)
		}
	}
	c, s := stubClient(t,
		retryAfter(429, "0"),
		answer(502, "", ""),
		reset,
		answer(504, "", ""),
		answer(200, ctJSON, page([]string{"a"}, "")),
	)
	var notes []string
	c.Retry = RetryPolicy{Deadline: time.Now().Add(5 * time.Second), Backoff: time.Millisecond, Notify: func(s string) { notes = append(notes, s) }}
	tokens, err := c.List(context.Background(), ListOptions{})
	if err != nil || len(tokens) != 1 {
		t.Fatalf("%v %v", tokens, err)
	}
	// net/http itself resends a GET whose reused connection was reset, so
	// that one may not reach the policy.
	if len(s.seen) != 5 || len(notes) < 3 || notes[0] != "Azure DevOps asks for fewer requests (429); retrying now" ||
		!strings.Contains(strings.Join(notes, "\n"), "Azure DevOps is busy (504); retrying now") || strings.Contains(strings.Join(notes, "\n"), "GET") {
		t.Fatalf("%d requests, notes %q", len(s.seen), notes)
	}
}

func TestNeverRetriesAPost(t *testing.T) {
	c, s := stubClient(t, answer(503, "", ""), answer(200, ctJSON, `{"patToken":{},"patTokenError":"none"}`))
	c.Retry = RetryPolicy{Deadline: time.Now().Add(5 * time.Second), Backoff: time.Millisecond}
	if _, err := c.Create(context.Background(), CreateRequest{}); err == nil || len(s.seen) != 1 {
		t.Fatalf("%v after %d requests", err, len(s.seen))
	}
}

func TestRetryStopsAtMaxWaitAndOnOtherErrors(t *testing.T) {
	c, s := stubClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(429)
	})
	c.Retry = RetryPolicy{Deadline: time.Now().Add(10 * time.Second)}
	start := time.Now()
	if _, err := c.Get(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "429") || time.Since(start) > time.Second || len(s.seen) != 1 {
		t.Fatalf("%v after %v and %d requests", err, time.Since(start), len(s.seen))
	}
	for _, a := range []func(http.ResponseWriter, *http.Request){
		answer(500, "", ""),
		answer(400, ctJSON, `{"message":"bad"}`),
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-VSS-HostOfflineError", "1")
			w.WriteHeader(503)
		},
	} {
		c, s := stubClient(t, a, answer(200, ctJSON, `{}`))
		c.Retry = RetryPolicy{Deadline: time.Now().Add(5 * time.Second), Backoff: time.Millisecond}
		if err := c.Revoke(context.Background(), "x"); err == nil || len(s.seen) != 1 {
			t.Fatalf("retried a final error: %v, %d requests", err, len(s.seen))
		}
	}
}

func TestRetryAfterDate(t *testing.T) {
	h := http.Header{}
	h.Set("Retry-After", time.Now().Add(3*time.Second).UTC().Format(http.TimeFormat))
	if d, ok := retryAfter(h); !ok || d <= time.Second || d > 3*time.Second {
		t.Fatalf("%v %v", d, ok)
	}
}

func TestOnlyPassingTransportFailuresAreRetried(t *testing.T) {
	for err, want := range map[error]bool{
		syscall.ECONNRESET:                                          true,
		fmt.Errorf("read: %w", io.ErrUnexpectedEOF):                 true,
		errors.New("x509: certificate signed by unknown authority"): false,
		&net.DNSError{Err: "no such host", Name: "x"}:               false,
		context.Canceled:                                            false,
	} {
		if got := RetryableTransport(err); got != want {
			t.Errorf("%v: %v", err, got)
		}
	}
	p := RetryPolicy{Deadline: time.Now().Add(time.Minute), Backoff: 200 * time.Millisecond}
	h := http.Header{}
	h.Set("Retry-After", "0")
	if d, ok := p.next("GET", 429, h, errors.New("429"), 1); !ok || d < 200*time.Millisecond {
		t.Fatalf("Retry-After 0 waits %v", d)
	}
}

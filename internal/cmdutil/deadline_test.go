package cmdutil

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/patapi"
)

// stallServer answers "/headers" never, "/body" with headers and a tenth of
// its body, then nothing; each holds until the client goes away (and then
// answers, too late, as a server may while the connection closes). Its first
// `stalls` requests stall; later ones get an empty page of tokens.
func stallServer(t *testing.T, stalls int32) (*http.Client, string, *atomic.Int32) {
	t.Helper()
	var seen atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) > stalls {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"patTokens":[],"patToken":{"authorizationId":"x"}}`)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/body") {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, `{"patTokens"`)
			http.NewResponseController(w).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	client, err := NewHTTPClient(caFile, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return client, srv.URL, &seen
}

func TestStalledAnswersEndAtTheDeadline(t *testing.T) {
	client, base, _ := stallServer(t, 100)
	for _, path := range []string{"/headers", "/body"} {
		start := time.Now()
		resp, err := client.Get(base + path)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		var timeout *TimeoutError
		if !errors.As(err, &timeout) || timeout.Body != (path == "/body") {
			t.Fatalf("%s: %v, want a TimeoutError (body %v); resp %v after %s", path, err, path == "/body", resp, time.Since(start))
		}
		if !strings.Contains(err.Error(), config.EnvTimeout) || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v", path, err)
		}
		// Not a measure of speed: only that the request did not hang.
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: ended after %s", path, d)
		}
	}

	// The command's own cancellation (Ctrl-C) stays what it is.
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/body", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	var timeout *TimeoutError
	if !errors.Is(err, context.Canceled) || errors.As(err, &timeout) {
		t.Fatalf("cancelled: %v", err)
	}
}

// TestStalledAnswersAndRetries: a GET whose answer stalls is sent again with
// a deadline of its own; a POST never is, and counts as one that may have
// created its token.
func TestStalledAnswersAndRetries(t *testing.T) {
	client, base, seen := stallServer(t, 1)
	var notes []string
	api := patapi.New(client, base+"/body", "fabrikam")
	api.Retry = patapi.RetryPolicy{Deadline: time.Now().Add(time.Minute), Backoff: 10 * time.Millisecond, Notify: func(s string) { notes = append(notes, s) }}
	if _, err := api.List(context.Background(), patapi.ListOptions{}); err != nil {
		t.Fatalf("list after a stalled answer: %v", err)
	}
	// A loaded machine may let a further attempt time out too.
	if seen.Load() < 2 || len(notes) < 1 || !strings.Contains(notes[0], config.EnvTimeout) {
		t.Fatalf("%d requests, notes %q", seen.Load(), notes)
	}

	client, base, seen = stallServer(t, 1)
	api = patapi.New(client, base+"/body", "fabrikam")
	api.Retry = patapi.RetryPolicy{Deadline: time.Now().Add(time.Minute), Backoff: 10 * time.Millisecond}
	_, err := api.Create(context.Background(), patapi.CreateRequest{DisplayName: "ci"})
	if err == nil || seen.Load() != 1 || !patapi.Transport(err) {
		t.Fatalf("create: %v after %d requests (a transport failure, so it may have created: %v)", err, seen.Load(), patapi.Transport(err))
	}
}

package core

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Fault kinds.
const (
	// FaultStatus answers with Status (and Retry-After when RetryAfter > 0)
	// without doing the operation.
	FaultStatus = "status"
	// FaultReset closes the connection before doing the operation.
	FaultReset = "reset"
	// FaultTimeout holds the request without answering until the client
	// gives up: a stall before the headers, the operation not done.
	FaultTimeout = "timeout"
	// FaultStallBody does the operation, sends the answer's headers and the
	// first half of its body, then holds until the client gives up (or
	// StallLimit passes) and closes the connection. An answer with no body (a
	// revoke's 204) is whole once its headers are sent.
	FaultStallBody = "stall-body"
	// FaultCommitThenDrop does the operation, then closes the connection
	// instead of sending the answer: the client cannot know it succeeded.
	FaultCommitThenDrop = "commit-then-drop"
	// FaultCommitThenHold does the operation, then holds the answer until
	// the client gives up: a request in flight whose effect is already made.
	FaultCommitThenHold = "commit-then-hold"
)

// Fault makes requests for one operation fail. Add them with Server.AddFault.
type Fault struct {
	Op         string `json:"op"`                  // an Op* name, or "*" for every operation
	GrantType  string `json:"grantType,omitempty"` // with Op "token": only this grant
	Kind       string `json:"kind"`
	Status     int    `json:"status,omitempty"`
	RetryAfter int    `json:"retryAfter,omitempty"` // seconds
	// Message is the message of a status fault's answer (default: the
	// status text); the service's own can hold anything, line breaks included.
	Message string `json:"message,omitempty"`
	// Times is how many matching requests fail; 0 means every one.
	Times int `json:"times,omitempty"`
	// Skip lets this many matching requests through first.
	Skip int `json:"skip,omitempty"`
}

// AddFault arms a fault.
func (s *Server) AddFault(f Fault) error {
	switch {
	case f.Op == "":
		return errors.New("op is required (an operation name or *)")
	case f.Kind != FaultStatus && f.Kind != FaultReset && f.Kind != FaultTimeout && f.Kind != FaultStallBody && f.Kind != FaultCommitThenDrop && f.Kind != FaultCommitThenHold:
		return fmt.Errorf("kind %q is not one of status, reset, timeout, stall-body, commit-then-drop, commit-then-hold", f.Kind)
	case f.Kind == FaultStatus && f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return fmt.Errorf("status %d is not an HTTP error status", f.Status)
	case f.Times < 0 || f.Skip < 0 || f.RetryAfter < 0:
		return errors.New("times, skip and retryAfter cannot be negative")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
	return nil
}

// ClearFaults disarms every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the fault that applies to this request, counting it used.
// The caller holds s.mu.
func (s *Server) takeFault(op, grantType string) *Fault {
	for i, f := range s.faults {
		if f.Op != "*" && f.Op != op {
			continue
		}
		if f.GrantType != "" && f.GrantType != grantType {
			continue
		}
		if f.Skip > 0 {
			f.Skip--
			continue
		}
		taken := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &taken
	}
	return nil
}

// apply carries out the fault; it reports whether the request is finished.
// body is the JSON answer of a status fault for a message.
func (f *Fault) apply(w http.ResponseWriter, r *http.Request, handler http.HandlerFunc, body func(message string) any) bool {
	switch f.Kind {
	case FaultStatus:
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		status := f.Status
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		msg := f.Message
		if msg == "" {
			msg = http.StatusText(status)
		}
		WriteJSON(w, status, body(msg))
		return true
	case FaultReset:
		dropConnection(w)
		return true
	case FaultTimeout:
		// Hold until the client gives up, but never forever.
		sleepCtx(r.Context(), 5*time.Minute)
		dropConnection(w)
		return true
	case FaultStallBody:
		stallBody(w, r, handler)
		return true
	case FaultCommitThenDrop:
		handler(&discardWriter{header: http.Header{}}, r)
		dropConnection(w)
		return true
	case FaultCommitThenHold:
		handler(&discardWriter{header: http.Header{}}, r)
		sleepCtx(r.Context(), 5*time.Minute)
		dropConnection(w)
		return true
	}
	return false
}

// StallLimit bounds how long a stall-body fault holds a connection, so that a
// client that never gives up cannot keep the emulator's goroutine forever.
const StallLimit = time.Minute

// stallBody carries out the operation, sends its answer's headers and half
// its body, then holds and drops the connection.
func stallBody(w http.ResponseWriter, r *http.Request, handler http.HandlerFunc) {
	answer := &bufferWriter{header: http.Header{}, status: http.StatusOK}
	handler(answer, r)
	for k, v := range answer.header {
		w.Header()[k] = v
	}
	// The client must not send another request on a connection that hangs.
	w.Header().Set("Connection", "close")
	body := answer.body.Bytes()
	if len(body) > 0 {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(answer.status)
	_, _ = w.Write(body[:len(body)/2])
	_ = http.NewResponseController(w).Flush()
	sleepCtx(r.Context(), StallLimit)
	dropConnection(w)
}

// dropConnection closes the client's connection abruptly (a TCP reset where
// the platform allows), with nothing written.
func dropConnection(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	conn, _, err := rc.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2: abort the stream instead
	}
	if tc, ok := netConnOf(conn).(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func netConnOf(c net.Conn) net.Conn {
	type netConner interface{ NetConn() net.Conn }
	if nc, ok := c.(netConner); ok {
		return nc.NetConn()
	}
	return c
}

// bufferWriter keeps an answer, to be sent in part.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header         { return b.header }
func (b *bufferWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferWriter) WriteHeader(status int)      { b.status = status }

// discardWriter swallows an answer that will never be sent.
type discardWriter struct {
	header http.Header
}

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// Package netfail says, for people, why a request got no answer: a
// connection refused or reset, a name that does not resolve, a certificate
// not trusted, a timeout. Go's own message starts with the method and the
// whole URL, query string included; patctl shows that only under --debug
// (Error.Detail).
package netfail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"

	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
)

// Error is a request to a service that got no (whole) answer.
type Error struct {
	Service string // who was asked, for people: "Azure DevOps", "Entra ID"
	Method  string
	URL     string
	Err     error // what the HTTP client returned
}

// Wrap returns err, from an http.Client's Do of req, as an *Error when the
// network failed it; nil as nil. A failure of a layer of the client's own —
// the sign-in that gets its bearer token, say — comes back as that layer's
// error, without the *url.Error that names the request around it.
func Wrap(service string, req *http.Request, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) || !network(inner(err)) {
		return inner(err)
	}
	e := &Error{Service: service, Err: err}
	if req != nil {
		e.Method = req.Method
		if req.URL != nil {
			e.URL = req.URL.String()
		}
	}
	return e
}

// FromError is err as an *Error when the request it reports, made by a
// client patctl does not wrap (an SDK's), failed on the network: Go's
// *url.Error names the method and URL, which people see only under
// --debug. Any other error is returned as it is.
func FromError(service string, err error) error {
	var already *Error
	if errors.As(err, &already) {
		return already
	}
	var u *url.Error
	if !errors.As(err, &u) || !network(u.Err) {
		return err
	}
	return FromURLError(service, u)
}

// FromURLError is the request u reports, to service, as an *Error: its
// method and URL kept for --debug, u itself as the cause (as Wrap keeps
// the client's error).
func FromURLError(service string, u *url.Error) *Error {
	return &Error{Service: service, Method: strings.ToUpper(u.Op), URL: u.URL, Err: u}
}

func (e *Error) Error() string {
	if errors.Is(e.Err, context.Canceled) {
		return "interrupted"
	}
	reason, advice := Describe(e.Err)
	msg := "cannot reach " + e.Service
	if h := host(e.URL); h != "" {
		msg += " (" + h + ")"
	}
	msg += ": " + reason
	if advice != "" {
		msg += "; " + advice
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Detail is the request, method and URL included, and the error as Go
// reported it, for --debug.
func (e *Error) Detail() string {
	return strings.TrimSpace(e.Method+" "+e.URL) + ": " + inner(e.Err).Error()
}

// Describe says in a few words why a request got no answer, and what to do
// about it ("" when nothing better than trying again).
func Describe(err error) (reason, advice string) {
	const network = "check the network connection, then try again"
	var (
		dns      *net.DNSError
		opErr    *net.OpError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		timeout  interface{ Timeout() bool }
	)
	switch {
	case errors.Is(err, context.Canceled):
		return "interrupted", ""
	case errors.As(err, &opErr) && opErr.Op == "proxyconnect":
		return "the proxy (HTTPS_PROXY) cannot be reached", "check the proxy settings"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "no such host", network
		}
		return "its name does not resolve", network
	case errors.As(err, &hostname):
		return "its certificate is for another host", "check the URL"
	case errors.As(err, &unknown), errors.As(err, &invalid), errors.As(err, &verify):
		return "its certificate is not trusted", "behind a proxy that inspects TLS, give its root certificate in PATCTL_CA_FILE"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused", network
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "the connection was reset", network
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection closed before the answer came", "try again"
	case errors.As(err, &timeout) && timeout.Timeout(), errors.Is(err, context.DeadlineExceeded):
		if msg := inner(err).Error(); strings.Contains(msg, "PATCTL_HTTP_TIMEOUT") {
			return msg, "" // patctl's own, which says what to do
		}
		return "no answer in time", network
	}
	return inner(err).Error(), ""
}

// network reports a failure of the connection or of the wait for an answer,
// as opposed to one of a layer of the client's own (its error then says
// what it is).
func network(err error) bool {
	var (
		netErr  net.Error
		errno   syscall.Errno
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		verify  *tls.CertificateVerificationError
		record  tls.RecordHeaderError
		alert   tls.AlertError
	)
	return errors.As(err, &netErr) || errors.As(err, &errno) || errors.As(err, &unknown) || errors.As(err, &host) ||
		errors.As(err, &invalid) || errors.As(err, &verify) || errors.As(err, &record) || errors.As(err, &alert) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// inner is the error under a *url.Error, whose message would repeat the
// method and URL.
func inner(err error) error {
	var u *url.Error
	if errors.As(err, &u) && u.Err != nil {
		return u.Err
	}
	return err
}

func host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

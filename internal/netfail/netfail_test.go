package netfail

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
)

type timeoutErr struct{ msg string }

func (e timeoutErr) Error() string   { return e.msg }
func (e timeoutErr) Timeout() bool   { return true }
func (e timeoutErr) Temporary() bool { return true }

func TestDescribe(t *testing.T) {
	dial := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", err)}
	}
	for _, tc := range []struct {
		err    error
		reason string
	}{
		{dial(syscall.ECONNREFUSED), "connection refused"},
		{dial(syscall.ECONNRESET), "the connection was reset"},
		{&net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}, "no such host"},
		{&net.DNSError{Err: "server misbehaving", Name: "x"}, "its name does not resolve"},
		{x509.UnknownAuthorityError{}, "its certificate is not trusted"},
		{x509.HostnameError{Certificate: &x509.Certificate{}, Host: "x"}, "its certificate is for another host"},
		{io.ErrUnexpectedEOF, "the connection closed before the answer came"},
		{&net.OpError{Op: "proxyconnect", Net: "tcp", Err: dial(syscall.ECONNREFUSED)}, "the proxy (HTTPS_PROXY) cannot be reached"},
		{timeoutErr{"i/o timeout"}, "no answer in time"},
		{timeoutErr{"no answer within 30s; set PATCTL_HTTP_TIMEOUT higher if the service is just slow"}, "no answer within 30s; set PATCTL_HTTP_TIMEOUT higher if the service is just slow"},
		{context.Canceled, "interrupted"},
		{errors.New("something else"), "something else"},
	} {
		wrapped := &url.Error{Op: "Get", URL: "https://h/x?q=1", Err: tc.err}
		if got, _ := Describe(wrapped); got != tc.reason {
			t.Errorf("%v: %q, want %q", tc.err, got, tc.reason)
		}
	}
}

func TestErrorHidesTheRequest(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "https://vssps.dev.azure.com/fabrikam/_apis/tokens/pats?api-version=7.1", nil)
	cause := &url.Error{Op: "Get", URL: req.URL.String(), Err: &net.DNSError{Err: "no such host", Name: "vssps.dev.azure.com", IsNotFound: true}}
	err := Wrap("Azure DevOps", req, cause)
	if err.Error() != "cannot reach Azure DevOps (vssps.dev.azure.com): no such host; check the network connection, then try again" {
		t.Errorf("%q", err)
	}
	var dns *net.DNSError
	if !errors.As(err, &dns) {
		t.Error("the cause is lost")
	}
	detail := err.(*Error).Detail()
	if !strings.HasPrefix(detail, "GET https://vssps.dev.azure.com/fabrikam/_apis/tokens/pats?api-version=7.1: ") || strings.Count(detail, "https://") != 1 {
		t.Errorf("detail %q", detail)
	}
	canceled := Wrap("Azure DevOps", req, &url.Error{Op: "Get", URL: req.URL.String(), Err: context.Canceled})
	if canceled.Error() != "interrupted" || !errors.Is(canceled, context.Canceled) {
		t.Errorf("%q", canceled)
	}
	if Wrap("x", req, nil) != nil {
		t.Error("nil is not nil")
	}
}

// TestWrapKeepsTheClientsOwnErrors: an error of the client's own layers (its
// sign-in) is returned as it is, without the request around it.
func TestWrapKeepsTheClientsOwnErrors(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "https://h/x?q=1", nil)
	signIn := errors.New("the login is no longer valid; run `patctl login`")
	if err := Wrap("Azure DevOps", req, &url.Error{Op: "Get", URL: "https://h/x?q=1", Err: signIn}); err != signIn {
		t.Errorf("%v", err)
	}
	entra := &Error{Service: "Entra ID", URL: "https://login/x", Err: io.EOF}
	if err := Wrap("Azure DevOps", req, &url.Error{Op: "Get", URL: "https://h/x?q=1", Err: entra}); err != entra {
		t.Errorf("%v", err)
	}
}

// TestFromErrorRewordsAnSDKsFailure: an SDK's *url.Error, wrapped in the
// SDK's own words, becomes an *Error; what is not a network failure stays.
func TestFromErrorRewordsAnSDKsFailure(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	sdk := fmt.Errorf("read the public key: %w", &url.Error{Op: "Get", URL: "https://api.github.com/repos/o/r/actions/secrets/public-key", Err: refused})
	err := FromError("GitHub", sdk)
	if err.Error() != "cannot reach GitHub (api.github.com): connection refused; check the network connection, then try again" {
		t.Errorf("%q", err)
	}
	if d := err.(*Error).Detail(); !strings.HasPrefix(d, "GET https://api.github.com/repos/o/r/actions/secrets/public-key: ") {
		t.Errorf("detail %q", d)
	}
	for _, keep := range []error{
		errors.New("HTTP 403 Forbidden"),
		&url.Error{Op: "Get", URL: "https://h/x", Err: errors.New("the sign-in failed")},
	} {
		if got := FromError("GitHub", keep); got != keep {
			t.Errorf("%v became %v", keep, got)
		}
	}
	inner := &Error{Service: "Entra ID", URL: "https://login/x", Err: io.EOF}
	if got := FromError("Key Vault", &url.Error{Op: "Get", URL: "https://kv/x", Err: inner}); got != inner {
		t.Errorf("%v", got)
	}
}

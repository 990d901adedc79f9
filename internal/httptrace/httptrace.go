// Package httptrace logs HTTP traffic for --debug, with every secret
// redacted: bearer and basic credentials, tokens and codes in forms, JSON
// bodies and URLs.
package httptrace

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/patctl/patctl/internal/regexpx"
)

// Transport wraps a RoundTripper and writes one redacted block per exchange.
type Transport struct {
	Base http.RoundTripper
	Out  io.Writer

	mu sync.Mutex
}

// secretKeys are form, query and JSON keys whose values are secrets.
var secretKeys = map[string]bool{
	"access_token": true, "refresh_token": true, "id_token": true, "token": true, "code": true,
	"device_code": true, "code_verifier": true, "client_secret": true, "client_assertion": true,
	"password": true, "client_info": true, "assertion": true, "encrypted_value": true,
	// Azure Key Vault's secret (Set's body, every SecretBundle) and a
	// variable group's variables (an update sends the new secret as one).
	"value": true,
}

// safeHeaders are shown as they are; any other header shows only its name.
var safeHeaders = map[string]bool{
	"Accept": true, "Content-Type": true, "Content-Length": true, "Retry-After": true, "Location": true,
	"X-Tfs-Fedauthredirect": true, "X-Vss-Resourcetenant": true, "Activityid": true, "Www-Authenticate": true,
	"X-Vss-Hostofflineerror": true, "Date": true,
}

func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	var reqBody []byte
	send := req
	if req.Body != nil && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(io.LimitReader(rc, 64<<10))
			// GetBody may hand back the request's own reader, rewound (the
			// Azure SDK's does): what was read here is sent, then the rest.
			send = req.Clone(req.Context())
			send.Body = readCloser{io.MultiReader(bytes.NewReader(reqBody), rc), rc}
		}
	}
	resp, err := t.Base.RoundTrip(send)
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", req.Method, RedactURL(req.URL))
	writeHeaders(&b, "> ", req.Header)
	if len(reqBody) > 0 {
		fmt.Fprintf(&b, "> %s\n", Redact(string(reqBody)))
	}
	if err != nil {
		fmt.Fprintf(&b, "< error after %s: %v\n", time.Since(start).Round(time.Millisecond), err)
	} else {
		fmt.Fprintf(&b, "< %s (%s)\n", resp.Status, time.Since(start).Round(time.Millisecond))
		writeHeaders(&b, "< ", resp.Header)
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if rerr != nil {
			// An answer cut short is no answer: the caller must meet the
			// error where the body ends, as it would without the trace.
			resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{rerr}))
			fmt.Fprintf(&b, "< error reading the body after %s (%d bytes): %v\n", time.Since(start).Round(time.Millisecond), len(body), rerr)
		} else if len(body) > 0 {
			// Redact the whole body, then cut it: a cut first could leave a
			// secret without the closing quote its redaction looks for.
			fmt.Fprintf(&b, "< %s\n", truncate(Redact(string(body)), 2000))
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintln(t.Out, b.String())
	return resp, err
}

type readCloser struct {
	io.Reader
	io.Closer
}

func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := "(redacted)"
		if safeHeaders[http.CanonicalHeaderKey(k)] {
			v = strings.Join(h[k], ", ")
		} else if k == "Authorization" {
			scheme, _, _ := strings.Cut(h.Get(k), " ")
			v = scheme + " (redacted)"
		}
		fmt.Fprintf(b, "%s%s: %s\n", prefix, k, v)
	}
}

// RedactURL hides the secret query values of a URL.
func RedactURL(u *url.URL) string {
	c := *u
	c.User = nil
	q := c.Query()
	for k := range q {
		if secretKeys[strings.ToLower(k)] {
			q.Set(k, "(redacted)")
		}
	}
	c.RawQuery = q.Encode()
	return c.String()
}

var (
	// Both body patterns name every key in secretKeys, and only those.
	jsonSecretRE = sync.OnceValue(func() *regexp.Regexp {
		// A value may hold escaped quotes, and may lack its closing quote
		// where a body ends early.
		return regexp.MustCompile(`("(?i:` + secretKeyAlternation() + `)"\s*:\s*)"(?:[^"\\]|\\.)*"?`)
	})
	formSecretRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(^|&)((?i:` + secretKeyAlternation() + `)=)[^&]*`)
	})
	jwtRE = regexpx.Lazy(`eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+`)
)

// secretKeyAlternation is secretKeys as a regular-expression alternation.
func secretKeyAlternation() string {
	keys := make([]string, 0, len(secretKeys))
	for k := range secretKeys {
		keys = append(keys, regexp.QuoteMeta(k))
	}
	sort.Strings(keys)
	return strings.Join(keys, "|")
}

// Redact hides secrets in a JSON or form body: values of secret keys, and
// anything that looks like a JWT.
func Redact(body string) string {
	body = jsonSecretRE().ReplaceAllString(body, `$1"(redacted)"`)
	body = formSecretRE().ReplaceAllString(body, `$1$2(redacted)`)
	return jwtRE().ReplaceAllString(body, "(redacted JWT)")
}

// errReader fails every read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("… (%d more bytes)", len(s)-n)
}

package httptrace

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"
)

func TestSecretsNeverShow(t *testing.T) {
	const (
		jwt     = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
		refresh = "1.AXoArefreshsecretvalue"
		pat     = "dip55dwf4vpitomw63jzvomefmi2jluguprzwwqwuc6xq4fhocwq"
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "session="+refresh)
		io.WriteString(w, `{"access_token":"`+jwt+`","refresh_token":"`+refresh+`","patToken":{"token":"`+pat+`","displayName":"ci"}}`)
	}))
	defer srv.Close()
	var log bytes.Buffer
	client := &http.Client{Transport: &Transport{Base: http.DefaultTransport, Out: &log}}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"abc"}, "code_verifier": {"verifier-secret"}}
	req, _ := http.NewRequest("POST", srv.URL+"/token?code=query-secret&x=1", strings.NewReader(form.Encode()))
	req.Header.Set("Authorization", "Bearer "+jwt)
	req.SetBasicAuth("", pat)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), pat) {
		t.Fatal("the body was not passed on whole")
	}
	out := log.String()
	for _, secret := range []string{jwt, refresh, pat, "query-secret", "verifier-secret"} {
		if strings.Contains(out, secret) {
			t.Errorf("the trace shows %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"> POST ", "grant_type=refresh_token", "client_id=abc", "< 200 OK", `"displayName":"ci"`, "Authorization: Basic (redacted)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the trace lacks %q:\n%s", want, out)
		}
	}
}

// TestRedactCoversEveryKeyInBothForms: every key in secretKeys is hidden in
// a JSON body and in a form body alike.
func TestRedactCoversEveryKeyInBothForms(t *testing.T) {
	for key := range secretKeys {
		for _, body := range []string{`{"` + key + `":"s3cret-value"}`, "a=1&" + key + "=s3cret-value&b=2"} {
			if got := Redact(body); strings.Contains(got, "s3cret-value") {
				t.Errorf("%s: %s", key, got)
			}
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestAnAnswerCutShortStaysAnError: the trace reads the body first, but a
// read that failed must fail for the caller too, not pass as a short answer.
func TestAnAnswerCutShortStaysAnError(t *testing.T) {
	cut := errors.New("the answer stopped")
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		body := io.MultiReader(strings.NewReader(`{"patToken":{"token":"dip55`), iotest.ErrReader(cut))
		return &http.Response{Status: "200 OK", StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(body), Request: r}, nil
	})
	var log bytes.Buffer
	client := &http.Client{Transport: &Transport{Base: base, Out: &log}}
	resp, err := client.Get("https://example.invalid/x")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	if !errors.Is(err, cut) || string(got) != `{"patToken":{"token":"dip55` {
		t.Fatalf("read %q, %v; want the part that came, then %v", got, err, cut)
	}
	if out := log.String(); !strings.Contains(out, "the answer stopped") || strings.Contains(out, "dip55") {
		t.Fatalf("trace:\n%s", out)
	}
}

// TestASecretAcrossTheCutStaysHidden: a long answer is cut for the trace; a
// secret that straddles the cut must be redacted all the same, not shown up
// to the cut.
func TestASecretAcrossTheCutStaysHidden(t *testing.T) {
	const pat = "dip55dwf4vpitomw63jzvomefmi2jluguprzwwqwuc6xq4fhocwq"
	prefix := `{"patToken":{"displayName":"`
	name := strings.Repeat("n", 2000-len(prefix)-len(`","token":"`)-len(pat)/2)
	answer := prefix + name + `","token":"` + pat + `"},"patTokenError":"none"}`
	if at := strings.Index(answer, pat); at >= 2000 || at+len(pat) <= 2000 {
		t.Fatalf("the secret is at %d, not across the cut", at)
	}
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{Status: "200 OK", StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(answer)), Request: r}, nil
	})
	var log bytes.Buffer
	client := &http.Client{Transport: &Transport{Base: base, Out: &log}}
	resp, err := client.Get("https://example.invalid/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if out := log.String(); strings.Contains(out, pat[:8]) || !strings.Contains(out, `"token":"(redacted)"`) {
		t.Fatalf("trace:\n%s", out)
	}
}

func TestRedactAValueCutShort(t *testing.T) {
	for _, body := range []string{`{"token":"s3cret-valu`, `{"token":"s3cret-\"value\""}`} {
		if got := Redact(body); strings.Contains(got, "s3cret") || strings.Contains(got, "value") {
			t.Errorf("%s: %s", body, got)
		}
	}
}

// TestABodyWhoseGetBodySharesItsReader: the Azure SDK's GetBody rewinds and
// returns the request's own reader; the trace must not leave it read.
func TestABodyWhoseGetBodySharesItsReader(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
	}))
	defer srv.Close()
	body := strings.NewReader(`{"value":"s3cr3t"}`)
	req, _ := http.NewRequest("PUT", srv.URL, io.NopCloser(body))
	req.ContentLength = body.Size()
	req.GetBody = func() (io.ReadCloser, error) {
		_, err := body.Seek(0, io.SeekStart)
		return io.NopCloser(body), err
	}
	var log bytes.Buffer
	client := &http.Client{Transport: &Transport{Base: http.DefaultTransport, Out: &log}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got != `{"value":"s3cr3t"}` || strings.Contains(log.String(), "s3cr3t") || !strings.Contains(log.String(), `"value":"(redacted)"`) {
		t.Fatalf("sent %q; trace:\n%s", got, log.String())
	}
}

// TestVariableValuesHidden: a variable group's update carries the new
// secret as a variable's value; a list's "value" array stays readable.
func TestVariableValuesHidden(t *testing.T) {
	put := `{"name":"pipelines","variables":{"ADO_PAT":{"value":"s3cret-pat","isSecret":true},"DB":{"value":null,"isSecret":true}}}`
	if got := Redact(put); strings.Contains(got, "s3cret-pat") || !strings.Contains(got, `"DB":{"value":null`) {
		t.Errorf("update: %s", got)
	}
	list := `{"count":1,"value":[{"id":1,"name":"pipelines"}]}`
	if got := Redact(list); got != list {
		t.Errorf("list: %s", got)
	}
}

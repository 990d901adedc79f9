package patapi

import (
	"encoding/json"
	"net/http"
	"testing"
)

// FuzzDecodeAnswers feeds arbitrary bodies to every decoding path of the
// client: it must fail cleanly, never panic.
func FuzzDecodeAnswers(f *testing.F) {
	for _, s := range []string{
		`{"continuationToken":"","patTokens":[{"displayName":"a","validTo":"2020-12-01T23:46:23.32Z","scope":"vso.code","targetAccounts":null,"validFrom":"2020-11-02T22:56:52.1033333Z","authorizationId":"x","token":null}]}`,
		`{"patToken":null,"patTokenError":"invalidScope"}`,
		"\xef\xbb\xbf{}", `{"patTokens":[{"validTo":7}]}`, `<html>`, ``, `null`, `[`, `{"continuationToken":5}`,
	} {
		f.Add([]byte(s), 200)
	}
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		if status < 100 || status > 599 {
			status = 200
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}}
		if err := checkStatus(resp, body); err != nil {
			_ = err.Error()
			return
		}
		var page pagedPatTokens
		if decode(status, body, &page) == nil {
			for _, p := range page.PatTokens {
				_ = p.Lifetime()
				_ = p.AllOrgs()
			}
		}
		var res patTokenResult
		if decode(status, body, &res) == nil {
			if tok, err := res.token("fuzz"); err == nil {
				data, _ := json.Marshal(tok)
				_ = data
			}
		}
	})
}

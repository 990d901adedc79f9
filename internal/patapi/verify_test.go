package patapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestVerifyPATNeedsTheWholeAnswer: a 200 whose body breaks off proves
// nothing about the token.
func TestVerifyPATNeedsTheWholeAnswer(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, `{"authenticatedUser":`) // the server then closes the connection
	}))
	defer srv.Close()
	if err := VerifyPAT(context.Background(), srv.Client(), srv.URL, "fabrikam", "secret"); err == nil {
		t.Fatal("a cut answer counted as proof that the token works")
	}
}

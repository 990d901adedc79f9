package fakebrowser

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestFollowSubmitsTheAutoPostingForm(t *testing.T) {
	got := make(chan url.Values, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		r.ParseForm()
		got <- r.PostForm
		io.WriteString(w, "<html><body><p>Authentication complete.</p></body></html>")
	}))
	defer receiver.Close()
	signIn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/start":
			http.Redirect(w, r, "/authorize", http.StatusFound)
		case "/authorize":
			io.WriteString(w, `<html><body><form method="POST" action="`+receiver.URL+`"><input type="hidden" name="code" value="c&amp;1" /><input type="hidden" name="state" value="s" /><input type="submit" value="Submit" /></form><script>document.forms[0].submit();</script></body></html>`)
		}
	}))
	defer signIn.Close()

	page, err := Follow(context.Background(), Client(signIn.Client()), signIn.URL+"/start")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page, "Authentication complete") {
		t.Fatalf("final page %q", page)
	}
	form := <-got
	if form.Get("code") != "c&1" || form.Get("state") != "s" || form.Has("") {
		t.Fatalf("posted %v", form)
	}
}

func TestFollowReportsAnErrorPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `<html><script>x()</script><body><p>AADSTS50011: The redirect URI is wrong.</p></body></html>`)
	}))
	defer srv.Close()
	_, err := Follow(context.Background(), Client(srv.Client()), srv.URL)
	if err == nil || !strings.Contains(err.Error(), "AADSTS50011: The redirect URI is wrong.") || strings.Contains(err.Error(), "x()") {
		t.Fatalf("error %v", err)
	}
}

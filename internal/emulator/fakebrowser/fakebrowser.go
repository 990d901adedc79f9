// Package fakebrowser is a headless stand-in for a person's browser in a
// sign-in: it loads the authorization URL and submits the page's form the way
// a browser runs Entra ID's auto-posting form_post page.
package fakebrowser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Follow loads rawURL with client (which must trust the sign-in server) and
// follows redirects and form posts until a page without a form is reached,
// which it returns. A page that answers with an error status is an error.
func Follow(ctx context.Context, client *http.Client, rawURL string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", err
	}
	for hops := 0; hops < 10; hops++ {
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return "", err
		}
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			next, err := resp.Location()
			if err != nil {
				return "", fmt.Errorf("redirect without a location: %w", err)
			}
			if req, err = http.NewRequestWithContext(ctx, http.MethodGet, next.String(), nil); err != nil {
				return "", err
			}
			continue
		}
		if resp.StatusCode >= 400 {
			return "", fmt.Errorf("%s answered %s: %s", req.URL.Redacted(), resp.Status, textOf(body))
		}
		form, ok, err := findForm(body, req.URL)
		if err != nil {
			return "", err
		}
		if !ok {
			return string(body), nil
		}
		if req, err = form.request(ctx); err != nil {
			return "", err
		}
	}
	return "", errors.New("too many redirects and form posts")
}

// Client is an HTTP client for Follow that does not follow redirects itself.
func Client(base *http.Client) *http.Client {
	c := *base
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

type form struct {
	method string
	action *url.URL
	fields url.Values
}

func (f form) request(ctx context.Context) (*http.Request, error) {
	if f.method == http.MethodGet {
		u := *f.action
		u.RawQuery = f.fields.Encode()
		return http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.action.String(), strings.NewReader(f.fields.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

// findForm returns the first form of a page, with its hidden and other
// inputs, resolved against the page's URL.
func findForm(page []byte, base *url.URL) (form, bool, error) {
	doc, err := html.Parse(strings.NewReader(string(page)))
	if err != nil {
		return form{}, false, err
	}
	var found *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if found != nil {
			return
		}
		if n.Type == html.ElementNode && n.Data == "form" {
			found = n
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if found == nil {
		return form{}, false, nil
	}
	f := form{method: strings.ToUpper(attr(found, "method")), fields: url.Values{}}
	if f.method == "" {
		f.method = http.MethodGet
	}
	action, err := base.Parse(attr(found, "action"))
	if err != nil {
		return form{}, false, fmt.Errorf("form action: %w", err)
	}
	f.action = action
	var inputs func(*html.Node)
	inputs = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") != "" && attr(n, "type") != "submit" {
			f.fields.Add(attr(n, "name"), attr(n, "value"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			inputs(c)
		}
	}
	inputs(found)
	return f, true, nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf is a page's visible text, for error messages.
func textOf(page []byte) string {
	doc, err := html.Parse(strings.NewReader(string(page)))
	if err != nil {
		return string(page)
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(strings.TrimSpace(n.Data) + " ")
		}
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style") {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return strings.Join(strings.Fields(b.String()), " ")
}

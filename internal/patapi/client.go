package patapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/patctl/patctl/internal/netfail"
)

// DefaultBaseURL is where the PAT API lives.
const DefaultBaseURL = "https://vssps.dev.azure.com"

// maxPage is the largest page List may ask for.
const maxPage = 100

// maxPages bounds List: a million tokens is beyond any real user.
const maxPages = 10000

// maxBody bounds what is read of an answer: far more than any real page.
const maxBody = 16 << 20

// Client calls the PAT API of one organization.
type Client struct {
	http    *http.Client
	baseURL string
	org     string
	// Retry says when a failed request is sent again; the zero value never
	// retries.
	Retry RetryPolicy
	// OnPage, when set, is told how many tokens each page of a listing
	// brought, as it comes (a progress count; it sends nothing).
	OnPage func(tokens int)
}

// New returns a client for org at baseURL (DefaultBaseURL when empty). The
// http.Client must authenticate its requests and should not follow redirects.
func New(httpClient *http.Client, baseURL, org string) *Client {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	return &Client{http: httpClient, baseURL: strings.TrimRight(baseURL, "/"), org: org}
}

// Org is the organization this client works in.
func (c *Client) Org() string { return c.org }

func (c *Client) endpoint(query url.Values) string {
	if query == nil {
		query = url.Values{}
	}
	query.Set("api-version", APIVersion)
	return c.baseURL + "/" + url.PathEscape(c.org) + "/_apis/tokens/pats?" + query.Encode()
}

// ListOptions filter and sort List; the same options go with every page, as
// the API requires.
type ListOptions struct {
	Status    string // active, revoked, expired or all; "" is active
	Sort      string // displayName, displayDate or status; "" is displayName
	Ascending bool
	// From is a continuation token a listing with the same options handed
	// out: the listing starts at its page instead of the first.
	From string
}

// List returns every token that matches, following all pages, each with
// its Status. Status "all" lists the three sets side by side instead (see
// listEach), unless opts.From continues a listing of all.
func (c *Client) List(ctx context.Context, opts ListOptions) ([]PatToken, error) {
	if strings.EqualFold(opts.Status, "all") && opts.From == "" {
		return c.listEach(ctx, opts)
	}
	tokens := []PatToken{}
	err := c.ListPages(ctx, opts, func(page []PatToken, _ string) bool {
		tokens = append(tokens, page...)
		return true
	})
	if err != nil {
		return nil, err
	}
	return tokens, nil
}

// ListPages calls more with each page of List in turn, and the continuation
// token that page was asked for with ("" for the first), until the last page
// or until more returns false: a caller that has what it looks for asks for
// no further page. Tokens get the Status of the set listed; with "all", none
// (the service does not say).
func (c *Client) ListPages(ctx context.Context, opts ListOptions, more func(page []PatToken, from string) bool) error {
	status := setOf(opts.Status)
	q := url.Values{
		"displayFilterOption": {or(opts.Status, "active")},
		"sortByOption":        {or(opts.Sort, "displayName")},
		"isSortAscending":     {strconv.FormatBool(opts.Ascending)},
		"$top":                {strconv.Itoa(maxPage)},
	}
	if opts.From != "" {
		q.Set("continuationToken", opts.From)
	}
	seen := map[string]bool{}
	for pages := 1; ; pages++ {
		var page pagedPatTokens
		if err := c.do(ctx, http.MethodGet, c.endpoint(q), nil, &page); err != nil {
			return fmt.Errorf("list tokens: %w", err)
		}
		for i := range page.PatTokens {
			page.PatTokens[i].Status = status
		}
		if c.OnPage != nil {
			c.OnPage(len(page.PatTokens))
		}
		if !more(page.PatTokens, q.Get("continuationToken")) || page.ContinuationToken == nil || *page.ContinuationToken == "" {
			return nil
		}
		// A service that hands back a token it gave before, or pages without
		// end, would keep patctl busy forever.
		if seen[*page.ContinuationToken] {
			return errors.New("list tokens: the service repeated a continuation token")
		}
		if len(page.PatTokens) == 0 || pages >= maxPages {
			return fmt.Errorf("list tokens: the service keeps paging (%d pages, the last with %d tokens)", pages, len(page.PatTokens))
		}
		seen[*page.ContinuationToken] = true
		q.Set("continuationToken", *page.ContinuationToken)
	}
}

// Get returns one token by its authorization id.
func (c *Client) Get(ctx context.Context, id string) (PatToken, error) {
	var res patTokenResult
	if err := c.do(ctx, http.MethodGet, c.endpoint(url.Values{"authorizationId": {id}}), nil, &res); err != nil {
		return PatToken{}, fmt.Errorf("get token %s: %w", id, err)
	}
	return res.token("get token " + id)
}

// Create makes a new token; the answer carries its secret, which the service
// never shows again.
func (c *Client) Create(ctx context.Context, req CreateRequest) (PatToken, error) {
	var res patTokenResult
	if err := c.do(ctx, http.MethodPost, c.endpoint(nil), req, &res); err != nil {
		return PatToken{}, fmt.Errorf("create token: %w", err)
	}
	return res.token("create token")
}

// Update changes what the request gives of a token.
func (c *Client) Update(ctx context.Context, req UpdateRequest) (PatToken, error) {
	var res patTokenResult
	if err := c.do(ctx, http.MethodPut, c.endpoint(nil), req, &res); err != nil {
		return PatToken{}, fmt.Errorf("update token %s: %w", req.AuthorizationID, err)
	}
	return res.token("update token " + req.AuthorizationID)
}

// Revoke revokes a token.
func (c *Client) Revoke(ctx context.Context, id string) error {
	if err := c.do(ctx, http.MethodDelete, c.endpoint(url.Values{"authorizationId": {id}}), nil, nil); err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	return nil
}

// token turns a PatTokenResult into a token or the error it reports.
func (r patTokenResult) token(what string) (PatToken, error) {
	if r.PatTokenError != "" && !strings.EqualFold(r.PatTokenError, "none") {
		return PatToken{}, fmt.Errorf("%s: %w", what, &TokenError{Code: r.PatTokenError, Message: r.PatTokenErrorMessage})
	}
	if r.PatToken == nil {
		return PatToken{}, fmt.Errorf("%s: the answer has no token", what)
	}
	return *r.PatToken, nil
}

// do sends a request, retrying it as the Retry policy allows, and decodes a
// JSON answer into out (if not nil).
func (c *Client) do(ctx context.Context, method, endpoint string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	for attempt := 1; ; attempt++ {
		status, data, header, err := c.send(ctx, method, endpoint, payload)
		delay, retry := c.Retry.next(method, status, header, err, attempt)
		if !retry {
			if err != nil {
				return err
			}
			return decode(status, data, out)
		}
		if c.Retry.Notify != nil {
			when := "now"
			if d := delay.Round(100 * time.Millisecond); d > 0 {
				when = "in " + d.String()
			}
			c.Retry.Notify(describe(status, err) + "; retrying " + when)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// send makes one attempt. A status that is not a success comes back as err,
// with the status, so that the retry policy can look at both.
func (c *Client) send(ctx context.Context, method, endpoint string, payload []byte) (int, []byte, http.Header, error) {
	return Send(ctx, c.http, method, endpoint, payload)
}

// Send makes one request to an Azure DevOps API and reads its JSON answer
// (without a byte order mark). An answer that is not a success is err: a
// SignInError for every way the service asks for a sign-in, else an APIError.
func Send(ctx context.Context, client *http.Client, method, endpoint string, payload []byte) (int, []byte, http.Header, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	// Ask for a 401 instead of a redirect to a sign-in page.
	req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) { wrote.Store(wrote.Load() || info.Err == nil) },
	}))
	resp, err := client.Do(req)
	if err != nil {
		// Go's message names the method and the whole URL: --debug shows
		// them (netfail.Error.Detail), people get the host and why.
		err = netfail.Wrap("Azure DevOps", req, err)
		if !wrote.Load() {
			return 0, nil, nil, &NotSentError{Err: err}
		}
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("read the answer: %w", err)
	}
	if len(data) > maxBody {
		return resp.StatusCode, nil, resp.Header, fmt.Errorf("the answer is larger than %d MB", maxBody>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	return resp.StatusCode, data, resp.Header, checkStatus(resp, data)
}

func decode(status int, data []byte, out any) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("the answer is not the JSON expected (HTTP %d): %w", status, err)
	}
	return nil
}

// checkStatus turns an answer that is not a success into an error.
func checkStatus(resp *http.Response, body []byte) error {
	var env struct {
		Message string `json:"message"`
		TypeKey string `json:"typeKey"`
	}
	_ = json.Unmarshal(body, &env)
	switch {
	case resp.StatusCode >= 400 && env.TypeKey == "InvalidAccessException":
		// A refusal (a service principal, say), whatever its status.
		return &APIError{Status: resp.StatusCode, Message: env.Message, TypeKey: env.TypeKey}
	case resp.StatusCode == http.StatusUnauthorized,
		resp.StatusCode == http.StatusNonAuthoritativeInfo,
		resp.StatusCode >= 300 && resp.StatusCode < 400,
		resp.StatusCode < 500 && isHTML(resp, body):
		// Azure DevOps answers a missing or unusable token in all these ways.
		return &SignInError{Status: resp.StatusCode, Message: env.Message}
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	}
	apiErr := &APIError{Status: resp.StatusCode, Message: env.Message, TypeKey: env.TypeKey}
	if env.Message == "" && isHTML(resp, body) {
		apiErr.Message = "an HTML page"
	}
	return apiErr
}

func isHTML(resp *http.Response, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "text/html" {
		return true
	}
	trimmed := bytes.TrimSpace(body)
	return bytes.HasPrefix(trimmed, []byte("<"))
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

package sink

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"time"

	"github.com/google/go-github/v84/github"
	"golang.org/x/crypto/nacl/box"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
)

// ghTimeout bounds `gh auth token`, which may wait on a keyring.
const ghTimeout = 10 * time.Second

// githubAPI calls GitHub's REST API with go-github's request and error
// handling, on patctl's HTTP client.
type githubAPI struct {
	client *github.Client
}

// connect finds the credential and makes the client, once.
func (g *githubSink) connect(ctx context.Context) error {
	if g.api != nil {
		return nil
	}
	base := g.env.Getenv(config.EnvGitHubAPIURL)
	if base == "" {
		base = config.DefaultGitHubAPIURL
	}
	u, err := url.Parse(strings.TrimSuffix(base, "/") + "/")
	if err != nil || u.Host == "" {
		return errorf(g, "%s is not a URL: %q", config.EnvGitHubAPIURL, base)
	}
	token, err := githubToken(ctx, g.env, githubHost(u))
	if err != nil {
		return &codedError{code: cmdutil.ExitAuth, err: errorf(g, "%w", err)}
	}
	if g.env.HTTP == nil {
		return errorf(g, "no HTTP client")
	}
	hc, err := g.env.HTTP()
	if err != nil {
		return errorf(g, "%w", err)
	}
	client := github.NewClient(hc).WithAuthToken(token)
	client.BaseURL = u
	g.api = &githubAPI{client: client}
	return nil
}

// githubHost is the host gh knows the API by: github.com for api.github.com,
// the server itself for GitHub Enterprise Server (https://HOST/api/v3).
func githubHost(api *url.URL) string {
	if strings.EqualFold(api.Host, "api.github.com") {
		return "github.com"
	}
	return api.Host
}

// githubToken is GH_TOKEN, else GITHUB_TOKEN, else what `gh auth token`
// prints. gh's own messages are shown only when it fails.
func githubToken(ctx context.Context, env Env, host string) (string, error) {
	for _, name := range []string{"GH_TOKEN", "GITHUB_TOKEN"} {
		if v := strings.TrimSpace(env.Getenv(name)); v != "" {
			return v, nil
		}
	}
	const hint = "no GitHub token: set GH_TOKEN or GITHUB_TOKEN, or sign in with `gh auth login`"
	gh, err := exec.LookPath("gh")
	if err != nil {
		return "", errors.New(hint)
	}
	ctx, cancel := context.WithTimeout(ctx, ghTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, gh, "auth", "token", "--hostname", host)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		why := strings.TrimSpace(stderr.String())
		if ctx.Err() == context.DeadlineExceeded {
			why = fmt.Sprintf("no answer within %s", ghTimeout)
		}
		if len(why) > 300 {
			why = why[:300] + "…"
		}
		return "", fmt.Errorf("%s (gh auth token: %v: %s)", hint, err, why)
	}
	token := strings.TrimSpace(stdout.String())
	if token == "" {
		return "", errors.New(hint + " (gh auth token printed nothing)")
	}
	return token, nil
}

// do sends one request with GitHub's recommended headers; an answer that is
// not a success is a StatusError.
func (a *githubAPI) do(ctx context.Context, method, path string, body, out any) (*github.Response, error) {
	req, err := a.client.NewRequest(method, path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	resp, err := a.client.Do(ctx, req, out)
	if err != nil && resp != nil && resp.Response != nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
		return resp, &StatusError{Status: resp.StatusCode, Message: githubMessage(err)}
	}
	return resp, err
}

// githubMessage is what GitHub said, without the request line go-github adds.
func githubMessage(err error) string {
	var er *github.ErrorResponse
	if errors.As(err, &er) {
		msg := er.Message
		for _, e := range er.Errors {
			if e.Message != "" {
				msg += "; " + e.Message
			}
		}
		return msg
	}
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		return rl.Message
	}
	return ""
}

// selectedRepos lists the repositories an organization secret is shared with.
func (a *githubAPI) selectedRepos(ctx context.Context, secretPath string) ([]int64, error) {
	ids := []int64{}
	for page := 1; page != 0; {
		var list github.SelectedReposList
		var resp *github.Response
		err := retry(ctx, func() (err error) {
			resp, err = a.do(ctx, "GET", fmt.Sprintf("%s/repositories?per_page=100&page=%d", secretPath, page), nil, &list)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, r := range list.Repositories {
			ids = append(ids, r.GetID())
		}
		page = resp.NextPage
	}
	return ids, nil
}

// seal makes the sealed box GitHub asks for (libsodium crypto_box_seal),
// Base64 with the standard alphabet.
func seal(key *github.PublicKey, value string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(key.GetKey())
	if err != nil || len(raw) != 32 {
		return "", errors.New("GitHub's public key is not a Base64 X25519 key")
	}
	var pub [32]byte
	copy(pub[:], raw)
	out, err := box.SealAnonymous(nil, []byte(value), &pub, rand.Reader)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(out), nil
}

package sink

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v84/github"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/netfail"
	"github.com/patctl/patctl/internal/regexpx"
)

// maxGitHubSecret is the largest value GitHub stores: 48 KB.
const maxGitHubSecret = 48 * 1024

var githubNameRE = regexpx.Lazy(`^[A-Za-z_][A-Za-z0-9_]*$`)

// githubSink is a GitHub Actions secret:
//
//	github://OWNER/REPO/NAME                    a repository secret
//	github://OWNER/REPO/environments/ENV/NAME   an environment secret
//	github://ORG/NAME[?visibility=V]            an organization secret
//
// Preflight fetches the scope's public key (and an organization secret's
// access), so that Write costs one PUT.
type githubSink struct {
	uri        string
	scope      string // API path of the scope's secrets, escaped: repos/O/R/actions/secrets, …
	name       string // upper-case, as GitHub stores it
	org        bool
	visibility string // organization: as asked; "" keeps the existing one (new: private)
	env        Env

	api    *githubAPI
	key    *github.PublicKey
	access *orgAccess // organization: what the PUT sends, learned once
}

// orgAccess is who may use an organization secret.
type orgAccess struct {
	visibility string
	repoIDs    []int64
}

func parseGitHub(rest string, env Env) (Sink, error) {
	body, ok := strings.CutPrefix(rest, "//")
	if !ok {
		return nil, errors.New("write it github://OWNER/REPO/NAME, github://OWNER/REPO/environments/ENV/NAME or github://ORG/NAME")
	}
	path, query, _ := strings.Cut(body, "?")
	parts := strings.Split(path, "/")
	for _, p := range parts {
		if p == "" {
			return nil, errors.New("an empty path segment")
		}
	}
	g := &githubSink{uri: "github:" + rest, env: env}
	esc := url.PathEscape
	switch {
	case len(parts) == 2:
		g.org, g.scope = true, "orgs/"+esc(parts[0])+"/actions/secrets"
	case len(parts) == 3:
		g.scope = "repos/" + esc(parts[0]) + "/" + esc(parts[1]) + "/actions/secrets"
	case len(parts) >= 5 && parts[2] == "environments":
		envName, err := url.PathUnescape(strings.Join(parts[3:len(parts)-1], "/"))
		if err != nil {
			return nil, fmt.Errorf("environment: %v", err)
		}
		// An environment name's slashes are sent as %2F.
		g.scope = "repos/" + esc(parts[0]) + "/" + esc(parts[1]) + "/environments/" + url.PathEscape(envName) + "/secrets"
	default:
		return nil, errors.New("write it github://OWNER/REPO/NAME, github://OWNER/REPO/environments/ENV/NAME or github://ORG/NAME")
	}
	name := parts[len(parts)-1]
	if !githubNameRE().MatchString(name) {
		return nil, fmt.Errorf("%q is not a GitHub secret name (letters, digits and _, not starting with a digit)", name)
	}
	if g.name = strings.ToUpper(name); strings.HasPrefix(g.name, "GITHUB_") {
		return nil, fmt.Errorf("GitHub secret names cannot start with GITHUB_")
	}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil || !g.org || len(q) != 1 || len(q["visibility"]) != 1 {
			return nil, errors.New("the only query is ?visibility=private|all|selected, on an organization secret")
		}
		switch g.visibility = q.Get("visibility"); g.visibility {
		case "private", "all", "selected":
		default:
			return nil, fmt.Errorf("visibility %q is not private, all or selected", g.visibility)
		}
	}
	return g, nil
}

func (g *githubSink) String() string { return g.uri }

// Preflight finds the credential and reads the public key — and, for an
// organization secret, who may use it now — so that Write has only to PUT.
func (g *githubSink) Preflight(ctx context.Context) error {
	if err := g.connect(ctx); err != nil {
		return err
	}
	if err := g.fetchKey(ctx); err != nil {
		return err
	}
	return g.learnAccess(ctx)
}

// Holds reads the secret's metadata: GitHub says when it was last written,
// not what it holds.
func (g *githubSink) Holds(ctx context.Context) (string, time.Time, bool, error) {
	if err := g.connect(ctx); err != nil {
		return "", time.Time{}, false, err
	}
	var meta github.Secret
	err := retry(ctx, func() error { _, err := g.api.do(ctx, "GET", g.secretPath(), nil, &meta); return err })
	var status *StatusError
	switch {
	case errors.As(err, &status) && status.Status == 404:
		return "", time.Time{}, true, nil
	case err != nil:
		return "", time.Time{}, false, g.refusal("read the secret", err)
	}
	return "", meta.UpdatedAt.Time, true, nil
}

func (g *githubSink) Write(ctx context.Context, s Secret) (string, error) {
	if len(s.Value) > maxGitHubSecret {
		return "", errorf(g, "the secret is over GitHub's 48 KB")
	}
	// resume writes without a preflight first.
	if g.api == nil {
		if err := g.Preflight(ctx); err != nil {
			return "", err
		}
	}
	err := g.put(ctx, s.Value)
	var status *StatusError
	if errors.As(err, &status) && status.Status == 422 {
		// The key may have rotated since it was read: read it again, and
		// seal again if it did.
		old := g.key.GetKeyID()
		if kerr := g.fetchKey(ctx); kerr == nil && g.key.GetKeyID() != old {
			err = g.put(ctx, s.Value)
		}
	}
	if err != nil {
		return "", g.refusal("write "+g.name, err)
	}
	return "", nil
}

// put seals the value with the public key and writes it: 201 created and
// 204 updated both mean written.
func (g *githubSink) put(ctx context.Context, value string) error {
	sealed, err := seal(g.key, value)
	if err != nil {
		return err
	}
	body := &github.EncryptedSecret{KeyID: g.key.GetKeyID(), EncryptedValue: sealed}
	if g.org {
		body.Visibility = g.access.visibility
		body.SelectedRepositoryIDs = g.access.repoIDs
	}
	return retry(ctx, func() error { _, err := g.api.do(ctx, "PUT", g.secretPath(), body, nil); return err })
}

func (g *githubSink) secretPath() string { return g.scope + "/" + g.name }

func (g *githubSink) fetchKey(ctx context.Context) error {
	var key github.PublicKey
	if err := retry(ctx, func() error { _, err := g.api.do(ctx, "GET", g.scope+"/public-key", nil, &key); return err }); err != nil {
		return g.refusal("read the public key", err)
	}
	g.key = &key
	return nil
}

// learnAccess decides an organization secret's visibility: as asked, else
// the existing secret's (with its repositories), else private.
func (g *githubSink) learnAccess(ctx context.Context) error {
	if !g.org {
		return nil
	}
	var existing github.Secret
	err := retry(ctx, func() error { _, err := g.api.do(ctx, "GET", g.secretPath(), nil, &existing); return err })
	var status *StatusError
	switch {
	case errors.As(err, &status) && status.Status == 404:
		existing.Visibility = ""
	case err != nil:
		return g.refusal("read the secret", err)
	}
	g.access = &orgAccess{visibility: g.visibility}
	if g.access.visibility == "" {
		g.access.visibility = existing.Visibility
	}
	if g.access.visibility == "" {
		g.access.visibility = "private"
	}
	if g.access.visibility == "selected" && existing.Visibility == "selected" {
		ids, err := g.api.selectedRepos(ctx, g.secretPath())
		if err != nil {
			return g.refusal("read the secret's repositories", err)
		}
		g.access.repoIDs = ids
	}
	if g.access.visibility == "selected" && g.access.repoIDs == nil {
		g.access.repoIDs = []int64{} // a new one: no repository yet
	}
	return nil
}

// refusal names what GitHub refused, with the exit code of its kind.
func (g *githubSink) refusal(what string, err error) error {
	var status *StatusError
	if !errors.As(err, &status) {
		return errorf(g, "%s: %w", what, netfail.FromError("GitHub", err))
	}
	switch status.Status {
	case 401:
		return &codedError{code: cmdutil.ExitAuth, err: errorf(g, "%s: GitHub refused the token (%w); set GH_TOKEN or GITHUB_TOKEN to a valid one", what, err)}
	case 403:
		return &codedError{code: cmdutil.ExitRefused, err: errorf(g, "%s: the token may not do this (%w); it needs the repo scope (admin:org for an organization) or the Secrets permission", what, err)}
	case 404:
		return &codedError{code: cmdutil.ExitNotFound, err: errorf(g, "%s: not found (%w): the repository, environment or organization does not exist, or the token cannot see it", what, err)}
	}
	return errorf(g, "%s: %w", what, err)
}

package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/patctl/patctl/internal/emulator/core"
	"github.com/patctl/patctl/internal/emulator/github"
)

// githubPrefix is where the fake GitHub API is served (its operations are
// named github-…: see package github).
const githubPrefix = "/github"

// githubState is the fake GitHub's key in the state file.
type githubState struct {
	GitHub json.RawMessage `json:"github,omitempty"`
}

// newGitHub makes the fake GitHub (Actions secrets), keeps its state in the
// state file, and serves GET /_emulator/github-secret?path=P (a secret with
// its value opened) for the program.
func (e *Emulator) newGitHub() (*github.Service, error) {
	var mu sync.Mutex // orders the saves
	var gh *github.Service
	gh = github.New(github.Options{
		Prefix: githubPrefix,
		Config: func() github.Config { return e.Config().GitHub },
		Now:    e.srv.Now,
		OnChange: func() {
			mu.Lock()
			defer mu.Unlock()
			e.srv.SaveState(&githubState{GitHub: gh.MarshalState()})
		},
	})
	var st githubState
	if err := e.srv.LoadState(&st); err != nil {
		return nil, err
	}
	if err := gh.LoadState(st.GitHub); err != nil {
		return nil, err
	}
	e.srv.HandleAdmin(http.MethodGet, "github-secret", func(w http.ResponseWriter, r *http.Request) {
		s, err := gh.Secret(r.URL.Query().Get("path"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		core.WriteJSON(w, http.StatusOK, s)
	})
	return gh, nil
}

// githubRoutes puts the fake GitHub on the core, under githubPrefix.
type githubRoutes struct{ gh *github.Service }

func (g githubRoutes) Route(r *http.Request) (core.Route, bool) {
	if !strings.HasPrefix(r.URL.Path, githubPrefix+"/") {
		return core.Route{}, false
	}
	return core.Route{Op: g.gh.Op(r), Handler: g.gh.ServeHTTP}, true
}

// GitHub is the fake GitHub (Actions secrets) served under /github/: tests
// read secrets back and rotate keys through it.
func (e *Emulator) GitHub() *github.Service { return e.github }

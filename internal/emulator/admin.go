package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/emulator/github"
)

// Request is one entry of the request log. It never holds a secret: bodies are
// not recorded, and queries of these endpoints carry none.
type Request struct {
	Time      time.Time `json:"time"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Query     string    `json:"query,omitempty"`
	Op        string    `json:"op"`
	GrantType string    `json:"grantType,omitempty"`
	Status    int       `json:"status"`
	Fault     string    `json:"fault,omitempty"`
}

// Requests returns a copy of the request log.
func (e *Emulator) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Request(nil), e.log...)
}

// ResetRequests empties the request log and sets the connection count to 0.
func (e *Emulator) ResetRequests() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = nil
	e.conns.Store(0)
}

// adminPrefix is where the emulator's own control endpoints live, for scripts
// and harnesses that run the emulator as a separate program:
//
//	GET    /_emulator/requests   the request log        DELETE: empty it
//	GET    /_emulator/config     the configuration      PATCH: merge JSON into it
//	POST   /_emulator/faults     arm a Fault (JSON)     DELETE: disarm all
//	POST   /_emulator/revoke-sessions?upn=U   revoke every refresh token of a user
//	POST   /_emulator/clock?advance=DUR       move the emulator's clock forward
//	POST   /_emulator/invalidate-tokens       refuse every access token issued so far
//	GET    /_emulator/github-secret?path=P    a fake GitHub secret with its value
const adminPrefix = "/_emulator/"

func (e *Emulator) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch strings.TrimPrefix(r.URL.Path, adminPrefix) + " " + r.Method {
	case "requests GET":
		writeJSON(w, http.StatusOK, e.Requests())
	case "requests DELETE":
		e.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	case "config GET":
		writeJSON(w, http.StatusOK, redactSecrets(e.Config()))
	case "config PATCH":
		patch, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var cfg Config
		if err == nil {
			var mergeErr error
			err = e.Update(func(c *Config) {
				if cfg, mergeErr = MergeConfig(*c, patch); mergeErr == nil {
					*c = cfg
				}
			})
			if mergeErr != nil {
				err = mergeErr
			}
		}
		if err != nil {
			http.Error(w, "config: "+err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusOK, redactSecrets(cfg))
	case "faults POST":
		var f Fault
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
			http.Error(w, "fault: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := e.AddFault(f); err != nil {
			http.Error(w, "fault: "+err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case "faults DELETE":
		e.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case "revoke-sessions POST":
		n := e.RevokeSessions(r.URL.Query().Get("upn"))
		writeJSON(w, http.StatusOK, map[string]int{"revoked": n})
	case "invalidate-tokens POST":
		writeJSON(w, http.StatusOK, map[string]int{"invalidated": e.InvalidateAccessTokens()})
	case "github-secret GET":
		// ?path=OWNER/REPO/NAME (or …/environments/ENV/NAME, ORG/NAME): the value, opened
		s, err := e.github.Secret(r.URL.Query().Get("path"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, s)
	case "clock POST":
		d, err := time.ParseDuration(r.URL.Query().Get("advance"))
		if err != nil {
			http.Error(w, "clock: advance=DURATION is required", http.StatusBadRequest)
			return
		}
		e.Advance(d)
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

// redactSecrets hides client secrets from the control endpoint.
func redactSecrets(c Config) Config {
	for i := range c.Clients {
		if c.Clients[i].Secret != "" {
			c.Clients[i].Secret = "(set)"
		}
	}
	c.GitHub.Tokens = append([]github.Token(nil), c.GitHub.Tokens...)
	for i := range c.GitHub.Tokens {
		c.GitHub.Tokens[i].Value = "(set)"
	}
	return c
}

package github

import (
	"errors"
	"fmt"
	"strings"
)

// Token access levels.
const (
	AccessWrite = "write" // reads and writes secrets (the default)
	AccessRead  = "read"  // reads public keys and secrets' metadata; 403 on PUT and DELETE
	AccessNone  = "none"  // a valid token that cannot see secrets: 403 on everything
)

// Tokens of the default configuration. They are test credentials of the fake
// only, never valid anywhere else.
const (
	DefaultToken  = "ghp_EmulatorWriteToken0000000000000001"
	ReadOnlyToken = "ghp_EmulatorReadToken00000000000000002"
	NoAccessToken = "ghp_EmulatorNoAccessToken0000000000003"
)

// Config is who exists in the fake and which tokens it accepts.
type Config struct {
	Tokens []Token `json:"tokens"`
	Repos  []Repo  `json:"repos"`
	Orgs   []Org   `json:"orgs"`
}

// Token is a credential the fake accepts (as "Bearer" or "token").
type Token struct {
	Value  string `json:"value"`
	Access string `json:"access,omitempty"` // write (default), read or none
}

// Repo is a repository and its deployment environments.
type Repo struct {
	Owner        string   `json:"owner"`
	Name         string   `json:"name"`
	ID           int64    `json:"id"`
	Environments []string `json:"environments,omitempty"`
}

// Org is an organization; its repositories are those whose owner it is.
type Org struct {
	Name string `json:"name"`
}

// DefaultConfig: the organization contoso with the repositories web (with an
// environment prod) and api, and the three default tokens.
func DefaultConfig() Config {
	return Config{
		Tokens: []Token{
			{Value: DefaultToken, Access: AccessWrite},
			{Value: ReadOnlyToken, Access: AccessRead},
			{Value: NoAccessToken, Access: AccessNone},
		},
		Repos: []Repo{
			{Owner: "contoso", Name: "web", ID: 1296269, Environments: []string{"prod"}},
			{Owner: "contoso", Name: "api", ID: 1296280},
		},
		Orgs: []Org{{Name: "contoso"}},
	}
}

// Clone is a deep copy.
func (c Config) Clone() Config {
	c.Tokens = append([]Token(nil), c.Tokens...)
	c.Repos = append([]Repo(nil), c.Repos...)
	for i := range c.Repos {
		c.Repos[i].Environments = append([]string(nil), c.Repos[i].Environments...)
	}
	c.Orgs = append([]Org(nil), c.Orgs...)
	return c
}

// Validate reports the first entry the fake cannot work with.
func (c Config) Validate() error {
	seen := map[string]bool{}
	for _, t := range c.Tokens {
		switch {
		case t.Value == "":
			return errors.New("github.tokens: a token needs a value")
		case t.Access != "" && t.Access != AccessWrite && t.Access != AccessRead && t.Access != AccessNone:
			return fmt.Errorf("github.tokens: access %q is not one of write, read, none", t.Access)
		case seen[t.Value]:
			return errors.New("github.tokens: a token is listed twice")
		}
		seen[t.Value] = true
	}
	ids := map[int64]bool{}
	for _, r := range c.Repos {
		switch {
		case r.Owner == "" || r.Name == "" || strings.Contains(r.Owner+r.Name, "/"):
			return fmt.Errorf("github.repos: %q/%q needs an owner and a name without slashes", r.Owner, r.Name)
		case r.ID <= 0 || ids[r.ID]:
			return fmt.Errorf("github.repos: %s/%s needs a positive id of its own", r.Owner, r.Name)
		}
		ids[r.ID] = true
	}
	for _, o := range c.Orgs {
		if o.Name == "" || strings.Contains(o.Name, "/") {
			return fmt.Errorf("github.orgs: %q is not an organization name", o.Name)
		}
	}
	return nil
}

func (c Config) token(value string) (Token, bool) {
	for _, t := range c.Tokens {
		if t.Value == value {
			if t.Access == "" {
				t.Access = AccessWrite
			}
			return t, true
		}
	}
	return Token{}, false
}

func (c Config) repo(owner, name string) (Repo, bool) {
	for _, r := range c.Repos {
		if strings.EqualFold(r.Owner, owner) && strings.EqualFold(r.Name, name) {
			return r, true
		}
	}
	return Repo{}, false
}

func (c Config) org(name string) (Org, bool) {
	for _, o := range c.Orgs {
		if strings.EqualFold(o.Name, name) {
			return o, true
		}
	}
	return Org{}, false
}

// orgRepo finds a repository of an organization by id.
func (c Config) orgRepo(org string, id int64) (Repo, bool) {
	for _, r := range c.Repos {
		if r.ID == id && strings.EqualFold(r.Owner, org) {
			return r, true
		}
	}
	return Repo{}, false
}

func (r Repo) environment(name string) (string, bool) {
	for _, e := range r.Environments {
		if strings.EqualFold(e, name) {
			return e, true
		}
	}
	return "", false
}

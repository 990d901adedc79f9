package sink

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/regexpx"
)

// vargroup is ado-vargroup://PROJECT/GROUP/VARIABLE[?org=ORG]: a secret
// variable of an Azure DevOps variable group, in the command's organization
// unless ?org= names another.
type vargroup struct {
	uri                           string
	org, project, group, variable string
	env                           Env

	mu    sync.Mutex
	id    int        // the group's id, once found
	found *groupBody // the group as the preflight found it, for the first write
}

const vargroupForm = "ado-vargroup://PROJECT/GROUP/VARIABLE[?org=ORG]"

var (
	variableNameRE = regexpx.Lazy(`^[A-Za-z0-9_.-]+$`)
	orgNameRE      = regexpx.Lazy(`^[A-Za-z0-9][A-Za-z0-9-]*$`)
)

func parseVargroup(rest string, env Env) (Sink, error) {
	path, ok := strings.CutPrefix(rest, "//")
	path, query, _ := strings.Cut(path, "?")
	parts := strings.Split(path, "/")
	if !ok || len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return nil, fmt.Errorf("the form is %s", vargroupForm)
	}
	for i, p := range parts {
		var err error
		if parts[i], err = url.PathUnescape(p); err != nil {
			return nil, fmt.Errorf("%q: %v", p, err)
		}
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("the query: %v", err)
	}
	for k := range q {
		if k != "org" {
			return nil, fmt.Errorf("%q is not a parameter of %s", k, vargroupForm)
		}
	}
	v := &vargroup{uri: "ado-vargroup:" + rest, org: q.Get("org"), project: parts[0], group: parts[1], variable: parts[2], env: env}
	if q.Has("org") && !orgNameRE().MatchString(v.org) {
		return nil, fmt.Errorf("?org=%s is not an organization name (letters, digits and hyphens)", v.org)
	}
	if !variableNameRE().MatchString(v.variable) {
		return nil, fmt.Errorf("%q is not a variable name (letters, digits, _ . -)", v.variable)
	}
	return v, nil
}

func (v *vargroup) String() string { return v.uri }

// Preflight finds the group among those the caller may change (the manage
// action filter lists only those) and refuses a Key Vault-linked one. Only
// when it is not there does a second list tell a missing group from one
// the caller may only read. What it found is what Write puts back.
func (v *vargroup) Preflight(ctx context.Context) error {
	api, err := v.api(ctx, "")
	if err != nil {
		return devopsFailure(errorf(v, "%w", err))
	}
	g, err := api.find(ctx, "manage")
	if err != nil {
		return devopsFailure(errorf(v, "find the variable group: %w", err))
	}
	if g == nil {
		if g, err = api.find(ctx, ""); err != nil {
			return devopsFailure(errorf(v, "find the variable group: %w", err))
		}
		if g == nil {
			return &codedError{code: cmdutil.ExitNotFound, err: errorf(v, "there is no variable group %q in project %q of %s", v.group, v.project, api.org)}
		}
		if err := v.usable(g.Type); err != nil {
			return err
		}
		return &codedError{code: cmdutil.ExitRefused, err: errorf(v, "you may read variable group %q but not change it: it takes the Administrator role on the group (Pipelines > Library > Security)", v.group)}
	}
	if err := v.usable(g.Type); err != nil {
		return err
	}
	v.mu.Lock()
	v.id, v.found = g.ID, &g.groupBody
	v.mu.Unlock()
	return nil
}

// usable refuses a group linked to a Key Vault: its variables only name
// the vault's secrets, and the values live in the vault.
func (v *vargroup) usable(groupType string) error {
	if strings.EqualFold(groupType, "AzureKeyVault") {
		return &codedError{code: cmdutil.ExitUsage, err: errorf(v, "variable group %q is linked to an Azure Key Vault, whose secrets are its variables: write the vault instead (--to keyvault://…)", v.group)}
	}
	return nil
}

// Write sets the variable as a secret and puts the whole group back: an
// update replaces every variable, and a secret sent back as null keeps its
// value. The first try sends the group as the preflight found it — a
// request fewer; a retry, or a resume without a preflight, reads it afresh.
func (v *vargroup) Write(ctx context.Context, s Secret) (string, error) {
	api, err := v.api(ctx, s.Org)
	if err != nil {
		return "", devopsFailure(errorf(v, "%w", err))
	}
	err = retry(ctx, func() error {
		v.mu.Lock()
		id, g := v.id, v.found
		v.found = nil
		v.mu.Unlock()
		if id == 0 {
			found, err := api.find(ctx, "")
			if err != nil {
				return err
			}
			if found == nil {
				return fmt.Errorf("there is no variable group %q in project %q of %s", v.group, v.project, api.org)
			}
			id = found.ID
		}
		if g == nil {
			if g, err = api.get(ctx, id); err != nil {
				return err
			}
		}
		if err := v.usable(g.Type); err != nil {
			return err
		}
		if err := g.setSecret(v.variable, s.Value); err != nil {
			return err
		}
		return api.put(ctx, id, g)
	})
	var coded *codedError
	if errors.As(err, &coded) {
		return "", err
	}
	if err != nil {
		return "", devopsFailure(errorf(v, "%w", err))
	}
	return "", nil
}

func (v *vargroup) api(ctx context.Context, secretOrg string) (*groupAPI, error) {
	if v.env.DevOps == nil {
		return nil, errors.New("Azure DevOps is not reachable from here")
	}
	d, err := v.env.DevOps(ctx)
	if err != nil {
		return nil, err
	}
	org := cmp.Or(v.org, secretOrg, d.Org)
	if org == "" {
		return nil, fmt.Errorf("no organization: add ?org=ORG, or give --org or %s", config.EnvOrg)
	}
	return &groupAPI{DevOps: d, org: org, project: v.project, group: v.group}, nil
}

package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/patapi"
)

// DevOps is Azure DevOps as sinks reach it.
type DevOps struct {
	HTTP    *http.Client // carries the sign-in's bearer token
	BaseURL string       // PATCTL_DEVOPS_URL
	Org     string       // the command's organization; "" when it has none
}

// vargroupAPIVersion is the released version of the variable-group API.
const vargroupAPIVersion = "7.1"

// devopsFailure keeps the kind of an answer: 401 (or a sign-in the login
// cannot do silently) is a sign-in needed, 403 a refusal.
func devopsFailure(err error) error {
	var status *StatusError
	var signIn *auth.SignInRequiredError
	switch {
	case errors.As(err, &status) && status.Status == http.StatusUnauthorized, errors.As(err, &signIn):
		return &codedError{code: cmdutil.ExitAuth, err: err}
	case errors.As(err, &status) && status.Status == http.StatusForbidden:
		return &codedError{code: cmdutil.ExitRefused, err: err}
	}
	return err
}

// groupAPI is distributedtask/variablegroups of one organization and project.
type groupAPI struct {
	DevOps
	org, project, group string
}

// listedGroup is a group as a list answers it: its id, and everything an
// update sends back.
type listedGroup struct {
	ID int `json:"id"`
	groupBody
}

// groupBody is a group as an update sends it back (VariableGroupParameters):
// every variable and reference exactly as it came.
type groupBody struct {
	Name                           string                     `json:"name"`
	Description                    string                     `json:"description"`
	Type                           string                     `json:"type"`
	Variables                      map[string]json.RawMessage `json:"variables"`
	VariableGroupProjectReferences json.RawMessage            `json:"variableGroupProjectReferences"`
	ProviderData                   json.RawMessage            `json:"providerData,omitempty"`
}

// setSecret sets one variable to a secret value, leaving the others as they are.
func (g *groupBody) setSecret(name, value string) error {
	if refs := bytes.TrimSpace(g.VariableGroupProjectReferences); len(refs) == 0 || string(refs) == "null" || string(refs) == "[]" {
		return errors.New("the group came back without its project references, which an update needs")
	}
	if g.Variables == nil {
		g.Variables = map[string]json.RawMessage{}
	}
	v, err := json.Marshal(struct {
		Value    string `json:"value"`
		IsSecret bool   `json:"isSecret"`
	}{value, true})
	g.Variables[name] = v
	return err
}

// find looks the group up by name in the project; action "manage" lists
// only groups the caller may change. nil means none.
func (a *groupAPI) find(ctx context.Context, action string) (*listedGroup, error) {
	q := url.Values{"groupName": {a.group}, "api-version": {vargroupAPIVersion}}
	if action != "" {
		q.Set("actionFilter", action)
	}
	var raw json.RawMessage
	if err := a.do(ctx, http.MethodGet, a.projectURL("")+"?"+q.Encode(), nil, &raw); err != nil {
		return nil, err
	}
	// {count, value} as the service answers, or a bare array as the spec says.
	var groups []listedGroup
	var list struct {
		Value []listedGroup `json:"value"`
	}
	err := json.Unmarshal(raw, &list)
	groups = list.Value
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		err = json.Unmarshal(raw, &groups)
	}
	if err != nil {
		return nil, fmt.Errorf("an unexpected answer from Azure DevOps: %v", err)
	}
	for _, g := range groups {
		if strings.EqualFold(g.Name, a.group) {
			return &g, nil
		}
	}
	return nil, nil
}

func (a *groupAPI) get(ctx context.Context, id int) (*groupBody, error) {
	var g groupBody
	err := a.do(ctx, http.MethodGet, a.projectURL("/"+strconv.Itoa(id))+"?api-version="+vargroupAPIVersion, nil, &g)
	return &g, err
}

// put updates the group: at the organization's level, with no project.
func (a *groupAPI) put(ctx context.Context, id int, g *groupBody) error {
	u := strings.TrimRight(a.BaseURL, "/") + "/" + url.PathEscape(a.org) + "/_apis/distributedtask/variablegroups/" + strconv.Itoa(id) + "?api-version=" + vargroupAPIVersion
	return a.do(ctx, http.MethodPut, u, g, nil)
}

func (a *groupAPI) projectURL(suffix string) string {
	return strings.TrimRight(a.BaseURL, "/") + "/" + url.PathEscape(a.org) + "/" + url.PathEscape(a.project) + "/_apis/distributedtask/variablegroups" + suffix
}

// do sends one request and decodes its JSON answer into out. An error
// answer is a StatusError (a sign-in page counts as 401), for retry and
// devopsFailure.
func (a *groupAPI) do(ctx context.Context, method, u string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	_, data, _, err := patapi.Send(ctx, a.HTTP, method, u, payload)
	var signIn *patapi.SignInError
	var apiErr *patapi.APIError
	switch {
	case errors.As(err, &signIn):
		return &StatusError{Status: http.StatusUnauthorized, Message: "Azure DevOps wants a sign-in: run `patctl login`"}
	case errors.As(err, &apiErr):
		return &StatusError{Status: apiErr.Status, Message: apiErr.Message}
	case err != nil:
		return err
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("an unexpected answer from Azure DevOps: %v", err)
		}
	}
	return nil
}

package vargroups

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"
)

// The fake's own wire structs, after VariableGroup and VariableGroupParameters
// of taskAgent.json (7.1) and the example bodies.

type wireGroup struct {
	Variables                      map[string]wireVariable `json:"variables"`
	ID                             int                     `json:"id"`
	Type                           string                  `json:"type"`
	Name                           string                  `json:"name"`
	Description                    string                  `json:"description"`
	ProviderData                   json.RawMessage         `json:"providerData,omitempty"`
	CreatedBy                      wireIdentity            `json:"createdBy"`
	CreatedOn                      string                  `json:"createdOn"`
	ModifiedBy                     wireIdentity            `json:"modifiedBy"`
	ModifiedOn                     string                  `json:"modifiedOn"`
	IsShared                       bool                    `json:"isShared"`
	VariableGroupProjectReferences []wireProjectRef        `json:"variableGroupProjectReferences"`
}

// wireParams is the body of an update.
type wireParams struct {
	Variables                      map[string]wireVariable `json:"variables"`
	Type                           string                  `json:"type"`
	Name                           string                  `json:"name"`
	Description                    string                  `json:"description"`
	ProviderData                   json.RawMessage         `json:"providerData"`
	VariableGroupProjectReferences []wireProjectRef        `json:"variableGroupProjectReferences"`
}

// wireVariable is a VariableValue; the examples leave false flags out.
type wireVariable struct {
	Value      *string `json:"value"`
	IsSecret   bool    `json:"isSecret,omitempty"`
	IsReadOnly bool    `json:"isReadOnly,omitempty"`
}

type wireProjectRef struct {
	Name             string       `json:"name"`
	Description      string       `json:"description,omitempty"`
	ProjectReference *wireProject `json:"projectReference"`
}

type wireProject struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type wireIdentity struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	UniqueName  string `json:"uniqueName"`
}

type wireList struct {
	Count int         `json:"count"`
	Value []wireGroup `json:"value"`
}

// wireError is Azure DevOps' error envelope.
type wireError struct {
	ID             string `json:"$id"`
	InnerException any    `json:"innerException"`
	Message        string `json:"message"`
	TypeName       string `json:"typeName"`
	TypeKey        string `json:"typeKey"`
	ErrorCode      int    `json:"errorCode"`
	EventID        int    `json:"eventId"`
}

// writeError answers an error envelope whose type is typeKey.
func writeError(w http.ResponseWriter, status int, typeKey, message string) {
	writeJSON(w, status, wireError{ID: "1", Message: message, TypeKey: typeKey, EventID: 3000,
		TypeName: "Microsoft.TeamFoundation.DistributedTask.WebApi." + typeKey + ", Microsoft.TeamFoundation.DistributedTask.WebApi"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimRight(buf.Bytes(), "\n"))
}

// svcTime writes a time as the service does: UTC, up to seven fractional
// digits without trailing zeros.
func svcTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.9999999Z") }

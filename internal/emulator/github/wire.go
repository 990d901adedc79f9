package github

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Wire structs of the fake, written from GitHub's OpenAPI description, not
// from any client.

const docsURL = "https://docs.github.com/rest/actions/secrets"

// basicError is the schema basic-error.
type basicError struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url"`
	Status           string `json:"status"`
}

// validationError is the schema validation-error-simple.
type validationError struct {
	Message          string   `json:"message"`
	DocumentationURL string   `json:"documentation_url"`
	Errors           []string `json:"errors,omitempty"`
}

// publicKey is the schema actions-public-key.
type publicKey struct {
	KeyID string `json:"key_id"`
	Key   string `json:"key"`
}

// secretJSON is actions-secret, and organization-actions-secret with its
// two more fields.
type secretJSON struct {
	Name                    string `json:"name"`
	CreatedAt               string `json:"created_at"`
	UpdatedAt               string `json:"updated_at"`
	Visibility              string `json:"visibility,omitempty"`
	SelectedRepositoriesURL string `json:"selected_repositories_url,omitempty"`
}

type secretList struct {
	TotalCount int          `json:"total_count"`
	Secrets    []secretJSON `json:"secrets"`
}

// putBody is the request of the create-or-update operations; pointers tell
// a missing field from an empty one.
type putBody struct {
	EncryptedValue        *string  `json:"encrypted_value"`
	KeyID                 *string  `json:"key_id"`
	Visibility            *string  `json:"visibility"`
	SelectedRepositoryIDs *[]int64 `json:"selected_repository_ids"`
}

// minimalRepository is the part of minimal-repository the fake fills in.
type minimalRepository struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	FullName string `json:"full_name"`
	Owner    struct {
		Login string `json:"login"`
	} `json:"owner"`
	Private bool   `json:"private"`
	HTMLURL string `json:"html_url"`
}

type repositoryList struct {
	TotalCount   int                 `json:"total_count"`
	Repositories []minimalRepository `json:"repositories"`
}

type selectedRepositoriesBody struct {
	SelectedRepositoryIDs *[]int64 `json:"selected_repository_ids"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, basicError{Message: msg, DocumentationURL: docsURL, Status: strconv.Itoa(status)})
}

func writeValidation(w http.ResponseWriter, msg string, errs ...string) {
	writeJSON(w, http.StatusUnprocessableEntity, validationError{Message: msg, DocumentationURL: docsURL, Errors: errs})
}

// timestamp is how GitHub writes times: UTC, whole seconds.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

package keyvault

import (
	"encoding/json"
	"net/http"
)

// Wire types of the Key Vault secrets API (2025-07-01 secrets.json), the
// fake's own: times are Unix seconds.

type attributes struct {
	Enabled         *bool  `json:"enabled,omitempty"`
	NotBefore       *int64 `json:"nbf,omitempty"`
	Expires         *int64 `json:"exp,omitempty"`
	Created         int64  `json:"created,omitempty"`
	Updated         int64  `json:"updated,omitempty"`
	RecoverableDays int    `json:"recoverableDays,omitempty"`
	RecoveryLevel   string `json:"recoveryLevel,omitempty"`
}

// setParameters is the body of Set Secret.
type setParameters struct {
	Value       *string           `json:"value"`
	ContentType string            `json:"contentType,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Attributes  *attributes       `json:"attributes,omitempty"`
}

// secretBundle is the answer of Set and Get.
type secretBundle struct {
	Value       *string           `json:"value,omitempty"`
	ID          string            `json:"id"`
	ContentType string            `json:"contentType,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Attributes  attributes        `json:"attributes"`
}

// deletedSecretBundle is the answer of Get Deleted Secret (no value).
type deletedSecretBundle struct {
	secretBundle
	RecoveryID         string `json:"recoveryId"`
	DeletedDate        int64  `json:"deletedDate"`
	ScheduledPurgeDate int64  `json:"scheduledPurgeDate"`
}

// secretItem is one entry of a versions list: no value.
type secretItem struct {
	ID          string            `json:"id"`
	ContentType string            `json:"contentType,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Attributes  attributes        `json:"attributes"`
}

type secretList struct {
	Value    []secretItem `json:"value"`
	NextLink *string      `json:"nextLink"`
}

// keyVaultError is every failure's body: {"error":{"code","message","innererror"?}}.
type keyVaultError struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code       string       `json:"code"`
	Message    string       `json:"message"`
	InnerError *errorDetail `json:"innererror,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, message, inner string) {
	body := keyVaultError{Error: errorDetail{Code: code, Message: message}}
	if inner != "" {
		body.Error.InnerError = &errorDetail{Code: inner}
	}
	writeJSON(w, status, body)
}

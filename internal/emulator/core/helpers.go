package core

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Helpers every service needs the same way.

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) { WriteJSONBOM(w, status, v, false) }

// WriteJSONBOM writes v as JSON, starting with a UTF-8 byte order mark when
// bom is set, as some Azure DevOps front ends do.
func WriteJSONBOM(w http.ResponseWriter, status int, v any, bom bool) {
	var buf bytes.Buffer
	if bom {
		buf.WriteString("\xef\xbb\xbf")
	}
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimRight(buf.Bytes(), "\n"))
}

// HashSecret is how secrets are kept: a client's secret never is, only its hash.
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// RandomUUID is a new random id.
func RandomUUID() string { return uuid.NewString() }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return b
}

// RandomCode is n random lower-case letters and digits (base32), n at most 52.
func RandomCode(n int) string {
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(randomBytes(32)))[:n]
}

// RandomOpaque is prefix and n random bytes, URL-safe: an opaque token.
func RandomOpaque(prefix string, n int) string {
	return prefix + base64.RawURLEncoding.EncodeToString(randomBytes(n))
}

// Duration is a time.Duration that reads and writes JSON as "1h30m".
type Duration time.Duration

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// SplitPath splits a request's path the way the services route: the first
// segment as sent (a tenant or an organization), the rest in lower case
// (routes match in any letter case), and how many segments there are.
func SplitPath(r *http.Request) (first, rest string, segments int) {
	trimmed := strings.Trim(r.URL.Path, "/")
	first, rest, _ = strings.Cut(trimmed, "/")
	return first, strings.ToLower(rest), strings.Count(trimmed, "/") + 1
}

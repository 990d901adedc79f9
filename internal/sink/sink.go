// Package sink writes a new secret to where it is used: one file per kind of
// destination, behind one small interface. Parse picks the kind by the
// URI's scheme; a new kind is one new file and one line in kinds.
package sink

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/patctl/patctl/internal/cmdutil"
)

// Secret is what a sink receives: the new PAT and what describes it — or,
// from `patctl login export`, a login (no ID).
type Secret struct {
	Value     string
	ID        string // the PAT's authorization id; "" for what is not a PAT
	Name      string
	Org       string
	ExpiresAt time.Time
	// ContentType says what Value is where the destination keeps it (Key
	// Vault's contentType); "" is a PAT.
	ContentType string
	// Tags are added to the destination's own (Key Vault's tags).
	Tags map[string]string
}

// Sink is one destination of a new secret.
type Sink interface {
	// String is the URI as the user gave it; it never holds a secret.
	String() string
	// Preflight checks, before any token is made, that Write can succeed:
	// the destination exists, is reachable and accepts patctl's credential.
	Preflight(ctx context.Context) error
	// Write puts the secret there. Writing the same secret again is
	// harmless, so a failed write may be retried; version is the
	// destination's own name for what was written ("" if it has none).
	Write(ctx context.Context, s Secret) (version string, err error)
}

// Env is what sinks may use of patctl's run.
type Env struct {
	Stderr io.Writer
	Getenv func(string) string
	// HTTP is patctl's HTTP client (its CA file, its trace, its deadlines),
	// made on first use.
	HTTP func() (*http.Client, error)
	// ExecTimeout bounds an exec: sink; 0 means DefaultExecTimeout.
	ExecTimeout time.Duration
	// AzureCredential is who Azure sinks act as (see AzureCredential).
	AzureCredential func() (azcore.TokenCredential, error)
	// DevOps is Azure DevOps for the sinks kept there, made on first use.
	DevOps func(ctx context.Context) (DevOps, error)
}

// kinds maps a URI scheme to the parser of its sinks.
var kinds = map[string]func(rest string, env Env) (Sink, error){
	"file":         parseFile,
	"dotenv":       parseDotenv,
	"exec":         parseExec,
	"keyvault":     parseKeyVault,
	"ado-vargroup": parseVargroup,
	"github":       parseGitHub,
}

// Holder is a sink that can tell, without reading the secret, which token
// it holds now: plan finds with it a destination that has fallen behind.
// Sinks that cannot tell do not implement it.
type Holder interface {
	// Holds answers the authorization id the destination says it holds
	// (Key Vault's tag; "" when it does not say) and when it was last
	// written. known is false when it cannot tell; a destination that holds
	// nothing yet is known, with no id and a zero time.
	Holds(ctx context.Context) (id string, updated time.Time, known bool, err error)
}

// Parse reads a --to URI. A URI that cannot be used is a usage error naming it.
func Parse(uri string, env Env) (Sink, error) {
	s, err := ParseURI(uri, env)
	if err != nil {
		return nil, cmdutil.FlagErrorf("--to %v", err)
	}
	return s, nil
}

// ParseURI is Parse for a URI given elsewhere than in --to (a fleet file):
// its error starts with the URI.
func ParseURI(uri string, env Env) (Sink, error) {
	scheme, rest, ok := strings.Cut(uri, ":")
	parse := kinds[scheme]
	if !ok || parse == nil {
		return nil, fmt.Errorf("%s: not a destination patctl knows (%s)", uri, Schemes())
	}
	s, err := parse(rest, env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", uri, err)
	}
	return s, nil
}

// Schemes lists the URI forms, for help and errors.
func Schemes() string {
	return "file:PATH, dotenv:PATH#VAR, exec:COMMAND ARG…, keyvault://VAULT/NAME, ado-vargroup://PROJECT/GROUP/VARIABLE[?org=ORG], github://OWNER/REPO/NAME (also …/environments/ENV/NAME, github://ORG/NAME), or - for stdout"
}

// Stdout is the URI that sends the secret to stdout.
const Stdout = "-"

// codedError is a failure of a known kind — a sign-in needed, a refusal, a
// target that does not exist — that keeps the exit code of its kind.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }
func (e *codedError) ExitCode() int { return e.code }

// errorf wraps an error with the sink's URI.
func errorf(s Sink, format string, args ...any) error {
	return fmt.Errorf("%s: %w", s, fmt.Errorf(format, args...))
}

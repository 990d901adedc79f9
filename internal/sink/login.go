package sink

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/credstore"
)

// LoginContentType is what a login kept in Key Vault says it is.
const LoginContentType = "patctl login"

// LoginSecret is an exported login as a sink receives it.
func LoginSecret(data []byte) Secret {
	return Secret{Value: string(data), Name: "patctl login", ContentType: LoginContentType}
}

// ExportSchemes are the sinks `patctl login export` writes to: the places
// PATCTL_LOGIN_FROM reads, and a program that keeps it anywhere else.
const ExportSchemes = "keyvault://VAULT/NAME, file:PATH or exec:COMMAND ARG…"

// ParseExport reads the --to of `patctl login export`: a Key Vault secret,
// a file or a program. Other sinks either cannot be read back (GitHub
// secrets) or hold a value that is not a whole document (dotenv, variable
// groups), and stdout is refused: the login is a secret.
func ParseExport(uri string, env Env) (Sink, error) {
	scheme, _, _ := strings.Cut(uri, ":")
	switch scheme {
	case "keyvault", "file", "exec":
		return Parse(uri, env)
	}
	return nil, cmdutil.FlagErrorf("--to %s: a login can be exported to %s", uri, ExportSchemes)
}

// LoginPlace is where PATCTL_LOGIN_FROM keeps a login:
// keyvault://VAULT/NAME (read and written with env's Azure credential) or
// file:PATH.
func LoginPlace(uri string, env Env) (credstore.Place, error) {
	scheme, rest, _ := strings.Cut(uri, ":")
	bad := func(format string, args ...any) error {
		return &config.BadValueError{Msg: fmt.Sprintf("%s=%s: ", config.EnvLoginFrom, uri) + fmt.Sprintf(format, args...)}
	}
	switch scheme {
	case "keyvault":
		s, err := parseKeyVault(rest, env)
		if err != nil {
			return nil, bad("%v", err)
		}
		return keyVaultPlace{s.(*keyVault)}, nil
	case "file":
		s, err := parseFile(rest, env)
		if err != nil {
			return nil, bad("%v", err)
		}
		return filePlace{s.(*file), env.Stderr}, nil
	}
	return nil, bad("a login is loaded from keyvault://VAULT/NAME or file:PATH")
}

// keyVaultPlace keeps a login as a Key Vault secret: each write a new
// version, whose id is the login's version.
type keyVaultPlace struct{ *keyVault }

func (p keyVaultPlace) Read(ctx context.Context) ([]byte, string, error) {
	var value, id string
	err := p.call(func(c *azsecrets.Client) error {
		return retry(ctx, func() error {
			resp, err := c.GetSecret(ctx, p.name, "", nil)
			if err == nil && resp.Value != nil && resp.ID != nil {
				value, id = *resp.Value, string(*resp.ID)
			}
			return asAnswer(err)
		})
	})
	if status(err) == http.StatusNotFound {
		return nil, "", credstore.ErrNotLoggedIn
	}
	if err != nil {
		return nil, "", p.fail(err)
	}
	return []byte(value), id[strings.LastIndex(id, "/")+1:], nil
}

func (p keyVaultPlace) Write(ctx context.Context, data []byte) (string, error) {
	return p.keyVault.Write(ctx, LoginSecret(data))
}

// Lock does nothing: Key Vault has no lock. Writes are checked against the
// version read instead (credstore.Remote).
func (p keyVaultPlace) Lock(context.Context, io.Writer) (func(), error) { return func() {}, nil }

func (p keyVaultPlace) Exclusive() bool { return false }

// filePlace keeps a login in a file, replaced atomically, with a lock file
// beside it (PATH.lock) held while the login is refreshed and written.
type filePlace struct {
	*file
	stderr io.Writer
}

func (p filePlace) Read(context.Context) ([]byte, string, error) {
	data, err := os.ReadFile(p.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", credstore.ErrNotLoggedIn
	}
	if err != nil {
		return nil, "", errorf(p.file, "%v", err)
	}
	return data, digest(data), nil
}

func (p filePlace) Write(ctx context.Context, data []byte) (string, error) {
	s := LoginSecret(data)
	if _, err := p.file.Write(ctx, s); err != nil {
		return "", err
	}
	// What the file sink wrote: the value and a newline.
	return digest([]byte(s.Value + "\n")), nil
}

func (p filePlace) Lock(ctx context.Context, notice io.Writer) (func(), error) {
	unlock, err := credstore.LockFile(ctx, p.path+".lock", notice)
	if err != nil {
		return nil, errorf(p.file, "%w", err)
	}
	return unlock, nil
}

func (p filePlace) Exclusive() bool { return true }

// digest is a file's version: its content's SHA-256, shortened.
func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

package sink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/netfail"
	"github.com/patctl/patctl/internal/printable"
	"github.com/patctl/patctl/internal/regexpx"
)

// keyVaultAPIVersion is the newest stable version of the secrets API.
const keyVaultAPIVersion = "2025-07-01"

var (
	// Vault names: 3-24 letters, digits and hyphens, from a letter, to a
	// letter or digit, no two hyphens in a row (checked apart).
	vaultNameRE = regexpx.Lazy(`^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$`)
	// Secret names: the spec's ^[0-9a-zA-Z-]+$, 1-127 characters; Microsoft's
	// docs add "starting with a letter".
	secretNameRE = regexpx.Lazy(`^[0-9a-zA-Z-]{1,127}$`)
)

// keyVault is keyvault://VAULT/NAME — the secret NAME of an Azure Key Vault,
// a new version each write, expiring with the PAT.
type keyVault struct {
	vault, name, url string
	elsewhere        bool // PATCTL_KEYVAULT_URL points away from Azure
	env              Env

	mu   sync.Mutex
	conn *vaultClient
}

// vaultClient is the SDK's client and the challenge it was primed with.
type vaultClient struct {
	*azsecrets.Client
	primer *primedChallenge
}

func parseKeyVault(rest string, env Env) (Sink, error) {
	vault, name, ok := strings.Cut(strings.TrimPrefix(rest, "//"), "/")
	switch {
	case !strings.HasPrefix(rest, "//") || !ok:
		return nil, errors.New("the form is keyvault://VAULT/NAME")
	case !vaultNameRE().MatchString(vault) || strings.Contains(vault, "--"):
		return nil, fmt.Errorf("%q is not a vault name (3-24 letters, digits and hyphens, starting with a letter)", vault)
	case !secretNameRE().MatchString(name):
		return nil, fmt.Errorf("%q is not a secret name (1-127 letters, digits and hyphens)", name)
	case name[0] >= '0' && name[0] <= '9':
		return nil, fmt.Errorf("%q is not a secret name: it must start with a letter", name)
	}
	tmpl := config.DefaultKeyVaultURL
	if env.Getenv != nil && env.Getenv(config.EnvKeyVaultURL) != "" {
		tmpl = env.Getenv(config.EnvKeyVaultURL)
	}
	if !strings.Contains(tmpl, "{vault}") {
		return nil, fmt.Errorf("%s=%s has no {vault}", config.EnvKeyVaultURL, tmpl)
	}
	return &keyVault{vault: vault, name: name, url: strings.ReplaceAll(tmpl, "{vault}", strings.ToLower(vault)),
		elsewhere: tmpl != config.DefaultKeyVaultURL, env: env}, nil
}

func (k *keyVault) String() string { return "keyvault://" + k.vault + "/" + k.name }

// call runs op with the vault's client. A vault in another tenant than the
// one the client was primed for refuses its token and names its own: then op
// runs once more, with a client primed for that tenant.
func (k *keyVault) call(op func(*azsecrets.Client) error) error {
	c, err := k.client("")
	if err != nil {
		return err
	}
	err = op(c.Client)
	if other := c.primer.otherTenant(); other != "" && status(err) == http.StatusUnauthorized {
		if c, err = k.client(other); err != nil {
			return err
		}
		err = op(c.Client)
	}
	return err
}

// client is the vault's client, made once; tenant, when not "", asks for
// one primed for that tenant instead.
func (k *keyVault) client(tenant string) (*vaultClient, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.conn != nil && (tenant == "" || k.conn.primer != nil && k.conn.primer.tenant == tenant) {
		return k.conn, nil
	}
	c, err := k.newClient(tenant)
	if err == nil {
		k.conn = c
	}
	return c, err
}

// newClient is the SDK's client over patctl's HTTP client (CA file, trace,
// deadlines), with retries left to retry, primed with the tenant when it is
// known (see primedChallenge).
func (k *keyVault) newClient(tenant string) (*vaultClient, error) {
	if k.env.AzureCredential == nil || k.env.HTTP == nil {
		return nil, &CredentialError{Err: errors.New("no credential for Azure")}
	}
	cred, err := k.env.AzureCredential()
	if err != nil {
		return nil, &CredentialError{Err: err}
	}
	hc, err := k.env.HTTP()
	if err != nil {
		return nil, err
	}
	if c, ok := cred.(credential); ok && tenant == "" {
		tenant = c.tenant
	}
	opts := &azsecrets.ClientOptions{
		ClientOptions: azcore.ClientOptions{Transport: hc, APIVersion: keyVaultAPIVersion, Retry: policy.RetryOptions{MaxRetries: -1}},
		// The challenge names https://vault.azure.net, which a vault
		// elsewhere (PATCTL_KEYVAULT_URL) is not under.
		DisableChallengeResourceVerification: k.elsewhere,
	}
	var primer *primedChallenge
	if tenant != "" {
		primer = newPrimedChallenge(k.url, tenant)
		opts.PerRetryPolicies = []policy.Policy{primer}
	}
	c, err := azsecrets.NewClient(k.url, cred, opts)
	if err != nil {
		return nil, err
	}
	return &vaultClient{Client: c, primer: primer}, nil
}

// Preflight reads the secret with patctl's credential: a missing one is
// fine, a vault that refuses the caller or a name in the recycle bin is not.
func (k *keyVault) Preflight(ctx context.Context) error {
	err := k.call(func(c *azsecrets.Client) error {
		_, err := c.GetSecret(ctx, k.name, "", nil)
		return err
	})
	if status(err) == http.StatusNotFound {
		// A soft-deleted name also reads as missing; Set would refuse it.
		if derr := k.call(func(c *azsecrets.Client) error {
			_, err := c.GetDeletedSecret(ctx, k.name, nil)
			return err
		}); derr == nil {
			return k.refused("the secret is deleted but recoverable: recover it (az keyvault secret recover --vault-name %s --name %s) or purge it (az keyvault secret purge …) first", k.vault, k.name)
		}
		return nil
	}
	return k.fail(err)
}

// Holds reads the current version's tag pat-authorization-id, as the
// preflight reads the secret.
func (k *keyVault) Holds(ctx context.Context) (string, time.Time, bool, error) {
	var resp azsecrets.GetSecretResponse
	err := k.call(func(c *azsecrets.Client) error {
		return retry(ctx, func() error {
			var err error
			resp, err = c.GetSecret(ctx, k.name, "", nil)
			return asAnswer(err)
		})
	})
	if status(err) == http.StatusNotFound {
		return "", time.Time{}, true, nil
	}
	if err != nil {
		return "", time.Time{}, false, k.fail(err)
	}
	var id string
	if tag := resp.Tags["pat-authorization-id"]; tag != nil {
		id = *tag
	}
	var updated time.Time
	if resp.Attributes != nil && resp.Attributes.Updated != nil {
		updated = *resp.Attributes.Updated
	}
	return id, updated, true, nil
}

func (k *keyVault) Write(ctx context.Context, s Secret) (string, error) {
	tags := map[string]*string{}
	for k, v := range s.Tags {
		tags[k] = new(v)
	}
	if s.ID != "" {
		tags["pat-authorization-id"], tags["pat-name"] = &s.ID, &s.Name
		if s.Org != "" {
			tags["pat-org"] = &s.Org
		}
	}
	contentType := s.ContentType
	if contentType == "" {
		contentType = "Azure DevOps PAT"
	}
	params := azsecrets.SetSecretParameters{
		Value:       &s.Value,
		ContentType: &contentType,
		Tags:        tags,
	}
	if !s.ExpiresAt.IsZero() {
		params.SecretAttributes = &azsecrets.SecretAttributes{Expires: new(s.ExpiresAt.UTC())}
	}
	var resp azsecrets.SetSecretResponse
	err := k.call(func(c *azsecrets.Client) error {
		return retry(ctx, func() error {
			var err error
			resp, err = c.SetSecret(ctx, k.name, params, nil)
			return asAnswer(err)
		})
	})
	if err != nil {
		return "", k.fail(err)
	}
	version := ""
	if resp.ID != nil {
		version = string(*resp.ID)[strings.LastIndex(string(*resp.ID), "/")+1:]
	}
	return version, nil
}

// fail words an error of the SDK: no token or a refused one is exit 4, no
// access or a deleted name exit 6, anything else the service's answer.
func (k *keyVault) fail(err error) error {
	err = asAnswer(err)
	var cred *CredentialError
	var ans *kvAnswer
	switch {
	case err == nil:
		return nil
	case errors.As(err, &cred):
		return &codedError{code: cmdutil.ExitAuth, err: errorf(k, "%w", cred)}
	case !errors.As(err, &ans):
		return errorf(k, "%w", netfail.FromError("Key Vault", err))
	case ans.Status == http.StatusUnauthorized:
		return &codedError{code: cmdutil.ExitAuth, err: errorf(k, "Key Vault refused the token: %s", ans.Message)}
	case ans.Status == http.StatusForbidden:
		return k.refused("no access to the vault %s (it needs the role Key Vault Secrets Officer, or get and set in an access policy): %s", k.vault, ans.Message)
	case ans.Status == http.StatusConflict && ans.inner == "ObjectIsDeletedButRecoverable":
		return k.refused("the secret is deleted but recoverable: recover it (az keyvault secret recover --vault-name %s --name %s) or purge it (az keyvault secret purge …) first", k.vault, k.name)
	}
	return errorf(k, "%v", ans.StatusError)
}

func (k *keyVault) refused(format string, args ...any) error {
	return &codedError{code: cmdutil.ExitRefused, err: errorf(k, format, args...)}
}

// status is the HTTP status of an SDK error, 0 when there was no answer.
func status(err error) int {
	var ans *kvAnswer
	if errors.As(asAnswer(err), &ans) {
		return ans.Status
	}
	return 0
}

// kvAnswer is Key Vault's error answer: a StatusError (for retry to judge)
// with the inner error's code.
type kvAnswer struct {
	*StatusError
	inner string
}

func (e *kvAnswer) Unwrap() error { return e.StatusError }

// asAnswer reads Key Vault's error body {"error":{"code","message",
// "innererror":{"code"}}} out of the SDK's ResponseError, its words made
// safe for a terminal.
func asAnswer(err error) error {
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.RawResponse == nil {
		return err
	}
	body, _ := runtime.Payload(re.RawResponse)
	var e struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError *struct {
				Code string `json:"code"`
			} `json:"innererror"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	ans := &kvAnswer{StatusError: &StatusError{Status: re.StatusCode, Message: printable.Escape(e.Error.Message)}}
	if e.Error.Code != "" {
		ans.Message = printable.Escape(e.Error.Code) + ": " + ans.Message
	}
	if e.Error.InnerError != nil {
		ans.inner = e.Error.InnerError.Code
	}
	return ans
}

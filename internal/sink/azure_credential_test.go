package sink

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// TestCredentialErrorSumsUpTheChain: the default chain's report, many lines
// with the requests it sent, is a line for people and whole under --debug.
func TestCredentialErrorSumsUpTheChain(t *testing.T) {
	refusedReport := "DefaultAzureCredential: failed to acquire a token.\nAttempted credentials:\n" +
		"\tEnvironmentCredential: authentication failed\n" +
		"\tClientSecretCredential: authentication failed:\n\t\tPOST https://login.microsoftonline.com/t/oauth2/v2.0/token\n" +
		"\t\tAADSTS7000215: Invalid client secret provided."
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"nothing configured", errors.New("DefaultAzureCredential: failed to acquire a token.\nAttempted credentials:\n\tEnvironmentCredential: missing environment variable AZURE_TENANT_ID"),
			"no token for it: no Azure identity here: set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET"},
		{"refused", fmt.Errorf("%s%w", refusedReport, &azidentity.AuthenticationFailedError{RawResponse: &http.Response{StatusCode: 401}}),
			"no token for it: ClientSecretCredential was refused (HTTP 401, AADSTS7000215): check the identity's settings"},
		{"no answer", fmt.Errorf("DefaultAzureCredential: failed to acquire a token.\nAttempted credentials:\n\tManagedIdentityCredential: dial tcp: i/o timeout%w", &azidentity.AuthenticationFailedError{}),
			"no token for it: ManagedIdentityCredential could not get a token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &CredentialError{Err: tc.err, chain: true}
			msg := e.Error()
			if !strings.HasPrefix(msg, tc.want) || strings.Contains(msg, "\n") || strings.Contains(msg, "https://") {
				t.Errorf("%q\nwant it to start with %q, in one line, without the request", msg, tc.want)
			}
			if !strings.HasSuffix(msg, "--debug shows what each credential answered") {
				t.Errorf("%q does not point to --debug", msg)
			}
			if d := e.Detail(); !strings.Contains(d, "Attempted credentials") || strings.Contains(d, "\t") {
				t.Errorf("detail %q", d)
			}
		})
	}
	// patctl's own sign-in errors are already people's words.
	own := &CredentialError{Err: errors.New("the login is no longer valid; run `patctl login`")}
	if own.Error() != "no token for it: the login is no longer valid; run `patctl login`" || own.Detail() != "" {
		t.Errorf("%q %q", own.Error(), own.Detail())
	}
}

package patapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/patctl/patctl/internal/netfail"
)

// VerifyPAT proves a PAT works: it asks Azure DevOps (devopsURL, e.g.
// https://dev.azure.com) who the caller is, with the PAT as the password of
// Basic auth, as git and the REST clients send it.
func VerifyPAT(ctx context.Context, httpClient *http.Client, devopsURL, org, secret string) error {
	endpoint := strings.TrimRight(devopsURL, "/") + "/" + url.PathEscape(org) + "/_apis/connectionData"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth("", secret)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	resp, err := httpClient.Do(req)
	if err != nil {
		return netfail.Wrap("Azure DevOps", req, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		// Half an answer proves nothing, whatever its status.
		return fmt.Errorf("read Azure DevOps' answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK || isHTML(resp, body) {
		return fmt.Errorf("Azure DevOps answered HTTP %d", resp.StatusCode)
	}
	return nil
}

package rotation

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/patctl/patctl/internal/patapi"
)

// DefaultVerifyDelays are the waits between attempts to use a new token: it
// can take a moment to work everywhere.
var DefaultVerifyDelays = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}

// Verifier proves that a new secret works in an organization.
type Verifier struct {
	HTTP      *http.Client // without the sign-in's bearer token
	DevOpsURL string
	Delays    []time.Duration
	Notify    io.Writer // told of each failed attempt
}

// Verify calls Azure DevOps with the secret until it works or the attempts
// run out.
func (v Verifier) Verify(ctx context.Context, org, secret string) error {
	for attempt := 0; ; attempt++ {
		err := patapi.VerifyPAT(ctx, v.HTTP, v.DevOpsURL, org, secret)
		if err == nil || attempt >= len(v.Delays) || ctx.Err() != nil {
			return err
		}
		fmt.Fprintf(v.Notify, "patctl: the new token does not work yet (%v); trying again in %s\n", err, v.Delays[attempt])
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(v.Delays[attempt]):
		}
	}
}

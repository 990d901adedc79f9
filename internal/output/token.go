package output

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/printable"
)

// TokenJSON is the stable JSON form of a token: the API's field names, and
// "token" only where a secret was just created.
type TokenJSON struct {
	AuthorizationID string    `json:"authorizationId"`
	DisplayName     string    `json:"displayName"`
	Scope           string    `json:"scope"`
	TargetAccounts  []string  `json:"targetAccounts"`
	ValidFrom       time.Time `json:"validFrom"`
	ValidTo         time.Time `json:"validTo"`
	// Status is active, expired or revoked: the set the token was listed
	// in, or for a token read alone, what patctl found out.
	Status string `json:"status"`
	Token  string `json:"token,omitempty"`
	// Org is the organization the token was read in (list, check); a token
	// valid in all of them, with the first one read.
	Org string `json:"org,omitempty"`
}

// NewTokenJSON converts a token; withSecret keeps its secret. A token that
// was not listed (just created or updated) has the status its expiry gives.
func NewTokenJSON(p patapi.PatToken, withSecret bool) TokenJSON {
	j := TokenJSON{
		AuthorizationID: p.AuthorizationID,
		DisplayName:     p.DisplayName,
		Scope:           p.Scope,
		TargetAccounts:  p.TargetAccounts,
		ValidFrom:       p.ValidFrom.UTC(),
		ValidTo:         p.ValidTo.UTC(),
		Status:          p.StatusAt(time.Now()),
	}
	if withSecret {
		j.Token = p.Token
	}
	return j
}

// TokenDetails prints one token as "Label: value" lines, with times for
// people on a terminal and in RFC 3339 otherwise, and the status coloured by
// cs (nil: plain). The service's text is escaped, as in a table.
func TokenDetails(w io.Writer, p patapi.PatToken, tty bool, now time.Time, cs Painter) {
	if cs == nil {
		cs = Plain{}
	}
	orgs := "this organization"
	if p.AllOrgs() {
		orgs = "all your organizations"
	} else if len(p.TargetAccounts) > 1 {
		orgs = strings.Join(p.TargetAccounts, ", ")
	}
	fmt.Fprintf(w, "Name:       %s\n", printable.Escape(p.DisplayName))
	fmt.Fprintf(w, "Id:         %s\n", p.AuthorizationID)
	fmt.Fprintf(w, "Scopes:     %s\n", printable.Escape(p.Scope))
	orgs = printable.Escape(orgs)
	if p.AllOrgs() {
		orgs = cs.Yellow(orgs) // such tokens stop working on a date of their own
	}
	fmt.Fprintf(w, "Valid in:   %s\n", orgs)
	fmt.Fprintf(w, "Created:    %s\n", Time(p.ValidFrom.Time, tty, now))
	expires := Moment(p.ValidTo.Time, tty, now)
	if paint := ExpiryPaint(cs, p.ValidTo.Time, now); paint != nil && p.StatusAt(now) != patapi.StatusRevoked {
		expires = paint(expires)
	}
	fmt.Fprintf(w, "Expires:    %s\n", expires)
	status := p.StatusAt(now)
	if paint := StatusPaint(cs, status); paint != nil {
		status = paint(status)
	}
	fmt.Fprintf(w, "Status:     %s\n", status)
}

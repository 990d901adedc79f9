package patapi

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

// statusFixture is an emulator with tokens in every state: "b-active",
// "a-revoked", "c-expired", "A-active" and "d-revoked-expired" (revoked,
// then past its expiry).
func statusFixture(t *testing.T) (*emulator.Emulator, *Client, map[string]string) {
	t.Helper()
	em := emulatortest.Start(t, emulator.Options{})
	client := func() *Client {
		t.Helper()
		hc, err := em.UserHTTPClient(emulator.DefaultUserUPN)
		if err != nil {
			t.Fatal(err)
		}
		return New(hc, em.URL(), emulator.DefaultOrg)
	}
	ctx := context.Background()
	ids := map[string]string{}
	var c *Client
	create := func(name string, validTo time.Time) {
		t.Helper()
		tok, err := c.Create(ctx, CreateRequest{DisplayName: name, Scope: "vso.code", ValidTo: validTo})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = tok.AuthorizationID
	}
	// Made with the emulator's clock set back: they expired an hour ago.
	em.Advance(-3 * time.Hour)
	c = client()
	create("c-expired", time.Now().Add(-time.Hour))
	em.Advance(time.Minute)
	create("d-revoked-expired", time.Now().Add(-time.Hour))
	em.Advance(3*time.Hour - time.Minute)
	c = client()
	for _, name := range []string{"b-active", "a-revoked", "A-active"} {
		create(name, time.Now().Add(48*time.Hour))
		em.Advance(time.Minute) // an order by date of creation
	}
	for _, name := range []string{"a-revoked", "d-revoked-expired"} {
		if err := c.Revoke(ctx, ids[name]); err != nil {
			t.Fatal(err)
		}
	}
	return em, c, ids
}

func names(tokens []PatToken) string {
	var out []string
	for _, t := range tokens {
		out = append(out, t.DisplayName+"="+t.Status)
	}
	return strings.Join(out, " ")
}

func TestListAllTellsEachTokensStatus(t *testing.T) {
	_, c, _ := statusFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		opts ListOptions
		want string
	}{
		{ListOptions{Status: "all", Sort: "displayName", Ascending: true},
			"A-active=active a-revoked=revoked b-active=active c-expired=expired d-revoked-expired=revoked"},
		{ListOptions{Status: "all", Sort: "displayName"},
			"d-revoked-expired=revoked c-expired=expired b-active=active a-revoked=revoked A-active=active"},
		{ListOptions{Status: "all", Sort: "displayDate", Ascending: true},
			"c-expired=expired d-revoked-expired=revoked b-active=active a-revoked=revoked A-active=active"},
		{ListOptions{Status: "revoked", Ascending: true}, "a-revoked=revoked d-revoked-expired=revoked"},
		{ListOptions{Status: "expired", Ascending: true}, "c-expired=expired"},
		{ListOptions{Ascending: true}, "A-active=active b-active=active"},
	} {
		got, err := c.List(ctx, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if names(got) != tc.want {
			t.Errorf("%+v:\n got %s\nwant %s", tc.opts, names(got), tc.want)
		}
	}
	// By status: the sets in the order of the spec's enum, each in the
	// service's order.
	for asc, want := range map[bool]string{true: "active active revoked revoked expired", false: "expired revoked revoked active active"} {
		got, err := c.List(ctx, ListOptions{Status: "all", Sort: "status", Ascending: asc})
		if err != nil {
			t.Fatal(err)
		}
		var statuses []string
		for _, tok := range got {
			statuses = append(statuses, tok.Status)
		}
		if strings.Join(statuses, " ") != want {
			t.Errorf("by status, ascending %v: %s", asc, names(got))
		}
	}
}

func TestListAllFailsAsOne(t *testing.T) {
	em, c, _ := statusFixture(t)
	if err := em.AddFault(emulator.Fault{Op: emulator.OpList, Kind: emulator.FaultStatus, Status: 403, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.List(context.Background(), ListOptions{Status: "all"}); err == nil || errors.Is(err, context.Canceled) || strings.Count(err.Error(), "list tokens") != 1 {
		t.Fatalf("one list refused: %v", err)
	}
}

func TestStatusOfATokenReadWithGet(t *testing.T) {
	_, c, ids := statusFixture(t)
	ctx := context.Background()
	for name, want := range map[string]string{"b-active": "active", "a-revoked": "revoked", "c-expired": "expired", "d-revoked-expired": "revoked"} {
		tok, err := c.Get(ctx, ids[name])
		if err != nil {
			t.Fatal(err)
		}
		if tok.Status != "" || tok.StatusAt(time.Now()) != map[bool]string{true: "expired", false: "active"}[strings.Contains(name, "expired")] {
			t.Errorf("%s: before the look-up: %q, %s", name, tok.Status, tok.StatusAt(time.Now()))
		}
		if got, err := c.Status(ctx, tok, time.Now()); err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", name, got, err, want)
		}
	}
	// A listed token keeps its set's status, without a request.
	if got, err := (&Client{}).Status(ctx, PatToken{Status: StatusExpired}, time.Now()); got != StatusExpired || err != nil {
		t.Fatalf("listed: %q %v", got, err)
	}
}

package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/patapi"
)

// everyOrgFigures are the timed runs of `patctl list --every-org`.
type everyOrgFigures struct {
	orgs                                       int
	latency                                    time.Duration
	profile, accounts, lists, entra, otherReqs int
	conns                                      int64
	walls                                      []time.Duration // sorted
}

func (m everyOrgFigures) median() time.Duration { return m.walls[len(m.walls)/2] }

// measureEveryOrg times `patctl list --every-org` (the binary, login in a
// file) over n organizations of the user's, each with a token, with latency
// on every request: one untimed run, then runs timed ones.
func measureEveryOrg(work, bin string, n int, latency time.Duration, runs int) (everyOrgFigures, error) {
	m := everyOrgFigures{orgs: n, latency: latency}
	s, err := newSession(work, bin, time.Hour)
	if err != nil {
		return m, err
	}
	defer s.em.Close()
	s.env = append(s.env, "PATCTL_VSSPS_APP_URL="+s.em.URL())
	var orgs []emulator.Org
	for i := 0; i < n; i++ {
		orgs = append(orgs, emulator.Org{Name: fmt.Sprintf("org-%d", i+1), ID: fmt.Sprintf("0000000%d-0000-4000-8000-000000000000", i+1), TenantID: emulator.DefaultTenantID})
	}
	if err := s.em.Update(func(c *emulator.Config) { c.Orgs = orgs }); err != nil {
		return m, err
	}
	hc, err := s.em.UserHTTPClient(emulator.DefaultUserUPN)
	if err != nil {
		return m, err
	}
	for _, o := range orgs {
		if _, err := patapi.New(hc, s.em.URL(), o.Name).Create(context.Background(), patapi.CreateRequest{DisplayName: "ci-" + o.Name, Scope: "vso.code", ValidTo: time.Now().Add(30 * 24 * time.Hour)}); err != nil {
			return m, err
		}
	}
	s.em.Update(func(c *emulator.Config) { c.Latency = emulator.Duration(latency) })
	for i := 0; i <= runs; i++ {
		s.em.ResetRequests()
		start := time.Now()
		if _, err := s.run(bin, "list", "--every-org"); err != nil {
			return m, err
		}
		if i == 0 {
			continue // the warm-up
		}
		m.walls = append(m.walls, time.Since(start))
		m.conns = s.em.Connections()
		m.profile, m.accounts, m.lists, m.entra, m.otherReqs = 0, 0, 0, 0, 0
		for _, req := range s.em.Requests() {
			if service(req.Op) == "Entra ID" {
				m.entra++
				continue
			}
			switch req.Op {
			case emulator.OpProfile:
				m.profile++
			case emulator.OpAccounts:
				m.accounts++
			case emulator.OpList:
				m.lists++
			default:
				m.otherReqs++
			}
		}
	}
	slices.Sort(m.walls)
	return m, nil
}

// everyOrg writes the section on `list --every-org` over 5 organizations at
// 50 ms of latency, and its targets.
func (r *report) everyOrg(work, bin string) error {
	m, err := measureEveryOrg(work, bin, 5, 50*time.Millisecond, 5)
	if err != nil {
		return err
	}
	r.reportEveryOrg(m)
	return nil
}

func (r *report) reportEveryOrg(m everyOrgFigures) {
	// The profile, then the accounts (which needs the profile's id), then
	// every organization's list at once.
	path := 3 * m.latency
	one := time.Duration(2+m.orgs) * m.latency // one organization after another
	ratio := float64(m.median()) / float64(path)
	var all []string
	for _, w := range m.walls {
		all = append(all, ms(w))
	}
	r.printf("## List every organization\n\n"+
		"`patctl list --every-org` (the binary, login in a file) over %d organizations with a token each, with %s of\n"+
		"latency on every request: %d profile, %d accounts and %d list requests (%d others, %d to Entra ID), %d TCP\n"+
		"connections. Median wall time of %d runs: %s (%s).\n\n"+
		"The critical path is 3 round trips — the profile, the accounts (which need the profile's id), then the\n"+
		"organizations' lists side by side (up to %d at a time) — = %s: ratio %.2f. One organization after another\n"+
		"would be %d round trips, %s. The target allows more above the path than rotate's (≤ 1.3 of 7 round trips): the\n"+
		"fixed cost — starting the process, reading the login, the TLS handshakes of the new connections — weighs\n"+
		"more on a path of 3.\n\n",
		m.orgs, m.latency, m.profile, m.accounts, m.lists, m.otherReqs, m.entra, m.conns,
		len(m.walls), ms(m.median()), strings.Join(all, ", "), cmdutil.MaxParallelOrgs, ms(path), ratio, 2+m.orgs, ms(one))
	r.target(fmt.Sprintf("list --every-org over %d organizations: requests (profile, accounts, lists)", m.orgs), fmt.Sprintf("1, 1, %d", m.orgs),
		fmt.Sprintf("%d, %d, %d", m.profile, m.accounts, m.lists), m.profile == 1 && m.accounts == 1 && m.lists == m.orgs && m.otherReqs == 0)
	r.target(fmt.Sprintf("list --every-org over %d organizations: wall time / 3 round trips (%s)", m.orgs, m.latency), "≤ 1.5",
		fmt.Sprintf("%.2f (one after another: %.2f)", ratio, float64(one)/float64(path)), ratio <= 1.5)
}

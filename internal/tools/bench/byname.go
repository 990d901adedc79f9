package main

import (
	"fmt"
	"time"

	"github.com/patctl/patctl/internal/emulator"
)

// byNameFigures are the List requests of commands that name a token, from
// the emulator's log.
type byNameFigures struct {
	get, missing        int // get --name of the token; of a name no token has
	rotateFind          int // rotate --name, before its create: finding the token
	rotateRelist, other int // after the create: the name listed again; and the PAT API's other requests
	wall                time.Duration
}

// rotateByName measures `rotate --name` over n tokens where the name is the
// at-th by name: patctl lists by name and stops once past it.
func (r *report) rotateByName(work, bin string) error {
	const n, at = 10000, 2000
	s, err := newSession(work, bin, time.Hour)
	if err != nil {
		return err
	}
	defer s.em.Close()
	if err := s.em.SeedTokens(emulator.DefaultUserUPN, n, "bulk"); err != nil {
		return err
	}
	name := fmt.Sprintf("bulk-%05d", at) // bulk-00001 … bulk-10000
	var m byNameFigures
	s.em.ResetRequests()
	if _, err := s.run(bin, "get", "--name", name); err != nil {
		return err
	}
	for _, req := range s.em.Requests() {
		if req.Op == emulator.OpList {
			m.get++
		}
	}
	s.em.ResetRequests()
	if st, _ := s.run(bin, "get", "--name", "no-such-name"); st == nil || st.ExitCode() != 3 {
		return fmt.Errorf("get --name no-such-name: %v, want exit 3", st)
	}
	for _, req := range s.em.Requests() {
		if req.Op == emulator.OpList {
			m.missing++
		}
	}
	s.em.ResetRequests()
	start := time.Now()
	if _, err := s.run(bin, "rotate", "--name", name); err != nil {
		return err
	}
	m.wall = time.Since(start)
	created := false
	for _, req := range s.em.Requests() {
		switch req.Op {
		case emulator.OpCreate:
			created = true
			m.other++
		case emulator.OpList:
			if created {
				m.rotateRelist++
			} else {
				m.rotateFind++
			}
		case emulator.OpGet, emulator.OpUpdate, emulator.OpRevoke:
			m.other++
		}
	}
	r.target(fmt.Sprintf("rotate --name, the %sth of %s tokens: list requests to find it", commas(at), commas(n)), "≤ 21", fmt.Sprint(m.rotateFind), m.rotateFind <= 21)
	r.printf("## A token by name among %s\n\n"+
		"%s active tokens, `%s` the %sth by name. patctl lists by name in pages of 100 and asks for no page after\n"+
		"the one where the name ends; here that is the last token of page %d, so page %d is read to see that no other\n"+
		"token has the name. A name that no token has reads every page. Requests from the emulator's log:\n\n"+
		"| command | list requests | other PAT API requests | wall time |\n|---|---|---|---|\n"+
		"| `patctl get --name %s` | %d | 0 | – |\n"+
		"| `patctl get --name no-such-name` | %d | 0 | – |\n"+
		"| `patctl rotate --name %s` | %d to find the token + %d after the create = %d | %d | %s |\n\n"+
		"Once its create has succeeded, rotate lists the name again, by design, to catch a rotation of the same token\n"+
		"made elsewhere at the same time (see the rotate section). That second look starts at the page where the name\n"+
		"began (the continuation token of the first search) and stops where the first did: here pages %d and %d. It runs\n"+
		"beside verification, the delivery and the revoke, so only the time it takes beyond them adds to the wall time.\n\n",
		commas(n), commas(n), name, commas(at), at/100, at/100+1,
		name, m.get, m.missing, name, m.rotateFind, m.rotateRelist, m.rotateFind+m.rotateRelist, m.other, ms(m.wall), at/100, at/100+1)
	return nil
}

// commas writes n with thousands separated: 10,000.
func commas(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/patapi"
)

// The fleet of the plan and apply measurement.
const (
	fleetSize    = 200
	fleetDue     = 50
	fleetLatency = 50 * time.Millisecond
	// A rotation's round trips: create, verify, revoke (apply lists the
	// names once for all, in its plan).
	fleetRotationTrips = 3
)

// fleetFigures is one timed plan or apply.
type fleetFigures struct {
	ops   map[string]int // requests by emulator operation
	conns int64
	wall  time.Duration
}

// fleetSection measures `patctl plan` and `patctl apply` of 200 entries, 50
// of them due, at 50 ms of latency: the requests against what the plan
// needs, the wall time against the ideal for --parallel.
func (r *report) fleetSection(work, bin string) error {
	r.printf("## Plan and apply a fleet of %d tokens\n\n"+
		"A fleet file of %d entries (no `to:`: the new secrets go to the report), %d of whose tokens expire within\n"+
		"`rotateBefore`, against the emulator with %s of latency on every request; the binary, login in a file.\n"+
		"Each run is on a fresh emulator with the same %d tokens; the wall time is the median of 5 runs (plan, list) or 3\n"+
		"(apply), the requests those of every run (**differed** when they did not agree).\n\n", fleetSize, fleetSize, fleetDue, fleetLatency, fleetSize)
	pages := (fleetSize + 99) / 100 // List pages of 100
	r.printf("| command | requests | by operation | TCP connections | wall time | ideal | ratio |\n|---|---|---|---|---|---|---|\n")
	want := map[string]int{emulator.OpList: pages}
	m, err := medianFleet(5, work, bin, "plan")
	if err != nil {
		return err
	}
	ideal := time.Duration(pages) * fleetLatency
	r.fleetRow("`patctl plan -f fleet.yaml`", m, ideal)
	r.target(fmt.Sprintf("plan of %d entries: requests", fleetSize), describeOps(want), describeOps(m.ops), maps.Equal(m.ops, want))
	r.target(fmt.Sprintf("plan of %d entries: wall time / ideal (%s)", fleetSize, ms(ideal)), "≤ 1.3", ratio(m.wall, ideal), m.wall <= ideal*13/10)
	// The same pages listed by list: what any command pays beyond them.
	list, err := medianFleet(5, work, bin, "list")
	if err != nil {
		return err
	}
	r.fleetRow("`patctl list` of the same tokens, for comparison", list, ideal)

	want = map[string]int{emulator.OpList: pages, emulator.OpCreate: fleetDue, emulator.OpConnectionData: fleetDue, emulator.OpRevoke: fleetDue}
	for _, parallel := range []int{4, 8} {
		m, err := medianFleet(3, work, bin, "apply", "--json", "--parallel", fmt.Sprint(parallel))
		if err != nil {
			return err
		}
		waves := (fleetDue + parallel - 1) / parallel
		ideal := time.Duration(pages+waves*fleetRotationTrips) * fleetLatency
		r.fleetRow(fmt.Sprintf("`patctl apply -f fleet.yaml --parallel %d`", parallel), m, ideal)
		what := fmt.Sprintf("apply of %d entries, %d due, --parallel %d", fleetSize, fleetDue, parallel)
		r.target(what+": requests", describeOps(want), describeOps(m.ops), maps.Equal(m.ops, want))
		r.target(fmt.Sprintf("%s: wall time / ideal (%s)", what, ms(ideal)), "≤ 1.3", ratio(m.wall, ideal), m.wall <= ideal*13/10)
	}
	r.printf("\nThe ideal of plan is its %d list pages, one after the other (`patctl list` of the same tokens shows what\n"+
		"start-up, the sign-in and the TLS handshake add to any command); apply's adds ⌈%d due ÷ --parallel⌉ waves of\n"+
		"%d round trips per rotation (create, verify, revoke: the old token comes from the plan's list and is not\n"+
		"looked up again, nor the name listed again after). Beyond the round trips: process start, the TLS handshakes of\n"+
		"the connections (one per rotation in flight), the journal's synced writes (each rotation's entry is written at\n"+
		"every step, and claims take the journal's lock one at a time), and the work. The login here is in a file, with no\n"+
		"key to seal the journal's copy of a secret: so the old tokens are revoked once the report that carries the new\n"+
		"secrets is written, --parallel at once, rather than in each rotation's wave — the same round trips.\n\n", pages, fleetDue, fleetRotationTrips)
	return nil
}

func (r *report) fleetRow(what string, m fleetFigures, ideal time.Duration) {
	total := 0
	for _, n := range m.ops {
		total += n
	}
	r.printf("| %s | %d | %s | %d | %s | %s | %s |\n", what, total, describeOps(m.ops), m.conns, ms(m.wall), ms(ideal), ratio(m.wall, ideal))
}

func ratio(wall, ideal time.Duration) string {
	return fmt.Sprintf("%.2f", float64(wall)/float64(ideal))
}

func describeOps(ops map[string]int) string {
	var parts []string
	for _, op := range slices.Sorted(maps.Keys(ops)) {
		parts = append(parts, fmt.Sprintf("%s %d", op, ops[op]))
	}
	return strings.Join(parts, ", ")
}

// medianFleet measures n runs: their median wall time, and their requests
// when every run made the same (else ops says "differed").
func medianFleet(n int, work, bin, verb string, flags ...string) (fleetFigures, error) {
	var runs []fleetFigures
	for range n {
		m, err := measureFleet(work, bin, verb, flags...)
		if err != nil {
			return m, err
		}
		runs = append(runs, m)
	}
	slices.SortFunc(runs, func(a, b fleetFigures) int { return int(a.wall - b.wall) })
	med := runs[n/2]
	for _, m := range runs {
		if !maps.Equal(m.ops, med.ops) {
			med.ops = map[string]int{"**differed**": 0}
		}
	}
	return med, nil
}

// measureFleet times one plan or apply of the fleet on a fresh emulator.
func measureFleet(work, bin, verb string, flags ...string) (fleetFigures, error) {
	var m fleetFigures
	s, err := newSession(work, bin, time.Hour)
	if err != nil {
		return m, err
	}
	defer s.em.Close()
	var file strings.Builder
	file.WriteString("defaults: {lifetime: 30d, rotateBefore: 7d}\ntokens:\n")
	for i := range fleetSize {
		name := fmt.Sprintf("fleet-%03d", i)
		left := 20 * 24 * time.Hour
		if i%(fleetSize/fleetDue) == 0 {
			left = 2 * 24 * time.Hour
		}
		if _, err := s.api.Create(context.Background(), patapi.CreateRequest{DisplayName: name, Scope: "vso.code", ValidTo: time.Now().Add(left)}); err != nil {
			return m, err
		}
		fmt.Fprintf(&file, "  - {name: %s, scopes: [vso.code]}\n", name)
	}
	path := filepath.Join(work, "fleet.yaml")
	if err := os.WriteFile(path, []byte(file.String()), 0o600); err != nil {
		return m, err
	}
	s.em.Update(func(c *emulator.Config) { c.Latency = emulator.Duration(fleetLatency) })
	s.em.ResetRequests()
	start := time.Now()
	args := append([]string{verb, "-f", path}, flags...)
	if verb == "list" {
		args = []string{"list"} // the same pages, without the file
	}
	if _, err := s.run(bin, args...); err != nil {
		return m, err
	}
	m.wall = time.Since(start)
	m.conns = s.em.Connections()
	m.ops = map[string]int{}
	for _, req := range s.em.Requests() {
		m.ops[req.Op]++
	}
	return m, nil
}

// Package fleet is `patctl plan` and `patctl apply`: the declarative file
// of the tokens someone wants (file.go), the planner that compares it with
// the live list and decides one action per token (plan.go), and the runner
// that carries the actions out through the same transaction as create,
// rotate, update and revoke (run.go).
package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/regexpx"
	"github.com/patctl/patctl/internal/scopes"
	"github.com/patctl/patctl/internal/sink"
)

// DefaultRotateBefore is how long before its expiry a token is rotated when
// the file does not say: a week, or a quarter of the lifetime when that is
// shorter.
const DefaultRotateBefore = 7 * 24 * time.Hour

// File is a fleet file, checked.
type File struct {
	Path string
	// Org is the file's organization: its org:, else --org or PATCTL_ORG
	// ("" when none is given).
	Org     string
	Entries []*Entry
	Prune   *Prune
}

// Entry is one token the file declares, its defaults applied.
type Entry struct {
	Line         int
	Name         string
	Org          string // the entry's, else the file's, else --org / PATCTL_ORG
	Scopes       []string
	Lifetime     time.Duration
	RotateBefore time.Duration
	AllOrgs      bool
	Grace        time.Duration // 0: revoke the old token at once
	To           []string
	// Sinks are the To URIs, parsed.
	Sinks  []sink.Sink
	sinkAt []int    // the line of each sink
	uris   []string // and its URI as the file gives it
}

// Scope is the entry's scopes as the API writes them.
func (e *Entry) Scope() string { return strings.Join(e.Scopes, " ") }

// Prune revokes the active tokens whose name starts with Prefix and that no
// entry declares.
type Prune struct {
	Line   int
	Prefix string
}

// Orgs are the organizations plan lists, each once: the file's own when it
// prunes, and its entries'.
func (f *File) Orgs() []string {
	var orgs []string
	add := func(org string) {
		if org != "" && !slices.ContainsFunc(orgs, func(o string) bool { return strings.EqualFold(o, org) }) {
			orgs = append(orgs, org)
		}
	}
	if f.Prune != nil {
		add(f.Org)
	}
	for _, e := range f.Entries {
		add(e.Org)
	}
	return orgs
}

// The keys each mapping of the file may have.
var (
	topKeys     = []string{"org", "defaults", "tokens", "prune"}
	defaultKeys = []string{"lifetime", "rotateBefore", "grace", "allOrgs"}
	entryKeys   = []string{"name", "org", "scopes", "lifetime", "rotateBefore", "allOrgs", "grace", "to"}
	pruneKeys   = []string{"prefix"}
)

var scopeRE = regexpx.Lazy(`^[A-Za-z][A-Za-z0-9_.]*$`)

// Parse reads and checks a fleet file; defaultOrg is --org or PATCTL_ORG
// ("" when neither is set). Every problem found is named with its line, and
// the error is a usage error (exit 2): nothing has been sent.
func Parse(path string, data []byte, defaultOrg string, env sink.Env) (*File, error) {
	p := &parser{path: path, env: env}
	f := p.file(data, defaultOrg)
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b problem) int { return a.line - b.line })
		msgs := make([]string, 0, len(p.errs)+1)
		for _, e := range p.errs[:min(len(p.errs), maxErrors)] {
			msgs = append(msgs, e.msg)
		}
		if len(p.errs) > maxErrors {
			msgs = append(msgs, fmt.Sprintf("%s: %d more problems not shown", p.path, len(p.errs)-maxErrors))
		}
		return nil, &cmdutil.FlagError{Err: errors.New(strings.Join(msgs, "\n"))}
	}
	return f, nil
}

// parser collects the problems of one file.
type parser struct {
	path string
	env  sink.Env
	errs []problem
}

type problem struct {
	line int
	msg  string
}

// maxErrors bounds what is said of a file that is not a fleet file at all.
const maxErrors = 20

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	line := 1
	if n != nil && n.Line > 0 {
		line = n.Line
	}
	p.lineErrorf(line, format, args...)
}

func (p *parser) lineErrorf(line int, format string, args ...any) {
	p.errs = append(p.errs, problem{line, fmt.Sprintf("%s:%d: %s", p.path, line, fmt.Sprintf(format, args...))})
}

// settings are the keys an entry may take from defaults:.
type settings struct {
	lifetime, rotateBefore, grace *time.Duration
	allOrgs                       *bool
}

func (p *parser) file(data []byte, defaultOrg string) *File {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// The parser's line is where it gave up, which may be a line or so
		// past the mistake.
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if head, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(head, "line ") {
			msg = fmt.Sprintf("%s (the parser stopped near %s)", rest, head)
		}
		p.errs = append(p.errs, problem{0, fmt.Sprintf("%s: not YAML: %s", p.path, msg)})
		return nil
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		p.errorf(nil, "the file is empty: it needs tokens:")
		return nil
	}
	root := deref(doc.Content[0])
	fields := p.mapping(root, "the file", topKeys)
	if fields == nil {
		return nil
	}
	f := &File{Path: p.path, Org: defaultOrg}
	fileOrg := ""
	if n := fields["org"]; n != nil {
		fileOrg = p.org(n, "org")
		f.Org = fileOrg
	}
	var defs settings
	if n := fields["defaults"]; n != nil {
		d := p.mapping(n, "defaults", defaultKeys)
		defs = p.settings(d, "defaults")
	}
	if n := fields["prune"]; n != nil {
		f.Prune = p.prune(n)
	}
	tokens := fields["tokens"]
	if tokens == nil {
		p.errorf(root, "tokens: missing: list the tokens the file declares (tokens: [] for none)")
		return f
	}
	if tokens.Kind != yaml.SequenceNode {
		p.errorf(tokens, "tokens: a list of tokens is expected")
		return f
	}
	for i, n := range tokens.Content {
		if e := p.entry(deref(n), i, defs, fileOrg, defaultOrg); e != nil {
			f.Entries = append(f.Entries, e)
		}
	}
	p.crossCheck(f)
	return f
}

// mapping checks that n is a mapping with only known keys, each once, and
// returns its values by key.
func (p *parser) mapping(n *yaml.Node, what string, known []string) map[string]*yaml.Node {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s: a mapping of keys (%s) is expected", what, strings.Join(known, ", "))
		return nil
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		switch {
		case !slices.Contains(known, k.Value):
			hint := ""
			for _, c := range known {
				if strings.EqualFold(c, k.Value) || strings.EqualFold(c, k.Value+"s") || strings.EqualFold(c+"s", k.Value) {
					hint = fmt.Sprintf("; did you mean %s?", c)
				}
			}
			p.errorf(k, "%s: unknown key %q (known: %s)%s", what, k.Value, strings.Join(known, ", "), hint)
		case out[k.Value] != nil:
			p.errorf(k, "%s: %s is given twice", what, k.Value)
		default:
			out[k.Value] = v
		}
	}
	return out
}

// deref follows an alias (&anchor / *alias) to what it names.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// scalar is a plain value: a string, a number; not a list, a mapping or null.
func (p *parser) scalar(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		p.errorf(n, "%s: a value is expected", key)
		return "", false
	}
	return n.Value, true
}

func (p *parser) duration(n *yaml.Node, key string) *time.Duration {
	v, ok := p.scalar(n, key)
	if !ok {
		return nil
	}
	d, err := cmdutil.ParseDuration(key, v)
	if err != nil {
		p.errorf(n, "%v", err)
		return nil
	}
	return &d
}

func (p *parser) boolean(n *yaml.Node, key string) *bool {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		p.errorf(n, "%s: true or false is expected", key)
		return nil
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		p.errorf(n, "%s: %v", key, err)
		return nil
	}
	return &b
}

func (p *parser) org(n *yaml.Node, key string) string {
	v, ok := p.scalar(n, key)
	if !ok {
		return ""
	}
	if err := cmdutil.CheckOrg(key, v); err != nil {
		p.errorf(n, "%v", err)
		return ""
	}
	return v
}

// list reads a list of values; one value alone is a list of one.
func (p *parser) list(n *yaml.Node, key string) ([]string, []*yaml.Node) {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out []string
	var nodes []*yaml.Node
	for _, item := range items {
		item = deref(item)
		if v, ok := p.scalar(item, key); ok {
			out, nodes = append(out, v), append(nodes, item)
		}
	}
	return out, nodes
}

func (p *parser) settings(fields map[string]*yaml.Node, where string) settings {
	var s settings
	if n := fields["lifetime"]; n != nil {
		s.lifetime = p.duration(n, "lifetime")
	}
	if n := fields["rotateBefore"]; n != nil {
		s.rotateBefore = p.duration(n, "rotateBefore")
	}
	if n := fields["grace"]; n != nil {
		s.grace = p.duration(n, "grace")
	}
	if n := fields["allOrgs"]; n != nil {
		s.allOrgs = p.boolean(n, "allOrgs")
	}
	return s
}

func (p *parser) prune(n *yaml.Node) *Prune {
	fields := p.mapping(n, "prune", pruneKeys)
	if fields == nil {
		return nil
	}
	pr := &Prune{Line: n.Line}
	v := fields["prefix"]
	if v == nil {
		p.errorf(n, "prune: a prefix is required (prune: {prefix: \"ci-\"}): patctl does not revoke every token no entry declares")
		return nil
	}
	if pr.Prefix, _ = p.scalar(v, "prune: prefix"); strings.TrimSpace(pr.Prefix) == "" {
		if v.Kind == yaml.ScalarNode && v.ShortTag() != "!!null" {
			p.errorf(v, "prune: prefix: an empty prefix would match every token")
		}
		return nil
	}
	return pr
}

func (p *parser) entry(n *yaml.Node, i int, defs settings, fileOrg, defaultOrg string) *Entry {
	what := fmt.Sprintf("tokens[%d]", i)
	if n.Kind == yaml.MappingNode {
		for j := 0; j+1 < len(n.Content); j += 2 {
			if v := deref(n.Content[j+1]); n.Content[j].Value == "name" && v.Kind == yaml.ScalarNode && v.Value != "" {
				what = fmt.Sprintf("%q", v.Value)
			}
		}
	}
	fields := p.mapping(n, what, entryKeys)
	if fields == nil {
		return nil
	}
	e := &Entry{Line: n.Line}
	if v := fields["name"]; v == nil {
		p.errorf(n, "%s: name: missing", what)
	} else if e.Name, _ = p.scalar(v, "name"); e.Name != "" && strings.TrimSpace(e.Name) == "" {
		p.errorf(v, "name: a name cannot be blank")
	}

	switch v := fields["org"]; {
	case v != nil:
		e.Org = p.org(v, "org")
	case fileOrg != "":
		e.Org = fileOrg
	case defaultOrg != "":
		e.Org = defaultOrg
	default:
		p.errorf(n, "%s: no organization: give org: here or at the top of the file, or --org or PATCTL_ORG", what)
	}

	if v := fields["scopes"]; v == nil {
		p.errorf(n, "%s: scopes: missing (for example scopes: [vso.code])", what)
	} else {
		e.Scopes = p.scopes(v)
	}

	own := p.settings(fields, what)
	pick := func(a, b *time.Duration, def time.Duration) time.Duration {
		if a != nil {
			return *a
		}
		if b != nil {
			return *b
		}
		return def
	}
	e.Lifetime = pick(own.lifetime, defs.lifetime, cmdutil.DefaultLifetime)
	e.RotateBefore = pick(own.rotateBefore, defs.rotateBefore, min(DefaultRotateBefore, e.Lifetime/4))
	e.Grace = pick(own.grace, defs.grace, 0)
	switch {
	case own.allOrgs != nil:
		e.AllOrgs = *own.allOrgs
	case defs.allOrgs != nil:
		e.AllOrgs = *defs.allOrgs
	}
	if e.RotateBefore >= e.Lifetime {
		at := n
		if v := fields["rotateBefore"]; v != nil {
			at = v
		}
		p.errorf(at, "%s: rotateBefore (%s) must be shorter than lifetime (%s), or every token would be due as soon as it is made", what, span(e.RotateBefore), span(e.Lifetime))
	}

	if v := fields["to"]; v != nil {
		// A destination in Azure DevOps (a variable group) is in the
		// entry's organization unless its URI names another.
		env := p.env
		if base, org := env.DevOps, e.Org; base != nil && org != "" {
			env.DevOps = func(ctx context.Context) (sink.DevOps, error) {
				d, err := base(ctx)
				d.Org = org
				return d, err
			}
		}
		uris, nodes := p.list(v, "to")
		for j, uri := range uris {
			if uri == sink.Stdout {
				e.To = append(e.To, uri)
				continue
			}
			s, err := sink.ParseURI(uri, env)
			if err != nil {
				p.errorf(nodes[j], "to: %v", err)
				continue
			}
			if slices.ContainsFunc(e.Sinks, func(o sink.Sink) bool { return o.String() == s.String() }) {
				p.errorf(nodes[j], "to: %s is given twice", uri)
				continue
			}
			e.To, e.Sinks, e.sinkAt, e.uris = append(e.To, uri), append(e.Sinks, s), append(e.sinkAt, nodes[j].Line), append(e.uris, uri)
		}
		if len(uris) == 0 && v.Kind == yaml.SequenceNode {
			p.errorf(v, "to: an empty list: leave to: out for the secret in apply's report")
		}
	}
	return e
}

// scopes reads and checks an entry's scopes, as --scope does: known names,
// each once.
func (p *parser) scopes(n *yaml.Node) []string {
	before := len(p.errs)
	values, nodes := p.list(n, "scopes")
	var out []string
	for j, v := range values {
		for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			switch {
			case !scopeRE().MatchString(s):
				p.errorf(nodes[j], "scopes: %q is not a scope name (like vso.code or vso.work_write)", s)
			case !scopes.Known(s):
				p.errorf(nodes[j], "scopes: %q is not a known scope; did you mean %q?", s, scopes.Nearest(s))
			case !slices.Contains(out, s):
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 && len(p.errs) == before {
		p.errorf(n, "scopes: at least one scope is required (for example scopes: [vso.code])")
	}
	return out
}

// crossCheck finds what no single entry shows: a name declared twice in an
// organization, a destination two entries write.
func (p *parser) crossCheck(f *File) {
	type key struct{ org, name string }
	seen := map[key]*Entry{}
	global := map[string]*Entry{}
	for _, e := range f.Entries {
		if e.Name == "" || e.Org == "" {
			continue
		}
		k := key{strings.ToLower(e.Org), e.Name}
		if first := seen[k]; first != nil {
			p.lineErrorf(e.Line, "%q in %s is declared already at line %d", e.Name, e.Org, first.Line)
			continue
		}
		seen[k] = e
		// A token valid in all organizations shows in each one's list.
		if first := global[e.Name]; first != nil && (e.AllOrgs || first.AllOrgs) {
			p.lineErrorf(e.Line, "%q is declared at line %d too, and a token valid in all organizations would be seen in both", e.Name, first.Line)
		}
		if global[e.Name] == nil || e.AllOrgs {
			global[e.Name] = e
		}
	}
	writers := map[string]*Entry{}
	for _, e := range f.Entries {
		for i, s := range e.Sinks {
			if first := writers[s.String()]; first != nil && first != e {
				p.lineErrorf(e.sinkAt[i], "to: %s is written by the entry at line %d too: each destination holds one token", s, first.Line)
				continue
			}
			writers[s.String()] = e
		}
	}
}

// span writes a duration the way the file does: 30d, 12h, 90min.
func span(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dmin", d/time.Minute)
}

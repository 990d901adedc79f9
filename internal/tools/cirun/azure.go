package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Azure Pipelines: a pipeline's steps, steps templates with parameters
// (template expressions at compile time), bash steps with macros $(var) at
// run time and logging commands.

func (r *runner) azure(file string) error {
	doc, err := readYAML(file)
	if err != nil {
		return err
	}
	if err := keys(file, doc, "trigger", "pr", "schedules", "resources", "pool", "variables", "steps", "name"); err != nil {
		return err
	}
	steps, err := r.expandSteps(file, doc["steps"], map[string]any{})
	if err != nil {
		return err
	}
	for _, s := range steps {
		if err := r.azureStep(s); err != nil {
			return err
		}
	}
	return nil
}

type azureStep struct {
	name, script, dir string
	env               map[string]string
}

// expandSteps resolves template references and template expressions into a
// flat list of script steps.
func (r *runner) expandSteps(file string, raw any, params map[string]any) ([]azureStep, error) {
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: steps: want a list", file)
	}
	var out []azureStep
	for i, s := range list {
		m, ok := s.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: step %d is not a mapping", file, i+1)
		}
		ev, err := evalTemplate(m, params)
		if err != nil {
			return nil, fmt.Errorf("%s: step %d: %w", file, i+1, err)
		}
		step := ev.(map[string]any)
		switch {
		case step["template"] != nil:
			if err := keys(file, step, "template", "parameters"); err != nil {
				return nil, err
			}
			steps, err := r.template(file, str(step["template"]), step["parameters"])
			if err != nil {
				return nil, err
			}
			out = append(out, steps...)
		case step["bash"] != nil:
			if err := keys(file, step, "bash", "displayName", "env", "name", "workingDirectory"); err != nil {
				return nil, err
			}
			env, err := stringMap("env", step["env"])
			if err != nil {
				return nil, err
			}
			out = append(out, azureStep{name: cmpOr(str(step["displayName"]), fmt.Sprintf("%s step %d", filepath.Base(file), i+1)), script: str(step["bash"]), dir: str(step["workingDirectory"]), env: env})
		case step["checkout"] != nil:
			// The checkout is the working directory.
		default:
			return nil, fmt.Errorf("%s: step %d: only bash, template and checkout steps are run by cirun", file, i+1)
		}
	}
	return out, nil
}

// template loads a steps template (path relative to the including file, or
// path@alias from -repo) with the parameters given.
func (r *runner) template(from, ref string, given any) ([]azureStep, error) {
	p, alias, hasAlias := strings.Cut(ref, "@")
	var file string
	if hasAlias {
		dir, ok := r.repos[alias]
		if !ok {
			return nil, fmt.Errorf("%s: template %s: no -repo %s=DIR", from, ref, alias)
		}
		file = filepath.Join(dir, p)
	} else {
		file = filepath.Join(filepath.Dir(from), p)
	}
	doc, err := readYAML(file)
	if err != nil {
		return nil, err
	}
	if err := keys(file, doc, "parameters", "steps"); err != nil {
		return nil, err
	}
	args, _ := given.(map[string]any)
	params := map[string]any{}
	declared, _ := doc["parameters"].([]any)
	names := map[string]bool{}
	for _, d := range declared {
		spec, _ := d.(map[string]any)
		name := str(spec["name"])
		names[name] = true
		v, ok := args[name]
		if !ok {
			if _, hasDefault := spec["default"]; !hasDefault {
				return nil, fmt.Errorf("%s: parameter %q is required", file, name)
			}
			v = spec["default"]
		}
		switch str(spec["type"]) {
		case "string", "":
			if _, ok := v.(string); !ok && v != nil {
				v = str(v)
			}
		case "object":
		case "boolean":
			if _, ok := v.(bool); !ok {
				return nil, fmt.Errorf("%s: parameter %q: want a boolean", file, name)
			}
		default:
			return nil, fmt.Errorf("%s: parameter %q: type %v is not handled by cirun", file, name, spec["type"])
		}
		params[name] = v
	}
	for k := range args {
		if !names[k] {
			return nil, fmt.Errorf("%s: unexpected parameter %q", file, k) // as Azure refuses it
		}
	}
	return r.expandSteps(file, doc["steps"], params)
}

// evalTemplate evaluates ${{ parameters.X }} (a whole value keeps the
// parameter's type, as with Azure) and ${{ insert }}: in mappings.
func evalTemplate(v any, params map[string]any) (any, error) {
	lookup := func(expr string) (any, error) {
		name, ok := strings.CutPrefix(expr, "parameters.")
		if !ok {
			return nil, fmt.Errorf("${{ %s }}: cirun evaluates parameters.NAME only", expr)
		}
		p, ok := params[name]
		if !ok {
			return nil, fmt.Errorf("${{ %s }}: no such parameter", expr)
		}
		return p, nil
	}
	switch v := v.(type) {
	case string:
		if m := exprRE.FindStringSubmatch(v); m != nil && m[0] == strings.TrimSpace(v) {
			return lookup(m[1])
		}
		return substitute(v, func(expr string) (string, error) {
			p, err := lookup(expr)
			return str(p), err
		})
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			var err error
			if out[i], err = evalTemplate(x, params); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			ev, err := evalTemplate(x, params)
			if err != nil {
				return nil, err
			}
			if exprRE.MatchString(k) && strings.TrimSpace(exprRE.FindStringSubmatch(k)[1]) == "insert" {
				m, ok := ev.(map[string]any)
				if !ok && ev != nil {
					return nil, fmt.Errorf("${{ insert }}: the value is not a mapping")
				}
				for ik, iv := range m {
					out[ik] = iv
				}
				continue
			}
			out[k] = ev
		}
		return out, nil
	}
	return v, nil
}

var (
	macroRE   = regexp.MustCompile(`\$\(([A-Za-z0-9_.]+)\)`)
	vsoRE     = regexp.MustCompile(`^##vso\[([a-z.]+)((?: [^\]]*)?)\](.*)$`)
	vsoPropRE = regexp.MustCompile(`(\w+)=([^;]*)`)
)

// macros replaces $(name) with the variable's value where it is defined;
// an undefined one stays as it is, as Azure leaves it.
func (r *runner) macros(s string) string {
	return macroRE.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := r.state.Variables[macroRE.FindStringSubmatch(m)[1]]; ok {
			return v.Value
		}
		return m
	})
}

func (r *runner) azureStep(s azureStep) error {
	ci := map[string]string{
		"TF_BUILD": "True", "BUILD_SOURCESDIRECTORY": r.work, "SYSTEM_DEFAULTWORKINGDIRECTORY": r.work,
		"AGENT_TEMPDIRECTORY": r.tempDir(), "AGENT_TOOLSDIRECTORY": filepath.Join(r.work, ".cirun-toolcache"),
	}
	// Non-secret variables are in every step's environment, NAME upper-cased
	// and dots made underscores; secret ones only where env: maps them.
	for k, v := range r.state.Variables {
		if !v.Secret {
			ci[strings.ToUpper(strings.ReplaceAll(k, ".", "_"))] = v.Value
		}
	}
	env := r.baseEnv(ci)
	for k, v := range s.env {
		env[k] = r.macros(v)
	}
	code, err := r.runScript(s.name, "azure-bash", r.macros(s.script), filepath.Join(r.work, s.dir), env, r.loggingCommand)
	if err != nil {
		return err
	}
	if code != 0 {
		return &stepFailed{step: s.name, code: code}
	}
	return nil
}

// loggingCommand acts on a ##vso line; it is not shown when it carries a
// secret.
func (r *runner) loggingCommand(line string) bool {
	m := vsoRE.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return true
	}
	props := map[string]string{}
	for _, p := range vsoPropRE.FindAllStringSubmatch(m[2], -1) {
		props[strings.ToLower(p[1])] = p[2]
	}
	switch m[1] {
	case "task.setvariable":
		secret := strings.EqualFold(props["issecret"], "true")
		if secret {
			r.addMask(m[3])
		}
		r.state.Variables[props["variable"]] = variable{Value: m[3], Secret: secret}
		fmt.Fprintf(r.log, "cirun: variable %s set%s\n", props["variable"], map[bool]string{true: " (secret)"}[secret])
		return false
	case "task.prependpath":
		r.path = append([]string{m[3]}, r.path...)
		r.state.Path = append(r.state.Path, m[3])
	case "task.logissue":
		r.state.Annotations = append(r.state.Annotations, r.mask(props["type"]+": "+m[3]))
	case "task.complete":
		r.state.Result = props["result"]
	default:
		fmt.Fprintf(os.Stderr, "cirun: logging command %s is not acted on\n", m[1])
	}
	return true
}

package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// GitHub Actions: a workflow's single job (or a composite action's steps),
// run and uses: steps.

type ghContext struct {
	inputs     map[string]string
	actionPath string
	sets       map[string]string            // github.X, vars.X
	env        map[string]string            // the env context: workflow, job, step env
	steps      map[string]map[string]string // steps.ID.outputs
}

func (r *runner) github(file string, sets map[string]string) error {
	doc, err := readYAML(file)
	if err != nil {
		return err
	}
	if err := keys(file, doc, "name", "on", "permissions", "jobs", "env", "concurrency", "defaults"); err != nil {
		return err
	}
	jobs, _ := doc["jobs"].(map[string]any)
	if len(jobs) != 1 {
		return fmt.Errorf("%s: %d jobs, cirun runs workflows of one", file, len(jobs))
	}
	for id, j := range jobs {
		job, _ := j.(map[string]any)
		if err := keys("job "+id, job, "runs-on", "steps", "env", "permissions", "timeout-minutes", "name"); err != nil {
			return err
		}
		env, err := stringMap("env", doc["env"])
		if err != nil {
			return err
		}
		jobEnv, err := stringMap("job env", job["env"])
		if err != nil {
			return err
		}
		for k, v := range jobEnv {
			env[k] = v
		}
		steps, _ := job["steps"].([]any)
		ctx := &ghContext{sets: sets, env: map[string]string{}, steps: map[string]map[string]string{}}
		for k, v := range env {
			if ctx.env[k], err = substitute(v, ctx.lookup(r)); err != nil {
				return fmt.Errorf("env %s: %w", k, err)
			}
		}
		return r.ghSteps(steps, ctx, filepath.Dir(file))
	}
	return nil
}

func (r *runner) ghSteps(steps []any, ctx *ghContext, base string) error {
	for i, s := range steps {
		step, ok := s.(map[string]any)
		if !ok {
			return fmt.Errorf("step %d is not a mapping", i+1)
		}
		if err := keys(fmt.Sprintf("step %d", i+1), step, "name", "id", "run", "shell", "env", "uses", "with", "working-directory"); err != nil {
			return err
		}
		name := str(step["name"])
		if name == "" {
			name = cmpOr(str(step["uses"]), fmt.Sprintf("step %d", i+1))
		}
		lookup := ctx.lookup(r)
		if n, err := substitute(name, lookup); err == nil {
			name = n
		}
		stepEnv := map[string]string{}
		for k, v := range ctx.env {
			stepEnv[k] = v
		}
		own, err := stringMap(name+": env", step["env"])
		if err != nil {
			return err
		}
		for k, v := range own {
			if stepEnv[k], err = substitute(v, lookup); err != nil {
				return fmt.Errorf("%s: env %s: %w", name, k, err)
			}
		}
		id := str(step["id"])
		if uses := str(step["uses"]); uses != "" {
			outputs, err := r.ghAction(name, uses, step["with"], ctx, stepEnv)
			if err != nil {
				return err
			}
			if id != "" {
				ctx.steps[id] = outputs
				r.state.Outputs[id] = outputs
			}
			continue
		}
		script, err := substitute(str(step["run"]), lookup)
		if err != nil {
			return fmt.Errorf("%s: run: %w", name, err)
		}
		shell := cmpOr(str(step["shell"]), "bash")
		outputs, err := r.ghRun(name, shell, script, filepath.Join(r.work, str(step["working-directory"])), stepEnv, ctx.actionPath)
		if err != nil {
			return err
		}
		if id != "" {
			ctx.steps[id] = outputs
			r.state.Outputs[id] = outputs
		}
	}
	return nil
}

// ghAction runs `uses: OWNER/REPO@REF` (from -uses) or `uses: ./DIR`: a
// composite action, its inputs from with: and their defaults.
func (r *runner) ghAction(name, uses string, with any, ctx *ghContext, env map[string]string) (map[string]string, error) {
	var dir string
	if strings.HasPrefix(uses, "./") {
		dir = filepath.Join(r.work, uses)
	} else {
		repo, _, ok := strings.Cut(uses, "@")
		if dir, ok = r.repos[repo]; !ok {
			return nil, fmt.Errorf("%s: uses %s: no -uses %s=DIR", name, uses, repo)
		}
	}
	action, err := readYAML(filepath.Join(dir, "action.yml"))
	if err != nil {
		return nil, err
	}
	if err := keys(uses, action, "name", "description", "author", "branding", "inputs", "outputs", "runs"); err != nil {
		return nil, err
	}
	runs, _ := action["runs"].(map[string]any)
	if str(runs["using"]) != "composite" {
		return nil, fmt.Errorf("%s: runs.using %q: cirun runs composite actions", uses, runs["using"])
	}
	given, err := stringMap(name+": with", with)
	if err != nil {
		return nil, err
	}
	inputs := map[string]string{}
	declared, _ := action["inputs"].(map[string]any)
	for k, v := range given {
		if _, ok := declared[k]; !ok {
			return nil, fmt.Errorf("%s: input %q is not one of %s's", name, k, uses)
		}
		if inputs[k], err = substitute(v, ctx.lookup(r)); err != nil {
			return nil, err
		}
	}
	for k, d := range declared {
		spec, _ := d.(map[string]any)
		if _, ok := inputs[k]; ok {
			continue
		}
		if spec["required"] == true {
			return nil, fmt.Errorf("%s: input %q of %s is required", name, k, uses)
		}
		inputs[k] = str(spec["default"])
	}
	inner := &ghContext{inputs: inputs, actionPath: dir, sets: ctx.sets, env: env, steps: map[string]map[string]string{}}
	steps, _ := runs["steps"].([]any)
	for _, s := range steps {
		if m, ok := s.(map[string]any); ok && m["run"] != nil && m["shell"] == nil {
			return nil, fmt.Errorf("%s: a composite action's run step must name its shell", uses)
		}
	}
	if err := r.ghSteps(steps, inner, dir); err != nil {
		return nil, err
	}
	outputs := map[string]string{}
	declaredOut, _ := action["outputs"].(map[string]any)
	for k, d := range declaredOut {
		spec, _ := d.(map[string]any)
		if outputs[k], err = substitute(str(spec["value"]), inner.lookup(r)); err != nil {
			return nil, fmt.Errorf("%s: output %s: %w", uses, k, err)
		}
	}
	return outputs, nil
}

func (r *runner) ghRun(name, shell, script, dir string, env map[string]string, actionPath string) (map[string]string, error) {
	files := map[string]string{}
	for _, k := range []string{"GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"} {
		f, err := os.CreateTemp(r.tempDir(), strings.ToLower(k)+"-*")
		if err != nil {
			return nil, err
		}
		f.Close()
		files[k] = f.Name()
		defer os.Remove(f.Name())
	}
	ci := map[string]string{
		"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": r.work,
		"RUNNER_OS": "Linux", "RUNNER_ARCH": "X64", "RUNNER_TEMP": r.tempDir(), "RUNNER_TOOL_CACHE": filepath.Join(r.work, ".cirun-toolcache"),
	}
	for k, v := range files {
		ci[k] = v
	}
	if actionPath != "" {
		ci["GITHUB_ACTION_PATH"] = actionPath
	}
	full := r.baseEnv(ci)
	for k, v := range env {
		full[k] = v
	}
	code, err := r.runScript(name, shell, script, dir, full, func(line string) bool {
		if v, ok := strings.CutPrefix(line, "::add-mask::"); ok {
			r.addMask(v)
			return false
		}
		for _, kind := range []string{"::error", "::warning", "::notice"} {
			if strings.HasPrefix(line, kind) {
				r.state.Annotations = append(r.state.Annotations, r.mask(line))
			}
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	outputs, err := readEnvFile(files["GITHUB_OUTPUT"])
	if err != nil {
		return nil, err
	}
	newEnv, err := readEnvFile(files["GITHUB_ENV"])
	if err != nil {
		return nil, err
	}
	for k, v := range newEnv {
		r.env[k] = v
	}
	paths, err := os.ReadFile(files["GITHUB_PATH"])
	if err != nil {
		return nil, err
	}
	for _, p := range strings.Split(strings.TrimSpace(string(paths)), "\n") {
		if p = strings.TrimSpace(p); p != "" {
			r.path = append([]string{p}, r.path...)
			r.state.Path = append(r.state.Path, p)
		}
	}
	if code != 0 {
		return nil, &stepFailed{step: name, code: code}
	}
	return outputs, nil
}

// readEnvFile reads GITHUB_OUTPUT or GITHUB_ENV: NAME=VALUE lines, or
// NAME<<DELIMITER, lines, DELIMITER.
func readEnvFile(file string) (map[string]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var val []string
			for sc.Scan() && sc.Text() != delim {
				val = append(val, sc.Text())
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		if name, val, ok := strings.Cut(line, "="); ok {
			out[name] = val
		} else if strings.TrimSpace(line) != "" {
			return nil, fmt.Errorf("%s: %q is neither NAME=VALUE nor NAME<<DELIMITER", file, line)
		}
	}
	return out, sc.Err()
}

func (c *ghContext) lookup(r *runner) func(string) (string, error) {
	return func(expr string) (string, error) {
		parts := strings.Split(expr, ".")
		get := func(m map[string]string, k string) (string, error) {
			v, ok := m[k]
			if !ok {
				return "", fmt.Errorf("${{ %s }}: not set", expr)
			}
			return v, nil
		}
		switch {
		case len(parts) == 2 && parts[0] == "inputs":
			return get(c.inputs, parts[1])
		case len(parts) == 2 && parts[0] == "secrets":
			return get(r.secrets, parts[1])
		case len(parts) == 2 && parts[0] == "env":
			return get(c.env, parts[1])
		case expr == "github.action_path":
			return c.actionPath, nil
		case expr == "github.workspace":
			return r.work, nil
		case expr == "runner.temp":
			return r.tempDir(), nil
		case len(parts) == 2 && (parts[0] == "github" || parts[0] == "vars"):
			return get(c.sets, expr)
		case len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs":
			out, ok := c.steps[parts[1]]
			if !ok {
				return "", fmt.Errorf("${{ %s }}: no step %s before", expr, parts[1])
			}
			return out[parts[3]], nil
		}
		return "", fmt.Errorf("${{ %s }}: an expression cirun does not evaluate", expr)
	}
}

func readYAML(file string) (map[string]any, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return doc, nil
}

func cmpOr(vals ...string) string {
	i := slices.IndexFunc(vals, func(s string) bool { return s != "" })
	if i < 0 {
		return ""
	}
	return vals[i]
}

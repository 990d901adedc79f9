package cmdutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/itchyny/gojq"
	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/output"
)

// JSONFlags are --json and --jq, which every command with JSON output has.
// Commands embed them in their Options.
type JSONFlags struct {
	JSON bool
	JQ   string
	code *gojq.Code
}

// AddJSONFlags adds --json and --jq; a --jq expression is checked before the
// command runs, and implies --json.
func (j *JSONFlags) AddJSONFlags(cmd *cobra.Command, what string) {
	cmd.Flags().BoolVar(&j.JSON, "json", false, "print "+what+" as JSON")
	cmd.Flags().StringVar(&j.JQ, "jq", "", "filter the JSON with a jq `expression` (strings print bare); implies --json")
	cmd.PreRunE = func(*cobra.Command, []string) error {
		if j.JQ == "" {
			return nil
		}
		query, err := gojq.Parse(j.JQ)
		if err != nil {
			return FlagErrorf("--jq: %v", err)
		}
		if j.code, err = gojq.Compile(query); err != nil {
			return FlagErrorf("--jq: %v", err)
		}
		j.JSON = true
		return nil
	}
}

// WriteJSON prints v as JSON, or what --jq makes of it: each result on a
// line, strings bare and everything else as JSON.
func (j *JSONFlags) WriteJSON(w io.Writer, v any) error {
	out, err := j.Render(v)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// Render is what WriteJSON would print. A --jq error never quotes a secret
// of v (its "token"), which jq's messages otherwise would.
func (j *JSONFlags) Render(v any) ([]byte, error) {
	var buf bytes.Buffer
	if j.code == nil {
		err := output.JSON(&buf, v)
		return buf.Bytes(), err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	iter := j.code.Run(doc)
	for {
		result, ok := iter.Next()
		if !ok {
			return buf.Bytes(), nil
		}
		if err, isErr := result.(error); isErr {
			return nil, fmt.Errorf("--jq: %s", scrub(err.Error(), doc))
		}
		if s, isString := result.(string); isString {
			buf.WriteString(s + "\n")
			continue
		}
		line, err := gojq.Marshal(result)
		if err != nil {
			return nil, err
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
}

// scrub hides the secrets of a document in a message: every "token", also
// in the objects it holds (apply's report has one per action).
func scrub(msg string, doc any) string {
	switch v := doc.(type) {
	case map[string]any:
		if secret, ok := v["token"].(string); ok && secret != "" {
			for n := len(secret); n >= 8; n-- { // jq shortens long values it quotes
				msg = strings.ReplaceAll(msg, secret[:n], "<secret>")
			}
		}
		for _, child := range v {
			msg = scrub(msg, child)
		}
	case []any:
		for _, child := range v {
			msg = scrub(msg, child)
		}
	}
	return msg
}

package cmdutil

import (
	"encoding/json"
	"fmt"
	"io"

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
	if j.code == nil {
		return output.JSON(w, v)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return err
	}
	iter := j.code.Run(doc)
	for {
		result, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := result.(error); isErr {
			return fmt.Errorf("--jq: %w", err)
		}
		if s, isString := result.(string); isString {
			if _, err := fmt.Fprintln(w, s); err != nil {
				return err
			}
			continue
		}
		line, err := gojq.Marshal(result)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%s\n", line); err != nil {
			return err
		}
	}
}

package cmdutil

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// A --jq error never quotes a secret, at the top (create, rotate) or deeper
// (apply's report).
func TestJQErrorsHideSecrets(t *testing.T) {
	const secret = "dip55dwf4vpitomw63jzvomefmi2jluguprzwwqwuc6xq4fhocwq"
	for _, doc := range []any{
		map[string]any{"token": secret},
		map[string]any{"actions": []any{map[string]any{"name": "a"}, map[string]any{"token": secret}}},
	} {
		var j JSONFlags
		cmd := &cobra.Command{}
		j.AddJSONFlags(cmd, "x")
		j.JQ = `.. | select(type == "string" and length > 20) | error`
		if err := cmd.PreRunE(cmd, nil); err != nil {
			t.Fatal(err)
		}
		_, err := j.Render(doc)
		if err == nil || strings.Contains(err.Error(), secret[:8]) || !strings.Contains(err.Error(), "<secret>") {
			t.Fatalf("error %v", err)
		}
	}
}

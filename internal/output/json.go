// Package output formats what commands print: JSON for machines, aligned text
// for people.
package output

import (
	"encoding/json"
	"io"
)

// JSON writes v as indented JSON with a final newline.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

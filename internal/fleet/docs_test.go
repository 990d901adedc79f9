package fleet

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The fleet files the documentation shows are fleet files.
func TestDocumentedFilesParse(t *testing.T) {
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```")
	found := 0
	for _, doc := range []string{"docs/fleet.md", "README.md"} {
		data, err := os.ReadFile(filepath.Join("..", "..", doc))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range block.FindAllStringSubmatch(string(data), -1) {
			if !strings.Contains(m[1], "tokens:") {
				continue
			}
			found++
			if _, err := Parse(doc, []byte(m[1]), "fabrikam", env()); err != nil {
				t.Errorf("%s: %v\n%s", doc, err, m[1])
			}
		}
	}
	if found < 3 {
		t.Fatalf("%d fleet files in the docs", found)
	}
}

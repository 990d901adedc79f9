package output

import (
	"reflect"
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	id := "bbecc8b7-0ffd-4411-8f2a-6f063ec95e55"
	for _, tc := range []struct {
		name  string
		text  string
		width int
		want  []string
	}{
		{"fits", "Created token x", 20, []string{"Created token x"}},
		{"at spaces", "one two three four", 9, []string{"one two", "three", "four"}},
		{"glue keeps words together and prints as a space", "Created token \"ci\" (id" + Glue + id + "), valid", 40,
			[]string{"Created token \"ci\"", "(id " + id + "),", "valid"}},
		{"a word wider than a line is whole", "key " + id + " end", 10, []string{"key", id, "end"}},
		{"wide characters count twice", "日本語 日本語", 8, []string{"日本語", "日本語"}},
		{"lines of its own", "a b\n\nc", 10, []string{"a b", "", "c"}},
		{"no width, no wrapping", "a" + Glue + "b c", 0, []string{"a b c"}},
		{"a no-break space of a name is the name's", "name\u00a0x y", 7, []string{"name\u00a0x", "y"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Wrap(tc.text, tc.width, nil)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%q\nwant %q", got, tc.want)
			}
			for _, l := range got {
				if strings.Contains(l, Glue) {
					t.Errorf("glue printed in %q", l)
				}
			}
		})
	}
	atSlash := func(word string, n int) int {
		if i := strings.LastIndex(word[:min(n, len(word))], "/"); i > 0 {
			return i + 1
		}
		return n
	}
	got := Wrap("--to keyvault://VAULT/NAME here", 16, atSlash)
	if want := []string{"--to", "keyvault://", "VAULT/NAME here"}; !reflect.DeepEqual(got, want) {
		t.Errorf("split: %q, want %q", got, want)
	}
}

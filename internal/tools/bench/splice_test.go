package main

import "testing"

func TestSplice(t *testing.T) {
	doc := "# Performance\n\n## Targets\n\n| what | target | measured | |\n|---|---|---|---|\n" +
		"| start-up, `patctl --version` median | < 5 ms | 5.54 ms | **missed** |\n" +
		"| rotate: connections | 1 | 1 | met |\n\n" +
		"## Start-up\n\nold text\n\n## Rotate\n\nkept\n"
	got, err := splice(doc, "## Start-up\n\nnew text\n\n",
		[]string{"| start-up, `patctl --version` median | < 5 ms | 4.10 ms | met |"})
	if err != nil {
		t.Fatal(err)
	}
	want := "# Performance\n\n## Targets\n\n| what | target | measured | |\n|---|---|---|---|\n" +
		"| start-up, `patctl --version` median | < 5 ms | 4.10 ms | met |\n" +
		"| rotate: connections | 1 | 1 | met |\n\n" +
		"## Start-up\n\nnew text\n\n## Rotate\n\nkept\n"
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	if _, err := splice("# Performance\n", "## Start-up\n", nil); err == nil {
		t.Fatal("a report without a Start-up section was accepted")
	}
	if _, err := splice(doc, "## Start-up\n", []string{"| start-up, unknown | 1 | 1 | met |"}); err == nil {
		t.Fatal("a target row that is not in the report was accepted")
	}
}

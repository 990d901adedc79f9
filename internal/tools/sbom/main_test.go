package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMergeDescribesTheArchive(t *testing.T) {
	doc := func(main, lib string) bom {
		return bom{
			BOMFormat: "CycloneDX", SpecVersion: "1.6",
			Metadata: metadata{
				Component:  json.RawMessage(`{"bom-ref":"` + main + `","type":"application"}`),
				Properties: []property{{Name: "cdx:gomod:build:env:GOOS", Value: "linux"}},
			},
			Components:   []json.RawMessage{json.RawMessage(`{"bom-ref":"` + lib + `"}`), json.RawMessage(`{"bom-ref":"shared"}`)},
			Dependencies: []dependency{{Ref: main, DependsOn: []string{lib, "shared"}}},
		}
	}
	sum := strings.Repeat("ab", 32)
	got, err := merge("patctl_1.2.3_linux_amd64.tar.gz", "1.2.3", "2026-12-01T00:00:00Z", sum, []bom{doc("#cmd/patctl", "a"), doc("#cmd/patctl-emulator", "b")})
	if err != nil {
		t.Fatal(err)
	}
	var top struct {
		BOMRef     string
		Hashes     []hash
		Components []struct {
			BOMRef     string `json:"bom-ref"`
			Properties []property
		}
	}
	if err := json.Unmarshal(got.Metadata.Component, &top); err != nil {
		t.Fatal(err)
	}
	if len(top.Hashes) != 1 || top.Hashes[0].Content != sum || len(top.Components) != 2 || len(top.Components[0].Properties) != 1 {
		t.Fatalf("%+v", top)
	}
	if len(got.Components) != 3 { // a, b and shared once
		t.Fatalf("%d components", len(got.Components))
	}
	deps := map[string][]string{}
	for _, d := range got.Dependencies {
		deps[d.Ref] = d.DependsOn
	}
	if strings.Join(deps["patctl_1.2.3_linux_amd64.tar.gz"], " ") != "#cmd/patctl #cmd/patctl-emulator" || strings.Join(deps["#cmd/patctl"], " ") != "a shared" {
		t.Fatalf("%+v", got.Dependencies)
	}
	if got.SerialNumber != serial(sum) || !strings.HasPrefix(got.SerialNumber, "urn:uuid:abababab-abab-5bab-abab-") {
		t.Fatal(got.SerialNumber)
	}
}

package main

import "testing"

func TestParseCask(t *testing.T) {
	c, err := parseCask(`# generated
cask "patctl" do
  version "1.2.3"

  on_macos do
    on_intel do
      url "https://x/v#{version}/patctl_#{version}_darwin_amd64.tar.gz"
      sha256 "aa"
    end
  end
  on_linux do
    on_arm do
      url "https://x/v#{version}/patctl_#{version}_linux_arm64.tar.gz"
      sha256 "bb"
    end
  end
  livecheck do
    skip "Auto-generated on release."
  end
  binary "patctl"
  manpage "man/patctl.1"
  zsh_completion "completions/_patctl"

  postflight do
    if OS.mac?
      system_command "/usr/bin/xattr", args: ["-dr"]
    end
  end
end
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []caskPackage{{"darwin", "amd64", "https://x/v1.2.3/patctl_1.2.3_darwin_amd64.tar.gz", "aa"}, {"linux", "arm64", "https://x/v1.2.3/patctl_1.2.3_linux_arm64.tar.gz", "bb"}}
	if c.Token != "patctl" || c.Version != "1.2.3" || len(c.Packages) != 2 || c.Packages[0] != want[0] || c.Packages[1] != want[1] ||
		len(c.Binaries) != 1 || len(c.Manpages) != 1 || len(c.Completions) != 1 || !c.Postflight {
		t.Fatalf("%+v", c)
	}
	if _, err := parseCask("cask \"x\" do\n  on_macos do\nend\n"); err == nil {
		t.Fatal("an unclosed block was accepted")
	}
}

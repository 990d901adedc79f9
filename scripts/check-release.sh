#!/usr/bin/env bash
# Checks what a snapshot release built: every archive and package, their
# contents, the checksums, and that the binary for this machine runs and
# knows its version; then (internal/tools/releasecheck) the SBOMs, the
# Homebrew cask, the Scoop and winget manifests and the container image.
set -euo pipefail
dist=${1:-dist}
fail() { echo "check-release: $*" >&2; exit 1; }

for os in linux darwin; do
  for arch in amd64 arm64; do
    ls "$dist"/patctl_*_"${os}_${arch}".tar.gz >/dev/null 2>&1 || fail "no archive for $os/$arch"
  done
done
for arch in amd64 arm64; do
  ls "$dist"/patctl_*_windows_"$arch".zip >/dev/null 2>&1 || fail "no archive for windows/$arch"
done
ls "$dist"/*.deb >/dev/null 2>&1 || fail "no deb package"
ls "$dist"/*.rpm >/dev/null 2>&1 || fail "no rpm package"
[ -s "$dist/checksums.txt" ] || fail "no checksums.txt"
(cd "$dist" && sha256sum --quiet -c checksums.txt) || fail "checksums do not match"

archive=$(ls "$dist"/patctl_*_linux_amd64.tar.gz)
listing=$(tar -tzf "$archive")
for f in patctl patctl-emulator README.md completions/patctl.bash completions/_patctl completions/patctl.fish completions/patctl.ps1 man/patctl.1 man/patctl-rotate.1; do
  grep -qx "$f" <<<"$listing" || fail "$archive lacks $f"
done

if [ "$(go env GOOS)/$(go env GOARCH)" = linux/amd64 ]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  tar -xzf "$archive" -C "$tmp" patctl
  version=$("$tmp/patctl" --version)
  case "$version" in
    "patctl version "*-next*) ;;
    *) fail "the built binary says '$version', not a stamped snapshot version" ;;
  esac
  file "$tmp/patctl" 2>/dev/null | grep -q 'statically linked' || ldd "$tmp/patctl" 2>&1 | grep -q 'not a dynamic' || fail "patctl is not statically linked"
  echo "check-release: $version; archives, packages and checksums are complete"
fi

go run ./internal/tools/releasecheck -dist "$dist"

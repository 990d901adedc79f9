#!/usr/bin/env bash
# Installs a pinned patctl release: downloads the archive for this machine and
# the release's checksums.txt, refuses the archive unless its SHA-256 is the
# one listed (and, with --sha256, the one given), and puts patctl in a
# directory. In GitHub Actions the directory is added to GITHUB_PATH, in Azure
# Pipelines (TF_BUILD=True) to the PATH of later steps, so they can run patctl.
#
#   install-patctl.sh --version 1.2.3 [--base-url URL] [--dir DIR] [--sha256 HEX]
#
# --base-url: where releases are, each under v$VERSION/ (default the GitHub
# releases of patctl/patctl); a mirror, or a local server for tests.
# --dir: where patctl goes (default $RUNNER_TOOL_CACHE/patctl/VERSION/ARCH in
# GitHub Actions, $AGENT_TOOLSDIRECTORY/patctl/VERSION/ARCH in Azure
# Pipelines, else ~/.local/bin).
# --sha256: the archive's expected SHA-256, to pin the release's contents, not
# only its name: checksums.txt comes from the same place as the archive.
#
# The action (action.yml) and the Azure Pipelines template
# (ci/azure-pipelines/install-patctl.yml, which carries a copy) run it.
set -euo pipefail

version= base_url=https://github.com/patctl/patctl/releases/download dir= want_sha=
while [ $# -gt 0 ]; do
  case $1 in
    --version) version=${2-}; shift 2 ;;
    --base-url) base_url=${2-}; shift 2 ;;
    --dir) dir=${2-}; shift 2 ;;
    --sha256) want_sha=${2-}; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-patctl: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
fail() { echo "install-patctl: $*" >&2; exit 1; }

version=${version#v}
case $version in
  "") echo "install-patctl: --version is required: pin a release, such as 1.2.3" >&2; exit 2 ;;
  latest) echo "install-patctl: pin a version (1.2.3), not latest: a pipeline should not change by itself" >&2; exit 2 ;;
  *[!0-9A-Za-z.+-]*) echo "install-patctl: --version $version is not a version" >&2; exit 2 ;;
esac
if [ -n "$want_sha" ] && ! [[ $want_sha =~ ^[0-9a-f]{64}$ ]]; then
  echo "install-patctl: --sha256 wants 64 lower-case hex digits" >&2; exit 2
fi
azure=false
case ${TF_BUILD-} in [Tt][Rr][Uu][Ee]) azure=true ;; esac

case $(uname -s) in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  MINGW* | MSYS* | CYGWIN* | Windows_NT) os=windows ;;
  *) fail "no patctl release for $(uname -s)" ;;
esac
case $(uname -m) in
  x86_64 | amd64 | AMD64) arch=amd64 ;;
  aarch64 | arm64 | ARM64) arch=arm64 ;;
  *) fail "no patctl release for $(uname -m)" ;;
esac
exe= ext=tar.gz
if [ "$os" = windows ]; then exe=.exe ext=zip; fi
archive=patctl_${version}_${os}_${arch}.${ext}
url=${base_url%/}/v${version}

if [ -z "$dir" ]; then
  if [ -n "${GITHUB_ACTIONS-}" ] && [ -n "${RUNNER_TOOL_CACHE-}" ]; then
    dir=$RUNNER_TOOL_CACHE/patctl/$version/$arch
  elif $azure && [ -n "${AGENT_TOOLSDIRECTORY-}" ]; then
    dir=$AGENT_TOOLSDIRECTORY/patctl/$version/$arch
  else
    dir=$HOME/.local/bin
  fi
fi

tmp=$(mktemp -d "${RUNNER_TEMP:-${AGENT_TEMPDIRECTORY:-${TMPDIR:-/tmp}}}/install-patctl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fetch() { # URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 --proto '=https,http' -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    fail "neither curl nor wget is installed"
  fi || fail "cannot download $1"
}
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

echo "install-patctl: patctl $version for $os/$arch from $url"
fetch "$url/checksums.txt" "$tmp/checksums.txt"
fetch "$url/$archive" "$tmp/$archive"
listed=$(awk -v f="$archive" '$2 == f { print $1 }' "$tmp/checksums.txt")
[ -n "$listed" ] || fail "checksums.txt of $version does not list $archive"
got=$(sha256 "$tmp/$archive")
[ "$got" = "$listed" ] || fail "$archive: SHA-256 $got is not the $listed of checksums.txt: refused"
[ -z "$want_sha" ] || [ "$got" = "$want_sha" ] || fail "$archive: SHA-256 $got is not the pinned $want_sha: refused"

mkdir -p "$tmp/x"
if [ "$ext" = zip ]; then
  if command -v unzip >/dev/null 2>&1; then unzip -q -o "$tmp/$archive" "patctl$exe" -d "$tmp/x"
  else tar -xf "$tmp/$archive" -C "$tmp/x" "patctl$exe"; fi
else
  tar -xzf "$tmp/$archive" -C "$tmp/x" "patctl$exe"
fi
mkdir -p "$dir"
# Into place under a temporary name, then renamed: a step running patctl
# meanwhile never sees half a binary.
cp "$tmp/x/patctl$exe" "$dir/.patctl$exe.new"
chmod 0755 "$dir/.patctl$exe.new"
mv -f "$dir/.patctl$exe.new" "$dir/patctl$exe"

if [ -n "${GITHUB_PATH-}" ]; then
  echo "$dir" >>"$GITHUB_PATH"
fi
if [ -n "${GITHUB_OUTPUT-}" ]; then
  { echo "path=$dir/patctl$exe"; echo "version=$version"; echo "sha256=$got"; } >>"$GITHUB_OUTPUT"
fi
if $azure; then
  echo "##vso[task.prependpath]$dir"
fi
"$dir/patctl$exe" version

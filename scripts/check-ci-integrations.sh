#!/usr/bin/env bash
# Runs the ways pipelines get and call patctl against the emulator, with the
# snapshot release in DIST served as if it were the GitHub release:
#
#  1. scripts/install-patctl.sh installs the release and refuses a tampered
#     archive;
#  2. the GitHub Actions example (docs/examples/github-rotate-nightly.yml),
#     with the action (action.yml), run by internal/tools/cirun: the token
#     lands in the emulator's GitHub secret; a lifetime policy fails the job
#     with exit 8, another rotation of the token under way with exit 9;
#  3. the Azure Pipelines template (ci/azure-pipelines/rotate-patctl.yml) in a
#     pipeline whose next step uses the secret variable it sets;
#  4. the container image's filesystem, `docker run … patctl rotate
#     --ci-variable` with TF_BUILD=True: the ##vso line and its secret.
#
# Each new token is checked to be a live PAT (the emulator's connectionData
# with it), and no log may show a secret. Usage: check-ci-integrations.sh DIST
# (KEEP_WORK=1 keeps the logs and state files.)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
dist=$(cd "${1:-dist}" && pwd)
fail() { echo "check-ci-integrations: $*" >&2; exit 1; }
say() { echo "check-ci-integrations: $*"; }

version=$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' "$dist/metadata.json")
[ -n "$version" ] || fail "no version in $dist/metadata.json"
goos=$(go env GOOS) goarch=$(go env GOARCH)

work=$(mktemp -d "${TMPDIR:-/tmp}/patctl-ci-check.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [ -n "${KEEP_WORK-}" ]; then echo "check-ci-integrations: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# The release's own binaries for this machine start the emulator and sign in;
# the tools are built from the checkout.
mkdir -p "$work/bin"
tar -xzf "$dist/patctl_${version}_${goos}_${goarch}.tar.gz" -C "$work/bin" patctl patctl-emulator
go build -o "$work/bin/" ./internal/tools/fileserver ./internal/tools/cirun ./internal/tools/releasecheck
export PATH="$work/bin:$PATH"

wait_for() { # FILE PID WHAT
  for _ in $(seq 300); do
    [ -s "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || fail "$3 did not start"
    sleep 0.05
  done
  fail "$3 did not start"
}

patctl-emulator --env-file "$work/emulator.env" >/dev/null 2>"$work/emulator.log" &
pids+=($!)
wait_for "$work/emulator.env" $! "the emulator"
. "$work/emulator.env"
admin=${PATCTL_API_URL}/_emulator

# A signed-in user, the PATs the pipelines rotate, and the user's access
# token: what a pipeline gets as PATCTL_TOKEN.
export PATCTL_CONFIG_DIR=$work/setup-config
BROWSER="patctl-emulator browse" patctl login --insecure-storage >/dev/null 2>&1 || fail "sign-in to the emulator failed"
for name in deploy azure-deploy container; do
  patctl create --name "$name" --scope vso.code --expires 30d >/dev/null 2>>"$work/setup.log" || { cat "$work/setup.log"; fail "cannot create the PAT $name"; }
done
user_token=$(patctl token)
[ -n "$user_token" ] || fail "patctl token printed nothing"

# What the emulator stands in for on a real runner: where Azure DevOps,
# Entra ID and GitHub are, and the CA that makes them trusted.
runner_env=(-env "PATCTL_API_URL=$PATCTL_API_URL" -env "PATCTL_DEVOPS_URL=$PATCTL_DEVOPS_URL" -env "PATCTL_AUTHORITY=$PATCTL_AUTHORITY"
  -env "PATCTL_KEYVAULT_URL=$PATCTL_KEYVAULT_URL" -env "PATCTL_GITHUB_API_URL=$PATCTL_GITHUB_API_URL" -env "PATCTL_CA_FILE=$PATCTL_CA_FILE")

# live_pat SECRET: the emulator takes it as an active PAT of fabrikam.
live_pat() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$PATCTL_CA_FILE" -u ":$1" "$PATCTL_API_URL/fabrikam/_apis/connectionData")
  [ "$code" = 200 ]
}
# no_secrets LOG SECRET…: none of the secrets shows in the log.
no_secrets() {
  local log=$1 s
  shift
  for s in "$@"; do
    ! grep -qF -- "$s" "$log" || fail "$log shows a secret"
  done
}

serve() { # DIR URLFILE
  fileserver -dir "$1" -prefix "/v$version/" -url-file "$2" 2>>"$work/fileserver.log" &
  pids+=($!)
  wait_for "$2" $! "the file server"
}
serve "$dist" "$work/release.url"
release_url=$(cat "$work/release.url")

say "1. install-patctl.sh: the release from $release_url, and a tampered copy"
scripts/install-patctl.sh --version "$version" --base-url "$release_url" --dir "$work/install" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "install-patctl.sh failed"; }
"$work/install/patctl" version | grep -q "^patctl version $version" || fail "the installed patctl is not $version"
mkdir -p "$work/tampered"
cp "$dist/checksums.txt" "$dist/patctl_${version}_${goos}_${goarch}.tar.gz" "$work/tampered/"
printf 'x' >>"$work/tampered/patctl_${version}_${goos}_${goarch}.tar.gz"
serve "$work/tampered" "$work/tampered.url"
if scripts/install-patctl.sh --version "$version" --base-url "$(cat "$work/tampered.url")" --dir "$work/tampered-install" >"$work/tampered.log" 2>&1; then
  fail "install-patctl.sh installed a tampered archive"
fi
grep -q "refused" "$work/tampered.log" || { cat "$work/tampered.log"; fail "the tampered archive was not refused for its checksum"; }
[ ! -e "$work/tampered-install/patctl" ] || fail "a tampered patctl was left installed"

say "2. GitHub Actions: docs/examples/github-rotate-nightly.yml with action.yml"
# The example pins 1.2.3 from GitHub; here it takes the snapshot from the
# local server.
workflow=$work/github-rotate-nightly.yml
sed "s|^\( *\)version: 1\.2\.3$|\1version: $version\n\1base-url: $release_url|" docs/examples/github-rotate-nightly.yml >"$workflow"
grep -q "base-url: $release_url" "$workflow" || fail "the example workflow has no 'version: 1.2.3' input to replace"
gh_run() { # NAME GH_TOKEN: run the workflow, its log in $work/NAME.log; prints the exit code
  mkdir -p "$work/$1"
  local code=0
  cirun github -workflow "$workflow" -uses patctl/patctl="$repo" -set github.repository=contoso/web \
    -secret ADO_USER_ACCESS_TOKEN="$user_token" -secret SECRETS_ADMIN_TOKEN="$2" \
    "${runner_env[@]}" -env PATCTL_CONFIG_DIR="$work/$1/config" \
    -work "$work/$1" -state "$work/$1.json" >"$work/$1.log" 2>&1 || code=$?
  echo "$code"
}
code=$(gh_run gh ghp_EmulatorWriteToken0000000000000001)
[ "$code" = 0 ] || { cat "$work/gh.log"; fail "the workflow failed (exit $code)"; }
secret=$(curl -fsS --cacert "$PATCTL_CA_FILE" "$admin/github-secret?path=contoso/web/ADO_PAT" | sed -n 's/.*"value": *"\([^"]*\)".*/\1/p')
[ -n "$secret" ] || fail "the workflow left no secret ADO_PAT in contoso/web"
live_pat "$secret" || fail "ADO_PAT in contoso/web is not an active PAT"
grep -q "/.cirun-toolcache/patctl/$version/" "$work/gh.json" || fail "the action did not add patctl's directory to GITHUB_PATH"
no_secrets "$work/gh.log" "$secret" "$user_token"

# A lifetime policy of 10 days clamps the new token: the check step fails
# the job with exit 8.
curl -fsS --cacert "$PATCTL_CA_FILE" -X PATCH "$admin/config" -o /dev/null \
  -d '{"tenants":[{"id":"6a1d3b52-8f0e-4c7a-9d21-3f5e8b7c4a10","domain":"contoso.onmicrosoft.com","maxPATLifespan":"240h"}]}' ||
  fail "cannot set a lifetime policy on the emulator"
code=$(gh_run gh-policy ghp_EmulatorWriteToken0000000000000001)
[ "$code" = 8 ] || { cat "$work/gh-policy.log"; fail "a token capped to 10 days: the workflow exited $code, not 8"; }
grep -q "::error title=patctl::deploy expires within 14 days" "$work/gh-policy.json" || fail "exit 8 without its annotation"
curl -fsS --cacert "$PATCTL_CA_FILE" -X PATCH "$admin/config" -o /dev/null \
  -d '{"tenants":[{"id":"6a1d3b52-8f0e-4c7a-9d21-3f5e8b7c4a10","domain":"contoso.onmicrosoft.com"}]}'

# Another rotation of deploy is under way on this runner (the emulator holds
# its GitHub write): the workflow's rotate exits 9, which fails the job.
curl -fsS --cacert "$PATCTL_CA_FILE" -X POST "$admin/faults" -o /dev/null -d '{"op":"github-put","kind":"timeout"}' ||
  fail "cannot arm a fault on the emulator"
mkdir -p "$work/gh-busy"
PATCTL_CONFIG_DIR=$work/gh-busy/config PATCTL_TOKEN=$user_token PATCTL_ORG=fabrikam GH_TOKEN=ghp_EmulatorWriteToken0000000000000001 \
  patctl rotate --name deploy --to github://contoso/web/ADO_PAT >/dev/null 2>"$work/gh-busy.err" &
busy=$!
pids+=($busy)
for _ in $(seq 200); do
  curl -fsS --cacert "$PATCTL_CA_FILE" "$admin/requests" | grep -q '"github-put"' && break
  sleep 0.05
done
code=$(gh_run gh-busy ghp_EmulatorWriteToken0000000000000001)
kill "$busy" 2>/dev/null || true
curl -fsS --cacert "$PATCTL_CA_FILE" -X DELETE "$admin/faults" -o /dev/null
[ "$code" = 9 ] || { cat "$work/gh-busy.log"; fail "with a rotation under way the workflow exited $code, not 9"; }
grep -q "::error title=patctl::the rotation of deploy is unfinished" "$work/gh-busy.json" || fail "exit 9 without its annotation"
say "   the secret landed in contoso/web/ADO_PAT and is a live PAT; exit 8 and 9 fail the job with their annotations"

say "3. Azure Pipelines: ci/azure-pipelines/rotate-patctl.yml, then a step that uses NEW_PAT"
mkdir -p "$work/az"
cat >"$work/azure-pipelines.yml" <<EOF
steps:
  - template: ci/azure-pipelines/rotate-patctl.yml@patctl
    parameters:
      version: $version
      baseUrl: $release_url
      org: fabrikam
      name: azure-deploy
      variable: NEW_PAT
  - bash: |
      set -euo pipefail
      code=\$(curl -s -o /dev/null -w '%{http_code}' --cacert "\$PATCTL_CA_FILE" -u ":\$NEW_PAT" "\$PATCTL_API_URL/fabrikam/_apis/connectionData")
      [ "\$code" = 200 ] || { echo "NEW_PAT is not an active PAT: HTTP \$code"; exit 1; }
      echo "the next step has NEW_PAT=\$NEW_PAT"
    displayName: A later step uses NEW_PAT
    env:
      NEW_PAT: \$(NEW_PAT)
EOF
code=0
cirun azure -pipeline "$work/azure-pipelines.yml" -repo patctl="$repo" -secret adoUserAccessToken="$user_token" \
  "${runner_env[@]}" -env PATCTL_CONFIG_DIR="$work/az/config" -work "$work/az" -state "$work/az.json" >"$work/az.log" 2>&1 || code=$?
[ "$code" = 0 ] || { cat "$work/az.log"; fail "the pipeline failed (exit $code)"; }
grep -q "the next step has NEW_PAT=\*\*\*" "$work/az.log" || { cat "$work/az.log"; fail "NEW_PAT was not masked in the log"; }
new_pat=$(sed -n '/"NEW_PAT"/,/}/s/.*"value": "\([^"]*\)".*/\1/p' "$work/az.json")
grep -A3 '"NEW_PAT"' "$work/az.json" | grep -q '"secret": true' || fail "NEW_PAT is not a secret variable"
live_pat "$new_pat" || fail "NEW_PAT is not an active PAT"
grep -q "/.cirun-toolcache/patctl/$version/" "$work/az.json" || fail "the template did not prepend patctl's directory to PATH"
no_secrets "$work/az.log" "$new_pat" "$user_token"
say "   NEW_PAT is a secret variable holding a live PAT, masked in the log"

say "4. The container image: docker run -e TF_BUILD=True … patctl rotate --ci-variable NEW_PAT"
if [ "$(id -u)" != 0 ] || [ "$goos/$goarch" != linux/amd64 ]; then
  [ "${CI-}" != true ] || fail "CI must run the image check: it needs root on linux/amd64"
  say "   skipped: needs root (chroot) on linux/amd64"
else
  code=0
  releasecheck image-run -dist "$dist" -dir "$work/image" -copy "$PATCTL_CA_FILE:/etc/patctl/ca.pem" \
    -e PATCTL_CA_FILE=/etc/patctl/ca.pem -e PATCTL_API_URL="$PATCTL_API_URL" -e PATCTL_DEVOPS_URL="$PATCTL_DEVOPS_URL" -e PATCTL_ORG=fabrikam \
    -e PATCTL_TOKEN="$user_token" -e TF_BUILD=True -- rotate --name container --ci-variable NEW_PAT >"$work/image.out" 2>"$work/image.err" || code=$?
  [ "$code" = 0 ] || { cat "$work/image.err"; fail "patctl rotate in the image exited $code"; }
  line=$(cat "$work/image.out")
  [[ $line =~ ^'##vso[task.setvariable variable=NEW_PAT;issecret=true]'([a-z0-9]{52})$ ]] ||
    fail "stdout is not one ##vso[task.setvariable variable=NEW_PAT;issecret=true] line with a 52-character PAT"
  live_pat "${BASH_REMATCH[1]}" || fail "the PAT set by the image is not active"
  say "   one ##vso[task.setvariable variable=NEW_PAT;issecret=true] line, a live PAT, run as the image's user"
fi
say "the action, the template and the image work against the emulator"

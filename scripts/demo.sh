#!/usr/bin/env bash
# The quick-start demo: patctl against its built-in emulator, from sign-in to
# revoke, each command shown with its output. It uses a directory of its own
# for everything (login in a file, no OS keyring) and removes it at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/patctl-demo.XXXXXX")
emulator_pid=
cleanup() {
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -t 1 ]; then bold=$'\033[1m' dim=$'\033[2m' off=$'\033[0m'; else bold= dim= off=; fi
say() { printf '\n%s# %s%s\n' "$dim" "$*" "$off"; }
show() { printf '%s$ %s%s\n' "$bold" "$*" "$off"; }
run() { show "$*"; "$@"; }

say "Building patctl and its emulator"
go build -trimpath -o "$work/bin/" ./cmd/patctl ./cmd/patctl-emulator
export PATH="$work/bin:$PATH"

say "Starting the emulator: a local Entra ID and Azure DevOps over HTTPS, no Azure needed"
patctl-emulator --state "$work/emulator/state.json" --env-file "$work/env.sh" >/dev/null 2>"$work/emulator.log" &
emulator_pid=$!
for _ in $(seq 200); do
  [ -s "$work/env.sh" ] && break
  kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; exit 1; }
  sleep 0.05
done
[ -s "$work/env.sh" ] || { echo "demo: the emulator did not start" >&2; exit 1; }
cat "$work/env.sh"
. "$work/env.sh"

# patctl's own files go to the demo's directory; the sign-in page is "opened"
# by a scripted browser that signs in as the emulator's user.
export PATCTL_CONFIG_DIR="$work/config"
export BROWSER="patctl-emulator browse"
unset PATCTL_TOKEN PATCTL_LOGIN_FROM

say "Sign in (browser flow; the login is kept in a file here, in the OS keyring by default)"
run patctl login --insecure-storage
run patctl status

say "Create a token: in a pipe, stdout is the bare secret"
show 'patctl create --name demo-deploy --scope vso.code,vso.work_write --expires 30d > secret'
patctl create --name demo-deploy --scope vso.code,vso.work_write --expires 30d > "$work/secret"
printf '%s(secret holds the %s-character token)%s\n' "$dim" "$(tr -d '\n' < "$work/secret" | wc -c | tr -d ' ')" "$off"
run patctl create --name demo-reports --scope vso.analytics --expires 2w --json

say "List: tab-separated when piped, a table on a terminal"
run patctl list

say "Update only what is given"
run patctl update --name demo-deploy --expires 60d

say "Rotate: new token, same name, scopes and lifetime; the old one is revoked"
if [ -t 1 ] && [ -t 2 ]; then
  printf '%s(at a terminal: each step as it happens, the new secret framed)%s\n' "$dim" "$off"
  run patctl rotate --name demo-deploy
fi
run patctl rotate --name demo-deploy --json

say "Rotate straight into where the token is used: a Key Vault secret and a GitHub Actions secret"
printf '%s(the emulator fakes both; GH_TOKEN is its test token)%s\n' "$dim" "$off"
export GH_TOKEN=ghp_EmulatorWriteToken0000000000000001
run patctl rotate --name demo-deploy --to keyvault://kv-main/ado-pat --to github://contoso/web/ADO_PAT --json
printf '%s(nothing on stdout carries the secret: it went only to the vault and to GitHub)%s\n' "$dim" "$off"

say "Revoke (--yes, since a script cannot answer a question)"
run patctl revoke --name demo-reports --yes
run patctl list --status all --sort created

say "Sign out: the login and every secret of it are removed"
run patctl logout

say "Done. The demo's directory is removed; nothing was left in your keyring or config."

#!/usr/bin/env bash
# Copies scripts/install-patctl.sh into the Azure Pipelines template between
# its BEGIN and END lines (`make ci-templates`); with --check, only says
# whether the copy is current (`make release-check`).
set -euo pipefail
cd "$(dirname "$0")/.."
template=ci/azure-pipelines/install-patctl.yml
script=scripts/install-patctl.sh
begin="# BEGIN $script" end="# END $script"

new=$(awk -v begin="$begin" -v end="$end" -v script="$script" '
  index($0, begin) { print; indent = substr($0, 1, index($0, begin) - 1)
    while ((getline line < script) > 0) { if (line ~ /^#!/) continue; print (line == "" ? "" : indent line) }
    skip = 1; next }
  index($0, end) { skip = 0 }
  !skip { print }' "$template")
grep -qF "$begin" "$template" && grep -qF "$end" "$template" || { echo "sync-ci-templates: $template lacks its BEGIN/END lines" >&2; exit 1; }

# Azure Pipelines replaces $(NAME) in a script with the variable NAME before
# running it: the script must not have command substitutions of that shape.
if grep -nE '\$\([A-Za-z0-9_.]+\)' "$script"; then
  echo "sync-ci-templates: $script has \$(NAME), which Azure Pipelines would take for a variable: write \$(NAME ) or \`NAME\`" >&2
  exit 1
fi

if [ "${1-}" = --check ]; then
  if [ "$new" != "$(cat "$template")" ]; then
    echo "sync-ci-templates: $template does not carry the current $script: run make ci-templates" >&2
    exit 1
  fi
  echo "sync-ci-templates: $template carries the current $script"
else
  printf '%s\n' "$new" >"$template"
  echo "sync-ci-templates: copied $script into $template"
fi

#!/usr/bin/env bash
# Rebuilds slope's trimmed Plotly (crates/explore/assets/plotly/) from the packages pinned in
# package-lock.json: the same lock gives the same bytes. Needs Node.js and npm; not run by CI,
# which uses the committed bundle. `--check` fails if the committed files differ from a rebuild.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
node build.mjs
if [[ "${1:-}" == "--check" ]]; then
  git diff --exit-code -- ../../crates/explore/assets/plotly/
fi

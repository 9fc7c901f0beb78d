#!/usr/bin/env bash
# Fails when a generated file is out of date with its source:
#   migrations/                     ← the drizzle tables (drizzle-kit generate)
#   packages/sdk/openapi.json       ← the zod route schemas (pnpm --filter @mujiang/api openapi)
#   packages/sdk/src/generated/     ← openapi.json (openapi-typescript)
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm exec drizzle-kit generate >/dev/null
pnpm --silent generate >/dev/null
paths=(migrations packages/sdk/openapi.json packages/sdk/src/generated)
if ! git diff --quiet -- "${paths[@]}" || [ -n "$(git ls-files --others --exclude-standard -- "${paths[@]}")" ]; then
  echo "Generated files are out of date. Run 'pnpm db:generate' and 'pnpm generate', then commit:" >&2
  git status --short -- "${paths[@]}" >&2
  git diff --stat -- "${paths[@]}" >&2
  exit 1
fi
echo "generated files are in sync"

#!/usr/bin/env bash
# Runs the tests that drive the program runner against the newest @pulumi/pulumi from the registry, in a
# scratch copy of the project (the checkout's node_modules keep the pinned SDK). The main run (`npm test`)
# covers the pinned, oldest supported SDK; this covers the newest, so a new engine call the SDK starts
# making cannot break users silently. Run by .ci/run after `npm test`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/agentguard-newest-sdk.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

cd "$root"
tar --exclude=./node_modules --exclude=./dist --exclude=./.git --exclude=./.redteam \
    --exclude=./bench/node_modules --exclude=./policy-pack/node_modules -cf - . | tar -xf - -C "$scratch"
cd "$scratch"
npm ci --no-audit --no-fund --loglevel=error --ignore-scripts
npm install --no-save --no-audit --no-fund --loglevel=error --ignore-scripts @pulumi/pulumi@latest
echo "@pulumi/pulumi $(node -p 'require("@pulumi/pulumi/package.json").version') (newest)"
npx vitest run --reporter=default \
    test/cli/engine-protocol.test.ts \
    test/cli/check.e2e.test.ts \
    test/cli/hostile-programs.e2e.test.ts \
    test/stacks/rome-incident.test.ts \
    test/examples/platform-stack.test.ts

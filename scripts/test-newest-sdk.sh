#!/usr/bin/env bash
# Runs the tests that drive the program runner against the newest @pulumi/pulumi from the registry, in a
# scratch copy of the project (the checkout's node_modules keep the pinned SDK). The main run (`npm test`)
# covers the pinned, oldest supported SDK; this covers the newest, so a new engine call the SDK starts
# making cannot break users silently. Then the policy pack's differential tests (the pack's answers, with its
# patches of @pulumi/policy internals, against @pulumi/policy's own; the configuration guard) and its
# end-to-end integrity test, with the pinned @pulumi/policy and then with the newest. Run by .ci/run after
# `npm test`.
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
    test/cli/monitor-server.test.ts \
    test/cli/check.e2e.test.ts \
    test/cli/hostile-programs.e2e.test.ts \
    test/stacks/rome-incident.test.ts \
    test/examples/platform-stack.test.ts

# On an @pulumi/policy version outside TESTED_POLICY_VERSIONS (policy-pack/lib/sdk-patches.ts) the pack runs
# @pulumi/policy unpatched, and so do these tests: they print why, skip the cases about a patch's own
# properties, and check that what users of that version get answers exactly as @pulumi/policy does, guard
# included. To test the patches themselves on a new version, add it to the list and run this script.
pack_tests=(
    test/policy-pack/lib/shared-stack-resources.test.ts
    test/policy-pack/lib/shared-properties.test.ts
    test/policy-pack/lib/struct-wire.test.ts
    test/policy-pack/lib/configuration-guard.test.ts
    test/policy-pack/lib/sdk-patches.test.ts
    test/cli/pack-integrity.e2e.test.ts
)
echo "@pulumi/policy $(node -p 'require("@pulumi/policy/package.json").version') (pinned)"
npx vitest run --reporter=default "${pack_tests[@]}"
npm install --no-save --no-audit --no-fund --loglevel=error --ignore-scripts @pulumi/pulumi@latest @pulumi/policy@latest
echo "@pulumi/policy $(node -p 'require("@pulumi/policy/package.json").version') (newest)"
npx vitest run --reporter=default "${pack_tests[@]}"

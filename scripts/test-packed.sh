#!/usr/bin/env bash
# Installs the packed tarball into a fresh Pulumi project, as a user would, with the newest @pulumi/pulumi
# from the registry (the other Pulumi packages are the newest within agentguard's peer ranges), then checks
# that `agentguard check` passes a clean program (exit 0) and rejects a hostile change to it (exit 1), runs an
# ES module TypeScript program and one check with every documented flag, that
# `agentguard/testing` type-checks under Pulumi's default tsconfig (moduleResolution node), and that
# `agentguard --version` works. Prints the tarball's size and file count. Run by .ci/run after `npm test`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/agentguard-packed.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cd "$root"
npm pack --silent --json --pack-destination "$work" >"$work/pack.json"
tarball="$work/$(node -e 'console.log(require(process.argv[1])[0].filename)' "$work/pack.json")"
node -e '
    const [p] = require(process.argv[1]);
    // No TypeScript but declarations: the policy pack and the checker run compiled JavaScript from dist/.
    const bad = p.files.map((f) => f.path).filter((f) => /^(test|bench|stacks|scripts|\.ci)\/|tsconfig|eslint|vitest|\.[cm]?tsx?$/.test(f) && !/\.d\.ts$/.test(f));
    if (!p.files.some((f) => f.path === "dist/policy-pack/index.js")) bad.push("(missing) dist/policy-pack/index.js");
    console.log(`packed: ${p.filename}, ${p.size} bytes (${p.unpackedSize} unpacked), ${p.entryCount} files`);
    if (bad.length) { console.error(`unexpected files in the tarball: ${bad.join(", ")}`); process.exit(1); }
' "$work/pack.json"

project="$work/project"
mkdir -p "$project"
cd "$project"
cat >package.json <<'JSON'
{ "name": "fresh-pulumi-project", "private": true, "main": "index.ts" }
JSON
cat >Pulumi.yaml <<'YAML'
name: fresh-pulumi-project
runtime: nodejs
YAML
# Pulumi's default TypeScript template settings.
cat >tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "strict": true,
    "outDir": "bin",
    "target": "es2020",
    "module": "commonjs",
    "moduleResolution": "node",
    "sourceMap": true,
    "experimentalDecorators": true,
    "pretty": true,
    "noFallthroughCasesInSwitch": true,
    "noImplicitReturns": true,
    "forceConsistentCasingInFileNames": true
  },
  "files": ["index.ts", "typing.ts"]
}
JSON
# As Pulumi's TypeScript template does, the project has its own TypeScript 5 (@pulumi/pulumi accepts < 7).
npm install --no-audit --no-fund --loglevel=error --save-dev typescript@^5
npm install --no-audit --no-fund --loglevel=error "$tarball" @pulumi/pulumi@latest
node -e '
    for (const name of ["@pulumi/pulumi", "@pulumi/aws", "@pulumi/kubernetes", "@pulumi/policy", "typescript", "ts-node"]) {
        console.log(`${name} ${require(`${name}/package.json`).version}`);
    }
'
copies="$(find node_modules -path '*/@pulumi/pulumi/package.json' | wc -l)"
[ "$copies" = 1 ] || { echo "expected one copy of @pulumi/pulumi, found $copies" >&2; exit 1; }

version="$(npx --no-install agentguard --version)"
expected="$(node -p 'require("agentguard/package.json").version')"
[ "$version" = "$expected" ] || { echo "agentguard --version printed '$version', expected '$expected'" >&2; exit 1; }
[ "$(npx --no-install agentguard -v)" = "$expected" ]

# The pack directory users give `pulumi preview --policy-pack` starts as Pulumi starts it (run-policy-pack, no
# agentguard preload) and serves from its compiled entry.
node -e '
    const { spawn } = require("child_process");
    const dir = require("path").join(process.cwd(), "node_modules", "agentguard", "policy-pack");
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] });
    const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
    const timer = setTimeout(() => { console.error("the packed policy pack printed no port within 120 s"); child.kill(); process.exit(1); }, 120000);
    child.stdout.once("data", (d) => { clearTimeout(timer); console.log(`packed policy pack serves on port ${String(d).trim()}`); child.kill(); });
    child.once("exit", (code) => { if (code) { console.error(`the packed policy pack exited ${code}`); process.exit(1); } });
'

cat >index.ts <<'TS'
import { AgentRuntime } from "agentguard";

export const namespace = new AgentRuntime("summarizer", {
    agentId: "summarizer",
    owner: "docs-team",
    riskTier: 2,
    egress: [{ cidr: "10.30.0.0/24", ports: [{ port: 443 }], description: "internal search API" }],
}).namespaceName;
TS
cat >typing.ts <<'TS'
import { checkProgram, type CheckResult } from "agentguard/testing";

export const check: (dir: string) => Promise<CheckResult> = (dir) => checkProgram(dir);
TS
npx --no-install tsc -p tsconfig.json --noEmit

set +e
npx --no-install agentguard check . --format json >clean.json 2>clean.err
clean=$?
set -e
if [ "$clean" != 0 ]; then
    echo "the clean program exited $clean, expected 0" >&2
    cat clean.err clean.json >&2
    exit 1
fi

# The published report verb runs on compiled code too: the summarizer is the one agent it finds.
npx --no-install agentguard report . --format json >report.json
node -e '
    const r = require(process.argv[1]);
    const ids = r.agents.map((a) => a.id);
    if (ids.join() !== "summarizer") { console.error(`report agents: ${JSON.stringify(ids)}`); process.exit(1); }
' "$project/report.json"

cat >>index.ts <<'TS'

import * as k8s from "@pulumi/kubernetes";

// The hostile change: a pod in the agent's namespace on the node's network.
new k8s.core.v1.Pod("miner", {
    metadata: { namespace: "agent-summarizer" },
    spec: { hostNetwork: true, containers: [{ name: "miner", image: "busybox" }] },
});
TS
set +e
npx --no-install agentguard check . --format json >hostile.json 2>hostile.err
hostile=$?
set -e
if [ "$hostile" != 1 ] || ! node -e '
    const r = require(process.argv[1]);
    process.exit(r.violations.some((v) => v.enforcementLevel === "mandatory" && /miner/.test(v.urn)) ? 0 : 1);
' "$project/hostile.json"; then
    echo "the hostile change exited $hostile, expected 1 with a mandatory violation on the pod" >&2
    cat hostile.err hostile.json >&2
    exit 1
fi

# An ES module TypeScript program (top-level await, a .js import of a .ts file), checked from the tarball:
# the checker compiles it through module hooks that ship as plain JavaScript beside the compiled CLI.
mkdir -p esm
cat >esm/package.json <<'JSON'
{ "name": "esm-program", "private": true, "type": "module", "main": "index.ts" }
JSON
cat >esm/Pulumi.yaml <<'YAML'
name: esm-program
runtime: nodejs
YAML
cat >esm/tsconfig.json <<'JSON'
{ "compilerOptions": { "strict": true, "target": "es2022", "module": "nodenext", "moduleResolution": "nodenext" } }
JSON
cat >esm/owner.ts <<'TS'
export const owner: string = "docs-team";
TS
cat >esm/index.ts <<'TS'
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { AgentRuntime } from "agentguard";
import { owner } from "./owner.js";

const zones = await aws.getAvailabilityZones({ state: "available" });
export const zone = zones.names[0];
export const namespace = new AgentRuntime("summarizer", {
    agentId: "summarizer",
    owner,
    riskTier: 2,
    egress: [{ cidr: "10.30.0.0/24", ports: [{ port: 443 }], description: "internal search API" }],
}).namespaceName;
if (new pulumi.Config().getBoolean("hostile")) {
    new k8s.core.v1.Pod("miner", {
        metadata: { namespace: "agent-summarizer" },
        spec: { hostNetwork: true, containers: [{ name: "miner", image: "busybox" }] },
    });
}
TS
cat >esm/Pulumi.dev.yaml <<'YAML'
config: {}
YAML
set +e
npx --no-install agentguard check esm --stack dev --format json >esm.json 2>esm.err
esm=$?
set -e
if [ "$esm" != 0 ]; then
    echo "the ES module program exited $esm, expected 0" >&2
    cat esm.err esm.json >&2
    exit 1
fi

# Every documented check flag at once, on the ES module program's hostile stack: the config turns every
# policy advisory (exit 0), the answers file answers the lookup (no placeholder), the SARIF goes to a file.
cat >esm/Pulumi.hostile.yaml <<'YAML'
config:
  esm-program:hostile: "true"
YAML
echo '{ "all": "advisory" }' >advisory.json
cat >answers.yaml <<'YAML'
aws:index/getAvailabilityZones:getAvailabilityZones:
  { names: [eu-west-1a], zoneIds: [euw1-az1], id: eu-west-1 }
YAML
set +e
npx --no-install agentguard check esm --stack hostile --policy-pack node_modules/agentguard/policy-pack \
    --config advisory.json --offline-answers answers.yaml --format sarif --output esm.sarif --timings \
    >flags.out 2>flags.err
flags=$?
set -e
if [ "$flags" != 0 ] || ! grep -q '^timings: ' flags.err || grep -q 'placeholder answer' flags.err || ! node -e '
    const sarif = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const results = sarif.runs.flatMap((r) => r.results);
    process.exit(results.some((r) => r.level === "warning" && /miner/.test(JSON.stringify(r))) ? 0 : 1);
' "$project/esm.sarif"; then
    echo "the run with every flag exited $flags, expected 0 with timings, no placeholder and an advisory on the pod in esm.sarif" >&2
    cat flags.err flags.out >&2
    [ -f esm.sarif ] && cat esm.sarif >&2
    exit 1
fi
echo "packed tarball: clean program exit 0, hostile change exit 1, ES module program exit 0, every check flag"

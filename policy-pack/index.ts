import * as fs from "fs";
import * as path from "path";
import { PolicyPack } from "@pulumi/policy";
import { interceptAnalyzerService, loadFromPolicyPackage, type GrpcModule } from "./lib/analyzer-service";
import { ConfigurationGuard } from "./lib/configuration-guard";
import { installedPolicyVersion, policyPatchesAllowed } from "./lib/sdk-patches";
import { shareDeserializedProperties, shareUnknownCheckingProxies } from "./lib/shared-properties";
import { shareStackResources } from "./lib/shared-stack-resources";
import { allRules } from "./rules";

const PACK_NAME = "agentguard";

// The speed patches of @pulumi/policy internals, only on versions they were tested with.
const patched = policyPatchesAllowed(installedPolicyVersion());
if (patched) {
    shareDeserializedProperties();
    shareUnknownCheckingProxies();
}
const shared = patched ? shareStackResources([...allRules], undefined, true) : { policies: [...allRules] };

// @pulumi/policy reads the pack's version from the package.json in its working directory: so does the guard.
const packVersion = String(
    (JSON.parse(fs.readFileSync(path.join(process.cwd(), "package.json"), "utf8")) as { version?: unknown })
        .version,
);
const guard = new ConfigurationGuard({ packName: PACK_NAME, packVersion });
// Throws (the pack does not start) when the hook cannot be installed.
const hook = interceptAnalyzerService(loadFromPolicyPackage<GrpcModule>("@grpc/grpc-js"), [
    ...(shared.transform ? [shared.transform] : []),
    guard.transform,
]);

// Constructing the pack starts the analyzer server: import `./rules` (not this file) from tests.
new PolicyPack(PACK_NAME, {
    description: "Confines AI agents on shared infrastructure.",
    policies: shared.policies,
});

// @pulumi/policy registers its service synchronously; the port is printed later, so exiting here means the
// engine never talks to an unguarded pack.
if (!hook.applied) {
    console.error(
        "agentguard policy pack: @pulumi/policy started its analyzer service without going through " +
            "Server.prototype.addService of the @grpc/grpc-js it resolves, so its configuration cannot be " +
            "guarded; refusing to serve",
    );
    process.exit(1);
}

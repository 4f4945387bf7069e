/**
 * The pack's speed work replaces internals of @pulumi/policy (shared-properties.ts, shared-stack-resources.ts,
 * struct-wire.ts). Internals change without notice, and a patch that no longer fits could change verdicts,
 * so every patch is applied only on the exact @pulumi/policy versions the differential tests (patched against
 * unpatched answers) were run with. Any other version runs @pulumi/policy as it is: slower, never wrong.
 * To add a version: run scripts/test-newest-sdk.sh with it, which runs those tests, then list it here.
 */
import { loadFromPolicyPackage } from "./analyzer-service";

/** @pulumi/policy versions the patches were tested with (exact, without a leading "v"). */
export const TESTED_POLICY_VERSIONS: readonly string[] = ["1.21.0"];

/** @pulumi/policy's version as it states it (its package.json says "v1.21.0"), without the leading "v". */
export function installedPolicyVersion(): string {
    const version = loadFromPolicyPackage<{ version?: unknown }>("@pulumi/policy/package.json").version;
    return typeof version === "string" ? version.replace(/^v/, "") : "";
}

/**
 * Whether the patches may be applied to this @pulumi/policy version; when not, says so once through `warn`
 * (stderr, which the engine and agentguard check show).
 */
export function policyPatchesAllowed(
    version: string,
    tested: readonly string[] = TESTED_POLICY_VERSIONS,
    warn: (message: string) => void = (message) => process.stderr.write(`${message}\n`),
): boolean {
    const normalized = version.replace(/^v/, "");
    if (tested.includes(normalized)) return true;
    warn(
        `agentguard policy pack: @pulumi/policy ${JSON.stringify(version)} is not one of the versions its ` +
            `speed patches were tested with (${tested.join(", ")}); running @pulumi/policy unpatched ` +
            "(same verdicts, slower on large stacks)",
    );
    return false;
}

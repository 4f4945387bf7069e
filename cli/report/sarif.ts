import { createHash } from "crypto";
import * as path from "path";
import { pathToFileURL } from "url";
import type { CheckResult, PolicyDescriptor, Violation } from "./types";

const SARIF_SCHEMA =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/** GitHub ranks security alerts by this property (0.1–10). */
const SECURITY_SEVERITY: Record<string, string> = { low: "3.0", medium: "5.5", high: "8.0", critical: "9.5" };

export interface SarifOptions {
    /** Paths in the log are relative to this directory (%SRCROOT%): run from the repository root. */
    readonly baseDir: string;
    readonly toolVersion: string;
}

function sarifLevel(level: string): "error" | "warning" | "note" | "none" {
    switch (level) {
        case "mandatory":
        case "remediate":
            return "error";
        case "advisory":
            return "warning";
        default:
            return "none";
    }
}

function artifactLocation(file: string, baseDir: string): Record<string, string> {
    const relative = path.relative(baseDir, file);
    if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) {
        return { uri: pathToFileURL(file).href };
    }
    return { uri: relative.split(path.sep).join("/"), uriBaseId: "%SRCROOT%" };
}

/** The resource's own registration site when it is program code, else the program's main file. */
function locationOf(v: Violation, result: CheckResult, baseDir: string): Record<string, unknown> {
    const source = v.source;
    const inProgram =
        source !== undefined &&
        source.file.startsWith(result.project.dir + path.sep) &&
        !source.file.includes(`${path.sep}node_modules${path.sep}`);
    const file = inProgram ? source.file : result.project.mainFile;
    const region: Record<string, number> = { startLine: inProgram && source.line > 0 ? source.line : 1 };
    if (inProgram && source.column) {
        region.startColumn = source.column;
    }
    return {
        physicalLocation: { artifactLocation: artifactLocation(file, baseDir), region },
        logicalLocations: [
            {
                fullyQualifiedName: v.urn,
                name: v.resourceName ?? v.urn,
                kind: v.scope === "stack" ? "module" : "resource",
            },
        ],
    };
}

function ruleOf(policy: PolicyDescriptor, packName: string): Record<string, unknown> {
    const properties: Record<string, unknown> = {
        tags: ["security", "pulumi-policy", packName],
        policyType: policy.type,
    };
    if (policy.severity && SECURITY_SEVERITY[policy.severity]) {
        properties["security-severity"] = SECURITY_SEVERITY[policy.severity];
    }
    const rule: Record<string, unknown> = {
        id: policy.name,
        name: policy.name,
        shortDescription: { text: policy.description || policy.name },
        fullDescription: { text: policy.description || policy.name },
        help: { text: policy.remediationSteps || policy.description || policy.name },
        defaultConfiguration: {
            level: sarifLevel(policy.enforcementLevel),
            enabled: policy.enforcementLevel !== "disabled",
        },
        properties,
    };
    if (policy.url) {
        rule.helpUri = policy.url;
    }
    return rule;
}

/** SARIF 2.1.0 for code scanning: one rule per policy, one result per violation. */
export function formatSarif(result: CheckResult, options: SarifOptions): string {
    const rules = result.policies.map((p) => ruleOf(p, result.policyPack.name));
    const ruleIndex = new Map(result.policies.map((p, i) => [p.name, i] as const));
    const results = result.violations.map((v) => {
        let index = ruleIndex.get(v.policy);
        if (index === undefined) {
            // A diagnostic may name a policy the pack did not list; it still needs a rule.
            index = rules.length;
            ruleIndex.set(v.policy, index);
            rules.push(
                ruleOf(
                    {
                        name: v.policy,
                        description: v.description,
                        type: "unknown",
                        enforcementLevel: v.enforcementLevel,
                    },
                    v.policyPack,
                ),
            );
        }
        const fingerprint = createHash("sha256").update(`${v.policy}\0${v.urn}`).digest("hex");
        return {
            ruleId: v.policy,
            ruleIndex: index,
            level: sarifLevel(v.enforcementLevel),
            message: { text: v.message },
            locations: [locationOf(v, result, options.baseDir)],
            partialFingerprints: { "agentguardPolicyUrn/v1": fingerprint },
            properties: {
                urn: v.urn,
                resourceType: v.resourceType,
                policyPack: v.policyPack,
                enforcementLevel: v.enforcementLevel,
            },
        };
    });
    const log = {
        $schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [
            {
                tool: { driver: { name: "agentguard", version: options.toolVersion, rules } },
                originalUriBaseIds: { "%SRCROOT%": { uri: pathToFileURL(options.baseDir + path.sep).href } },
                results,
                properties: {
                    resources: result.resources,
                    stack: `${result.project.name}/${result.project.stack}`,
                },
            },
        ],
    };
    return `${JSON.stringify(log, null, 2)}\n`;
}

import * as grpc from "@grpc/grpc-js";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { CheckError } from "../errors";
import type { ProgramProject } from "../project";
import type { PolicyDescriptor } from "../report/types";
import { AnalyzerConnection, AnalyzerRpcError, type CallLimits } from "./client";
import {
    reconcilePolicyConfig,
    type EnforcementLevel,
    type PolicyConfig,
    type PolicyMetadata,
} from "./policy-config";
import { enforcementLevelName, enforcementLevelValue, severityName, toStruct } from "./requests";
import { startPack, type PackManifest, type RunningPack } from "./start-pack";

export interface PackSession {
    readonly pack: RunningPack;
    readonly connection: AnalyzerConnection;
    readonly name: string;
    readonly version: string;
    readonly policies: readonly PolicyDescriptor[];
    /** Whether any policy is configured to remediate (otherwise Remediate would do nothing). */
    readonly remediates: boolean;
    readonly warnings: readonly string[];
    close(): Promise<void>;
}

export interface UserPolicyConfig {
    readonly config: Readonly<Record<string, PolicyConfig>>;
    /** Where it came from, for messages. */
    readonly source: string;
}

/** The environment the engine gives a policy pack: the stack's config and its identity. */
export function packEnvironment(project: ProgramProject, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const plainConfig = Object.fromEntries(
        Object.entries(project.config).filter(([key]) => !project.secretKeys.includes(key)),
    );
    return {
        ...base,
        PULUMI_CONFIG: JSON.stringify(plainConfig),
        PULUMI_NODEJS_PROJECT: project.name,
        PULUMI_NODEJS_STACK: project.stack,
        PULUMI_NODEJS_ORGANIZATION: project.organization,
        PULUMI_NODEJS_DRY_RUN: "true",
        PULUMI_PROJECT: project.name,
        PULUMI_STACK: project.stack,
        PULUMI_ORGANIZATION: project.organization,
        PULUMI_DRY_RUN: "true",
    };
}

function policyMetadata(info: analyzerProto.PolicyInfo, supportsConfig: boolean): PolicyMetadata {
    const schema = info.getConfigschema();
    return {
        name: info.getName(),
        enforcementLevel: enforcementLevelName(info.getEnforcementlevel()) as EnforcementLevel,
        configSchema:
            supportsConfig && schema
                ? {
                      properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
                      required: schema.getRequiredList(),
                  }
                : undefined,
    };
}

function initialConfigOf(info: analyzerProto.AnalyzerInfo): Record<string, PolicyConfig> {
    const result: Record<string, PolicyConfig> = {};
    for (const [name, config] of info.getInitialconfigMap().entries()) {
        result[name] = {
            enforcementLevel: enforcementLevelName(config.getEnforcementlevel()) as EnforcementLevel,
            properties: config.getProperties()?.toJavaScript() as Record<string, unknown> | undefined,
        };
    }
    return result;
}

/** The wire carries no "unset" level, so initial config that only sets properties reads as advisory. */
function initialConfigWarnings(
    policies: readonly PolicyMetadata[],
    initial: Record<string, PolicyConfig>,
): string[] {
    const rank: Record<string, number> = { disabled: 0, advisory: 1, remediate: 2, mandatory: 3 };
    return policies
        .filter((p) => {
            const level = initial[p.name]?.enforcementLevel;
            return level !== undefined && rank[level] < rank[p.enforcementLevel];
        })
        .map(
            (p) =>
                `the pack's initial config sets policy '${p.name}' to ${initial[p.name].enforcementLevel} ` +
                `(declared ${p.enforcementLevel}); pulumi preview applies it the same way`,
        );
}

/** What agentguard's pack says about itself on stderr (e.g. an untested @pulumi/policy version). */
function packWarnings(stderr: string): string[] {
    return stderr
        .split(/\r?\n/)
        .filter((line) => line.startsWith("agentguard policy pack: "))
        .map((line) => line.slice("agentguard policy pack: ".length));
}

function configureRequest(config: ReadonlyMap<string, PolicyConfig>): analyzerProto.ConfigureAnalyzerRequest {
    const request = new analyzerProto.ConfigureAnalyzerRequest();
    const map = request.getPolicyconfigMap();
    for (const [name, entry] of config) {
        if (entry.enforcementLevel === undefined) {
            throw new CheckError(
                "config",
                `policy config '${name}' has no enforcement level; '${name}' takes a level only`,
            );
        }
        const policyConfig = new analyzerProto.PolicyConfig();
        policyConfig.setEnforcementlevel(enforcementLevelValue(entry.enforcementLevel));
        policyConfig.setProperties(toStruct({ ...entry.properties }));
        map.set(name, policyConfig);
    }
    return request;
}

function stackConfigureRequest(
    project: ProgramProject,
    description?: string,
): analyzerProto.AnalyzerStackConfigureRequest {
    const request = new analyzerProto.AnalyzerStackConfigureRequest();
    request.setStack(project.stack);
    request.setProject(project.name);
    request.setOrganization(project.organization);
    request.setDryRun(true);
    const config = request.getConfigMap();
    for (const [key, value] of Object.entries(project.config)) {
        config.set(key, value);
    }
    request.setConfigSecretKeysList([...project.secretKeys]);
    const tags = request.getTagsMap();
    tags.set("pulumi:project", project.name);
    tags.set("pulumi:runtime", "nodejs");
    if (description) {
        tags.set("pulumi:description", description);
    }
    return request;
}

/**
 * agentguard's pack accepts one Configure and one ConfigureStack per process (configuration-guard.ts) and
 * refuses a later one with PERMISSION_DENIED: when ours is refused, something else reached the pack first.
 */
async function claimConfiguration(what: string, send: () => Promise<void>): Promise<void> {
    try {
        await send();
    } catch (err) {
        if (err instanceof AnalyzerRpcError && err.code === grpc.status.PERMISSION_DENIED) {
            throw new CheckError(
                "pack",
                `tampering detected: the policy pack had already been configured by someone else: it refused ` +
                    `agentguard check's ${what} (${err.message}). Another process on this machine, possibly the ` +
                    "program under check, connected to the pack's port first; this run's result cannot be trusted",
            );
        }
        throw err;
    }
}

function describe(err: unknown): string {
    return err instanceof AnalyzerRpcError ? `${err.method}: ${err.message}` : (err as Error).message;
}

/**
 * Starts the pack and brings it to the state the engine leaves it in before the first resource:
 * stack configured, analyzer info read, policy config reconciled, validated and sent.
 */
export async function openPackSession(
    manifest: PackManifest,
    project: ProgramProject,
    userConfig: UserPolicyConfig | undefined,
    options: { signal?: AbortSignal; startTimeoutMs?: number; callLimits?: CallLimits } = {},
): Promise<PackSession> {
    const pack = await startPack(manifest, packEnvironment(project, process.env), {
        timeoutMs: options.startTimeoutMs,
        signal: options.signal,
    });
    return configurePackSession(pack, manifest, project, userConfig, {
        ...options.callLimits,
        signal: options.signal,
    });
}

/** Brings a started pack to that state; stops it when that fails. */
export async function configurePackSession(
    pack: RunningPack,
    manifest: PackManifest,
    project: ProgramProject,
    userConfig: UserPolicyConfig | undefined,
    connectionOptions: CallLimits = {},
): Promise<PackSession> {
    // Every call has a deadline, and is cancelled when the run stops.
    const connection = new AnalyzerConnection(pack.address, connectionOptions);
    const close = async () => {
        connection.close();
        await pack.stop();
    };
    try {
        const setup = async () => {
            await connection.waitForReady(30_000);
            await connection.handshake(manifest.dir);
            await claimConfiguration("ConfigureStack", () =>
                connection.configureStack(stackConfigureRequest(project)),
            );
            const info = await connection.getAnalyzerInfo();
            const supportsConfig = info.getSupportsconfig();
            const metadata = info.getPoliciesList().map((p) => policyMetadata(p, supportsConfig));
            const initial = initialConfigOf(info);
            const reconciled = reconcilePolicyConfig(
                metadata,
                initial,
                userConfig?.config ?? {},
                userConfig?.source,
            );
            // Sent even when empty, as the engine does for every pack that supports config: the pack then
            // refuses any later Configure, such as one from the program disabling every policy.
            if (supportsConfig) {
                await claimConfiguration("Configure", () =>
                    connection.configure(configureRequest(reconciled)),
                );
            }
            const policies: PolicyDescriptor[] = info.getPoliciesList().map((p) => ({
                name: p.getName(),
                description: p.getDescription(),
                type:
                    p.getPolicyType() === analyzerProto.PolicyType.POLICY_TYPE_RESOURCE
                        ? "resource"
                        : p.getPolicyType() === analyzerProto.PolicyType.POLICY_TYPE_STACK
                          ? "stack"
                          : "unknown",
                enforcementLevel:
                    reconciled.get(p.getName())?.enforcementLevel ??
                    enforcementLevelName(p.getEnforcementlevel()),
                severity: severityName(p.getSeverity()),
                remediationSteps: p.getRemediationSteps() || undefined,
                url: p.getUrl() || undefined,
            }));
            return {
                pack,
                connection,
                name: info.getName(),
                version: manifest.version ?? info.getVersion(),
                policies,
                remediates: [...reconciled.values()].some((c) => c.enforcementLevel === "remediate"),
                warnings: [...initialConfigWarnings(metadata, initial), ...packWarnings(pack.stderr())],
                close,
            };
        };
        return await Promise.race([setup(), pack.crashed]);
    } catch (err) {
        await close();
        if (err instanceof CheckError) {
            throw err;
        }
        throw new CheckError("pack", `the policy pack ${manifest.dir} failed to configure: ${describe(err)}`);
    }
}

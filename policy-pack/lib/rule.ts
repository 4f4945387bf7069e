import type {
    EnforcementLevel,
    PolicyResource,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
} from "@pulumi/policy";
import {
    agentguardConfigSchema,
    isExempt,
    readAgentguardConfig,
    recordAgentNamespacePatterns,
    type AgentguardConfig,
} from "../../core/stack/config";
import { StackModel, type ResourceNode } from "../../core/stack/stack-model";
import { rawProps } from "./unknowns";

/** Metadata every rule carries; docs/rules.md is generated from it. */
export interface RuleMeta {
    /** `<area>-<verb>-<object>`, kebab case. */
    readonly name: string;
    /** A full sentence. */
    readonly description: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly severity: Severity;
    readonly remediationSteps: string;
    /**
     * The finding codes a stack rule reports (code -> one-line meaning), listed in docs/rules.md. Exemptions
     * may name them (or globs over them); a finding with a code not listed here is a bug of the rule.
     */
    readonly codes?: Readonly<Record<string, string>>;
}

import { codedMessage, type Finding } from "../../core/stack/finding";
import { exemptionCodeProblem } from "../../core/stack/exemptions";

export type { Finding };

/**
 * Reads a rule's config and holds it to the pack-wide agent identity; an exemption naming a code the rule
 * does not report is a config error.
 */
function ruleConfig(meta: RuleMeta, raw: Record<string, unknown>): AgentguardConfig {
    const config = readAgentguardConfig(raw);
    recordAgentNamespacePatterns(meta.name, config.agentNamespacePatterns);
    const problem = exemptionCodeProblem(meta.name, config.exemptions, Object.keys(meta.codes ?? {}));
    if (problem !== undefined) throw new Error(`invalid agentguard policy config: ${problem}`);
    return config;
}

/** The codes a rule of the pack declares (its RuleMeta `codes`), for docs and config checks. */
export function ruleCodes(rule: object): Readonly<Record<string, string>> {
    const codes = (rule as { codes?: unknown }).codes;
    return typeof codes === "object" && codes !== null ? (codes as Record<string, string>) : {};
}

export type StackCheck = (model: StackModel, config: AgentguardConfig) => Finding[];

/**
 * A stack-level rule. The wrapper reads and checks config, builds the model from plain properties (so an
 * unknown value never throws into @pulumi/policy's advisory fallback), applies exemptions, and turns an
 * unexpected error into a violation rather than a pass.
 */
export function defineStackRule(meta: RuleMeta, check: StackCheck): StackValidationPolicy {
    return {
        ...meta,
        configSchema: agentguardConfigSchema,
        validateStack: (args, reportViolation) => {
            const config = ruleConfig(meta, args.getConfig<Record<string, unknown>>());
            let findings: Finding[];
            try {
                findings = check(stackModelOf(args.resources), config);
                const undeclared = findings.find(
                    (f) => f.code !== undefined && !(f.code in (meta.codes ?? {})),
                );
                if (undeclared !== undefined) {
                    throw new Error(`finding code ${undeclared.code} is not among the rule's declared codes`);
                }
            } catch (err) {
                reportViolation(
                    `${meta.name} could not evaluate the stack, so it cannot vouch for it: ${errorText(err)}`,
                );
                return;
            }
            for (const finding of findings) {
                if (isExempt(config.exemptions, finding)) continue;
                reportViolation(codedMessage(finding), finding.urn);
            }
        },
    };
}

/** The stack last modelled: its resource list, and the identity of each resource's deserialized properties. */
let lastStack:
    | {
          readonly resources: readonly PolicyResource[];
          readonly keys: readonly unknown[] | undefined;
          readonly model: StackModel;
      }
    | undefined;

/**
 * The stack's model, built once per request rather than once per rule. In the pack every stack policy of a
 * request gets the same frozen resource list (shared-stack-resources.ts). Where @pulumi/policy hands each
 * policy its own resource objects instead, shared deserialization (shared-properties.ts) still makes their
 * properties the very objects the previous policy saw: identical properties, URNs and links mean the same
 * request, so the model built for the previous policy is this stack's. Anything else builds a new one.
 */
export function stackModelOf(resources: readonly PolicyResource[]): StackModel {
    const shared = Object.isFrozen(resources);
    if (shared && lastStack?.resources === resources) return lastStack.model;
    // The request's one frozen list is recognised by identity: only per-policy copies need matching by keys.
    const keys = shared ? undefined : stackKeys(resources);
    if (keys && lastStack?.keys && sameKeys(lastStack.keys, keys)) return lastStack.model;
    const model = stackModelFromPolicyResources(resources);
    lastStack = { resources, keys, model };
    // Every stack policy of one request runs before the event loop turns: the next request starts afresh.
    setImmediate(() => {
        if (lastStack?.model === model) lastStack = undefined;
    });
    return model;
}

function stackKeys(resources: readonly PolicyResource[]): unknown[] {
    const keys: unknown[] = [];
    for (const r of resources) {
        keys.push(
            rawProps(r.props),
            r.provider ? rawProps(r.provider.props) : undefined,
            r.urn,
            r.parent?.urn,
            r.dependencies.length,
        );
    }
    return keys;
}

function sameKeys(a: readonly unknown[], b: readonly unknown[]): boolean {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
}

export type ResourceCheck = (resource: ResourceNode, config: AgentguardConfig) => string[];

/** A per-resource rule, with the same config, exemption and error handling as stack rules. */
export function defineResourceRule(
    meta: RuleMeta,
    check: ResourceCheck,
    remediate?: (resource: ResourceNode, config: AgentguardConfig) => Record<string, unknown> | undefined,
): ResourceValidationPolicy {
    const toNode = (args: {
        urn: string;
        type: string;
        name: string;
        props: Record<string, unknown>;
        provider?: { type: string; urn: string; name: string; props: Record<string, unknown> };
    }): ResourceNode => ({
        urn: args.urn,
        type: args.type,
        name: args.name,
        props: rawProps(args.props),
        dependencies: [],
        propertyDependencies: {},
        provider: args.provider
            ? {
                  type: args.provider.type,
                  urn: args.provider.urn,
                  name: args.provider.name,
                  props: rawProps(args.provider.props),
              }
            : undefined,
    });
    const policy: ResourceValidationPolicy = {
        ...meta,
        configSchema: agentguardConfigSchema,
        validateResource: (args, reportViolation) => {
            const config = ruleConfig(meta, args.getConfig<Record<string, unknown>>());
            if (isExempt(config.exemptions, args)) return;
            let messages: string[];
            try {
                messages = check(toNode(args), config);
            } catch (err) {
                reportViolation(
                    `${meta.name} could not evaluate ${args.urn}, so it cannot vouch for it: ${errorText(err)}`,
                );
                return;
            }
            for (const message of messages) reportViolation(message);
        },
    };
    if (remediate) {
        policy.remediateResource = (args) => {
            const config = readAgentguardConfig(args.getConfig<Record<string, unknown>>());
            if (isExempt(config.exemptions, args)) return undefined;
            return remediate(toNode(args), config);
        };
    }
    return policy;
}

function errorText(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

/** The stack model of the resources @pulumi/policy hands a stack policy (already linked by URN). */
export function stackModelFromPolicyResources(resources: readonly PolicyResource[]): StackModel {
    return StackModel.fromLinked(resources, {
        node: (r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            props: rawProps(r.props),
            provider: r.provider
                ? {
                      type: r.provider.type,
                      urn: r.provider.urn,
                      name: r.provider.name,
                      props: rawProps(r.provider.props),
                  }
                : undefined,
        }),
        parent: (r) => r.parent,
        dependencies: (r) => r.dependencies,
        propertyDependencies: (r) => r.propertyDependencies ?? {},
    });
}

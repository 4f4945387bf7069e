import { iamGlobMatches, iamGlobsIntersect, SEGMENT_WILDCARD } from "../glob";
import { hasWildcard } from "../iam/wildcard";
import type { AuditKind, ComputeKind, DecodedNode, SecretKind } from "./decode";
import type { Field } from "./resource";

/** Kinds of stack resources an IAM statement's Resource can name. */
export type TargetKind =
    | Exclude<ComputeKind, "kubernetes-workload">
    | Exclude<SecretKind, "kubernetes-secret">
    | AuditKind
    | "role"
    | "image-repository";

interface TargetSpec {
    /** The ARN up to the resource's name, partition, region and account left open. */
    readonly prefix: string;
    /** Patterns of a resource with this cloud name (qualifiers and generated suffixes left open). */
    readonly patterns: (name: string) => string[];
    /** The name an exact ARN names (after the prefix), to find candidates without a scan. */
    readonly nameOf: (rest: string) => string;
    /** The kind is named by an id the stack cannot know before deploy (instances, keys, detectors). */
    readonly byId?: boolean;
    readonly lowerCase?: boolean;
}

/** Partition, region, account and unknown names: a run that cannot cross the ARN's `:` separators. */
const S = SEGMENT_WILDCARD;

const untilColon = (rest: string): string => rest.split(":")[0];
const untilSlash = (rest: string): string => rest.split("/")[0];
const lastSegment = (rest: string): string => rest.slice(rest.lastIndexOf("/") + 1);

export const TARGET_SPECS: Readonly<Record<TargetKind, TargetSpec>> = {
    "lambda-function": {
        prefix: `arn:${S}:lambda:${S}:${S}:function:`,
        patterns: (n) => [n, `${n}:${S}`],
        nameOf: untilColon,
    },
    "ec2-instance": {
        prefix: `arn:${S}:ec2:${S}:${S}:instance/`,
        patterns: (n) => [n],
        nameOf: (r) => r,
        byId: true,
    },
    "launch-template": {
        prefix: `arn:${S}:ec2:${S}:${S}:launch-template/`,
        patterns: (n) => [n],
        nameOf: (r) => r,
        byId: true,
    },
    "ecs-task-definition": {
        prefix: `arn:${S}:ecs:${S}:${S}:task-definition/`,
        patterns: (n) => [n, `${n}:${S}`],
        nameOf: untilColon,
    },
    "batch-job-definition": {
        prefix: `arn:${S}:batch:${S}:${S}:job-definition/`,
        patterns: (n) => [n, `${n}:${S}`],
        nameOf: untilColon,
    },
    "codebuild-project": {
        prefix: `arn:${S}:codebuild:${S}:${S}:project/`,
        patterns: (n) => [n],
        nameOf: (r) => r,
    },
    "glue-job": { prefix: `arn:${S}:glue:${S}:${S}:job/`, patterns: (n) => [n], nameOf: (r) => r },
    "sagemaker-notebook": {
        prefix: `arn:${S}:sagemaker:${S}:${S}:notebook-instance/`,
        patterns: (n) => [n],
        nameOf: (r) => r,
        lowerCase: true,
    },
    "sagemaker-lifecycle-config": {
        prefix: `arn:${S}:sagemaker:${S}:${S}:notebook-instance-lifecycle-config/`,
        patterns: (n) => [n],
        nameOf: (r) => r,
        lowerCase: true,
    },
    "apprunner-service": {
        prefix: `arn:${S}:apprunner:${S}:${S}:service/`,
        patterns: (n) => [`${n}/${S}`],
        nameOf: untilSlash,
    },
    "agentcore-runtime": {
        prefix: `arn:${S}:bedrock-agentcore:${S}:${S}:runtime/`,
        patterns: (n) => [`${n}-${S}`],
        nameOf: (r) => r.replace(/-[A-Za-z0-9]+$/, ""),
    },
    "cloudformation-stack": {
        prefix: `arn:${S}:cloudformation:${S}:${S}:stack/`,
        patterns: (n) => [`${n}/${S}`],
        nameOf: untilSlash,
    },
    "state-machine": {
        prefix: `arn:${S}:states:${S}:${S}:stateMachine:`,
        patterns: (n) => [n, `${n}:${S}`],
        nameOf: untilColon,
    },
    role: { prefix: `arn:${S}:iam::${S}:role/`, patterns: (n) => [n, `${S}/${n}`], nameOf: lastSegment },
    "image-repository": {
        prefix: `arn:${S}:ecr:${S}:${S}:repository/`,
        patterns: (n) => [n],
        nameOf: (r) => r,
    },
    "secretsmanager-secret": {
        prefix: `arn:${S}:secretsmanager:${S}:${S}:secret:`,
        patterns: (n) => [`${n}-??????`],
        nameOf: (r) => r.replace(/-[A-Za-z0-9]{6}$/, ""),
    },
    "ssm-parameter": {
        prefix: `arn:${S}:ssm:${S}:${S}:parameter`,
        patterns: (n) => [n.startsWith("/") ? n : `/${n}`],
        nameOf: (r) => r,
    },
    "kms-key": { prefix: `arn:${S}:kms:${S}:${S}:key/`, patterns: (n) => [n], nameOf: (r) => r, byId: true },
    "cloudtrail-trail": {
        prefix: `arn:${S}:cloudtrail:${S}:${S}:trail/`,
        patterns: (n) => [n],
        nameOf: (r) => r,
    },
    "log-group": {
        prefix: `arn:${S}:logs:${S}:${S}:log-group:`,
        patterns: (n) => [n, `${n}:${S}`],
        nameOf: untilColon,
    },
    "event-rule": {
        prefix: `arn:${S}:events:${S}:${S}:rule/`,
        patterns: (n) => [n, `${S}/${n}`],
        nameOf: lastSegment,
    },
    "guardduty-detector": {
        prefix: `arn:${S}:guardduty:${S}:${S}:detector/`,
        patterns: (n) => [n, `${n}/${S}`],
        nameOf: untilSlash,
        byId: true,
    },
    "sns-topic": {
        prefix: `arn:${S}:sns:${S}:${S}:`,
        // Subscriptions are `<topic ARN>:<id>`.
        patterns: (n) => [n, `${n}:${S}`],
        nameOf: untilColon,
    },
    "metric-alarm": {
        prefix: `arn:${S}:cloudwatch:${S}:${S}:alarm:`,
        patterns: (n) => [n],
        nameOf: (r) => r,
    },
    "eks-access-entry": {
        prefix: `arn:${S}:eks:${S}:${S}:access-entry/`,
        // `<cluster>/<principal type>/<account>/<principal name>/<id>`: the name is the cluster's.
        patterns: (n) => [`${n}/${S}`],
        nameOf: untilSlash,
    },
};

/** One stack resource as a statement can name it. */
export interface TargetEntry {
    readonly node: DecodedNode;
    readonly patterns: readonly string[];
    /** The ARN is known exactly (no wildcard): a match is certain, not a guess. */
    readonly exact: boolean;
    /** Known ARN, or the part after the account (`function:name`) when only the name is known. */
    readonly literal?: { readonly arn: string } | { readonly service: string; readonly rest: string };
}

/**
 * Whether a Deny's resource pattern certainly covers what an Allow's resource pattern (`via`) granted on the
 * entry: an exact Allow ARN must match the Deny; a wildcard Allow needs the Deny to cover the entry whatever
 * its partition, region and account. Anything less keeps the edge (fail closed).
 */
export function certainlyCovers(pattern: string, entry: TargetEntry, via: string): boolean {
    if (pattern === "*") return true;
    if (!hasWildcard(via)) return iamGlobMatches(pattern, via);
    const literal = entry.literal;
    if (!entry.exact || literal === undefined) return false;
    if ("arn" in literal) return iamGlobMatches(pattern, literal.arn);
    const parts = pattern.split(":");
    if (parts.length < 6 || parts[0] !== "arn" || parts[2].toLowerCase() !== literal.service) return false;
    const open = (field: string) => field === "*" || (literal.service === "iam" && field === "");
    if (!open(parts[1]) || !open(parts[3]) || !parts[4].split("").every((c) => c === "*")) return false;
    return iamGlobMatches(parts.slice(5).join(":"), literal.rest);
}

/** Which stack resources a statement's resources cover, and what else they may cover. */
export interface TargetMatch {
    readonly targets: readonly {
        readonly entry: TargetEntry;
        readonly certain: boolean;
        /** The statement's resource patterns that matched it. */
        readonly via: readonly string[];
    }[];
    /** Resource patterns that may name resources outside this stack (wildcards, undeclared ARNs). */
    readonly outside: readonly string[];
}

interface KindIndex {
    readonly byKey: Map<string, TargetEntry[]>;
    /** Entries whose ARN is a pattern (unknown or generated name): tried against every exact ARN. */
    readonly loose: TargetEntry[];
    readonly all: TargetEntry[];
}

/** The stack's targetable resources by kind, indexed by ARN and name so that matching stays linear. */
export class TargetIndex {
    private readonly kinds = new Map<TargetKind, KindIndex>();
    private readonly regexps = new Map<TargetKind, RegExp>();

    add(kind: TargetKind, node: DecodedNode): void {
        const spec = TARGET_SPECS[kind];
        let index = this.kinds.get(kind);
        if (!index) this.kinds.set(kind, (index = { byKey: new Map(), loose: [], all: [] }));
        const entry = entryOf(spec, node);
        index.all.push(entry);
        if (!entry.exact) {
            index.loose.push(entry);
            return;
        }
        const keys = new Set([...entry.patterns.filter((p) => !hasRun(p)), nameKey(spec, node)]);
        for (const key of keys) {
            if (key === undefined) continue;
            const list = index.byKey.get(key);
            if (list) list.push(entry);
            else index.byKey.set(key, [entry]);
        }
    }

    /** Stack resources of a kind that any of the statement's resources (`undefined`: every resource) covers. */
    match(kind: TargetKind, resources: readonly string[] | undefined): TargetMatch {
        const spec = TARGET_SPECS[kind];
        const index = this.kinds.get(kind);
        const found = new Map<TargetEntry, { certain: boolean; via: string[] }>();
        let resource = "";
        const note = (entry: TargetEntry, certain: boolean) => {
            const seen = found.get(entry);
            if (!seen) found.set(entry, { certain, via: [resource] });
            else {
                seen.certain ||= certain;
                seen.via.push(resource);
            }
        };
        const outside: string[] = [];
        for (resource of resources ?? ["*"]) {
            if (!iamGlobsIntersect(resource, `${spec.prefix}*`)) continue;
            if (hasWildcard(resource)) {
                let pinned = false;
                for (const entry of index?.all ?? []) {
                    if (entry.patterns.some((p) => iamGlobsIntersect(resource, p))) {
                        const surely = entry.exact && namesEntry(resource, entry);
                        note(entry, surely);
                        pinned ||= surely && pinsOneSecret(kind, resource);
                    }
                }
                if (!pinned) outside.push(resource);
                continue;
            }
            let certain = false;
            const rest = this.rest(kind, resource);
            const candidates = [
                ...(index?.byKey.get(resource) ?? []),
                ...(rest === undefined ? [] : (index?.byKey.get(spec.nameOf(rest)) ?? [])),
                ...(index?.loose ?? []),
            ];
            for (const entry of candidates) {
                if (!entry.patterns.some((p) => iamGlobsIntersect(resource, p))) continue;
                note(entry, entry.exact);
                certain ||= entry.exact;
            }
            if (!certain) outside.push(resource);
        }
        return {
            targets: [...found].map(([entry, { certain, via }]) => ({ entry, certain, via })),
            outside,
        };
    }

    private rest(kind: TargetKind, arn: string): string | undefined {
        let re = this.regexps.get(kind);
        if (!re) {
            const body = TARGET_SPECS[kind].prefix
                .split(S)
                .map((part) => part.replace(/[.+^${}()|[\]\\/?*-]/g, "\\$&"))
                .join("[^:]*");
            this.regexps.set(kind, (re = new RegExp(`^${body}(.*)$`)));
        }
        return re.exec(arn)?.[1];
    }
}

function cloudName(spec: TargetSpec, name: Field<string>, logical: string): { text: string; exact: boolean } {
    const lower = (s: string) => (spec.lowerCase ? s.toLowerCase() : s);
    if (spec.byId) return { text: S, exact: false };
    if (name.state === "known") return { text: lower(name.value), exact: true };
    // No name: Pulumi names the resource `<logical name>-<random suffix>`.
    if (name.state === "absent") return { text: `${lower(logical)}-${S}`, exact: false };
    return { text: S, exact: false };
}

function entryOf(spec: TargetSpec, node: DecodedNode): TargetEntry {
    if (node.arn.state === "known") {
        const arn = node.arn.value;
        return { node, patterns: [arn, `${arn}:${S}`, `${arn}/${S}`], exact: true, literal: { arn } };
    }
    const name = cloudName(spec, node.cloudName, node.resource.name);
    const patterns = spec.patterns(name.text).map((p) => spec.prefix + p);
    if (!name.exact) return { node, patterns, exact: false };
    const fields = spec.prefix.split(":");
    const literal = { service: fields[2], rest: fields.slice(5).join(":") + spec.patterns(name.text)[0] };
    return { node, patterns, exact: true, literal };
}

function nameKey(spec: TargetSpec, node: DecodedNode): string | undefined {
    if (node.cloudName.state !== "known") return undefined;
    const name = spec.lowerCase ? node.cloudName.value.toLowerCase() : node.cloudName.value;
    // An access entry's name spans the cluster and principal; an exact ARN is looked up by its cluster.
    if (spec.prefix.endsWith("access-entry/")) return name.split("/")[0];
    return spec.prefix.endsWith("parameter") ? (name.startsWith("/") ? name : `/${name}`) : name;
}

/**
 * Whether a wildcard surely names the entry, taking its partition, region and account to be the stack's
 * own (only the wording depends on it: "may be" or not).
 */
function namesEntry(pattern: string, entry: TargetEntry): boolean {
    const literal = entry.literal;
    if (pattern === "*") return true;
    // `<ARN>:*` names the resource and everything under it (a log group's streams).
    if (
        pattern.endsWith(":*") &&
        !hasWildcard(pattern.slice(0, -2)) &&
        namesEntry(pattern.slice(0, -2), entry)
    )
        return true;
    if (literal === undefined) return false;
    if ("arn" in literal) return iamGlobMatches(pattern, literal.arn);
    const parts = pattern.split(":");
    if (parts.length < 6 || !iamGlobMatches(parts[2], literal.service)) return false;
    return iamGlobMatches(parts.slice(5).join(":"), literal.rest);
}

/**
 * `secret:<name>-??????` with nothing else open names one secret: Secrets Manager appends exactly six
 * characters to the name, so no other name fits (the documented way to grant one secret by name).
 */
function pinsOneSecret(kind: TargetKind, pattern: string): boolean {
    return kind === "secretsmanager-secret" && /-\?{6}$/.test(pattern) && !hasWildcard(pattern.slice(0, -7));
}

function hasRun(pattern: string): boolean {
    return hasWildcard(pattern) || pattern.includes(SEGMENT_WILDCARD);
}

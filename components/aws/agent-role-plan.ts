import * as pulumi from "@pulumi/pulumi";
import type { AgentRoleArgs, AgentRoleTrust, ProtectedAuditResources } from "./agent-role";
import { AGENT_ID_MAX_LENGTH, agentTags } from "./agent-tags";
import { checkAgentIdentity, checkBoolean, checkInteger, componentLabel, fail, isPlain } from "../args";
import { checkBoundarySizeNow } from "./boundary-size";
import { checkStatementsNow } from "./permissions";
import { checkRevocationTime } from "./session-controls";
import {
    checkClusterName,
    checkIssuerUrl,
    checkServiceAccountRef,
    irsaTrustPolicy,
    issuerFromProviderArn,
    podIdentityTrustPolicy,
} from "./trust-policy";

export interface AgentRolePlan {
    /** How errors name the component: `AgentRole "<name>"`. */
    readonly component: string;
    readonly agentId: string;
    readonly owner: string;
    readonly tags: Record<string, string>;
    readonly suspended: boolean;
    readonly revokeBefore?: string;
    readonly maxSessionDuration: number;
    readonly serviceAccount: { namespace: pulumi.Input<string>; serviceAccount: pulumi.Input<string> };
}

/** Every check on plain values, before any child exists; Outputs are checked when they resolve. */
export function planAgentRole(name: string, args: AgentRoleArgs): AgentRolePlan {
    const component = componentLabel("AgentRole", name);
    const { agentId, owner, riskTier } = checkAgentIdentity(component, args, AGENT_ID_MAX_LENGTH);
    const suspended = checkBoolean(component, "suspended", args.suspended, false);
    const revokeBefore =
        args.revokeSessionsIssuedBefore === undefined
            ? undefined
            : checkRevocationTime(component, args.revokeSessionsIssuedBefore);
    // IAM's range for a role's session: 1 to 12 hours.
    const maxSessionDuration = checkInteger(
        component,
        "maxSessionDuration",
        args.maxSessionDuration ?? 3600,
        3600,
        43200,
    );
    checkStatementsNow(component, args.statements);
    const serviceAccount = serviceAccountOf(component, args);
    checkTrustNow(component, args.trust);
    if (args.permissionsBoundaryArn === undefined) {
        checkBoundarySizeNow(component, args.statements ?? [], protectedArnBounds(args.auditTrail));
    }
    return {
        component,
        agentId,
        owner,
        tags: agentTags(component, { agentId, owner, riskTier }, args.tags),
        suspended,
        ...(revokeBefore !== undefined && { revokeBefore }),
        maxSessionDuration,
        serviceAccount,
    };
}

/** The audit trail ARNs' longest lengths, when they can be known at construction. */
function protectedArnBounds(trail: ProtectedAuditResources | undefined): readonly number[] | undefined {
    if (trail === undefined) return [];
    if (trail.protectedResourceArnBounds !== undefined) return trail.protectedResourceArnBounds;
    const arns: unknown = trail.protectedResourceArns;
    if (Array.isArray(arns) && arns.every((arn) => typeof arn === "string")) {
        return arns.map((arn: string) => arn.length);
    }
    return undefined;
}

function serviceAccountOf(component: string, args: AgentRoleArgs): AgentRolePlan["serviceAccount"] {
    const named = args.namespace !== undefined || args.serviceAccount !== undefined;
    if (args.runtime !== undefined && named) {
        fail(
            component,
            "runtime",
            "<AgentRuntime>",
            "give either runtime or namespace + serviceAccount, not both",
        );
    }
    const ref = args.runtime
        ? { namespace: args.runtime.namespaceName, serviceAccount: args.runtime.serviceAccountName }
        : { namespace: args.namespace, serviceAccount: args.serviceAccount };
    if (ref.namespace === undefined || ref.serviceAccount === undefined) {
        fail(
            component,
            "namespace/serviceAccount",
            ref,
            "give runtime, or both namespace and serviceAccount",
        );
    }
    if (isPlain(ref.namespace) && isPlain(ref.serviceAccount)) checkServiceAccountRef(component, ref);
    return { namespace: ref.namespace, serviceAccount: ref.serviceAccount };
}

function checkTrustNow(component: string, trust: AgentRoleTrust | undefined): void {
    if (trust === undefined || trust === null || typeof trust !== "object") {
        fail(
            component,
            "trust",
            trust,
            'expected { kind: "irsa", oidcProviderArn } or { kind: "pod-identity", clusterName }',
        );
    }
    if (trust.kind === "irsa") {
        if (!isPlain(trust.oidcProviderArn)) return;
        const issuer = issuerFromProviderArn(component, trust.oidcProviderArn);
        if (trust.oidcProviderUrl !== undefined && isPlain(trust.oidcProviderUrl)) {
            checkIssuerUrl(component, trust.oidcProviderUrl, issuer);
        }
    } else if (trust.kind === "pod-identity") {
        if (isPlain(trust.clusterName)) checkClusterName(component, trust.clusterName);
    } else {
        fail(component, "trust.kind", (trust as { kind: unknown }).kind, 'expected "irsa" or "pod-identity"');
    }
}

/** The trust policy JSON, checked again once every Output in it has resolved. */
export function trustPolicyOutput(
    component: string,
    trust: AgentRoleTrust,
    serviceAccount: AgentRolePlan["serviceAccount"],
): pulumi.Output<string> {
    // One apply per policy: its failure is the deployment's error, with no intermediate Output left failing.
    const { namespace, serviceAccount: name } = serviceAccount;
    if (trust.kind === "pod-identity") {
        return pulumi.all([namespace, name, trust.clusterName]).apply(([ns, sa, cluster]) => {
            const ref = checkServiceAccountRef(component, { namespace: ns, serviceAccount: sa });
            return JSON.stringify(podIdentityTrustPolicy(checkClusterName(component, cluster), ref));
        });
    }
    return pulumi
        .all([namespace, name, trust.oidcProviderArn, trust.oidcProviderUrl])
        .apply(([ns, sa, arn, url]) => {
            const ref = checkServiceAccountRef(component, { namespace: ns, serviceAccount: sa });
            const issuer = issuerFromProviderArn(component, arn);
            if (url !== undefined) checkIssuerUrl(component, url, issuer);
            return JSON.stringify(irsaTrustPolicy(arn, issuer, ref));
        });
}

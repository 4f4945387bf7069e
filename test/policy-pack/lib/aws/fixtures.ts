import { readAgentguardConfig } from "../../../../core/stack/config";
import { stackModelFromPolicyResources } from "../../../../policy-pack/lib/rule";
import type { StackModel } from "../../../../core/stack/stack-model";
import { linkResources, type FakeResource } from "../../../helpers/policy-harness";

export const OIDC_PROVIDER =
    "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE";
export const SUB_KEY = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:sub";

export function irsaTrust(conditions: Record<string, unknown>): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: OIDC_PROVIDER },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: conditions,
            },
        ],
    });
}

export function serviceTrust(service: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    });
}

export function trustOf(principal: unknown, condition?: Record<string, unknown>): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Principal: principal, Action: "sts:AssumeRole", Condition: condition },
        ],
    });
}

export function role(
    name: string,
    props: Record<string, unknown> = {},
    extra: Partial<FakeResource> = {},
): FakeResource {
    return {
        type: "aws:iam/role:Role",
        name,
        props: { name, assumeRolePolicy: serviceTrust("ec2.amazonaws.com"), ...props },
        ...extra,
    };
}

export function namespace(name: string, labels?: Record<string, string>): FakeResource {
    return {
        type: "kubernetes:core/v1:Namespace",
        name,
        props: { metadata: { name, ...(labels ? { labels } : {}) } },
    };
}

export function policyDoc(...statements: Record<string, unknown>[]): string {
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

export function allow(action: string | string[], resource: string | string[] = "*"): Record<string, unknown> {
    return { Effect: "Allow", Action: action, Resource: resource };
}

export function modelOf(resources: readonly FakeResource[]): StackModel {
    return stackModelFromPolicyResources(linkResources(resources));
}

export const defaultConfig = readAgentguardConfig({});

import type { CollectedResource } from "../../../cli/blast-radius/collect";

/** A collected resource for in-memory tests: URN from type and name, no parent, default options. */
export function res(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    extra: Partial<
        Pick<CollectedResource, "propertyDependencies" | "secretPaths" | "custom" | "provider">
    > = {},
): CollectedResource {
    return {
        urn: `urn:pulumi:dev::proj::${type}::${name}`,
        type,
        name,
        custom: extra.custom ?? true,
        parent: "",
        provider: extra.provider ?? "",
        dependencies: [],
        propertyDependencies: extra.propertyDependencies ?? {},
        inputs,
        secretPaths: extra.secretPaths ?? [],
        options: {
            protect: false,
            ignoreChanges: [],
            additionalSecretOutputs: [],
            aliases: [],
            customTimeouts: { create: 0, update: 0, delete: 0 },
            parent: "",
        },
    };
}

export const urnOf = (type: string, name: string): string => `urn:pulumi:dev::proj::${type}::${name}`;

export const NS = "kubernetes:core/v1:Namespace";
export const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const ROLE = "aws:iam/role:Role";
export const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
export const POLICY = "aws:iam/policy:Policy";
export const QUOTA = "kubernetes:core/v1:ResourceQuota";
export const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
export const CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";

export const AGENT = "agentguard.io/agent";

/** A small agent stack: namespace, default deny + allowlist, quota, role with boundary. */
export function agentStack(
    options: { egressCidr?: string; port?: number; actions?: string[] } = {},
): CollectedResource[] {
    const labels = { [AGENT]: "coder", "agentguard.io/owner": "dev", "agentguard.io/risk-tier": "2" };
    return [
        res(NS, "coder", { metadata: { name: "agent-coder", labels } }),
        res(NETPOL, "coder-deny", {
            metadata: { name: "deny", namespace: "agent-coder" },
            spec: { podSelector: {}, policyTypes: ["Egress"] },
        }),
        res(NETPOL, "coder-allow", {
            metadata: { name: "allow", namespace: "agent-coder" },
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [{ ipBlock: { cidr: options.egressCidr ?? "10.20.0.10/32" } }],
                        ports: [{ port: options.port ?? 3128, protocol: "TCP" }],
                    },
                ],
            },
        }),
        res(QUOTA, "coder", {
            metadata: { name: "q", namespace: "agent-coder" },
            spec: { hard: { "requests.nvidia.com/gpu": "1", pods: "10" } },
        }),
        res(POLICY, "coder-boundary", {
            name: "coder-boundary",
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    { Effect: "Allow", Action: "*", Resource: "*" },
                    { Effect: "Deny", Action: ["iam:*", "s3:DeleteBucket"], Resource: "*" },
                ],
            }),
        }),
        res(ROLE, "coder", {
            name: "coder",
            tags: labels,
            permissionsBoundary: "arn:aws:iam::111122223333:policy/coder-boundary",
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Service: "ec2.amazonaws.com" },
                        Action: "sts:AssumeRole",
                    },
                ],
            }),
        }),
        res(ROLE_POLICY, "coder-perms", {
            role: "coder",
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Action: options.actions ?? ["s3:GetObject", "s3:PutObject"],
                        Resource: "arn:aws:s3:::ws/*",
                    },
                    { Effect: "Allow", Action: ["iam:PassRole", "s3:DeleteBucket"], Resource: "*" },
                ],
            }),
        }),
    ];
}

/**
 * A synthetic platform stack for benchmarks: `bench:runtimes` agent runtimes, each declared resource by
 * resource the way a platform team without our components would (15 resources per runtime), plus two
 * non-agent resources per runtime as noise: 17 resources per runtime in all.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config("bench");
const runtimes = config.requireNumber("runtimes");

const oidcProvider = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/BENCH";
const issuer = "oidc.eks.eu-west-1.amazonaws.com/id/BENCH";

function agentRuntime(i: number): void {
    const id = `a${i}`;
    const nsName = `agent-${id}`;
    const labels = {
        "agentguard.io/agent": id,
        "agentguard.io/owner": "bench",
        "agentguard.io/risk-tier": "2",
    };
    const ns = new k8s.core.v1.Namespace(nsName, {
        metadata: { name: nsName, labels: { ...labels, "pod-security.kubernetes.io/enforce": "restricted" } },
    });
    const namespace = ns.metadata.name;
    new k8s.networking.v1.NetworkPolicy(`${nsName}-deny`, {
        metadata: { name: "default-deny", namespace },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    });
    new k8s.networking.v1.NetworkPolicy(`${nsName}-dns`, {
        metadata: { name: "dns", namespace },
        spec: {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [
                        {
                            namespaceSelector: {
                                matchLabels: { "kubernetes.io/metadata.name": "kube-system" },
                            },
                            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                        },
                    ],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
            ],
        },
    });
    new k8s.networking.v1.NetworkPolicy(`${nsName}-egress`, {
        metadata: { name: "egress-allowlist", namespace },
        spec: {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [{ ipBlock: { cidr: `10.${i % 250}.0.0/24` } }],
                    ports: [{ protocol: "TCP", port: 443 }],
                },
            ],
        },
    });
    new k8s.core.v1.ResourceQuota(`${nsName}-quota`, {
        metadata: { name: "quota", namespace },
        spec: {
            hard: { "requests.nvidia.com/gpu": "0", "limits.cpu": "4", "limits.memory": "8Gi", pods: "10" },
        },
    });
    new k8s.core.v1.LimitRange(`${nsName}-limits`, {
        metadata: { name: "limits", namespace },
        spec: { limits: [{ type: "Container", default: { cpu: "500m", memory: "512Mi" } }] },
    });
    const sa = new k8s.core.v1.ServiceAccount(`${nsName}-sa`, {
        metadata: { name: "agent", namespace, labels },
        automountServiceAccountToken: false,
    });
    const role = new k8s.rbac.v1.Role(`${nsName}-role`, {
        metadata: { name: "agent", namespace },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
    });
    new k8s.rbac.v1.RoleBinding(`${nsName}-binding`, {
        metadata: { name: "agent", namespace },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: nsName }],
    });
    new k8s.apps.v1.Deployment(`${nsName}-worker`, {
        metadata: { name: "worker", namespace },
        spec: {
            selector: { matchLabels: { app: "worker" } },
            template: {
                metadata: { labels: { app: "worker" } },
                spec: {
                    serviceAccountName: "agent",
                    automountServiceAccountToken: false,
                    containers: [
                        {
                            name: "worker",
                            image: "ghcr.io/example/agent:1.0",
                            resources: { limits: { cpu: "1", memory: "1Gi" } },
                        },
                    ],
                },
            },
        },
    });
    const tags = labels;
    const iamRole = new aws.iam.Role(`${nsName}-role`, {
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Federated: oidcProvider },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                        StringEquals: {
                            [`${issuer}:sub`]: `system:serviceaccount:${nsName}:agent`,
                            [`${issuer}:aud`]: "sts.amazonaws.com",
                        },
                    },
                },
            ],
        }),
        tags,
    });
    new aws.iam.RolePolicy(`${nsName}-inline`, {
        role: iamRole.name,
        policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Action: ["s3:GetObject"], Resource: `arn:aws:s3:::bench-${id}/*` },
            ],
        }),
    });
    const policy = new aws.iam.Policy(`${nsName}-policy`, {
        policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Action: ["sqs:SendMessage"],
                    Resource: `arn:aws:sqs:eu-west-1:111122223333:bench-${id}`,
                },
            ],
        }),
        tags,
    });
    new aws.iam.RolePolicyAttachment(`${nsName}-attach`, { role: iamRole.name, policyArn: policy.arn });
    new aws.ec2.SecurityGroup(`${nsName}-sg`, {
        vpcId: "vpc-0123456789abcdef0",
        egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/16"] }],
        tags,
    });
}

function noise(i: number): void {
    new aws.s3.Bucket(`noise-bucket-${i}`, { tags: { team: "data" } });
    new k8s.core.v1.ConfigMap(`noise-config-${i}`, {
        metadata: { namespace: "platform" },
        data: { key: `value-${i}` },
    });
}

for (let i = 0; i < runtimes; i++) {
    agentRuntime(i);
    noise(i);
}

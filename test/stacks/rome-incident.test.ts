import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkProgram, type CheckResult } from "../../cli/testing";

const ROOT = path.resolve(__dirname, "../..");

describe("stacks/rome-incident through the real checker", () => {
    let result: CheckResult;
    beforeAll(async () => {
        result = await checkProgram(path.join(ROOT, "stacks/rome-incident"));
    });

    it("is rejected", () => {
        expect(result.exitCode).toBe(1);
    });

    it("names each planted problem with the rule that owns it, and nothing else mandatory", () => {
        const mandatory = result.violations
            .filter((v) => v.enforcementLevel === "mandatory")
            .map((v) => `${v.policy} ${v.resourceName}`)
            .sort();
        expect(mandatory).toEqual(
            [
                // open egress that allows a reverse SSH tunnel (and no default deny under it): every address
                // (egress/direct-cidr) and, within it, the metadata endpoint (egress/metadata)
                "kubernetes-forbid-open-egress reverse-ssh",
                "kubernetes-forbid-open-egress reverse-ssh",
                "kubernetes-require-default-deny-egress agent-rome",
                // GPU access without quota
                "kubernetes-require-gpu-quota train",
                // a role that can edit IAM (untagged: an agent role through its IRSA trust)
                "aws-restrict-agent-iam-grants agent-rome",
                // the agent's service account bound to cluster-admin
                "kubernetes-forbid-agent-rbac-escalation rome-cluster-admin",
                // ...and what cluster-admin reaches, on the closure: pods in every namespace (open egress, the
                // host, uncapped GPUs, every Secret they mount), kube-system ConfigMaps (CoreDNS), Services and
                // Endpoints, CRDs (webhook writes are the escalation rule's own finding)
                "stack-forbid-agent-credential-paths rome-cluster-admin",
                "stack-forbid-agent-egress-paths rome-cluster-admin",
                ...Array<string>(5).fill("stack-forbid-agent-escape-paths rome-cluster-admin"),
                // a host-network pod
                "kubernetes-forbid-host-access tunnel",
            ].sort(),
        );
    });

    it.each([
        ["kubernetes-forbid-open-egress", /0\.0\.0\.0\/0/],
        ["kubernetes-require-gpu-quota", /GPU access without quota/],
        ["aws-restrict-agent-iam-grants", /iam:(AttachRolePolicy|PutRolePolicy)/],
        ["kubernetes-forbid-agent-rbac-escalation", /cluster-admin/],
        ["kubernetes-forbid-host-access", /hostNetwork/],
        ["stack-forbid-agent-escape-paths", /run as any service account of any namespace → may use the host/],
    ])("%s says what is wrong", (policy, pattern) => {
        const messages = result.violations.filter((v) => v.policy === policy).map((v) => v.message);
        expect(messages.join("\n")).toMatch(pattern);
    });
});

import { describe, expect, it } from "vitest";
import { buildStackModel, type CollectedResource } from "../../../cli/blast-radius/collect";
import { computeBlastRadius } from "../../../cli/blast-radius/model";
import { formatReviewMarkdown, formatReviewSarif } from "../../../cli/review/render";
import { reviewResources } from "../../../cli/review/review";
import { DEFAULT_TIER_CONFIG, type TierConfig } from "../../../cli/review/tier-config";
import { readAgentguardConfig } from "../../../core/stack/config";
import { AGENT, agentStack, CLUSTER_ROLE_BINDING, res, ROLE } from "../blast-radius/resources";

const FUNCTION = "aws:lambda/function:Function";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const ACCOUNT = "111122223333";

/**
 * A relaxed tier map (every resource change a pre-approved Tier 2 shape): only the reach diff can make a
 * change Tier 3, so these tests fail if the closure is not compared.
 */
const RELAXED: TierConfig = {
    ...DEFAULT_TIER_CONFIG,
    tier3Types: [],
    tier3Properties: [],
    tier2Types: ["*"],
};

const trust = (service: string) =>
    JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    });

const allow = (actions: string[], resource = "*") =>
    JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: actions, Resource: resource }],
    });

/**
 * Agent coder may update the code of function report-builder, which runs as role reporting. The agent's own
 * grants never change below; what changes is along the path.
 */
function stack(
    options: {
        reportingActions?: string[];
        reportingManaged?: string[];
        functionTags?: Record<string, string>;
        reportingResource?: string;
    } = {},
): CollectedResource[] {
    return [
        res(ROLE, "coder", {
            name: "coder",
            tags: { [AGENT]: "coder" },
            assumeRolePolicy: trust("ec2.amazonaws.com"),
            inlinePolicies: [
                {
                    name: "deploy",
                    policy: allow(
                        ["lambda:UpdateFunctionCode"],
                        `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:report-builder`,
                    ),
                },
            ],
        }),
        res(ROLE, "reporting", {
            name: "reporting",
            assumeRolePolicy: trust("lambda.amazonaws.com"),
            inlinePolicies: [
                {
                    name: "logs",
                    policy: allow(
                        options.reportingActions ?? ["logs:PutLogEvents"],
                        options.reportingResource,
                    ),
                },
            ],
        }),
        ...(options.reportingManaged ?? []).map((arn, i) =>
            res(ATTACHMENT, `reporting-managed-${i}`, { role: "reporting", policyArn: arn }),
        ),
        res(FUNCTION, "report-builder", {
            name: "report-builder",
            role: `arn:aws:iam::${ACCOUNT}:role/reporting`,
            runtime: "nodejs20.x",
            handler: "index.handler",
            ...(options.functionTags && { tags: options.functionTags }),
        }),
    ];
}

const review = (base: CollectedResource[], head: CollectedResource[], tiers: TierConfig = RELAXED) =>
    reviewResources(base, head, { project: "p", stack: "dev", tiers });

describe("report: each agent's closure", () => {
    it("lists the path through the function to its role, with steps and the formatted text", () => {
        const report = computeBlastRadius(buildStackModel(stack()), readAgentguardConfig({}));
        const coder = report.agents.find((a) => a.id === "coder")!;
        expect(coder.aws.map((a) => a.name)).toEqual(["coder"]); // the direct view stays
        expect(coder.reach).toHaveLength(1);
        const closure = coder.reach[0];
        expect(closure.agent).toBe("agent coder (role coder)");
        const toRole = closure.paths.find((p) => p.target === "role reporting")!;
        expect(toRole.steps.map((s) => [s.kind, s.permission, s.target])).toEqual([
            ["run-as", "lambda:UpdateFunctionCode", "Lambda function report-builder"],
            ["runs-as", undefined, "role reporting"],
        ]);
        expect(toRole.steps[0].grantedBy).toMatch(/deploy/);
        expect(toRole.text).toBe(
            "agent coder (role coder) → lambda:UpdateFunctionCode on Lambda function report-builder → runs as role reporting",
        );
        // The function has no vpcConfig: the agent's code there reaches the internet (the egress concern).
        expect(closure.findings.map((f) => [f.outcome.kind, f.target])).toEqual([
            ["open-egress", "Lambda function report-builder"],
        ]);
    });

    it("names the forbidden outcome at the end of the path when the role it runs as is privileged", () => {
        const report = computeBlastRadius(
            buildStackModel(stack({ reportingActions: ["iam:PassRole", "ec2:RunInstances"] })),
            readAgentguardConfig({}),
        );
        const finding = report.agents
            .find((a) => a.id === "coder")!
            .reach[0].findings.find((f) => f.outcome.kind !== "open-egress")!;
        expect(finding.outcome.kind).toBe("privileged-principal");
        expect(finding.text).toMatch(
            /^agent coder \(role coder\) → lambda:UpdateFunctionCode on Lambda function report-builder → runs as role reporting → .*iam:PassRole/,
        );
    });
});

describe("report: closures of Kubernetes agent identities", () => {
    it("a binding that lets the agent's service accounts create pods anywhere is the agent's, with its path", () => {
        const stackWithBinding = [
            ...agentStack(),
            res(CLUSTER_ROLE_BINDING, "coder-admin", {
                metadata: { name: "coder-admin" },
                roleRef: {
                    apiGroup: "rbac.authorization.k8s.io",
                    kind: "ClusterRole",
                    name: "cluster-admin",
                },
                subjects: [{ kind: "ServiceAccount", name: "agent", namespace: "agent-coder" }],
            }),
        ];
        const report = computeBlastRadius(buildStackModel(stackWithBinding), readAgentguardConfig({}));
        expect(report.agents.map((a) => a.id)).toEqual(["coder"]);
        const fromBinding = report.agents[0].reach.find((c) =>
            /ClusterRoleBinding coder-admin/.test(c.agent),
        )!;
        expect(fromBinding.paths.map((p) => p.text)).toContain(
            `${fromBinding.agent} → create pods (ClusterRole cluster-admin: the built-in cluster-admin ClusterRole) → run as any service account of any namespace`,
        );
    });
});

describe("review: a path the head adds anywhere along the closure is Tier 3", () => {
    it("the function's role gains iam:PassRole + ec2:RunInstances: no agent grant changed, yet Tier 3 with the path", () => {
        const r = review(
            stack(),
            stack({ reportingActions: ["logs:PutLogEvents", "iam:PassRole", "ec2:RunInstances"] }),
        );
        expect(r.changes.every((c) => c.tier === 2)).toBe(true);
        expect(r.tier).toBe(3);
        const coder = r.reach.find((a) => a.agent === "coder")!;
        expect(coder.tier).toBe(3);
        expect(coder.changes).toEqual([]);
        expect(coder.addedPaths).toEqual([
            expect.stringMatching(
                /^forbidden: agent coder \(role coder\) → lambda:UpdateFunctionCode on Lambda function report-builder → runs as role reporting → .*iam:PassRole.*privilege escalation/,
            ),
        ]);
        expect(formatReviewMarkdown(r)).toMatch(/new path \(Tier 3\)\*\*: forbidden: agent coder/);
        expect(formatReviewSarif(r, "0")).toMatch(/new path forbidden: agent coder/);
    });

    it("the function's role gains AdministratorAccess through a separate attachment: Tier 3", () => {
        const r = review(
            stack(),
            stack({ reportingManaged: ["arn:aws:iam::aws:policy/AdministratorAccess"] }),
        );
        expect(r.tier).toBe(3);
        expect(r.reach.find((a) => a.agent === "coder")!.addedPaths).toEqual([
            expect.stringMatching(/^forbidden: .*runs as role reporting → AdministratorAccess grants \*/),
        ]);
    });

    it("the function's role gains an action that leads one step further (sts:AssumeRole on a privileged role)", () => {
        const admin = res(ROLE, "admin", {
            name: "admin",
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
                        Action: "sts:AssumeRole",
                    },
                ],
            }),
            managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
        });
        const r = review(
            [...stack(), admin],
            [
                ...stack({
                    reportingActions: ["sts:AssumeRole"],
                    reportingResource: `arn:aws:iam::${ACCOUNT}:role/admin`,
                }),
                admin,
            ],
        );
        expect(r.tier).toBe(3);
        const added = r.reach.find((a) => a.agent === "coder")!.addedPaths;
        expect(added).toEqual([
            expect.stringMatching(
                /^forbidden: .*runs as role reporting → sts:AssumeRole on role admin → AdministratorAccess grants \*/,
            ),
            "reach: agent coder (role coder) → lambda:UpdateFunctionCode on Lambda function report-builder → runs as role reporting → sts:AssumeRole on role admin",
        ]);
    });

    it("a harmless change along the path (the function's tags) keeps its tier and reports no reach change", () => {
        const r = review(stack(), stack({ functionTags: { team: "reports" } }));
        expect(r.reach).toEqual([]);
        expect(r.tier).toBe(2);
        // Under the default tier map it keeps the tier the resource rules give it, nothing more.
        const strict = review(stack(), stack({ functionTags: { team: "reports" } }), DEFAULT_TIER_CONFIG);
        expect(strict.reach).toEqual([]);
    });

    it("a path the head removes is reported but does not raise the tier on its own", () => {
        const r = review(stack({ reportingActions: ["iam:PassRole", "ec2:RunInstances"] }), stack());
        const coder = r.reach.find((a) => a.agent === "coder")!;
        expect(coder.removedPaths).toEqual([expect.stringMatching(/^forbidden: .*iam:PassRole/)]);
        expect(coder.addedPaths).toEqual([]);
        expect(coder.tier).toBe(1);
        expect(r.tier).toBe(2);
        expect(formatReviewMarkdown(r)).toMatch(/path removed: forbidden: agent coder/);
        expect(formatReviewSarif(r, "0")).not.toMatch(/tier3-blast-radius.*agent coder/s);
    });

    it("a new function the agent's wildcard grant covers, running as an existing privileged role: Tier 3", () => {
        const wide = (extra: CollectedResource[]) =>
            stack()
                .map((r) =>
                    r.name === "coder"
                        ? {
                              ...r,
                              inputs: {
                                  ...r.inputs,
                                  inlinePolicies: [
                                      {
                                          name: "deploy",
                                          policy: allow(
                                              ["lambda:UpdateFunctionCode"],
                                              `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:report-*`,
                                          ),
                                      },
                                  ],
                              },
                          }
                        : r,
                )
                .concat(extra);
        const ops = res(ROLE, "ops", {
            name: "ops",
            assumeRolePolicy: trust("lambda.amazonaws.com"),
            managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
        });
        const fn = res(FUNCTION, "report-cleanup", {
            name: "report-cleanup",
            role: `arn:aws:iam::${ACCOUNT}:role/ops`,
        });
        const r = review(wide([ops]), wide([ops, fn]));
        expect(r.tier).toBe(3);
        expect(r.reach.find((a) => a.agent === "coder")!.addedPaths).toContain(
            "forbidden: agent coder (role coder) → lambda:UpdateFunctionCode on Lambda function report-cleanup → runs as role ops → AdministratorAccess grants * (every action, IAM write included)",
        );
    });

    it("re-pointing the function at another role adds the path to it (the function's update is Tier 2 here)", () => {
        const other = res(ROLE, "billing", {
            name: "billing",
            assumeRolePolicy: trust("lambda.amazonaws.com"),
            inlinePolicies: [{ name: "logs", policy: allow(["logs:PutLogEvents"]) }],
        });
        const head = stack().map((r) =>
            r.name === "report-builder"
                ? { ...r, inputs: { ...r.inputs, role: `arn:aws:iam::${ACCOUNT}:role/billing` } }
                : r,
        );
        const r = review([...stack(), other], [...head, other]);
        expect(r.tier).toBe(3);
        expect(r.reach.find((a) => a.agent === "coder")!.addedPaths).toContain(
            "reach: agent coder (role coder) → lambda:UpdateFunctionCode on Lambda function report-builder → runs as role billing",
        );
    });
});

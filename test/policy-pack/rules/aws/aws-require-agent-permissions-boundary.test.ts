import { describe, expect, it } from "vitest";
import { awsRequireAgentPermissionsBoundary } from "../../../../policy-pack/rules/aws/aws-require-agent-permissions-boundary";
import { runStackPolicy } from "../../../helpers/policy-harness";
import { role } from "../../lib/aws/fixtures";

const TAGS = { tags: { "agentguard.io/agent": "x" } };

describe("aws-require-agent-permissions-boundary", () => {
    it("advises a boundary on an agent role that has none", async () => {
        const v = await runStackPolicy(awsRequireAgentPermissionsBoundary, [role("agent-r", TAGS)]);
        expect(v).toEqual([
            expect.objectContaining({
                enforcementLevel: "advisory",
                message: expect.stringMatching(/agent-r .*has no permissionsBoundary/),
            }),
        ]);
    });

    it("accepts an agent role with a boundary, and a non-agent role without one", async () => {
        const bounded = role("agent-r", {
            ...TAGS,
            permissionsBoundary: "arn:aws:iam::1:policy/agent-boundary",
        });
        expect(await runStackPolicy(awsRequireAgentPermissionsBoundary, [bounded, role("ci")])).toEqual([]);
    });
});

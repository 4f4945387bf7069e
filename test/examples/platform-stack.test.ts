import { expect, it } from "vitest";
import { checkProgram } from "agentguard/testing";

it("the platform stack passes the agentguard pack", async () => {
    const result = await checkProgram(".", { stack: "dev" });

    const mandatory = result.violations.filter((v) => v.enforcementLevel === "mandatory");
    expect(mandatory).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.resources).toBeGreaterThan(0);
});

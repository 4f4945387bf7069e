import { describe, expect, it } from "vitest";
import { kubernetesForbidHostAccess } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-host-access";
import { runStackPolicy, type FakeResource } from "../../../helpers/policy-harness";
import { namespace, pod } from "./fixtures";

/** Pod spec fields of the wrong shape would hide a privileged container or a hostPath: they fail closed. */
const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidHostAccess, resources);
const privileged = { name: "main", image: "busybox:1.36", securityContext: { privileged: true } };

describe("kubernetes-forbid-host-access: pod spec shapes", () => {
    it("passes the documented shape", async () => {
        expect(await run([namespace("agent-a"), pod("p", "agent-a")])).toEqual([]);
    });

    it.each([
        [
            "containers as an object",
            { containers: privileged },
            /spec\.containers is .*\(an object, not a list: the API server rejects this shape/,
        ],
        [
            "a container as a string",
            { containers: ["busybox"] },
            /spec\.containers\[0\] is "busybox" \(a string, not a container object/,
        ],
        [
            "volumes as an object",
            { volumes: { name: "h", hostPath: { path: "/" } } },
            /spec\.volumes is .*\(an object, not a list/,
        ],
        [
            "a securityContext as a list",
            { containers: [{ name: "m", image: "i", securityContext: [{ privileged: true }] }] },
            /spec\.containers\[0\]\.securityContext is .*\(a list, not a securityContext object/,
        ],
        [
            "ports as an object",
            { containers: [{ name: "m", image: "i", ports: { hostPort: 22 } }] },
            /spec\.containers\[0\]\.ports is .*\(an object, not a list/,
        ],
        [
            "capabilities.add as a string",
            {
                containers: [
                    { name: "m", image: "i", securityContext: { capabilities: { add: "SYS_ADMIN" } } },
                ],
            },
            /capabilities\.add is "SYS_ADMIN" \(a string, not a list/,
        ],
    ])("rejects %s, naming the field", async (_label, spec, message) => {
        const v = await run([namespace("agent-a"), pod("p", "agent-a", spec)]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(message);
    });

    it("keeps the pod's other host access next to a shape problem", async () => {
        const v = await run([namespace("agent-a"), pod("p", "agent-a", { hostNetwork: true, volumes: {} })]);
        const all = v.map((x) => x.message).join("\n");
        expect(all).toMatch(/spec\.volumes is \{\}/);
        expect(all).toMatch(/hostNetwork is true/);
    });
});

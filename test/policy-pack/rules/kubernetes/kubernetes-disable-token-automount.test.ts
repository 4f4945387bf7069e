import { describe, expect, it } from "vitest";
import { kubernetesDisableTokenAutomount } from "../../../../policy-pack/rules/kubernetes/kubernetes-disable-token-automount";
import {
    runRemediation,
    runResourcePolicy,
    UNKNOWN,
    type FakeResource,
} from "../../../helpers/policy-harness";
import { serviceAccount, withProps } from "./fixtures";

const run = (r: FakeResource, config?: Record<string, unknown>) =>
    runResourcePolicy(kubernetesDisableTokenAutomount, r, { config });

describe("kubernetes-disable-token-automount", () => {
    it("passes an agent service account that does not automount", async () => {
        expect(await run(serviceAccount("runner", "agent-a"))).toEqual([]);
    });

    it.each([
        ["unset", undefined, /unset \(defaults to true\)/],
        ["true", true, /is true/],
        ["unknown", UNKNOWN, /unknown during preview/],
    ])("reports automount %s in an agent namespace", async (_l, value, message) => {
        const v = await run(
            withProps(serviceAccount("runner", "agent-a"), { automountServiceAccountToken: value }),
        );
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("advisory");
        expect(v[0].message).toMatch(message);
    });

    it("ignores service accounts outside agent namespaces", async () => {
        expect(
            await run(
                withProps(serviceAccount("prom", "monitoring"), { automountServiceAccountToken: true }),
            ),
        ).toEqual([]);
    });

    it("reports a service account whose namespace is unknown", async () => {
        const v = await run(
            withProps(serviceAccount("runner", UNKNOWN), { automountServiceAccountToken: true }),
        );
        expect(v[0].message).toMatch(/could not be determined/);
    });

    it("remediates an agent service account by turning automount off", async () => {
        const account = withProps(serviceAccount("runner", "agent-a"), {
            automountServiceAccountToken: true,
        });
        const fixed = await runRemediation(kubernetesDisableTokenAutomount, account);
        expect(fixed).toEqual({
            metadata: { name: "runner", namespace: "agent-a" },
            automountServiceAccountToken: false,
        });
        expect(await run({ ...account, props: fixed ?? {} })).toEqual([]);
    });

    it("leaves non-agent and already-safe service accounts unremediated", async () => {
        const prom = withProps(serviceAccount("prom", "monitoring"), { automountServiceAccountToken: true });
        expect(await runRemediation(kubernetesDisableTokenAutomount, prom)).toBeUndefined();
        expect(
            await runRemediation(kubernetesDisableTokenAutomount, serviceAccount("runner", "agent-a")),
        ).toBeUndefined();
    });

    it("honours an exemption with a reason", async () => {
        const config = { exemptions: [{ resource: "runner", reason: "needs the API to list its own pods" }] };
        const account = withProps(serviceAccount("runner", "agent-a"), {
            automountServiceAccountToken: true,
        });
        expect(await run(account, config)).toEqual([]);
        expect(await runRemediation(kubernetesDisableTokenAutomount, account, { config })).toBeUndefined();
    });
});

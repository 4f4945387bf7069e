import { describe, expect, it } from "vitest";
import { limitRangeLimits, planResources } from "../../../../components/kubernetes/runtime-resources";
import { quantityValue } from "../../../../components/kubernetes/runtime-quantities";

describe("planResources", () => {
    it("uses the caller's sizes for requests and limits alike", () => {
        const plan = planResources("rt", {
            cpu: 8,
            memory: "32Gi",
            ephemeralStorage: "40Gi",
            storage: "1Ti",
            pods: 3,
            gpu: 1,
        });
        expect(plan.hard).toMatchObject({
            "requests.cpu": "8",
            "limits.cpu": "8",
            "requests.memory": "32Gi",
            "limits.memory": "32Gi",
            "requests.ephemeral-storage": "40Gi",
            "limits.ephemeral-storage": "40Gi",
            "requests.storage": "1Ti",
            pods: "3",
            "requests.nvidia.com/gpu": "1",
        });
    });

    it("drops only the pods quota to 0 when suspended", () => {
        const plan = planResources("rt", { gpu: 2 });
        expect(plan.suspendedHard).toEqual({ ...plan.hard, pods: "0" });
    });

    it("merges object counts over the defaults without dropping any", () => {
        const plan = planResources("rt", {
            objectCounts: { "count/secrets": 5, "count/ingresses.networking.k8s.io": 0 },
        });
        expect(plan.hard["count/secrets"]).toBe("5");
        expect(plan.hard["count/ingresses.networking.k8s.io"]).toBe("0");
        expect(plan.hard["count/configmaps"]).toBe("50");
        expect(plan.hard["services.loadbalancers"]).toBe("0");
    });

    it("sets container defaults from the caller, defaulting the rest", () => {
        const plan = planResources("rt", {
            containerDefaults: { limits: { cpu: "1" }, requests: { memory: "256Mi" } },
        });
        expect(limitRangeLimits(plan)).toEqual([
            {
                type: "Container",
                default: { cpu: "1", memory: "512Mi", "ephemeral-storage": "1Gi" },
                defaultRequest: { cpu: "100m", memory: "256Mi", "ephemeral-storage": "256Mi" },
            },
        ]);
    });
});

describe("quantityValue", () => {
    it.each([
        ["500m", 0.5],
        ["2", 2],
        ["1.5", 1.5],
        ["1k", 1000],
        ["1Ki", 1024],
        ["512Mi", 512 * 2 ** 20],
        ["10G", 1e10],
    ])("reads %s as %d", (quantity, value) => {
        expect(quantityValue(quantity)).toBe(value);
    });

    it("rejects what is not a quantity", () => {
        expect(() => quantityValue("1e3")).toThrow('Not a quantity: "1e3"');
    });
});

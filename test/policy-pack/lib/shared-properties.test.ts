import type { PolicyResource } from "@pulumi/policy";
import { describe, expect, it } from "vitest";

import { stackModelOf } from "../../../policy-pack/lib/rule";
import { installedPolicyVersion, policyPatchesAllowed } from "../../../policy-pack/lib/sdk-patches";
import {
    deepFreeze,
    shareDeserializedProperties,
    shareUnknownCheckingProxies,
    type DeserializeModule,
    type ProxyModule,
} from "../../../policy-pack/lib/shared-properties";

// The analyzer request types and the real deserializer, exactly as the pack's server uses them.
interface StructLike {
    toJavaScript(): Record<string, unknown>;
}
interface AnalyzerResource {
    setType(t: string): void;
    setUrn(u: string): void;
    setName(n: string): void;
    setProperties(s: StructLike): void;
    getProperties(): StructLike;
}
interface AnalyzerProto {
    AnalyzeStackRequest: new () => {
        addResources(r: AnalyzerResource): void;
        getResourcesList(): AnalyzerResource[];
    };
    AnalyzerResource: new () => AnalyzerResource;
}
/* eslint-disable @typescript-eslint/no-require-imports */
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb") as AnalyzerProto;
const structProto = require("google-protobuf/google/protobuf/struct_pb") as {
    Struct: { fromJavaScript(value: Record<string, unknown>): StructLike };
};
const realDeserialize = (): DeserializeModule => ({
    ...(require("@pulumi/policy/deserialize") as DeserializeModule),
});
/* eslint-enable @typescript-eslint/no-require-imports */

function request(props: Record<string, unknown>) {
    const req = new analyzerProto.AnalyzeStackRequest();
    const resource = new analyzerProto.AnalyzerResource();
    resource.setType("kubernetes:core/v1:Pod");
    resource.setUrn("urn:pulumi:dev::p::kubernetes:core/v1:Pod::agent");
    resource.setName("agent");
    resource.setProperties(structProto.Struct.fromJavaScript(props));
    req.addResources(resource);
    return req;
}

// These patch @pulumi/policy's own modules (copies of them): only on the versions the pack patches.
const PATCHED = policyPatchesAllowed(installedPolicyVersion(), undefined, (message) =>
    console.log(`${message}\n=> the tests of the patched deserializer and proxy are skipped`),
);

describe.skipIf(!PATCHED)("shared deserialization", () => {
    it("hands every policy of one request the same frozen properties, read from the same Struct", () => {
        const module = realDeserialize();
        expect(shareDeserializedProperties(module)).toBe(true);
        const req = request({ spec: { hostNetwork: true, containers: [{ name: "a" }] } });
        // What the sharing relies on: within a request the message hands out one Struct object.
        const [resource] = req.getResourcesList();
        expect(resource.getProperties()).toBe(req.getResourcesList()[0].getProperties());

        const first = module.deserializeProperties(resource.getProperties(), false);
        const second = module.deserializeProperties(resource.getProperties(), false);
        expect(second).toBe(first);
        expect(first).toEqual({ spec: { hostNetwork: true, containers: [{ name: "a" }] } });
        expect(Object.isFrozen(first)).toBe(true);
        expect(Object.isFrozen((first.spec as { containers: object[] }).containers[0])).toBe(true);
    });

    it("gives another request, even with equal properties, its own copy", () => {
        const module = realDeserialize();
        shareDeserializedProperties(module);
        const a = request({ spec: { hostNetwork: false } }).getResourcesList()[0];
        const b = request({ spec: { hostNetwork: false } }).getResourcesList()[0];
        expect(module.deserializeProperties(a.getProperties(), false)).not.toBe(
            module.deserializeProperties(b.getProperties(), false),
        );
    });

    it("leaves secret-preserving deserialization (remediations) unshared and unfrozen", () => {
        const module = realDeserialize();
        shareDeserializedProperties(module);
        const struct = request({ a: { b: 1 } })
            .getResourcesList()[0]
            .getProperties();
        const one = module.deserializeProperties(struct, true);
        expect(module.deserializeProperties(struct, true)).not.toBe(one);
        expect(Object.isFrozen(one)).toBe(false);
    });

    it("patches once, and refuses a module without the expected function", () => {
        const module = realDeserialize();
        expect(shareDeserializedProperties(module)).toBe(true);
        expect(shareDeserializedProperties(module)).toBe(false);
        expect(shareDeserializedProperties({} as DeserializeModule)).toBe(false);
    });

    it("freezes plain data but not class instances", () => {
        class Asset {
            path = "x";
        }
        const value = deepFreeze({ list: [{ a: 1 }], asset: new Asset() });
        expect(Object.isFrozen(value.list[0])).toBe(true);
        expect(Object.isFrozen(value.asset)).toBe(false);
    });
});

describe.skipIf(!PATCHED)("shared unknown-checking proxies", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const realProxy = (): ProxyModule => ({ ...(require("@pulumi/policy/proxy") as ProxyModule) });

    it("wraps shared (frozen) properties once, and the proxy still refuses unknown values", () => {
        const module = realProxy();
        expect(shareUnknownCheckingProxies(module)).toBe(true);
        // The pack's rules read the plain target (unknowns.ts); the proxy's own check stays as it was.
        const props = deepFreeze({ hostNetwork: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7" });
        const proxy = module.unknownCheckingProxy(props) as { hostNetwork: unknown };
        expect(module.unknownCheckingProxy(props)).toBe(proxy);
        expect(() => proxy.hostNetwork).toThrow();
    });

    it("wraps anything else afresh, as the server did", () => {
        const module = realProxy();
        shareUnknownCheckingProxies(module);
        const props = { spec: {} };
        expect(module.unknownCheckingProxy(props)).not.toBe(module.unknownCheckingProxy(props));
        expect(shareUnknownCheckingProxies(module)).toBe(false);
    });
});

function policyResource(urn: string, props: Record<string, unknown>): PolicyResource {
    return {
        type: "kubernetes:core/v1:Pod",
        urn,
        name: urn.split("::").pop() ?? urn,
        props,
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    };
}

describe("stackModelOf", () => {
    const urn = "urn:pulumi:dev::p::kubernetes:core/v1:Pod::agent";

    it("reuses the model while the resources carry the same property objects", () => {
        const props = deepFreeze({ spec: {} });
        const model = stackModelOf([policyResource(urn, props)]);
        expect(stackModelOf([policyResource(urn, props)])).toBe(model);
    });

    it("builds a new model for equal but distinct properties (another request)", () => {
        const model = stackModelOf([policyResource(urn, { spec: {} })]);
        const next = stackModelOf([policyResource(urn, { spec: {} })]);
        expect(next).not.toBe(model);
        expect(next.resources[0].props).toEqual({ spec: {} });
    });

    it("builds a new model when the same properties arrive under another URN or with another resource", () => {
        const props = { spec: {} };
        const model = stackModelOf([policyResource(urn, props)]);
        expect(stackModelOf([policyResource(`${urn}2`, props)])).not.toBe(model);
        const other = policyResource(`${urn}3`, {});
        const withMore = stackModelOf([policyResource(urn, props), other]);
        expect(withMore.resources).toHaveLength(2);
    });
});

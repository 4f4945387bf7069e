import { describe, expect, it } from "vitest";
import {
    defaultProviderDisabled,
    defaultProviderInputs,
    defaultProviderName,
    durationSeconds,
    makeUrn,
    needsDefaultProvider,
    packageOfType,
    providerRefUrn,
    rootStackUrn,
    urnName,
} from "../../cli/program/urn";

describe("engine URNs and default providers", () => {
    const stackUrn = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev";

    it("does not prefix children of the root stack with its type", () => {
        expect(makeUrn("dev", "proj", stackUrn, "aws:s3/bucket:Bucket", "logs")).toBe(
            "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::logs",
        );
    });

    it("prefixes children of a component with the component's whole qualified type", () => {
        const component = makeUrn("dev", "proj", stackUrn, "my:index:Outer", "outer");
        const inner = makeUrn("dev", "proj", component, "my:index:Inner", "inner");
        expect(makeUrn("dev", "proj", inner, "aws:s3/bucket:Bucket", "b")).toBe(
            "urn:pulumi:dev::proj::my:index:Outer$my:index:Inner$aws:s3/bucket:Bucket::b",
        );
    });

    it("names the root stack resource <project>-<stack>, as the SDK registers it", () => {
        expect(rootStackUrn("dev", "proj")).toBe(stackUrn);
    });

    it("keeps '::' inside a resource name as part of the name", () => {
        const urn = makeUrn("dev", "proj", "", "my:index:Thing", "a::b");
        expect(urnName(urn)).toBe("a::b");
    });

    it("names default providers by package version, as the engine does", () => {
        expect(defaultProviderName("7.48.0")).toBe("default_7_48_0");
        expect(defaultProviderName("1.0.0-alpha.1+build")).toBe("default_1_0_0_alpha_1_build");
        expect(defaultProviderName("")).toBe("default");
    });

    it("gives default providers to custom resources only, never to providers or built-ins", () => {
        expect(needsDefaultProvider("aws:s3/bucket:Bucket", true, "")).toBe(true);
        expect(needsDefaultProvider("aws:s3/bucket:Bucket", true, "urn:x::id")).toBe(false);
        expect(needsDefaultProvider("my:index:Component", false, "")).toBe(false);
        expect(needsDefaultProvider("pulumi:providers:aws", true, "")).toBe(false);
        expect(needsDefaultProvider("pulumi:pulumi:StackReference", true, "")).toBe(false);
    });

    it("reads the package from resource and provider types", () => {
        expect(packageOfType("kubernetes:core/v1:Namespace")).toBe("kubernetes");
        expect(packageOfType("pulumi:providers:aws")).toBe("aws");
    });

    it("takes the URN from a provider reference even when the URN contains '::'", () => {
        expect(providerRefUrn("urn:pulumi:dev::p::pulumi:providers:aws::eu::04da6b54")).toBe(
            "urn:pulumi:dev::p::pulumi:providers:aws::eu",
        );
    });

    it("builds default provider inputs from the package's namespaced config only", () => {
        expect(
            defaultProviderInputs("aws", {
                "aws:region": "eu-west-1",
                "aws:defaultTags": '{"tags":{"a":"b"}}',
                "awsx:region": "us-east-1",
                "proj:aws:region": "ignored",
            }),
        ).toEqual({ region: "eu-west-1", defaultTags: '{"tags":{"a":"b"}}' });
    });

    it("honours pulumi:disable-default-providers for the package or for all packages", () => {
        expect(defaultProviderDisabled("aws", { "pulumi:disable-default-providers": '["aws"]' })).toBe(true);
        expect(defaultProviderDisabled("aws", { "pulumi:disable-default-providers": '["*"]' })).toBe(true);
        expect(defaultProviderDisabled("aws", { "pulumi:disable-default-providers": '["kubernetes"]' })).toBe(
            false,
        );
        expect(defaultProviderDisabled("aws", {})).toBe(false);
    });

    it("parses Go durations for custom timeouts and rejects anything else", () => {
        expect(durationSeconds("")).toBe(0);
        expect(durationSeconds("1h30m")).toBe(5400);
        expect(durationSeconds("90s")).toBe(90);
        expect(durationSeconds("1.5m")).toBe(90);
        expect(() => durationSeconds("ten minutes")).toThrow(/invalid duration 'ten minutes'/);
    });
});

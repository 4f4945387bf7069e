import type {
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { describe, expect, it } from "vitest";

import { stackModelOf } from "../../../policy-pack/lib/rule";
import {
    interceptAnalyzerService,
    type AnalyzerRegistration,
    type GrpcModule,
} from "../../../policy-pack/lib/analyzer-service";
import { ConfigurationGuard } from "../../../policy-pack/lib/configuration-guard";
import { installedPolicyVersion, policyPatchesAllowed } from "../../../policy-pack/lib/sdk-patches";
import { withWireDecoding } from "../../../policy-pack/lib/struct-wire";
import { rawProps } from "../../../policy-pack/lib/unknowns";
import {
    shareDeserializedProperties,
    shareUnknownCheckingProxies,
} from "../../../policy-pack/lib/shared-properties";
import {
    readingSharedResources,
    shareStackResources,
    type PolicyServerModule,
} from "../../../policy-pack/lib/shared-stack-resources";
import {
    analyzerProto,
    analyzerService,
    call,
    encode,
    Struct,
    type Message,
} from "../../helpers/analyzer-messages";

/*
 * Differential tests: the pack's AnalyzeStack handler against @pulumi/policy's own. They compare what the pack
 * runs with the installed @pulumi/policy: patched on a version the patches were tested with, unpatched
 * (only the configuration guard around @pulumi/policy's handler) on any other, so that CI with the newest
 * @pulumi/policy checks what users of that version get. Tests of a patch's own properties are skipped then.
 */
const PATCHED = policyPatchesAllowed(installedPolicyVersion(), undefined, (message) =>
    console.log(
        `${message}\n=> comparing the pack's unpatched server with @pulumi/policy; patch-only tests skipped`,
    ),
);

/* eslint-disable @typescript-eslint/no-require-imports */
// The real server, request types and deserializer, patched as the pack patches them.
const server = require("@pulumi/policy/server") as PolicyServerModule;
if (PATCHED) {
    shareDeserializedProperties();
    shareUnknownCheckingProxies();
}
/* eslint-enable @typescript-eslint/no-require-imports */
const wiredService = (PATCHED ? withWireDecoding(analyzerService) : analyzerService) as Record<
    string,
    { requestDeserialize(b: Buffer): unknown }
>;

const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const urn = (name: string) => `urn:pulumi:dev::p::kubernetes:core/v1:Pod::${name}`;

interface ResourceSpec {
    readonly name: string;
    readonly props: Record<string, unknown>;
    readonly parent?: string;
    readonly dependencies?: readonly string[];
    readonly propertyDependencies?: Record<string, readonly string[]>;
    readonly withoutOptions?: true;
}

/** The request as the pack receives it: decoded by google-protobuf, or from the wire as the pack does. */
function stackRequest(
    resources: readonly ResourceSpec[],
    decoding: "google-protobuf" | "wire" = "google-protobuf",
): Message {
    const request = new analyzerProto.AnalyzeStackRequest();
    const provider = new analyzerProto.AnalyzerProviderResource();
    call(provider, "setUrn", "urn:pulumi:dev::p::pulumi:providers:kubernetes::default");
    call(provider, "setType", "pulumi:providers:kubernetes");
    call(provider, "setName", "default");
    call(provider, "setProperties", Struct.fromJavaScript({ namespace: "agents" }));
    for (const spec of resources) {
        const r = new analyzerProto.AnalyzerResource();
        call(r, "setUrn", urn(spec.name));
        call(r, "setType", "kubernetes:core/v1:Pod");
        call(r, "setName", spec.name);
        call(r, "setProperties", Struct.fromJavaScript(spec.props));
        call(r, "setProvider", provider);
        if (!spec.withoutOptions) {
            const options = new analyzerProto.AnalyzerResourceOptions();
            call(options, "setProtect", true);
            call(options, "setIgnorechangesList", ["spec"]);
            call(options, "setCustomtimeouts", new analyzerProto.AnalyzerResourceOptions.CustomTimeouts());
            if (spec.parent) call(options, "setParent", urn(spec.parent));
            call(r, "setOptions", options);
        }
        if (spec.parent) call(r, "setParent", urn(spec.parent));
        call(r, "setDependenciesList", (spec.dependencies ?? []).map(urn));
        const byProperty = call(r, "getPropertydependenciesMap") as { set(k: string, v: unknown): void };
        for (const [key, urns] of Object.entries(spec.propertyDependencies ?? {})) {
            const deps = new analyzerProto.AnalyzerPropertyDependencies();
            call(deps, "setUrnsList", urns.map(urn));
            byProperty.set(key, deps);
        }
        call(request, "addResources", r);
    }
    const encoded = encode(request);
    if (decoding === "wire") {
        return wiredService.analyzeStack.requestDeserialize(Buffer.from(encoded)) as Message;
    }
    return analyzerProto.AnalyzeStackRequest.deserializeBinary(encoded);
}

const withoutStack = (message: string) =>
    message
        .split("\n")
        .filter((line) => !line.trimStart().startsWith("at "))
        .join("\n");

type Handler = ReturnType<PolicyServerModule["makeAnalyzeStackRpcFun"]>;

/** The response as plain data, or the error's message (without the stack, which differs by caller). */
function serve(handler: Handler, request: Message): Promise<unknown> {
    return new Promise((resolve) =>
        handler({ request }, (error, response) =>
            resolve(
                error
                    ? { error: withoutStack((error as Error).message) }
                    : (response as { toObject(): unknown }).toObject(),
            ),
        ),
    );
}

/** The pack's AnalyzeStack handler, put together as policy-pack/index.ts does. */
function packHandler(policies: StackValidationPolicy[]): Handler {
    const shared = PATCHED ? shareStackResources(policies, server) : { policies, transform: undefined };
    const guard = new ConfigurationGuard({ packName: "pack", packVersion: "1.0.0" });
    let registration: AnalyzerRegistration = {
        service: analyzerService,
        implementation: {
            analyzeStack: server.makeAnalyzeStackRpcFun(
                "pack",
                "1.0.0",
                "advisory",
                shared.policies as StackValidationPolicy[],
            ),
        },
    };
    for (const transform of [...(shared.transform ? [shared.transform] : []), guard.transform]) {
        registration = transform(registration);
    }
    return registration.implementation.analyzeStack as Handler;
}

/** @pulumi/policy's handler as it is, and as the pack serves it. */
function bothHandlers(policies: StackValidationPolicy[]): { original: Handler; shared: Handler } {
    return {
        original: server.makeAnalyzeStackRpcFun("pack", "1.0.0", "advisory", policies),
        shared: packHandler(policies),
    };
}

/** What a policy can see of the resources, as plain data. */
function view(resources: readonly PolicyResource[]) {
    return resources.map((r) => ({
        type: r.type,
        urn: r.urn,
        name: r.name,
        props: rawProps(r.props),
        opts: r.opts,
        provider: r.provider && {
            ...r.provider,
            props: JSON.parse(JSON.stringify(r.provider.props)) as unknown,
        },
        parent: r.parent?.urn,
        dependencies: r.dependencies.map((d) => d.urn),
        propertyDependencies: Object.fromEntries(
            Object.entries(r.propertyDependencies).map(([k, v]) => [k, v.map((d) => d.urn)]),
        ),
    }));
}

const stack: ResourceSpec[] = [
    { name: "root", props: { metadata: { name: "root" } } },
    {
        name: "agent",
        props: { spec: { hostNetwork: true, containers: [{ name: "a" }] } },
        parent: "root",
        dependencies: ["root"],
        propertyDependencies: { spec: ["root"] },
    },
    {
        name: "pending",
        props: { serviceAccountName: UNKNOWN_STRING },
        dependencies: ["agent", "root"],
    },
];

describe("stack resources built once per AnalyzeStack request", () => {
    it("answers exactly as @pulumi/policy does: diagnostics, levels, not-applicable, unknowns", async () => {
        const seen: { original: unknown[]; shared: unknown[] } = { original: [], shared: [] };
        let phase: "original" | "shared" = "original";
        const policy = (
            name: string,
            validateStack: (args: StackValidationArgs, report: ReportViolation) => void,
            enforcementLevel: StackValidationPolicy["enforcementLevel"] = "mandatory",
        ): StackValidationPolicy => ({
            name,
            description: `${name} description`,
            enforcementLevel,
            validateStack,
        });
        const policies = [
            policy("reports", (args, report) => {
                seen[phase].push(view(args.resources));
                report("host network", args.resources[1].urn);
            }),
            policy("remediate-level", (_args, report) => report("as mandatory"), "remediate"),
            policy(
                "disabled",
                () => {
                    throw new Error("a disabled policy must not run");
                },
                "disabled",
            ),
            policy("not-applicable", (args) => args.notApplicable("no agents here")),
            policy("reads-unknown", (args) => {
                if (args.resources[2].props.serviceAccountName)
                    throw new Error("an unknown value must not read as known");
            }),
            policy(
                "default-level",
                (args, report) => report(`${args.resources.length} resources`),
                undefined,
            ),
        ];
        const { original, shared } = bothHandlers(policies);
        const expected = await serve(original, stackRequest(stack));
        phase = "shared";
        const actual = await serve(shared, stackRequest(stack));
        const fromWire = await serve(shared, stackRequest(stack, "wire"));

        expect(actual).toEqual(expected);
        expect(fromWire).toEqual(expected);
        const diagnostics = (
            expected as { diagnosticsList: { policyname: string; enforcementlevel: number }[] }
        ).diagnosticsList;
        // The comparison is only worth something if each behaviour occurred.
        expect(diagnostics.map((d) => d.policyname)).toEqual([
            "reports",
            "remediate-level",
            "reads-unknown",
            "default-level",
        ]);
        expect((expected as { notApplicableList: unknown[] }).notApplicableList).toHaveLength(1);
        expect(seen.shared).toHaveLength(2);
        expect(seen.shared[0]).toEqual(seen.original[0]);
        expect(seen.shared[1]).toEqual(seen.original[0]);
        expect((seen.shared[0] as unknown[]).length).toBe(3);
    });

    it("reports a failing policy with @pulumi/policy's own error", async () => {
        const policies: StackValidationPolicy[] = [
            {
                name: "throws",
                description: "fails",
                enforcementLevel: "mandatory",
                validateStack: () => {
                    throw new Error("boom");
                },
            },
        ];
        const { original, shared } = bothHandlers(policies);
        const expected = await serve(original, stackRequest(stack));
        expect(expected).toEqual({ error: expect.stringContaining("boom") as unknown });
        expect(await serve(shared, stackRequest(stack))).toEqual(expected);
    });

    it("leaves a request @pulumi/policy refuses to @pulumi/policy, with the same error", async () => {
        const policies: StackValidationPolicy[] = [
            { name: "p", description: "d", enforcementLevel: "mandatory", validateStack: () => undefined },
        ];
        const { original, shared } = bothHandlers(policies);
        const refused = [{ name: "old-engine", props: {}, withoutOptions: true as const }];
        const expected = await serve(original, stackRequest(refused));
        expect(expected).toEqual({ error: expect.stringContaining("more recent version") as unknown });
        expect(await serve(shared, stackRequest(refused))).toEqual(expected);
    });

    it.skipIf(!PATCHED)(
        "hands every policy one frozen list, so no policy can change what the next one sees",
        async () => {
            const lists: PolicyResource[][] = [];
            const errors: string[] = [];
            const tamper = (args: StackValidationArgs) => {
                lists.push(args.resources);
                const attempts = [
                    () => args.resources.pop(),
                    () => args.resources[1].dependencies.pop(),
                    () => (args.resources[1].propertyDependencies.spec as unknown[]).pop(),
                    () => Object.assign(args.resources[1], { urn: "urn:changed" }),
                    () => Object.assign(args.resources[1].opts, { protect: false }),
                    () => Object.assign(args.resources[1].props, { spec: {} }),
                ];
                for (const attempt of attempts) {
                    try {
                        attempt();
                        errors.push("changed");
                    } catch (e) {
                        errors.push((e as Error).constructor.name);
                    }
                }
            };
            const policies: StackValidationPolicy[] = ["first", "second"].map((name) => ({
                name,
                description: name,
                enforcementLevel: "mandatory",
                validateStack: tamper,
            }));
            await serve(bothHandlers(policies).shared, stackRequest(stack));
            expect(lists).toHaveLength(2);
            expect(lists[1]).toBe(lists[0]);
            expect(errors).toEqual(Array(12).fill("TypeError"));
            expect(view(lists[1])).toEqual(view(lists[0]));
            expect(lists[0]).toHaveLength(3);
            // The rules' stack model is built once for the list.
            expect(stackModelOf(lists[1])).toBe(stackModelOf(lists[0]));
        },
    );

    it("keeps concurrent requests apart when policies wait", async () => {
        const seen: string[][] = [];
        const policies: StackValidationPolicy[] = ["a", "b"].map((name) => ({
            name,
            description: name,
            enforcementLevel: "mandatory",
            validateStack: async (args, report) => {
                await new Promise((resolve) => setTimeout(resolve, 5));
                seen.push(args.resources.map((r) => r.name));
                report(args.resources.map((r) => r.name).join(","));
            },
        }));
        const { shared } = bothHandlers(policies);
        const [one, two] = (await Promise.all([
            serve(shared, stackRequest([{ name: "one", props: {} }])),
            serve(
                shared,
                stackRequest([
                    { name: "two", props: {} },
                    { name: "three", props: {} },
                ]),
            ),
        ])) as { diagnosticsList: { message: string }[] }[];
        expect(one.diagnosticsList.map((d) => d.message.split("\n")[1])).toEqual(["one", "one"]);
        expect(two.diagnosticsList.map((d) => d.message.split("\n")[1])).toEqual(["two,three", "two,three"]);
        expect(seen).toHaveLength(4);
    });

    it("judges what @pulumi/policy hands a policy when it is not empty, and outside a request", async () => {
        const received: number[] = [];
        const policy = readingSharedResources({
            name: "p",
            description: "d",
            enforcementLevel: "mandatory",
            validateStack: (args) => {
                received.push(args.resources.length);
            },
        });
        // Outside the pack's handler (for example @pulumi/policy reading the resources another way).
        const original = server.makeAnalyzeStackRpcFun("pack", "1.0.0", "mandatory", [policy]);
        await serve(original, stackRequest(stack));
        expect(received).toEqual([3]);
    });
});

describe("shareStackResources", () => {
    const stackPolicy: StackValidationPolicy = {
        name: "s",
        description: "d",
        enforcementLevel: "mandatory",
        validateStack: () => undefined,
    };
    const resourcePolicy = {
        name: "r",
        description: "d",
        enforcementLevel: "mandatory" as const,
        validateResource: () => undefined,
    };

    it("replaces only the AnalyzeStack handler of the analyzer service", () => {
        const shared = shareStackResources([stackPolicy, resourcePolicy], server, false);
        expect(shared.policies[0]).not.toBe(stackPolicy);
        expect(shared.policies[0]).toMatchObject({
            name: "s",
            description: "d",
            enforcementLevel: "mandatory",
        });
        expect(shared.policies[1]).toBe(resourcePolicy);
        const analyze = () => undefined;
        const analyzeStack = () => undefined;
        const service = { configure: { path: "/pulumirpc.Analyzer/Configure" } };
        const registered = shared.transform?.({ service, implementation: { analyze, analyzeStack } });
        expect(registered?.service).toBe(service);
        expect(registered?.implementation.analyze).toBe(analyze);
        expect(registered?.implementation.analyzeStack).not.toBe(analyzeStack);
        expect(typeof registered?.implementation.analyzeStack).toBe("function");
    });

    it("decodes the analyzer's requests from the wire when asked to", () => {
        const shared = shareStackResources([stackPolicy], server, true);
        const service = shared.transform?.({
            service: analyzerService,
            implementation: { analyzeStack: () => undefined },
        }).service as typeof wiredService;
        const original = analyzerService as typeof wiredService;
        expect(service).not.toBe(analyzerService);
        expect(service.analyzeStack.requestDeserialize).not.toBe(original.analyzeStack.requestDeserialize);
        expect(service.configure).toBe(original.configure);
    });

    it("changes nothing when a stack policy declares a resource type or the server lacks the function", () => {
        const typed = {
            ...stackPolicy,
            validateStack: Object.assign(() => undefined, { __pulumiType: "aws:s3/bucket:Bucket" }),
        };
        for (const [policies, serverModule] of [
            [[typed], server],
            [[stackPolicy], {} as PolicyServerModule],
        ] as const) {
            const shared = shareStackResources([...policies], serverModule);
            expect(shared.policies).toEqual([...policies]);
            expect(shared.policies[0]).toBe(policies[0]);
            expect(shared.transform).toBeUndefined();
        }
    });
});

describe("interceptAnalyzerService", () => {
    function fakeGrpc() {
        const registered: { service: unknown; implementation: Record<string, unknown> }[] = [];
        const grpc: GrpcModule = {
            Server: {
                prototype: {
                    addService(service: unknown, implementation: Record<string, unknown>) {
                        registered.push({ service, implementation });
                    },
                },
            },
        };
        return { grpc, registered, addService: grpc.Server.prototype.addService };
    }
    const tag =
        (label: string) =>
        ({ service, implementation }: AnalyzerRegistration): AnalyzerRegistration => ({
            service,
            implementation: {
                ...implementation,
                order: [...((implementation.order as string[]) ?? []), label],
            },
        });

    it("applies every transform, in order, to the analyzer service only, then puts addService back", () => {
        const { grpc, registered, addService } = fakeGrpc();
        const hook = interceptAnalyzerService(grpc, [tag("patches"), tag("guard")]);
        const health = { check: { path: "/grpc.health.v1.Health/Check" } };
        grpc.Server.prototype.addService(health, { check: () => undefined });
        expect(hook.applied).toBe(false);
        expect(registered[0].implementation.order).toBeUndefined();
        grpc.Server.prototype.addService(analyzerService, { analyze: () => undefined });
        expect(hook.applied).toBe(true);
        expect(registered[1].implementation.order).toEqual(["patches", "guard"]);
        expect(grpc.Server.prototype.addService).toBe(addService);
    });

    it("refuses to install, naming why, when @grpc/grpc-js has no addService to replace", () => {
        for (const grpc of [{}, { Server: {} }, { Server: { prototype: {} } }]) {
            expect(() => interceptAnalyzerService(grpc as GrpcModule, [])).toThrow(
                /no Server\.prototype\.addService.*refusing to start/,
            );
        }
    });
});

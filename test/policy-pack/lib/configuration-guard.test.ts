import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";

import { INTEGRITY_POLICY as CHECKER_INTEGRITY_POLICY } from "../../../cli/pack/analyze";
import type { AnalyzerRegistration } from "../../../policy-pack/lib/analyzer-service";
import {
    ConfigurationGuard,
    INTEGRITY_POLICY,
    REFUSED_CODE,
} from "../../../policy-pack/lib/configuration-guard";
import { analyzerProto, analyzerService, call, Struct, type Message } from "../../helpers/analyzer-messages";

type Callback = (error: unknown, response?: unknown) => void;
type Handler = (call: { request: unknown }, callback: Callback) => unknown;

/* eslint-disable @typescript-eslint/no-require-imports */
const server = require("@pulumi/policy/server") as {
    makeAnalyzeRpcFun(n: string, v: string, l: string, p: readonly ResourceValidationPolicy[]): Handler;
    makeAnalyzeStackRpcFun(n: string, v: string, l: string, p: readonly StackValidationPolicy[]): Handler;
};
/* eslint-enable @typescript-eslint/no-require-imports */

const podUrn = "urn:pulumi:dev::p::kubernetes:core/v1:Pod::miner";

const resourcePolicy: ResourceValidationPolicy = {
    name: "no-host-network",
    description: "Pods must not use the host network.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if ((args.props as { spec?: { hostNetwork?: boolean } }).spec?.hostNetwork) report("host network");
    },
};
const stackPolicy: StackValidationPolicy = {
    name: "count",
    description: "Counts.",
    enforcementLevel: "advisory",
    validateStack: (args, report) => report(`${args.resources.length} resources`),
};

/** The analyzer service as @pulumi/policy would register it, with recorded Configure calls. */
function guarded() {
    const configured: string[] = [];
    const accept = (what: string) => (c: { request: unknown }, callback: Callback) => {
        configured.push(`${what}:${String(c.request)}`);
        callback(null, { ok: what });
    };
    const info = () => {
        const message = new analyzerProto.AnalyzerInfo();
        call(message, "setName", "pack");
        return message;
    };
    const implementation: Record<string, unknown> = {
        analyze: server.makeAnalyzeRpcFun("pack", "1.0.0", "advisory", [resourcePolicy]),
        analyzeStack: server.makeAnalyzeStackRpcFun("pack", "1.0.0", "advisory", [stackPolicy]),
        remediate: (_c: unknown, callback: Callback) => callback(null, new analyzerProto.RemediateResponse()),
        getAnalyzerInfo: (_c: unknown, callback: Callback) => callback(null, info()),
        getPluginInfo: (_c: unknown, callback: Callback) => callback(null, { version: "1.21.0" }),
        configure: accept("configure"),
        configureStack: accept("configureStack"),
        futureRpc: (_c: unknown, callback: Callback) => callback(null, "future answer"),
    };
    const guard = new ConfigurationGuard({ packName: "pack", packVersion: "1.0.0" });
    const registration: AnalyzerRegistration = guard.transform({ service: analyzerService, implementation });
    const rpc = (name: string, request: unknown = {}) =>
        new Promise<{ error?: { code: number; message: string }; response?: unknown }>((resolve) => {
            (registration.implementation[name] as Handler)({ request }, (error, response) =>
                resolve(error ? { error: error as { code: number; message: string } } : { response }),
            );
        });
    return { guard, rpc, configured };
}

function analyzeRequest(): Message {
    const request = new analyzerProto.AnalyzeRequest();
    call(request, "setType", "kubernetes:core/v1:Pod");
    call(request, "setUrn", podUrn);
    call(request, "setName", "miner");
    call(request, "setProperties", Struct.fromJavaScript({ spec: { hostNetwork: true } }));
    call(request, "setOptions", new analyzerProto.AnalyzerResourceOptions());
    return request;
}

function stackRequest(): Message {
    const request = new analyzerProto.AnalyzeStackRequest();
    const resource = new analyzerProto.AnalyzerResource();
    call(resource, "setType", "kubernetes:core/v1:Pod");
    call(resource, "setUrn", podUrn);
    call(resource, "setName", "miner");
    call(resource, "setProperties", Struct.fromJavaScript({}));
    call(resource, "setOptions", new analyzerProto.AnalyzerResourceOptions());
    call(request, "addResources", resource);
    return request;
}

interface Diagnostic {
    policyname: string;
    enforcementlevel: number;
    message: string;
}
const diagnostics = (response: unknown) =>
    (response as { toObject(): { diagnosticsList: Diagnostic[] } }).toObject().diagnosticsList;

describe("the pack's configuration guard", () => {
    it("names its violation as the checker expects it (which turns it into exit 2)", () => {
        expect(CHECKER_INTEGRITY_POLICY).toBe(INTEGRITY_POLICY);
    });

    it("passes the first Configure and ConfigureStack through and leaves every answer as it was", async () => {
        const { guard, rpc, configured } = guarded();
        expect(await rpc("configureStack", "engine")).toEqual({ response: { ok: "configureStack" } });
        expect(await rpc("configure", "engine")).toEqual({ response: { ok: "configure" } });
        expect(configured).toEqual(["configureStack:engine", "configure:engine"]);
        expect(
            diagnostics((await rpc("analyze", analyzeRequest())).response).map((d) => d.policyname),
        ).toEqual(["no-host-network"]);
        expect(diagnostics((await rpc("analyzeStack", stackRequest())).response)).toHaveLength(1);
        expect(await rpc("getPluginInfo")).toEqual({ response: { version: "1.21.0" } });
        expect(await rpc("futureRpc")).toEqual({ response: "future answer" });
        expect(guard.tampering).toBeUndefined();
    });

    it("refuses a later Configure, naming the tampering, and marks every later answer", async () => {
        const { guard, rpc, configured } = guarded();
        await rpc("configureStack", "engine");
        await rpc("configure", "engine");
        const refused = await rpc("configure", "hostile: every policy disabled");
        expect(refused.error?.code).toBe(REFUSED_CODE);
        expect(refused.error?.message).toMatch(
            /refused a second Configure call: a second Configure call was made/,
        );
        expect(configured).toEqual(["configureStack:engine", "configure:engine"]);
        expect(guard.tampering).toMatch(/may have been changed by the program under check/);

        const analyze = diagnostics((await rpc("analyze", analyzeRequest())).response);
        expect(analyze.map((d) => d.policyname)).toEqual(["no-host-network", INTEGRITY_POLICY]);
        const integrity = analyze[1];
        expect(integrity.enforcementlevel).toBe(1); // MANDATORY
        expect(integrity.message).toMatch(/^a second Configure call was made to the policy pack: /);
        const stack = diagnostics((await rpc("analyzeStack", stackRequest())).response);
        expect(stack.map((d) => d.policyname)).toEqual(["count", INTEGRITY_POLICY]);

        const info = (await rpc("getAnalyzerInfo")).response as Message;
        const policies = (
            call(info, "toObject") as { policiesList: { name: string; enforcementlevel: number }[] }
        ).policiesList;
        expect(policies).toEqual([expect.objectContaining({ name: INTEGRITY_POLICY, enforcementlevel: 1 })]);
        // Answers with no place for a mandatory violation are refused.
        for (const name of ["remediate", "getPluginInfo", "futureRpc"]) {
            const answer = await rpc(name);
            expect(answer.error?.code, name).toBe(REFUSED_CODE);
            expect(answer.error?.message, name).toMatch(/refuses to answer: a second Configure call/);
        }
        // A third call changes nothing either, and is named once.
        expect((await rpc("configure", "again")).error?.code).toBe(REFUSED_CODE);
        expect(configured).toHaveLength(2);
        expect(guard.tampering?.match(/a second Configure call/g)).toHaveLength(1);
    });

    it("refuses a later ConfigureStack the same way", async () => {
        const { guard, rpc } = guarded();
        await rpc("configureStack", "engine");
        expect((await rpc("configureStack", "hostile")).error?.code).toBe(REFUSED_CODE);
        expect(guard.tampering).toMatch(/^a second ConfigureStack call was made/);
        expect(diagnostics((await rpc("analyze", analyzeRequest())).response).at(-1)?.policyname).toBe(
            INTEGRITY_POLICY,
        );
    });

    it("refuses the engine's Configure when another client configured first, and marks every answer", async () => {
        const { guard, rpc, configured } = guarded();
        await rpc("configure", "hostile: every policy disabled");
        expect((await rpc("configure", "engine")).error?.code).toBe(REFUSED_CODE);
        expect(configured).toEqual(["configure:hostile: every policy disabled"]);
        expect(guard.tampering).toBeDefined();
        expect(diagnostics((await rpc("analyzeStack", stackRequest())).response).at(-1)?.policyname).toBe(
            INTEGRITY_POLICY,
        );
    });

    it("marks an answer that was being computed when the tampering happened", async () => {
        const guard = new ConfigurationGuard({ packName: "pack", packVersion: "1.0.0" });
        let finish: () => void = () => undefined;
        const slowAnalyze: Handler = (_c, callback) => {
            finish = () => callback(null, new analyzerProto.AnalyzeResponse());
        };
        const accept: Handler = (_c, callback) => callback(null, {});
        const { implementation } = guard.transform({
            service: analyzerService,
            implementation: { analyze: slowAnalyze, configure: accept },
        });
        const answer = new Promise<unknown>((resolve) =>
            (implementation.analyze as Handler)({ request: {} }, (_e, response) => resolve(response)),
        );
        (implementation.configure as Handler)({ request: {} }, () => undefined);
        (implementation.configure as Handler)({ request: {} }, () => undefined);
        finish();
        expect(diagnostics(await answer).map((d) => d.policyname)).toEqual([INTEGRITY_POLICY]);
    });

    it("refuses rather than answer unmarked when the handler failed or its answer has no diagnostics", async () => {
        const guard = new ConfigurationGuard({ packName: "pack", packVersion: "1.0.0" });
        const accept: Handler = (_c, callback) => callback(null, {});
        const { implementation } = guard.transform({
            service: analyzerService,
            implementation: {
                configure: accept,
                analyze: (_c: unknown, callback: Callback) => callback(new Error("policy crashed")),
                analyzeStack: (_c: unknown, callback: Callback) => callback(null, { unexpected: true }),
            },
        });
        (implementation.configure as Handler)({ request: {} }, () => undefined);
        (implementation.configure as Handler)({ request: {} }, () => undefined);
        for (const name of ["analyze", "analyzeStack"]) {
            const error = await new Promise<unknown>((resolve) =>
                (implementation[name] as Handler)({ request: {} }, (e) => resolve(e)),
            );
            expect((error as { code: number }).code, name).toBe(REFUSED_CODE);
        }
    });
});

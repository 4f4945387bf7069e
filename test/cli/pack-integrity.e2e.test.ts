/**
 * The pack's configuration cannot be changed by anything but the checker (or the engine): the real compiled
 * pack, started as the checker starts it, and a hostile client on its port, in both orders; then the whole
 * attack from inside a program under check.
 */
import * as grpc from "@grpc/grpc-js";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { afterEach, describe, expect, it } from "vitest";
import { AnalyzerConnection, AnalyzerRpcError } from "../../cli/pack/client";
import { configurePackSession, openPackSession, packEnvironment } from "../../cli/pack/session";
import { readPackManifest, startPack, type RunningPack } from "../../cli/pack/start-pack";
import { defaultPolicyPackDir } from "../../cli/package-root";
import type { ProgramProject } from "../../cli/project";
import { program, runCli } from "./helpers/run-cli";

const INTEGRITY_POLICY = "agentguard-integrity";

const project: ProgramProject = {
    dir: program("hostile-pod"),
    name: "hostile-pod",
    stack: "dev",
    organization: "organization",
    entry: program("hostile-pod"),
    mainFile: program("hostile-pod"),
    typescript: true,
    esm: false,
    config: {},
    secretKeys: [],
    warnings: [],
};

const stop: (() => Promise<void>)[] = [];
afterEach(async () => {
    await Promise.all(stop.splice(0).map((f) => f()));
});

async function started(): Promise<RunningPack> {
    const pack = await startPack(
        readPackManifest(defaultPolicyPackDir()),
        packEnvironment(project, process.env),
    );
    stop.push(() => pack.stop());
    return pack;
}

function hostileClient(address: string): AnalyzerConnection {
    const client = new AnalyzerConnection(address);
    stop.push(async () => client.close());
    return client;
}

/** Configure with every policy the pack declares disabled, as a hostile program would send it. */
async function disableEveryPolicy(client: AnalyzerConnection): Promise<void> {
    const info = await client.getAnalyzerInfo();
    const request = new analyzerProto.ConfigureAnalyzerRequest();
    for (const policy of info.getPoliciesList()) {
        const config = new analyzerProto.PolicyConfig();
        config.setEnforcementlevel(analyzerProto.EnforcementLevel.DISABLED);
        config.setProperties(Struct.fromJavaScript({}));
        request.getPolicyconfigMap().set(policy.getName(), config);
    }
    expect(info.getPoliciesList().length).toBeGreaterThan(5);
    await client.configure(request);
}

const namespaceUrn = "urn:pulumi:dev::hostile-pod::kubernetes:core/v1:Namespace::agent-summarizer";
const podUrn = "urn:pulumi:dev::hostile-pod::kubernetes:core/v1:Pod::miner";
const podProps = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace: "agent-summarizer" },
    spec: { hostNetwork: true, containers: [{ name: "miner", image: "busybox" }] },
};

function analyzeRequest(): analyzerProto.AnalyzeRequest {
    const request = new analyzerProto.AnalyzeRequest();
    request.setType("kubernetes:core/v1:Pod");
    request.setUrn(podUrn);
    request.setName("miner");
    request.setProperties(Struct.fromJavaScript(podProps));
    request.setOptions(new analyzerProto.AnalyzerResourceOptions());
    return request;
}

function stackRequest(): analyzerProto.AnalyzeStackRequest {
    const request = new analyzerProto.AnalyzeStackRequest();
    const resources: [string, string, string, Record<string, unknown>][] = [
        [
            namespaceUrn,
            "kubernetes:core/v1:Namespace",
            "agent-summarizer",
            { apiVersion: "v1", kind: "Namespace", metadata: { name: "agent-summarizer" } },
        ],
        [podUrn, "kubernetes:core/v1:Pod", "miner", podProps],
    ];
    for (const [urn, type, name, props] of resources) {
        const resource = new analyzerProto.AnalyzerResource();
        resource.setUrn(urn);
        resource.setType(type);
        resource.setName(name);
        resource.setProperties(Struct.fromJavaScript(props as never));
        resource.setOptions(new analyzerProto.AnalyzerResourceOptions());
        request.addResources(resource);
    }
    return request;
}

const mandatory = (response: analyzerProto.AnalyzeResponse) =>
    response
        .getDiagnosticsList()
        .filter((d) => d.getEnforcementlevel() === analyzerProto.EnforcementLevel.MANDATORY)
        .map((d) => d.getPolicyname());

describe("the policy pack's configuration against another client on its port", () => {
    it("refuses the checker's Configure after a hostile one: exit 2, and every answer is marked", async () => {
        const pack = await started();
        const hostile = hostileClient(pack.address);
        await hostile.waitForReady(30_000);
        await disableEveryPolicy(hostile);

        const failure = await configurePackSession(
            pack,
            readPackManifest(defaultPolicyPackDir()),
            project,
            undefined,
        ).then(
            () => undefined,
            (err: unknown) => err as Error & { kind?: string },
        );
        expect(failure?.kind).toBe("pack");
        expect(failure?.message).toMatch(
            /^tampering detected: the policy pack had already been configured by someone else: it refused agentguard check's (Configure|ConfigureStack)/,
        );

        // What the hostile client sees from now on: the mandatory integrity violation in every answer.
        const restarted = await started();
        const again = hostileClient(restarted.address);
        await again.waitForReady(30_000);
        await disableEveryPolicy(again);
        await expect(disableEveryPolicy(again)).rejects.toMatchObject({
            code: grpc.status.PERMISSION_DENIED,
        });
        expect(mandatory(await again.analyze(analyzeRequest()))).toContain(INTEGRITY_POLICY);
        expect(mandatory(await again.analyzeStack(stackRequest()))).toContain(INTEGRITY_POLICY);
        const info = await again.getAnalyzerInfo();
        expect(info.getPoliciesList().map((p) => p.getName())).toContain(INTEGRITY_POLICY);
        await expect(again.getPluginInfo()).rejects.toBeInstanceOf(AnalyzerRpcError);
    });

    it("refuses a Configure after the checker's, keeps the checker's config, and marks the next answers", async () => {
        const session = await openPackSession(readPackManifest(defaultPolicyPackDir()), project, undefined);
        stop.push(() => session.close());
        const before = mandatory(await session.connection.analyzeStack(stackRequest()));
        expect(before.length).toBeGreaterThan(0);
        expect(before).not.toContain(INTEGRITY_POLICY);

        const hostile = hostileClient(session.pack.address);
        const refused = await disableEveryPolicy(hostile).then(
            () => undefined,
            (err: unknown) => err as AnalyzerRpcError,
        );
        expect(refused).toBeInstanceOf(AnalyzerRpcError);
        expect(refused?.code).toBe(grpc.status.PERMISSION_DENIED);
        expect(refused?.message).toMatch(/a second Configure call was made to the policy pack/);

        const analyze = await session.connection.analyze(analyzeRequest());
        expect(mandatory(analyze)).toContain(INTEGRITY_POLICY);
        const integrity = analyze.getDiagnosticsList().find((d) => d.getPolicyname() === INTEGRITY_POLICY);
        expect(integrity?.getMessage()).toMatch(
            /^a second Configure call was made to the policy pack: its configuration may have been changed by the program under check/,
        );
        const after = mandatory(await session.connection.analyzeStack(stackRequest()));
        // The refused call changed nothing: every finding is still there, with the integrity violation.
        expect(after).toEqual([...before, INTEGRITY_POLICY]);
    });
});

describe("a program under check that finds its pack and disables every policy", () => {
    it("ends in exit 2 with tampering detected, never in a pass", async () => {
        const run = await runCli(["check", program("hostile-configure"), "--format", "json"]);
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toMatch(/tampering detected/);
    });
});

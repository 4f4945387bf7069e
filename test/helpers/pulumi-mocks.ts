/**
 * Pulumi mocks that record every resource a program registers, for component tests.
 *
 *     const mocks = installPulumiMocks();           // once per test file, before importing components
 *     beforeEach(() => mocks.reset());
 *     const runtime = new AgentRuntime("a", { agentId: "a", owner: "team" });
 *     await mocks.settle();                          // every registration has reached the mocks
 *     const ns = mocks.findResource("kubernetes:core/v1:Namespace", "a");
 *     expect(ns.parentUrn).toBe(await outputValue(runtime.urn));
 *
 * Pulumi keeps the mock monitor in process-wide state, and vitest runs each test file in its own process
 * (pool: forks), so install once per file. Registered resources echo their inputs as outputs, unless
 * `outputs` says otherwise.
 */
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
    /** Type token, e.g. `kubernetes:core/v1:Namespace` or `agentguard:kubernetes:AgentRuntime`. */
    readonly type: string;
    /** Pulumi logical name. */
    readonly name: string;
    /** Inputs as the engine would receive them: Outputs resolved, unknowns and secrets unwrapped. */
    readonly inputs: Record<string, unknown>;
    readonly urn: string;
    /** URN of the parent resource; undefined for a resource parented to the stack. */
    readonly parentUrn: string | undefined;
    /** Provider reference (`<urn>::<id>`), when the resource has an explicit provider. */
    readonly provider: string | undefined;
    /** False for component resources. */
    readonly custom: boolean;
}

export interface PulumiMockOptions {
    /** @default "agentguard" */
    readonly project?: string;
    /** @default "test" */
    readonly stack?: string;
    /** Run as a preview (unknown values stay unknown). @default false */
    readonly preview?: boolean;
    /** Outputs for a registered resource. @default its inputs */
    readonly outputs?: (resource: pulumi.runtime.MockResourceArgs) => Record<string, unknown>;
    /** Result of a provider function call. @default its inputs */
    readonly call?: (call: pulumi.runtime.MockCallArgs) => Record<string, unknown>;
}

export interface PulumiMockRecorder {
    /** Every resource registered since the last `reset()`, in registration order. */
    readonly resources: readonly RecordedResource[];
    /** The one resource of `type` named `name`; throws, listing what was registered, when there is none. */
    findResource(type: string, name: string): RecordedResource;
    /** The resource of `type` named `name`, or undefined. */
    tryFindResource(type: string, name: string): RecordedResource | undefined;
    resourcesOfType(type: string): RecordedResource[];
    /** Resolves once every registration started so far has reached the mocks. */
    settle(): Promise<void>;
    /** Forgets the recorded resources (the mock monitor itself stays installed). */
    reset(): void;
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom?(): boolean;
}
type Callback = (err: unknown, response: unknown) => void;
interface MonitorMethods {
    registerResource(req: RegisterRequest, callback: Callback): unknown;
    readResource(req: RegisterRequest, callback: Callback): unknown;
    newUrn(parent: string, type: string, name: string): string;
}

export function installPulumiMocks(options: PulumiMockOptions = {}): PulumiMockRecorder {
    const resources: RecordedResource[] = [];
    // The mock monitor calls `newResource` synchronously from its request handler, so the request being
    // handled is the one whose parent we note here.
    let current: RegisterRequest | undefined;
    const installed: { monitor?: MonitorMethods } = {};

    void pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                const req = current;
                const parentUrn = req?.getParent() || undefined;
                resources.push({
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs as Record<string, unknown>,
                    urn: installed.monitor?.newUrn(req?.getParent() ?? "", args.type, args.name) ?? "",
                    parentUrn,
                    provider: args.provider || undefined,
                    custom: args.custom ?? true,
                });
                const outputs = options.outputs?.(args) ?? (args.inputs as Record<string, unknown>);
                return { id: args.custom === false ? undefined : `${args.name}-id`, state: outputs };
            },
            call: (args) => options.call?.(args) ?? (args.inputs as Record<string, unknown>),
        },
        options.project ?? "agentguard",
        options.stack ?? "test",
        options.preview ?? false,
    );
    const monitor = pulumi.runtime.getMonitor() as unknown as MonitorMethods;
    installed.monitor = monitor;
    for (const method of ["registerResource", "readResource"] as const) {
        const original = monitor[method].bind(monitor);
        monitor[method] = (req: RegisterRequest, callback: Callback) => {
            current = req;
            try {
                return original(req, callback);
            } finally {
                current = undefined;
            }
        };
    }

    const find = (type: string, name: string) => resources.find((r) => r.type === type && r.name === name);
    return {
        resources,
        findResource(type, name) {
            const found = find(type, name);
            if (found === undefined) {
                const registered = resources.map((r) => `${r.type} ${r.name}`).join(", ") || "nothing";
                throw new Error(
                    `No ${type} named ${JSON.stringify(name)} was registered; registered: ${registered}`,
                );
            }
            return found;
        },
        tryFindResource: find,
        resourcesOfType: (type) => resources.filter((r) => r.type === type),
        settle: waitForRegistrations,
        reset() {
            resources.length = 0;
        },
    };
}

/**
 * Waits until the SDK has no registration in flight. Uses the SDK's own RPC tracking (`waitForRPCs`, not
 * in its type declarations) so a test never races a registration that is still resolving its inputs. A
 * registration whose inputs failed never finishes, so this gives up after `timeoutMs`.
 */
async function waitForRegistrations(timeoutMs = 10_000): Promise<void> {
    const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
    if (typeof runtime.waitForRPCs !== "function") {
        throw new Error(
            "@pulumi/pulumi no longer exposes runtime.waitForRPCs; update test/helpers/pulumi-mocks.ts",
        );
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
            () =>
                reject(new Error(`Registrations still in flight after ${timeoutMs} ms (did an input fail?)`)),
            timeoutMs,
        );
    });
    try {
        await Promise.race([runtime.waitForRPCs(), timeout]);
    } finally {
        clearTimeout(timer);
    }
}

/**
 * Collects unhandled rejections instead of letting the test runner fail on them. Pulumi reports a resource
 * whose input Output failed (e.g. an `apply` that threw) as an unhandled rejection, which the engine turns
 * into a failed deployment; a test that expects such a failure collects it here, then calls `restore()`.
 */
export function collectUnhandledRejections(): {
    readonly errors: Error[];
    next(timeoutMs?: number): Promise<Error>;
    restore(): void;
} {
    const errors: Error[] = [];
    const previous = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    const collect = (reason: unknown) =>
        errors.push(reason instanceof Error ? reason : new Error(String(reason)));
    process.on("unhandledRejection", collect);
    return {
        errors,
        async next(timeoutMs = 10_000) {
            const deadline = Date.now() + timeoutMs;
            while (errors.length === 0) {
                if (Date.now() > deadline) throw new Error(`No unhandled rejection within ${timeoutMs} ms`);
                await new Promise((resolve) => setTimeout(resolve, 10));
            }
            return errors[0];
        },
        restore() {
            process.off("unhandledRejection", collect);
            for (const listener of previous) process.on("unhandledRejection", listener);
        },
    };
}

/**
 * The value of an Output (or any Input), as a program would see it in `apply`. Rejects with the error when
 * the Output failed, e.g. because an `apply` threw, where `apply` alone would never call back.
 */
export function outputValue<T>(value: pulumi.Input<T>): Promise<T> {
    const output = pulumi.output(value) as unknown as { promise?: () => Promise<T> };
    if (typeof output.promise === "function") return output.promise();
    return new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v as T)));
}

/** The error an Output failed with; rejects if the Output resolves to a value instead. */
export async function outputError(value: pulumi.Input<unknown>): Promise<Error> {
    try {
        const resolved = await outputValue(value);
        throw new OutputResolvedError(resolved);
    } catch (error) {
        if (error instanceof OutputResolvedError) throw error;
        return error instanceof Error ? error : new Error(String(error));
    }
}

class OutputResolvedError extends Error {
    constructor(value: unknown) {
        super(`Expected the Output to fail, but it resolved to ${JSON.stringify(value)}`);
    }
}

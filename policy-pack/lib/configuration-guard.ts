/**
 * The pack's analyzer port is open to every local process, the program under check included, and
 * @pulumi/policy applies every Configure it receives: a program could disable every policy before declaring
 * what they forbid. The engine (and agentguard check) sends exactly one ConfigureStack and one Configure, before
 * any resource, so the pack accepts exactly one of each. A later one is refused, and from then on every
 * answer of the pack carries the mandatory violation `agentguard-integrity` naming what happened, or, where
 * an answer has no place for a violation, is refused. The guard wraps handlers by RPC name only, so it works
 * with any @pulumi/policy version.
 */
import { loadFromPolicyPackage, type AnalyzerRegistration } from "./analyzer-service";

export const INTEGRITY_POLICY = "agentguard-integrity";

/** gRPC's PERMISSION_DENIED: agentguard check reads it on its own Configure as "configured by someone else". */
export const REFUSED_CODE = 7;

type Callback = (error: unknown, response?: unknown) => void;
type Handler = (this: unknown, call: unknown, callback: Callback) => unknown;

interface DiagnosticMessage {
    setPolicyname(value: string): void;
    setPolicypackname(value: string): void;
    setPolicypackversion(value: string): void;
    setDescription(value: string): void;
    setMessage(value: string): void;
    setEnforcementlevel(value: number): void;
    setSeverity?(value: number): void;
}

interface PolicyInfoMessage {
    setName(value: string): void;
    setDisplayname?(value: string): void;
    setDescription(value: string): void;
    setMessage?(value: string): void;
    setEnforcementlevel(value: number): void;
    setPolicyType?(value: number): void;
    setSeverity?(value: number): void;
}

/** The analyzer messages the guard builds (from the analyzer_pb module @pulumi/policy uses). */
export interface AnalyzerMessages {
    AnalyzeDiagnostic: new () => DiagnosticMessage;
    PolicyInfo: new () => PolicyInfoMessage;
    EnforcementLevel: { MANDATORY: number };
    PolicySeverity?: { POLICY_SEVERITY_CRITICAL?: number };
    PolicyType?: { POLICY_TYPE_STACK?: number };
}

export interface GuardOptions {
    readonly packName: string;
    readonly packVersion: string;
    readonly messages?: AnalyzerMessages;
}

const ONCE = new Set(["configure", "configureStack"]);
const RPC_NAMES: Readonly<Record<string, string>> = {
    configure: "Configure",
    configureStack: "ConfigureStack",
};

const DESCRIPTION =
    "The policy pack accepts exactly one Configure and one ConfigureStack call, from the engine or agentguard " +
    "check; a later call means something else reached its port and tried to change its configuration.";

function refusal(message: string): Error {
    return Object.assign(new Error(message), { code: REFUSED_CODE, details: message });
}

/** Guards the analyzer service's configuration; `tampering` says what happened, once something has. */
export class ConfigurationGuard {
    private readonly calls = new Set<string>();
    private readonly events: string[] = [];
    private messagesCache?: AnalyzerMessages;

    constructor(private readonly options: GuardOptions) {}

    /** Why every answer is now marked, or undefined while nothing happened. */
    get tampering(): string | undefined {
        if (this.events.length === 0) return undefined;
        return (
            `${this.events.join("; ")}: its configuration may have been changed by the program under check ` +
            "or another local process (it accepts one Configure and one ConfigureStack per run, " +
            "from the engine or agentguard check, and refused the later call). Do not trust this run's " +
            "result: look for code that connects to the pack's gRPC port, and run the check again."
        );
    }

    /** For interceptAnalyzerService: wraps every handler of the analyzer service by RPC name. */
    readonly transform = (registration: AnalyzerRegistration): AnalyzerRegistration => {
        const implementation: Record<string, unknown> = {};
        for (const [name, handler] of Object.entries(registration.implementation)) {
            implementation[name] =
                typeof handler === "function" ? this.wrap(name, handler as Handler) : handler;
        }
        return { service: registration.service, implementation };
    };

    private get messages(): AnalyzerMessages {
        return (this.messagesCache ??=
            this.options.messages ??
            loadFromPolicyPackage<AnalyzerMessages>("@pulumi/pulumi/proto/analyzer_pb"));
    }

    private wrap(name: string, handler: Handler): Handler {
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        const guard = this;
        if (ONCE.has(name)) {
            return function (this: unknown, call, callback) {
                const rpc = RPC_NAMES[name];
                if (guard.calls.has(name)) {
                    const event = `a second ${rpc} call was made to the policy pack`;
                    if (!guard.events.includes(event)) guard.events.push(event);
                    callback(refusal(`policy pack refused a second ${rpc} call: ${guard.tampering ?? ""}`));
                    return undefined;
                }
                guard.calls.add(name);
                return handler.call(
                    this,
                    call,
                    guard.marking(callback, () => undefined),
                );
            };
        }
        const mark =
            name === "analyze" || name === "analyzeStack"
                ? (response: unknown, why: string) => guard.addDiagnostic(response, why)
                : name === "getAnalyzerInfo"
                  ? (response: unknown, why: string) => guard.addPolicyInfo(response, why)
                  : () => false;
        return function (this: unknown, call, callback) {
            if (typeof callback !== "function") return handler.call(this, call, callback);
            return handler.call(this, call, guard.marking(callback, mark));
        };
    }

    /** The callback, with the answer marked (or refused, if it cannot be) when tampering happened by then. */
    private marking(
        callback: Callback,
        mark: (response: unknown, why: string) => boolean | undefined,
    ): Callback {
        return (error, response) => {
            const why = this.tampering;
            if (why === undefined) {
                callback(error, response);
                return;
            }
            let marked = false;
            if (!error) {
                try {
                    marked = mark(response, why) === true;
                } catch {
                    marked = false;
                }
            }
            if (marked) callback(null, response);
            else callback(refusal(`policy pack refuses to answer: ${why}`));
        };
    }

    private addDiagnostic(response: unknown, why: string): boolean {
        const target = response as { addDiagnostics?: (d: DiagnosticMessage) => unknown } | undefined;
        if (typeof target?.addDiagnostics !== "function") return false;
        const messages = this.messages;
        const diagnostic = new messages.AnalyzeDiagnostic();
        diagnostic.setPolicyname(INTEGRITY_POLICY);
        diagnostic.setPolicypackname(this.options.packName);
        diagnostic.setPolicypackversion(this.options.packVersion);
        diagnostic.setDescription(DESCRIPTION);
        diagnostic.setMessage(why);
        diagnostic.setEnforcementlevel(messages.EnforcementLevel.MANDATORY);
        const critical = messages.PolicySeverity?.POLICY_SEVERITY_CRITICAL;
        if (critical !== undefined) diagnostic.setSeverity?.(critical);
        target.addDiagnostics(diagnostic);
        return true;
    }

    private addPolicyInfo(response: unknown, why: string): boolean {
        const info = response as { addPolicies?: (p: PolicyInfoMessage) => unknown } | undefined;
        if (typeof info?.addPolicies !== "function") return false;
        const messages = this.messages;
        const policy = new messages.PolicyInfo();
        policy.setName(INTEGRITY_POLICY);
        policy.setDisplayname?.("Policy pack integrity");
        policy.setDescription(DESCRIPTION);
        policy.setMessage?.(why);
        policy.setEnforcementlevel(messages.EnforcementLevel.MANDATORY);
        const stack = messages.PolicyType?.POLICY_TYPE_STACK;
        if (stack !== undefined) policy.setPolicyType?.(stack);
        const critical = messages.PolicySeverity?.POLICY_SEVERITY_CRITICAL;
        if (critical !== undefined) policy.setSeverity?.(critical);
        info.addPolicies(policy);
        return true;
    }
}

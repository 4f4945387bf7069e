import * as yaml from "js-yaml";

/**
 * Answers for the few provider functions that are pure, so a program using them gets the value a real
 * preview would. Everything else has no offline answer (see the monitor).
 */
export type OfflineInvoke = (args: Record<string, unknown>) => Record<string, unknown>;

type Json = Record<string, unknown>;

function asStringList(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** A single value renders as a string, several as a list, as the AWS provider renders policy documents. */
function oneOrMany(values: string[]): string | string[] {
    return values.length === 1 ? values[0] : values;
}

function renderPrincipals(principals: unknown): Json | string | undefined {
    if (!Array.isArray(principals) || principals.length === 0) {
        return undefined;
    }
    const byType: Record<string, string[]> = {};
    for (const principal of principals as Json[]) {
        const type = String(principal.type);
        byType[type] = [...(byType[type] ?? []), ...asStringList(principal.identifiers)];
    }
    if (Object.keys(byType).length === 1 && byType["*"]?.every((id) => id === "*")) {
        return "*";
    }
    const rendered: Json = {};
    for (const [type, ids] of Object.entries(byType)) {
        rendered[type] = oneOrMany(ids);
    }
    return rendered;
}

function renderConditions(conditions: unknown): Json | undefined {
    if (!Array.isArray(conditions) || conditions.length === 0) {
        return undefined;
    }
    const rendered: Record<string, Json> = {};
    for (const condition of conditions as Json[]) {
        const test = String(condition.test);
        rendered[test] = {
            ...(rendered[test] ?? {}),
            [String(condition.variable)]: oneOrMany(asStringList(condition.values)),
        };
    }
    return rendered;
}

function renderStatement(statement: Json): Json {
    const rendered: Json = { Sid: typeof statement.sid === "string" ? statement.sid : "" };
    rendered.Effect = typeof statement.effect === "string" ? statement.effect : "Allow";
    const lists: [string, string][] = [
        ["actions", "Action"],
        ["notActions", "NotAction"],
        ["resources", "Resource"],
        ["notResources", "NotResource"],
    ];
    for (const [input, key] of lists) {
        const values = asStringList(statement[input]);
        if (values.length > 0) {
            rendered[key] = oneOrMany(values);
        }
    }
    const principal = renderPrincipals(statement.principals);
    if (principal !== undefined) {
        rendered.Principal = principal;
    }
    const notPrincipal = renderPrincipals(statement.notPrincipals);
    if (notPrincipal !== undefined) {
        rendered.NotPrincipal = notPrincipal;
    }
    const condition = renderConditions(statement.conditions);
    if (condition !== undefined) {
        rendered.Condition = condition;
    }
    return rendered;
}

/** aws.iam.getPolicyDocument from its statements; merged source/override documents are not rendered. */
export function awsIamPolicyDocument(args: Json): Json {
    if (args.sourcePolicyDocuments !== undefined || args.overridePolicyDocuments !== undefined) {
        throw new Error("sourcePolicyDocuments/overridePolicyDocuments are not rendered offline");
    }
    const doc: Json = { Version: typeof args.version === "string" ? args.version : "2012-10-17" };
    if (typeof args.policyId === "string") {
        doc.Id = args.policyId;
    }
    doc.Statement = (Array.isArray(args.statements) ? (args.statements as Json[]) : []).map(renderStatement);
    const json = JSON.stringify(doc, null, 2);
    return { ...args, id: String(json.length), json, minifiedJson: JSON.stringify(doc) };
}

/** kubernetes:yaml:decode, which the Kubernetes SDK uses to read manifests (ConfigFile, ConfigGroup). */
export function kubernetesYamlDecode(args: Json): Json {
    const text = typeof args.text === "string" ? args.text : "";
    return { result: yaml.loadAll(text).filter((doc) => doc !== null && doc !== undefined) };
}

export const OFFLINE_INVOKES: Readonly<Record<string, OfflineInvoke>> = {
    "aws:iam/getPolicyDocument:getPolicyDocument": awsIamPolicyDocument,
    "kubernetes:yaml:decode": kubernetesYamlDecode,
};

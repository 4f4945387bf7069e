/**
 * Resources whose effect the pack cannot see in their inputs: a Helm release's chart, a CloudFormation
 * template, a Cloud Control document, a dynamic provider's code, an operator's custom resource. What
 * they would create is judged here only as far as it can be read; the rest is reported, not trusted.
 */
import { isUnknown } from "./unknowns";

/** CloudFormation / Cloud Control types that grant identities power or open the network. */
const SENSITIVE_CLOUD_TYPE =
    /AWS::(IAM|SSO|IdentityStore|Organizations)::|AWS::EC2::(SecurityGroup|NetworkAcl|Route|InternetGateway|EgressOnlyInternetGateway|NatGateway|VPCEndpoint|TransitGateway)/;

export interface TemplateVerdict {
    /** Why the template is reported, or undefined when it declares nothing sensitive. */
    readonly problem?: string;
}

/** Which sensitive resource types a CloudFormation template (JSON or YAML text) declares. */
export function sensitiveTypesIn(template: string): string[] {
    const found = new Set<string>();
    const pattern = new RegExp(`(?:${SENSITIVE_CLOUD_TYPE.source})[A-Za-z]*`, "g");
    for (const match of template.matchAll(pattern)) found.add(match[0]);
    return [...found].sort();
}

/** A CloudFormation stack or stack set, judged by its template body. */
export function judgeTemplate(templateBody: unknown, templateUrl: unknown): TemplateVerdict {
    if (isUnknown(templateBody)) {
        return { problem: "its templateBody is unknown during preview, so what it creates cannot be read" };
    }
    if (typeof templateBody === "string" && templateBody.trim() !== "") {
        const types = sensitiveTypesIn(templateBody);
        return types.length === 0
            ? {}
            : {
                  problem: `its template declares ${types.join(", ")}, which the pack does not analyse inside templates`,
              };
    }
    if (templateUrl !== undefined && templateUrl !== null && templateUrl !== "") {
        const shown = isUnknown(templateUrl) ? "an unknown URL" : JSON.stringify(templateUrl);
        return { problem: `its template is fetched from ${shown}, so what it creates cannot be read` };
    }
    return {};
}

/** A Cloud Control resource, judged by its type name. */
export function judgeCloudControl(typeName: unknown): TemplateVerdict {
    if (isUnknown(typeName) || typeof typeName !== "string") {
        return { problem: "its typeName is unknown during preview, so what it creates cannot be read" };
    }
    return SENSITIVE_CLOUD_TYPE.test(typeName)
        ? { problem: `it creates ${typeName}, which the pack does not analyse through Cloud Control` }
        : {};
}

/** Fields that give a pod host access or privilege, wherever they sit in a custom resource's spec. */
const HOST_ACCESS_KEYS: Readonly<Record<string, (value: unknown) => boolean>> = {
    hostNetwork: (v) => v === true,
    hostPID: (v) => v === true,
    hostIPC: (v) => v === true,
    hostPath: (v) => v !== undefined && v !== null,
    privileged: (v) => v === true,
    allowPrivilegeEscalation: (v) => v === true,
    add: (v) => Array.isArray(v) && v.length > 0,
};

/**
 * Host-access fields anywhere in a custom resource (operators turn them into pods: Argo workflows, Ray
 * clusters, Spark applications). A field whose value is unknown during preview counts: it may be set.
 */
export function hostAccessPaths(value: unknown, path = "spec", depth = 0): string[] {
    if (depth > 20 || value === null || typeof value !== "object") return [];
    if (Array.isArray(value)) {
        return value.flatMap((item, i) => hostAccessPaths(item, `${path}[${i}]`, depth + 1));
    }
    const found: string[] = [];
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
        const childPath = `${path}.${key}`;
        const risky = HOST_ACCESS_KEYS[key];
        if (risky && (key !== "add" || path.endsWith("capabilities"))) {
            if (isUnknown(child)) found.push(`${childPath} (unknown during preview)`);
            else if (risky(child)) found.push(`${childPath}: ${JSON.stringify(child)}`);
        }
        found.push(...hostAccessPaths(child, childPath, depth + 1));
    }
    return found;
}

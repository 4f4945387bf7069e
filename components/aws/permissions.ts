import * as pulumi from "@pulumi/pulumi";
import {
    IamDocumentError,
    ROLE_ASSUMPTION_ACTIONS,
    analyzeGrants,
    expandActionPattern,
} from "../../core/iam";
import { argumentError, describe, fail, isPlain } from "../args";

/** An identity policy statement in IAM JSON shape; resources and conditions may be Outputs. */
export interface AgentPolicyStatement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action?: string | readonly string[];
    readonly NotAction?: string | readonly string[];
    readonly Resource?: pulumi.Input<string> | readonly pulumi.Input<string>[];
    readonly NotResource?: pulumi.Input<string> | readonly pulumi.Input<string>[];
    readonly Condition?: pulumi.Input<Record<string, unknown>>;
}

const SOURCE = "statements";
/** Stands in for a resource ARN that is not known yet; it has no wildcard, so the check is redone on resolution. */
const PENDING_ARN = "arn:aws:agentguard:::pending-output";
const PENDING_CONDITION = { StringEquals: { "agentguard:pending-output": "true" } };

/**
 * Checks the statements with what is known now: the grant's shape (Effect, Action, NotAction) must be plain
 * values; pending resources are assumed exact and pending conditions make a Deny untrusted, and
 * {@link checkResolvedStatements} checks again once they resolve.
 */
export function checkStatementsNow(component: string, statements: unknown): void {
    if (statements === undefined) return;
    if (!Array.isArray(statements))
        fail(component, "statements", statements, "expected an array of IAM statements");
    const known = statements.map((statement: unknown, i) => knownShape(component, statement, i));
    checkResolvedStatements(component, known);
}

function knownShape(component: string, statement: unknown, i: number): Record<string, unknown> {
    const arg = `statements[${i}]`;
    if (
        !isPlain(statement) ||
        statement === null ||
        typeof statement !== "object" ||
        Array.isArray(statement)
    ) {
        fail(
            component,
            arg,
            statement,
            "expected a plain statement object (its Resource and Condition may be Outputs)",
        );
    }
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(statement as Record<string, unknown>)) {
        if (key === "Principal" || key === "NotPrincipal") {
            fail(
                component,
                `${arg}.${key}`,
                value,
                "an identity policy has no principal: the role is the principal",
            );
        }
        if (key === "Resource" || key === "NotResource") {
            out[key] = Array.isArray(value) ? value.map(pendingArn) : pendingArn(value);
        } else if (key === "Condition") {
            out[key] = isPlain(value) ? value : PENDING_CONDITION;
        } else {
            if (!isPlain(value) || (Array.isArray(value) && !value.every(isPlain))) {
                fail(
                    component,
                    `${arg}.${key}`,
                    "<Output>",
                    "Sid, Effect, Action and NotAction must be plain values, checked before deployment",
                );
            }
            out[key] = value;
        }
    }
    return out;
}

function pendingArn(value: unknown): unknown {
    return isPlain(value) ? value : PENDING_ARN;
}

const ALLOWED_GRANTS =
    "specific data-plane actions on specific resources; role assumption only of exact role ARNs";

/** The identity policy document for resolved statements, after rejecting every forbidden grant. */
export function checkResolvedStatements(component: string, statements: readonly unknown[]): object {
    const document = { Version: "2012-10-17", Statement: [...statements] };
    let findings;
    try {
        findings = analyzeGrants([{ source: SOURCE, document }]);
    } catch (err) {
        if (err instanceof IamDocumentError) fail(component, "statements", describe(statements), err.message);
        throw err;
    }
    if (findings.length > 0) {
        const lines = findings.map((f) => `  - [${f.category}] ${f.message}`);
        throw argumentError(
            { component, argument: "statements", value: statements, allowed: ALLOWED_GRANTS },
            `${component}: statements grant what an agent role may not hold:\n${lines.join("\n")}\n` +
                `Allowed: ${ALLOWED_GRANTS}.`,
        );
    }
    return document;
}

/** Exact role ARNs the statements allow assuming (wildcards were rejected): exempted in the boundary. */
export function assumableRoleArns(statements: readonly Record<string, unknown>[]): string[] {
    const assumeActions = new Set(ROLE_ASSUMPTION_ACTIONS);
    const arns = new Set<string>();
    for (const statement of statements) {
        if (statement.Effect !== "Allow") continue;
        const actions = ([] as unknown[]).concat(statement.Action ?? []);
        const assumes = actions.some(
            (a) => typeof a === "string" && expandActionPattern(a).some((x) => assumeActions.has(x)),
        );
        if (!assumes) continue;
        for (const resource of ([] as unknown[]).concat(statement.Resource ?? [])) {
            if (typeof resource === "string" && /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\//.test(resource))
                arns.add(resource);
        }
    }
    return [...arns].sort();
}

/** The statements once every Output in them resolved, checked again; fails with the forbidden grants. */
export function resolvedStatementsOutput(
    component: string,
    statements: readonly AgentPolicyStatement[],
): pulumi.Output<Record<string, unknown>[]> {
    return pulumi.output(statements as unknown as pulumi.Input<unknown[]>).apply((resolved) => {
        checkResolvedStatements(component, resolved);
        return resolved as Record<string, unknown>[];
    });
}

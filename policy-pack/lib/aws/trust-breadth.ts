import { readJsonDocument } from "../../../core/aws/json-document";
import {
    admittedSubjects,
    allowStatements,
    isOidcCapable,
    type TrustPrincipal,
    type TrustStatement,
} from "../../../core/aws/trust-policy";

const ACCOUNT_ROOT = /^(?:arn:[^:]+:iam::(\d{12}):root|(\d{12}))$/;

/**
 * Why a trust policy lets more than one known workload assume the role; empty when every Allow
 * statement names an exact service account, a service principal or a specific IAM principal.
 */
export function broadTrustProblems(assumeRolePolicy: unknown): string[] {
    const trust = readJsonDocument(assumeRolePolicy);
    if (trust.kind === "unknown") {
        return [
            "the trust policy (assumeRolePolicy) is unknown during preview, so who may assume the role cannot be checked",
        ];
    }
    if (trust.kind === "invalid") return [`the trust policy (assumeRolePolicy) is ${trust.error}`];
    return allowStatements(trust.document).flatMap(statementProblems);
}

function statementProblems(statement: TrustStatement): string[] {
    const where = `trust statement ${statement.sid ? `"${statement.sid}"` : statement.index}`;
    if (statement.notPrincipal) {
        return [
            `${where} uses NotPrincipal with Allow, which lets every principal not listed assume the role`,
        ];
    }
    const problems = statement.principals.flatMap((p) => principalProblems(p, where));
    if (statement.principals.some((p) => p.kind === "Federated" && isOidcCapable(p))) {
        problems.push(...subjectProblems(statement, where));
    }
    return problems;
}

function principalProblems(principal: TrustPrincipal, where: string): string[] {
    const { kind, value } = principal;
    if (kind === "*")
        return [`${where} admits Principal "*": any AWS principal or web identity can assume the role`];
    if (value === undefined) return [`${where} has a ${kind} principal that is unknown during preview`];
    if (value.includes("*")) return [`${where} admits wildcard ${kind} principal "${value}"`];
    const root = ACCOUNT_ROOT.exec(value);
    if (kind === "AWS" && root) {
        return [
            `${where} trusts the root of account ${root[1] ?? root[2]} ("${value}"), which delegates the role to ` +
                `every principal of that account`,
        ];
    }
    return [];
}

function subjectProblems(statement: TrustStatement, where: string): string[] {
    const subjects = admittedSubjects(statement);
    if (subjects.kind === "any")
        return [`${where} admits any service account of the OIDC provider: ${subjects.why}`];
    if (subjects.kind === "unknown")
        return [`${where}: ${subjects.why}, so the admitted service account cannot be checked`];
    return subjects.patterns
        .filter((p) => p.wildcard)
        .map((p) => `${where} admits wildcard service-account subject "${p.text}" (${p.operator} on :sub)`);
}

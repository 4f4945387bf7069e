export type IamRiskCategory =
    | "all-actions"
    | "permissions-management"
    | "credentials"
    | "role-assumption"
    | "privilege-escalation"
    | "network-tampering"
    | "audit-tampering"
    | "not-action-allow"
    /** An Allow names a service the catalogue does not know: what it grants cannot be judged (fail closed). */
    | "unknown-service";

export interface IamFinding {
    readonly source: string;
    readonly statementIndex: number;
    readonly sid?: string;
    /** The action or pattern as written in the statement (`NotAction [...]` for NotAction grants). */
    readonly action: string;
    readonly category: IamRiskCategory;
    readonly message: string;
}

/** A policy document and a human name for where it comes from ("inline policy agent-x", an ARN...). */
export interface SourcedDocument {
    readonly source: string;
    readonly document: unknown;
}

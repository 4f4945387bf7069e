/** A problem found on one resource. `urn` is the resource to blame. */
export interface Finding {
    readonly urn: string;
    readonly name: string;
    readonly message: string;
    /**
     * A stable code naming the kind of problem (`egress/metadata`, `onward/shared-proxy`): exemptions can waive
     * one kind (`code` in an exemption), and the message shown to users starts with `[<code>] `.
     */
    readonly code?: string;
}

/** The message as users see it: prefixed with `[<code>] ` when the finding has a code. */
export function codedMessage(finding: Pick<Finding, "message" | "code">): string {
    return finding.code === undefined ? finding.message : `[${finding.code}] ${finding.message}`;
}

/** A problem found on one resource. `urn` is the resource to blame. */
export interface Finding {
    readonly urn: string;
    readonly name: string;
    readonly message: string;
}

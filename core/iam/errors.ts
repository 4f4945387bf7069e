/** A policy document that IAM itself would reject, or that cannot be read safely. */
export class IamDocumentError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "IamDocumentError";
    }
}

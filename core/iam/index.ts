export { IamDocumentError } from "./errors";
export { type NormalizedStatement, normalizePolicyDocument, readableDocuments } from "./document";
export {
    type CatalogAction,
    type PatternExpansion,
    allCatalogActions,
    canonicalName,
    catalogServices,
    describeActionPattern,
    expandActionPattern,
    isKnownService,
    lookupAction,
} from "./catalog";
export type { IamFinding, IamRiskCategory, SourcedDocument } from "./types";
export {
    type ActionFamily,
    ADMIN_ROLE_NAME_PATTERNS,
    AUDIT_TAMPERING_PATTERNS,
    CREDENTIAL_ACTIONS,
    CREDENTIAL_NAME_PATTERN,
    CREDENTIAL_WATCH_PATTERN,
    NON_PRODUCING_VERB,
    NOT_CREDENTIALS,
    OBJECT_DELETION_ACTIONS,
    EXTRA_PERMISSIONS_MANAGEMENT_ACTIONS,
    NETWORK_TAMPERING_PATTERNS,
    PASS_ROLE,
    ROLE_ASSUMPTION_ACTIONS,
    ROLE_RUNNING_COMPUTE_PATTERNS,
    ROOT_SESSION_ACTIONS,
    STANDALONE_ESCALATION_ACTIONS,
    classifyAction,
    dangerousCatalogActions,
    namesAdminRole,
} from "./families";
export { type AnalyzeOptions, analyzeGrants } from "./analyze";
export {
    AWS_MANAGED_POLICY_FINDINGS,
    AWS_MANAGED_SAFE_READ_ONLY,
    type ManagedPolicyFinding,
    type ManagedPolicyVerdict,
    judgeManagedPolicyArn,
} from "./managed-policies";
export {
    type AgentBoundaryOptions,
    MANAGED_POLICY_MAX_CHARS,
    buildAgentGuardrailPolicies,
    buildAgentPermissionsBoundary,
    policySize,
} from "./boundary";
export { compressActions } from "./compress-actions";

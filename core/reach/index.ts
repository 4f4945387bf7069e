export type { ReachResource, Field } from "./resource";
export {
    containmentMarks,
    type ContainmentMark,
    containmentNamespaces,
    containmentResources,
    tripwiresByIdentity,
} from "./containment";
export { decodeResource, POD_RUNNING_KINDS, type DecodedNode, type NodeKind } from "./decode";
export { type EdgeKind, RUN_AS_ON_TARGET, TARGET_ACTIONS } from "./actions";
export {
    type AgentSeed,
    buildReachGraph,
    type Closure,
    type GraphNode,
    type KubernetesTamper,
    type PodCreator,
    type ReachEdge,
    type ReachFinding,
    type ReachGraph,
    type ReachOptions,
    type ReachOutcome,
} from "./graph";
export {
    CATEGORY_LABEL,
    type ForbiddenGrant,
    judgePrincipal,
    type PrincipalPermissions,
    type PrincipalVerdict,
} from "./verdict";
export {
    describeAgent,
    describeOutcome,
    formatReachPath,
    formatStep,
    type ReachFindingData,
    reachFindingData,
} from "./format";
export {
    type ClosureData,
    closureData,
    type ReachFindingPath,
    type ReachPathData,
    type ReachStepData,
} from "./paths";

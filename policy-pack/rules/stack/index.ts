import type { Policies } from "@pulumi/policy";
import { stackForbidAgentCredentialPaths } from "./stack-forbid-agent-credential-paths";
import { stackForbidAgentEgressPaths } from "./stack-forbid-agent-egress-paths";
import { stackForbidAgentEscapePaths } from "./stack-forbid-agent-escape-paths";
import { stackForbidOpaqueResources } from "./stack-forbid-opaque-resources";

export const stackRules: Policies = [
    stackForbidOpaqueResources,
    stackForbidAgentEgressPaths,
    stackForbidAgentCredentialPaths,
    stackForbidAgentEscapePaths,
];

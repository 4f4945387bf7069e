import { defineReachRule } from "../../lib/reach-rule";

export const stackForbidAgentCredentialPaths = defineReachRule(
    {
        name: "stack-forbid-agent-credential-paths",
        description:
            "An agent identity must not reach, through the reach graph, secrets, keys or credentials that are not its own: Secrets Manager secrets, SSM parameters, KMS keys and Kubernetes Secrets (read through RBAC or mounted by pods it can create), whether granted by its own policies or by a resource policy that names it or everyone. On Kubernetes: pods it may create outside agent namespaces may mount every Secret and service account token there (always a finding), and a service account it becomes (pods, minted tokens, impersonation, exec) must not read Secrets through its own bindings; the agent's own RBAC grants on secrets are reported by kubernetes-forbid-agent-rbac-escalation alone.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Follow the printed path and cut it at one edge: scope the agent's read grants and RBAC rules to its own secrets (tagged with its agent id, in its own namespace), and give resource policies a principal that is not the agent (or a condition that excludes it).",
    },
    "credentials",
    "Cut one edge of the path, or mark the secret as the agent's own if it is.",
);

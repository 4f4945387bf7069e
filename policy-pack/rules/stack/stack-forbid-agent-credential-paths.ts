import { defineReachRule } from "../../lib/reach-rule";

export const stackForbidAgentCredentialPaths = defineReachRule(
    {
        name: "stack-forbid-agent-credential-paths",
        description:
            "An agent identity must not reach, in any number of steps of the reach graph, a secret, key or credential that is not its own. On AWS: a Secrets Manager secret, an SSM SecureString parameter (or one of unknown type) or a KMS key (kms:Decrypt) read through the agent's grants, a role or compute it can act as, or a resource policy (secret or key policy) that names it by ARN (any path or case, or an assumed-role session), names everyone (Principal `*`) or uses NotPrincipal, unless the policy's Condition certainly excludes it. A resource is the agent's own when tagged `agentguard.io/agent` with the agent's id (that tag's value on the agent role or user); an agent identity without a known id owns none. A grant on a pattern that covers secrets outside the stack is reported as possible (certain for `*`), unless a `StringEquals` Condition on the resource's `agentguard.io/agent` tag limits it to the agent's own id and the agent cannot write tags on secrets, parameters or keys. Conditions are evaluated on what the stack knows of the principal (ARN, account, tags, type): organization ids, source accounts and request keys are taken as satisfiable. Still accepted: SSM String and StringList parameters (configuration, unless their value is computed from an access key, login profile, secret version or generated password), reads the direct rules already reject (statements granting every action), grants to the account root (delegation to identity policies, judged there), a secret or key policy unknown during preview that is computed from no role or user of the stack (judged at the next preview, once known). On Kubernetes: pods it may create outside agent namespaces may mount every Secret and service account token there (always a finding), and a service account it becomes (pods, minted tokens, impersonation, exec) must not read Secrets through its own bindings; the agent's own RBAC grants on secrets are reported by kubernetes-forbid-agent-rbac-escalation alone.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Follow the printed path and cut it at one edge: scope the agent's read grants and RBAC rules to its own secrets (tagged with its agent id, in its own namespace), and give resource policies a principal that is not the agent (or a condition that excludes it).",
    },
    "credentials",
    "Cut one edge of the path, or mark the secret as the agent's own if it is.",
);

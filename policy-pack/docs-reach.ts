import type { Policies } from "@pulumi/policy";
import { OUTCOME_CODE, OUTCOME_MEANING, type ReachOutcomeKind } from "../core/reach/outcomes";
import { ruleCodes } from "./lib/rule";
import {
    containmentResourceArnPatterns,
    CONTAINMENT_NAME_PREFIX,
    CONTAINMENT_TAG,
} from "../core/containment";
import { launchActionsWithPassRole, TARGET_ACTIONS } from "../core/reach/actions";
import { POD_RUNNING_KINDS } from "../core/kubernetes/pod-running-kinds";
import { REACHED_SERVICE_ROLE_POLICIES } from "../core/reach/verdict";

/**
 * The reach graph's section of docs/rules.md: the prose says what the graph is and what it judges; the
 * tables of edge actions come from core/reach's own lists, so the page cannot drift from the code.
 */
export function renderReachGraphSection(rules: Policies): string[] {
    // The rule that declares a code reports its findings.
    const reporter = (code: string) =>
        rules.find((rule) => code in ruleCodes(rule))?.name ?? "no rule of the pack (a bug)";
    const byEdge = new Map<string, Map<string, string[]>>();
    for (const { action, edge, target, containmentOnly } of TARGET_ACTIONS) {
        // Containment-only tamper actions have their own table.
        if (containmentOnly) continue;
        let targets = byEdge.get(edge);
        if (!targets) byEdge.set(edge, (targets = new Map()));
        const list = targets.get(target);
        if (list) list.push(action);
        else targets.set(target, [action]);
    }
    const actionRows = [...byEdge].flatMap(([edge, targets]) =>
        [...targets].map(
            ([target, actions]) => `| ${edge} | ${target} | ${actions.map((a) => `\`${a}\``).join(", ")} |`,
        ),
    );
    const containmentKinds = new Map<string, { actions: string[]; accountWide: string[] }>();
    for (const { action, target, containmentOnly, accountWide } of TARGET_ACTIONS) {
        if (!containmentOnly && target !== "event-rule") continue;
        let kind = containmentKinds.get(target);
        if (!kind) containmentKinds.set(target, (kind = { actions: [], accountWide: [] }));
        (accountWide ? kind.accountWide : kind.actions).push(`\`${action}\``);
    }
    const containmentRows = [...containmentKinds].map(
        ([target, { actions, accountWide }]) =>
            `| ${target} | ${actions.join(", ")}${accountWide.length > 0 ? `; on \`*\` only: ${accountWide.join(", ")}` : ""} |`,
    );
    const services = new Map<string, string[]>();
    for (const { action, service } of launchActionsWithPassRole()) {
        const key = service ?? "any service (not checked)";
        const list = services.get(key);
        if (list) list.push(action);
        else services.set(key, [action]);
    }
    const launchRows = [...services].map(
        ([service, actions]) => `| ${service} | ${actions.map((a) => `\`${a}\``).join(", ")} |`,
    );
    return [
        "",
        "## The reach graph",
        "",
        "Four rules judge what an agent can make happen, not which actions it holds. The pack builds one typed",
        "graph per stack (`core/reach`, from the same resources every rule sees) and walks it breadth-first from",
        "every agent role and user (identified as for every AWS rule: tag, IRSA or Pod Identity trust of an agent",
        "namespace, agent-tagged compute that runs as it, role chaining) and from every RoleBinding or",
        "ClusterRoleBinding of agent service accounts. Where the walk ends decides the finding, its stable code",
        "(usable in an exemption's `code`) and the rule that reports it; `report` shows each agent's closure and",
        "`review` diffs it (a new path is Tier 3):",
        "",
        "| Outcome at the end of the path | Code | Rule |",
        "| --- | --- | --- |",
        ...(Object.keys(OUTCOME_CODE) as ReachOutcomeKind[]).map(
            (kind) =>
                `| ${OUTCOME_MEANING[kind]} | \`${OUTCOME_CODE[kind]}\` | ${reporter(OUTCOME_CODE[kind])} |`,
        ),
        "",
        "Each finding prints its path, for example:",
        "",
        "```",
        "agent analyst (role agent-analyst) → lambda:UpdateFunctionCode on Lambda function report-builder →",
        "runs as role reporting → AdministratorAccess grants * (every action, IAM write included)",
        "```",
        "",
        "**Nodes.** Principals: IAM roles and users, and Kubernetes service accounts (`namespace/name`). Compute",
        "that runs code as a principal: Lambda functions, EC2 instances and launch templates (through their",
        "instance profile), ECS task definitions, Batch job definitions, CodeBuild projects, Glue jobs,",
        "SageMaker notebooks and their lifecycle configurations, App Runner services, Bedrock AgentCore",
        `runtimes, CloudFormation stacks (their service role), Step Functions state machines, and Kubernetes workloads of these kinds, in any API group: ${[...POD_RUNNING_KINDS].join(", ")}`,
        "(their service accounts and images are read wherever the kind nests its pod templates). ECR",
        "repositories. Secrets and keys: Secrets Manager secrets, SSM parameters, KMS keys. Audit and",
        "containment: CloudTrail trails, log groups, EventBridge rules, GuardDuty detectors, SNS topics,",
        "CloudWatch alarms, EKS access entries, and automated containment's Kubernetes hold (below).",
        "",
        "**Edges.**",
        "",
        "| Edge | From → to | Created by |",
        "| --- | --- | --- |",
        "| assume | principal → role | the role's trust policy names the principal (ARN, or the dependency recorded when the ARN is unknown); or `sts:AssumeRole` on a role that trusts the account, everyone, or an unknown principal (a trust statement whose Condition certainly excludes the principal admits nothing); IRSA trust subjects and Pod Identity associations (service account → role) |",
        "| run-as | principal → compute | one of the actions below on the compute (no `iam:PassRole` needed) |",
        "| run-as | principal → role | `iam:PassRole` on the role together with a launch action below whose service the role trusts |",
        "| run-as | agent service accounts → any service account of a namespace | a RoleBinding outside agent namespaces, or a ClusterRoleBinding (every namespace), whose role may create pods, pod controllers or the custom resources above (the start of such a path is the binding; `kubernetes-forbid-agent-rbac-escalation` also rejects it on its own, the path adds the IAM role it reaches) |",
        "| runs-as | compute → principal | the compute's role property (`role`, `taskRoleArn`, `serviceRole`, instance profile...) |",
        "| run-as | principal → compute | `s3:PutObject` (granted to the principal, or by the bucket policy) on an object the compute loads and runs: a Glue job's script and `--extra-py-files`/`--extra-jars`, a CodeBuild project's S3 source or S3 buildspec, an AgentCore runtime's code bundle (an unknown location counts as any key of the stack bucket it was computed from) |",
        "| push-image / pulled-by | principal → repository → compute | `ecr:PutImage` on the repository, granted to the principal or by the repository's policy; the compute's image URI names it or depends on it |",
        "| configures | lifecycle configuration → notebook | the notebook's `lifecycleConfigName` |",
        "| read-secret | principal → secret | the actions below, or a secret policy (`secretsmanager:GetSecretValue`) or key policy (`kms:Decrypt`) that names the principal or everyone |",
        "| tamper | principal → audit or containment resource | the actions below |",
        "",
        "| Edge | On | Actions |",
        "| --- | --- | --- |",
        ...actionRows,
        "",
        "Launch actions that run code as a passed role (`iam:PassRole` on that role), and the service principal",
        "the role must trust for the launch to work:",
        "",
        "| Service the role trusts | Actions |",
        "| --- | --- |",
        ...launchRows,
        "",
        "**Automated containment.** One notion, in `core/reach/containment.ts`, read by this graph, by `report`",
        "(coverage per agent) and by `review` (any change to containment is Tier 3). A resource is containment",
        `when it is an AgentContainment or one of its children, is tagged or labelled \`${CONTAINMENT_TAG}\`, has a`,
        `name starting with \`${CONTAINMENT_NAME_PREFIX}\` (any name-like property: name, rule, function, role, log`,
        "group, topic, alarm, principal ARN), maps or binds the containment Kubernetes group, is a hand-built",
        "tripwire (an EventBridge rule whose pattern names an agent role's sessions and invokes a Lambda",
        "function), or attaches to one of those by dependency or by name (targets, permissions, policies, filters,",
        "subscriptions, alarms, access entries, bindings); the Lambda functions containment targets invoke, and the",
        "roles they run as, are containment too. For the graph, an EventBridge rule is containment too",
        "when its pattern matches GuardDuty, Security Hub, CloudTrail API calls, Config, Access Analyzer and",
        "similar sources, or when its pattern is unknown during preview but computed from an agent role (a",
        "tripwire); any other unknown pattern only may be (the path says `may`). A finding says `it is automated",
        "containment (<why>)`. Tamper edges to containment, by kind (the function and its role only when they are",
        "containment; EventBridge rules only when they are containment or may be):",
        "",
        "| Containment kind | Tamper actions |",
        "| --- | --- |",
        ...containmentRows,
        "",
        "A grant's Resource is matched against the resource's ARN (known, or by its name when the ARN is not",
        "known yet). `lambda:InvokeFunction` counts: a forged event makes the function contain another agent.",
        "Account-wide actions (IAM checks them on `*`) reach every containment resource of their kind when",
        "granted on `*` or through NotResource, and only a Deny on `*` removes them; `cloudwatch:PutMetricData`",
        "is left out when a `cloudwatch:namespace` condition (StringEquals/StringLike) names other namespaces.",
        "`AgentRole`'s guardrail `DenyContainmentTampering` denies every action on these ARN patterns, in every",
        "partition, so it removes the edges above; its `DenyContainmentMetrics` (PutMetricData on `*` when",
        "`cloudwatch:namespace` is like `agentguard/containment*`) is the one conditional Deny the graph reads.",
        "Account-wide `logs:*ResourcePolicy` stay with the direct rule (permissions management). The patterns:",
        "",
        ...containmentResourceArnPatterns().map((p) => `- \`${p}\``),
        "",
        "Kubernetes: a binding of agent service accounts whose role may `delete`, `patch`, `update`, `bind` or",
        "`escalate` containment's RoleBinding (in the namespace the binding applies to) or ClusterRole (through a",
        "ClusterRoleBinding), or `update`, `patch` or `delete` ResourceQuotas in a namespace containment holds at",
        "pods=0, has a tamper edge to it (resourceNames narrow it when they name other objects).",
        "`kubernetes-forbid-agent-rbac-escalation` already rejects those grants on their own, so the path is",
        "shown in `report` and diffed in `review`, not reported twice.",
        "",
        "**Which resources a grant covers.** A statement's Resource ARNs are matched against the stack's own",
        "resources: by ARN when known, else by name (partition, region and account left open), with an",
        "autonamed resource matching `<logical name>-*` and an unknown name matching anything of its kind (a",
        "guess: the path says `may be`). NotResource, or no Resource, covers everything. An exact ARN that no",
        "stack resource matches, or a wildcard that also covers resources outside the stack, is an edge to",
        "something the graph cannot judge.",
        "",
        "**What is judged on the closure.** Each of these is a mandatory finding on the agent's role or user:",
        "",
        "1. The agent reaches, in one step or more, a principal that is not itself an agent identity and whose own",
        "   grants hold a forbidden family (core/iam): IAM write, credential creation, role assumption on any",
        "   role, privilege escalation, network or audit tampering, all actions or NotAction. The path ends with",
        "   the grant.",
        "2. It reaches a principal whose permissions cannot be judged (unknown or invalid documents, unlisted",
        "   AWS managed policies), or compute whose role cannot be resolved: fail closed, naming what was unknown.",
        "   Common service-role policies a reached role may hold are known to carry no forbidden family",
        `   (${Object.keys(REACHED_SERVICE_ROLE_POLICIES).join(", ")}).`,
        "3. A run-as, push-image or tamper grant names a resource outside the stack (an exact ARN that is not",
        "   declared, or a wildcard for an action no direct rule already forbids): what it runs as cannot be known.",
        "4. It may tamper with an audit or containment resource (for example `events:DisableRule` on a rule that",
        "   routes GuardDuty findings to containment).",
        "",
        "Another agent identity on the path ends that path: the direct rules judge its grants, and its own closure",
        "is walked from it. A role that is an agent role only because an agent may assume it (role chaining) is",
        "walked through instead, so the path starts at, and is reported on, the agent that holds the grant.",
        "Reaching a principal without forbidden grants (the agent's own tool role, a role that only reads data)",
        "is no finding, so changing compute that runs as it is allowed. The other outcomes (open egress, inbound",
        "channels, credentials, host access, GPUs, cluster plumbing) are described in the sections below.",
        "",
        "**Division of labour with `aws-restrict-agent-iam-grants`.** The direct rule judges the agent's own",
        "grants. A run-as action from the table above granted on exact resources only (no wildcard, no",
        "NotResource) is left to the graph, which judges it on the role the resource runs as; on wildcards it",
        "stays a direct finding, and the graph adds paths only when they name a privileged principal.",
        "`iam:PassRole` stays IAM write for the direct rule; the graph adds which role it hands over. Audit",
        "tampering actions that core/iam already classifies (CloudTrail, log deletion, GuardDuty), and",
        "permissions management on containment (`iam:PutRolePolicy` on its role, `lambda:AddPermission`,",
        "`sns:SetTopicAttributes`), are reported once, by the direct rule.",
        "",
        "**Still accepted, and why.**",
        "",
        "- Read-secret edges end in a credentials finding (`stack-forbid-agent-credential-paths`) unless the",
        "  secret, SecureString parameter or key is the agent's own: tagged `agentguard.io/agent` with the id the",
        "  agent role or user carries in that tag (an agent without a known id owns none). SSM String and",
        "  StringList parameters are configuration, not judged, unless their value is computed from a credential",
        "  (an access key, login profile, secret version or generated password). A read granted by a statement of every action is",
        "  already the direct rule's; a read on a pattern that covers secrets outside the stack is a possible",
        "  finding (certain for `*`); `secret:<name>-??????` with partition, region and account written out",
        "  names one secret (the six characters Secrets Manager appends). A read limited by attribute-based access (a `StringEquals` Condition on",
        "  `aws:ResourceTag/agentguard.io/agent` or `<service>:ResourceTag/agentguard.io/agent`, with ids or",
        "  `${aws:PrincipalTag/agentguard.io/agent}`) reaches only resources tagged with those ids, unless the",
        "  reader's own grants may write tags on secrets, parameters or keys (it could claim any of them).",
        "- Reaching a role that reads more data than the agent (but holds no forbidden family) is not judged",
        "  here: the graph asks about escalation, not data reach.",
        "- Layer uploads without `ecr:PutImage`: no tag can point at the new content, so nothing runs it.",
        "- `ecs:RunTask` and `ecs:UpdateService` on an existing task definition: AWS checks `iam:PassRole` for the",
        "  task role, so they are launch actions (above), not run-as edges on their own.",
        "- Routes of AWS compute are judged on the graph (below); Kubernetes Secrets read through RBAC are too",
        "  (see Kubernetes on the graph, below); `ecs:ExecuteCommand` into running tasks is not (the direct rule",
        "  forbids it on its own).",
        "- A code location unknown during preview and not computed from a bucket of the stack is not followed;",
        "  nor are objects a function or instance reads at run time (configuration, parameters) rather than runs.",
        "- Conditions of identity-policy Allows (including `iam:PassedToService`) remove an edge only when they",
        "  certainly exclude the principal itself. Conditions of trust and resource policies are evaluated",
        "  (core/iam/conditions.ts) for the principal asking, on what",
        "  the stack knows of the requesting principal: its ARN, account, type and tags (unknown when its trust",
        "  lets callers tag their session). Only a Condition that certainly excludes it removes the edge; one",
        "  that may hold makes the edge a guess. Organization ids, source accounts and request keys (source IP,",
        "  request tags, time, MFA, service keys) count as satisfiable. An unconditional Deny removes an edge only",
        "  when its Resource certainly covers what the Allow granted (the same exact ARN, or a pattern open in",
        "  partition, region and account): the graph keeps more edges rather than fewer.",
        "- Resource policies are edges: ECR repository policies (push), Secrets Manager secret policies and KMS",
        "  key policies (read), KMS grants (`aws.kms.Grant`: its operations for its grantee; CreateGrant counts as",
        "  Decrypt), S3 bucket policies (`s3:PutObject` on code a compute resource runs). Principals:",
        "  `*`, or a literal ARN of a stack role or user (any path or case, or an assumed-role session); an",
        "  account root only delegates to IAM policies; NotPrincipal and an unknown principal may be anyone (a",
        "  guess). A policy unknown during preview is a guess for the stack principals it was computed from (a",
        "  repository policy: for anyone); one computed from no role or user is judged at the next preview, once",
        "  known, as `aws-restrict-agent-resource-policies` does. A policy on a resource outside the stack is not",
        "  followed; other resource policies (logs, topics, queues) are judged by",
        "  `aws-restrict-agent-resource-policies` only.",
    ];
}

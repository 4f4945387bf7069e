import { describe, expect, it } from "vitest";
import {
    admissionRequest,
    clusterObject,
    DEPLOYER,
    RANDOM_ADMIN,
    REFS,
    serviceAccount,
    type Requester,
} from "./fixtures";
import { expressionsNeverSeen, specsFor } from "./policies";
import { admit, type AdmissionOutcome } from "./vap-evaluator";

const specs = specsFor();
const policy = specs.guardrailIntegrity;
const AGENT = serviceAccount("agent-a");

type Rule = { apiGroups?: string[]; resources?: string[]; verbs?: string[] };

const DELETE_POLICIES: Rule = {
    apiGroups: ["admissionregistration.k8s.io"],
    resources: ["validatingadmissionpolicies", "validatingadmissionpolicybindings"],
    verbs: ["delete"],
};

function clusterRoleRequest(
    rules: Rule[] | undefined,
    by: Requester,
    operation: "CREATE" | "UPDATE" = "CREATE",
    oldRules?: Rule[],
) {
    const role = (r: Rule[] | undefined, labels?: Record<string, string>) =>
        clusterObject(REFS.clusterRole, "policy-editor", r === undefined ? {} : { rules: r }, labels);
    return admissionRequest({
        operation,
        ref: REFS.clusterRole,
        by,
        object: role(rules, { touched: "yes" }),
        oldObject: operation === "UPDATE" ? role(oldRules) : null,
    });
}

function bindingRequest(
    roleName: string,
    by: Requester,
    operation: "CREATE" | "UPDATE" = "CREATE",
    oldSubjects?: unknown[],
) {
    const binding = (subjects: unknown[]) =>
        clusterObject(REFS.clusterRoleBinding, "ops-admins", {
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
            subjects,
        });
    const subjects = [{ kind: "User", name: "alice@example.com", apiGroup: "rbac.authorization.k8s.io" }];
    return admissionRequest({
        operation,
        ref: REFS.clusterRoleBinding,
        by,
        object: binding(subjects),
        oldObject: operation === "UPDATE" ? binding(oldSubjects ?? subjects) : null,
    });
}

function denials(outcome: AdmissionOutcome): string[] {
    expect(outcome.evaluated).toBe(true);
    expect(outcome.errors).toEqual([]);
    expect(outcome.messageErrors).toEqual([]);
    return outcome.denials.map((d) => d.id);
}

describe("guardrail-integrity: edits of the admission policies themselves", () => {
    it("does not pretend to intercept them: Kubernetes never sends policy or binding writes to admission policies", () => {
        for (const ref of [REFS.validatingAdmissionPolicy, REFS.validatingAdmissionPolicyBinding]) {
            const fixture = admissionRequest({
                operation: "DELETE",
                ref,
                by: RANDOM_ADMIN,
                oldObject: clusterObject(ref, "baseline-agent-pod-security"),
            });
            for (const spec of Object.values(specs)) expect(admit(spec, fixture).evaluated).toBe(false);
        }
    });

    it("denies a random admin creating a ClusterRole that can delete admission policies, naming the deployers", () => {
        const outcome = admit(policy, clusterRoleRequest([DELETE_POLICIES], RANDOM_ADMIN));
        expect(denials(outcome)).toEqual(["clusterRoleGrantsGuardrailControl"]);
        expect(outcome.denials[0].message).toContain(
            "ClusterRole policy-editor grants write access to admission policies/bindings",
        );
        expect(outcome.denials[0].message).toContain("platform deployer (groups system:masters)");
        expect(outcome.denials[0].message).toContain("requested by alice@example.com");
    });

    it("denies an agent creating such a ClusterRole (also denied by agent-protected-resources)", () => {
        const fixture = clusterRoleRequest([DELETE_POLICIES], AGENT);
        expect(denials(admit(policy, fixture))).toEqual(["clusterRoleGrantsGuardrailControl"]);
        expect(admit(specs.agentProtectedResources, fixture).allowed).toBe(false);
    });

    it("allows the deployer to create it", () => {
        expect(denials(admit(policy, clusterRoleRequest([DELETE_POLICIES], DEPLOYER)))).toEqual([]);
    });

    const grants: [string, Rule][] = [
        ["every verb on every resource", { apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
        [
            "patch on bindings",
            {
                apiGroups: ["admissionregistration.k8s.io"],
                resources: ["validatingadmissionpolicybindings"],
                verbs: ["patch"],
            },
        ],
        [
            "update on mutating admission policies",
            { apiGroups: ["*"], resources: ["mutatingadmissionpolicies"], verbs: ["update"] },
        ],
        [
            "deletecollection on all admission resources",
            { apiGroups: ["admissionregistration.k8s.io"], resources: ["*"], verbs: ["deletecollection"] },
        ],
        ["impersonation of users", { apiGroups: [""], resources: ["users"], verbs: ["impersonate"] }],
        [
            "impersonation of groups via a wildcard verb",
            { apiGroups: ["*"], resources: ["groups"], verbs: ["*"] },
        ],
        [
            "impersonation of user extras",
            {
                apiGroups: ["authentication.k8s.io"],
                resources: ["userextras/scopes"],
                verbs: ["impersonate"],
            },
        ],
    ];
    it.each(grants)("denies a random admin a ClusterRole granting %s", (_what, rule) => {
        expect(
            denials(
                admit(
                    policy,
                    clusterRoleRequest(
                        [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"] }, rule],
                        RANDOM_ADMIN,
                    ),
                ),
            ),
        ).toEqual(["clusterRoleGrantsGuardrailControl"]);
    });

    const harmless: [string, Rule[] | undefined][] = [
        [
            "read-only access to admission policies",
            [
                {
                    apiGroups: ["admissionregistration.k8s.io"],
                    resources: ["validatingadmissionpolicies"],
                    verbs: ["get", "list", "watch"],
                },
            ],
        ],
        [
            "write access only to the policies' status subresource",
            [
                {
                    apiGroups: ["admissionregistration.k8s.io"],
                    resources: ["validatingadmissionpolicies/status"],
                    verbs: ["update"],
                },
            ],
        ],
        ["write access to pods", [{ apiGroups: [""], resources: ["pods"], verbs: ["*"] }]],
        ["no rules (an aggregated role before aggregation)", undefined],
        ["a rule without verbs", [{ apiGroups: ["*"], resources: ["*"] }]],
    ];
    it.each(harmless)("allows a random admin a ClusterRole with %s", (_what, rules) => {
        expect(denials(admit(policy, clusterRoleRequest(rules, RANDOM_ADMIN)))).toEqual([]);
    });

    it("allows metadata-only updates of a powerful ClusterRole, but not adding grants to it", () => {
        const all = [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }];
        expect(denials(admit(policy, clusterRoleRequest(all, RANDOM_ADMIN, "UPDATE", all)))).toEqual([]);
        const widened = [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }, DELETE_POLICIES];
        const narrow = [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }];
        expect(denials(admit(policy, clusterRoleRequest(widened, RANDOM_ADMIN, "UPDATE", narrow)))).toEqual([
            "clusterRoleGrantsGuardrailControl",
        ]);
    });

    it("denies the aggregation controller filling an aggregated role with admission-policy write access", () => {
        const controller = serviceAccount("kube-system", "clusterrole-aggregation-controller");
        expect(
            denials(admit(policy, clusterRoleRequest([DELETE_POLICIES], controller, "UPDATE", []))),
        ).toEqual(["clusterRoleGrantsGuardrailControl"]);
    });
});

describe("guardrail-integrity: bindings of privileged ClusterRoles", () => {
    it("denies a random admin binding cluster-admin, and allows the deployer", () => {
        const outcome = admit(policy, bindingRequest("cluster-admin", RANDOM_ADMIN));
        expect(denials(outcome)).toEqual(["bindingToPrivilegedClusterRole"]);
        expect(outcome.denials[0].message).toContain(
            "ClusterRoleBinding ops-admins grants privileged ClusterRole cluster-admin",
        );
        expect(denials(admit(policy, bindingRequest("cluster-admin", DEPLOYER)))).toEqual([]);
    });

    it("denies adding subjects to an existing cluster-admin binding, allows metadata-only updates", () => {
        expect(denials(admit(policy, bindingRequest("cluster-admin", RANDOM_ADMIN, "UPDATE", [])))).toEqual([
            "bindingToPrivilegedClusterRole",
        ]);
        expect(denials(admit(policy, bindingRequest("cluster-admin", RANDOM_ADMIN, "UPDATE")))).toEqual([]);
    });

    it("allows binding ordinary ClusterRoles, and honours a configured list", () => {
        expect(denials(admit(policy, bindingRequest("view", RANDOM_ADMIN)))).toEqual([]);
        const custom = specsFor({
            privilegedClusterRoles: ["cluster-admin", "platform:root"],
        }).guardrailIntegrity;
        expect(denials(admit(custom, bindingRequest("platform:root", RANDOM_ADMIN)))).toEqual([
            "bindingToPrivilegedClusterRole",
        ]);
    });
});

describe("guardrail-integrity: the agent label on namespaces", () => {
    const ns = (labels: Record<string, string>) =>
        clusterObject(
            REFS.namespace,
            "research",
            {},
            { "kubernetes.io/metadata.name": "research", ...labels },
        );
    const update = (by: Requester, before: Record<string, string>, after: Record<string, string>) =>
        admissionRequest({
            operation: "UPDATE",
            ref: REFS.namespace,
            by,
            object: ns(after),
            oldObject: ns(before),
        });
    const agentLabel = { "agentguard.io/agent": "research-bot" };

    it("denies a random admin removing the agent label", () => {
        const outcome = admit(policy, update(RANDOM_ADMIN, agentLabel, {}));
        expect(denials(outcome)).toEqual(["agentLabelRemoval"]);
        expect(outcome.denials[0].message).toContain(
            "removing label agentguard.io/agent from namespace research",
        );
    });

    it("allows the deployer to remove it, and anyone to add it or change other labels", () => {
        expect(denials(admit(policy, update(DEPLOYER, agentLabel, {})))).toEqual([]);
        expect(denials(admit(policy, update(RANDOM_ADMIN, {}, agentLabel)))).toEqual([]);
        expect(
            denials(admit(policy, update(RANDOM_ADMIN, agentLabel, { ...agentLabel, team: "ml" }))),
        ).toEqual([]);
    });
});

describe("guardrail-integrity: configured deployers", () => {
    const custom = specsFor({
        deployers: { usernames: ["pulumi-deployer"], groups: ["agentguard:deployers"] },
    }).guardrailIntegrity;

    it("trusts exactly the configured usernames and groups", () => {
        expect(
            denials(admit(custom, clusterRoleRequest([DELETE_POLICIES], { username: "pulumi-deployer" }))),
        ).toEqual([]);
        expect(
            denials(
                admit(
                    custom,
                    clusterRoleRequest([DELETE_POLICIES], {
                        username: "ci",
                        groups: ["agentguard:deployers"],
                    }),
                ),
            ),
        ).toEqual([]);
        expect(denials(admit(custom, clusterRoleRequest([DELETE_POLICIES], DEPLOYER)))).toEqual([
            "clusterRoleGrantsGuardrailControl",
        ]);
    });

    it("does not trust an identity whose username and groups are both missing", () => {
        expect(denials(admit(custom, clusterRoleRequest([DELETE_POLICIES], {})))).toEqual([
            "clusterRoleGrantsGuardrailControl",
        ]);
    });

    it("intercepts only ClusterRole and ClusterRoleBinding writes and Namespace updates", () => {
        const rules = policy.matchConstraints.resourceRules;
        expect(rules.map((r) => [r.apiGroups, r.resources, r.operations])).toEqual([
            [["rbac.authorization.k8s.io"], ["clusterroles", "clusterrolebindings"], ["CREATE", "UPDATE"]],
            [[""], ["namespaces"], ["UPDATE"]],
        ]);
    });
});

describe("guardrail-integrity: expression coverage", () => {
    it("saw every validation both pass and deny in these fixtures", () => {
        const expressions = policy.validations.map((v) => v.expression);
        expect(expressionsNeverSeen(expressions, true)).toEqual([]);
        expect(expressionsNeverSeen(expressions, false)).toEqual([]);
    });
});

import { describe, expect, it } from "vitest";
import {
    admissionRequest,
    clusterObject,
    DEPLOYER,
    namespacedObject,
    RANDOM_ADMIN,
    REFS,
    serviceAccount,
    type AdmissionFixture,
    type Requester,
    type ResourceRef,
} from "./fixtures";
import { expressionsNeverSeen, specsFor } from "./policies";
import { admit, type AdmissionOutcome } from "./vap-evaluator";

const specs = specsFor();
const policy = specs.agentProtectedResources;
const AGENT = serviceAccount("agent-a", "worker");

function expectDenied(outcome: AdmissionOutcome): string {
    expect(outcome.evaluated).toBe(true);
    expect(outcome.errors).toEqual([]);
    expect(outcome.messageErrors).toEqual([]);
    expect(outcome.denials.map((d) => d.id)).toEqual(["agent-edits-guardrail-resource"]);
    return outcome.denials[0].message;
}

function expectAllowed(outcome: AdmissionOutcome): void {
    expect(outcome.errors).toEqual([]);
    expect(outcome.denials).toEqual([]);
    expect(outcome.allowed).toBe(true);
}

function networkPolicyRequest(
    operation: "CREATE" | "UPDATE" | "DELETE",
    by = AGENT,
    namespace = "agent-a",
    namespaceLabels?: Record<string, string>,
): AdmissionFixture {
    const np = namespacedObject(REFS.networkPolicy, namespace, "allow-egress", {
        spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{}] },
    });
    return admissionRequest({
        operation,
        ref: REFS.networkPolicy,
        by,
        namespace,
        namespaceLabels,
        object: np,
        oldObject: np,
    });
}

describe("agent-protected-resources: who is an agent", () => {
    it("denies an agent service account editing its own NetworkPolicy, saying who, what and why", () => {
        const message = expectDenied(admit(policy, networkPolicyRequest("UPDATE")));
        expect(message).toContain("system:serviceaccount:agent-a:worker");
        expect(message).toContain("UPDATE networkpolicies agent-a/allow-egress");
        expect(message).toContain("managed by the platform deployer only");
    });

    it("denies an agent creating a NetworkPolicy", () => {
        expectDenied(admit(policy, networkPolicyRequest("CREATE")));
    });

    it("denies an agent deleting its NetworkPolicy, reading the name from oldObject since object is null", () => {
        const fixture = networkPolicyRequest("DELETE");
        expect(fixture.object).toBeNull();
        const { name: _requestName, ...requestWithoutName } = fixture.request;
        const withoutRequestName = { ...fixture, request: requestWithoutName };
        const message = expectDenied(admit(policy, withoutRequestName));
        expect(message).toContain("DELETE networkpolicies agent-a/allow-egress");
    });

    it("allows the platform deployer to edit the NetworkPolicy in an agent namespace", () => {
        const outcome = admit(policy, networkPolicyRequest("UPDATE", DEPLOYER));
        expect(outcome.evaluated).toBe(true);
        expectAllowed(outcome);
    });

    it("allows service accounts of non-agent namespaces, including controllers in kube-system", () => {
        expectAllowed(admit(policy, networkPolicyRequest("UPDATE", serviceAccount("team-a"))));
        expectAllowed(
            admit(
                policy,
                networkPolicyRequest("DELETE", serviceAccount("kube-system", "namespace-controller")),
            ),
        );
    });

    it("anchors the name pattern: xagent-a and agent-a's look-alikes are not agent namespaces", () => {
        expectAllowed(admit(policy, networkPolicyRequest("UPDATE", serviceAccount("xagent-a"), "xagent-a")));
        expectAllowed(
            admit(
                policy,
                networkPolicyRequest("UPDATE", { username: "alice:system:serviceaccount:agent-a:x" }),
            ),
        );
    });

    it("recognises an agent by its groups alone when the username is missing", () => {
        const groupsOnly = { groups: ["system:serviceaccounts", "system:serviceaccounts:agent-a"] };
        expectDenied(admit(policy, networkPolicyRequest("UPDATE", groupsOnly, "team-a")));
    });

    it("recognises an agent by its username alone when groups are missing", () => {
        const usernameOnly = { username: "system:serviceaccount:agent-b:bot" };
        expectDenied(admit(policy, networkPolicyRequest("UPDATE", usernameOnly, "team-a")));
    });

    it("denies an agent editing NetworkPolicies in another namespace", () => {
        expectDenied(admit(policy, networkPolicyRequest("UPDATE", AGENT, "team-a")));
    });

    it("recognises a label-only agent namespace when its service account acts inside it", () => {
        const labelled = { "agentguard.io/agent": "" };
        const bot = serviceAccount("research", "bot");
        expectDenied(admit(policy, networkPolicyRequest("UPDATE", bot, "research", labelled)));
        expectAllowed(admit(policy, networkPolicyRequest("UPDATE", bot, "research")));
    });

    it("does not see a label-only namespace's service account acting on cluster-scoped objects unless it is listed", () => {
        const bot = serviceAccount("research", "bot");
        const fixture = admissionRequest({
            operation: "CREATE",
            ref: REFS.clusterRoleBinding,
            by: bot,
            object: clusterObject(REFS.clusterRoleBinding, "grab", {
                roleRef: { kind: "ClusterRole", name: "admin" },
            }),
        });
        expectAllowed(admit(policy, fixture));
        expectDenied(admit(specsFor({ agentNamespaces: ["research"] }).agentProtectedResources, fixture));
    });

    it("denies a label-only namespace's service account removing the label from its Namespace or deleting it (oldObject)", () => {
        const bot = serviceAccount("research", "bot");
        const labelled = clusterObject(REFS.namespace, "research", {}, { "agentguard.io/agent": "true" });
        const unlabelled = clusterObject(REFS.namespace, "research", {}, {});
        const update = admissionRequest({
            operation: "UPDATE",
            ref: REFS.namespace,
            by: bot,
            object: unlabelled,
            oldObject: labelled,
        });
        expectDenied(admit(policy, update));
        const remove = admissionRequest({
            operation: "DELETE",
            ref: REFS.namespace,
            by: bot,
            oldObject: labelled,
        });
        expect(remove.object).toBeNull();
        expect(expectDenied(admit(policy, remove))).toContain("DELETE namespaces research");
    });
});

describe("agent-protected-resources: what is protected", () => {
    const namespaced: [string, ResourceRef][] = [
        ["Role", REFS.role],
        ["RoleBinding", REFS.roleBinding],
        ["ResourceQuota", REFS.resourceQuota],
        ["LimitRange", REFS.limitRange],
        ["CiliumNetworkPolicy", REFS.ciliumNetworkPolicy],
    ];
    it.each(namespaced)("denies an agent deleting a %s", (_kind, ref) => {
        const object = namespacedObject(ref, "agent-a", "guard");
        expectDenied(
            admit(
                policy,
                admissionRequest({
                    operation: "DELETE",
                    ref,
                    by: AGENT,
                    namespace: "agent-a",
                    oldObject: object,
                }),
            ),
        );
    });

    const clusterScoped: [string, ResourceRef][] = [
        ["ClusterRole", REFS.clusterRole],
        ["ClusterRoleBinding", REFS.clusterRoleBinding],
        ["Namespace", REFS.namespace],
        ["ValidatingWebhookConfiguration", REFS.validatingWebhook],
        ["MutatingWebhookConfiguration", REFS.mutatingWebhook],
    ];
    it.each(clusterScoped)("denies an agent creating a %s", (_kind, ref) => {
        const object = clusterObject(ref, "agent-made");
        expectDenied(admit(policy, admissionRequest({ operation: "CREATE", ref, by: AGENT, object })));
    });

    it("denies an agent minting a service account token, in any namespace", () => {
        for (const namespace of ["agent-a", "team-a"]) {
            const tokenRequest = {
                apiVersion: "authentication.k8s.io/v1",
                kind: "TokenRequest",
                metadata: { name: "deployer" },
                spec: { audiences: [] },
            };
            const fixture = admissionRequest({
                operation: "CREATE",
                ref: REFS.serviceAccountToken,
                by: AGENT,
                namespace,
                object: tokenRequest,
            });
            expect(expectDenied(admit(policy, fixture))).toContain(
                `CREATE serviceaccounts/token ${namespace}/deployer`,
            );
        }
    });

    it("denies an agent faking its quota usage through the status subresource", () => {
        const quota = namespacedObject(REFS.resourceQuota, "agent-a", "compute");
        const ref = { ...REFS.resourceQuota, subResource: "status" };
        const fixture = admissionRequest({
            operation: "UPDATE",
            ref,
            by: AGENT,
            namespace: "agent-a",
            object: quota,
            oldObject: quota,
        });
        expectDenied(admit(policy, fixture));
    });

    it("does not intercept resources outside the list, such as ConfigMaps", () => {
        const cm = namespacedObject(REFS.configMap, "agent-a", "settings");
        const outcome = admit(
            policy,
            admissionRequest({
                operation: "UPDATE",
                ref: REFS.configMap,
                by: AGENT,
                namespace: "agent-a",
                object: cm,
                oldObject: cm,
            }),
        );
        expect(outcome.evaluated).toBe(false);
    });

    it("intercepts exactly create, update and delete of the protected kinds", () => {
        const rules = policy.matchConstraints.resourceRules;
        const byGroup = (group: string) =>
            rules.filter((r) => r.apiGroups.includes(group)).flatMap((r) => r.resources);
        expect(byGroup("networking.k8s.io")).toEqual(["networkpolicies", "networkpolicies/*"]);
        expect(byGroup("rbac.authorization.k8s.io")).toEqual(
            expect.arrayContaining(["roles", "rolebindings", "clusterroles", "clusterrolebindings"]),
        );
        expect(byGroup("")).toEqual(
            expect.arrayContaining([
                "resourcequotas",
                "limitranges",
                "namespaces",
                "namespaces/*",
                "serviceaccounts",
                "serviceaccounts/*",
                "persistentvolumes",
                "pods/ephemeralcontainers",
            ]),
        );
        expect(byGroup("admissionregistration.k8s.io")).toEqual(
            expect.arrayContaining(["validatingwebhookconfigurations", "mutatingwebhookconfigurations"]),
        );
        const connect = rules.filter((r) => r.operations.includes("CONNECT"));
        expect(connect).toHaveLength(1);
        expect(connect[0]).toMatchObject({ apiGroups: [""], operations: ["CONNECT"] });
        expect([...connect[0].resources].sort()).toEqual([
            "nodes/proxy",
            "pods/attach",
            "pods/exec",
            "pods/portforward",
            "pods/proxy",
            "services/proxy",
        ]);
        for (const rule of rules) {
            expect(rule.apiVersions).toEqual(["*"]);
            if (rule !== connect[0]) expect(rule.operations).toEqual(["CREATE", "UPDATE", "DELETE"]);
        }
        expect(policy.failurePolicy).toBe("Fail");
        expect(policy.matchConstraints.matchPolicy).toBe("Equivalent");
    });
});

describe("agent-protected-resources: kinds the policy pack also forbids", () => {
    const KUBELET: Requester = {
        username: "system:node:ip-10-0-1-7",
        groups: ["system:nodes", "system:authenticated"],
    };

    /** A kind, the non-agent identity a real cluster has writing it, and the object both write. */
    const namespacedKinds: [string, ResourceRef, Requester][] = [
        ["ServiceAccount", REFS.serviceAccount, serviceAccount("kube-system", "service-account-controller")],
        ["Calico NetworkPolicy (projectcalico.org)", REFS.calicoNetworkPolicy, DEPLOYER],
        [
            "Calico NetworkSet (crd.projectcalico.org)",
            REFS.calicoNetworkSet,
            serviceAccount("calico-system", "calico-kube-controllers"),
        ],
        ["Calico NetworkSet (projectcalico.org)", REFS.calicoNetworkSetV3, DEPLOYER],
    ];
    const clusterKinds: [string, ResourceRef, Requester][] = [
        ["PersistentVolume", REFS.persistentVolume, serviceAccount("kube-system", "ebs-csi-controller-sa")],
        ["CertificateSigningRequest", REFS.certificateSigningRequest, KUBELET],
        ["CiliumCIDRGroup", REFS.ciliumCidrGroup, serviceAccount("kube-system", "cilium-operator")],
        [
            "Calico GlobalNetworkSet (crd.projectcalico.org)",
            REFS.calicoGlobalNetworkSet,
            serviceAccount("calico-system", "calico-kube-controllers"),
        ],
        ["Calico GlobalNetworkSet (projectcalico.org)", REFS.calicoGlobalNetworkSetV3, DEPLOYER],
        ["ClusterNetworkPolicy", REFS.clusterNetworkPolicy, DEPLOYER],
    ];

    function write(
        operation: "CREATE" | "UPDATE" | "DELETE",
        ref: ResourceRef,
        by: Requester,
        namespace?: string,
    ): AdmissionFixture {
        const object =
            namespace === undefined
                ? clusterObject(ref, "widened")
                : namespacedObject(ref, namespace, "widened");
        return admissionRequest({ operation, ref, by, namespace, object, oldObject: object });
    }

    it.each(namespacedKinds)(
        "denies an agent creating, updating or deleting a %s, in its namespace and elsewhere",
        (_kind, ref) => {
            for (const operation of ["CREATE", "UPDATE", "DELETE"] as const) {
                for (const namespace of ["agent-a", "team-a"]) {
                    const message = expectDenied(admit(policy, write(operation, ref, AGENT, namespace)));
                    expect(message).toContain(`${operation} ${ref.resource} ${namespace}/widened`);
                }
            }
        },
    );

    it.each(namespacedKinds)(
        "allows the non-agent identity a real cluster has writing a %s in an agent namespace",
        (_kind, ref, by) => {
            for (const operation of ["CREATE", "UPDATE", "DELETE"] as const) {
                const outcome = admit(policy, write(operation, ref, by, "agent-a"));
                expect(outcome.evaluated).toBe(true);
                expectAllowed(outcome);
            }
        },
    );

    it.each(clusterKinds)("denies an agent creating, updating or deleting a %s", (_kind, ref) => {
        for (const operation of ["CREATE", "UPDATE", "DELETE"] as const) {
            const message = expectDenied(admit(policy, write(operation, ref, AGENT)));
            expect(message).toContain(`${operation} ${ref.resource} widened`);
        }
    });

    it.each(clusterKinds)(
        "allows the non-agent identity a real cluster has writing a %s",
        (_kind, ref, by) => {
            for (const operation of ["CREATE", "UPDATE", "DELETE"] as const) {
                const outcome = admit(policy, write(operation, ref, by));
                expect(outcome.evaluated).toBe(true);
                expectAllowed(outcome);
            }
        },
    );

    it("denies an agent pointing its own ServiceAccount at another cloud role (IRSA annotation)", () => {
        const before = namespacedObject(REFS.serviceAccount, "agent-a", "worker");
        const after = namespacedObject(REFS.serviceAccount, "agent-a", "worker", {
            metadata: {
                name: "worker",
                namespace: "agent-a",
                annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/admin" },
            },
        });
        const fixture = admissionRequest({
            operation: "UPDATE",
            ref: REFS.serviceAccount,
            by: AGENT,
            namespace: "agent-a",
            object: after,
            oldObject: before,
        });
        expectDenied(admit(policy, fixture));
    });

    it("denies an agent approving a CertificateSigningRequest through its approval subresource", () => {
        const csr = clusterObject(REFS.certificateSigningRequest, "node-csr-x", {
            spec: { signerName: "kubernetes.io/kube-apiserver-client", usages: ["client auth"] },
        });
        const ref = { ...REFS.certificateSigningRequest, subResource: "approval" };
        const fixture = admissionRequest({
            operation: "UPDATE",
            ref,
            by: AGENT,
            object: csr,
            oldObject: csr,
        });
        expect(expectDenied(admit(policy, fixture))).toContain("certificatesigningrequests/approval");
    });

    it("lets the kubelet request tokens for agent pods (projected volumes), while agents themselves can't", () => {
        const tokenRequest = {
            apiVersion: "authentication.k8s.io/v1",
            kind: "TokenRequest",
            metadata: { name: "worker" },
            spec: { audiences: ["sts.amazonaws.com"] },
        };
        const request = (by: Requester) =>
            admissionRequest({
                operation: "CREATE",
                ref: REFS.serviceAccountToken,
                by,
                namespace: "agent-a",
                object: tokenRequest,
            });
        expectAllowed(admit(policy, request(KUBELET)));
        expectDenied(admit(policy, request(AGENT)));
    });

    it("denies an agent injecting an ephemeral container into a pod of another namespace, and allows the deployer", () => {
        const pod = namespacedObject(REFS.pod, "kube-system", "coredns-7d9c", { spec: { containers: [] } });
        const request = (by: Requester) =>
            admissionRequest({
                operation: "UPDATE",
                ref: REFS.ephemeralContainers,
                by,
                namespace: "kube-system",
                object: pod,
                oldObject: pod,
            });
        expect(expectDenied(admit(policy, request(AGENT)))).toContain(
            "pods/ephemeralcontainers kube-system/coredns-7d9c",
        );
        expectAllowed(admit(policy, request(DEPLOYER)));
    });

    /** A CONNECT request as the API server admits it: the object is the options, with no metadata. */
    function connectRequest(
        ref: ResourceRef,
        by: Requester,
        name: string,
        namespace: string | undefined,
    ): AdmissionFixture {
        const fixture = admissionRequest({
            operation: "CONNECT",
            ref,
            by,
            namespace,
            object: { apiVersion: "v1", kind: ref.kind, command: ["sh"], stdin: true },
        });
        return { ...fixture, request: { ...fixture.request, name } };
    }
    const EXEC = { group: "", version: "v1", resource: "pods", subResource: "exec", kind: "PodExecOptions" };
    const CONNECTED: [string, ResourceRef, string | undefined][] = [
        ["exec", EXEC, "kube-system"],
        ["attach", { ...EXEC, subResource: "attach", kind: "PodAttachOptions" }, "kube-system"],
        ["port-forward", { ...EXEC, subResource: "portforward", kind: "PodPortForwardOptions" }, "team-a"],
        ["pod proxy", { ...EXEC, subResource: "proxy", kind: "PodProxyOptions" }, "team-a"],
        [
            "service proxy",
            { ...EXEC, resource: "services", subResource: "proxy", kind: "ServiceProxyOptions" },
            "team-a",
        ],
        [
            "node proxy",
            { ...EXEC, resource: "nodes", subResource: "proxy", kind: "NodeProxyOptions" },
            undefined,
        ],
    ];

    it.each(CONNECTED)(
        "denies an agent %s (a CONNECT request), naming the target",
        (_what, ref, namespace) => {
            const message = expectDenied(admit(policy, connectRequest(ref, AGENT, "target-1", namespace)));
            const where = namespace === undefined ? "" : `${namespace}/`;
            expect(message).toContain(`CONNECT ${ref.resource}/${ref.subResource} ${where}target-1`);
        },
    );

    it.each(CONNECTED)(
        "allows the deployer and system controllers %s, so operators can still debug",
        (_what, ref, namespace) => {
            for (const by of [DEPLOYER, RANDOM_ADMIN, serviceAccount("monitoring", "prometheus"), KUBELET]) {
                const outcome = admit(policy, connectRequest(ref, by, "target-1", namespace));
                expect(outcome.evaluated).toBe(true);
                expectAllowed(outcome);
            }
        },
    );

    it("denies an agent exec into its own pods too, as the pack forbids it any verb on pods/exec", () => {
        expectDenied(admit(policy, connectRequest(EXEC, AGENT, "agent-pod", "agent-a")));
        expectDenied(
            admit(specs.namespaceProtectedResources, connectRequest(EXEC, AGENT, "agent-pod", "agent-a"), {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "agent-a" } },
            }),
        );
    });

    it("does not intercept reading pod logs, which is a GET and not a CONNECT", () => {
        const logs = { ...EXEC, subResource: "log", kind: "Pod" };
        for (const operation of ["CREATE", "UPDATE"] as const) {
            const fixture = admissionRequest({ operation, ref: logs, by: AGENT, namespace: "agent-a" });
            expect(admit(policy, fixture).evaluated).toBe(false);
        }
    });

    it("does not intercept PersistentVolumeClaims, which agents may create to get storage", () => {
        const claim = {
            group: "",
            version: "v1",
            resource: "persistentvolumeclaims",
            kind: "PersistentVolumeClaim",
        };
        const fixture = admissionRequest({
            operation: "CREATE",
            ref: claim,
            by: AGENT,
            namespace: "agent-a",
            object: namespacedObject(claim, "agent-a", "scratch"),
        });
        expect(admit(policy, fixture).evaluated).toBe(false);
    });
});

describe("namespace-protected-resources (per-namespace binding)", () => {
    const nsPolicy = specs.namespaceProtectedResources;
    const binding = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "research" } } };
    const bot = serviceAccount("research", "bot");

    it("denies the bound namespace's service accounts editing its NetworkPolicy, without any label or pattern", () => {
        expectDenied(admit(nsPolicy, networkPolicyRequest("UPDATE", bot, "research"), binding));
        expectDenied(admit(nsPolicy, networkPolicyRequest("DELETE", bot, "research"), binding));
    });

    it("allows other identities, and skips other namespaces", () => {
        expectAllowed(admit(nsPolicy, networkPolicyRequest("UPDATE", DEPLOYER, "research"), binding));
        expectAllowed(
            admit(nsPolicy, networkPolicyRequest("UPDATE", serviceAccount("team-a"), "research"), binding),
        );
        expect(admit(nsPolicy, networkPolicyRequest("UPDATE", bot, "team-a"), binding).evaluated).toBe(false);
    });

    it("denies the bound namespace's service accounts editing its ServiceAccounts and Calico NetworkSets, and allows the service-account controller", () => {
        for (const ref of [REFS.serviceAccount, REFS.calicoNetworkSet, REFS.calicoNetworkSetV3]) {
            const object = namespacedObject(ref, "research", "bot");
            const request = (by: Requester) =>
                admissionRequest({
                    operation: "UPDATE",
                    ref,
                    by,
                    namespace: "research",
                    object,
                    oldObject: object,
                });
            expectDenied(admit(nsPolicy, request(bot), binding));
            expectAllowed(
                admit(
                    nsPolicy,
                    request(serviceAccount("kube-system", "service-account-controller")),
                    binding,
                ),
            );
        }
    });

    it("denies the namespace's service accounts deleting the Namespace itself (read from oldObject)", () => {
        const ns = clusterObject(
            REFS.namespace,
            "research",
            {},
            { "kubernetes.io/metadata.name": "research" },
        );
        expectDenied(
            admit(
                nsPolicy,
                admissionRequest({ operation: "DELETE", ref: REFS.namespace, by: bot, oldObject: ns }),
                binding,
            ),
        );
    });

    it("leaves out cluster-scoped kinds, which a namespaceSelector would not filter", () => {
        const resources = nsPolicy.matchConstraints.resourceRules.flatMap((r) => r.resources);
        for (const clusterScoped of [
            "clusterroles",
            "clusterrolebindings",
            "validatingwebhookconfigurations",
            "persistentvolumes",
            "certificatesigningrequests",
            "ciliumcidrgroups",
            "globalnetworksets",
            "clusternetworkpolicies",
        ]) {
            expect(resources).not.toContain(clusterScoped);
        }
        expect(resources).toEqual(
            expect.arrayContaining([
                "networkpolicies",
                "roles",
                "rolebindings",
                "namespaces",
                "serviceaccounts",
                "serviceaccounts/*",
                "networksets",
                "pods/ephemeralcontainers",
            ]),
        );
    });
});

describe("agent-protected-resources: expression coverage", () => {
    it("saw every validation both pass and deny in these fixtures", () => {
        const expressions = [...policy.validations, ...specs.namespaceProtectedResources.validations].map(
            (v) => v.expression,
        );
        expect(expressionsNeverSeen(expressions, true)).toEqual([]);
        expect(expressionsNeverSeen(expressions, false)).toEqual([]);
    });
});

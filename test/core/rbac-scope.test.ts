import { describe, expect, it } from "vitest";
import { findForbiddenRbacGrants, type RbacGrantScope, type RbacPolicyRule } from "../../core/rbac";

const CLUSTER: RbacGrantScope = { kind: "cluster" };
const KUBE_SYSTEM: RbacGrantScope = { kind: "namespace", namespace: "kube-system", agent: false };
const AGENT: RbacGrantScope = { kind: "namespace", namespace: "agent-a", agent: true };
const UNKNOWN_NS: RbacGrantScope = { kind: "unknown", reason: "metadata.namespace of rb is unknown" };

const pairs = (scope: RbacGrantScope | undefined, ...rules: RbacPolicyRule[]) =>
    findForbiddenRbacGrants(rules, scope).map((f) => `${f.ruleIndex}:${f.verb}:${f.resource}`);

describe("findForbiddenRbacGrants: network-policy kinds other than NetworkPolicy", () => {
    it.each([
        ["cilium.io", "ciliumnetworkpolicies"],
        ["cilium.io", "ciliumclusterwidenetworkpolicies"],
        ["cilium.io", "ciliumcidrgroups"],
        ["policy.networking.k8s.io", "adminnetworkpolicies"],
        ["policy.networking.k8s.io", "baselineadminnetworkpolicies"],
        ["crd.projectcalico.org", "networkpolicies"],
        ["crd.projectcalico.org", "globalnetworkpolicies"],
        ["projectcalico.org", "globalnetworksets"],
        ["projectcalico.org", "networksets"],
    ])("rejects writing %s %s", (group, resource) => {
        const findings = findForbiddenRbacGrants([
            { apiGroups: [group], resources: [resource], verbs: ["get", "patch"] },
        ]);
        expect(findings).toHaveLength(1);
        expect(findings[0]).toMatchObject({ verb: "patch", resource });
        expect(findings[0].reason).toContain(`writing ${resource} lets the agent undo the guardrails`);
    });

    it("allows reading them", () => {
        expect(
            pairs(undefined, {
                apiGroups: ["cilium.io"],
                resources: ["ciliumnetworkpolicies", "ciliumclusterwidenetworkpolicies"],
                verbs: ["get", "list", "watch"],
            }),
        ).toEqual([]);
    });

    it("judges them in a made-up group, in any case, and through a glob", () => {
        expect(
            pairs(
                undefined,
                { apiGroups: ["evil.example"], resources: ["CiliumNetworkPolicies"], verbs: ["create"] },
                { apiGroups: ["projectcalico.org"], resources: ["global*"], verbs: ["update"] },
            ),
        ).toEqual(["0:create:ciliumnetworkpolicies", "1:update:global*"]);
    });
});

describe("findForbiddenRbacGrants: pod-creating writes outside agent namespaces", () => {
    const launch: RbacPolicyRule = {
        apiGroups: ["", "apps", "batch"],
        resources: ["pods", "deployments", "jobs"],
        verbs: ["create", "get"],
    };

    it("rejects creating pods and workloads in kube-system, naming the namespace", () => {
        const findings = findForbiddenRbacGrants([launch], KUBE_SYSTEM);
        expect(findings.map((f) => `${f.verb}:${f.resource}`)).toEqual([
            "create:pods",
            "create:deployments",
            "create:jobs",
        ]);
        expect(findings[0].reason).toContain(
            "writing pods in namespace kube-system (not an agent namespace) runs pods as any service account there",
        );
    });

    it("rejects it cluster-wide and where the namespace is unknown", () => {
        expect(findForbiddenRbacGrants([launch], CLUSTER)[0].reason).toContain(
            "in every namespace (a ClusterRoleBinding), kube-system included",
        );
        expect(findForbiddenRbacGrants([launch], UNKNOWN_NS)[0].reason).toContain(
            "in a namespace unknown during preview (metadata.namespace of rb is unknown)",
        );
    });

    it("allows it in the agent's own namespace and without a scope", () => {
        expect(pairs(AGENT, launch)).toEqual([]);
        expect(pairs(undefined, launch)).toEqual([]);
    });

    it.each(["update", "patch", "UPDATE"])("rejects %s on statefulsets in kube-system", (verb) => {
        expect(pairs(KUBE_SYSTEM, { resources: ["statefulsets"], verbs: [verb] })).toEqual([
            `0:${verb.toLowerCase()}:statefulsets`,
        ]);
    });

    it.each(["replicasets", "daemonsets", "cronjobs", "replicationcontrollers", "*", "daemon*"])(
        "rejects creating %s cluster-wide",
        (resource) => {
            const findings = findForbiddenRbacGrants([{ resources: [resource], verbs: ["create"] }], CLUSTER);
            expect(findings).toHaveLength(1);
            expect(findings[0].reason).toMatch(/runs pods as any service account there/);
        },
    );

    it("does not count PodTemplates (no controller runs them by name) as pod creation", () => {
        expect(
            findForbiddenRbacGrants([{ resources: ["podtemplates"], verbs: ["create"] }], KUBE_SYSTEM),
        ).toEqual([]);
    });

    it.each([
        "workflows",
        "cronworkflows",
        "rayjobs",
        "pytorchjobs",
        "sparkapplications",
        "jobsets",
        "notebooks",
        "workflowtemplates",
        "inferenceservices",
        "servingruntimes",
        "leaderworkersets",
    ])(
        "rejects creating the pod-creating custom resource %s outside agent namespaces, not inside",
        (resource) => {
            const findings = findForbiddenRbacGrants(
                [{ resources: [resource], verbs: ["create"] }],
                KUBE_SYSTEM,
            );
            expect(findings).toHaveLength(1);
            expect(findings[0].reason).toMatch(/runs pods as any service account there/);
            expect(findForbiddenRbacGrants([{ resources: [resource], verbs: ["create"] }], AGENT)).toEqual(
                [],
            );
        },
    );

    it("allows reading, deleting and scaling workloads in kube-system", () => {
        expect(
            pairs(
                KUBE_SYSTEM,
                { resources: ["pods", "deployments"], verbs: ["get", "list", "delete"] },
                { resources: ["deployments/scale", "pods/status"], verbs: ["update", "patch"] },
            ),
        ).toEqual([]);
    });
});

describe("findForbiddenRbacGrants: kube-system/aws-auth", () => {
    const awsAuth = (verbs: string[], resourceNames?: string[]): RbacPolicyRule => ({
        apiGroups: [""],
        resources: ["configmaps"],
        verbs,
        ...(resourceNames ? { resourceNames } : {}),
    });

    it("rejects updating aws-auth by name in kube-system", () => {
        const findings = findForbiddenRbacGrants([awsAuth(["get", "update"], ["aws-auth"])], KUBE_SYSTEM);
        expect(findings).toHaveLength(1);
        expect(findings[0]).toMatchObject({ verb: "update", resource: "configmaps" });
        expect(findings[0].reason).toContain(
            "reaches kube-system/aws-auth, which maps IAM roles to Kubernetes groups such as system:masters",
        );
    });

    it("rejects writing every configmap in kube-system, cluster-wide or in an unknown namespace", () => {
        expect(pairs(KUBE_SYSTEM, awsAuth(["patch"]))).toEqual(["0:patch:configmaps"]);
        expect(pairs(CLUSTER, awsAuth(["delete"]))).toEqual(["0:delete:configmaps"]);
        expect(pairs(UNKNOWN_NS, awsAuth(["update"], ["aws-auth"]))).toEqual(["0:update:configmaps"]);
    });

    it("allows other names, reads, and configmap writes in other namespaces", () => {
        expect(pairs(KUBE_SYSTEM, awsAuth(["update", "patch"], ["other"]))).toEqual([]);
        expect(pairs(KUBE_SYSTEM, awsAuth(["get", "list", "watch"]))).toEqual([]);
        expect(pairs({ kind: "namespace", namespace: "prod", agent: false }, awsAuth(["patch"]))).toEqual([]);
        expect(pairs(AGENT, awsAuth(["create", "update"]))).toEqual([]);
    });

    it("does not let resourceNames narrow create or deletecollection, which Kubernetes never narrows", () => {
        expect(pairs(KUBE_SYSTEM, awsAuth(["create", "deletecollection"], ["other"]))).toEqual([
            "0:create:configmaps",
            "0:deletecollection:configmaps",
        ]);
    });

    it("rejects evasions: upper case, a glob resource, a glob name", () => {
        expect(pairs(KUBE_SYSTEM, { resources: ["ConfigMaps"], verbs: ["Patch"] })).toEqual([
            "0:patch:configmaps",
        ]);
        expect(pairs(KUBE_SYSTEM, { resources: ["config*"], verbs: ["update"] })).toEqual([
            "0:update:config*",
        ]);
        expect(pairs(KUBE_SYSTEM, awsAuth(["update"], ["other", "aws-*"]))).toEqual(["0:update:configmaps"]);
    });
});

describe("findForbiddenRbacGrants: cluster-scoped plumbing", () => {
    it.each([
        ["apiregistration.k8s.io", "apiservices", "aggregated API server"],
        ["", "nodes", "relabels, untaints"],
        ["", "nodes/status", "fake GPU capacity"],
        ["node.k8s.io", "runtimeclasses", "runtime handler"],
        ["resource.k8s.io", "deviceclasses", "device class"],
        ["storage.k8s.io", "storageclasses", "node's disk"],
        ["storage.k8s.io", "csidrivers", "node's disk"],
        ["gateway.networking.k8s.io", "gatewayclasses", "inbound channel"],
        ["networking.k8s.io", "ingressclasses", "inbound channel"],
    ])("rejects writing %s %s cluster-wide or in an unknown scope", (group, resource, why) => {
        const rule = { apiGroups: [group], resources: [resource], verbs: ["get", "create", "patch"] };
        for (const scope of [CLUSTER, UNKNOWN_NS]) {
            expect(pairs(scope, rule)).toEqual([`0:create:${resource}`, `0:patch:${resource}`]);
            expect(findForbiddenRbacGrants([rule], scope)[0].reason).toContain(why);
        }
    });

    it("allows reading them cluster-wide, and a namespaced grant (which cannot reach cluster-scoped objects)", () => {
        const read = {
            apiGroups: ["", "node.k8s.io"],
            resources: ["nodes", "runtimeclasses"],
            verbs: ["get", "list", "watch"],
        };
        expect(pairs(CLUSTER, read)).toEqual([]);
        const write = { apiGroups: [""], resources: ["nodes", "runtimeclasses"], verbs: ["create", "patch"] };
        expect(pairs(AGENT, write)).toEqual([]);
        expect(pairs(KUBE_SYSTEM, write)).toEqual([]);
    });
});

describe("findForbiddenRbacGrants: resources that make namespaces", () => {
    it.each([
        ["hnc.x-k8s.io", "subnamespaceanchors"],
        ["hnc.x-k8s.io", "hierarchyconfigurations"],
        ["capsule.clastix.io", "tenants"],
    ])("rejects writing %s %s even inside an agent namespace", (group, resource) => {
        const rule = { apiGroups: [group], resources: [resource], verbs: ["get", "create"] };
        expect(pairs(AGENT, rule)).toEqual([`0:create:${resource}`]);
        expect(findForbiddenRbacGrants([rule], AGENT)[0].reason).toContain("inherit the agent's bindings");
    });

    it("allows reading them", () => {
        expect(
            pairs(AGENT, {
                apiGroups: ["hnc.x-k8s.io"],
                resources: ["subnamespaceanchors"],
                verbs: ["get", "list"],
            }),
        ).toEqual([]);
    });
});

import { describe, expect, it } from "vitest";
import {
    admissionRequest,
    compliantPodSpec,
    DEPLOYER,
    podBearing,
    REFS,
    serviceAccount,
    type AdmissionFixture,
    type ResourceRef,
} from "./fixtures";
import { expressionsNeverSeen, specsFor } from "./policies";
import { admit, type AdmissionOutcome } from "./vap-evaluator";

const specs = specsFor();
const policy = specs.agentPodSecurity;
const sandboxed = specsFor({ sandboxRuntimeClassName: "gvisor" }).agentPodSecurity;
/** A per-namespace binding of the namespace-scoped policy to "research" (no agent label, no pattern). */
const RESEARCH = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "research" } } };
const REPLICASET_CONTROLLER = serviceAccount("kube-system", "replicaset-controller");

type Json = Record<string, unknown>;
type Container = Json & { securityContext?: Json };

function podRequest(
    podSpec: Json,
    options: {
        namespace?: string;
        labels?: Record<string, string>;
        ref?: ResourceRef;
        by?: typeof DEPLOYER;
    } = {},
): AdmissionFixture {
    const ref = options.ref ?? REFS.pod;
    const namespace = options.namespace ?? "agent-a";
    return admissionRequest({
        operation: "CREATE",
        ref,
        by: options.by ?? REPLICASET_CONTROLLER,
        namespace,
        namespaceLabels: options.labels,
        object: podBearing(ref, namespace, podSpec),
    });
}

/** A compliant spec with the first container changed. */
function withContainer(change: (container: Container) => Container, runtime?: string): Json {
    const spec = compliantPodSpec(runtime) as { containers: Container[] };
    return { ...spec, containers: [change(structuredClone(spec.containers[0]))] };
}

function deniedBy(outcome: AdmissionOutcome): string[] {
    expect(outcome.evaluated).toBe(true);
    expect(outcome.errors).toEqual([]);
    expect(outcome.messageErrors).toEqual([]);
    return outcome.denials.map((d) => d.id);
}

describe("agent-pod-security: each forbidden pod field", () => {
    const cases: [string, Json, RegExp][] = [
        [
            "hostNetwork",
            { ...compliantPodSpec(), hostNetwork: true },
            /Pod agent-a\/agent-pod sets hostNetwork: true/,
        ],
        ["hostPID", { ...compliantPodSpec(), hostPID: true }, /sets hostPID: true/],
        ["hostIPC", { ...compliantPodSpec(), hostIPC: true }, /sets hostIPC: true/],
        [
            "hostPort",
            withContainer((c) => ({ ...c, ports: [{ containerPort: 22, hostPort: 2222 }] })),
            /bind host ports \(agent\).*ports\[\]\.hostPort/,
        ],
        [
            "hostPath",
            {
                ...compliantPodSpec(),
                volumes: [{ name: "docker-sock", hostPath: { path: "/var/run/docker.sock" } }],
            },
            /mounts hostPath volumes \(docker-sock\)/,
        ],
        [
            "privileged",
            withContainer((c) => ({ ...c, securityContext: { ...c.securityContext, privileged: true } })),
            /run privileged \(agent\)/,
        ],
        [
            "allowPrivilegeEscalation",
            withContainer((c) => ({
                ...c,
                securityContext: { ...c.securityContext, allowPrivilegeEscalation: true },
            })),
            /allowPrivilegeEscalation: false/,
        ],
        [
            "addedCapabilities",
            withContainer((c) => ({
                ...c,
                securityContext: { ...c.securityContext, capabilities: { add: ["NET_ADMIN"] } },
            })),
            /add Linux capabilities \(agent\)/,
        ],
        [
            "windowsHostProcess",
            { ...compliantPodSpec(), securityContext: { windowsOptions: { hostProcess: true } } },
            /Windows HostProcess/,
        ],
    ];

    it.each(cases)("denies %s with a message naming the field and the fix", (id, podSpec, message) => {
        const outcome = admit(policy, podRequest(podSpec));
        expect(deniedBy(outcome)).toEqual([id]);
        expect(outcome.denials[0].message).toMatch(message);
        const scoped = admit(
            specs.namespacePodSecurity,
            podRequest(podSpec, { namespace: "research" }),
            RESEARCH,
        );
        expect(deniedBy(scoped)).toEqual([id]);
    });

    it("allows a compliant pod", () => {
        const outcome = admit(policy, podRequest(compliantPodSpec()));
        expect(deniedBy(outcome)).toEqual([]);
        expect(outcome.allowed).toBe(true);
        const scoped = admit(
            specs.namespacePodSecurity,
            podRequest(compliantPodSpec(), { namespace: "research" }),
            RESEARCH,
        );
        expect(deniedBy(scoped)).toEqual([]);
    });

    it("treats an unset allowPrivilegeEscalation as allowed escalation, and denies it", () => {
        const unset = withContainer((c) => ({ ...c, securityContext: { runAsNonRoot: true } }));
        expect(deniedBy(admit(policy, podRequest(unset)))).toEqual(["allowPrivilegeEscalation"]);
        const noContext = withContainer((c) => ({ name: c.name, image: c.image }));
        expect(deniedBy(admit(policy, podRequest(noContext)))).toEqual(["allowPrivilegeEscalation"]);
    });

    it("accepts explicit safe values: hostNetwork false, hostPort 0, privileged false, empty capabilities.add", () => {
        const explicit = {
            ...withContainer((c) => ({
                ...c,
                ports: [{ containerPort: 80, hostPort: 0 }],
                securityContext: {
                    ...c.securityContext,
                    privileged: false,
                    capabilities: { add: [], drop: ["ALL"] },
                },
            })),
            hostNetwork: false,
            hostPID: false,
            hostIPC: false,
        };
        expect(deniedBy(admit(policy, podRequest(explicit)))).toEqual([]);
    });

    it("reports every violation at once", () => {
        const everything = {
            ...withContainer((c) => ({
                ...c,
                securityContext: { privileged: true, allowPrivilegeEscalation: true },
            })),
            hostNetwork: true,
            hostPID: true,
        };
        expect(deniedBy(admit(policy, podRequest(everything)))).toEqual([
            "hostNetwork",
            "hostPID",
            "privileged",
            "allowPrivilegeEscalation",
        ]);
    });
});

describe("agent-pod-security: containers an author might hide things in", () => {
    const privileged = (name: string): Container => ({
        name,
        image: "busybox",
        securityContext: { privileged: true, allowPrivilegeEscalation: false },
    });

    it("checks initContainers", () => {
        const spec = { ...compliantPodSpec(), initContainers: [privileged("setup")] };
        const outcome = admit(policy, podRequest(spec));
        expect(deniedBy(outcome)).toEqual(["privileged"]);
        expect(outcome.denials[0].message).toContain("(setup)");
    });

    it("checks ephemeralContainers, including when added through the ephemeralcontainers subresource", () => {
        const spec = { ...compliantPodSpec(), ephemeralContainers: [privileged("debugger")] };
        expect(deniedBy(admit(policy, podRequest(spec)))).toEqual(["privileged"]);
        const pod = podBearing(REFS.pod, "agent-a", compliantPodSpec());
        const debugged = podBearing(REFS.pod, "agent-a", spec);
        const fixture = admissionRequest({
            operation: "UPDATE",
            ref: REFS.ephemeralContainers,
            by: serviceAccount("agent-a"),
            namespace: "agent-a",
            object: debugged,
            oldObject: pod,
        });
        expect(deniedBy(admit(policy, fixture))).toEqual(["privileged"]);
    });

    it("checks hostPort on init containers", () => {
        const spec = {
            ...compliantPodSpec(),
            initContainers: [
                {
                    ...privileged("x"),
                    securityContext: { allowPrivilegeEscalation: false },
                    ports: [{ containerPort: 1, hostPort: 1 }],
                },
            ],
        };
        expect(deniedBy(admit(policy, podRequest(spec)))).toEqual(["hostPort"]);
    });

    it("checks a container-level Windows HostProcess flag", () => {
        const spec = withContainer((c) => ({
            ...c,
            securityContext: { ...c.securityContext, windowsOptions: { hostProcess: true } },
        }));
        expect(deniedBy(admit(policy, podRequest(spec)))).toEqual(["windowsHostProcess"]);
    });
});

describe("agent-pod-security: pod templates", () => {
    it("denies a Deployment whose template mounts a hostPath", () => {
        const spec = { ...compliantPodSpec(), volumes: [{ name: "root", hostPath: { path: "/" } }] };
        const outcome = admit(policy, podRequest(spec, { ref: REFS.deployment, by: DEPLOYER }));
        expect(deniedBy(outcome)).toEqual(["hostPath"]);
        expect(outcome.denials[0].message).toContain(
            "Deployment agent-a/agent-deployments mounts hostPath volumes (root)",
        );
    });

    const kinds: [string, ResourceRef][] = [
        ["StatefulSet", REFS.statefulSet],
        ["DaemonSet", REFS.daemonSet],
        ["ReplicaSet", REFS.replicaSet],
        ["Job", REFS.job],
        ["CronJob", REFS.cronJob],
        ["ReplicationController", REFS.replicationController],
        ["PodTemplate", REFS.podTemplate],
    ];
    it.each(kinds)("denies hostNetwork in a %s template and allows a compliant one", (_kind, ref) => {
        expect(
            deniedBy(admit(policy, podRequest({ ...compliantPodSpec(), hostNetwork: true }, { ref }))),
        ).toEqual(["hostNetwork"]);
        expect(deniedBy(admit(policy, podRequest(compliantPodSpec(), { ref })))).toEqual([]);
    });

    it("intercepts creates and updates of pods and every built-in pod-template kind, not deletes", () => {
        const rules = policy.matchConstraints.resourceRules;
        expect(rules.flatMap((r) => r.resources).sort()).toEqual(
            [
                "cronjobs",
                "daemonsets",
                "deployments",
                "jobs",
                "podtemplates",
                "pods",
                "pods/ephemeralcontainers",
                "replicasets",
                "replicationcontrollers",
                "statefulsets",
            ].sort(),
        );
        for (const rule of rules) expect(rule.operations).toEqual(["CREATE", "UPDATE"]);
        expect(rules.flatMap((r) => r.apiGroups).sort()).toEqual(["", "apps", "batch"]);
        const deletion = admissionRequest({
            operation: "DELETE",
            ref: REFS.pod,
            by: DEPLOYER,
            namespace: "agent-a",
            oldObject: podBearing(REFS.pod, "agent-a", { ...compliantPodSpec(), hostNetwork: true }),
        });
        expect(admit(policy, deletion).evaluated).toBe(false);
    });
});

describe("agent-pod-security: which namespaces", () => {
    const hostNetwork = { ...compliantPodSpec(), hostNetwork: true };

    it("allows host-network pods in non-agent namespaces", () => {
        for (const namespace of ["kube-system", "team-a", "xagent-a"]) {
            const outcome = admit(policy, podRequest(hostNetwork, { namespace }));
            expect(deniedBy(outcome)).toEqual([]);
            expect(outcome.allowed).toBe(true);
        }
    });

    it("applies to namespaces labelled agentguard.io/agent whatever their name", () => {
        const outcome = admit(
            policy,
            podRequest(hostNetwork, { namespace: "research", labels: { "agentguard.io/agent": "" } }),
        );
        expect(deniedBy(outcome)).toEqual(["hostNetwork"]);
    });

    it("applies to listed namespaces and configured patterns", () => {
        const listed = specsFor({
            agentNamespacePatterns: ["ml-*"],
            agentNamespaces: ["research"],
        }).agentPodSecurity;
        expect(deniedBy(admit(listed, podRequest(hostNetwork, { namespace: "research" })))).toEqual([
            "hostNetwork",
        ]);
        expect(deniedBy(admit(listed, podRequest(hostNetwork, { namespace: "ml-train" })))).toEqual([
            "hostNetwork",
        ]);
        expect(deniedBy(admit(listed, podRequest(hostNetwork, { namespace: "agent-a" })))).toEqual([]);
    });

    it("binds the deployer too: nobody gets a host-network pod into an agent namespace", () => {
        expect(deniedBy(admit(policy, podRequest(hostNetwork, { by: DEPLOYER })))).toEqual(["hostNetwork"]);
    });
});

describe("agent-pod-security: sandbox runtime class", () => {
    it("denies pods without the configured runtimeClassName or with another one", () => {
        const missing = admit(sandboxed, podRequest(compliantPodSpec()));
        expect(deniedBy(missing)).toEqual(["runtimeClassName"]);
        expect(missing.denials[0].message).toContain(
            "uses runtimeClassName <unset: node default>; agent namespaces allow only the sandbox runtime gvisor",
        );
        expect(deniedBy(admit(sandboxed, podRequest(compliantPodSpec("runc"))))).toEqual([
            "runtimeClassName",
        ]);
    });

    it("allows pods on the sandbox runtime, and does not check the runtime when none is configured", () => {
        expect(deniedBy(admit(sandboxed, podRequest(compliantPodSpec("gvisor"))))).toEqual([]);
        expect(policy.validations.map((v) => v.id)).not.toContain("runtimeClassName");
    });
});

describe("namespace-pod-security (per-namespace binding)", () => {
    const nsPolicy = specs.namespacePodSecurity;
    const binding = RESEARCH;

    it("applies the pod rules in the bound namespace without any label or pattern", () => {
        const outcome = admit(
            nsPolicy,
            podRequest({ ...compliantPodSpec(), hostPID: true }, { namespace: "research" }),
            binding,
        );
        expect(deniedBy(outcome)).toEqual(["hostPID"]);
        expect(
            deniedBy(admit(nsPolicy, podRequest(compliantPodSpec(), { namespace: "research" }), binding)),
        ).toEqual([]);
    });

    it("skips pods in other namespaces", () => {
        const outcome = admit(
            nsPolicy,
            podRequest({ ...compliantPodSpec(), hostPID: true }, { namespace: "team-a" }),
            binding,
        );
        expect(outcome.evaluated).toBe(false);
    });
});

describe("agent-pod-security: expression coverage", () => {
    it("saw every validation both pass and deny in these fixtures", () => {
        const expressions = [...sandboxed.validations, ...specs.namespacePodSecurity.validations].map(
            (v) => v.expression,
        );
        expect(expressionsNeverSeen(expressions, true)).toEqual([]);
        expect(expressionsNeverSeen(expressions, false)).toEqual([]);
        const inAgentNamespace =
            policy.variables.find((v) => v.name === "inAgentNamespace")?.expression ?? "";
        expect(expressionsNeverSeen([inAgentNamespace], true)).toEqual([]);
        expect(expressionsNeverSeen([inAgentNamespace], false)).toEqual([]);
    });
});

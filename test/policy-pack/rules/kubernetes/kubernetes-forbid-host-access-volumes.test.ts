import { describe, expect, it } from "vitest";
import { kubernetesForbidHostAccess } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-host-access";
import { runStackPolicy, UNKNOWN, urnOf, type FakeResource } from "../../../helpers/policy-harness";
import { deployment, namespace, pod } from "./fixtures";

/** hostPath and local PersistentVolumes reached through claims: the indirect way onto a node's disk. */

const PV = "kubernetes:core/v1:PersistentVolume";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const POD = "kubernetes:core/v1:Pod";
const STS = "kubernetes:apps/v1:StatefulSet";

const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidHostAccess, resources);

function volume(
    name: string,
    spec: Record<string, unknown>,
    metadata: Record<string, unknown> = { name },
): FakeResource {
    return {
        type: PV,
        name,
        props: {
            metadata,
            spec: { capacity: { storage: "10Gi" }, accessModes: ["ReadWriteOnce"], ...spec },
        },
    };
}
const hostVolume = (name: string, spec: Record<string, unknown> = {}, metadata?: Record<string, unknown>) =>
    volume(name, { hostPath: { path: "/" }, ...spec }, metadata);

function claim(name: string, ns: unknown, spec: Record<string, unknown> = {}, metadata = {}): FakeResource {
    return {
        type: PVC,
        name,
        props: {
            metadata: { name, namespace: ns, ...metadata },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec },
        },
    };
}

const mounting = (name: string, ns: string | undefined, claimName: unknown) =>
    pod(name, ns, { volumes: [{ name: "data", persistentVolumeClaim: { claimName } }] });

function statefulSet(name: string, ns: string, templates: unknown, podSpec: Record<string, unknown> = {}) {
    return {
        type: STS,
        name,
        props: {
            metadata: { name, namespace: ns },
            spec: {
                serviceName: name,
                selector: { matchLabels: { app: name } },
                template: {
                    metadata: {},
                    spec: { containers: [{ name: "c", image: "busybox:1.36" }], ...podSpec },
                },
                volumeClaimTemplates: templates,
            },
        },
    };
}

const template = (name: string, spec: Record<string, unknown>) => ({
    metadata: { name },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec },
});

const byUrn = (violations: { urn?: string; message: string }[]) =>
    Object.fromEntries(violations.map((v) => [v.urn, v.message]));

describe("kubernetes-forbid-host-access: hostPath and local PersistentVolumes", () => {
    describe("binding through the claim's spec.volumeName", () => {
        it("rejects the claim and the pod that mounts it", async () => {
            const v = byUrn(
                await run([
                    namespace("agent-a"),
                    hostVolume("host-root", { storageClassName: "manual" }),
                    claim("data", "agent-a", { volumeName: "host-root", storageClassName: "manual" }),
                    mounting("p", "agent-a", "data"),
                ]),
            );
            expect(Object.keys(v).sort()).toEqual([urnOf(POD, "p"), urnOf(PVC, "data")].sort());
            expect(v[urnOf(PVC, "data")]).toContain(
                'PersistentVolumeClaim data in agent namespace agent-a gives pods a node\'s disk: it is bound to PersistentVolume host-root, which mounts hostPath "/" of a node (spec.volumeName of PersistentVolumeClaim data names it)',
            );
            expect(v[urnOf(PVC, "data")]).toMatch(
                /Bind claims in agent namespaces only to network or CSI volumes/,
            );
            expect(v[urnOf(POD, "p")]).toContain(
                'Pod p in agent namespace agent-a breaks host confinement: spec.volumes[0].persistentVolumeClaim.claimName "data" is bound to PersistentVolume host-root, which mounts hostPath "/" of a node (through PersistentVolumeClaim data: spec.volumeName of PersistentVolumeClaim data names it)',
            );
            expect(v[urnOf(POD, "p")]).toMatch(/Mount only claims bound to network or CSI volumes/);
        });

        it("passes a claim whose volumeName names an NFS volume, even beside an unreserved hostPath volume of its class", async () => {
            expect(
                await run([
                    hostVolume("host-root", { storageClassName: "manual" }),
                    volume("nfs", {
                        nfs: { server: "10.0.0.5", path: "/exports/a" },
                        storageClassName: "manual",
                    }),
                    claim("data", "agent-a", { volumeName: "nfs", storageClassName: "manual" }),
                    mounting("p", "agent-a", "data"),
                ]),
            ).toEqual([]);
        });

        it("rejects a local volume the same way (a node's disk too)", async () => {
            const v = byUrn(
                await run([
                    volume("ssd", { local: { path: "/mnt/disks/ssd1" }, storageClassName: "local-storage" }),
                    claim("scratch", "agent-a", { volumeName: "ssd", storageClassName: "local-storage" }),
                ]),
            );
            expect(v[urnOf(PVC, "scratch")]).toMatch(
                /is bound to PersistentVolume ssd, which mounts local path "\/mnt\/disks\/ssd1" of a node \(spec\.volumeName/,
            );
        });

        it("matches a volumeName against a generated volume name", async () => {
            const autonamed = hostVolume("host-root", { storageClassName: "manual" }, {});
            const v = await run([autonamed, claim("data", "agent-a", { volumeName: "host-root-5f2a9c1e" })]);
            expect(v).toHaveLength(1);
            expect(v[0].message).toMatch(
                /may be bound to PersistentVolume host-root.*the generated name host-root-\* may be "host-root-5f2a9c1e"/,
            );
            expect(
                await run([autonamed, claim("data", "agent-a", { volumeName: "other-5f2a9c1e" })]),
            ).toEqual([]);
        });
    });

    describe("binding through the volume's spec.claimRef", () => {
        const reserved = (ns: string, name = "data") =>
            hostVolume("host-root", { storageClassName: "manual", claimRef: { namespace: ns, name } });

        it("rejects the volume, the claim it names and the pod, though the claim names no volume", async () => {
            const v = byUrn(
                await run([
                    reserved("agent-a"),
                    claim("data", "agent-a", { storageClassName: "fast" }),
                    mounting("p", "agent-a", "data"),
                ]),
            );
            expect(Object.keys(v).sort()).toEqual(
                [urnOf(PV, "host-root"), urnOf(PVC, "data"), urnOf(POD, "p")].sort(),
            );
            expect(v[urnOf(PV, "host-root")]).toContain(
                'PersistentVolume host-root, which mounts hostPath "/" of a node, is reserved for a claim in an agent namespace: its spec.claimRef reserves it for claim agent-a/data in agent namespace agent-a. Do not reserve hostPath or local PersistentVolumes for agent claims',
            );
            expect(v[urnOf(PVC, "data")]).toMatch(
                /is bound to PersistentVolume host-root, .*\(spec\.claimRef of PersistentVolume host-root names agent-a\/data\)/,
            );
            expect(v[urnOf(POD, "p")]).toMatch(/claimName "data" is bound to PersistentVolume host-root/);
        });

        it("rejects a pod mounting the reserved claim when the claim itself is not in the stack", async () => {
            const v = byUrn(await run([reserved("agent-a"), mounting("p", "agent-a", "data")]));
            expect(v[urnOf(POD, "p")]).toMatch(
                /claimName "data" is bound to PersistentVolume host-root.*spec\.claimRef of PersistentVolume host-root names agent-a\/data/,
            );
            expect(v[urnOf(PV, "host-root")]).toBeDefined();
        });

        it("fails closed on a claimRef of the wrong shape, naming the field", async () => {
            const odd = hostVolume("host-root", { storageClassName: "manual", claimRef: "agent-a/data" });
            const v = byUrn(await run([odd, mounting("p", "agent-a", "data")]));
            expect(v[urnOf(PV, "host-root")]).toMatch(
                /spec\.claimRef of PersistentVolume host-root is "agent-a\/data" \(a string\), not an object reference/,
            );
        });

        it("treats a namespace labelled agentguard.io/agent as an agent namespace", async () => {
            const v = await run([
                namespace("research", { "agentguard.io/agent": "r" }),
                reserved("research"),
            ]);
            expect(v.map((x) => x.urn)).toEqual([urnOf(PV, "host-root")]);
            expect(v[0].message).toContain("agent namespace research");
        });

        it("passes a volume reserved for a claim outside agent namespaces, and keeps agent claims of its class off it", async () => {
            expect(
                await run([
                    namespace("monitoring"),
                    reserved("monitoring", "prom-data"),
                    claim("prom-data", "monitoring", { volumeName: "host-root", storageClassName: "manual" }),
                    mounting("prometheus", "monitoring", "prom-data"),
                    // same class, but the volume is reserved for monitoring/prom-data, so the binder skips it
                    claim("data", "agent-a", { storageClassName: "manual" }),
                    mounting("p", "agent-a", "data"),
                ]),
            ).toEqual([]);
        });
    });

    describe("binding by a shared storage class", () => {
        it("rejects a claim of the same class as an unreserved hostPath volume", async () => {
            const v = byUrn(
                await run([
                    hostVolume("host-root", { storageClassName: "manual" }),
                    claim("data", "agent-a", { storageClassName: "manual" }),
                    deployment("d", "agent-a", {
                        containers: [],
                        volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
                    }),
                ]),
            );
            expect(v[urnOf(PVC, "data")]).toContain(
                'may be bound to PersistentVolume host-root, which mounts hostPath "/" of a node (PersistentVolume host-root has no spec.claimRef and both have storage class "manual", so the binder may pair them)',
            );
            expect(v[urnOf("kubernetes:apps/v1:Deployment", "d")]).toMatch(
                /spec\.template\.spec\.volumes\[0\]\.persistentVolumeClaim\.claimName "data" may be bound to PersistentVolume host-root/,
            );
        });

        it("passes a claim of another class", async () => {
            expect(
                await run([
                    hostVolume("host-root", { storageClassName: "manual" }),
                    claim("data", "agent-a", { storageClassName: "gp3" }),
                    mounting("p", "agent-a", "data"),
                ]),
            ).toEqual([]);
        });

        it("rejects an empty class on both sides, and an unset claim class (the cluster default may apply)", async () => {
            const classless = hostVolume("host-root");
            const empty = await run([classless, claim("data", "agent-a", { storageClassName: "" })]);
            expect(empty).toHaveLength(1);
            expect(empty[0].message).toMatch(/both have storage class "", so the binder may pair them/);
            const unset = await run([classless, claim("data", "agent-a")]);
            expect(unset[0].message).toMatch(
                /no storage class, and spec\.storageClassName of PersistentVolumeClaim data is unset, so without a default StorageClass/,
            );
            const standard = await run([
                hostVolume("host-root", { storageClassName: "standard" }),
                claim("data", "agent-a"),
            ]);
            expect(standard[0].message).toMatch(
                /storage class "standard", and spec\.storageClassName of PersistentVolumeClaim data is unset, so if that is the cluster's default StorageClass/,
            );
        });

        it("reads the beta storage-class annotation before spec.storageClassName, as the binder does", async () => {
            const annotated = hostVolume(
                "host-root",
                { storageClassName: "unused" },
                { name: "host-root", annotations: { "volume.beta.kubernetes.io/storage-class": "fast" } },
            );
            const v = await run([annotated, claim("data", "agent-a", { storageClassName: "fast" })]);
            expect(v).toHaveLength(1);
            expect(v[0].message).toMatch(/both have storage class "fast"/);
        });
    });

    describe("StatefulSet volumeClaimTemplates and ephemeral volumes", () => {
        it("rejects a template whose volumeName names a hostPath volume", async () => {
            const v = await run([
                hostVolume("host-root", { storageClassName: "manual" }),
                statefulSet("web", "agent-a", [template("data", { volumeName: "host-root" })]),
            ]);
            expect(v).toHaveLength(1);
            expect(v[0].urn).toBe(urnOf(STS, "web"));
            expect(v[0].message).toContain(
                'StatefulSet web in agent namespace agent-a breaks host confinement: spec.volumeClaimTemplates[0] (claims data-web-<ordinal>) is bound to PersistentVolume host-root, which mounts hostPath "/" of a node (spec.volumeClaimTemplates[0].spec.volumeName names it)',
            );
        });

        it("rejects a template sharing an unreserved hostPath volume's class", async () => {
            const v = await run([
                hostVolume("host-root", { storageClassName: "manual" }),
                statefulSet("web", "agent-a", [template("data", { storageClassName: "manual" })]),
            ]);
            expect(v.map((x) => x.urn)).toEqual([urnOf(STS, "web")]);
            expect(v[0].message).toMatch(/both have storage class "manual"/);
        });

        it("rejects a hostPath volume whose claimRef names a claim the StatefulSet will create", async () => {
            const v = byUrn(
                await run([
                    hostVolume("host-root", { claimRef: { namespace: "agent-a", name: "data-web-0" } }),
                    statefulSet("web", "agent-a", [template("data", { storageClassName: "gp3" })]),
                ]),
            );
            expect(Object.keys(v).sort()).toEqual([urnOf(PV, "host-root"), urnOf(STS, "web")].sort());
            expect(v[urnOf(STS, "web")]).toMatch(
                /may be bound to PersistentVolume host-root.*the generated name data-web-<ordinal> may be "data-web-0"/,
            );
        });

        it("rejects a StatefulSet adopting a pre-created claim bound to a hostPath volume", async () => {
            const v = byUrn(
                await run([
                    hostVolume("host-root", { storageClassName: "manual" }),
                    claim("data-web-0", "agent-a", { volumeName: "host-root" }),
                    statefulSet("web", "agent-a", [template("data", { storageClassName: "gp3" })]),
                ]),
            );
            expect(v[urnOf(STS, "web")]).toMatch(
                /may be bound to PersistentVolume host-root.*through PersistentVolumeClaim data-web-0/,
            );
            expect(v[urnOf(PVC, "data-web-0")]).toBeDefined();
        });

        it("passes a StatefulSet whose templates use another class", async () => {
            expect(
                await run([
                    hostVolume("host-root", { storageClassName: "manual" }),
                    statefulSet("web", "agent-a", [template("data", { storageClassName: "gp3" })]),
                ]),
            ).toEqual([]);
        });

        it("rejects an ephemeral volume whose claim template names a hostPath volume", async () => {
            const v = await run([
                hostVolume("host-root", { storageClassName: "manual" }),
                pod("p", "agent-a", {
                    volumes: [
                        {
                            name: "scratch",
                            ephemeral: { volumeClaimTemplate: { spec: { volumeName: "host-root" } } },
                        },
                    ],
                }),
            ]);
            expect(v).toHaveLength(1);
            expect(v[0].message).toContain(
                'spec.volumes[0].ephemeral.volumeClaimTemplate (claim "p-scratch") is bound to PersistentVolume host-root',
            );
        });
    });

    describe("values unknown during preview", () => {
        it("fails closed on an unknown claimName, naming the field", async () => {
            const v = byUrn(
                await run([
                    hostVolume("host-root", { storageClassName: "manual" }),
                    claim("data", "agent-a", { storageClassName: "manual" }),
                    mounting("p", "agent-a", UNKNOWN),
                ]),
            );
            expect(v[urnOf(POD, "p")]).toMatch(
                /spec\.volumes\[0\]\.persistentVolumeClaim\.claimName \(unknown during preview\) may be bound to PersistentVolume host-root.*spec\.volumes\[0\]\.persistentVolumeClaim\.claimName is unknown during preview/,
            );
        });

        it("fails closed on an unknown volumeName, but only when a hostPath volume is in the stack", async () => {
            const v = await run([
                hostVolume("host-root", { storageClassName: "manual" }),
                claim("data", "agent-a", { volumeName: UNKNOWN, storageClassName: "gp3" }),
            ]);
            expect(v).toHaveLength(1);
            expect(v[0].message).toMatch(
                /may be bound to PersistentVolume host-root.*spec\.volumeName of PersistentVolumeClaim data is unknown during preview/,
            );
            expect(
                await run([
                    volume("nfs", { nfs: { server: "10.0.0.5", path: "/a" } }),
                    claim("data", "agent-a", { volumeName: UNKNOWN }),
                ]),
            ).toEqual([]);
        });

        it("fails closed on an unknown volume name", async () => {
            const v = await run([
                hostVolume("host-root", { storageClassName: "manual" }, { name: UNKNOWN }),
                claim("data", "agent-a", { volumeName: "anything", storageClassName: "gp3" }),
            ]);
            expect(v).toHaveLength(1);
            expect(v[0].message).toMatch(
                /metadata\.name of PersistentVolume host-root is unknown during preview/,
            );
        });

        it("fails closed on an unknown claimRef, or an unknown claimRef namespace", async () => {
            const whole = byUrn(
                await run([
                    hostVolume("host-root", { claimRef: UNKNOWN }),
                    claim("data", "agent-a", { storageClassName: "gp3" }),
                ]),
            );
            expect(whole[urnOf(PV, "host-root")]).toMatch(
                /may be reserved for a claim in an agent namespace: spec\.claimRef of PersistentVolume host-root is unknown during preview/,
            );
            expect(whole[urnOf(PVC, "data")]).toMatch(
                /spec\.claimRef of PersistentVolume host-root is unknown/,
            );
            const ns = await run([
                hostVolume("host-root", { claimRef: { namespace: UNKNOWN, name: "data" } }),
            ]);
            expect(ns).toHaveLength(1);
            expect(ns[0].message).toMatch(
                /spec\.claimRef\.namespace of PersistentVolume host-root is unknown during preview, so its claim \(unknown\)\/data may be in an agent namespace/,
            );
        });

        it("fails closed on an unknown claim name against a claimRef into its namespace", async () => {
            const v = byUrn(
                await run([
                    hostVolume("host-root", { claimRef: { namespace: "agent-a", name: "data" } }),
                    claim("renamed", "agent-a", { storageClassName: "gp3" }, { name: UNKNOWN }),
                ]),
            );
            expect(v[urnOf(PVC, "renamed")]).toMatch(
                /may be bound to PersistentVolume host-root.*metadata\.name of PersistentVolumeClaim renamed is unknown during preview/,
            );
        });

        it("fails closed on an unknown storageClassName on either side", async () => {
            const claimSide = await run([
                hostVolume("host-root", { storageClassName: "manual" }),
                claim("data", "agent-a", { storageClassName: UNKNOWN }),
            ]);
            expect(claimSide[0].message).toMatch(
                /may pair them by storage class: spec\.storageClassName of PersistentVolumeClaim data is unknown during preview/,
            );
            const volumeSide = await run([
                hostVolume("host-root", { storageClassName: UNKNOWN }),
                claim("data", "agent-a", { storageClassName: "gp3" }),
            ]);
            expect(volumeSide[0].message).toMatch(
                /spec\.storageClassName of PersistentVolume host-root is unknown during preview/,
            );
        });

        it("fails closed on an unknown hostPath, and passes a known network volume in its place", async () => {
            const v = await run([
                volume("maybe-host", { hostPath: UNKNOWN }),
                claim("data", "agent-a", { volumeName: "maybe-host" }),
            ]);
            expect(v).toHaveLength(1);
            expect(v[0].message).toContain(
                "may be bound to PersistentVolume maybe-host, which may mount a node's disk (spec.hostPath of PersistentVolume maybe-host is unknown during preview)",
            );
            expect(
                await run([
                    volume("csi", { csi: { driver: "ebs.csi.aws.com", volumeHandle: "vol-1" } }),
                    claim("data", "agent-a", { volumeName: "csi" }),
                ]),
            ).toEqual([]);
        });

        it("fails closed on names that arrive absent while not resolved yet (offline runs)", async () => {
            // `volumeName: pv.metadata.name` and `claimName: pvc.metadata.name` of autonamed resources
            const computed: FakeResource = {
                ...claim("data", "agent-a", { storageClassName: "gp3" }),
                propertyDependencies: { spec: ["host-root"] },
            };
            const mounted: FakeResource = {
                ...pod("p", "agent-a", { volumes: [{ name: "data", persistentVolumeClaim: {} }] }),
                propertyDependencies: { spec: ["data"] },
            };
            const v = byUrn(
                await run([hostVolume("host-root", { storageClassName: "manual" }), computed, mounted]),
            );
            expect(v[urnOf(PVC, "data")]).toMatch(
                /may be bound to PersistentVolume host-root.*spec of PersistentVolumeClaim data is computed from PersistentVolume host-root and sets no volumeName/,
            );
            expect(v[urnOf(POD, "p")]).toMatch(
                /spec\.volumes\[0\]\.persistentVolumeClaim\.claimName \(not set\) may be bound to PersistentVolume host-root.*claimName is not set/,
            );
            // the same claim computed from an NFS volume, beside a hostPath volume of another class, passes
            expect(
                await run([
                    hostVolume("host-root", { storageClassName: "manual" }),
                    volume("nfs", { nfs: { server: "10.0.0.5", path: "/a" }, storageClassName: "gp3" }),
                    { ...computed, propertyDependencies: { spec: ["nfs"] } },
                    mounted,
                ]),
            ).toEqual([]);
        });

        it("fails closed when the claim's namespace cannot be determined", async () => {
            const v = await run([
                hostVolume("host-root", { storageClassName: "manual" }),
                claim("data", UNKNOWN, { volumeName: "host-root" }),
            ]);
            expect(v).toHaveLength(1);
            expect(v[0].message).toMatch(
                /PersistentVolumeClaim data in a namespace that could not be determined \(metadata\.namespace of data is unknown/,
            );
        });
    });

    describe("what is not a violation", () => {
        it("passes a hostPath volume bound to a claim outside agent namespaces", async () => {
            expect(
                await run([
                    namespace("monitoring"),
                    hostVolume("host-root", { storageClassName: "manual" }),
                    claim("prom-data", "monitoring", { volumeName: "host-root", storageClassName: "manual" }),
                    mounting("prometheus", "monitoring", "prom-data"),
                ]),
            ).toEqual([]);
        });

        it("passes agent claims bound to NFS and CSI volumes through every binding path", async () => {
            expect(
                await run([
                    volume("nfs", {
                        nfs: { server: "10.0.0.5", path: "/exports/a" },
                        claimRef: { namespace: "agent-a", name: "shared" },
                    }),
                    volume("csi", {
                        csi: { driver: "ebs.csi.aws.com", volumeHandle: "vol-1" },
                        storageClassName: "",
                    }),
                    claim("shared", "agent-a"),
                    claim("data", "agent-a", { volumeName: "csi" }),
                    claim("more", "agent-a", { storageClassName: "" }),
                    mounting("p", "agent-a", "shared"),
                    statefulSet("web", "agent-a", [template("data", { storageClassName: "" })]),
                ]),
            ).toEqual([]);
        });

        it("passes a dynamically provisioned claim (no volume in the stack)", async () => {
            expect(
                await run([
                    claim("data", "agent-a", { storageClassName: "gp3" }),
                    claim("other", "agent-a", { volumeName: "created-elsewhere" }),
                    mounting("p", "agent-a", "data"),
                ]),
            ).toEqual([]);
        });

        it("judges a pod with host access and a host volume in one finding", async () => {
            const p = pod("p", "agent-a", {
                hostNetwork: true,
                volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
            });
            const v = await run([
                hostVolume("host-root", { claimRef: { namespace: "agent-a", name: "data" } }),
                p,
            ]);
            const message = byUrn(v)[urnOf(POD, "p")];
            expect(v.filter((x) => x.urn === urnOf(POD, "p"))).toHaveLength(1);
            expect(message).toMatch(
                /spec\.hostNetwork is true.*claimName "data" is bound to PersistentVolume host-root/,
            );
            expect(message).toMatch(
                /Keep these host-access settings false.*Mount only claims bound to network/,
            );
        });
    });
});

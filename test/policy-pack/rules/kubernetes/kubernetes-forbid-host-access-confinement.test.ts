import { describe, expect, it } from "vitest";
import { kubernetesForbidHostAccess } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-host-access";
import { runStackPolicy, UNKNOWN, urnOf, type FakeResource } from "../../../helpers/policy-harness";
import { deployment, namespace, pod } from "./fixtures";

/** Seccomp, AppArmor, procMount and sysctls: what baseline/restricted Pod Security forbids beyond hostX. */

const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidHostAccess, resources);
const container = (securityContext: unknown) => ({ name: "c", image: "busybox:1.36", securityContext });
const agentPod = (spec: Record<string, unknown>, metadata?: Record<string, unknown>): FakeResource => {
    const p = pod("p", "agent-a", spec);
    return metadata === undefined
        ? p
        : { ...p, props: { ...p.props, metadata: { name: "p", namespace: "agent-a", ...metadata } } };
};
const POD_URN = urnOf("kubernetes:core/v1:Pod", "p");

describe("kubernetes-forbid-host-access: Pod Security confinement", () => {
    it("passes a pod confined the restricted way", async () => {
        const spec = {
            securityContext: {
                seccompProfile: { type: "RuntimeDefault" },
                appArmorProfile: { type: "Localhost", localhostProfile: "agent" },
                sysctls: [
                    { name: "net.ipv4.ip_local_port_range", value: "1024 65535" },
                    { name: "net/ipv4/tcp_syncookies", value: "1" },
                ],
            },
            containers: [
                container({
                    procMount: "Default",
                    seccompProfile: { type: "Localhost", localhostProfile: "p.json" },
                    appArmorProfile: { type: "RuntimeDefault" },
                }),
            ],
        };
        const annotations = {
            "container.apparmor.security.beta.kubernetes.io/c": "runtime/default",
            "container.apparmor.security.beta.kubernetes.io/d": "localhost/agent",
        };
        expect(await run([namespace("agent-a"), agentPod(spec, { annotations })])).toEqual([]);
    });

    it.each([
        [
            "an Unconfined pod seccomp profile",
            { securityContext: { seccompProfile: { type: "Unconfined" } } },
            'spec.securityContext.seccompProfile.type is "Unconfined" (it turns off seccomp',
        ],
        [
            "an Unconfined container seccomp profile",
            { containers: [container({ seccompProfile: { type: "Unconfined" } })] },
            'spec.containers[0].securityContext.seccompProfile.type is "Unconfined"',
        ],
        [
            "an Unconfined init container seccomp profile",
            { initContainers: [container({ seccompProfile: { type: "Unconfined" } })] },
            'spec.initContainers[0].securityContext.seccompProfile.type is "Unconfined"',
        ],
        [
            "an Unconfined pod AppArmor profile",
            { securityContext: { appArmorProfile: { type: "Unconfined" } } },
            'spec.securityContext.appArmorProfile.type is "Unconfined" (it turns off AppArmor',
        ],
        [
            "an Unconfined container AppArmor profile",
            { containers: [container({ appArmorProfile: { type: "Unconfined" } })] },
            'spec.containers[0].securityContext.appArmorProfile.type is "Unconfined"',
        ],
        [
            "an Unmasked procMount",
            { containers: [container({ procMount: "Unmasked" })] },
            'spec.containers[0].securityContext.procMount is "Unmasked" (it unmasks the /proc paths',
        ],
        [
            "an Unmasked procMount in an ephemeral container",
            { ephemeralContainers: [container({ procMount: "Unmasked" })] },
            'spec.ephemeralContainers[0].securityContext.procMount is "Unmasked"',
        ],
        [
            "an unsafe sysctl",
            { securityContext: { sysctls: [{ name: "kernel.core_pattern", value: "|/tmp/x" }] } },
            'spec.securityContext.sysctls[0].name is "kernel.core_pattern" (it sets a kernel parameter outside the Kubernetes safe set',
        ],
        [
            "an unsafe sysctl after a safe one",
            {
                securityContext: {
                    sysctls: [
                        { name: "net.ipv4.tcp_syncookies", value: "1" },
                        { name: "net.core.somaxconn", value: "1024" },
                    ],
                },
            },
            'spec.securityContext.sysctls[1].name is "net.core.somaxconn"',
        ],
        [
            "an unsafe sysctl written with slashes",
            { securityContext: { sysctls: [{ name: "kernel/core_pattern", value: "x" }] } },
            'sysctls[0].name is "kernel/core_pattern"',
        ],
        [
            "a safe sysctl name in another case",
            { securityContext: { sysctls: [{ name: "NET.IPV4.TCP_SYNCOOKIES", value: "1" }] } },
            'sysctls[0].name is "NET.IPV4.TCP_SYNCOOKIES"',
        ],
    ])("rejects %s in an agent pod", async (_label, spec, message) => {
        const v = await run([namespace("agent-a"), agentPod(spec)]);
        expect(v).toHaveLength(1);
        expect(v[0].policy).toBe("kubernetes-forbid-host-access");
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].urn).toBe(POD_URN);
        expect(v[0].message).toContain("Pod p in agent namespace agent-a breaks host confinement");
        expect(v[0].message).toContain(message);
    });

    it("rejects the legacy AppArmor annotation set to unconfined on a pod", async () => {
        const annotations = { "container.apparmor.security.beta.kubernetes.io/c": "unconfined" };
        const v = await run([agentPod({}, { annotations })]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toContain(
            'metadata.annotations["container.apparmor.security.beta.kubernetes.io/c"] is "unconfined" (it turns off AppArmor',
        );
    });

    it("reads the AppArmor annotation on a Deployment's pod template, not the Deployment's own metadata", async () => {
        const annotations = { "container.apparmor.security.beta.kubernetes.io/c": "unconfined" };
        const d = deployment("d", "agent-a", { containers: [container({})] });
        const spec = d.props.spec as Record<string, unknown>;
        const onTemplate: FakeResource = {
            ...d,
            props: {
                ...d.props,
                spec: { ...spec, template: { metadata: { annotations }, spec: { containers: [] } } },
            },
        };
        const v = await run([onTemplate]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toContain(
            'spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/c"] is "unconfined"',
        );
        // annotations on the Deployment itself do not reach its pods
        const onDeployment: FakeResource = {
            ...d,
            props: { ...d.props, metadata: { name: "d", namespace: "agent-a", annotations } },
        };
        expect(await run([onDeployment])).toEqual([]);
    });

    it.each([
        [
            "the pod seccomp profile",
            { securityContext: { seccompProfile: UNKNOWN } },
            /spec\.securityContext\.seccompProfile is unknown/,
        ],
        [
            "a container seccomp profile type",
            { containers: [container({ seccompProfile: { type: UNKNOWN } })] },
            /containers\[0\]\.securityContext\.seccompProfile\.type is unknown/,
        ],
        [
            "a container AppArmor profile type",
            { containers: [container({ appArmorProfile: { type: UNKNOWN } })] },
            /appArmorProfile\.type is unknown/,
        ],
        [
            "procMount",
            { containers: [container({ procMount: UNKNOWN })] },
            /securityContext\.procMount is unknown/,
        ],
        [
            "the sysctl list",
            { securityContext: { sysctls: UNKNOWN } },
            /spec\.securityContext\.sysctls is unknown/,
        ],
        [
            "a sysctl name",
            { securityContext: { sysctls: [{ name: UNKNOWN, value: "1" }] } },
            /spec\.securityContext\.sysctls\[0\]\.name is unknown/,
        ],
    ])("fails closed when %s is unknown", async (_label, spec, message) => {
        const v = await run([agentPod(spec)]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(message);
    });

    it("fails closed when the pod's annotations, or an AppArmor annotation's value, are unknown", async () => {
        const unknownAll = await run([agentPod({}, { annotations: UNKNOWN })]);
        expect(unknownAll).toHaveLength(1);
        expect(unknownAll[0].message).toContain("metadata.annotations is unknown during preview");
        const key = "container.apparmor.security.beta.kubernetes.io/c";
        const unknownValue = await run([agentPod({}, { annotations: { [key]: UNKNOWN } })]);
        expect(unknownValue).toHaveLength(1);
        expect(unknownValue[0].message).toContain(`metadata.annotations["${key}"] is unknown during preview`);
        // an unknown value under an unrelated annotation is no violation
        expect(await run([agentPod({}, { annotations: { "checksum/config": UNKNOWN } })])).toEqual([]);
    });

    it("ignores unconfined settings and unsafe sysctls outside agent namespaces", async () => {
        const spec = {
            securityContext: {
                seccompProfile: { type: "Unconfined" },
                sysctls: [{ name: "kernel.core_pattern", value: "x" }],
            },
            containers: [container({ procMount: "Unmasked" })],
        };
        expect(await run([namespace("monitoring"), pod("p", "monitoring", spec)])).toEqual([]);
    });
});

import { kindOfValue } from "../shape";
import { isUnknown } from "../unknowns";

/** One way a pod spec reaches past its container onto the node, or a value that hides whether it does. */
export interface HostAccess {
    /** Field path inside the pod spec, e.g. `containers[0].securityContext.privileged`. */
    readonly field: string;
    readonly value: unknown;
    /** True when the value is unknown during preview, so the rule cannot tell. */
    readonly unknown: boolean;
    readonly why: string;
}

// Restricted Pod Security allows adding this one capability: it only binds ports below 1024.
const ALLOWED_ADDED_CAPABILITIES = new Set(["NET_BIND_SERVICE"]);
const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers", "sidecars"] as const;
// The sysctls baseline Pod Security calls safe: namespaced to the pod, and unable to reach the node.
const SAFE_SYSCTLS = new Set([
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
]);
const CONFINING_PROFILES = new Set(["RuntimeDefault", "Localhost"]);
/**
 * SELinux types that keep a container confined: the ones Pod Security allows, less container_engine_t (made
 * for running a container engine inside the pod, so looser than container_t). spc_t, unconfined_t, any
 * *_unconfined_t and every other type are judged as escapes.
 */
const CONFINED_SELINUX_TYPES = new Set(["container_t", "container_init_t", "container_kvm_t"]);
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Every host-level access a pod spec asks for (hostNetwork, hostPID, hostIPC, hostPort, hostPath, privileged,
 * unconfined seccomp or AppArmor, unmasked /proc, unsafe sysctls…). `podMetadata` is the pod (template)'s
 * metadata, whose annotations can still turn AppArmor off; `metadataAt` its path.
 */
export function findHostAccess(
    podSpec: unknown,
    at = "spec",
    podMetadata?: unknown,
    metadataAt = metadataPathOf(at),
    customShape = false,
): HostAccess[] {
    const found: HostAccess[] = [];
    const unknown = (field: string, value: unknown) =>
        found.push({ field, value, unknown: true, why: "its value is unknown during preview" });
    if (isUnknown(podSpec)) {
        unknown(at, podSpec);
        return found;
    }
    checkAppArmorAnnotations(podMetadata, metadataAt, found);
    if (podSpec === undefined || podSpec === null) return found;
    if (!isObject(podSpec)) {
        malformed(found, at, podSpec, "a pod spec object");
        return found;
    }
    const flag = (field: string, value: unknown, why: string) => {
        if (isUnknown(value)) unknown(`${at}.${field}`, value);
        else if (value === true) found.push({ field: `${at}.${field}`, value, unknown: false, why });
    };
    flag(
        "hostNetwork",
        podSpec.hostNetwork,
        "it puts the pod on the node's network, past every NetworkPolicy",
    );
    flag("hostPID", podSpec.hostPID, "it shares the node's process namespace");
    flag("hostIPC", podSpec.hostIPC, "it shares the node's IPC namespace");
    // A custom resource's pod-like object (a Spark executor) may hold a container's securityContext.
    if (customShape) checkEitherSecurityContext(podSpec.securityContext, `${at}.securityContext`, found);
    else checkSecurityContext(podSpec.securityContext, `${at}.securityContext`, found, false);
    eachItem(podSpec.volumes, `${at}.volumes`, found, (volume, field) => {
        if (!isObject(volume)) return malformed(found, field, volume, "a volume object");
        if (isUnknown(volume.hostPath)) unknown(`${field}.hostPath`, volume.hostPath);
        else if (volume.hostPath !== undefined && volume.hostPath !== null) {
            found.push({
                field: `${field}.hostPath`,
                value: volume.hostPath,
                unknown: false,
                why: "it mounts a directory of the node",
            });
        }
    });
    const container = (value: unknown, field: string) => {
        if (!isObject(value)) return malformed(found, field, value, "a container object");
        checkSecurityContext(value.securityContext, `${field}.securityContext`, found, true);
        eachItem(value.ports, `${field}.ports`, found, (port, portField) => {
            if (!isObject(port)) return malformed(found, portField, port, "a port object");
            checkHostPort(port.hostPort, `${portField}.hostPort`, found);
        });
    };
    for (const list of CONTAINER_LISTS) eachItem(podSpec[list], `${at}.${list}`, found, container);
    // Argo templates run `container`, `script` and `containerSet.containers` as the pod's containers.
    for (const single of ["container", "script"]) {
        const value = podSpec[single];
        if (isUnknown(value)) unknown(`${at}.${single}`, value);
        else if (value !== undefined && value !== null) container(value, `${at}.${single}`);
    }
    const set = podSpec.containerSet;
    if (isUnknown(set)) unknown(`${at}.containerSet`, set);
    else if (isObject(set)) eachItem(set.containers, `${at}.containerSet.containers`, found, container);
    return found;
}

function checkHostPort(hostPort: unknown, field: string, found: HostAccess[]): void {
    if (isUnknown(hostPort))
        found.push({ field, value: hostPort, unknown: true, why: "its value is unknown during preview" });
    else if (hostPort !== undefined && hostPort !== null && hostPort !== 0) {
        found.push({
            field,
            value: hostPort,
            unknown: false,
            why: "it opens a port on the node's own network interface",
        });
    }
}

const HOST_NAMESPACES: Record<string, string> = {
    hostNetwork: "it puts the pod on the node's network, past every NetworkPolicy",
    hostPID: "it shares the node's process namespace",
    hostIPC: "it shares the node's IPC namespace",
};
const SECURITY_CONTEXT_KEYS = ["securityContext", "podSecurityContext", "containerSecurityContext"];

/**
 * Host access in the objects of a custom resource that lie outside its pod specs, where a CRD keeps pod
 * fields in shapes of its own (Spark's `driver.hostNetwork`, `executor.securityContext`, `spec.volumes`):
 * host namespaces, any `hostPath`, any `hostPort`, and any security context (judged as a container's, with
 * sysctls too, since the shape does not say which it is).
 */
export function findLooseHostAccess(
    objects: readonly { path: string; value: Record<string, unknown> }[],
): HostAccess[] {
    const found: HostAccess[] = [];
    for (const { path, value } of objects) {
        for (const [key, why] of Object.entries(HOST_NAMESPACES)) {
            const flag = value[key];
            if (isUnknown(flag))
                found.push({
                    field: `${path}.${key}`,
                    value: flag,
                    unknown: true,
                    why: "its value is unknown during preview",
                });
            else if (flag === true) found.push({ field: `${path}.${key}`, value: flag, unknown: false, why });
        }
        if (isUnknown(value.hostPath))
            found.push({
                field: `${path}.hostPath`,
                value: value.hostPath,
                unknown: true,
                why: "its value is unknown during preview",
            });
        else if (value.hostPath !== undefined && value.hostPath !== null)
            found.push({
                field: `${path}.hostPath`,
                value: value.hostPath,
                unknown: false,
                why: "it mounts a directory of the node",
            });
        if ("hostPort" in value) checkHostPort(value.hostPort, `${path}.hostPort`, found);
        for (const key of SECURITY_CONTEXT_KEYS) {
            if (!(key in value)) continue;
            checkEitherSecurityContext(value[key], `${path}.${key}`, found);
        }
    }
    return found;
}

/**
 * A field of the wrong shape (a map where a list belongs, a string for a container): readers would skip it,
 * so what it hides could be host access. The API server rejects it, but what a provider would send is unknown.
 */
function malformed(found: HostAccess[], field: string, value: unknown, allowed: string): void {
    found.push({
        field,
        value,
        unknown: false,
        why: `${kindOfValue(value)}, not ${allowed}: the API server rejects this shape, and what it hides cannot be checked`,
    });
}

function eachItem(
    list: unknown,
    field: string,
    found: HostAccess[],
    visit: (item: unknown, field: string) => void,
): void {
    if (isUnknown(list)) {
        found.push({ field, value: list, unknown: true, why: "its value is unknown during preview" });
        return;
    }
    if (list === undefined || list === null) return;
    if (!Array.isArray(list)) return malformed(found, field, list, "a list");
    list.forEach((item, i) => {
        if (isUnknown(item)) {
            found.push({
                field: `${field}[${i}]`,
                value: item,
                unknown: true,
                why: "its value is unknown during preview",
            });
        } else visit(item, `${field}[${i}]`);
    });
}

function checkSecurityContext(context: unknown, at: string, found: HostAccess[], isContainer: boolean): void {
    const unknown = (field: string, value: unknown) =>
        found.push({ field, value, unknown: true, why: "its value is unknown during preview" });
    if (isUnknown(context)) return void unknown(at, context);
    if (context === undefined || context === null) return;
    if (!isObject(context)) return malformed(found, at, context, "a securityContext object");
    const windows = context.windowsOptions;
    if (isUnknown(windows)) unknown(`${at}.windowsOptions`, windows);
    else if (isObject(windows)) {
        if (isUnknown(windows.hostProcess)) unknown(`${at}.windowsOptions.hostProcess`, windows.hostProcess);
        else if (windows.hostProcess === true) {
            found.push({
                field: `${at}.windowsOptions.hostProcess`,
                value: true,
                unknown: false,
                why: "it runs the container as a process on the Windows node",
            });
        }
    }
    checkSeLinux(context.seLinuxOptions, `${at}.seLinuxOptions`, found);
    checkProfile(context, "seccompProfile", at, found, "it turns off seccomp system-call filtering");
    checkProfile(context, "appArmorProfile", at, found, "it turns off AppArmor confinement");
    if (!isContainer) {
        eachItem(context.sysctls, `${at}.sysctls`, found, (sysctl, field) => {
            const name = isObject(sysctl) ? sysctl.name : sysctl;
            if (isUnknown(name)) return void unknown(`${field}.name`, name);
            if (typeof name === "string" && SAFE_SYSCTLS.has(canonicalSysctl(name))) return;
            found.push({
                field: `${field}.name`,
                value: name,
                unknown: false,
                why: "it sets a kernel parameter outside the Kubernetes safe set, which can reach past the pod to the node",
            });
        });
        return;
    }
    const procMount = context.procMount;
    if (isUnknown(procMount)) unknown(`${at}.procMount`, procMount);
    else if (procMount !== undefined && procMount !== null && procMount !== "Default") {
        found.push({
            field: `${at}.procMount`,
            value: procMount,
            unknown: false,
            why: "it unmasks the /proc paths the runtime hides from containers; Pod Security allows only Default",
        });
    }
    for (const [key, why] of [
        ["privileged", "it gives the container every device and capability of the node"],
        [
            "allowPrivilegeEscalation",
            "it lets a process gain more privileges than its parent (restricted Pod Security requires false)",
        ],
    ] as const) {
        const value = context[key];
        if (isUnknown(value)) unknown(`${at}.${key}`, value);
        else if (value === true) found.push({ field: `${at}.${key}`, value, unknown: false, why });
    }
    const capabilities = context.capabilities;
    if (isUnknown(capabilities)) return void unknown(`${at}.capabilities`, capabilities);
    if (capabilities === undefined || capabilities === null) return;
    if (!isObject(capabilities))
        return malformed(found, `${at}.capabilities`, capabilities, "an object (add, drop)");
    eachItem(capabilities.add, `${at}.capabilities.add`, found, (capability, field) => {
        if (
            typeof capability === "string" &&
            ALLOWED_ADDED_CAPABILITIES.has(capability.toUpperCase().replace(/^CAP_/, ""))
        )
            return;
        found.push({
            field,
            value: capability,
            unknown: false,
            why: "it adds a Linux capability beyond the container's default set (only NET_BIND_SERVICE is allowed)",
        });
    });
}

/** A security context that may be a pod's or a container's: judged as a container's, sysctls included. */
function checkEitherSecurityContext(context: unknown, at: string, found: HostAccess[]): void {
    checkSecurityContext(context, at, found, true);
    if (isObject(context) && context.sysctls !== undefined)
        checkSecurityContext({ sysctls: context.sysctls }, at, found, false);
}

/**
 * seLinuxOptions an agent must not choose: a type outside the confined container types, and any user, role or
 * level. Pod Security lets level through, but a level is the pod's MCS categories: naming another pod's
 * categories (or a range such as s0-s0:c0.c1023) opens that pod's files, so agents leave it to the runtime.
 */
function checkSeLinux(options: unknown, at: string, found: HostAccess[]): void {
    if (isUnknown(options)) {
        found.push({ field: at, value: options, unknown: true, why: "its value is unknown during preview" });
        return;
    }
    if (options === undefined || options === null) return;
    if (!isObject(options)) {
        found.push({
            field: at,
            value: options,
            unknown: false,
            why: "it is not an object, so the SELinux context it sets cannot be judged",
        });
        return;
    }
    for (const key of ["type", "user", "role", "level"] as const) {
        const value = options[key];
        const field = `${at}.${key}`;
        if (isUnknown(value)) {
            found.push({ field, value, unknown: true, why: "its value is unknown during preview" });
            continue;
        }
        if (value === undefined || value === null || value === "") continue;
        if (key === "type") {
            if (typeof value === "string" && CONFINED_SELINUX_TYPES.has(value)) continue;
            found.push({
                field,
                value,
                unknown: false,
                why: `it runs the container under an SELinux type outside the confined container types (allowed: ${[...CONFINED_SELINUX_TYPES].join(", ")}, or unset); spc_t and *unconfined_t turn SELinux confinement off`,
            });
        } else {
            found.push({
                field,
                value,
                unknown: false,
                why:
                    key === "level"
                        ? "an agent must not choose its SELinux level: another pod's MCS categories, or a range over them, open that pod's files (leave it unset for the runtime to assign)"
                        : `an agent must not choose its SELinux ${key}; leave it unset`,
            });
        }
    }
}

/** `spec` → `metadata`, `spec.template.spec` → `spec.template.metadata`: where a pod spec's metadata sits. */
export function metadataPathOf(specPath: string): string {
    return specPath.replace(/(^|\.)spec$/, "$1metadata");
}

/** The pod (template) metadata beside the pod spec at `specPath`, or the unknown sentinel met on the way. */
export function podMetadataAt(props: Record<string, unknown>, specPath: string): unknown {
    let value: unknown = props;
    for (const key of metadataPathOf(specPath).split(".")) {
        if (isUnknown(value) || !isObject(value)) return value;
        value = value[key];
    }
    return value;
}

/** A seccompProfile or appArmorProfile whose type is not one of the confining profiles. */
function checkProfile(
    context: Obj,
    key: "seccompProfile" | "appArmorProfile",
    at: string,
    found: HostAccess[],
    why: string,
) {
    const profile = context[key];
    const type = isObject(profile) ? profile.type : profile;
    const field = isObject(profile) ? `${at}.${key}.type` : `${at}.${key}`;
    if (isUnknown(type)) {
        found.push({ field, value: type, unknown: true, why: "its value is unknown during preview" });
    } else if (
        type !== undefined &&
        type !== null &&
        !(typeof type === "string" && CONFINING_PROFILES.has(type))
    ) {
        found.push({
            field,
            value: type,
            unknown: false,
            why: `${why}; Pod Security allows only RuntimeDefault or Localhost`,
        });
    }
}

/** The legacy per-container AppArmor annotations, which the kubelet still honours. */
function checkAppArmorAnnotations(metadata: unknown, at: string, found: HostAccess[]): void {
    const unknown = (field: string, value: unknown) =>
        found.push({
            field,
            value,
            unknown: true,
            why: "its value is unknown during preview, so it may turn off AppArmor",
        });
    if (isUnknown(metadata)) return void unknown(at, metadata);
    if (!isObject(metadata)) return;
    const annotations = metadata.annotations;
    if (isUnknown(annotations)) return void unknown(`${at}.annotations`, annotations);
    if (!isObject(annotations)) return;
    for (const [key, value] of Object.entries(annotations)) {
        if (!key.startsWith(APPARMOR_ANNOTATION)) continue;
        const field = `${at}.annotations["${key}"]`;
        if (isUnknown(value)) unknown(field, value);
        else if (!(
            value === "runtime/default" ||
            (typeof value === "string" && value.startsWith("localhost/"))
        )) {
            found.push({
                field,
                value,
                unknown: false,
                why: "it turns off AppArmor confinement; Pod Security allows only runtime/default or localhost/<profile>",
            });
        }
    }
}

/** Sysctl names may be written with slashes (`net/ipv4/tcp_syncookies`), where dots and slashes swap roles. */
function canonicalSysctl(name: string): string {
    if (!name.includes("/")) return name;
    return name.replace(/[./]/g, (c) => (c === "/" ? "." : "/"));
}

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
const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"] as const;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Every host-level access a pod spec asks for (hostNetwork, hostPID, hostIPC, hostPort, hostPath, privileged…). */
export function findHostAccess(podSpec: unknown, at = "spec"): HostAccess[] {
    const found: HostAccess[] = [];
    const unknown = (field: string, value: unknown) =>
        found.push({ field, value, unknown: true, why: "its value is unknown during preview" });
    if (isUnknown(podSpec)) {
        unknown(at, podSpec);
        return found;
    }
    if (!isObject(podSpec)) return found;
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
    checkSecurityContext(podSpec.securityContext, `${at}.securityContext`, found, false);
    eachItem(podSpec.volumes, `${at}.volumes`, found, (volume, field) => {
        if (!isObject(volume)) return;
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
    for (const list of CONTAINER_LISTS) {
        eachItem(podSpec[list], `${at}.${list}`, found, (container, field) => {
            if (!isObject(container)) return;
            checkSecurityContext(container.securityContext, `${field}.securityContext`, found, true);
            eachItem(container.ports, `${field}.ports`, found, (port, portField) => {
                if (!isObject(port)) return;
                const hostPort = port.hostPort;
                if (isUnknown(hostPort)) unknown(`${portField}.hostPort`, hostPort);
                else if (hostPort !== undefined && hostPort !== null && hostPort !== 0) {
                    found.push({
                        field: `${portField}.hostPort`,
                        value: hostPort,
                        unknown: false,
                        why: "it opens a port on the node's own network interface",
                    });
                }
            });
        });
    }
    return found;
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
    if (!Array.isArray(list)) return;
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
    if (!isObject(context)) return;
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
    if (!isContainer) return;
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
    if (!isObject(capabilities)) return;
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

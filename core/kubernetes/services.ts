import type { StackModel } from "../stack/stack-model";
import { containsUnknown } from "../unknowns";
import { metadataOf } from "./placement";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

const SERVICE_TYPES = new Set(["kubernetes:core/v1:Service", "kubernetes:core/v1:ServicePatch"]);

/** Services the cluster itself runs whose backends are its own pods; a stack cannot re-point them. */
const CLUSTER_SERVICES = new Set(["kube-system/kube-dns"]);

/**
 * Why the backends of a Service that a network policy allows by name cannot be trusted to be pods, or
 * undefined when they are: the Service is declared here with a pod selector (or is the cluster's DNS).
 * A Service without a selector (hand-written Endpoints) or of type ExternalName can point anywhere.
 */
export function serviceBackendsProblem(
    model: StackModel,
    name: string,
    namespace: string | undefined,
): string | undefined {
    const ns = namespace ?? "default";
    const declared = model.resources.filter((r) => {
        if (!SERVICE_TYPES.has(r.type)) return false;
        const meta = metadataOf(r);
        return meta?.name === name && (meta.namespace ?? "default") === ns;
    });
    if (declared.length === 0) {
        return CLUSTER_SERVICES.has(`${ns}/${name}`)
            ? undefined
            : `names Service ${ns}/${name}, which this stack does not declare, so its backends (which may be any address) cannot be checked`;
    }
    for (const service of declared) {
        const spec = service.props.spec;
        if (containsUnknown(spec)) return `names Service ${ns}/${name}, whose spec is unknown during preview`;
        const s = isObject(spec) ? spec : {};
        if (s.type === "ExternalName")
            return `names Service ${ns}/${name} of type ExternalName, which points outside the cluster`;
        if (!isObject(s.selector) || Object.keys(s.selector).length === 0) {
            return `names Service ${ns}/${name}, which has no pod selector, so its hand-written endpoints may be any address`;
        }
    }
    return undefined;
}

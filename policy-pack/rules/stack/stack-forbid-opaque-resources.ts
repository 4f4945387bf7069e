import { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import { agentPresence } from "../../lib/agent-presence";
import {
    agentPlacementPhrase,
    known,
    placementOf,
    providerDefaultPlacement,
    type Placement,
} from "../../../core/kubernetes/placement";
import { customResourceGroup } from "../../../core/kubernetes/types";
import { hostAccessPaths, judgeCloudControl, judgeTemplate } from "../../lib/opaque";
import { defineStackRule, type Finding } from "../../lib/rule";
import type { ResourceNode } from "../../../core/stack/stack-model";
import { isUnknown } from "../../lib/unknowns";

const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
const DYNAMIC_TYPES = ["pulumi-nodejs:dynamic:Resource", "pulumi-python:dynamic:Resource"];
const CLOUDFORMATION_TYPES = ["aws:cloudformation/stack:Stack", "aws:cloudformation/stackSet:StackSet"];
const CLOUD_CONTROL_TYPE = "aws:cloudcontrol/resource:Resource";

/** How a finding names the namespace, or undefined when it is certainly not an agent namespace. */
function where(placement: Placement): string | undefined {
    return placement.known && !placement.agent ? undefined : agentPlacementPhrase(placement);
}

/** A Helm release's namespace is a top-level input; without one the provider's default applies. */
function releasePlacement(release: ResourceNode, agents: AgentNamespaces): Placement {
    const namespace = release.props.namespace;
    if (isUnknown(namespace)) {
        return { known: false, reason: `namespace of ${release.name} is unknown during preview` };
    }
    return typeof namespace === "string" && namespace !== ""
        ? known(namespace, agents)
        : providerDefaultPlacement(release, agents);
}

export const stackForbidOpaqueResources = defineStackRule(
    {
        name: "stack-forbid-opaque-resources",
        description:
            "Resources whose effect cannot be read from their inputs must not reach agents or carry IAM or network changes: Helm releases in agent namespaces, custom resources asking for host access in agent namespaces, and, in a stack that has agent identities (or where that cannot be told), CloudFormation or Cloud Control resources declaring IAM or network resources (or whose template is unknown) and dynamic providers.",
        enforcementLevel: "mandatory",
        severity: "high",
        remediationSteps:
            "Declare what these resources would create as Pulumi resources the pack can judge: render Helm charts in the program (helm v4 Chart, checked by pulumi preview) instead of a Release, move IAM and security groups out of CloudFormation templates and Cloud Control documents, and replace dynamic providers. Where a resource is reviewed and trusted, exempt it by name with a reason in this policy's config.",
    },
    (model, config) => {
        const agents = AgentNamespaces.of(model, config.agentNamespacePatterns);
        const findings: Finding[] = [];
        const report = (node: ResourceNode, message: string) =>
            findings.push({ urn: node.urn, name: node.name, message });
        // Templates and provider code reach agents only through agent identities: in a stack without any,
        // what they create escapes no agent rule. Asked only when there is such a resource.
        let presence: { readonly why: string | undefined } | undefined;
        const agentsHere = () => (presence ??= { why: agentPresence(model, config) }).why;
        const because = (why: string) => `This stack has agent identities (${why}), so`;

        for (const release of model.ofType(HELM_RELEASE_TYPE)) {
            const place = where(releasePlacement(release, agents));
            if (place === undefined) continue;
            report(
                release,
                `Helm release ${release.name} ${place} installs a chart whose resources no policy sees, in a preview or here. Render the chart in the program so each resource is judged.`,
            );
        }
        for (const node of model.resources) {
            const group = customResourceGroup(node.type);
            if (group === undefined) continue;
            const place = where(placementOf(node, agents));
            if (place === undefined) continue;
            const paths = hostAccessPaths(node.props.spec);
            if (paths.length === 0) continue;
            report(
                node,
                `${node.type.split(":").pop()} ${node.name} ${place} is a custom resource (${group}) whose operator would run pods with host access: ${paths.join("; ")}. Keep host access out of agent workloads, whatever creates them.`,
            );
        }
        for (const stack of model.ofType(...CLOUDFORMATION_TYPES)) {
            const verdict = judgeTemplate(stack.props.templateBody, stack.props.templateUrl);
            if (verdict.problem === undefined) continue;
            const why = agentsHere();
            if (why === undefined) continue;
            report(
                stack,
                `CloudFormation ${stack.type.endsWith("StackSet") ? "stack set" : "stack"} ${stack.name}: ${verdict.problem}. ${because(why)} IAM and network changes made there escape every agent rule; declare them as Pulumi resources.`,
            );
        }
        for (const resource of model.ofType(CLOUD_CONTROL_TYPE)) {
            const verdict = judgeCloudControl(resource.props.typeName);
            if (verdict.problem === undefined) continue;
            const why = agentsHere();
            if (why === undefined) continue;
            report(
                resource,
                `Cloud Control resource ${resource.name}: ${verdict.problem}. ${because(why)} declare it as the matching Pulumi resource so the agent rules can judge it.`,
            );
        }
        for (const dynamic of model.ofType(...DYNAMIC_TYPES)) {
            const why = agentsHere();
            if (why === undefined) break;
            report(
                dynamic,
                `Dynamic resource ${dynamic.name} runs its provider's own code at deploy time, which no policy can read: it could grant IAM or open the network. ${because(why)} replace it with declared resources, or exempt it after review.`,
            );
        }
        return findings;
    },
);

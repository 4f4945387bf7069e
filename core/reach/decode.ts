import { POD_RUNNING_KINDS } from "../kubernetes/pod-running-kinds";
import { isUnknown } from "../unknowns";
import { SEGMENT_WILDCARD } from "../glob";
import { eventPatternFeedsContainment } from "./containment";
import { ABSENT, type Field, jsonAt, known, rawAt, type ReachResource, stringAt, unknown } from "./resource";

/**
 * The one decoder from recorded resources to typed reach-graph nodes. Every property the graph reads is
 * read here, once, as a Field (known / unknown / absent); the graph never narrows raw props itself.
 */

export type PrincipalKind = "role" | "user";

export type ComputeKind =
    | "lambda-function"
    | "ec2-instance"
    | "launch-template"
    | "ecs-task-definition"
    | "batch-job-definition"
    | "codebuild-project"
    | "glue-job"
    | "sagemaker-notebook"
    | "sagemaker-lifecycle-config"
    | "apprunner-service"
    | "agentcore-runtime"
    | "cloudformation-stack"
    | "state-machine"
    | "kubernetes-workload";

export type SecretKind = "secretsmanager-secret" | "ssm-parameter" | "kms-key" | "kubernetes-secret";

/** Audit and automated-containment resources (tamper targets). */
export type AuditKind =
    | "cloudtrail-trail"
    | "log-group"
    | "event-rule"
    | "guardduty-detector"
    | "sns-topic"
    | "metric-alarm"
    | "eks-access-entry";

/** What a node is, for the walk and for messages. */
export type NodeKind =
    | { readonly kind: "principal"; readonly principal: PrincipalKind }
    | { readonly kind: "compute"; readonly compute: ComputeKind }
    | { readonly kind: "image-repository" }
    | { readonly kind: "secret"; readonly secret: SecretKind }
    | { readonly kind: "audit"; readonly audit: AuditKind }
    | { readonly kind: "service-account" };

/** How a compute resource names the role its code runs as. */
export interface RoleReference {
    /** The top-level property (where the engine records the dependency). */
    readonly property: string;
    readonly value: Field<readonly string[]>;
    /** The value names an instance profile, whose `role` is the role. */
    readonly viaInstanceProfile: boolean;
}

/**
 * An S3 object whose content a compute resource loads and runs (a Glue script, a CodeBuild source or
 * buildspec, an AgentCore code bundle), as `arn:aws:s3:::bucket/key`.
 */
export interface CodeObject {
    readonly property: string;
    readonly arn: Field<string>;
}

/** A container image a compute resource pulls. */
export interface ImageReference {
    readonly property: string;
    readonly uri: Field<string>;
}

export interface DecodedNode {
    readonly resource: ReachResource;
    readonly what: NodeKind;
    /** The cloud name (function name, role name...), when the kind has one. */
    readonly cloudName: Field<string>;
    readonly arn: Field<string>;
    /** Compute: the roles its code runs as. */
    readonly runsAs: readonly RoleReference[];
    /** Compute: the images it pulls. */
    readonly images: readonly ImageReference[];
    /** Compute: S3 objects whose content it runs. */
    readonly code: readonly CodeObject[];
    /** Kubernetes workloads: the namespace and service accounts its pods run as. */
    readonly kubernetes?: {
        readonly namespace: Field<string>;
        readonly serviceAccounts: Field<readonly string[]>;
    };
    /** SageMaker notebooks: the lifecycle configuration whose scripts run in it. */
    readonly lifecycleConfig?: Field<string>;
    /** Roles: the trust policy. */
    readonly trust?: Field<unknown>;
    /** EventBridge rules: whether it feeds audit or automated containment (see containmentOf). */
    readonly containment?: Field<boolean>;
}

export const ROLE_TYPE = "aws:iam/role:Role";
export const USER_TYPE = "aws:iam/user:User";
export const INSTANCE_PROFILE_TYPE = "aws:iam/instanceProfile:InstanceProfile";
export const REPOSITORY_TYPE = "aws:ecr/repository:Repository";

interface ComputeSpec {
    readonly compute: ComputeKind;
    readonly nameProperty?: string;
    readonly roles: readonly { path: string; viaInstanceProfile?: boolean; jsonKey?: string }[];
    readonly images: readonly { path: string; jsonKey?: string }[];
}

const COMPUTE: Readonly<Record<string, ComputeSpec>> = {
    "aws:lambda/function:Function": {
        compute: "lambda-function",
        nameProperty: "name",
        roles: [{ path: "role" }],
        images: [{ path: "imageUri" }],
    },
    "aws:ec2/instance:Instance": {
        compute: "ec2-instance",
        roles: [{ path: "iamInstanceProfile", viaInstanceProfile: true }],
        images: [],
    },
    "aws:ec2/launchTemplate:LaunchTemplate": {
        compute: "launch-template",
        nameProperty: "name",
        roles: [
            { path: "iamInstanceProfile.arn", viaInstanceProfile: true },
            { path: "iamInstanceProfile.name", viaInstanceProfile: true },
        ],
        images: [],
    },
    "aws:ecs/taskDefinition:TaskDefinition": {
        compute: "ecs-task-definition",
        nameProperty: "family",
        roles: [{ path: "taskRoleArn" }],
        images: [{ path: "containerDefinitions", jsonKey: "image" }],
    },
    "aws:batch/jobDefinition:JobDefinition": {
        compute: "batch-job-definition",
        nameProperty: "name",
        roles: [
            { path: "containerProperties", jsonKey: "jobRoleArn" },
            { path: "ecsProperties", jsonKey: "taskRoleArn" },
        ],
        images: [
            { path: "containerProperties", jsonKey: "image" },
            { path: "ecsProperties", jsonKey: "image" },
        ],
    },
    "aws:codebuild/project:Project": {
        compute: "codebuild-project",
        nameProperty: "name",
        roles: [{ path: "serviceRole" }],
        images: [{ path: "environment.image" }],
    },
    "aws:glue/job:Job": {
        compute: "glue-job",
        nameProperty: "name",
        roles: [{ path: "roleArn" }],
        images: [],
    },
    "aws:sagemaker/notebookInstance:NotebookInstance": {
        compute: "sagemaker-notebook",
        nameProperty: "name",
        roles: [{ path: "roleArn" }],
        images: [],
    },
    "aws:sagemaker/notebookInstanceLifecycleConfiguration:NotebookInstanceLifecycleConfiguration": {
        compute: "sagemaker-lifecycle-config",
        nameProperty: "name",
        roles: [],
        images: [],
    },
    "aws:apprunner/service:Service": {
        compute: "apprunner-service",
        nameProperty: "serviceName",
        roles: [{ path: "instanceConfiguration.instanceRoleArn" }],
        images: [{ path: "sourceConfiguration.imageRepository.imageIdentifier" }],
    },
    "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime": {
        compute: "agentcore-runtime",
        nameProperty: "agentRuntimeName",
        roles: [{ path: "roleArn" }],
        images: [{ path: "agentRuntimeArtifact.containerConfiguration.containerUri" }],
    },
    // A stack's service role deploys whatever template an update brings, without iam:PassRole.
    "aws:cloudformation/stack:Stack": {
        compute: "cloudformation-stack",
        nameProperty: "name",
        roles: [{ path: "iamRoleArn" }],
        images: [],
    },
    // A state machine calls any AWS API its definition names, as its role.
    "aws:sfn/stateMachine:StateMachine": {
        compute: "state-machine",
        nameProperty: "name",
        roles: [{ path: "roleArn" }],
        images: [],
    },
};

const SECRETS: Readonly<Record<string, { secret: SecretKind; nameProperty?: string }>> = {
    "aws:secretsmanager/secret:Secret": { secret: "secretsmanager-secret", nameProperty: "name" },
    "aws:ssm/parameter:Parameter": { secret: "ssm-parameter", nameProperty: "name" },
    "aws:kms/key:Key": { secret: "kms-key" },
    "kubernetes:core/v1:Secret": { secret: "kubernetes-secret", nameProperty: "metadata.name" },
};

const AUDIT: Readonly<Record<string, { audit: AuditKind; nameProperty?: string }>> = {
    "aws:cloudtrail/trail:Trail": { audit: "cloudtrail-trail", nameProperty: "name" },
    "aws:cloudwatch/logGroup:LogGroup": { audit: "log-group", nameProperty: "name" },
    "aws:cloudwatch/eventRule:EventRule": { audit: "event-rule", nameProperty: "name" },
    "aws:guardduty/detector:Detector": { audit: "guardduty-detector" },
    "aws:sns/topic:Topic": { audit: "sns-topic", nameProperty: "name" },
    "aws:cloudwatch/metricAlarm:MetricAlarm": { audit: "metric-alarm", nameProperty: "name" },
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": { audit: "metric-alarm", nameProperty: "alarmName" },
    // Its ARN names the cluster, then the principal and an id no one knows before deploy.
    "aws:eks/accessEntry:AccessEntry": { audit: "eks-access-entry", nameProperty: "clusterName" },
};

export { POD_RUNNING_KINDS };

/**
 * An access entry's ARN up to its generated id, `<cluster>/<role|user>/<account>/<principal name>` with the
 * account left open: what a Deny on the principal's name must cover. A part unknown during preview is open.
 */
function accessEntryName(resource: ReachResource): Field<string> {
    const S = SEGMENT_WILDCARD;
    const cluster = stringAt(resource, "clusterName");
    const principal = stringAt(resource, "principalArn");
    let kind = "role";
    let name: string | undefined;
    if (principal.state === "known") {
        const match = /:(role|user)\/(?:.*\/)?([^/]+)$/.exec(principal.value);
        if (match) [kind, name] = [match[1], match[2]];
    } else {
        const linked = (resource.propertyDependencies.principalArn ?? []).find((r) => r.type === ROLE_TYPE);
        const linkedName = linked ? stringAt(linked, "name") : ABSENT;
        if (linkedName.state === "known") name = linkedName.value;
    }
    if (cluster.state !== "known" && name === undefined)
        return unknown(`${resource.name}'s cluster and principal are unknown during preview`);
    return known(`${cluster.state === "known" ? cluster.value : S}/${kind}/${S}/${name ?? S}`);
}

/** The kind of a Kubernetes type token (`kubernetes:apps/v1:Deployment` → `Deployment`), Patch stripped. */
function kubernetesKind(type: string): string | undefined {
    if (!type.startsWith("kubernetes:")) return undefined;
    return type.slice(type.lastIndexOf(":") + 1).replace(/Patch$/, "");
}

/** Decodes one resource, or undefined when the graph has no node for its type. */
export function decodeResource(resource: ReachResource): DecodedNode | undefined {
    const base = {
        resource,
        arn: stringAt(resource, "arn"),
        runsAs: [] as RoleReference[],
        images: [] as ImageReference[],
        code: [] as CodeObject[],
    };
    if (resource.type === ROLE_TYPE || resource.type === USER_TYPE) {
        return {
            ...base,
            what: { kind: "principal", principal: resource.type === ROLE_TYPE ? "role" : "user" },
            cloudName: stringAt(resource, "name"),
            ...(resource.type === ROLE_TYPE && { trust: jsonAt(resource, "assumeRolePolicy") }),
        };
    }
    if (resource.type === REPOSITORY_TYPE) {
        return { ...base, what: { kind: "image-repository" }, cloudName: stringAt(resource, "name") };
    }
    const compute = COMPUTE[resource.type];
    if (compute) {
        return {
            ...base,
            what: { kind: "compute", compute: compute.compute },
            cloudName: compute.nameProperty ? stringAt(resource, compute.nameProperty) : ABSENT,
            runsAs: compute.roles.map((r) => ({
                property: r.path.split(".")[0],
                value: r.jsonKey ? jsonStrings(resource, r.path, r.jsonKey) : stringListAt(resource, r.path),
                viaInstanceProfile: r.viaInstanceProfile === true,
            })),
            images: compute.images.flatMap((i) => imagesAt(resource, i.path, i.jsonKey)),
            code: codeObjectsOf(resource, compute.compute),
            ...(compute.compute === "sagemaker-notebook" && {
                lifecycleConfig: stringAt(resource, "lifecycleConfigName"),
            }),
        };
    }
    const secret = SECRETS[resource.type];
    if (secret) {
        return {
            ...base,
            what: { kind: "secret", secret: secret.secret },
            cloudName: secret.nameProperty ? stringAt(resource, secret.nameProperty) : ABSENT,
        };
    }
    const audit = AUDIT[resource.type];
    if (audit) {
        return {
            ...base,
            what: { kind: "audit", audit: audit.audit },
            cloudName:
                audit.audit === "eks-access-entry"
                    ? accessEntryName(resource)
                    : audit.nameProperty
                      ? stringAt(resource, audit.nameProperty)
                      : ABSENT,
            ...(audit.audit === "event-rule" && { containment: containmentOf(resource) }),
        };
    }
    const kind = kubernetesKind(resource.type);
    if (kind !== undefined && POD_RUNNING_KINDS.has(kind)) {
        const spec = resource.props.spec ?? resource.props.template;
        return {
            ...base,
            arn: ABSENT,
            what: { kind: "compute", compute: "kubernetes-workload" },
            cloudName: stringAt(resource, "metadata.name"),
            images: collect(spec, IMAGE_KEYS).map((uri) => ({
                property: "spec",
                uri: fieldOf(uri, resource),
            })),
            kubernetes: {
                namespace: stringAt(resource, "metadata.namespace"),
                serviceAccounts: serviceAccountsOf(resource, spec),
            },
        };
    }
    return undefined;
}

const IMAGE_KEYS = new Set(["image", "containerImage"]);
const SERVICE_ACCOUNT_KEYS = new Set(["serviceAccountName", "serviceAccount"]);

/** Every value under the given keys anywhere in a spec (pod specs nest differently in every CRD). */
function collect(value: unknown, keys: ReadonlySet<string>, out: unknown[] = []): unknown[] {
    if (Array.isArray(value)) for (const item of value) collect(item, keys, out);
    else if (value !== null && typeof value === "object") {
        for (const [key, item] of Object.entries(value)) {
            if (keys.has(key) && (typeof item === "string" || isUnknown(item))) out.push(item);
            else collect(item, keys, out);
        }
    }
    return out;
}

function fieldOf(value: unknown, resource: ReachResource): Field<string> {
    if (typeof value === "string" && !isUnknown(value) && value !== "") return known(value);
    return unknown(`an image of ${resource.name} is unknown during preview`);
}

/**
 * The service accounts a workload's pods run as; none named means `default`. An unknown spec (or an
 * unknown name anywhere in it) makes the whole answer unknown.
 */
function serviceAccountsOf(resource: ReachResource, spec: unknown): Field<readonly string[]> {
    if (spec === undefined) return known(["default"]);
    if (containsUnknown(spec, SERVICE_ACCOUNT_KEYS) || isUnknown(spec)) {
        return unknown(`the service account of ${resource.name} is unknown during preview`);
    }
    const names = collect(spec, SERVICE_ACCOUNT_KEYS).filter((v): v is string => typeof v === "string");
    return known(names.length > 0 ? [...new Set(names)] : ["default"]);
}

function containsUnknown(value: unknown, keys: ReadonlySet<string>): boolean {
    return collect(value, keys).some(isUnknown);
}

function stringListAt(resource: ReachResource, path: string): Field<readonly string[]> {
    const value = rawAt(resource.props, path);
    if (value === undefined || value === null || value === "") return ABSENT;
    if (typeof value === "string" && !isUnknown(value)) return known([value]);
    return unknown(`${resource.name}'s ${path} is unknown during preview`);
}

/** Values of a key inside a JSON string property (ECS container definitions, Batch container properties). */
function jsonStrings(resource: ReachResource, path: string, key: string): Field<readonly string[]> {
    const doc = jsonAt(resource, path);
    if (doc.state !== "known") return doc;
    const values = collect(doc.value, new Set([key]));
    if (values.some(isUnknown)) return unknown(`${resource.name}'s ${path} ${key} is unknown during preview`);
    const strings = values.filter((v): v is string => typeof v === "string");
    return strings.length > 0 ? known(strings) : ABSENT;
}

function imagesAt(resource: ReachResource, path: string, jsonKey?: string): ImageReference[] {
    const property = path.split(".")[0];
    if (jsonKey) {
        const values = jsonStrings(resource, path, jsonKey);
        if (values.state === "known") return values.value.map((uri) => ({ property, uri: known(uri) }));
        return values.state === "unknown" ? [{ property, uri: values }] : [];
    }
    const uri = stringAt(resource, path);
    return uri.state === "absent" ? [] : [{ property, uri }];
}

/**
 * An EventBridge rule feeds audit or containment when its pattern matches security findings or API activity
 * (core/reach/containment.ts, the one notion of containment); the graph adds what is containment by tag,
 * name or attachment. An unknown pattern may be one.
 */
function containmentOf(resource: ReachResource): Field<boolean> {
    const feeds = eventPatternFeedsContainment(rawAt(resource.props, "eventPattern"));
    return feeds === "unknown"
        ? unknown(`${resource.name}'s eventPattern is unknown during preview`)
        : known(feeds);
}

export const REPOSITORY_POLICY_TYPE = "aws:ecr/repositoryPolicy:RepositoryPolicy";

/** What a resource policy guards: the kinds whose policies create edges. */
export type PolicyTargetKind = "image-repository" | "secretsmanager-secret" | "kms-key" | "s3-bucket";

/** A resource policy that grants principals access to one resource of the stack. */
export interface DecodedResourcePolicy {
    readonly resource: ReachResource;
    readonly kind: PolicyTargetKind;
    /** The property naming the resource the policy is attached to (for the recorded dependency). */
    readonly targetProperty: string;
    /** The guarded resource's name, ARN or id; for a policy held by the resource itself, absent. */
    readonly target: Field<string>;
    /** The policy is a property of the resource it guards. */
    readonly self: boolean;
    readonly policyProperty: string;
    readonly policy: Field<unknown>;
}

const RESOURCE_POLICIES: Readonly<
    Record<string, { kind: PolicyTargetKind; target?: string; policy: string }>
> = {
    [REPOSITORY_POLICY_TYPE]: { kind: "image-repository", target: "repository", policy: "policy" },
    "aws:secretsmanager/secretPolicy:SecretPolicy": {
        kind: "secretsmanager-secret",
        target: "secretArn",
        policy: "policy",
    },
    "aws:secretsmanager/secret:Secret": { kind: "secretsmanager-secret", policy: "policy" },
    "aws:kms/keyPolicy:KeyPolicy": { kind: "kms-key", target: "keyId", policy: "policy" },
    "aws:kms/key:Key": { kind: "kms-key", policy: "policy" },
    "aws:s3/bucketPolicy:BucketPolicy": { kind: "s3-bucket", target: "bucket", policy: "policy" },
    "aws:s3/bucket:Bucket": { kind: "s3-bucket", policy: "policy" },
    "aws:s3/bucketV2:BucketV2": { kind: "s3-bucket", policy: "policy" },
};

/**
 * Resource policies that may let a same-account principal act without any grant of its own: ECR repository
 * policies (push), Secrets Manager and KMS key policies (read), S3 bucket policies (write code others run).
 * A policy held by the resource itself (a secret's, key's or bucket's `policy`) is absent when not set.
 */
export function decodeResourcePolicy(resource: ReachResource): DecodedResourcePolicy | undefined {
    if (resource.type === KMS_GRANT_TYPE) return decodeKmsGrant(resource);
    const spec = RESOURCE_POLICIES[resource.type];
    if (!spec) return undefined;
    const policy = jsonAt(resource, spec.policy);
    if (spec.target === undefined) {
        if (policy.state === "absent") return undefined;
        return {
            resource,
            kind: spec.kind,
            targetProperty: spec.policy,
            target: ABSENT,
            self: true,
            policyProperty: spec.policy,
            policy,
        };
    }
    return {
        resource,
        kind: spec.kind,
        targetProperty: spec.target,
        target: stringAt(resource, spec.target),
        self: false,
        policyProperty: spec.policy,
        policy,
    };
}

export const KMS_GRANT_TYPE = "aws:kms/grant:Grant";

/**
 * A KMS grant lets its grantee use the key as a key policy statement would, with no grant of its own: read as
 * the equivalent statement (`kms:<operation>` for the grantee). CreateGrant lets the grantee grant itself
 * anything, Decrypt included. Grant constraints (encryption context) are taken as satisfiable.
 */
function decodeKmsGrant(resource: ReachResource): DecodedResourcePolicy {
    const grantee = resource.props.granteePrincipal;
    const operations = resource.props.operations;
    let policy: Field<unknown>;
    if (isUnknown(grantee) || typeof grantee !== "string") {
        policy = unknown("its granteePrincipal is unknown during preview");
    } else if (!Array.isArray(operations) || operations.some((o) => typeof o !== "string" || isUnknown(o))) {
        policy = known({ Statement: [{ Effect: "Allow", Principal: { AWS: grantee }, Action: "kms:*" }] });
    } else {
        const actions = (operations as string[]).map((o) => `kms:${o}`);
        if (actions.includes("kms:CreateGrant")) actions.push("kms:Decrypt");
        policy = known({ Statement: [{ Effect: "Allow", Principal: { AWS: grantee }, Action: actions }] });
    }
    return {
        resource,
        kind: "kms-key",
        targetProperty: "keyId",
        target: stringAt(resource, "keyId"),
        self: false,
        policyProperty: "granteePrincipal",
        policy,
    };
}

/** `s3://bucket/key` or `bucket/key` → `arn:aws:s3:::bucket/key`; an S3 ARN stays as it is. */
function s3ObjectArn(value: string): string | undefined {
    if (value.startsWith("arn:aws:s3:::") || /^arn:aws[a-z-]*:s3:::/.test(value)) return value;
    const match = /^(?:s3:\/\/)?([a-z0-9][a-z0-9.-]{1,62})\/(.+)$/.exec(value);
    return match ? `arn:aws:s3:::${match[1]}/${match[2]}` : undefined;
}

function codeAt(resource: ReachResource, path: string, split = false): CodeObject[] {
    const property = path.split(".")[0];
    const field = stringAt(resource, path);
    if (field.state === "absent") return [];
    if (field.state === "unknown") return [{ property, arn: field }];
    const values = split ? field.value.split(",").map((v) => v.trim()) : [field.value];
    return values.flatMap((v) => {
        const arn = s3ObjectArn(v);
        return arn === undefined ? [] : [{ property, arn: known(arn) }];
    });
}

function codeObjectsOf(resource: ReachResource, compute: ComputeKind): CodeObject[] {
    switch (compute) {
        case "glue-job":
            return [
                ...codeAt(resource, "command.scriptLocation"),
                ...codeAt(resource, "defaultArguments.--extra-py-files", true),
                ...codeAt(resource, "defaultArguments.--extra-jars", true),
            ];
        case "codebuild-project": {
            const buildspec = codeAt(resource, "source.buildspec").filter(
                (c) => c.arn.state !== "known" || c.arn.value.startsWith("arn:"),
            );
            const type = stringAt(resource, "source.type");
            const source =
                type.state === "known" && type.value !== "S3" ? [] : codeAt(resource, "source.location");
            return [...buildspec, ...source];
        }
        case "agentcore-runtime": {
            const base = "agentRuntimeArtifact.codeConfiguration.code.s3";
            const bucket = stringAt(resource, `${base}.bucket`);
            const key = stringAt(resource, `${base}.prefix`);
            if (bucket.state === "absent") return [];
            if (bucket.state === "unknown") return [{ property: "agentRuntimeArtifact", arn: bucket }];
            const object = key.state === "known" ? key.value : "*";
            return [
                { property: "agentRuntimeArtifact", arn: known(`arn:aws:s3:::${bucket.value}/${object}`) },
            ];
        }
        default:
            return [];
    }
}

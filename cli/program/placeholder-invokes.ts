/**
 * Plausible answers for AWS lookups that read cloud state, so a program that only needs a well-formed value
 * (zone names to spread subnets over, an account ID to build an ARN) runs offline. Each answer is a
 * placeholder: the monitor reports every one it gives, and a user who needs the real value supplies it in
 * an --offline-answers file. Each has the shape AWS returns (a JSON document where AWS gives one), so a
 * program that parses it does not fail on the placeholder itself. Lookups whose value only the account
 * knows (an SSM parameter, a secret) get no placeholder: the program sees an empty result and, if it fails,
 * is told which lookup to answer.
 */

type Json = Record<string, unknown>;

export interface PlaceholderContext {
    /** The region the lookup runs in: its `region` argument, its provider's, else the stack's aws:region. */
    readonly region: string;
}

export type PlaceholderInvoke = (args: Json, context: PlaceholderContext) => Json;

/** Documentation account ID and partition: obviously not a real account. */
export const PLACEHOLDER_ACCOUNT = "123456789012";
export const PLACEHOLDER_AMI = "ami-0123456789abcdef0";
const EKS_OIDC_ID = "0FF11NE0000000000000000000000000";
const EKS_TOKEN = "k8s-aws-v1.offline-placeholder";
/** Used when neither the lookup, its provider nor the stack names a region. */
export const PLACEHOLDER_REGION = "us-east-1";

const ZONE_LETTERS = ["a", "b", "c"];

function text(value: unknown, fallback: string): string {
    return typeof value === "string" && value !== "" ? value : fallback;
}

const DIRECTIONS: Readonly<Record<string, string>> = {
    north: "n",
    south: "s",
    east: "e",
    west: "w",
    central: "c",
    northeast: "ne",
    northwest: "nw",
    southeast: "se",
    southwest: "sw",
};

/** AWS's zone ID prefix for a region: `eu-west-1` → `euw1`, `ap-southeast-2` → `apse2`. */
function zoneIdPrefix(region: string): string {
    const [area, direction, number] = region.split("-");
    return `${area}${DIRECTIONS[direction] ?? direction?.[0] ?? ""}${number ?? ""}`;
}

function availabilityZones(args: Json, { region }: PlaceholderContext): Json {
    const excluded = new Set([
        ...(Array.isArray(args.excludeNames) ? args.excludeNames : []),
        ...(Array.isArray(args.excludeZoneIds) ? args.excludeZoneIds : []),
    ]);
    const zones = ZONE_LETTERS.map((letter, i) => ({
        name: `${region}${letter}`,
        id: `${zoneIdPrefix(region)}-az${i + 1}`,
    })).filter((zone) => !excluded.has(zone.name) && !excluded.has(zone.id));
    return {
        ...args,
        id: region,
        region,
        names: zones.map((zone) => zone.name),
        zoneIds: zones.map((zone) => zone.id),
        groupNames: zones.map(() => region),
    };
}

function callerIdentity(_args: Json, context: PlaceholderContext): Json {
    return {
        id: PLACEHOLDER_ACCOUNT,
        accountId: PLACEHOLDER_ACCOUNT,
        arn: `arn:aws:sts::${PLACEHOLDER_ACCOUNT}:assumed-role/offline-check/agentguard`,
        userId: "AROAOFFLINECHECK:agentguard",
        region: context.region,
    };
}

function region(args: Json, context: PlaceholderContext): Json {
    const name = text(args.region ?? args.name, context.region);
    return {
        ...args,
        id: name,
        name,
        region: name,
        endpoint: `ec2.${name}.amazonaws.com`,
        description: name,
    };
}

function partition(): Json {
    return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
}

function organization(): Json {
    const id = "o-offline0000";
    const master = `arn:aws:organizations::${PLACEHOLDER_ACCOUNT}`;
    return {
        id,
        arn: `${master}:organization/${id}`,
        featureSet: "ALL",
        masterAccountId: PLACEHOLDER_ACCOUNT,
        masterAccountArn: `${master}:account/${id}/${PLACEHOLDER_ACCOUNT}`,
        masterAccountEmail: "offline-check@example.com",
        masterAccountName: "offline-check",
        awsServiceAccessPrincipals: [],
        enabledPolicyTypes: [],
        accounts: [],
        nonMasterAccounts: [],
        roots: [
            {
                id: "r-offl",
                arn: `${master}:root/${id}/r-offl`,
                name: "Root",
                policyTypes: [],
            },
        ],
    };
}

function ami(args: Json, context: PlaceholderContext): Json {
    return {
        ...args,
        id: PLACEHOLDER_AMI,
        imageId: PLACEHOLDER_AMI,
        arn: `arn:aws:ec2:${context.region}::image/${PLACEHOLDER_AMI}`,
        name: "offline-placeholder-image",
        architecture: "x86_64",
        ownerId: Array.isArray(args.owners) ? text(args.owners[0], PLACEHOLDER_ACCOUNT) : PLACEHOLDER_ACCOUNT,
        rootDeviceName: "/dev/xvda",
        rootDeviceType: "ebs",
        virtualizationType: "hvm",
        state: "available",
        region: context.region,
        blockDeviceMappings: [],
        productCodes: [],
        tags: {},
    };
}

/** An SSM parameter's value and the name the placeholder has in messages. */
interface ParameterPlaceholder {
    readonly value: string;
    readonly shape: string;
    /** The made-up values in it that an error message may quote. */
    readonly markers: readonly string[];
}

const OS_NAMES: Readonly<Record<string, string>> = {
    "amazon-linux-2": "Amazon Linux 2",
    "amazon-linux-2023": "Amazon Linux 2023",
    "amazon-linux-2-arm64": "Amazon Linux 2",
    "amazon-linux-2-gpu": "Amazon Linux 2",
    "amazon-linux-2023-arm64": "Amazon Linux 2023",
};

/**
 * The documents AWS publishes under `.../recommended`, as JSON strings with the same keys (each key is
 * also its own parameter, `.../recommended/<key>`) for ECS- and EKS-optimized images. `path` is what follows
 * `optimized-ami/`: the OS for ECS (`amazon-linux-2023/...`), the Kubernetes version for EKS (`1.31/...`).
 */
function recommendedImage(family: "ecs" | "eks", path: readonly string[]): Record<string, string | number> {
    if (family === "ecs") {
        return {
            schema_version: 1,
            image_name: "offline-placeholder-ecs-optimized-image",
            image_id: PLACEHOLDER_AMI,
            os: OS_NAMES[path[0]] ?? path[0],
            ecs_runtime_version: "Docker version 25.0.0",
            ecs_agent_version: "1.0.0",
        };
    }
    const kubernetes = /^\d+\.\d+$/.test(path[0]) ? path[0] : "1.31";
    return {
        schema_version: "2",
        image_id: PLACEHOLDER_AMI,
        image_name: `offline-placeholder-eks-node-${kubernetes}`,
        release_version: `${kubernetes}.0-20250101`,
    };
}

/**
 * A placeholder of the shape AWS gives its public parameter `name` (`/aws/service/...`): an image ID where
 * the parameter is one, the JSON document where it is one, a field of that document where it is one. A
 * name of a shape not listed here gets none, so no program is handed a value of the wrong shape.
 */
export function publicParameterPlaceholder(name: string): ParameterPlaceholder | undefined {
    const [, aws, service, family, ...rest] = name.split("/");
    if (aws !== "aws" || service !== "service" || rest.length === 0) return undefined;
    const last = rest[rest.length - 1];
    if ((family === "ecs" || family === "eks") && rest[0] === "optimized-ami") {
        const path = rest.slice(1);
        const at = path.lastIndexOf("recommended");
        if (at < 1) return undefined;
        const doc = recommendedImage(family, path);
        const image = `${family.toUpperCase()}-optimized image`;
        if (at === path.length - 1) {
            const markers = Object.values(doc).filter(
                (v): v is string => typeof v === "string" && v.length > 8,
            );
            return { value: JSON.stringify(doc), shape: `the JSON document of an ${image}`, markers };
        }
        if (at === path.length - 2 && Object.hasOwn(doc, last)) {
            const value = String(doc[last]);
            return { value, shape: `the ${last} of an ${image}`, markers: [value] };
        }
        return undefined;
    }
    if (
        /^(?:image|ami)[_-]id$/i.test(last) ||
        family === "ami-amazon-linux-latest" ||
        family === "ami-windows-latest"
    ) {
        return { value: PLACEHOLDER_AMI, shape: "an image ID", markers: [PLACEHOLDER_AMI] };
    }
    if (family === "bottlerocket" && last === "image_version") {
        return {
            value: "1.0.0-0ff11ne0",
            shape: "a Bottlerocket image version",
            markers: ["1.0.0-0ff11ne0"],
        };
    }
    return undefined;
}

function ssmParameter(args: Json, context: PlaceholderContext): Json {
    const name = text(args.name, "");
    const placeholder = publicParameterPlaceholder(name);
    if (!placeholder) {
        throw new Error(
            name.startsWith("/aws/service/")
                ? `no placeholder of the shape of AWS's public parameter '${name}' is known`
                : `the value of SSM parameter '${name}' is known only to the account`,
        );
    }
    return {
        ...args,
        id: name,
        name,
        arn: `arn:aws:ssm:${context.region}::parameter${name}`,
        type: "String",
        value: placeholder.value,
        insecureValue: placeholder.value,
        version: 1,
        region: context.region,
    };
}

function eksCluster(args: Json, context: PlaceholderContext): Json {
    const name = text(args.name, "cluster");
    const oidcId = EKS_OIDC_ID;
    return {
        ...args,
        id: name,
        name,
        arn: `arn:aws:eks:${context.region}:${PLACEHOLDER_ACCOUNT}:cluster/${name}`,
        endpoint: `https://${oidcId}.gr7.${context.region}.eks.amazonaws.com`,
        // Base64 of a placeholder, not a certificate: kubeconfigs built from it are never used offline.
        certificateAuthorities: [{ data: Buffer.from("offline placeholder").toString("base64") }],
        identities: [
            { oidcs: [{ issuer: `https://oidc.eks.${context.region}.amazonaws.com/id/${oidcId}` }] },
        ],
        vpcConfig: {
            clusterSecurityGroupId: "sg-0123456789abcdef0",
            endpointPrivateAccess: true,
            endpointPublicAccess: false,
            publicAccessCidrs: [],
            securityGroupIds: [],
            subnetIds: [],
            vpcId: "vpc-0123456789abcdef0",
        },
        roleArn: `arn:aws:iam::${PLACEHOLDER_ACCOUNT}:role/${name}-cluster`,
        status: "ACTIVE",
        version: "1.31",
        platformVersion: "eks.1",
        region: context.region,
        accessConfigs: [{ authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false }],
        kubernetesNetworkConfigs: [{ ipFamily: "ipv4", serviceIpv4Cidr: "172.20.0.0/16" }],
        enabledClusterLogTypes: [],
        tags: {},
    };
}

function eksClusterAuth(args: Json, context: PlaceholderContext): Json {
    const name = text(args.name, "cluster");
    return { ...args, id: name, name, token: EKS_TOKEN, region: context.region };
}

export const PLACEHOLDER_INVOKES: Readonly<Record<string, PlaceholderInvoke>> = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": availabilityZones,
    "aws:index/getCallerIdentity:getCallerIdentity": callerIdentity,
    "aws:index/getRegion:getRegion": region,
    "aws:index/getPartition:getPartition": partition,
    "aws:organizations/getOrganization:getOrganization": organization,
    "aws:ec2/getAmi:getAmi": ami,
    "aws:ssm/getParameter:getParameter": ssmParameter,
    "aws:eks/getCluster:getCluster": eksCluster,
    "aws:eks/getClusterAuth:getClusterAuth": eksClusterAuth,
};

/** What a placeholder answer stands for, and the made-up values in it an error message may quote. */
export interface PlaceholderDescription {
    readonly shape: string;
    readonly markers: readonly string[];
}

const DESCRIPTIONS: Readonly<Record<string, PlaceholderDescription>> = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": {
        shape: "three zones of the region",
        markers: [],
    },
    "aws:index/getCallerIdentity:getCallerIdentity": {
        shape: `account ${PLACEHOLDER_ACCOUNT}`,
        markers: [PLACEHOLDER_ACCOUNT, "AROAOFFLINECHECK"],
    },
    "aws:index/getRegion:getRegion": { shape: "the lookup's region", markers: [] },
    "aws:index/getPartition:getPartition": { shape: "partition aws", markers: [] },
    "aws:organizations/getOrganization:getOrganization": {
        shape: "an organization with no accounts",
        markers: ["o-offline0000", "r-offl"],
    },
    "aws:ec2/getAmi:getAmi": {
        shape: `image ${PLACEHOLDER_AMI}`,
        markers: [PLACEHOLDER_AMI, "offline-placeholder-image"],
    },
    "aws:eks/getCluster:getCluster": {
        shape: "a cluster with a made-up endpoint, certificate authority and OIDC issuer",
        markers: [EKS_OIDC_ID, "sg-0123456789abcdef0", "vpc-0123456789abcdef0"],
    },
    "aws:eks/getClusterAuth:getClusterAuth": { shape: "a made-up token", markers: [EKS_TOKEN] },
};

/** How a failure hint names the placeholder a lookup got. */
export function describePlaceholder(token: string, args: Json): PlaceholderDescription {
    if (token === "aws:ssm/getParameter:getParameter") {
        const parameter = publicParameterPlaceholder(text(args.name, ""));
        return parameter
            ? { shape: parameter.shape, markers: parameter.markers }
            : { shape: "a value", markers: [] };
    }
    return DESCRIPTIONS[token] ?? { shape: "a made-up value", markers: [] };
}

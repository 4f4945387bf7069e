/**
 * Plausible answers for AWS lookups that read cloud state, so a program that only needs a well-formed value
 * (zone names to spread subnets over, an account ID to build an ARN) runs offline. Each answer is a
 * placeholder: the monitor reports every one it gives, and a user who needs the real value supplies it in
 * an --offline-answers file. Lookups whose value only the account knows (an SSM parameter, a secret) get no
 * placeholder: the program sees an empty result and, if it fails, is told which lookup to answer.
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
/** Used when neither the lookup, its provider nor the stack names a region. */
export const PLACEHOLDER_REGION = "us-east-1";

const ZONE_LETTERS = ["a", "b", "c"];

function text(value: unknown, fallback: string): string {
    return typeof value === "string" && value !== "" ? value : fallback;
}

function availabilityZones(args: Json, { region }: PlaceholderContext): Json {
    const excluded = new Set([
        ...(Array.isArray(args.excludeNames) ? args.excludeNames : []),
        ...(Array.isArray(args.excludeZoneIds) ? args.excludeZoneIds : []),
    ]);
    const zones = ZONE_LETTERS.map((letter, i) => ({
        name: `${region}${letter}`,
        id: `use1-az${i + 1}`,
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
        name: text(args.nameRegex, "offline-placeholder-image"),
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

/** Only the public parameters AWS publishes for image IDs have a value we can stand in for. */
const PUBLIC_IMAGE_PARAMETER = /^\/aws\/service\/.*(image_id|image-id|ami)/i;

function ssmParameter(args: Json, context: PlaceholderContext): Json {
    const name = text(args.name, "");
    if (!PUBLIC_IMAGE_PARAMETER.test(name)) {
        throw new Error(`the value of SSM parameter '${name}' is known only to the account`);
    }
    return {
        ...args,
        id: name,
        name,
        arn: `arn:aws:ssm:${context.region}::parameter${name}`,
        type: "String",
        value: PLACEHOLDER_AMI,
        insecureValue: PLACEHOLDER_AMI,
        version: 1,
        region: context.region,
    };
}

function eksCluster(args: Json, context: PlaceholderContext): Json {
    const name = text(args.name, "cluster");
    const oidcId = "0FF11NE0000000000000000000000000";
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
    return { ...args, id: name, name, token: "k8s-aws-v1.offline-placeholder", region: context.region };
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

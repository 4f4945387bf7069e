import { fail, isDnsLabel, isDnsSubdomain } from "../args";

export interface ServiceAccountRef {
    readonly namespace: string;
    readonly serviceAccount: string;
}

const OIDC_PROVIDER_ARN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:oidc-provider\/([^*?\s]+)$/;

/** The OIDC issuer host/path of a provider ARN (what IRSA condition keys are prefixed with). */
export function issuerFromProviderArn(component: string, arn: unknown): string {
    const match = typeof arn === "string" ? OIDC_PROVIDER_ARN.exec(arn) : null;
    if (!match) {
        fail(
            component,
            "trust.oidcProviderArn",
            arn,
            "expected arn:aws:iam::<12-digit account>:oidc-provider/<issuer host and path>",
        );
    }
    return match[1];
}

/** The issuer from an explicit URL must be the provider's own: condition keys of any other issuer never match. */
export function checkIssuerUrl(component: string, url: unknown, issuer: string): void {
    const host = typeof url === "string" ? url.replace(/^https:\/\//, "") : undefined;
    if (host !== issuer) {
        fail(component, "trust.oidcProviderUrl", url, `expected the provider's issuer https://${issuer}`);
    }
}

export function checkServiceAccountRef(
    component: string,
    ref: { namespace: unknown; serviceAccount: unknown },
): ServiceAccountRef {
    return {
        namespace: checkKubernetesName(component, "namespace", ref.namespace, "label"),
        serviceAccount: checkKubernetesName(component, "serviceAccount", ref.serviceAccount, "subdomain"),
    };
}

/**
 * IRSA trust: only web identities from this cluster's OIDC provider whose token is for exactly this service
 * account (StringEquals, no wildcard) and for STS as audience.
 */
export function irsaTrustPolicy(providerArn: string, issuer: string, sa: ServiceAccountRef): object {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AgentServiceAccountViaIrsa",
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: `system:serviceaccount:${sa.namespace}:${sa.serviceAccount}`,
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

/**
 * EKS Pod Identity trust: the EKS Auth service, restricted through the session tags it sets to one
 * cluster, namespace and service account, so no other association in the account can use the role.
 */
export function podIdentityTrustPolicy(clusterName: string, sa: ServiceAccountRef): object {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AgentServiceAccountViaPodIdentity",
                Effect: "Allow",
                Principal: { Service: "pods.eks.amazonaws.com" },
                Action: ["sts:AssumeRole", "sts:TagSession"],
                Condition: {
                    StringEquals: {
                        "aws:RequestTag/eks-cluster-name": clusterName,
                        "aws:RequestTag/kubernetes-namespace": sa.namespace,
                        "aws:RequestTag/kubernetes-service-account": sa.serviceAccount,
                    },
                },
            },
        ],
    };
}

const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;

export function checkClusterName(component: string, value: unknown): string {
    if (typeof value !== "string" || !CLUSTER_NAME.test(value)) {
        fail(
            component,
            "trust.clusterName",
            value,
            "expected an EKS cluster name (1-100 of A-Z, a-z, 0-9, '-', '_')",
        );
    }
    return value;
}

/** A Kubernetes namespace (DNS label) or service account (DNS subdomain) name, without wildcards. */
function checkKubernetesName(
    component: string,
    arg: string,
    value: unknown,
    kind: "label" | "subdomain",
): string {
    const ok = kind === "label" ? isDnsLabel(value) : isDnsSubdomain(value);
    if (!ok) {
        const what = kind === "label" ? "a DNS label of at most 63" : "a DNS subdomain name of at most 253";
        fail(component, arg, value, `expected ${what} characters, no wildcards`);
    }
    return value as string;
}

import type { FakeResource } from "../../../helpers/policy-harness";
import { policyDoc, role, serviceTrust } from "../../lib/aws/fixtures";

export const ACCOUNT = "111122223333";
export const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
export const AGENT_TAGS = { "agentguard.io/agent": "analyst" };

export const arn = {
    role: (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`,
    fn: (name: string) => `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${name}`,
    instance: (id: string) => `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/${id}`,
    launchTemplate: (id: string) => `arn:aws:ec2:eu-west-1:${ACCOUNT}:launch-template/${id}`,
    jobDefinition: (name: string) => `arn:aws:batch:eu-west-1:${ACCOUNT}:job-definition/${name}`,
    project: (name: string) => `arn:aws:codebuild:eu-west-1:${ACCOUNT}:project/${name}`,
    glueJob: (name: string) => `arn:aws:glue:eu-west-1:${ACCOUNT}:job/${name}`,
    notebook: (name: string) => `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:notebook-instance/${name}`,
    lifecycle: (name: string) =>
        `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:notebook-instance-lifecycle-config/${name}`,
    apprunner: (name: string) => `arn:aws:apprunner:eu-west-1:${ACCOUNT}:service/${name}/0123456789abcdef`,
    runtime: (name: string) => `arn:aws:bedrock-agentcore:eu-west-1:${ACCOUNT}:runtime/${name}-a1b2c3d4e5`,
    repository: (name: string) => `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/${name}`,
    rule: (name: string) => `arn:aws:events:eu-west-1:${ACCOUNT}:rule/${name}`,
    trail: (name: string) => `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/${name}`,
};

/** The agent role of red-team p7/p8: tagged, with one inline policy. */
export function agentRole(statements: Record<string, unknown>[], name = "agent-analyst"): FakeResource {
    return role(name, {
        tags: AGENT_TAGS,
        inlinePolicies: [{ name: "work", policy: policyDoc(...statements) }],
    });
}

/** A platform role with AdministratorAccess, trusted by the given service. */
export function adminRole(name: string, service = "lambda.amazonaws.com"): FakeResource {
    return role(name, { assumeRolePolicy: serviceTrust(service), managedPolicyArns: [ADMIN] });
}

/** A role that may read one prefix of one bucket: nothing to gain by running as it. */
export function narrowRole(name: string, service = "lambda.amazonaws.com"): FakeResource {
    return role(name, {
        assumeRolePolicy: serviceTrust(service),
        inlinePolicies: [
            {
                name: "read",
                policy: policyDoc({
                    Effect: "Allow",
                    Action: "s3:GetObject",
                    Resource: "arn:aws:s3:::acme-corpus/analyst/*",
                }),
            },
        ],
    });
}

/** A role the agent role may assume (its trust names the agent's ARN: role chaining), with explicit statements. */
export function assumableByAgent(
    name: string,
    statements: Record<string, unknown>[],
    props: Record<string, unknown> = {},
): FakeResource {
    return role(name, {
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Principal: { AWS: arn.role("agent-analyst") }, Action: "sts:AssumeRole" },
            ],
        }),
        inlinePolicies: [{ name: "work", policy: policyDoc(...statements) }],
        ...props,
    });
}

/** A role with explicit statements, trusted by a service. */
export function roleWith(name: string, service: string, statements: Record<string, unknown>[]): FakeResource {
    return role(name, {
        assumeRolePolicy: serviceTrust(service),
        inlinePolicies: [{ name: "work", policy: policyDoc(...statements) }],
    });
}

/** A Lambda function running as a role, linked the way the engine records `role: someRole.arn`. */
export function lambda(name: string, roleName: string, props: Record<string, unknown> = {}): FakeResource {
    return {
        type: "aws:lambda/function:Function",
        name,
        props: { name, role: arn.role(roleName), runtime: "nodejs20.x", ...props },
        propertyDependencies: { role: [roleName] },
    };
}

export function instanceProfile(name: string, roleName: string): FakeResource {
    return {
        type: "aws:iam/instanceProfile:InstanceProfile",
        name,
        props: { name, role: roleName },
        propertyDependencies: { role: [roleName] },
    };
}

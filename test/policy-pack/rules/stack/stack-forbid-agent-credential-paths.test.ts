import { describe, expect, it } from "vitest";
import { stackForbidAgentCredentialPaths } from "../../../../policy-pack/rules/stack/stack-forbid-agent-credential-paths";
import { awsForbidAgentEscalationPaths } from "../../../../policy-pack/rules/aws/aws-forbid-agent-escalation-paths";
import { awsRestrictAgentIamGrants } from "../../../../policy-pack/rules/aws/aws-restrict-agent-iam-grants";
import { runStackPolicy, UNKNOWN, type FakeResource, violationLines } from "../../../helpers/policy-harness";
import { allow, policyDoc, role, trustOf } from "../../lib/aws/fixtures";
import { ACCOUNT, adminRole, agentRole, arn, lambda, roleWith } from "../aws/reach-fixtures";

const AGENT_ARN = arn.role("agent-analyst");
const secretArn = (name: string) => `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:${name}-AbCdEf`;

async function credentialPaths(resources: FakeResource[]) {
    return runStackPolicy(stackForbidAgentCredentialPaths, resources);
}

const lines = violationLines;

function secret(name: string, props: Record<string, unknown> = {}): FakeResource {
    return { type: "aws:secretsmanager/secret:Secret", name, props: { name, ...props } };
}

function kmsKey(name: string, props: Record<string, unknown> = {}): FakeResource {
    return { type: "aws:kms/key:Key", name, props: { description: name, ...props } };
}

function parameter(name: string, type: string): FakeResource {
    return { type: "aws:ssm/parameter:Parameter", name, props: { name, type, value: "x" } };
}

/** A secret policy attached to a stack secret (linked the way the engine records `secretArn: s.arn`). */
function secretPolicy(secretName: string, ...statements: Record<string, unknown>[]): FakeResource {
    return {
        type: "aws:secretsmanager/secretPolicy:SecretPolicy",
        name: `${secretName}-policy`,
        props: { secretArn: UNKNOWN, policy: policyDoc(...statements) },
        propertyDependencies: { secretArn: [secretName] },
    };
}

function keyPolicy(keyName: string, ...statements: Record<string, unknown>[]): FakeResource {
    return {
        type: "aws:kms/keyPolicy:KeyPolicy",
        name: `${keyName}-policy`,
        props: { keyId: UNKNOWN, policy: policyDoc(...statements) },
        propertyDependencies: { keyId: [keyName] },
    };
}

const read = (principal: unknown, condition?: Record<string, unknown>) => ({
    Effect: "Allow",
    Principal: principal,
    Action: ["secretsmanager:GetSecretValue", "kms:Decrypt"],
    Resource: "*",
    ...(condition && { Condition: condition }),
});

/** An agent role that holds nothing on secrets: paths can only come from resource policies or hops. */
const quietAgent = () => agentRole([allow("s3:GetObject", "arn:aws:s3:::acme-corpus/analyst/*")]);

describe("stack-forbid-agent-credential-paths: violating", () => {
    it("rejects GetSecretValue on another agent's secret, with the path", async () => {
        const v = await credentialPaths([
            secret("coder-key", { tags: { "agentguard.io/agent": "coder" } }),
            agentRole([allow("secretsmanager:GetSecretValue", secretArn("coder-key"))]),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0]).toMatchObject({
            enforcementLevel: "mandatory",
            urn: expect.stringContaining("agent-analyst"),
        });
        expect(lines(v)[0]).toMatch(
            /^Credential path \(credentials beyond the agent's own\): .*agent-analyst.* → secretsmanager:GetSecretValue on secretsmanager secret coder-key.*agentguard\.io\/agent=coder, not with this agent's id/,
        );
    });

    it("rejects an untagged platform secret the agent may read", async () => {
        const v = await credentialPaths([
            secret("db-password"),
            agentRole([allow("secretsmanager:GetSecretValue", secretArn("db-password"))]),
        ]);
        expect(lines(v)[0]).toMatch(/^Credential path .*db-password.*not tagged agentguard\.io\/agent/);
    });

    it("rejects a secret policy naming the agent role by a literal ARN string", async () => {
        const v = await credentialPaths([
            secret("db-password"),
            secretPolicy("db-password", read({ AWS: AGENT_ARN })),
            quietAgent(),
        ]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /^Credential path .*agent-analyst\) → secretsmanager:GetSecretValue \(granted by secret policy db-password-policy statement 0\) on secretsmanager secret db-password → it is not tagged/,
        );
    });

    it("rejects a key policy for everyone with aws:PrincipalOrgID = our org (the agent is in the org)", async () => {
        const v = await credentialPaths([
            kmsKey("data-key"),
            keyPolicy("data-key", read("*", { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } })),
            quietAgent(),
        ]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /^Possible credential path .*kms:Decrypt \(granted by key policy data-key-policy statement 0\) on may be kms key data-key/,
        );
    });

    it("rejects aws:PrincipalAccount = our own account: it does not exclude the agent", async () => {
        const v = await credentialPaths([
            secret("db-password"),
            secretPolicy("db-password", read("*", { StringEquals: { "aws:PrincipalAccount": ACCOUNT } })),
            quietAgent(),
        ]);
        expect(v).toHaveLength(1);
    });

    it("rejects two hops: the agent changes a function's code, and the function's role reads the secret", async () => {
        const v = await credentialPaths([
            secret("db-password"),
            roleWith("rotator", "lambda.amazonaws.com", [
                allow("secretsmanager:GetSecretValue", secretArn("db-password")),
            ]),
            lambda("rotate", "rotator"),
            agentRole([allow("lambda:UpdateFunctionCode", arn.fn("rotate"))]),
        ]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /agent analyst \(role agent-analyst\) → lambda:UpdateFunctionCode on Lambda function rotate → runs as role rotator → secretsmanager:GetSecretValue on secretsmanager secret db-password → it is not tagged/,
        );
    });

    it("rejects the read of a role the agent may assume, with the path from the agent (role chaining)", async () => {
        const v = await credentialPaths([
            secret("db-password"),
            role("secret-reader", {
                assumeRolePolicy: trustOf({ AWS: AGENT_ARN }),
                inlinePolicies: [
                    {
                        name: "read",
                        policy: policyDoc(allow("secretsmanager:GetSecretValue", secretArn("db-password"))),
                    },
                ],
            }),
            quietAgent(),
        ]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /^Credential path \(credentials beyond the agent's own\): agent analyst \(role agent-analyst\) → assumes role secret-reader \(its trust policy admits it\) → secretsmanager:GetSecretValue on secretsmanager secret db-password/,
        );
    });

    it("rejects GetSecretValue on every secret (the account holds secrets outside the stack)", async () => {
        const v = await credentialPaths([agentRole([allow("secretsmanager:GetSecretValue", "*")])]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /^Possible credential path .*GetSecretValue on any secretsmanager secret matching \* → it names every Secrets Manager secret outside this stack/,
        );
        // The direct grants rule does not judge reads: nothing is reported twice.
        expect(
            await runStackPolicy(awsRestrictAgentIamGrants, [
                agentRole([allow("secretsmanager:GetSecretValue", "*")]),
            ]),
        ).toEqual([]);
    });

    it("rejects, as possible, a prefix that may name secrets outside the stack", async () => {
        const v = await credentialPaths([
            agentRole([
                allow("secretsmanager:GetSecretValue", `arn:aws:secretsmanager:*:*:secret:platform/*`),
            ]),
        ]);
        expect(lines(v)[0]).toMatch(
            /^Possible credential path .*it may name a Secrets Manager secret outside/,
        );
    });

    it("rejects a SecureString parameter, not a plain String one", async () => {
        const v = await credentialPaths([
            parameter("/platform/token", "SecureString"),
            parameter("/platform/region", "String"),
            agentRole([allow("ssm:GetParameter", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/platform/*`)]),
        ]);
        const text = lines(v).join("\n");
        expect(text).toMatch(/ssm parameter \/platform\/token/);
        expect(text).not.toMatch(/\/platform\/region/);
    });

    it("rejects a String parameter whose value is computed from an access key; accepts one computed from a secret's ARN", async () => {
        const key: FakeResource = {
            type: "aws:iam/accessKey:AccessKey",
            name: "deployer",
            props: { user: "deployer" },
        };
        const dbSecret = secret("db-password");
        const param = (name: string, from: string): FakeResource => ({
            ...parameter(name, "String"),
            props: { name, type: "String", value: UNKNOWN },
            propertyDependencies: { value: [from] },
        });
        const reader = agentRole([
            allow("ssm:GetParameter", [
                `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/deploy/key`,
                `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/deploy/db-arn`,
            ]),
        ]);
        const v = await credentialPaths([
            key,
            dbSecret,
            param("/deploy/key", "deployer"),
            param("/deploy/db-arn", "db-password"),
            reader,
        ]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /^Credential path .*ssm parameter \/deploy\/key → its String value is computed from access key deployer, a credential/,
        );
        expect(lines(v).join("\n")).not.toMatch(/db-arn/);
    });

    it("rejects, as possible, a secret policy unknown during preview computed from the agent role, and a NotPrincipal one", async () => {
        const unknownPolicy = (from: string[]): FakeResource => ({
            type: "aws:secretsmanager/secretPolicy:SecretPolicy",
            name: "p",
            props: { secretArn: UNKNOWN, policy: UNKNOWN },
            propertyDependencies: { secretArn: ["db-password"], policy: from },
        });
        const v1 = await credentialPaths([
            secret("db-password"),
            unknownPolicy(["agent-analyst"]),
            quietAgent(),
        ]);
        expect(lines(v1)[0]).toMatch(
            /^Possible credential path .*granted by secret policy p \(p's policy is unknown during preview\)/,
        );
        // Computed from no principal of the stack: judged at the next preview, once known (docs: still accepted).
        expect(
            await credentialPaths([secret("db-password"), unknownPolicy(["db-password"]), quietAgent()]),
        ).toEqual([]);
        const notPrincipal = {
            ...read({ AWS: arn.role("ops") }),
            Principal: undefined,
            NotPrincipal: { AWS: arn.role("ops") },
        };
        const v2 = await credentialPaths([
            secret("db-password"),
            secretPolicy("db-password", notPrincipal),
            quietAgent(),
        ]);
        expect(lines(v2)[0]).toMatch(/^Possible credential path/);
    });
});

describe("stack-forbid-agent-credential-paths: how a policy names what it guards", () => {
    it("reads a key's own policy property and a secret policy naming the secret by its ARN", async () => {
        const key = kmsKey("data-key", { policy: policyDoc(read({ AWS: [AGENT_ARN] })) });
        expect(lines(await credentialPaths([key, quietAgent()]))[0]).toMatch(
            /kms:Decrypt \(granted by key policy data-key statement 0\) on kms key data-key/,
        );
        const byArn: FakeResource = {
            type: "aws:secretsmanager/secretPolicy:SecretPolicy",
            name: "p",
            props: { secretArn: secretArn("db-password"), policy: policyDoc(read({ AWS: AGENT_ARN })) },
        };
        expect(await credentialPaths([secret("db-password"), byArn, quietAgent()])).toHaveLength(1);
        const other: FakeResource = {
            ...byArn,
            props: { ...byArn.props, secretArn: secretArn("elsewhere") },
        };
        expect(await credentialPaths([secret("db-password"), other, quietAgent()])).toEqual([]);
    });
});

describe("stack-forbid-agent-credential-paths: the next indirection", () => {
    it("rejects kms:ReEncryptFrom: re-encrypting under a key the agent holds is decrypting", async () => {
        const reEncrypt = { ...read({ AWS: AGENT_ARN }), Action: "kms:ReEncrypt*" };
        const v = await credentialPaths([kmsKey("data-key"), keyPolicy("data-key", reEncrypt), quietAgent()]);
        expect(lines(v)[0]).toMatch(
            /kms:ReEncryptFrom \(granted by key policy data-key-policy statement 0\)/,
        );
    });

    const grant = (operations: unknown, grantee: unknown, deps?: Record<string, string[]>): FakeResource => ({
        type: "aws:kms/grant:Grant",
        name: "agent-grant",
        props: { keyId: UNKNOWN, granteePrincipal: grantee, operations },
        propertyDependencies: { keyId: ["data-key"], ...deps },
    });

    it("rejects a KMS grant that gives the agent Decrypt on a key that is not its own", async () => {
        const v = await credentialPaths([kmsKey("data-key"), grant(["Decrypt"], AGENT_ARN), quietAgent()]);
        expect(lines(v)[0]).toMatch(
            /^Credential path .*kms:Decrypt \(granted by KMS grant agent-grant statement 0\) on kms key data-key/,
        );
    });

    it("rejects a grant of CreateGrant (the grantee grants itself Decrypt), and one whose grantee is unknown", async () => {
        const create = await credentialPaths([
            kmsKey("data-key"),
            grant(["CreateGrant"], AGENT_ARN),
            quietAgent(),
        ]);
        expect(lines(create)[0]).toMatch(/kms:Decrypt \(granted by KMS grant agent-grant/);
        const unknownGrantee = await credentialPaths([
            kmsKey("data-key"),
            grant(["Decrypt"], UNKNOWN, { granteePrincipal: ["agent-analyst"] }),
            quietAgent(),
        ]);
        expect(lines(unknownGrantee)[0]).toMatch(
            /^Possible credential path .*its granteePrincipal is unknown/,
        );
    });

    it("accepts a KMS grant of Encrypt only, and one to another role", async () => {
        expect(
            await credentialPaths([kmsKey("data-key"), grant(["Encrypt"], AGENT_ARN), quietAgent()]),
        ).toEqual([]);
        const other = grant(["Decrypt"], arn.role("reporting"));
        expect(await credentialPaths([kmsKey("data-key"), other, quietAgent()])).toEqual([]);
    });

    it("rejects a NotAction Allow in a secret policy that leaves GetSecretValue in", async () => {
        const notAction = {
            Effect: "Allow",
            Principal: { AWS: AGENT_ARN },
            NotAction: "secretsmanager:DeleteSecret",
            Resource: "*",
        };
        expect(
            await credentialPaths([
                secret("db-password"),
                secretPolicy("db-password", notAction),
                quietAgent(),
            ]),
        ).toHaveLength(1);
    });
});

describe("stack-forbid-agent-credential-paths: compliant", () => {
    it("accepts the agent's own tagged secret", async () => {
        expect(
            await credentialPaths([
                secret("analyst-key", { tags: { "agentguard.io/agent": "analyst" } }),
                agentRole([allow("secretsmanager:GetSecretValue", secretArn("analyst-key"))]),
            ]),
        ).toEqual([]);
    });

    it("accepts a grant on `<name>-??????` (one secret by name) of the agent's own tagged secret", async () => {
        const pinned = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:analyst-key-??????`;
        const own = secret("analyst-key", { tags: { "agentguard.io/agent": "analyst" } });
        expect(
            await credentialPaths([own, agentRole([allow("secretsmanager:GetSecretValue", pinned)])]),
        ).toEqual([]);
        // A longer wildcard may name other secrets (analyst-key-old), and a pinned name not in the stack is outside.
        const wide = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:analyst-key-*`;
        const v = await credentialPaths([own, agentRole([allow("secretsmanager:GetSecretValue", wide)])]);
        expect(lines(v)[0]).toMatch(/^Possible credential path .*outside this stack/);
        const absent = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:payments-db-??????`;
        expect(
            await credentialPaths([own, agentRole([allow("secretsmanager:GetSecretValue", absent)])]),
        ).toHaveLength(1);
        const anyAccount = "arn:aws:secretsmanager:eu-west-1:*:secret:analyst-key-??????";
        expect(
            await credentialPaths([own, agentRole([allow("secretsmanager:GetSecretValue", anyAccount)])]),
        ).toHaveLength(1);
    });

    it("accepts a policy for everyone restricted to another role by aws:PrincipalArn", async () => {
        expect(
            await credentialPaths([
                secret("db-password"),
                secretPolicy(
                    "db-password",
                    read("*", { ArnEquals: { "aws:PrincipalArn": arn.role("billing") } }),
                ),
                quietAgent(),
            ]),
        ).toEqual([]);
    });

    it("accepts a condition on aws:PrincipalTag/agentguard.io/agent equal to another agent's id", async () => {
        expect(
            await credentialPaths([
                kmsKey("coder-key"),
                keyPolicy(
                    "coder-key",
                    read("*", { StringEquals: { "aws:PrincipalTag/agentguard.io/agent": "coder" } }),
                ),
                quietAgent(),
            ]),
        ).toEqual([]);
    });

    it("accepts a policy naming the account root (it only delegates to identity policies) or another role", async () => {
        expect(
            await credentialPaths([
                secret("db-password"),
                secretPolicy(
                    "db-password",
                    read({ AWS: `arn:aws:iam::${ACCOUNT}:root` }),
                    read({ AWS: arn.role("billing") }),
                    read({ Service: "lambda.amazonaws.com" }),
                ),
                quietAgent(),
            ]),
        ).toEqual([]);
    });

    it("does not report again what the direct grants rule rejects (every action)", async () => {
        const stack = [secret("db-password"), agentRole([allow("*", "*")])];
        expect(await credentialPaths(stack)).toEqual([]);
        expect(await runStackPolicy(awsRestrictAgentIamGrants, stack)).not.toEqual([]);
    });
});

describe("stack-forbid-agent-credential-paths: attribute-based access (resource tags)", () => {
    const abac = (value: string) => ({
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: "*",
        Condition: { StringEquals: { "secretsmanager:ResourceTag/agentguard.io/agent": value } },
    });
    const secrets = [
        secret("analyst-key", { tags: { "agentguard.io/agent": "analyst" } }),
        secret("coder-key", { tags: { "agentguard.io/agent": "coder" } }),
        secret("db-password"),
    ];

    it("accepts reads limited to secrets tagged with the agent's own id (policy variable or literal)", async () => {
        expect(
            await credentialPaths([...secrets, agentRole([abac("${aws:PrincipalTag/agentguard.io/agent}")])]),
        ).toEqual([]);
        expect(await credentialPaths([...secrets, agentRole([abac("analyst")])])).toEqual([]);
    });

    it("rejects a limit naming another agent's id: its secret in the stack, and those outside", async () => {
        const text = lines(await credentialPaths([...secrets, agentRole([abac("coder")])])).join("\n");
        expect(text).toMatch(/secretsmanager secret coder-key/);
        expect(text).toMatch(/tagged agentguard\.io\/agent=coder outside this stack/);
        expect(text).not.toMatch(/analyst-key|db-password/);
    });

    it("rejects the limit when the agent may retag secrets (secretsmanager:TagResource claims any secret)", async () => {
        const v = await credentialPaths([
            ...secrets,
            agentRole([
                abac("${aws:PrincipalTag/agentguard.io/agent}"),
                allow("secretsmanager:TagResource", "*"),
            ]),
        ]);
        expect(lines(v).join("\n")).toMatch(/coder-key/);
    });

    it("does not read IfExists or a pattern as a limit", async () => {
        for (const condition of [
            { StringEqualsIfExists: { "aws:ResourceTag/agentguard.io/agent": "analyst" } },
            { StringLike: { "aws:ResourceTag/agentguard.io/agent": "analyst*" } },
        ]) {
            const v = await credentialPaths([
                ...secrets,
                agentRole([{ ...abac("analyst"), Condition: condition }]),
            ]);
            expect(lines(v).join("\n"), JSON.stringify(condition)).toMatch(
                /^Possible credential path .*coder-key/m,
            );
        }
    });
});

describe("stack-forbid-agent-credential-paths: evasions", () => {
    it("finds the agent role named with a path, in another case, or as an assumed-role session", async () => {
        for (const principal of [
            `arn:aws:iam::${ACCOUNT}:role/team/agents/agent-analyst`,
            `arn:aws:iam::${ACCOUNT}:role/Agent-Analyst`,
            `arn:aws:sts::${ACCOUNT}:assumed-role/agent-analyst/session-1`,
        ]) {
            const v = await credentialPaths([
                secret("db-password"),
                secretPolicy("db-password", read({ AWS: [principal] })),
                quietAgent(),
            ]);
            expect(v, principal).toHaveLength(1);
        }
    });

    it("reads condition keys in any case", async () => {
        const v = await credentialPaths([
            secret("db-password"),
            secretPolicy(
                "db-password",
                read("*", { StringNotEquals: { "AWS:PRINCIPALARN": arn.role("billing") } }),
            ),
            quietAgent(),
        ]);
        expect(v).toHaveLength(1);
    });

    it("IfExists on a key the agent lacks does not exclude it", async () => {
        const v = await credentialPaths([
            secret("db-password"),
            secretPolicy(
                "db-password",
                read("*", { StringEqualsIfExists: { "aws:PrincipalTag/clearance": "top" } }),
            ),
            quietAgent(),
        ]);
        expect(v).toHaveLength(1);
    });

    it("ForAllValues on an empty set does not exclude it", async () => {
        const v = await credentialPaths([
            secret("db-password"),
            secretPolicy(
                "db-password",
                read("*", { "ForAllValues:StringEquals": { "aws:PrincipalTag/clearance": "top" } }),
            ),
            quietAgent(),
        ]);
        expect(v).toHaveLength(1);
    });

    it("StringNotEquals excluding only a different role does not exclude it; excluding the agent does", async () => {
        const other = await credentialPaths([
            secret("db-password"),
            secretPolicy(
                "db-password",
                read("*", { StringNotEquals: { "aws:PrincipalArn": arn.role("billing") } }),
            ),
            quietAgent(),
        ]);
        expect(other).toHaveLength(1);
        const self = await credentialPaths([
            secret("db-password"),
            secretPolicy("db-password", read("*", { ArnLike: { "aws:PrincipalArn": arn.role("billing") } })),
            quietAgent(),
        ]);
        expect(self).toEqual([]);
    });

    it("a look-alike tag key or value on the secret does not make it the agent's own", async () => {
        for (const tags of [{ "agentguard.io/agents": "analyst" }, { "agentguard.io/agent": "analyst2" }]) {
            const v = await credentialPaths([
                secret("db-password", { tags }),
                agentRole([allow("secretsmanager:GetSecretValue", secretArn("db-password"))]),
            ]);
            expect(v, JSON.stringify(tags)).toHaveLength(1);
        }
    });

    it("a secret whose tags are unknown may not be the agent's own", async () => {
        const v = await credentialPaths([
            secret("db-password", { tags: UNKNOWN }),
            agentRole([allow("secretsmanager:GetSecretValue", secretArn("db-password"))]),
        ]);
        expect(lines(v)[0]).toMatch(/^Possible credential path .*tags are unknown/);
    });
});

describe("bucket policies as run-as edges (reported by aws-forbid-agent-escalation-paths)", () => {
    const glueJob: FakeResource = {
        type: "aws:glue/job:Job",
        name: "etl",
        props: {
            name: "etl",
            roleArn: arn.role("etl-admin"),
            command: { scriptLocation: "s3://acme-code/etl/main.py" },
        },
        propertyDependencies: { roleArn: ["etl-admin"] },
    };
    const bucketPolicy = (principal: unknown, resource: string): FakeResource => ({
        type: "aws:s3/bucketPolicy:BucketPolicy",
        name: "code-policy",
        props: {
            bucket: "acme-code",
            policy: policyDoc({
                Effect: "Allow",
                Principal: principal,
                Action: "s3:PutObject",
                Resource: resource,
            }),
        },
    });

    it("rejects a bucket policy that lets the agent overwrite the script a privileged job runs", async () => {
        const v = await runStackPolicy(awsForbidAgentEscalationPaths, [
            adminRole("etl-admin", "glue.amazonaws.com"),
            glueJob,
            bucketPolicy({ AWS: AGENT_ARN }, "arn:aws:s3:::acme-code/*"),
            quietAgent(),
        ]);
        expect(lines(v)[0]).toMatch(
            /s3:PutObject \(on its code arn:aws:s3:::acme-code\/etl\/main\.py, granted by bucket policy code-policy statement 0\) on Glue job etl → runs as role etl-admin/,
        );
    });

    it("accepts one whose Resource covers another prefix", async () => {
        expect(
            await runStackPolicy(awsForbidAgentEscalationPaths, [
                adminRole("etl-admin", "glue.amazonaws.com"),
                glueJob,
                bucketPolicy({ AWS: AGENT_ARN }, "arn:aws:s3:::acme-code/uploads/*"),
                quietAgent(),
            ]),
        ).toEqual([]);
    });
});

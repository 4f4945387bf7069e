import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { reservedLookups } from "../../cli/check";
import { CheckError } from "../../cli/errors";
import {
    coverageViolation,
    readCoverageExemptions,
    unusedCoverageExemptions,
} from "../../cli/offline-coverage";
import { explainFailure } from "../../cli/program/failure-hints";
import { autonamedNamespace } from "../../cli/program/monitor";
import {
    findOfflineAnswer,
    parseOfflineAnswers,
    readOfflineAnswers,
} from "../../cli/program/offline-answers";
import { PLACEHOLDER_INVOKES } from "../../cli/program/placeholder-invokes";
import type { UncheckedComponent } from "../../cli/program/protocol";
import { declaredNamespaceName } from "../../core/stack/agent-namespaces";

const SSM = "aws:ssm/getParameter:getParameter";

function rejects(run: () => unknown): string {
    try {
        run();
    } catch (err) {
        expect(err).toBeInstanceOf(CheckError);
        return (err as Error).message;
    }
    throw new Error("expected a CheckError");
}

describe("offline answers file", () => {
    it("answers by token, the first entry whose listed args the call has, else none", () => {
        const answers = parseOfflineAnswers(
            {
                [SSM]: [{ args: { name: "/a" }, answer: { value: "A" } }, { answer: { value: "any" } }],
                "aws:index/getCallerIdentity:getCallerIdentity": { accountId: "111122223333" },
            },
            "answers",
            reservedLookups(),
        );
        expect(findOfflineAnswer(answers, SSM, { name: "/a", withDecryption: true })).toEqual({ value: "A" });
        expect(findOfflineAnswer(answers, SSM, { name: "/b" })).toEqual({ value: "any" });
        expect(findOfflineAnswer(answers, "aws:index/getCallerIdentity:getCallerIdentity", {})).toEqual({
            accountId: "111122223333",
        });
        expect(findOfflineAnswer(answers, "aws:index/getRegion:getRegion", {})).toBeUndefined();
    });

    it("reads YAML and JSON files and names the file in its errors", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-answers-"));
        const yamlFile = path.join(dir, "answers.yaml");
        fs.writeFileSync(yamlFile, `${SSM}:\n  - args: { name: /a }\n    answer: { value: x }\n`);
        expect(findOfflineAnswer(readOfflineAnswers(yamlFile, {}), SSM, { name: "/a" })).toEqual({
            value: "x",
        });
        const jsonFile = path.join(dir, "answers.json");
        fs.writeFileSync(jsonFile, "{ not json");
        expect(rejects(() => readOfflineAnswers(jsonFile, {}))).toContain(
            `offline answers file '${jsonFile}'`,
        );
        expect(rejects(() => readOfflineAnswers(path.join(dir, "missing.yaml"), {}))).toContain(
            "can't be read",
        );
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("rejects malformed entries, naming the key and what is allowed", () => {
        const parse = (input: unknown) => () => parseOfflineAnswers(input, "answers", reservedLookups());
        expect(rejects(parse(["x"]))).toContain("must be a mapping of function token to answer");
        expect(rejects(parse({ getParameter: {} }))).toContain("'getParameter' is not a function token");
        expect(rejects(parse({ [SSM]: [] }))).toContain("has an empty list");
        expect(rejects(parse({ [SSM]: [{ answer: "x" }] }))).toContain(
            `'${SSM}'[0].answer must be a mapping`,
        );
        expect(rejects(parse({ [SSM]: [{ args: 1, answer: {} }] }))).toContain(".args must be a mapping");
        expect(rejects(parse({ [SSM]: [{ answer: {}, extra: 1 }] }))).toContain("unknown key(s) extra");
    });

    it("refuses answers for functions the checker computes or that render a component's resources", () => {
        const parse = (token: string) => () =>
            parseOfflineAnswers({ [token]: { json: "{}" } }, "answers", reservedLookups());
        expect(rejects(parse("aws:iam/getPolicyDocument:getPolicyDocument"))).toContain(
            "the checker computes it from the program's arguments",
        );
        expect(rejects(parse("kubernetes:helm:template"))).toContain("which are judged, never supplied");
        expect(rejects(parse("pulumi:pulumi:getResource"))).toContain("it is the engine's own");
    });
});

describe("placeholder answers for lookups", () => {
    const region = { region: "eu-west-1" };

    it("answers zones in the lookup's region, honouring exclusions", () => {
        const zones = PLACEHOLDER_INVOKES["aws:index/getAvailabilityZones:getAvailabilityZones"](
            { excludeNames: ["eu-west-1b"] },
            region,
        );
        expect(zones.names).toEqual(["eu-west-1a", "eu-west-1c"]);
        expect((zones.zoneIds as string[]).length).toBe(2);
    });

    it("answers an EKS cluster with the fields kubeconfigs and IRSA trust are built from", () => {
        const cluster = PLACEHOLDER_INVOKES["aws:eks/getCluster:getCluster"]({ name: "prod" }, region);
        expect(cluster.endpoint).toMatch(/^https:\/\/.+\.eu-west-1\.eks\.amazonaws\.com$/);
        expect(cluster.identities).toEqual([
            {
                oidcs: [
                    {
                        issuer: expect.stringMatching(
                            /^https:\/\/oidc\.eks\.eu-west-1\.amazonaws\.com\/id\//,
                        ),
                    },
                ],
            },
        ]);
        expect(cluster.certificateAuthorities).toEqual([{ data: expect.any(String) }]);
    });

    it("answers AWS's public image parameters but no parameter only the account knows", () => {
        const ssm = PLACEHOLDER_INVOKES[SSM];
        expect(
            ssm(
                {
                    name: "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id",
                },
                region,
            ).value,
        ).toMatch(/^ami-[0-9a-f]{17}$/);
        expect(() => ssm({ name: "/platform/db-password" }, region)).toThrow("known only to the account");
    });

    const parameter = (name: string): string => String(PLACEHOLDER_INVOKES[SSM]({ name }, region).value);

    it("answers a `recommended` image parameter with the JSON document AWS publishes, not an image ID", () => {
        const ecs = JSON.parse(
            parameter("/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended"),
        ) as Record<string, unknown>;
        expect(ecs).toMatchObject({
            schema_version: 1,
            image_id: expect.stringMatching(/^ami-/),
            os: "Amazon Linux 2023",
        });
        expect(Object.keys(ecs).sort()).toEqual(
            [
                "ecs_agent_version",
                "ecs_runtime_version",
                "image_id",
                "image_name",
                "os",
                "schema_version",
            ].sort(),
        );
        const eks = JSON.parse(
            parameter("/aws/service/eks/optimized-ami/1.30/amazon-linux-2/recommended"),
        ) as Record<string, unknown>;
        expect(eks).toEqual({
            schema_version: "2",
            image_id: expect.stringMatching(/^ami-/),
            image_name: expect.stringContaining("1.30"),
            release_version: expect.stringMatching(/^1\.30\.0-\d{8}$/),
        });
    });

    it("answers each field of a `recommended` document, as its own parameter, with that field's value", () => {
        const base = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended";
        const doc = JSON.parse(parameter(base)) as Record<string, unknown>;
        expect(parameter(`${base}/image_name`)).toBe(doc.image_name);
        expect(parameter(`${base}/image_name`)).not.toMatch(/^ami-/);
        expect(parameter(`${base}/os`)).toBe("Amazon Linux 2");
        expect(
            parameter("/aws/service/eks/optimized-ami/1.29/amazon-linux-2/recommended/release_version"),
        ).toMatch(/^1\.29\.0-/);
        expect(parameter("/aws/service/bottlerocket/aws-k8s-1.29/x86_64/latest/image_version")).not.toMatch(
            /^ami-/,
        );
        for (const imageId of [
            "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
            "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base",
            "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id",
            "/aws/service/bottlerocket/aws-k8s-1.29/x86_64/latest/image_id",
        ]) {
            expect(parameter(imageId), imageId).toMatch(/^ami-/);
        }
    });

    it("gives no placeholder for a public parameter of a shape it does not know, rather than a wrong one", () => {
        const ssm = PLACEHOLDER_INVOKES[SSM];
        for (const name of [
            "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/unknown_field",
            "/aws/service/ecs/optimized-ami/amazon-linux-2/amzn2-ami-ecs-hvm-2.0.20240101-x86_64-ebs",
            "/aws/service/global-infrastructure/regions",
            "/aws/service/ami-amazon-linux-latest-but-not/x",
        ]) {
            expect(() => ssm({ name }, region), name).toThrow(
                `no placeholder of the shape of AWS's public parameter '${name}'`,
            );
        }
    });

    it("answers zone IDs with the region's own prefix", () => {
        const zones = (r: string) =>
            PLACEHOLDER_INVOKES["aws:index/getAvailabilityZones:getAvailabilityZones"]({}, { region: r })
                .zoneIds;
        expect(zones("eu-west-1")).toEqual(["euw1-az1", "euw1-az2", "euw1-az3"]);
        expect(zones("ap-southeast-2")).toEqual(["apse2-az1", "apse2-az2", "apse2-az3"]);
    });
});

describe("failure hints", () => {
    const context = { dir: "/repo/infra", stack: "prod" };

    it("names the stack file and key of missing config, never `pulumi config set`", () => {
        const message = explainFailure(
            "Missing required configuration variable 'infra:owner'\n\tplease set a value using the command `pulumi config set infra:owner <value>`",
            context,
            [],
        );
        expect(message).toBe(
            "Missing required configuration variable 'infra:owner': set it in /repo/infra/Pulumi.prod.yaml " +
                "under 'config:' as 'infra:owner: <value>' (or give it a default in Pulumi.yaml)",
        );
    });

    it("lists lookups that had no answer with the file to answer them in", () => {
        const message = explainFailure(
            "TypeError: x",
            { ...context, answersSource: "offline answers file 'a.yaml'" },
            [{ token: SSM, args: { name: "/p" }, why: "it reads state only the cloud has" }],
        );
        expect(message).toContain(`${SSM} with args {"name":"/p"}`);
        expect(message).toContain("Give each an answer in offline answers file 'a.yaml', keyed by its token");
        expect(explainFailure("TypeError: x", context, [])).toBe("TypeError: x");
    });

    it("names the placeholder answers a failure may follow from, the one whose value the error quotes first", () => {
        const ecs = { name: "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_name" };
        const message = explainFailure(
            "Error: image 'offline-placeholder-ecs-optimized-image' is not an Amazon Linux 2 name",
            context,
            [],
            [
                { token: "aws:index/getCallerIdentity:getCallerIdentity", args: {} },
                { token: SSM, args: ecs },
            ],
        );
        expect(message).toContain("These lookups got a placeholder answer offline");
        const lines = message.split("\n");
        const first = lines.findIndex((l) => l.startsWith("  - "));
        expect(lines[first]).toBe(
            `  - ${SSM} with args ${JSON.stringify(ecs)}: placeholder the image_name of an ECS-optimized image; ` +
                "the error quotes its value 'offline-placeholder-ecs-optimized-image'",
        );
        expect(lines[first + 1]).toBe(
            "  - aws:index/getCallerIdentity:getCallerIdentity with args {}: placeholder account 123456789012",
        );
        expect(message).toContain(
            "Give the real answer in a YAML or JSON file passed with --offline-answers, keyed by its token",
        );
        expect(message).toContain(`  ${SSM}:\n    - args: ${JSON.stringify(ecs)}`);
    });
});

describe("offline-coverage exemptions", () => {
    const eks: UncheckedComponent = {
        urn: "urn:pulumi:dev::p::eks:index:Cluster::platform",
        type: "eks:index:Cluster",
        reason: "its resources are built by its provider, which does not run offline",
    };
    const reason = "checked by pulumi preview --policy-pack in CI";

    it("turns a named component's finding into an advisory note that keeps the reason", () => {
        const exemptions = readCoverageExemptions(
            { properties: { exemptions: [{ resource: "platform", reason }] } },
            "cfg",
        );
        const v = coverageViolation(eks, exemptions);
        expect(v.enforcementLevel).toBe("advisory");
        expect(v.message).toContain(`exempted: "${reason}"`);
        expect(
            coverageViolation({ ...eks, urn: eks.urn.replace("platform", "other") }, exemptions)
                .enforcementLevel,
        ).toBe("mandatory");
        expect(unusedCoverageExemptions(exemptions, [])).toEqual([
            "offline-coverage exemption 'platform' matches no component that was not checked offline",
        ]);
    });

    it("can't be lowered as a whole, nor exempt everything, nor without a reason", () => {
        const read = (entry: Parameters<typeof readCoverageExemptions>[0]) => () =>
            readCoverageExemptions(entry, "cfg");
        expect(rejects(read({ enforcementLevel: "advisory" }))).toContain("it stays mandatory");
        expect(rejects(read({ properties: { exemptions: [{ resource: "*", reason }] } }))).toContain(
            "must name a component",
        );
        expect(
            rejects(read({ properties: { exemptions: [{ resource: "platform", reason: "ok" }] } })),
        ).toContain("at least 10");
        expect(rejects(read({ properties: { allowAll: true } }))).toContain("only 'exemptions' is allowed");
    });
});

describe("autonamed namespaces in the offline monitor", () => {
    it("fills the name the provider or API server would give, as the pack models it", () => {
        expect(autonamedNamespace("tools", {})).toBe("tools-xxxxxxxx");
        expect(autonamedNamespace("x", { generateName: "agent-" })).toBe("agent-xxxxx");
        expect(autonamedNamespace("x", { name: "fixed" })).toBeUndefined();
        expect(
            autonamedNamespace("x", { generateName: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }),
        ).toBeUndefined();
    });

    it("uses the same stand-in as the policy pack, so both join on one name", () => {
        const node = (metadata: Record<string, unknown>) => ({
            urn: "urn:pulumi:dev::p::kubernetes:core/v1:Namespace::tools",
            type: "kubernetes:core/v1:Namespace",
            name: "tools",
            props: { metadata },
            dependencies: [],
            propertyDependencies: {},
        });
        expect(declaredNamespaceName(node({}))).toBe(autonamedNamespace("tools", {}));
        expect(declaredNamespaceName(node({ generateName: "agent-" }))).toBe(
            autonamedNamespace("tools", { generateName: "agent-" }),
        );
    });
});

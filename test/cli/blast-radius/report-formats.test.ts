import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { buildStackModel, type CollectedResource } from "../../../cli/blast-radius/collect";
import { computeBlastRadius } from "../../../cli/blast-radius/model";
import { formatReportHtml } from "../../../cli/blast-radius/render-html";
import { formatReportJson, reportDocument, type ReportDocument } from "../../../cli/blast-radius/render-json";
import { formatReportMarkdown } from "../../../cli/blast-radius/render-markdown";
import { expandActionPattern } from "../../../core/iam";
import { readAgentguardConfig } from "../../../core/stack/config";
import { agentStack, CLUSTER_ROLE_BINDING, DEPLOYMENT, NETPOL, res, ROLE } from "./resources";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const CILIUM = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";

/** A stack that makes every optional field of the report appear at least once. */
function richStack(): CollectedResource[] {
    return [
        ...agentStack(),
        res(NETPOL, "coder-wide", {
            metadata: { name: "wide", namespace: "agent-coder" },
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }] }],
            },
        }),
        res(CILIUM, "coder-hosts", {
            metadata: { name: "hosts", namespace: "agent-coder" },
            spec: {
                endpointSelector: {},
                egress: [
                    {
                        toFQDNs: [{ matchName: "api.github.com" }],
                        toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }],
                    },
                ],
            },
        }),
        res(DEPLOYMENT, "worker", {
            metadata: { name: "worker", namespace: "agent-coder" },
            spec: {
                template: {
                    spec: {
                        hostNetwork: true,
                        containers: [
                            { name: "w", image: "w", envFrom: [{ secretRef: { name: "deploy-key" } }] },
                        ],
                    },
                },
            },
        }),
        res(CLUSTER_ROLE_BINDING, "coder-admin", {
            metadata: { name: "coder-admin" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
            subjects: [{ kind: "ServiceAccount", name: "agent", namespace: "agent-coder" }],
        }),
        res(CONFIG_MAP, "aws-auth", {
            metadata: { name: "aws-auth", namespace: "kube-system" },
            data: {
                mapRoles:
                    "- rolearn: arn:aws:iam::111122223333:role/coder\n  username: c\n  groups: [system:masters]\n",
            },
        }),
        res(ROLE, "ops", {
            name: "ops",
            tags: { "agentguard.io/agent": "ops" },
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Service: "ec2.amazonaws.com" },
                        Action: "sts:AssumeRole",
                    },
                ],
            }),
            managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            inlinePolicies: [
                {
                    name: "x",
                    policy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            { Effect: "Allow", Action: "*", Resource: "*" },
                            {
                                Effect: "Deny",
                                Action: "*",
                                Resource: "*",
                                Condition: { DateLessThan: { "aws:TokenIssueTime": "2026-01-01T00:00:00Z" } },
                            },
                        ],
                    }),
                },
            ],
        }),
        // A tripwire on the coder's role sessions invoking a function, and the containment group's binding.
        res("aws:cloudwatch/eventRule:EventRule", "coder-iam-writes", {
            name: "agentguard-containment-coder-iam-writes",
            eventPattern: JSON.stringify({
                "detail-type": ["AWS API Call via CloudTrail"],
                detail: {
                    eventSource: ["iam.amazonaws.com"],
                    userIdentity: {
                        sessionContext: { sessionIssuer: { arn: ["arn:aws:iam::111122223333:role/coder"] } },
                    },
                },
            }),
        }),
        res("aws:cloudwatch/eventTarget:EventTarget", "coder-iam-writes", {
            rule: "agentguard-containment-coder-iam-writes",
            arn: "arn:aws:lambda:eu-west-1:111122223333:function:agentguard-containment-x",
        }),
        res("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "containment", {
            metadata: { name: "agentguard-containment-x", namespace: "agent-coder" },
            roleRef: {
                apiGroup: "rbac.authorization.k8s.io",
                kind: "ClusterRole",
                name: "agentguard-containment-x",
            },
            subjects: [
                { kind: "Group", name: "agentguard:containment", apiGroup: "rbac.authorization.k8s.io" },
            ],
        }),
        res("aws:cloudtrail/trail:Trail", "trail", {
            isMultiRegionTrail: true,
            enableLogFileValidation: true,
        }),
    ];
}

const doc = (): ReportDocument =>
    reportDocument(computeBlastRadius(buildStackModel(richStack()), readAgentguardConfig({})), {
        name: "proj",
        stack: "dev",
    });

/** Every key path the JSON holds (`agents.aws.permissions.services.actions`); `quota` is a free map. */
function emittedPaths(value: unknown, at = "", out = new Set<string>()): Set<string> {
    if (Array.isArray(value)) value.forEach((v) => emittedPaths(v, at, out));
    else if (value !== null && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
            const p = at === "" ? k : `${at}.${k}`;
            out.add(p);
            if (k !== "quota") emittedPaths(v, p, out);
        }
    }
    return out;
}

/** Every key path the TypeScript schema in docs/report.md declares. */
function documentedPaths(): Set<string> {
    const text = fs.readFileSync(path.join(__dirname, "../../../docs/report.md"), "utf8");
    const block = /interface ReportDocument \{([\s\S]*?)\n\}\n```/.exec(text)![1].replace(/\/\/.*$/gm, "");
    const out = new Set<string>();
    const stack: string[] = [];
    let last = "";
    for (const token of block.matchAll(/(\w+)\??:|[{}]/g)) {
        if (token[0] === "{") stack.push(last);
        else if (token[0] === "}") stack.pop();
        else {
            const parent = stack[stack.length - 1] ?? "";
            last = parent === "" ? token[1] : `${parent}.${token[1]}`;
            out.add(last);
        }
    }
    return out;
}

/** The visible text of each format, so a fact can be looked for whatever the escaping. */
const visibleMd = (md: string) => md.replace(/\\(.)/g, "$1").replace(/\u200b/g, "");
const visibleHtml = (html: string) =>
    html
        .replace(/<[^>]*>/g, " ")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, "&");

/** Free-text facts (not enumerations shown as words, not URNs): every format must print each. */
function facts(d: ReportDocument): string[] {
    const skip = new Set([
        "urn",
        "certainty",
        "boundary",
        "kind",
        "version",
        "verdict",
        "logging",
        "multiRegion",
        "logValidation",
    ]);
    const out: string[] = [];
    const walk = (v: unknown, key: string) => {
        if (typeof v === "string") {
            if (!skip.has(key)) out.push(v);
        } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
        else if (v !== null && typeof v === "object")
            for (const [k, x] of Object.entries(v)) {
                if (key === "quota") out.push(k);
                walk(x, k);
            }
    };
    walk(d, "");
    return [...new Set(out)];
}

describe("report formats", () => {
    it("the JSON schema in docs/report.md lists every field the report emits, and nothing it does not", () => {
        const emitted = emittedPaths(JSON.parse(formatReportJson(doc())));
        const documented = documentedPaths();
        expect([...emitted].filter((p) => !documented.has(p)).sort(), "emitted, not documented").toEqual([]);
        expect([...documented].filter((p) => !emitted.has(p)).sort(), "documented, never emitted").toEqual(
            [],
        );
    });

    it("Markdown and HTML show every fact the JSON holds (quota entries, reasons, subjects, hosts...)", () => {
        const d = doc();
        const md = visibleMd(formatReportMarkdown(d));
        const html = visibleHtml(formatReportHtml(d));
        const list = facts(d);
        expect(list.length).toBeGreaterThan(40);
        expect(
            list.filter((f) => !md.includes(f)),
            "missing from Markdown",
        ).toEqual([]);
        expect(
            list.filter((f) => !html.includes(f)),
            "missing from HTML",
        ).toEqual([]);
    });

    it("host names count beside CIDRs: an agent reaching only api.github.com is not 0 destinations", () => {
        const coder = doc().agents.find((a) => a.id === "coder")!;
        expect(coder.egress?.destinations.some((x) => x.fqdn === "api.github.com")).toBe(true);
        expect(visibleMd(formatReportMarkdown(doc()))).toMatch(/1 host name\(s\)/);
    });
});

describe("HTML for a reviewer", () => {
    const wide = (actions: string[]) =>
        reportDocument(
            computeBlastRadius(
                buildStackModel([
                    res(ROLE, "wide", {
                        name: "wide",
                        tags: { "agentguard.io/agent": "wide" },
                        assumeRolePolicy: JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [
                                {
                                    Effect: "Allow",
                                    Principal: { Service: "ec2.amazonaws.com" },
                                    Action: "sts:AssumeRole",
                                },
                            ],
                        }),
                        inlinePolicies: [
                            {
                                name: "x",
                                policy: JSON.stringify({
                                    Version: "2012-10-17",
                                    Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }],
                                }),
                            },
                        ],
                    }),
                ]),
                readAgentguardConfig({}),
            ),
            { name: "p", stack: "dev" },
        );

    it("a wildcard grant is one row with its size; forbidden families are highlighted", () => {
        const html = formatReportHtml(wide(["s3:*", "iam:PutRolePolicy"]));
        const size = expandActionPattern("s3:*").length;
        expect(html).toContain(`<code>s3:*</code> — ${size} actions`);
        expect(html.match(/<td>s3<\/td>/g)).toHaveLength(1);
        expect(html).toMatch(
            /<code class="bad" title="[^"]*permissions-management[^"]*">iam:PutRolePolicy<\/code>/,
        );
    });

    it("a partial grant keeps one row per access level", () => {
        const html = formatReportHtml(wide(["s3:GetObject", "s3:PutObject"]));
        expect(html).not.toContain("s3:*");
        expect(html.match(/<td>s3<\/td>/g)).toHaveLength(2);
    });

    it("a long quota table is folded behind its count", () => {
        const html = formatReportHtml(doc());
        expect(html).toMatch(/<details><summary>\d+ quota entries<\/summary>|<th>hard limit<\/th>/);
        const many = doc();
        const coder = many.agents.find((a) => a.id === "coder")!;
        const quota = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`count/thing${i}`, "1"]));
        const folded = formatReportHtml({ ...many, agents: [{ ...coder, quota }] });
        expect(folded).toContain("<details><summary>12 quota entries</summary>");
    });
});

import { describe, expect, it } from "vitest";
import { buildStackModel } from "../../../cli/blast-radius/collect";
import { mdCode, mdText } from "../../../cli/blast-radius/markdown-escape";
import { computeBlastRadius } from "../../../cli/blast-radius/model";
import { reportDocument } from "../../../cli/blast-radius/render-json";
import { formatReportMarkdown } from "../../../cli/blast-radius/render-markdown";
import { formatReviewMarkdown } from "../../../cli/review/render";
import { reviewResources } from "../../../cli/review/review";
import { readAgentguardConfig } from "../../../core/stack/config";
import { agentStack, DEPLOYMENT, NETPOL, res } from "./resources";

const HOSTILE = [
    "[click](https://x.example/a)",
    "![i](https://x.example/i.png)",
    '<img src=x onerror="alert(1)">',
    "@org/team please approve",
    "`code` ``two``",
    "a | b | c",
    "line1\nline2\r\nline3",
    "www.example.com",
    "&lt;entity&gt;",
];

const unescaped = (text: string, char: string) =>
    [...text.matchAll(new RegExp(`(?<!\\\\)\\${char}`, "g"))].length;

/** What a hostile value could do once rendered: none of it may remain outside our own markup. */
function assertInert(markdown: string): void {
    // Code spans are literal (no link, HTML or mention inside); check the rest.
    const ours = markdown.replace(/<\/?(details|summary)>/g, "").replace(/(?<!\\)(`+) .*? \1/g, "");
    expect(unescaped(ours, "<"), "raw HTML").toBe(0);
    expect(unescaped(ours, "["), "link or image").toBe(0);
    expect(ours, "mention").not.toMatch(/@[A-Za-z0-9]/);
    expect(ours, "bare URL").not.toMatch(/:\/\//);
    expect(ours, "www autolink").not.toMatch(/www\\?\./i);
}

/** Columns of a table row: unescaped pipes outside code spans count; escaped ones do not. */
const columns = (row: string) => unescaped(row, "|") - 1;

describe("one Markdown escaping for report and review", () => {
    it("neutralises links, images, HTML, mentions, autolinks and backticks in text", () => {
        for (const value of HOSTILE) {
            const out = mdText(value);
            assertInert(out);
            expect(out).not.toContain("\n");
            expect(unescaped(out, "`")).toBe(0);
            expect(unescaped(out, "|")).toBe(0);
        }
    });

    it("keeps the visible text (only escapes and zero-width breaks are added)", () => {
        const visible = (s: string) => s.replace(/\\(.)/g, "$1").replace(/\u200b/g, "");
        expect(visible(mdText("[click](https://x.example/a)"))).toBe("[click](https://x.example/a)");
        expect(visible(mdText("a\nb"))).toBe("a b");
    });

    it("code spans: the fence outgrows any backtick run inside, pipes are escaped for tables", () => {
        expect(mdCode("a`b")).toBe("`` a`b ``");
        expect(mdCode("x``y`")).toBe("``` x``y` ```");
        expect(mdCode("a|b")).toBe("` a\\|b `");
        expect(mdCode("a\nb")).toBe("` a b `");
    });

    it("the report: hostile names, hosts and messages render inert, and every table row keeps its columns", () => {
        const name = HOSTILE.join(" ");
        const stack = [
            ...agentStack(),
            res(NETPOL, name, {
                metadata: { name: "x", namespace: "agent-coder" },
                spec: {
                    podSelector: {},
                    policyTypes: ["Egress"],
                    egress: [{ to: [{ ipBlock: { cidr: name } }] }],
                },
            }),
            res(DEPLOYMENT, name, {
                metadata: { name: "w", namespace: "agent-coder" },
                spec: {
                    template: {
                        spec: {
                            containers: [{ name, image: "w", envFrom: [{ secretRef: { name } }] }],
                        },
                    },
                },
            }),
        ];
        const doc = reportDocument(computeBlastRadius(buildStackModel(stack), readAgentguardConfig({})), {
            name,
            stack: "dev",
        });
        const md = formatReportMarkdown(doc);
        assertInert(md);
        for (const row of md.split("\n").filter((l) => l.trim().startsWith("|"))) {
            const header = md.split("\n").find((l) => l.trim().startsWith("|"))!;
            if (row.includes("service") || row.includes("---")) continue;
            expect(columns(row) >= 4, row).toBe(true);
            expect(columns(row) <= columns(header), row).toBe(true);
        }
    });

    it("the review comment: hostile resource names, property values and reasons render inert", () => {
        const name = HOSTILE.join(" ");
        const dep = (image: string) =>
            res(DEPLOYMENT, name, {
                metadata: { name: "w", namespace: "agent-coder" },
                spec: { template: { spec: { containers: [{ name, image }] } } },
            });
        const r = reviewResources([...agentStack(), dep("a:1")], [...agentStack(), dep(name)], {
            project: name,
            stack: name,
        });
        const md = formatReviewMarkdown(r);
        assertInert(md);
        const rows = md.split("\n").filter((l) => l.startsWith("| 2 ") || l.startsWith("| 3 "));
        expect(rows.length).toBeGreaterThan(0);
        for (const row of rows) expect(columns(row)).toBe(4);
    });
});

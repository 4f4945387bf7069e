import * as fs from "fs";
import { describe, expect, it } from "vitest";
import { GUARDRAIL_KINDS, GUARDRAIL_SUBRESOURCES } from "../../core/guardrail-kinds";
import { TARGET_ACTIONS } from "../../core/reach";
import { renderRulesMarkdown } from "../../policy-pack/docs";
import { allRules } from "../../policy-pack/rules";
import { expectedRulesDoc, RULES_DOC_PATH } from "../../scripts/generate-rule-docs";

describe("docs/rules.md", () => {
    it("is up to date with the rules' metadata (run `npm run docs` after changing a rule)", async () => {
        expect(fs.readFileSync(RULES_DOC_PATH, "utf8")).toBe(await expectedRulesDoc());
    });

    it("documents every rule's level, severity, description and remediation", () => {
        const markdown = renderRulesMarkdown(allRules);
        for (const rule of allRules) {
            expect(markdown).toContain(`## ${rule.name}\n`);
            expect(markdown).toContain(
                `| [${rule.name}](#${rule.name}) | ${rule.enforcementLevel} | ${rule.severity} |`,
            );
            expect(markdown).toContain(rule.description);
            expect(markdown).toContain(`**Remediation.** ${rule.remediationSteps}`);
        }
    });

    it("lists every resource and subresource agents may not write, with the baseline's treatment", () => {
        const markdown = renderRulesMarkdown(allRules);
        for (const entry of [...GUARDRAIL_KINDS, ...GUARDRAIL_SUBRESOURCES]) {
            const name = "resource" in entry ? entry.resource : entry.subresource;
            const row = markdown.split("\n").find((line) => line.startsWith(`| ${name} |`));
            expect(row, name).toBeDefined();
            expect(row).toContain(entry.why);
            const reason =
                entry.admission.kind === "enforced" ? entry.admission.caveat : entry.admission.reason;
            expect(row).toContain(reason === undefined ? "| denied |" : "(note ");
            if (reason !== undefined) expect(markdown).toContain(reason.slice(1));
        }
    });

    it("explains the reach graph and lists every action that creates one of its edges", () => {
        const markdown = renderRulesMarkdown(allRules);
        expect(markdown).toContain("## The reach graph\n");
        for (const heading of [
            "**Nodes.**",
            "**Edges.**",
            "**What is judged on the closure.**",
            "**Still accepted, and why.**",
        ]) {
            expect(markdown).toContain(heading);
        }
        for (const { action } of TARGET_ACTIONS) expect(markdown).toContain(`\`${action}\``);
    });

    it("renders a changed rule differently, so a stale file is caught", () => {
        const [first, ...rest] = allRules;
        const changed = renderRulesMarkdown([{ ...first, description: "Something else entirely." }, ...rest]);
        expect(changed).not.toBe(renderRulesMarkdown(allRules));
    });
});

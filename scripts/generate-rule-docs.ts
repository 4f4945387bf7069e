import * as fs from "fs";
import * as path from "path";
import * as prettier from "prettier";
import { renderRulesMarkdown } from "../policy-pack/docs";
import { allRules } from "../policy-pack/rules";

export const RULES_DOC_PATH = path.join(__dirname, "..", "docs", "rules.md");

/** The file's expected content: rendered, then formatted with the project's Prettier settings (CI checks them). */
export async function expectedRulesDoc(): Promise<string> {
    const options = (await prettier.resolveConfig(RULES_DOC_PATH)) ?? {};
    return prettier.format(renderRulesMarkdown(allRules), { ...options, filepath: RULES_DOC_PATH });
}

if (require.main === module) {
    void expectedRulesDoc().then((text) => {
        fs.writeFileSync(RULES_DOC_PATH, text);
        console.log(`wrote ${path.relative(process.cwd(), RULES_DOC_PATH)} (${allRules.length} rules)`);
    });
}

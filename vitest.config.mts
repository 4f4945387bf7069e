import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
    resolve: {
        // Tests import the package by its published names, as users do; here they map to the sources.
        alias: [
            { find: /^agentguard\/testing$/, replacement: path.join(root, "cli/testing.ts") },
            { find: /^agentguard$/, replacement: path.join(root, "components/index.ts") },
        ],
    },
    test: {
        include: ["test/**/*.test.ts"],
        globalSetup: ["test/helpers/build-compiled-pack.ts"],
        // Pulumi keeps process-wide runtime state (mocks, stack resource): one process per file.
        pool: "forks",
        // Vitest's default is one worker fewer than the cores (one, on a 2-core CI machine); the end-to-end
        // files mostly wait on the processes they start, so two workers keep both cores busy.
        maxWorkers: 2,
        testTimeout: 60_000,
        hookTimeout: 60_000,
        reporters: ["default", "json"],
        outputFile: { json: ".vitest-results.json" },
    },
});

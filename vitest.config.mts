import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        // Pulumi keeps process-wide runtime state (mocks, stack resource): one process per file.
        pool: "forks",
        testTimeout: 60_000,
        hookTimeout: 60_000,
        reporters: ["default", "json"],
        outputFile: { json: ".vitest-results.json" },
    },
});

#!/usr/bin/env node
"use strict";
// The published package ships the CLI compiled (dist/) and runs only that. A source checkout, which has
// cli/main.ts, runs its sources (compiled on load, transpile-only) so a stale build is never what runs.
const fs = require("fs");
const path = require("path");

const source = path.join(__dirname, "..", "cli", "main.ts");
if (fs.existsSync(source)) {
    require("../cli/register-ts.js");
    require(source).main(process.argv.slice(2));
} else {
    require("../dist/cli/main.js").main(process.argv.slice(2));
}

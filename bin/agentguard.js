#!/usr/bin/env node
"use strict";
// Runs straight from source after `npm ci`: our TypeScript is compiled on load (transpile-only).
require("../cli/register-ts.js");
require("../cli/main.ts").main(process.argv.slice(2));

"use strict";
// Compiles the checker's own TypeScript sources (cli/, and the core/ analysis it imports) on load,
// transpile-only and cached (transpile.js), so it runs straight from source after `npm ci`. Only this
// package's folders are compiled here: a program being checked is compiled by its own ts-node, and the policy
// pack runs compiled JavaScript from dist/ (it never loads what this compiles).
const { registerSources } = require("./transpile.js");

registerSources("cli", "core");

module.exports = { registerSources };

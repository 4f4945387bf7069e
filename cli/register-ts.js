"use strict";
// Compiles the checker's own TypeScript sources (cli/, and the core/ analysis it imports) on load,
// transpile-only and cached (pack/transpile.js), so it runs straight from source after `npm ci`. Only this
// package's folders are compiled here: a program being checked is compiled by its own ts-node.
const { registerSources } = require("./pack/transpile.js");

registerSources("cli", "core");

module.exports = { registerSources };

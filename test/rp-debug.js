require("../cli/register-ts.js");
const { runProgram } = require("../cli/program/run-program.ts");
const { loadProject } = require("../cli/project.ts");
const t0 = Date.now();
let n = 0;
runProgram(loadProject(process.argv[2], process.argv[3]), { onResources: (r) => { n += r.length; if (process.env.V) for (const x of r) console.log(x.urn, JSON.stringify(x.options.aliases)); }, onOutputs: () => undefined })
  .then((run) => console.log("ok", n, run.resourceCount, run.warnings, Date.now() - t0, "ms"), (e) => console.log("ERR", e.kind, e.message, Date.now() - t0));

"use strict";
// `report` and `review` run the policy pack's analysis (policy-pack/lib) in the checker's own process, when it
// runs from source; register-ts.js already compiles the core/ it imports.
require("./register-ts.js").registerSources("policy-pack");

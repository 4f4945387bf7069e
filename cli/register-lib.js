"use strict";
// `report` and `review` run the policy pack's analysis (policy-pack/lib) in the checker's own process.
// register-ts.js compiles only cli/ (programs under check bring their own compiler); this second,
// narrower registration compiles policy-pack/ for this process only, and only when run from source.
require("./register-ts.js").registerSources("policy-pack");

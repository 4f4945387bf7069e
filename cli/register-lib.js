"use strict";
// `report` and `review` run the policy pack's analysis (policy-pack/lib, and the core/ it imports) in the
// checker's own process, when it runs from source.
require("./register-ts.js").registerSources("policy-pack", "core");

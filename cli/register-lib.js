"use strict";
// `report` and `review` read the analysis in core/ (register-ts.js compiles it); cli/blast-radius/containment.ts
// still reaches it through re-exports in policy-pack/lib, compiled here when the checker runs from source.
require("./register-ts.js").registerSources("policy-pack");

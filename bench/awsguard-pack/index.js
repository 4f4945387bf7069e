"use strict";
// The peer reference pack: awsguard registers its policies when its modules load, so constructing the
// pack is all it takes. Plain JavaScript so the root typecheck does not depend on bench's own install.
const { AwsGuard } = require("@pulumi/awsguard");

new AwsGuard({ all: "mandatory" });

import { PolicyPack } from "@pulumi/policy";
import { allRules } from "./rules";

// Constructing the pack starts the analyzer server: import `./rules` (not this file) from tests.
new PolicyPack("agentguard", {
    description: "Confines AI agents on shared infrastructure.",
    policies: [...allRules],
});

import { PolicyPack } from "@pulumi/policy";
import { shareDeserializedProperties } from "./lib/shared-properties";
import { allRules } from "./rules";

shareDeserializedProperties();

// Constructing the pack starts the analyzer server: import `./rules` (not this file) from tests.
new PolicyPack("agentguard", {
    description: "Confines AI agents on shared infrastructure.",
    policies: [...allRules],
});

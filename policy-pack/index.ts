import { PolicyPack } from "@pulumi/policy";
import { shareDeserializedProperties, shareUnknownCheckingProxies } from "./lib/shared-properties";
import { shareStackResources } from "./lib/shared-stack-resources";
import { allRules } from "./rules";

shareDeserializedProperties();
shareUnknownCheckingProxies();

// Constructing the pack starts the analyzer server: import `./rules` (not this file) from tests.
new PolicyPack("agentguard", {
    description: "Confines AI agents on shared infrastructure.",
    policies: shareStackResources([...allRules]),
});

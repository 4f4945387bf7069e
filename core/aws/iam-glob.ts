// The pack's glob matcher is core's: one implementation for the pack, the reach graph and the CLI.
export { iamGlobMatches, iamGlobsIntersect } from "../glob";

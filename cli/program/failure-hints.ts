import * as path from "path";
import type { PlaceholderLookup, UnansweredLookup } from "./monitor";
import { describePlaceholder } from "./placeholder-invokes";

export interface FailureContext {
    readonly dir: string;
    readonly stack: string;
    /** Where the user's lookup answers came from, if given. */
    readonly answersSource?: string;
}

const MISSING_CONFIG =
    /Missing required configuration variable '([^']+)'\s*please set a value using the command `pulumi config set[^`]*`/;

const MAX_LISTED = 10;
const MAX_ARGS_CHARS = 200;

function describeLookup(lookup: UnansweredLookup): string {
    return `${lookup.token} with args ${shownArgs(lookup.args)} (${lookup.why})`;
}

function shownArgs(args: Readonly<Record<string, unknown>>): string {
    const json = JSON.stringify(args);
    return json.length > MAX_ARGS_CHARS ? `${json.slice(0, MAX_ARGS_CHARS)}…` : json;
}

/**
 * Placeholder answers the program got, those whose made-up values the error quotes first: the failure may
 * follow from a placeholder (a program that needs the real AMI's name, an account's organization), and the
 * user can only tell from the hint.
 */
function explainPlaceholders(
    message: string,
    placeholders: readonly PlaceholderLookup[],
    where: string,
): string {
    const described = placeholders.map((lookup) => {
        const { shape, markers } = describePlaceholder(lookup.token, lookup.args);
        const quoted = markers.find((marker) => marker !== "" && message.includes(marker));
        return { lookup, shape, quoted };
    });
    described.sort((a, b) => Number(b.quoted !== undefined) - Number(a.quoted !== undefined));
    const listed = described.slice(0, MAX_LISTED).map(({ lookup, shape, quoted }) => {
        const inError = quoted !== undefined ? `; the error quotes its value '${quoted}'` : "";
        return `\n  - ${lookup.token} with args ${shownArgs(lookup.args)}: placeholder ${shape}${inError}`;
    });
    const more = described.length > MAX_LISTED ? `\n  - and ${described.length - MAX_LISTED} more` : "";
    const first = described[0].lookup;
    return (
        `\nThese lookups got a placeholder answer offline (made up, in the shape AWS returns, not the ` +
        `account's real state), which may be why the program failed:${listed.join("")}${more}\n` +
        `Give the real answer in ${where}, keyed by its token, e.g.\n` +
        `  ${first.token}:\n    - args: ${shownArgs(first.args)}\n      answer: { ... }\n` +
        `(an answer takes precedence over the placeholder; see docs/checker.md, "Offline answers for lookups")`
    );
}

/**
 * Says what a failed program needs in terms of files, since a check runs without the Pulumi CLI: a missing
 * config key names the stack file and key (not `pulumi config set`), and lookups that got an empty offline
 * result are listed with the key to answer them under, as they are the likely cause, and so are lookups that
 * got a placeholder answer, named as placeholders.
 */
export function explainFailure(
    message: string,
    context: FailureContext,
    unanswered: readonly UnansweredLookup[],
    placeholders: readonly PlaceholderLookup[] = [],
): string {
    const stackFile = path.join(context.dir, `Pulumi.${context.stack}.yaml`);
    let explained = message.replace(
        MISSING_CONFIG,
        (_match, key: string) =>
            `Missing required configuration variable '${key}': set it in ${stackFile} under 'config:' ` +
            `as '${key}: <value>' (or give it a default in Pulumi.yaml)`,
    );
    const where = context.answersSource ?? "a YAML or JSON file passed with --offline-answers";
    if (unanswered.length > 0) {
        const listed = unanswered.slice(0, MAX_LISTED).map((lookup) => `\n  - ${describeLookup(lookup)}`);
        const more = unanswered.length > MAX_LISTED ? `\n  - and ${unanswered.length - MAX_LISTED} more` : "";
        explained +=
            `\nThese lookups had no offline answer and returned an empty result, which may be why the ` +
            `program failed:${listed.join("")}${more}\n` +
            `Give each an answer in ${where}, keyed by its token, e.g.\n` +
            `  ${unanswered[0].token}:\n    - args: ${JSON.stringify(unanswered[0].args).slice(0, MAX_ARGS_CHARS)}\n` +
            `      answer: { ... }\n(see docs/checker.md, "Offline answers for lookups")`;
    }
    if (placeholders.length > 0) {
        explained += explainPlaceholders(message, placeholders, where);
    }
    return explained;
}

/** How the SDK refuses an option the engine it talks to did not advertise. */
const SDK_REFUSAL =
    /The Pulumi CLI does not support (?:the )?([^.]+?)(?: option)?\. Please update the Pulumi CLI/;

/**
 * When the SDK refused something because the checker did not advertise it (transforms, resource or error
 * hooks, state migrations), the sentence that says so: the checker, not the Pulumi CLI, lacks it, and the
 * resources it would change can't be judged. Undefined for any other failure.
 */
export function unsupportedFeature(message: string): string | undefined {
    const match = SDK_REFUSAL.exec(message);
    if (!match) {
        return undefined;
    }
    return (
        `uses ${match[1]}, which agentguard's offline checker does not support (the SDK refused it: ` +
        `"${match[0]}"), so what it would change can't be judged. Supported: what a preview needs without ` +
        "calling back into the program; use explicit resource options instead of transforms and hooks"
    );
}

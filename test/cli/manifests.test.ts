import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import {
    CONFIG_FILE_TYPE,
    CONFIG_GROUP_TYPE,
    expandManifestComponent,
    isManifestComponent,
    type ManifestExpansion,
} from "../../cli/program/manifests";
import { UNKNOWN_VALUE } from "../../cli/program/urn";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-manifests-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(relative: string, text: string): void {
    const file = path.join(dir, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
}

const SECRET = (value: unknown) => ({
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    value,
});

const binding = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: helper
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects: [{ kind: ServiceAccount, name: default, namespace: agent-a }]
`;

const pod = (name: string, namespace = "agent-a") =>
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  hostPID: true\n`;

function group(inputs: Record<string, unknown>, name = "extras"): ManifestExpansion {
    return expandManifestComponent(CONFIG_GROUP_TYPE, name, inputs, dir);
}

function children(expansion: ManifestExpansion) {
    if (!expansion.expanded) {
        throw new Error(`not expanded: ${expansion.reason}`);
    }
    return expansion.children.map((c) => ({ type: c.type, name: c.name }));
}

function reason(expansion: ManifestExpansion): string {
    if (expansion.expanded) {
        throw new Error("expanded, expected a reason");
    }
    return expansion.reason;
}

describe("offline expansion of manifest components", () => {
    it("knows the provider's two manifest components and nothing else", () => {
        expect(isManifestComponent(CONFIG_GROUP_TYPE)).toBe(true);
        expect(isManifestComponent(CONFIG_FILE_TYPE)).toBe(true);
        expect(isManifestComponent("kubernetes:helm.sh/v4:Chart")).toBe(false);
        expect(isManifestComponent("kubernetes:yaml:ConfigGroup")).toBe(false);
    });

    it("registers every document of a YAML string with the provider's type tokens and names", () => {
        const expansion = group({ yaml: `${binding}---\n${pod("debug")}---\n` });
        expect(children(expansion)).toEqual([
            { type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", name: "extras-helper" },
            { type: "kubernetes:core/v1:Pod", name: "extras-agent-a/debug" },
        ]);
        if (expansion.expanded) {
            expect(expansion.children[1].object).toMatchObject({ spec: { hostPID: true } });
        }
    });

    it("uses resourcePrefix instead of the component's name", () => {
        expect(children(group({ yaml: binding, resourcePrefix: "x" }))[0].name).toBe("x-helper");
    });

    it("reads objs, local files, globs and ConfigFile's file, relative to the program", () => {
        write("manifests/a.yaml", pod("a"));
        write("manifests/nested/b.yml", pod("b"));
        write("manifests/notes.txt", "not yaml: [");
        write("single.yaml", binding);
        const fromObjs = group({
            objs: [
                { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "sa", namespace: "agent-a" } },
            ],
        });
        expect(children(fromObjs)).toEqual([
            { type: "kubernetes:core/v1:ServiceAccount", name: "extras-agent-a/sa" },
        ]);
        const fromGlob = group({ files: ["manifests/**/*.y*ml"] });
        expect(children(fromGlob).map((c) => c.name)).toEqual(["extras-agent-a/a", "extras-agent-a/b"]);
        const fromFile = expandManifestComponent(CONFIG_FILE_TYPE, "one", { file: "single.yaml" }, dir);
        expect(children(fromFile)).toEqual([
            { type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", name: "one-helper" },
        ]);
    });

    it("unpacks List objects, as kubectl and the provider do", () => {
        const list = {
            apiVersion: "v1",
            kind: "List",
            items: [{ apiVersion: "v1", kind: "Pod", metadata: { name: "p" } }],
        };
        expect(children(group({ objs: [list] }))).toEqual([
            { type: "kubernetes:core/v1:Pod", name: "extras-p" },
        ]);
    });

    it("sees through secret-wrapped manifests", () => {
        expect(children(group({ yaml: SECRET(binding) }))[0].name).toBe("extras-helper");
    });

    it("keeps values unknown during preview inside an object, for the pack to judge", () => {
        const expansion = group({
            objs: [
                { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { hostPID: UNKNOWN_VALUE } },
            ],
        });
        expect(expansion.expanded && expansion.children[0].object).toMatchObject({
            spec: { hostPID: UNKNOWN_VALUE },
        });
    });

    it("does not expand what can't be read offline, and says why", () => {
        expect(reason(group({ yaml: UNKNOWN_VALUE }))).toBe("yaml is unknown during preview");
        expect(reason(group({ files: UNKNOWN_VALUE }))).toBe("files is unknown during preview");
        expect(reason(group({ files: ["https://example.test/a.yaml"] }))).toMatch(
            /is a URL, which is not fetched offline/,
        );
        expect(reason(group({ files: ["missing.yaml"] }))).toMatch(
            /files\[0\] 'missing.yaml' does not exist/,
        );
        expect(reason(group({ files: ["manifests/*.json"] }))).toMatch(/matches no file/);
        expect(reason(group({ yaml: "a: [1" }))).toMatch(/^yaml is not valid YAML/);
        expect(reason(group({ yaml: "kind: Pod\nmetadata: { name: p }\n" }))).toMatch(
            /no apiVersion and kind/,
        );
        expect(reason(group({ objs: [{ apiVersion: "v1", kind: "Pod", metadata: {} }] }))).toMatch(
            /has no metadata.name/,
        );
        expect(
            reason(group({ objs: [{ apiVersion: "v1", kind: UNKNOWN_VALUE, metadata: { name: "p" } }] })),
        ).toMatch(/kind is unknown during preview/);
        expect(reason(group({ objs: ["just a string"] }))).toMatch(/not an object/);
        expect(reason(expandManifestComponent(CONFIG_FILE_TYPE, "f", {}, dir))).toBe("file is not set");
    });

    it("expands an empty group to no children", () => {
        expect(children(group({}))).toEqual([]);
        expect(children(group({ yaml: "---\n" }))).toEqual([]);
    });
});

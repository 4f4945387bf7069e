import { describe, expect, it } from "vitest";
import { findCaseVariantKeys, parseStrictJson } from "../../core/strict-json";

describe("parseStrictJson", () => {
    it("parses JSON without duplicates as JSON.parse does", () => {
        const text = '{"a":{"b":[1,{"c":"}{,\\"d\\":"}]},"e":"x\\\\"}';
        expect(parseStrictJson(text)).toEqual({ ok: true, value: JSON.parse(text) });
    });

    it.each([
        [
            '{"Effect":"Allow","Action":"*","Effect":"Deny"}',
            /the top-level object has the key "Effect" twice/,
        ],
        [
            '{"Statement":[],"Version":"2012-10-17","Statement":[{}]}',
            /top-level object has the key "Statement" twice/,
        ],
        [
            '{"Statement":[{"Sid":"a"},{"Effect":"Allow","Action":"s3:*","Action":"iam:*"}]}',
            /Statement\[1\] has the key "Action" twice/,
        ],
        ['{"S":{"C":{"StringEquals":{"k":"v","k":"w"}}}}', /S\.C\.StringEquals has the key "k" twice/],
        ['{"a\\"b":1,"x":"\\\\","a\\"b":2}', /the key "a\\"b" twice/],
        // The same key spelt with an escape is the same key to every reader.
        ['{"Effect":"Allow","Eff\\u0065ct":"Deny"}', /the key "Effect" twice/],
    ])("refuses %s, naming the key and where it is", (text, message) => {
        const parsed = parseStrictJson(text);
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) expect(parsed.error).toMatch(message);
    });

    it("keeps equal keys of different objects apart", () => {
        const text = '{"Statement":[{"Effect":"Allow"},{"Effect":"Deny"}],"x":{"Effect":1}}';
        expect(parseStrictJson(text).ok).toBe(true);
    });

    it("refuses keys that differ only in case when asked", () => {
        const text = '{"Effect":"Deny","effect":"Allow"}';
        expect(parseStrictJson(text).ok).toBe(true);
        const parsed = parseStrictJson(text, { caseInsensitive: true });
        expect(parsed).toEqual({
            ok: false,
            error: expect.stringMatching(/keys "Effect" and "effect", which differ only in case/),
        });
    });

    it("says a syntax error", () => {
        expect(parseStrictJson('{"a":')).toEqual({
            ok: false,
            error: expect.stringMatching(/^not valid JSON/),
        });
    });
});

describe("findCaseVariantKeys", () => {
    it("finds keys of one object that differ only in case, with their path", () => {
        expect(findCaseVariantKeys({ Statement: [{ Action: "a", action: "b" }] })).toMatch(
            /Statement\[0\] has the keys "Action" and "action"/,
        );
        expect(findCaseVariantKeys({ Statement: [{ Action: "a" }, { action: "b" }] })).toBeUndefined();
    });
});

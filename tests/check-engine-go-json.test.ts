// The error text of a body that is not JSON, as Infinity's backend gets it from Go's json.Unmarshal. The
// expected texts are what Go 1.26's encoding/json printed for each body (a throwaway Go program fed the same
// bytes; 20 000 random short bodies of JSON's own characters agreed too when this was written).
import { describe, expect, test } from "bun:test";
import { goJsonSyntaxError, goQuoteChar } from "../scripts/lib/check/go-json.ts";

const bytes = (text: string) => new Uint8Array([...text].map((c) => c.charCodeAt(0)));

describe("Go's json.Unmarshal syntax errors", () => {
  const cases: Array<[string, string | undefined]> = [
    ["<!DOCTYPE html>", "invalid character '<' looking for beginning of value"],
    ['{"a":1}x', "invalid character 'x' after top-level value"],
    ["1.", "invalid character ' ' after decimal point in numeric literal"],
    ['"\\u12', "invalid character ' ' in \\u hexadecimal character escape"],
    ["[1 2]", "invalid character '2' after array element"],
    ["tr", "invalid character ' ' in literal true (expecting 'u')"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ["[1,", "unexpected end of JSON input"],
    ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ["", "unexpected end of JSON input"],
    ["  ", "unexpected end of JSON input"],
    ['{"a":[1,2.5e3,-0.1,"x\\n",true,false,null,{"b":{}}]}', undefined],
    ["null", undefined],
    ["[]", undefined],
  ];
  for (const [body, error] of cases) {
    test(`${JSON.stringify(body)}: ${error ?? "valid"}`, () => {
      expect(goJsonSyntaxError(bytes(body))).toBe(error);
    });
  }

  test("a byte is quoted as Go's quoteChar quotes it", () => {
    expect([0x3c, 0x27, 0x22, 0x0a, 0x01, 0x7f, 0xc3, 0xa0, 0x5c].map(goQuoteChar)).toEqual([
      "'<'",
      "'\\''",
      "'\"'",
      "'\\n'",
      "'\\x01'",
      "'\\x7f'",
      "'Ã'",
      "'\\u00a0'",
      "'\\\\'",
    ]);
  });
});

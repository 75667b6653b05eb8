// The Infinity subset: lint, root selector, columns and coercions from infinity-facts §3 and the §7
// observations, each one a test (the request, and a real answer, are in check-engine-infinity-request).
import { describe, expect, test } from "bun:test";
import { parseGoTimeString } from "../scripts/lib/check/go-format.ts";
import { frameFromJson, lintInfinityTarget } from "../scripts/lib/check/infinity/query.ts";
import { col, queryError, queues, target, values } from "./support/infinity-targets.ts";

describe("lint: the subset both Infinity and the engine evaluate alike", () => {
  test("a plain target passes", () => {
    expect(lintInfinityTarget(target({ columns: [col("name", "string"), col("message_stats.publish_details.rate", "number", "rate")] }))).toEqual([]);
    expect(lintInfinityTarget(target({ root_selector: "data.items" }))).toEqual([]);
    expect(lintInfinityTarget(target({ root_selector: "$map($, function($q){ {\"queue\": $q.name, \"lag\": $q.messages > 1000 and $q.consumers * 10 < 5} })" }))).toEqual([]);
  });
  test("parser must be backend, written out; type json; source url", () => {
    const problems = lintInfinityTarget({ refId: "A", url: "/x" });
    expect(problems.some((p) => p.startsWith('parser must be "backend"'))).toBe(true);
    expect(problems.some((p) => p.startsWith('type must be "json"'))).toBe(true);
    expect(problems.some((p) => p.startsWith('source must be "url"'))).toBe(true);
    expect(lintInfinityTarget(target({ parser: "simple" }))).toHaveLength(1);
  });
  test("$.{...} is refused: gjson answers it first with {}", () => {
    const [problem] = lintInfinityTarget(target({ root_selector: '$.{"queue": name}' }));
    expect(problem).toContain("answered by gjson first");
  });
  test("root selectors that are neither plain paths nor $function( calls are refused", () => {
    for (const selector of ["items.#", "items.#.name", "a|b", "@this", "*.name", "data[0]", "x-data", "$[messages > 2000]"]) {
      expect(lintInfinityTarget(target({ root_selector: selector }))).toHaveLength(1);
    }
    expect(lintInfinityTarget(target({ root_selector: "data.and" }))[0]).toContain("reads differently in JSONata");
  });
  test("JSONata syntax and functions missing in jsonata-go are refused", () => {
    const cases: Array<[string, string]> = [
      ["$map($, function($v){ $v.a ?? 0 })", '"??"'],
      ["$map($, function($v){ $v.a ?: 0 })", '"?:"'],
      ["$map($, function($v){ $v.a % 2 })", '"%"'],
      ["$map($, function($v, $i){ $v#$i })", '"#$"'],
      ["$map($, function($v){ $v@$x })", '"@$"'],
      ["$map($, function($v){ $formatInteger($v.n, '0') })", "$formatInteger()"],
      ["$map($, function($v){ $parseInteger($v.n, '0') })", "$parseInteger()"],
      ["$map($, function($v){ $assert($v.n) })", "$assert()"],
      ["$map($, function($v){ $eval('1') })", "$eval()"],
      ["$map($, function($v){ $objmerge($v) })", "exists only in jsonata-go"],
      ["$map($, function($v){ $string($v) })", "$string()"],
      ["$map($, function($v){ $keys($v) })", "key order"],
      ["$map($, function($v){ $each($v, function($x){$x}) })", "key order"],
      ["$map($, function($v){ $spread($v) })", "key order"],
      ["$map($, function($v){ $sift($v, function($x){$x}) })", "key order"],
      ["$map($, function($v){ $v.* })", "wildcard"],
      ["$map($, function($v){ $v.** })", '"**"'],
      ["$map($, function($v){ $match($v.a, /x/) })", "regular expressions"],
      ["$map($, function($v){ /* c */ $v })", "comments"],
      ["$map($, function($v){ $zip($v) })", "not in the subset"],
    ];
    for (const [selector, expected] of cases) {
      const problems = lintInfinityTarget(target({ root_selector: selector }));
      expect(problems.some((p) => p.includes(expected))).toBe(true);
    }
  });
  test("operators inside strings are not mistaken for syntax", () => {
    expect(lintInfinityTarget(target({ root_selector: "$map($, function($v){ $v.state = 'a%b ?? #@|*' })" }))).toEqual([]);
  });
  test("columns: plain gjson paths, explicit types, unique names", () => {
    expect(lintInfinityTarget(target({ columns: [col("tags.0", "string"), col("tags.#", "number", "n"), col("a\\.b", "string", "ab")] }))).toEqual([]);
    expect(lintInfinityTarget(target({ columns: [{ selector: "name", text: "name" }] }))[0]).toContain("type must be one of");
    expect(lintInfinityTarget(target({ columns: [col("name", "json")] }))[0]).toContain("type must be one of");
    expect(lintInfinityTarget(target({ columns: [col("$.name", "string", "n")] }))[0]).toContain("not a plain gjson path");
    expect(lintInfinityTarget(target({ columns: [col("items.#(name==\"x\")", "string", "n")] }))[0]).toContain("not a plain gjson path");
    expect(lintInfinityTarget(target({ columns: [col("a", "string", "x"), col("b", "string", "x")] }))[0]).toContain("duplicate field name");
    expect(lintInfinityTarget(target({ columns: [{ selector: "t", text: "t", type: "timestamp", timestampFormat: "2006-01-02" }] }))[0]).toContain("timestampFormat");
  });
  test("computed columns, filter and summarize are refused", () => {
    const problems = lintInfinityTarget(
      target({ computed_columns: [{ selector: "a + b", text: "c" }], filterExpression: "messages > 0", summarizeExpression: "sum(messages)" }),
    );
    expect(problems).toHaveLength(3);
  });
});

describe("root selector (§3.1) and observations (§7)", () => {
  test("empty selector: the whole document, one row per element", async () => {
    const frame = await frameFromJson(queues, target({ columns: [col("name", "string", "queue"), col("messages", "number")] }));
    expect(values(frame)).toEqual({ messages: [1500, 3], queue: ["orders", "signals"] });
  });
  test("field order is alphabetical by text, not the order of columns", async () => {
    const frame = await frameFromJson(queues, target({ columns: [col("name", "string", "zeta"), col("vhost", "string", "alpha"), col("consumers", "number", "mid")] }));
    expect(frame.fields.map((f) => f.name)).toEqual(["alpha", "mid", "zeta"]);
  });
  test("a JSONata filter with zero matches is an error, not an empty table", async () => {
    const error = await queryError(frameFromJson(queues, target({ root_selector: "$filter($, function($q){ $q.messages > 100000 })", columns: [col("name", "string")] })));
    expect(error.message).toBe(
      "error while performing the infinity query. error converting json data to frame: error evaluating JSONata expression\nno results found",
    );
  });
  test("a filter matching one object still gives one row", async () => {
    const frame = await frameFromJson(queues, target({ root_selector: "$filter($, function($q){ $q.messages > 1000 })", columns: [col("name", "string")] }));
    expect(values(frame)).toEqual({ name: ["orders"] });
  });
  test("$map computing a flag gives a bool field", async () => {
    const frame = await frameFromJson(
      queues,
      target({
        root_selector: '$map($, function($q){ {"queue": $q.name, "lagging": $q.messages > 1000} })',
        columns: [col("queue", "string"), col("lagging", "boolean")],
      }),
    );
    expect(frame.fields.map((f) => [f.name, f.type])).toEqual([["lagging", "boolean"], ["queue", "string"]]);
    expect(values(frame)).toEqual({ lagging: [true, false], queue: ["orders", "signals"] });
  });
  test("$sum gives one field named after the refId", async () => {
    const frame = await frameFromJson(queues, target({ refId: "Total", root_selector: "$sum($.messages)" }));
    expect(frame.name).toBe("Total");
    expect(values(frame)).toEqual({ Total: [1503] });
  });
  test("a JSONata syntax error fails to compile", async () => {
    const error = await queryError(frameFromJson(queues, target({ root_selector: "$map($, function($q){ $q.name " })));
    expect(error.message).toStartWith("error while performing the infinity query. error converting json data to frame: failed to compile JSONata expression\n");
  });
  test("a plain path gjson cannot resolve goes to JSONata: missing key is no results", async () => {
    const error = await queryError(frameFromJson({ foo: "bar" }, target({ root_selector: "items" })));
    expect(error.message).toEndWith("error evaluating JSONata expression\nno results found");
  });
  test("plain paths are gjson first: object paths and numeric indexes", async () => {
    const body = { data: { items: [{ id: 1 }, { id: 2 }] } };
    expect(values(await frameFromJson(body, target({ root_selector: "data.items", columns: [col("id", "number")] })))).toEqual({ id: [1, 2] });
    expect(values(await frameFromJson(body, target({ root_selector: "data.items.1", columns: [col("id", "number")] })))).toEqual({ id: [2] });
  });
  test("a.b over an array: gjson finds nothing, JSONata maps", async () => {
    const body = { rows: [{ v: { n: 1 } }, { v: { n: 2 } }] };
    const frame = await frameFromJson(body, target({ root_selector: "rows.v", columns: [col("n", "number")] }));
    expect(values(frame)).toEqual({ n: [1, 2] });
  });
  test("object root gives exactly one row; without columns every key is a field", async () => {
    const health = { status: "healthy", connected: true, uptime: 12.5, started_at: "2026-07-01T10:20:00Z", database: { ok: true } };
    const withColumns = await frameFromJson(health, target({ columns: [col("status", "string")] }));
    expect(values(withColumns)).toEqual({ status: ["healthy"] });
    const all = await frameFromJson(health, target());
    expect(all.fields.map((f) => [f.name, f.type])).toEqual([
      ["connected", "boolean"],
      ["database", "string"],
      ["started_at", "string"],
      ["status", "string"],
      ["uptime", "number"],
    ]);
    expect(values(all).database).toEqual(['{"ok":true}']);
    expect(values(all).started_at).toEqual(["2026-07-01T10:20:00Z"]);
  });
  test("[] gives zero fields even with columns; a scalar root with columns gives zero rows", async () => {
    expect((await frameFromJson([], target({ columns: [col("name", "string")] }))).fields).toEqual([]);
    expect((await frameFromJson({ n: 5 }, target({ root_selector: "n", columns: [col("x", "number")] }))).fields).toEqual([]);
  });
  test("without columns: an array of objects takes the union of keys, missing keys null", async () => {
    const frame = await frameFromJson([{ a: 1 }, { b: "x" }], target());
    expect(values(frame)).toEqual({ a: [1, null], b: [null, "x"] });
  });
  test("without columns: mixed value types fail the whole request", async () => {
    const error = await queryError(frameFromJson([{ a: 1 }, { a: "x" }], target()));
    expect(error.message).toContain("mixes value types");
  });
  test("frameFromJson also refuses a root selector outside the subset", async () => {
    await expect(frameFromJson(queues, target({ root_selector: '$.{"queue": name}' }))).rejects.toThrow(expect.objectContaining({ kind: "badInput" }));
  });
});

describe("columns (§3.2): gjson paths per row", () => {
  const rows = [{ name: "q", tags: ["x", "y"], "a.b": 7, nested: { deep: { v: "d" } }, items: [{ name: "i1" }, { name: "i2" }] }];
  test("a.b.c, a.0, a.#, a\\.b and a.#.b", async () => {
    const frame = await frameFromJson(
      rows,
      target({
        columns: [
          col("nested.deep.v", "string", "deep"),
          col("tags.0", "string", "first_tag"),
          col("tags.#", "number", "tag_count"),
          col("a\\.b", "number", "dotted"),
          col("items.#.name", "string", "item_names"),
        ],
      }),
    );
    expect(values(frame)).toEqual({ deep: ["d"], dotted: [7], first_tag: ["x"], item_names: ['["i1","i2"]'], tag_count: [2] });
  });
  test("a missing nested path (queue without message_stats) is null", async () => {
    const frame = await frameFromJson(queues, target({ columns: [col("message_stats.publish_details.rate", "number", "rate")] }));
    expect(values(frame)).toEqual({ rate: [12.5, null] });
  });
  test("JSONata forms are not column selectors: they give null", async () => {
    const frame = await frameFromJson(queues, target({ columns: [{ selector: "$.name", text: "n", type: "string" }] }));
    expect(values(frame)).toEqual({ n: [null, null] });
  });
});

describe("type coercion (§3.3 and the §7 table)", () => {
  async function coerce(type: string, ...items: unknown[]): Promise<unknown[]> {
    const frame = await frameFromJson(items.map((v) => (v === undefined ? {} : { v })), target({ columns: [col("v", type)] }));
    return frame.fields[0]!.values;
  }
  test("boolean: true stays; \"connected\", 5 and \"false\" are null, never false; \"TRUE\" is true", async () => {
    expect(await coerce("boolean", true, "connected", 5, "false", "TRUE", false)).toEqual([true, null, null, null, true, false]);
  });
  test("number: a bool is null; numeric strings parse; others null", async () => {
    expect(await coerce("number", 2.5, true, "1e3", "12abc", "Inf")).toEqual([2.5, null, 1000, null, Infinity]);
  });
  test("string: true is \"true\"; numbers print with Go %v", async () => {
    expect(await coerce("string", "s", true, 1000000, 1234567.5, 0.00001, 123456.7, 42)).toEqual([
      "s",
      "true",
      "1e+06",
      "1.2345675e+06",
      "1e-05",
      "123456.7",
      "42",
    ]);
  });
  test("timestamp: RFC3339 with or without fraction parses; a missing key is null; epoch numbers are null", async () => {
    expect(await coerce("timestamp", "2026-07-01T10:20:00Z", "2026-07-01T10:20:00.123Z", undefined, 1700000000, 2024)).toEqual([
      Date.UTC(2026, 6, 1, 10, 20),
      Date.UTC(2026, 6, 1, 10, 20, 0, 123),
      null,
      null,
      Date.UTC(2024, 0, 1),
    ]);
  });
  test("timestamp_epoch_s 3600 is 1970-01-01T01:00:00Z; timestamp_epoch takes ms and integer strings", async () => {
    expect(await coerce("timestamp_epoch_s", 3600)).toEqual([3_600_000]);
    expect(await coerce("timestamp_epoch", 1700000000123.9, "1700000000123", "17e11")).toEqual([1700000000123, 1700000000123, null]);
  });
  test("an object in a number column: a string field of its JSON text, missing values \"null\"", async () => {
    const frame = await frameFromJson([{ v: { b: 1, a: "<x>" } }, {}], target({ columns: [col("v", "number")] }));
    expect(frame.fields[0]!.type).toBe("string");
    expect(frame.fields[0]!.values).toEqual(['{"a":"\\u003cx\\u003e","b":1}', "null"]);
  });
  test("Go time layouts for strings (utils.GetTimeFromString)", () => {
    expect(parseGoTimeString("2026-07-01T10:20:00+02:00")).toBe(Date.UTC(2026, 6, 1, 8, 20));
    expect(parseGoTimeString("2026-07-01 10:20:00")).toBe(Date.UTC(2026, 6, 1, 10, 20));
    expect(parseGoTimeString("2026-07-01")).toBe(Date.UTC(2026, 6, 1));
    expect(parseGoTimeString("07/01/2026")).toBe(Date.UTC(2026, 6, 1));
    expect(parseGoTimeString("2026-07")).toBe(Date.UTC(2026, 6, 1));
    expect(parseGoTimeString("2026-07-01T10:20:00+0000")).toBeNull();
    expect(parseGoTimeString("1700000000")).toBeNull();
    expect(parseGoTimeString("2026-02-30")).toBeNull();
  });
});

// The Infinity subset: lint, root selector, columns and coercions from infinity-facts §3 and the §7
// observations (each one a test), the request of §1.2-1.3 against a real HTTP server on loopback, and
// the live RabbitMQ management API.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseGoTimeString } from "../scripts/lib/check/go-format.ts";
import { frameFromJson, interpolateInfinityTarget, lintInfinityTarget, runInfinityQuery } from "../scripts/lib/check/infinity/query.ts";
import { applyInfinityMacros, buildInfinityRequest } from "../scripts/lib/check/infinity/request.ts";
import {
  ALLOWED_HOSTS_MESSAGE,
  InfinityQueryError,
  type InfinityColumn,
  type InfinityDatasource,
  type InfinityTarget,
} from "../scripts/lib/check/infinity/types.ts";
import type { Frame } from "../scripts/lib/check/frames.ts";
import type { TimeRange } from "../scripts/lib/check/time-range.ts";
import { rabbitApi, settings, useLiveStack } from "./support/live.ts";

const range: TimeRange = {
  from: new Date("2020-07-13T20:19:09.254Z"),
  to: new Date("2020-07-13T21:19:09.000Z"),
  raw: { from: "now-1h", to: "now" },
};

function target(extra: Partial<InfinityTarget> = {}): InfinityTarget {
  return { refId: "A", type: "json", source: "url", parser: "backend", format: "table", url: "/data", root_selector: "", columns: [], ...extra };
}

const col = (selector: string, type: string, text = selector): InfinityColumn => ({ selector, text, type });

function values(frame: Frame): Record<string, unknown[]> {
  return Object.fromEntries(frame.fields.map((f) => [f.name, f.values]));
}

async function queryError(promise: Promise<unknown>): Promise<InfinityQueryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InfinityQueryError) return error;
    throw error;
  }
  throw new Error("expected an InfinityQueryError");
}

const queues = [
  { name: "orders", vhost: "/", messages: 1500, consumers: 1, state: "running", message_stats: { publish_details: { rate: 12.5 } } },
  { name: "signals", vhost: "/", messages: 3, consumers: 0, state: "running" },
];

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

describe("request (§1.2-1.3)", () => {
  const rabbit: InfinityDatasource = {
    url: "http://rabbitmq:15672",
    basicAuth: true,
    basicAuthUser: "monitoring",
    jsonData: { auth_method: "basicAuth", allowedHosts: ["http://rabbitmq:15672"], timeoutInSeconds: 10, httpHeaderName1: "X-Api-Key" },
    secrets: { basicAuthPassword: "pw", httpHeaderValue1: "k1" },
  };
  test("URL join is plain concatenation; an empty query URL gives the base", () => {
    expect(buildInfinityRequest(rabbit, target({ url: "/api/queues" }), { range }).url).toBe("http://rabbitmq:15672/api/queues");
    expect(buildInfinityRequest({ ...rabbit, url: "http://rabbitmq:15672/", jsonData: {} }, target({ url: "/api/queues" }), { range }).url).toBe(
      "http://rabbitmq:15672//api/queues",
    );
    expect(buildInfinityRequest(rabbit, target({ url: "http://rabbitmq:15672/api/x" }), { range }).url).toBe("http://rabbitmq:15672/api/x");
    expect(buildInfinityRequest(rabbit, target({ url: "" }), { range }).url).toBe("http://rabbitmq:15672");
  });
  test("a base URL plus an absolute query URL are glued and fail with invalid port", () => {
    const ds: InfinityDatasource = { url: "http://a:1", jsonData: {}, secrets: {} };
    expect(() => buildInfinityRequest(ds, target({ url: "http://b:1/health" }), { range })).toThrow(/invalid port/);
  });
  test("the query string is re-encoded: keys sorted, values query-escaped; params appended", () => {
    const request = buildInfinityRequest(
      rabbit,
      target({ url: "/api/x?b=2&a=1,2 3", url_options: { params: [{ key: "from", value: "${__from}" }, { key: "a", value: "z" }] } }),
      { range },
    );
    expect(request.url).toBe("http://rabbitmq:15672/api/x?a=1%2C2+3&a=z&b=2&from=1594671549254");
  });
  test("backend macros", () => {
    expect(applyInfinityMacros("${__from} ${__to} ${__timeFrom} ${__timeTo:date:seconds}", range)).toBe(
      "1594671549254 1594675149000 1594671549254 1594675149",
    );
    expect(applyInfinityMacros("${__from:date} ${__to:date:iso} ${__from:date:YYYY:MM:DD:HH:mm}", range)).toBe(
      "2020-07-13T20:19:09.254Z 2020-07-13T21:19:09Z 2020:07:13:20:19",
    );
  });
  test("headers in Infinity's order: Accept, Accept-Encoding, datasource headers, query headers, basic auth", () => {
    const request = buildInfinityRequest(rabbit, target({ url: "/api/queues", url_options: { headers: [{ key: "x-trace", value: "t" }] } }), { range });
    expect(request.headers).toEqual([
      ["Accept", "application/json;q=0.9,text/plain"],
      ["Accept-Encoding", "gzip"],
      ["X-Api-Key", "k1"],
      ["X-Trace", "t"],
      ["Authorization", `Basic ${Buffer.from("monitoring:pw").toString("base64")}`],
    ]);
  });
  test("basic auth is sent only with top-level basicAuth: true", () => {
    const noFlag = buildInfinityRequest({ ...rabbit, basicAuth: false }, target(), { range });
    expect(noFlag.headers.some(([name]) => name === "Authorization")).toBe(false);
  });
  test("basicAuth true without a password is refused", () => {
    expect(() => buildInfinityRequest({ ...rabbit, secrets: {} }, target(), { range })).toThrow("invalid or empty password detected");
  });
  test("an API key header is added after the datasource headers", () => {
    const ds: InfinityDatasource = { url: "http://svc:8000", jsonData: { auth_method: "apiKey", apiKeyKey: "X-API-Key", apiKeyType: "header" }, secrets: { apiKeyValue: "secret" } };
    expect(buildInfinityRequest(ds, target({ url: "/health" }), { range }).headers.at(-1)).toEqual(["X-Api-Key", "secret"]);
  });
  test("allowedHosts: a prefix on scheme+host+path; outside it is refused with the plugin's message", () => {
    const ds: InfinityDatasource = { ...rabbit, url: "", jsonData: { ...rabbit.jsonData, allowedHosts: ["http://rabbitmq:15672/api/queues"] } };
    expect(buildInfinityRequest(ds, target({ url: "http://rabbitmq:15672/api/queues/%2F" }), { range }).url).toBe("http://rabbitmq:15672/api/queues/%2F");
    expect(() => buildInfinityRequest(ds, target({ url: "http://rabbitmq:15672/api/overview" }), { range })).toThrow(ALLOWED_HOSTS_MESSAGE);
    const noScheme = { ...ds, jsonData: { ...ds.jsonData, allowedHosts: ["rabbitmq:15672"] } };
    expect(() => buildInfinityRequest(noScheme, target({ url: "http://rabbitmq:15672/api/queues" }), { range })).toThrow(ALLOWED_HOSTS_MESSAGE);
  });
  test("basic auth with neither allowedHosts nor a base URL is refused the same way", () => {
    const ds: InfinityDatasource = { ...rabbit, url: "", jsonData: { auth_method: "basicAuth" } };
    expect(() => buildInfinityRequest(ds, target({ url: "http://rabbitmq:15672/api/queues" }), { range })).toThrow(ALLOWED_HOSTS_MESSAGE);
  });
  test("timeout: timeoutInSeconds, 0 or absent is 60 s, capped by the caller", () => {
    expect(buildInfinityRequest(rabbit, target(), { range }).timeoutMs).toBe(10_000);
    expect(buildInfinityRequest({ ...rabbit, jsonData: { ...rabbit.jsonData, timeoutInSeconds: 0 } }, target(), { range }).timeoutMs).toBe(60_000);
    expect(buildInfinityRequest({ ...rabbit, jsonData: {} }, target(), { range }).timeoutMs).toBe(60_000);
    expect(buildInfinityRequest(rabbit, target(), { range, timeoutMs: 2000 }).timeoutMs).toBe(2000);
  });
  test("unsupported auth methods are bad input", () => {
    expect(() => buildInfinityRequest({ url: "http://x", jsonData: { auth_method: "oauth2" }, secrets: {} }, target(), { range })).toThrow(expect.objectContaining({ kind: "badInput" }));
  });
  test("interpolateInfinityTarget applies glob to url, params, headers and the root selector", () => {
    const vars = [{ name: "q", multi: true, includeAll: false, options: [], current: ["a", "b"] }];
    const out = interpolateInfinityTarget(
      target({ url: "/x/$q", root_selector: "$filter($, function($v){ $v.name in ['$q'] })", url_options: { params: [{ key: "n", value: "$q" }] } }),
      vars,
      range,
    );
    expect(out.url).toBe("/x/{a,b}");
    expect(out.url_options?.params).toEqual([{ key: "n", value: "{a,b}" }]);
    expect(out.root_selector).toBe("$filter($, function($v){ $v.name in ['{a,b}'] })");
  });
});

describe("against a real HTTP server on loopback", () => {
  const seen: Array<{ path: string; headers: Headers }> = [];
  let server: ReturnType<typeof Bun.serve>;
  let base: string;
  beforeAll(() => {
    server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(request) {
        const url = new URL(request.url);
        seen.push({ path: url.pathname + url.search, headers: request.headers });
        switch (url.pathname) {
          case "/queues":
            return Response.json(queues);
          case "/health":
            return Response.json({ status: "ok", ws: { connected: "connected" } });
          case "/unauthorized":
            return new Response("nope", { status: 401 });
          case "/empty":
            return new Response("", { status: 200 });
          case "/bom":
            return new Response(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('[{"n":1}]')]), { headers: { "content-type": "application/json" } });
          case "/broken":
            return new Response("{not json", { headers: { "content-type": "application/json" } });
          case "/hang":
            await Bun.sleep(5_000);
            return Response.json([]);
          default:
            return new Response("missing", { status: 404 });
        }
      },
    });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server?.stop(true));

  const ds = (extra: Partial<InfinityDatasource> = {}): InfinityDatasource => ({
    url: base,
    basicAuth: true,
    basicAuthUser: "monitoring",
    jsonData: { auth_method: "basicAuth", allowedHosts: [base], httpHeaderName1: "X-Api-Key" },
    secrets: { basicAuthPassword: "s3cret", httpHeaderValue1: "key-1" },
    ...extra,
  });

  test("a JSON array becomes a frame; the server sees Accept, the custom header and basic auth", async () => {
    const before = seen.length;
    const frame = await runInfinityQuery(ds(), target({ url: "/queues", columns: [col("name", "string"), col("messages", "number")] }), { range });
    expect(values(frame)).toEqual({ messages: [1500, 3], name: ["orders", "signals"] });
    const request = seen[before]!;
    expect(request.headers.get("accept")).toBe("application/json;q=0.9,text/plain");
    expect(request.headers.get("x-api-key")).toBe("key-1");
    expect(request.headers.get("authorization")).toBe(`Basic ${Buffer.from("monitoring:s3cret").toString("base64")}`);
  });
  test("without basicAuth: true no Authorization header reaches the server", async () => {
    const before = seen.length;
    await runInfinityQuery(ds({ basicAuth: false }), target({ url: "/health", columns: [col("status", "string")] }), { range });
    expect(seen[before]!.headers.get("authorization")).toBeNull();
  });
  test("boolean coercion of \"connected\" from a live body is null", async () => {
    const frame = await runInfinityQuery(ds(), target({ url: "/health", columns: [col("ws.connected", "boolean", "connected")] }), { range });
    expect(values(frame)).toEqual({ connected: [null] });
  });
  test("status >= 400 is an error with the status line", async () => {
    const error = await queryError(runInfinityQuery(ds(), target({ url: "/unauthorized" }), { range }));
    expect(error.message).toBe("error while performing the infinity query. unsuccessful HTTP response code\nstatus code : 401 Unauthorized");
  });
  test("an empty body is an error", async () => {
    const error = await queryError(runInfinityQuery(ds(), target({ url: "/empty" }), { range }));
    expect(error.message).toBe(`error while performing the infinity query. empty response body received for the URL ${base}/empty`);
  });
  test("a UTF-8 BOM is stripped", async () => {
    const frame = await runInfinityQuery(ds(), target({ url: "/bom", columns: [col("n", "number")] }), { range });
    expect(values(frame)).toEqual({ n: [1] });
  });
  test("invalid JSON is an error", async () => {
    const error = await queryError(runInfinityQuery(ds(), target({ url: "/broken" }), { range }));
    expect(error.message).toStartWith("error while performing the infinity query. unable to parse response body as JSON. ");
  });
  test("a hanging source fails within the timeout", async () => {
    const started = Date.now();
    const error = await queryError(runInfinityQuery(ds(), target({ url: "/hang" }), { range, timeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error.message).toContain(`error getting response from url ${base}/hang. no response received.`);
    expect(error.message).toContain("context deadline exceeded");
  });
  test("a refused connection is a transport error", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    const url = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const error = await queryError(runInfinityQuery(ds({ url, jsonData: {} }), target({ url: "/x" }), { range }));
    expect(error.message).toStartWith(`error while performing the infinity query. error getting response from url ${url}/x. no response received. Error: `);
  });
  test("allowedHosts refusal happens before any request", async () => {
    const before = seen.length;
    const outside = ds({ url: "", jsonData: { auth_method: "basicAuth", allowedHosts: [`${base}/queues`] } });
    const error = await queryError(runInfinityQuery(outside, target({ url: `${base}/health` }), { range }));
    expect(error.message).toBe(ALLOWED_HOSTS_MESSAGE);
    expect(error.status).toBe(403);
    expect(seen.length).toBe(before);
  });
  test("a target outside the subset is refused before any request", async () => {
    const before = seen.length;
    await expect(runInfinityQuery(ds(), target({ url: "/queues", parser: undefined }), { range })).rejects.toThrow(expect.objectContaining({ kind: "badInput" }));
    expect(seen.length).toBe(before);
  });
});

describe("the live RabbitMQ management API", () => {
  useLiveStack();

  test("the live RabbitMQ management API: /api/queues with basic auth", async () => {
    const { rabbitmq } = settings();
    const datasource: InfinityDatasource = {
      url: rabbitmq.managementUrl,
      basicAuth: true,
      basicAuthUser: rabbitmq.user,
      jsonData: { auth_method: "basicAuth", allowedHosts: [rabbitmq.managementUrl], timeoutInSeconds: 10 },
      secrets: { basicAuthPassword: rabbitmq.password ?? "" },
    };
    const frame = await runInfinityQuery(
      datasource,
      target({
        url: "/api/queues",
        columns: [col("vhost", "string"), col("name", "string"), col("messages", "number"), col("consumers", "number"), col("message_stats.publish_details.rate", "number", "publish_rate")],
      }),
      { range, timeoutMs: 15_000 },
    );
    expect(frame.fields.map((f) => [f.name, f.type])).toEqual([
      ["consumers", "number"],
      ["messages", "number"],
      ["name", "string"],
      ["publish_rate", "number"],
      ["vhost", "string"],
    ]);
    const direct = (await (await rabbitApi("/api/queues")).json()) as Array<{ name: string; vhost: string }>;
    const names = values(frame).name as string[];
    expect(names.length).toBeGreaterThan(0);
    // queues may be created between the two calls; every queue the engine saw must be real
    const real = new Set(direct.map((q) => `${q.vhost}/${q.name}`));
    const vhosts = values(frame).vhost as string[];
    expect(names.filter((name, i) => !real.has(`${vhosts[i]}/${name}`))).toEqual([]);

    const refused = { ...datasource, secrets: { basicAuthPassword: "wrong-password" } };
    const error = await queryError(runInfinityQuery(refused, target({ url: "/api/queues" }), { range, timeoutMs: 15_000 }));
    expect(error.message).toBe("error while performing the infinity query. unsuccessful HTTP response code\nstatus code : 401 Unauthorized");
  });
});

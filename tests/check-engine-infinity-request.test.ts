// The Infinity request of infinity-facts §1.2-1.3, against a real HTTP server on loopback, and the live
// RabbitMQ management API.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { interpolateInfinityTarget, runInfinityQuery } from "../scripts/lib/check/infinity/query.ts";
import { applyInfinityMacros, buildInfinityRequest } from "../scripts/lib/check/infinity/request.ts";
import { ALLOWED_HOSTS_MESSAGE, type InfinityDatasource } from "../scripts/lib/check/infinity/types.ts";
import { col, queryError, queues, range, target, values } from "./support/infinity-targets.ts";
import { rabbitApi, settings, useLiveStack } from "./support/live.ts";

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
  test("invalid JSON is an error, worded as Go's encoding/json words it", async () => {
    const error = await queryError(runInfinityQuery(ds(), target({ url: "/broken" }), { range }));
    expect(error.message).toBe("error while performing the infinity query. unable to parse response body as JSON. invalid character 'n' looking for beginning of object key string");
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

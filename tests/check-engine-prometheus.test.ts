// The Prometheus step, server variables, requests, legend names and the browser's escaping, case by case
// from prometheus-facts (§2 worked cases are models/prometheus_interval_test.go's). Expected values are
// written by hand. The answers of a real Prometheus are in check-prometheus-live.test.ts.
import { describe, expect, test } from "bun:test";
import {
  alignRange,
  formatInterval,
  goDuration,
  interpolateServerVariables,
  parseGrafanaInterval,
  prometheusStep,
  rateInterval,
  roundIntervalServer,
  type StepInput,
} from "../scripts/lib/check/prometheus/interval.ts";
import { prometheusRequests, seriesName } from "../scripts/lib/check/prometheus/query.ts";
import { prometheusKind } from "../scripts/lib/check/sources/prometheus.ts";
import type { QueryContext } from "../scripts/lib/check/sources/kind.ts";
import type { TemplateVariable } from "../scripts/lib/check/template.ts";
import type { DatasourceDefinition } from "../grafana/types.ts";
import { type IntervalOptions, panelInterval } from "../scripts/lib/display/time.ts";

const S = 1000;
const M = 60 * S;
const H = 60 * M;

const step = (rangeMs: number, maxDataPoints: number, intervalMs: number, interval: string, timeInterval: string, intervalFactor = 1) =>
  prometheusStep({ rangeMs, maxDataPoints, intervalMs, interval, timeInterval, intervalFactor });

describe("the step (§2), the library's own worked cases", () => {
  test.each([
    [48 * H, 761, 300_000, "10m", "", 1, 10 * M],
    [48 * H, 761, 300_000, "2m", "", 1, 5 * M],
    [1 * H, 0, 0, "", "15s", 1, 15 * S],
    [12 * H, 0, 0, "", "15s", 1, 30 * S],
    [48 * H, 0, 0, "", "15s", 10, 20 * M],
    [48 * H, 0, 0, "", "240s", 1, 4 * M],
    [48 * H, 0, 60_000, "$__interval", "15s", 1, 2 * M],
    [48 * H, 12384, 100_000, "$__rate_interval", "30s", 1, 130 * S],
    [1 * H, 12384, 30_000, "$__rate_interval", "30s", 1, 2 * M],
    [1 * H, 10, 0, "", "15s", 1, 5 * M],
    [1 * H, 10000, 0, "", "15s", 1, 15 * S],
  ])("range %p, maxDataPoints %p, intervalMs %p, min step %p, scrape %p, factor %p: step %p ms", (range, mdp, intervalMs, interval, scrape, factor, expected) => {
    expect(step(range, mdp, intervalMs, interval, scrape, factor)).toBe(expected);
  });

  test("the browser's interval is the minimum when the query has no min step; under it the minimum stands unrounded", () => {
    expect(step(1 * H, 1000, 17_000, "", "15s")).toBe(17_000);
  });

  test("${__interval} and ${__rate_interval} count as their $ forms; 0s as no min step", () => {
    expect(step(48 * H, 0, 60_000, "${__interval}", "15s")).toBe(2 * M);
    expect(step(48 * H, 12384, 100_000, "${__rate_interval}", "30s")).toBe(130 * S);
    expect(step(1 * H, 0, 0, "0s", "15s")).toBe(15 * S);
  });

  test("the safe resolution caps a range at about 11000 points", () => {
    // 30 days at 1 s would be 2.6 million points: (30 d / 11000) = 235.6 s rounds to 5m.
    expect(step(30 * 24 * H, 1_000_000, 1000, "1s", "15s")).toBe(5 * M);
  });

  test("a min step that does not parse fails the query", () => {
    expect(() => step(H, 100, 0, "fast", "15s")).toThrow('time: invalid duration "fast"');
  });

  test("interval units: a bare number is seconds; <, > dropped; d, w, M, y", () => {
    expect(parseGrafanaInterval("30")).toBe(30 * S);
    expect(parseGrafanaInterval(">10s")).toBe(10 * S);
    expect(parseGrafanaInterval("2d")).toBe(48 * H);
    expect(parseGrafanaInterval("1w")).toBe(7 * 24 * H);
    expect(parseGrafanaInterval("1y")).toBe(365.25 * 24 * H);
  });

  test("the server's ladder rounds with 'at most' thresholds (17.5 s is 15 s on the server)", () => {
    expect(roundIntervalServer(17_500)).toBe(15 * S);
    expect(roundIntervalServer(17_501)).toBe(20 * S);
    expect(roundIntervalServer(90_000)).toBe(M);
    expect(roundIntervalServer(115_200)).toBe(2 * M);
    expect(roundIntervalServer(8 * 7 * 24 * H)).toBe(365 * 24 * H);
  });
});

describe("variables the server puts in (§4)", () => {
  const input = (over: Partial<StepInput> = {}): StepInput => ({ interval: "", timeInterval: "15s", intervalMs: 15_000, intervalFactor: 1, rangeMs: H, maxDataPoints: 1000, ...over });

  test("$__rate_interval is max(intervalMs + scrape, 4 × scrape): 15 s scrape and interval make 1m0s", () => {
    expect(rateInterval(input(), 15_000)).toBe(M);
    expect(goDuration(M)).toBe("1m0s");
    // A min step is the scrape; $__interval as min step is the step itself.
    expect(rateInterval(input({ interval: "30s", intervalMs: 60_000 }), 60_000)).toBe(2 * M);
    expect(rateInterval(input({ interval: "$__interval", intervalMs: 60_000 }), 60_000)).toBe(4 * M);
  });

  test("$__rate_interval as the min step: the rate interval is the step", () => {
    expect(rateInterval(input({ interval: "$__rate_interval" }), 130_000)).toBe(130_000);
  });

  test("an unparsable scrape makes it 0s, silently", () => {
    expect(rateInterval(input({ timeInterval: "often" }), 15_000)).toBe(0);
    expect(goDuration(0)).toBe("0s");
  });

  test("every variable, longest names first, with and without braces", () => {
    const expr = "a[$__interval] b $__interval_ms c[${__rate_interval}] d $__rate_interval_ms e $__range f $__range_s g ${__range_ms}";
    expect(interpolateServerVariables(expr, { stepMs: 90_000, rangeMs: 6 * H, rateIntervalMs: 130_000 })).toBe(
      "a[1m] b 90000 c[2m10s] d 130000 e 21600s f 21600 g 21600000",
    );
  });

  test("$__interval is the largest whole unit, truncated; Go's duration text for $__rate_interval", () => {
    expect([formatInterval(15_000), formatInterval(90_000), formatInterval(2 * H), formatInterval(36 * H), formatInterval(0.5)]).toEqual(["15s", "1m", "2h", "1d", "1ms"]);
    expect([goDuration(15_000), goDuration(H), goDuration(1500), goDuration(500)]).toEqual(["15s", "1h0m0s", "1.5s", "500ms"]);
  });
});

describe("the requests (§3, §5)", () => {
  const source = { url: "http://prom:9090/prefix", jsonData: { timeInterval: "15s" } };
  const from = Date.UTC(2026, 0, 1, 10, 0, 7);
  const to = Date.UTC(2026, 0, 1, 11, 0, 7);

  test("range: start and end rounded down to the step, step in seconds", () => {
    const [request, ...rest] = prometheusRequests({ refId: "A", expr: "up", range: true, intervalMs: 15_000, maxDataPoints: 1000 }, source, { from, to });
    expect(rest).toEqual([]);
    expect(request).toMatchObject({ kind: "range", path: "api/v1/query_range", stepMs: 15_000 });
    expect(request!.params).toEqual({ query: "up", start: String((from - 7000) / 1000), end: String((to - 7000) / 1000), step: "15" });
  });

  test("instant: the unaligned end; neither flag is a range; both are both, range first", () => {
    const instant = prometheusRequests({ refId: "A", expr: "up", instant: true, intervalMs: 15_000 }, source, { from, to });
    expect(instant.map((r) => [r.kind, r.params.time])).toEqual([["instant", "1767265207"]]);
    expect(prometheusRequests({ refId: "A", expr: "up" }, source, { from, to }).map((r) => r.kind)).toEqual(["range"]);
    expect(prometheusRequests({ refId: "A", expr: "up", range: true, instant: true }, source, { from, to }).map((r) => r.kind)).toEqual(["range", "instant"]);
  });

  test("a browser UTC offset shifts the alignment; a whole-hour offset with a step dividing the hour does not", () => {
    expect(alignRange(7000, 3_607_000, 15_000, 3600)).toEqual({ start: 0, end: 3_600_000 });
    // A half-hour offset and a 7 min step: (7 s + 30 min) floored to 28 min, less the 30 min: -2 min.
    expect(alignRange(7000, 3_607_000, 7 * M, 1800).start).toBe(-2 * M);
  });

  test("jsonData.queryTimeout is sent as timeout", () => {
    const [request] = prometheusRequests({ refId: "A", expr: "up", instant: true }, { ...source, jsonData: { queryTimeout: "30s" } }, { from, to });
    expect(request!.params.timeout).toBe("30s");
  });
});

describe("series names (§6.1)", () => {
  const labels = { __name__: "rabbitmq_queue_messages_ready", queue: "orders", vhost: "/" };

  test("no legend: Prometheus' own series string, labels sorted and quoted", () => {
    expect(seriesName(labels, "", "x")).toBe('rabbitmq_queue_messages_ready{queue="orders", vhost="/"}');
    expect(seriesName({ __name__: "up" }, "", "x")).toBe("up");
    expect(seriesName({ job: "a" }, "", "x")).toBe('{job="a"}');
  });

  test("a template fills {{ label }}, spaces allowed, a missing label empty", () => {
    expect(seriesName(labels, "{{queue}} on {{ vhost }}", "x")).toBe("orders on /");
    expect(seriesName(labels, "{{missing}}", "x")).toBe("");
  });

  test("__auto names nothing when there are labels; {} becomes the expression", () => {
    expect(seriesName(labels, "__auto", "x")).toBe("");
    expect(seriesName({}, "__auto", "sum(x)")).toBe("sum(x)");
    expect(seriesName({}, "", "sum(x)")).toBe("sum(x)");
  });
});

describe("what the browser sends (§9)", () => {
  const datasource: DatasourceDefinition = { uid: "p", name: "P", type: "prometheus", access: "proxy", url: "http://p", jsonData: { timeInterval: "15s" }, secureJsonData: {} };
  const variable = (name: string, current: string[], over: Partial<TemplateVariable> = {}): TemplateVariable => ({
    name,
    multi: false,
    includeAll: false,
    options: ["orders", "signals.v1", "a|b"],
    current,
    ...over,
  });
  const range = { from: new Date(Date.UTC(2026, 0, 1, 0, 0)), to: new Date(Date.UTC(2026, 0, 1, 6, 0)), raw: { from: "now-6h", to: "now" } };
  const context = (variables: TemplateVariable[]): QueryContext => ({ range, variables, intervalMs: 30_000, maxDataPoints: 800, deadlineMs: 1000 });
  const sends = async (expr: string, variables: TemplateVariable[], extra: Record<string, unknown> = {}) =>
    (await prometheusKind.asBrowserSends({ refId: "A", expr, ...extra }, context(variables), datasource)) as Record<string, unknown>;
  // What check computes per panel before its queries (check/run.ts panelContext), with this datasource's
  // scrape interval as the low limit.
  const interval = (panel: Omit<IntervalOptions, "datasourceInterval">) => panelInterval(range, { ...panel, datasourceInterval: "15s" });

  test("a single value: backslash and ' escaped; the server's variables stay literal", async () => {
    const sent = await sends(`x{q="$queue"}[$__rate_interval] $__interval`, [variable("queue", ["it's\\"])]);
    expect(sent.expr).toBe(`x{q="it\\\\'s\\\\"}[$__rate_interval] $__interval`);
  });

  test("multi-value and All: regex-escaped values as (a|b); a custom all value unescaped", async () => {
    expect((await sends(`x{q=~"$queue"}`, [variable("queue", ["signals.v1", "a|b"], { multi: true })])).expr).toBe(`x{q=~"(signals\\\\.v1|a\\\\|b)"}`);
    expect((await sends(`x{q=~"$queue"}`, [variable("queue", ["signals.v1"], { multi: true })])).expr).toBe(`x{q=~"signals\\\\.v1"}`);
    expect((await sends(`x{q=~"$queue"}`, [variable("queue", ["$__all"], { includeAll: true })])).expr).toBe(`x{q=~"(orders|signals\\\\.v1|a\\\\|b)"}`);
    expect((await sends(`x{q=~"$queue"}`, [variable("queue", ["$__all"], { includeAll: true, allValue: ".+" })])).expr).toBe(`x{q=~".+"}`);
  });

  test("the interval: calculateInterval over the panel's Max data points, else its width, with the scrape interval as the low limit", async () => {
    // 6 h / 1000 points = 21.6 s, rounded by the browser to 20 s.
    expect(await interval({ maxDataPoints: 1000 })).toMatchObject({ intervalMs: 20_000, maxDataPoints: 1000 });
    // 6 h / 800 px = 27 s, rounded to 30 s.
    expect(await interval({ widthPx: 800 })).toMatchObject({ intervalMs: 30_000, maxDataPoints: 800 });
    // 6 h / 10000 = 2.2 s: raised to the scrape interval; the panel's min interval wins over it.
    expect(await interval({ maxDataPoints: 10_000 })).toMatchObject({ intervalMs: 15_000 });
    expect(await interval({ maxDataPoints: 10_000, minInterval: "1m" })).toMatchObject({ intervalMs: 60_000 });
    expect(await interval({})).toMatchObject({ maxDataPoints: 500 });
    // The target carries the panel's interval as check computed it.
    expect(await sends("up", [])).toMatchObject({ intervalMs: 30_000, maxDataPoints: 800, utcOffsetSec: 0, exemplar: false });
  });

  test("variables in the min step and the legend too (the default format)", async () => {
    const sent = await sends("up", [variable("res", ["30s"]), variable("queue", ["orders", "signals.v1"], { multi: true })], { interval: "$res", legendFormat: "{{job}} $queue" });
    expect([sent.interval, sent.legendFormat]).toEqual(["30s", "{{job}} {orders,signals.v1}"]);
  });
});

// check's Prometheus kind against a real Prometheus (the pinned release) whose samples the test arranged:
// backfilled with promtool into the data directory of a Prometheus of this file's own, at exact times a
// day ago, so that every frame can be written down by hand. Then the same Prometheus stopped: only the
// Prometheus panels fail, each saying why, while a panel of another datasource in the same dashboard answers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { datasourceDefinitions } from "../grafana/datasources.ts";
import type { DashboardDefinition, DatasourceDefinition } from "../grafana/types.ts";
import type { Frame } from "../scripts/lib/check/frames.ts";
import { type PanelResult, runCheck } from "../scripts/lib/check/run.ts";
import { settings, useLiveStack } from "./support/live.ts";
import { type OwnPrometheus, ownPrometheus } from "./support/prometheus.ts";

useLiveStack();

const HOUR = 3_600_000;
/** The arranged hour: a whole hour a day ago, samples every 15 s. */
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 24 * HOUR;
const STEPS = 240;
const at = (k: number) => T0 + k * 15_000;

/** Queue depths (orders = k, signals = 2k, and a queue whose name a regex dot would also match) and a
 *  counter that grows by one every 15 s. */
function samples(): string {
  const lines: string[] = ["# TYPE ytrader_test_queue_depth gauge"];
  const depth = { orders: 1, signals: 2, "signals.v1": 3, signalsXv1: 4 };
  for (const [queue, factor] of Object.entries(depth)) {
    for (let k = 0; k < STEPS; k++) lines.push(`ytrader_test_queue_depth{queue="${queue}"} ${factor * k} ${at(k) / 1000}`);
  }
  lines.push("# TYPE ytrader_test_reconnects counter");
  for (let k = 0; k < STEPS; k++) lines.push(`ytrader_test_reconnects_total{service="ws-gateway"} ${k} ${at(k) / 1000}`);
  lines.push("# EOF", "");
  return lines.join("\n");
}

const DS_UID = "test-prometheus";
const ds = (uid = DS_UID): { type: string; uid: string } => ({ type: "prometheus", uid });

interface PanelSpec {
  title: string;
  targets: Record<string, unknown>[];
  maxDataPoints?: number;
  datasource?: { type: string; uid: string };
}

function dashboard(panels: PanelSpec[], queue: string[] = ["orders"]): DashboardDefinition {
  return {
    uid: "prometheus-live",
    title: "Prometheus live",
    file: "prometheus-live",
    json: {
      time: { from: String(T0), to: String(T0 + HOUR) },
      templating: {
        list: [{ name: "queue", type: "custom", query: "orders,signals,signals.v1,signalsXv1", multi: true, includeAll: true, current: { value: queue } }],
      },
      panels: panels.map((panel, i) => ({
        id: i + 1,
        type: "timeseries",
        title: panel.title,
        gridPos: { x: 0, y: i * 8, w: 12, h: 8 },
        datasource: panel.datasource ?? ds(),
        ...(panel.maxDataPoints ? { maxDataPoints: panel.maxDataPoints } : {}),
        targets: panel.targets.map((target) => ({ datasource: panel.datasource ?? ds(), ...target })),
      })),
    },
  };
}

let prometheus: OwnPrometheus;
let datasource: DatasourceDefinition;

beforeAll(async () => {
  prometheus = await ownPrometheus({ openMetrics: samples() });
  datasource = { uid: DS_UID, name: "test Prometheus", type: "prometheus", access: "proxy", url: prometheus.url, jsonData: { timeInterval: "15s", httpMethod: "POST" }, secureJsonData: {} };
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
});

async function check(panels: PanelSpec[], queue?: string[]): Promise<Map<string, PanelResult>> {
  const config = settings();
  const result = await runCheck(config, { dashboards: [dashboard(panels, queue)], datasources: [datasource, ...datasourceDefinitions(config)] });
  return new Map(result.panels.map((p) => [p.panel, p]));
}

const displayNames = (frames: Frame[]) => frames.map((f) => f.fields[1]?.config?.displayNameFromDS);
const values = (frame: Frame | undefined) => frame?.fields[1]?.values ?? [];

describe("a range query over the arranged hour", () => {
  test("one frame per series named by the legend, points every step on the aligned range (the last one from the lookback)", async () => {
    const panels = await check([{ title: "Depth", maxDataPoints: 240, targets: [{ refId: "A", expr: 'ytrader_test_queue_depth{queue=~"$queue"}', legendFormat: "{{queue}}", range: true }] }], ["orders", "signals"]);
    const depth = panels.get("Depth")!;
    expect(depth.error).toBeNull();
    expect(displayNames(depth.frames)).toEqual(["orders", "signals"]);
    // 1 h / 240 points: the browser's interval 15 s, the step 15 s; 241 points from T0 to T0 + 1 h.
    const [orders, signals] = depth.frames;
    expect(orders!.fields[0]!.values).toEqual(Array.from({ length: STEPS + 1 }, (_, k) => at(k)));
    expect(values(orders)).toEqual([...Array.from({ length: STEPS }, (_, k) => k), STEPS - 1]);
    expect(values(signals)[10]).toBe(20);
    expect(orders!.fields[1]!.name).toBe("ytrader_test_queue_depth");
    expect(orders!.fields[1]!.labels).toEqual({ __name__: "ytrader_test_queue_depth", queue: "orders" });
    expect(orders!.fields[0]!.config?.interval).toBe(15_000);
    expect(orders!.meta?.executedQueryString).toBe('Expr: ytrader_test_queue_depth{queue=~"(orders|signals)"}\nStep: 15s');
    expect(depth.rows).toBe(2 * (STEPS + 1));
  });

  test("the step from the panel: 1 h on its 800 px width is 5 s, raised to the 15 s scrape; 40 Max data points make 90 s, rounded to 2m", async () => {
    const panels = await check([
      { title: "Wide", targets: [{ refId: "A", expr: 'ytrader_test_queue_depth{queue="orders"}', range: true }] },
      { title: "Forty", maxDataPoints: 40, targets: [{ refId: "A", expr: 'ytrader_test_queue_depth{queue="orders"}', range: true }] },
    ]);
    expect(panels.get("Wide")!.frames[0]!.meta?.executedQueryString).toContain("Step: 15s");
    // 3600 s / 40 = 90 s: the browser rounds it to 2m (its ladder is "less than"), the server keeps 2m.
    const forty = panels.get("Forty")!.frames[0]!;
    expect(forty.meta?.executedQueryString).toContain("Step: 2m0s");
    expect(forty.fields[0]!.values).toEqual(Array.from({ length: 31 }, (_, i) => T0 + i * 120_000));
    expect(values(forty).slice(0, 3)).toEqual([0, 8, 16]);
    // Without a legend the series' name is Prometheus' own.
    expect(displayNames([forty])).toEqual(['ytrader_test_queue_depth{queue="orders"}']);
  });

  test("$__rate_interval and $__interval on the server: rate over 1m0s of a counter that grows 1 per 15 s", async () => {
    const panels = await check([
      { title: "Rate", maxDataPoints: 240, targets: [{ refId: "A", expr: "rate(ytrader_test_reconnects_total[$__rate_interval])", legendFormat: "{{service}}", range: true }] },
      { title: "Increase", maxDataPoints: 240, targets: [{ refId: "A", expr: "increase(ytrader_test_reconnects_total[$__interval])", interval: "1m", range: true, legendFormat: "__auto" }] },
    ]);
    const rate = panels.get("Rate")!.frames[0]!;
    expect(rate.meta?.executedQueryString).toBe("Expr: rate(ytrader_test_reconnects_total[1m0s])\nStep: 15s");
    expect(displayNames([rate])).toEqual(["ws-gateway"]);
    for (const value of values(rate).slice(4, STEPS)) expect(value as number).toBeCloseTo(1 / 15, 6);
    // A min step of 1m over the browser's 15 s interval: the step and $__interval are 1m.
    const increase = panels.get("Increase")!.frames[0]!;
    expect(increase.meta?.executedQueryString).toBe("Expr: increase(ytrader_test_reconnects_total[1m])\nStep: 1m0s");
    expect(values(increase)[10] as number).toBeCloseTo(4, 6);
    // __auto: the browser names it, not the server.
    expect(increase.fields[1]!.config?.displayNameFromDS).toBeUndefined();
  });

  test("multi-value variables are regex-escaped: signals.v1 matches itself, not signalsXv1", async () => {
    const panels = await check([{ title: "Dot", targets: [{ refId: "A", expr: 'ytrader_test_queue_depth{queue=~"$queue"}', legendFormat: "{{queue}}", range: true }] }], ["signals.v1", "orders"]);
    expect(displayNames(panels.get("Dot")!.frames)).toEqual(["orders", "signals.v1"]);
  });
});

describe("instant queries, empty answers and errors", () => {
  test("an instant query at the range's end; $__range on the server; {} is named by its expression", async () => {
    const panels = await check([
      { title: "Sum", targets: [{ refId: "A", expr: "sum(ytrader_test_queue_depth)", instant: true }] },
      { title: "Max", targets: [{ refId: "A", expr: 'max_over_time(ytrader_test_queue_depth{queue="orders"}[$__range])', instant: true, legendFormat: "{{queue}}" }] },
    ]);
    const sum = panels.get("Sum")!.frames;
    expect(sum).toHaveLength(1);
    expect(sum[0]!.fields[0]!.values).toEqual([T0 + HOUR]);
    expect(values(sum[0])).toEqual([(1 + 2 + 3 + 4) * (STEPS - 1)]);
    expect(displayNames(sum)).toEqual(["sum(ytrader_test_queue_depth)"]);
    expect(sum[0]!.meta).toMatchObject({ type: "numeric-multi", custom: { resultType: "vector" } });
    const max = panels.get("Max")!.frames[0]!;
    expect(max.meta?.executedQueryString).toContain("[3600s]");
    expect(values(max)).toEqual([STEPS - 1]);
  });

  test("no series: the panel answers one empty frame carrying what ran, and no error", async () => {
    const panels = await check([{ title: "None", targets: [{ refId: "A", expr: 'ytrader_test_queue_depth{queue="none"}', range: true }] }]);
    const none = panels.get("None")!;
    expect([none.ok, none.rows, none.error]).toEqual([true, 0, null]);
    expect(none.frames).toEqual([{ name: "", fields: [], meta: { executedQueryString: 'Expr: ytrader_test_queue_depth{queue="none"}\nStep: 15s', custom: { calculatedMinStep: 15_000 } } }]);
  });

  test("Prometheus' error as '<errorType>: <error>'; an unexpected status with its body; an info annotation as a notice", async () => {
    const elsewhere: DatasourceDefinition = { ...datasource, uid: "test-prometheus-prefix", url: `${prometheus.url}/nowhere` };
    const config = settings();
    const result = await runCheck(config, {
      dashboards: [
        dashboard([
          { title: "Bad", targets: [{ refId: "A", expr: "ytrader_test_queue_depth{", range: true }] },
          { title: "Path", datasource: ds(elsewhere.uid), targets: [{ refId: "A", expr: "up", range: true }] },
          { title: "Info", targets: [{ refId: "A", expr: "rate(ytrader_test_queue_depth[5m])", range: true }] },
        ]),
      ],
      datasources: [datasource, elsewhere],
    });
    const byTitle = new Map(result.panels.map((p) => [p.panel, p]));
    expect(byTitle.get("Bad")!.error).toMatch(/^A \(test Prometheus, http:\/\/127\.0\.0\.1:\d+\): bad_data: invalid parameter "query": 1:26: parse error: unexpected end of input inside braces$/);
    expect(byTitle.get("Path")!.error).toContain("unexpected response with status code 404: 404 page not found");
    const info = byTitle.get("Info")!;
    expect(info.ok).toBe(true);
    expect(info.frames[0]!.notices?.[0]).toMatchObject({ severity: "info" });
    expect(info.frames[0]!.notices?.[0]!.text).toContain("might not be a counter");
  });
});

describe("Prometheus down", () => {
  test("only the Prometheus panels fail, each saying why; a panel of the demo's ws-gateway answers", async () => {
    const down = await ownPrometheus();
    await down.stop();
    const config = settings();
    const gone: DatasourceDefinition = { ...datasource, uid: "test-prometheus-down", url: down.url };
    const gateway = datasourceDefinitions(config).find((d) => d.uid === "ytrader-ws-gateway")!;
    const result = await runCheck(config, {
      dashboards: [
        dashboard([
          { title: "Depth", datasource: ds(gone.uid), targets: [{ refId: "A", expr: "ytrader_test_queue_depth", range: true }] },
          { title: "Rate", datasource: ds(gone.uid), targets: [{ refId: "B", expr: "rate(ytrader_test_reconnects_total[5m])", instant: true }] },
          {
            title: "Health",
            datasource: { type: gateway.type, uid: gateway.uid },
            targets: [{ refId: "A", type: "json", source: "url", parser: "backend", format: "table", url: "/health", root_selector: "", columns: [{ selector: "status", text: "status", type: "string" }] }],
          },
        ]),
      ],
      datasources: [gone, gateway],
    });
    const byTitle = new Map(result.panels.map((p) => [p.panel, p]));
    expect(result.ok).toBe(false);
    expect(byTitle.get("Health")).toMatchObject({ ok: true, rows: 1, error: null });
    expect(byTitle.get("Depth")!.error).toBe(`A (test Prometheus, ${down.url}): Post "${down.url}/api/v1/query_range": dial tcp 127.0.0.1:${down.port}: connect: connection refused`);
    expect(byTitle.get("Rate")!.error).toBe(`B (test Prometheus, ${down.url}): Post "${down.url}/api/v1/query": dial tcp 127.0.0.1:${down.port}: connect: connection refused`);
  });
});

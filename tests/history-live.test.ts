// The history panels against the real thing: a monitor of this file's own reading the stack's demo every
// second, a Prometheus of its own scraping it and the stack's RabbitMQ exporter every second with the
// configuration prometheus/prometheus.ts renders, the demo's faults, and check running the main
// dashboard's panels as Grafana would. Every wait is on a condition with a deadline.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dashboardDefinitions, datasourceDefinitions } from "../grafana/index.ts";
import { DATASOURCE_UIDS } from "../grafana/datasources.ts";
import { MONITOR_DOWN_TEXT } from "../grafana/dashboards/history-panels.ts";
import { RABBITMQ_PER_OBJECT_PATH, scrapeTarget } from "../prometheus/prometheus.ts";
import { MONITOR_JOB } from "../prometheus/metrics.ts";
import { type PanelResult, runCheck } from "../scripts/lib/check/run.ts";
import type { Config } from "../scripts/lib/config.ts";
import { sendFault } from "../scripts/lib/demo/control.ts";
import { QUEUES } from "../scripts/lib/demo/rabbitmq.ts";
import type { StatesDisplay } from "../scripts/lib/display/panel.ts";
import { LINK_SUBJECT } from "../scripts/lib/monitor/events.ts";
import { type RunningMonitor, startMonitor } from "../scripts/lib/monitor/serve.ts";
import { renderPrometheusConfig } from "../scripts/lib/prometheus/provision.ts";
import { stackPorts } from "../scripts/lib/stack/stack-paths.ts";
import { type MonitoringFixture, monitoringFixture } from "./support/monitor.ts";
import { eventually, useLiveStack } from "./support/live.ts";
import { type OwnPrometheus, instantQuery, ownPrometheus } from "./support/prometheus.ts";

useLiveStack();

let fixture: MonitoringFixture;
let monitor: RunningMonitor | null = null;
let prometheus: OwnPrometheus | null = null;
let config: Config;
const control = () => `http://127.0.0.1:${stackPorts().demoControl}`;

beforeAll(async () => {
  fixture = await monitoringFixture("hist");
  monitor = await startMonitor(fixture.config, { port: 0, host: "127.0.0.1" });
  const yaml = renderPrometheusConfig({
    prometheus: "127.0.0.1:9",
    alertmanager: "127.0.0.1:9",
    monitor: scrapeTarget(monitor.url),
    rabbitmq: scrapeTarget(fixture.config.prometheus.rabbitmqUrl, RABBITMQ_PER_OBJECT_PATH),
    ruleFiles: [],
    scrapeInterval: "1s",
    evaluationInterval: "1s",
  });
  prometheus = await ownPrometheus({ config: yaml });
  config = fixture.with({ PROMETHEUS_URL: prometheus.url, PROMETHEUS_SCRAPE_INTERVAL: "1s" });
  // The monitor scraped at least once, so that every test starts with history behind it.
  await eventually("Prometheus scrapes the monitor", async () => ((await instant(`up{job="${MONITOR_JOB}"}`))[0] === 1 ? true : undefined), 30_000);
}, 90_000);

afterAll(async () => {
  await sendFault(control(), { clear: true }).catch(() => {});
  await monitor?.stop();
  await prometheus?.stop();
  await fixture?.drop();
});

/** An instant query's values, series by series. */
async function instant(expr: string): Promise<number[]> {
  return (await instantQuery(prometheus!.url, expr)).map((r) => Number(r.value[1]));
}

/** The main dashboard's panels by title, run by check from `from` to now on this file's Prometheus. */
async function panels(titles: string[], from: Date, to = new Date(), variables: Record<string, string[]> = {}): Promise<Map<string, PanelResult>> {
  const result = await runCheck(config, {
    variables,
    dashboards: dashboardDefinitions(),
    datasources: datasourceDefinitions(config),
    dashboard: "trading-system-monitoring",
    panels: titles,
    from: from.toISOString(),
    to: to.toISOString(),
  });
  return new Map(result.panels.map((p) => [p.panel, p]));
}

/** A state timeline's spans of one series, in time order. */
function spans(result: PanelResult | undefined, series: string) {
  expect(result?.error ?? null).toBeNull();
  const display = result!.display as StatesDisplay;
  expect(display.kind).toBe("states");
  return display.spans.filter((s) => s.series === series).sort((a, b) => a.from - b.from);
}

/** The states in order, consecutive repeats once. */
const sequence = (texts: string[]) => texts.filter((text, i) => text !== texts[i - 1]);

/** Whether `want` occurs in `seen` in this order (other states may come between). */
function inOrder(seen: string[], want: string[]): boolean {
  let i = 0;
  for (const text of seen) if (text === want[i]) i++;
  return i === want.length;
}

/** Waits until Prometheus holds a sample of the monitor newer than `at` (its history has caught up). */
async function scrapedAfter(at: Date) {
  await eventually("a scrape after the change", async () => {
    const [last] = await instant(`timestamp(ytrader_monitor_last_cycle_timestamp_seconds{job="${MONITOR_JOB}"})`);
    return last !== undefined && last * 1000 > at.getTime() + 1500 ? true : undefined;
  }, 20_000);
}

describe("history on the demo's faults", () => {
  test("a WebSocket reconnect cycle: the link's timeline and the events in order, with the reconnect count", async () => {
    const mark = await fixture.mark();
    const started = new Date();
    await sendFault(control(), { fault: "websocket", on: true });
    let events: Awaited<ReturnType<MonitoringFixture["events"]>> = [];
    try {
      events = await eventually("a whole reconnect cycle in the events", async () => {
        const rows = await fixture.events(LINK_SUBJECT, mark);
        return inOrder(rows.map((r) => r.state), ["disconnected", "connecting", "reconnecting", "connected"]) ? rows : undefined;
      }, 60_000);
    } finally {
      await sendFault(control(), { fault: "websocket", on: false });
    }
    await scrapedAfter(events.at(-1)!.occurred_at);

    const states = events.map((e) => e.state);
    const back = states.lastIndexOf("connected");
    expect(inOrder(states.slice(0, back + 1), ["disconnected", "connecting", "reconnecting", "connected"])).toBe(true);
    expect(events.map((e) => e.event_type)).toEqual(states.map((s) => `websocket_${s}`));
    // The monitor counts each return to connected (the demo's gateway exposes no count of its own).
    const before = events[0]!.reconnect_count ?? 0;
    expect(events[back]!.reconnect_count).toBe(before + 1);
    expect(events[back]!.detail).toContain("counted by the monitor");

    const result = (await panels(["Exchange link over time"], new Date(started.getTime() - 5_000))).get("Exchange link over time");
    const link = spans(result, "state");
    expect(inOrder(sequence(link.map((s) => s.text)), ["connected", "disconnected", "connecting", "reconnecting", "connected"])).toBe(true);
    // The reconnect count steps up by one when the link comes back, and not before it went down.
    const counts = spans(result, "reconnects").map((s) => Number(s.text));
    expect(counts.at(-1)! - counts[0]!).toBe(1);
    const down = link.find((s) => s.text === "disconnected")!;
    const stepUp = spans(result, "reconnects").at(-1)!;
    expect(stepUp.from).toBeGreaterThan(down.from);
  }, 120_000);

  test("a backed-up queue: its depth rises from the moment the fault began", async () => {
    const queue = QUEUES.find((q) => q.consumer !== null)!.name;
    const series = `rabbitmq_queue_messages{queue="${queue}"}`;
    // Some history of the queue before the fault, then the fault.
    await eventually("ten samples of the queue before the fault", async () => (((await instant(`count_over_time(${series}[15s])`))[0] ?? 0) >= 10 ? true : undefined), 30_000);
    const begun = new Date();
    await sendFault(control(), { fault: `backlog:${queue}`, on: true });
    let result: PanelResult;
    try {
      await eventually("the backlog in Prometheus", async () => (((await instant(series))[0] ?? 0) >= 1000 ? true : undefined), 60_000);
      // Read while the fault holds, once the range's last whole second has the backlog too.
      const risen = Date.now();
      await eventually("a sample after the rise", async () => (((await instant(`timestamp(${series})`))[0] ?? 0) * 1000 > risen + 2_000 ? true : undefined), 20_000);
      result = (await panels(["Queue depth over time"], new Date(begun.getTime() - 30_000))).get("Queue depth over time")!;
    } finally {
      await sendFault(control(), { fault: `backlog:${queue}`, on: false });
    }
    expect(result.error).toBeNull();
    const frame = result.frames.find((f) => f.fields[1]?.config?.displayNameFromDS === queue)!;
    const times = frame.fields[0]!.values as number[];
    const depth = frame.fields[1]!.values as number[];
    const beforeFault = depth.filter((_, i) => times[i]! < begun.getTime());
    expect(beforeFault.length).toBeGreaterThan(10);
    expect(Math.max(...beforeFault)).toBeLessThan(1000);
    // Rising from the fault: the first sample above the baseline comes within RabbitMQ's 5 s statistics
    // interval and a scrape of the start, and the depth does not fall back until the fault ends.
    const baseline = Math.max(...beforeFault);
    const firstRise = times.find((t, i) => t >= begun.getTime() && depth[i]! > baseline)!;
    expect(firstRise - begun.getTime()).toBeLessThan(8_000);
    const peak = depth.indexOf(Math.max(...depth));
    expect(depth[peak]).toBeGreaterThanOrEqual(1000);
    const rising = depth.slice(times.indexOf(firstRise), peak + 1);
    for (let i = 1; i < rising.length; i++) expect(rising[i]!).toBeGreaterThanOrEqual(rising[i - 1]!);
  }, 120_000);

  test("a stopped service: an unreachable span in its timeline, an event when it stopped and when it came back", async () => {
    const service = "order-manager";
    const mark = await fixture.mark();
    const stopped = new Date();
    await sendFault(control(), { fault: "down", service, on: true });
    let returned = new Date();
    try {
      await eventually("the unreachable event", async () => ((await fixture.events(service, mark)).some((e) => e.state === "unreachable") ? true : undefined), 30_000);
      returned = new Date();
    } finally {
      await sendFault(control(), { fault: "down", service, on: false });
    }
    const events = await eventually("the healthy event", async () => {
      const rows = await fixture.events(service, mark);
      return rows.at(-1)?.state === "healthy" ? rows : undefined;
    }, 30_000);
    await scrapedAfter(events.at(-1)!.occurred_at);

    expect(events.map((e) => e.event_type)).toEqual(["service_unreachable", "service_healthy"]);
    // occurred_at is UTC without a zone, read back by the driver as local time: compare as UTC.
    const utc = (d: Date) => d.getTime() - d.getTimezoneOffset() * 60_000;
    expect(utc(events[0]!.occurred_at)).toBeGreaterThanOrEqual(stopped.getTime() - 1_500);
    expect(utc(events[0]!.occurred_at)).toBeLessThanOrEqual(returned.getTime());
    expect(utc(events[1]!.occurred_at)).toBeGreaterThanOrEqual(returned.getTime() - 1_500);

    const result = (await panels(["Service health over time"], new Date(stopped.getTime() - 10_000))).get("Service health over time");
    const timeline = spans(result, service);
    expect(sequence(timeline.map((s) => s.text))).toEqual(["healthy", "unreachable", "healthy"]);
    const unreachable = timeline.find((s) => s.text === "unreachable")!;
    expect(unreachable.color).toBeDefined();
    expect(unreachable.from).toBeGreaterThanOrEqual(stopped.getTime() - 1_500);
    expect(unreachable.to).toBeLessThanOrEqual(utc(events[1]!.occurred_at) + 2_500);
    // The other services stayed as they were, and the overall went through the same stop.
    expect(sequence(spans(result, "overall").map((s) => s.text))).toContain("unreachable");
    for (const other of ["ws-gateway", "model-service", "position-manager"]) expect(sequence(spans(result, other).map((s) => s.text))).toEqual(["healthy"]);
    // The service variable narrows the rows (the overall stays): one service, then All.
    const narrowed = (await panels(["Service health over time"], new Date(stopped.getTime() - 10_000), new Date(), { service: [service] })).get("Service health over time");
    expect([...new Set((narrowed!.display as StatesDisplay).spans.map((s) => s.series))].sort()).toEqual([service, "overall"]);
  }, 120_000);
});

describe("queues from the monitor", () => {
  test("with the broker's exporter unreachable, the same queue panels answer from the monitor's figures", async () => {
    // A second Prometheus that scrapes only a monitor exporting the queues itself (as auto does when the
    // broker's exporter does not answer).
    const exporting = await startMonitor(fixture.with({ MONITOR_QUEUE_SOURCE: "auto", RABBITMQ_PROMETHEUS_URL: "http://127.0.0.1:9" }), { port: 0, host: "127.0.0.1" });
    const own = await ownPrometheus({
      config: renderPrometheusConfig({ prometheus: "127.0.0.1:9", alertmanager: "127.0.0.1:9", monitor: scrapeTarget(exporting.url), ruleFiles: [], scrapeInterval: "1s", evaluationInterval: "1s" }),
    });
    try {
      const from = new Date();
      const query = async (expr: string) => (await instantQuery(own.url, expr)).length;
      // Rates need two samples of a counter: wait for a few scrapes of every queue.
      await eventually("the monitor's queue series in Prometheus", async () => ((await query(`count_over_time(rabbitmq_queue_messages_published_total[10s]) >= 4`)) >= QUEUES.length ? true : undefined), 40_000);
      expect(exporting.monitor.queueSource()?.source).toBe("management");
      const titles = ["Queue depth over time", "Ready and unacknowledged over time", "Publish and deliver rates over time"];
      const ownConfig = fixture.with({ PROMETHEUS_URL: own.url, PROMETHEUS_SCRAPE_INTERVAL: "1s" });
      const result = await runCheck(ownConfig, {
        dashboards: dashboardDefinitions(),
        datasources: datasourceDefinitions(ownConfig),
        dashboard: "trading-system-monitoring",
        panels: titles,
        from: new Date(from.getTime() - 30_000).toISOString(),
        to: new Date().toISOString(),
      });
      const names = (title: string) => new Set(result.panels.find((p) => p.panel === title)!.frames.map((f) => f.fields[1]?.config?.displayNameFromDS));
      for (const title of titles) expect(result.panels.find((p) => p.panel === title)!.error).toBeNull();
      for (const queue of QUEUES.map((q) => q.name)) {
        expect(names("Queue depth over time").has(queue)).toBe(true);
        expect(names("Ready and unacknowledged over time").has(`${queue} ready`)).toBe(true);
        expect(names("Publish and deliver rates over time").has(`${queue} published`)).toBe(true);
      }
      // A consumed queue's deliveries come through too (manual acknowledgement, as the demo consumes).
      const consumed = QUEUES.find((q) => q.consumer !== null && q.perSecond >= 1)!.name;
      expect(names("Publish and deliver rates over time").has(`${consumed} delivered`)).toBe(true);
    } finally {
      await exporting.stop();
      await own.stop();
    }
  }, 90_000);
});

describe("the monitor down, then Prometheus down", () => {
  test("the monitor down: every state timeline says so, none says healthy after it stopped", async () => {
    const from = new Date(Date.now() - 20_000);
    await monitor!.stop();
    monitor = null;
    const stoppedAt = new Date();
    await eventually("Prometheus sees the monitor down", async () => ((await instant(`up{job="${MONITOR_JOB}"}`))[0] === 0 ? true : undefined), 20_000);
    const failedScrapes = `count_over_time(up{job="${MONITOR_JOB}"}[5s]) - sum_over_time(up{job="${MONITOR_JOB}"}[5s])`;
    await eventually("two failed scrapes", async () => (((await instant(failedScrapes))[0] ?? 0) >= 2 ? true : undefined), 20_000);
    const titles = ["Service health over time", "Exchange link over time", "Training runs"];
    const result = await panels(titles, from);
    for (const title of titles) {
      const display = result.get(title)!.display as StatesDisplay;
      expect(result.get(title)!.error).toBeNull();
      const rows = [...new Set(display.spans.filter((s) => s.series !== "reconnects").map((s) => s.series))];
      // One series a row: the state and "monitor down" are the same series, not two of one name.
      const names = result.get(title)!.frames.map((f) => f.fields[1]?.config?.displayNameFromDS);
      expect(names.length).toBe(new Set(names).size);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        const own = display.spans.filter((s) => s.series === row).sort((a, b) => a.from - b.from);
        expect(`${title} / ${row}: ${own.at(-1)!.text}`).toBe(`${title} / ${row}: ${MONITOR_DOWN_TEXT}`);
        for (const span of own.filter((s) => s.from > stoppedAt.getTime() + 2_000)) expect(span.text).toBe(MONITOR_DOWN_TEXT);
      }
    }
  }, 60_000);

  test("Prometheus down: only the Prometheus panels fail in check, each saying why", async () => {
    const url = prometheus!.url;
    const all = async () => {
      const result = await runCheck(config, { dashboards: dashboardDefinitions(), datasources: datasourceDefinitions(config), dashboard: "trading-system-monitoring" });
      return result.panels.filter((p) => p.kind === "panel");
    };
    // What fails for other reasons (a stack without `bun run role`'s monitoring schema) fails either way;
    // every Prometheus panel answers while Prometheus runs.
    const usesPrometheus = (p: PanelResult) => JSON.stringify(dashboardPanelJson(p.panel)).includes(DATASOURCE_UIDS.prometheus);
    const up = await all();
    const before = new Set(up.filter((p) => !p.ok).map((p) => p.panel));
    for (const panel of up.filter(usesPrometheus)) {
      expect(`${panel.panel}: ${panel.error}`).toBe(`${panel.panel}: null`);
    }
    await prometheus!.stop();
    prometheus = null;
    const after = await all();
    const prometheusPanels = after.filter(usesPrometheus);
    expect(prometheusPanels.length).toBe(8);
    const newlyFailed = after.filter((p) => !p.ok && !before.has(p.panel));
    expect(newlyFailed.map((p) => p.panel).sort()).toEqual(prometheusPanels.map((p) => p.panel).sort());
    for (const panel of newlyFailed) expect(panel.error).toContain(url.replace("http://", ""));
  }, 120_000);
});

/** The main dashboard's panels as JSON, built once. */
let mainPanels: { title?: string }[] | null = null;

/** A panel of the main dashboard by title, as its JSON. */
function dashboardPanelJson(title: string): unknown {
  mainPanels ??= dashboardDefinitions().find((d) => d.uid === "trading-system-monitoring")!.json.panels as { title?: string }[];
  return mainPanels.find((p) => p.title === title);
}

// `bun run monitor` against the live stack's demo and its faults: events in order when the exchange link
// cycles and when a service stops and comes back, /metrics as Prometheus reads it, no duplicate event
// from monitors one after the other or at once, retention. Each test waits on a condition with a
// deadline; the monitors read every second (MONITOR_INTERVAL_SECONDS=1).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sendFault } from "../scripts/lib/demo/control.ts";
import { EventStore, LINK_SUBJECT } from "../scripts/lib/monitor/events.ts";
import { type RunningMonitor, startMonitor } from "../scripts/lib/monitor/serve.ts";
import { stackPorts } from "../scripts/lib/stack/stack-paths.ts";
import { type MonitoringFixture, monitoringFixture } from "./support/monitor.ts";
import { eventually, useLiveStack } from "./support/live.ts";

useLiveStack();

let fixture: MonitoringFixture;
const running: RunningMonitor[] = [];
const control = () => `http://127.0.0.1:${stackPorts().demoControl}`;

beforeAll(async () => {
  fixture = await monitoringFixture("mon");
}, 60_000);

afterAll(async () => {
  await sendFault(control(), { clear: true }).catch(() => {});
  for (const monitor of running.splice(0)) await monitor.stop();
  await fixture?.drop();
});

async function monitor(settings: Record<string, string> = {}): Promise<RunningMonitor> {
  const started = await startMonitor(fixture.with(settings), { port: 0, host: "127.0.0.1" });
  running.push(started);
  return started;
}

async function stop(monitor: RunningMonitor) {
  running.splice(running.indexOf(monitor), 1);
  await monitor.stop();
}

const metrics = async (m: RunningMonitor) => (await fetch(`${m.url}/metrics`)).text();
/** A sample's value from the exposition text, e.g. sample(text, 'ytrader_service_status{service="order-manager"}'). */
const sample = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};
/** Waits until the monitor has finished `n` more readings. */
async function readings(m: RunningMonitor, n: number) {
  const first = sample(await metrics(m), "ytrader_monitor_last_cycle_timestamp_seconds") ?? 0;
  let seen = 0;
  let last = first;
  await eventually(`${n} more readings`, async () => {
    const now = sample(await metrics(m), "ytrader_monitor_last_cycle_timestamp_seconds") ?? 0;
    if (now > last) {
      seen++;
      last = now;
    }
    return seen >= n ? true : undefined;
  });
}

describe("events and metrics from the demo's faults", () => {
  test("a stopped service: an unreachable event when it stops, a healthy one when it is back, status 0 then 3 in /metrics", async () => {
    const m = await monitor();
    await eventually("order-manager's first state", async () => ((await fixture.events("order-manager")).length ? true : undefined));
    const mark = await fixture.mark();
    await sendFault(control(), { fault: "down", service: "order-manager", on: true });
    try {
      await eventually("the unreachable event", async () => ((await fixture.events("order-manager", mark)).some((e) => e.state === "unreachable") ? true : undefined));
      const text = await metrics(m);
      expect(sample(text, 'ytrader_service_status{service="order-manager"}')).toBe(0);
      expect(sample(text, 'ytrader_service_up{service="order-manager"}')).toBe(0);
      expect(sample(text, 'ytrader_service_status{service="ws-gateway"}')).toBe(3);
    } finally {
      await sendFault(control(), { fault: "down", service: "order-manager", on: false });
    }
    await eventually("the healthy event", async () => ((await fixture.events("order-manager", mark)).some((e) => e.state === "healthy") ? true : undefined));
    const events = await fixture.events("order-manager", mark);
    expect(events.map((e) => e.event_type)).toEqual(["service_unreachable", "service_healthy"]);
    expect(events[0]!.detail).toContain("error getting response");
    expect(events[0]!.occurred_at.getTime()).toBeLessThan(events[1]!.occurred_at.getTime());
    expect(sample(await metrics(m), 'ytrader_service_status{service="order-manager"}')).toBe(3);
    await stop(m);
  }, 60_000);

  test("position-manager degraded and model-service unhealthy are their own states, with the enum's meaning in HELP", async () => {
    const m = await monitor();
    const mark = await fixture.mark();
    await sendFault(control(), { fault: "degraded", service: "position-manager", on: true });
    await sendFault(control(), { fault: "unhealthy", service: "model-service", on: true });
    try {
      await eventually("both events", async () => {
        const [pm, ms] = await Promise.all([fixture.events("position-manager", mark), fixture.events("model-service", mark)]);
        return pm.some((e) => e.state === "degraded") && ms.some((e) => e.state === "unhealthy") ? true : undefined;
      });
      const text = await metrics(m);
      expect(sample(text, 'ytrader_service_status{service="position-manager"}')).toBe(2);
      expect(sample(text, 'ytrader_service_status{service="model-service"}')).toBe(1);
      expect(sample(text, 'ytrader_service_up{service="model-service"}')).toBe(1);
      expect(text).toContain("# HELP ytrader_service_status State of the service from its /health body: 0 unreachable, 1 unhealthy, 2 degraded, 3 healthy");
      expect(text).toContain("# TYPE ytrader_exchange_link_reconnects_total counter");
    } finally {
      await sendFault(control(), { fault: "degraded", service: "position-manager", on: false });
      await sendFault(control(), { fault: "unhealthy", service: "model-service", on: false });
    }
    await eventually("healthy again", async () => {
      const [pm, ms] = await Promise.all([fixture.events("position-manager", mark), fixture.events("model-service", mark)]);
      return pm.at(-1)?.state === "healthy" && ms.at(-1)?.state === "healthy" ? true : undefined;
    });
    await stop(m);
  }, 60_000);

  test("a WebSocket reconnect cycle: disconnected, connecting, reconnecting, connected in order, the count one higher, and the counter in /metrics", async () => {
    const m = await monitor();
    await eventually("the link's first state", async () => ((await fixture.events(LINK_SUBJECT)).length ? true : undefined));
    const before = sample(await metrics(m), 'ytrader_exchange_link_reconnects_total{service="ws-gateway"}') ?? 0;
    const mark = await fixture.mark();
    await sendFault(control(), { fault: "websocket", on: true });
    try {
      // The demo takes a step every 5 s: a whole cycle in about 15 s.
      await eventually(
        "a whole reconnect cycle",
        async () => ((await fixture.events(LINK_SUBJECT, mark)).some((e) => e.state === "connected") ? true : undefined),
        40_000,
      );
    } finally {
      await sendFault(control(), { fault: "websocket", on: false });
    }
    const events = (await fixture.events(LINK_SUBJECT, mark)).slice(0, 4);
    expect(events.map((e) => e.event_type)).toEqual(["websocket_disconnected", "websocket_connecting", "websocket_reconnecting", "websocket_connected"]);
    expect(events.every((e) => e.service === "ws-gateway")).toBe(true);
    const [down, , , back] = events;
    expect(back!.reconnect_count).toBe(down!.reconnect_count! + 1);
    expect(back!.detail).toContain("counted by the monitor");
    expect(sample(await metrics(m), 'ytrader_exchange_link_reconnects_total{service="ws-gateway"}')).toBeGreaterThanOrEqual(before + 1);
    expect(sample(await metrics(m), 'ytrader_exchange_link_state{service="ws-gateway"}')).toBeDefined();
    await stop(m);
  }, 60_000);
});

describe("no duplicates, retention", () => {
  test("two monitors one after the other: the second writes nothing while nothing changes", async () => {
    const first = await monitor();
    await eventually("every subject's first state", async () => {
      const subjects = await fixture.admin`SELECT DISTINCT subject FROM ${fixture.admin(fixture.schema)}.monitor_events`;
      return subjects.length >= 5 ? true : undefined;
    });
    await readings(first, 2);
    await stop(first);
    const mark = await fixture.mark();
    const second = await monitor();
    await readings(second, 3);
    const rows = await fixture.admin`SELECT subject, state FROM ${fixture.admin(fixture.schema)}.monitor_events WHERE id > ${mark}`;
    expect([...rows]).toEqual([]);
    expect((await fetch(`${second.url}/healthz`).then((r) => r.json())) as { events: string }).toMatchObject({ events: "writing" });
    await stop(second);
  }, 60_000);

  test("two monitors at once: a change is written once", async () => {
    const [a, b] = await Promise.all([monitor(), monitor()]);
    await Promise.all([readings(a, 1), readings(b, 1)]);
    const mark = await fixture.mark();
    await sendFault(control(), { fault: "unhealthy", service: "order-manager", on: true });
    try {
      await eventually("the unhealthy event", async () => ((await fixture.events("order-manager", mark)).length ? true : undefined));
      await Promise.all([readings(a, 2), readings(b, 2)]);
    } finally {
      await sendFault(control(), { fault: "unhealthy", service: "order-manager", on: false });
    }
    await eventually("healthy again", async () => ((await fixture.events("order-manager", mark)).at(-1)?.state === "healthy" ? true : undefined));
    await Promise.all([readings(a, 2), readings(b, 2)]);
    expect((await fixture.events("order-manager", mark)).map((e) => e.state)).toEqual(["unhealthy", "healthy"]);
    await Promise.all([stop(a), stop(b)]);
  }, 60_000);

  test("retention deletes the rows older than its limit, in batches, and no others", async () => {
    const table = fixture.admin`${fixture.admin(fixture.schema)}.monitor_events`;
    const subject = "retention-test";
    const insert = (daysAgo: number, count: number) => fixture.admin`
      INSERT INTO ${table} (occurred_at, subject, state, event_type, service, monitor)
      SELECT (now() AT TIME ZONE 'UTC') - make_interval(days => ${daysAgo}) - make_interval(secs => g), ${subject}, 's' || g, 'test', 'test', 'test'
      FROM generate_series(1, ${count}) AS g`;
    await insert(91, 2500);
    await insert(89, 30);
    await insert(0, 3);
    const store = EventStore.open(fixture.config);
    try {
      expect(await store.deleteOlderThan(90, { batchSize: 1000 })).toBe(2500);
      expect(await store.deleteOlderThan(90, { batchSize: 1000 })).toBe(0);
    } finally {
      await store.close();
    }
    const left = await fixture.admin`
      SELECT count(*)::int AS n, min(occurred_at) > (now() AT TIME ZONE 'UTC') - interval '90 days' AS all_recent FROM ${table} WHERE subject = ${subject}`;
    expect(left[0]).toEqual({ n: 33, all_recent: true });
  });
});

// The monitor's readings of each kind of source: a newer ws-gateway that exposes its own reconnect count,
// heartbeat and last error (the demo's services in this process, their link cycling through the demo's
// own fault code), training started and completed, queues from the management API under
// rabbitmq_prometheus' names, the database figures as the read-only role, its own /healthz.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SERVICE_NAMES, type ServiceName, SERVICE_VARIABLES, loadConfig } from "../scripts/lib/config.ts";
import { type DemoServices, startServices } from "../scripts/lib/demo/services.ts";
import { type DemoState, newDemoState } from "../scripts/lib/demo/state.ts";
import { cycleWebsocket } from "../scripts/lib/demo/websocket-link.ts";
import { EventStore, LINK_SUBJECT, TRAINING_SUBJECT } from "../scripts/lib/monitor/events.ts";
import { Monitor } from "../scripts/lib/monitor/monitor.ts";
import { brokerExporterAnswers, queueSourceChoice } from "../scripts/lib/monitor/queues.ts";
import { startMonitor } from "../scripts/lib/monitor/serve.ts";
import { isFailure } from "../scripts/lib/errors.ts";
import { type MonitoringFixture, monitoringFixture } from "./support/monitor.ts";
import { adminSql, eventually, rabbitApi, useLiveStack } from "./support/live.ts";

useLiveStack();

let fixture: MonitoringFixture;
beforeAll(async () => {
  fixture = await monitoringFixture("msrc");
}, 60_000);
afterAll(async () => {
  await fixture?.drop();
});

const text = (monitor: Monitor) => monitor.metrics.registry.metrics();
const sample = (body: string, series: string) => {
  const line = body.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe("a newer ws-gateway and model-service training, from the demo's services in this process", () => {
  let state: DemoState;
  let services: DemoServices;
  let sql: Awaited<ReturnType<typeof adminSql>>;
  let monitor: Monitor;
  let store: EventStore;

  beforeAll(async () => {
    sql = await adminSql();
    state = newDemoState({ richWebsocketState: true });
    const keys = Object.fromEntries(SERVICE_NAMES.map((name) => [name, `key-${name}`])) as Record<ServiceName, string>;
    const probes = SERVICE_NAMES.map(() => Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() }));
    const ports = Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, probes[i]!.port!])) as Record<ServiceName, number>;
    for (const probe of probes) probe.stop(true);
    services = await startServices({ sql, state, ports, apiKeys: keys });
    const env: Record<string, string> = {};
    for (const name of SERVICE_NAMES) {
      const v = SERVICE_VARIABLES[name];
      Object.assign(env, { [v.host]: "127.0.0.1", [v.port]: String(ports[name]), ...(v.apiKey ? { [v.apiKey]: keys[name] } : {}) });
    }
    store = EventStore.open(fixture.config);
    monitor = new Monitor(fixture.with(env), { store });
  });
  afterAll(async () => {
    await monitor?.close();
    await services?.stop();
    await sql?.end();
  });

  test("the link's events carry ws-gateway's own reconnect count and last error; heartbeat age and the counter in /metrics", async () => {
    await monitor.cycle();
    const mark = await fixture.mark();
    const stopCycling = cycleWebsocket(state, { stepMs: 400 });
    try {
      await eventually("two reconnects seen", async () => {
        await monitor.cycle();
        return (await fixture.events(LINK_SUBJECT, mark)).filter((e) => e.state === "connected").length >= 2 ? true : undefined;
      });
    } finally {
      stopCycling();
    }
    const events = await fixture.events(LINK_SUBJECT, mark);
    const reconnecting = events.filter((e) => e.state === "reconnecting");
    expect(reconnecting.length).toBeGreaterThanOrEqual(1);
    // The gateway counts on entering reconnecting; its count is the event's.
    for (const e of reconnecting) expect(e.detail).toContain("reported by ws-gateway");
    const counts = events.map((e) => e.reconnect_count!);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(events.at(-1)!.reconnect_count).toBeLessThanOrEqual(state.websocket.reconnectionCount);
    expect(events.find((e) => e.state === "disconnected")!.last_error).toBeTruthy();
    const body = await text(monitor);
    expect(sample(body, 'ytrader_exchange_link_reconnects_total{service="ws-gateway"}')).toBeGreaterThanOrEqual(2);
    expect(sample(body, 'ytrader_exchange_link_heartbeat_age_seconds{service="ws-gateway"}')).toBeGreaterThanOrEqual(0);
  }, 30_000);

  test("training started and completed, once each, with in_progress 1 then 0", async () => {
    state.training.isTraining = false;
    await monitor.cycle();
    const mark = await fixture.mark();
    state.training.isTraining = true;
    state.training.current = { strategy_id: "monitor-test", model_version: "monitor-test-v2", started_at: new Date().toISOString(), dataset_size: 10 };
    await monitor.cycle();
    await monitor.cycle();
    expect(sample(await text(monitor), 'ytrader_training_in_progress{service="model-service"}')).toBe(1);
    state.training.isTraining = false;
    state.training.current = null;
    await monitor.cycle();
    await monitor.cycle();
    expect(sample(await text(monitor), 'ytrader_training_in_progress{service="model-service"}')).toBe(0);
    const events = await fixture.events(TRAINING_SUBJECT, mark);
    expect(events.map((e) => e.event_type)).toEqual(["model_training_started", "model_training_completed"]);
    expect(events[0]!.detail).toBe("training started for monitor-test");
  });

  test("ws-gateway down: the link's series are removed (no data, not a stale state)", async () => {
    await services.setFault("ws-gateway", "down", true);
    try {
      await monitor.cycle();
      const body = await text(monitor);
      expect(sample(body, 'ytrader_exchange_link_state{service="ws-gateway"}')).toBeUndefined();
      expect(sample(body, 'ytrader_service_status{service="ws-gateway"}')).toBe(0);
    } finally {
      await services.setFault("ws-gateway", "down", false);
    }
  });
});

describe("queues, database figures, the monitor's own health", () => {
  test("MONITOR_QUEUE_SOURCE=management: per-queue figures under rabbitmq_prometheus' per-object names; any other value is refused", async () => {
    const config = fixture.with({ MONITOR_QUEUE_SOURCE: "management" });
    expect((await queueSourceChoice(config)).source).toBe("management");
    expect((await queueSourceChoice(fixture.with({ MONITOR_QUEUE_SOURCE: "exporter" }), "http://127.0.0.1:9")).source).toBe("exporter");
    let refused: unknown;
    try {
      fixture.with({ MONITOR_QUEUE_SOURCE: "both" });
    } catch (error) {
      refused = error;
    }
    expect(isFailure(refused, "badInput")).toBe(true);
    expect((refused as Error).message).toContain("MONITOR_QUEUE_SOURCE: expected one of auto, exporter, management");

    // In the default vhost, which the monitoring user sees (a vhost of its own it would not).
    const path = encodeURIComponent("/");
    const queue = `monitor-test.${Math.random().toString(36).slice(2, 8)}`;
    const monitor = new Monitor(config, { store: null });
    try {
      await rabbitApi(`/api/queues/${path}/${queue}`, { method: "PUT", body: JSON.stringify({ durable: false }) });
      for (let i = 0; i < 3; i++) {
        await rabbitApi(`/api/exchanges/${path}/amq.default/publish`, {
          method: "POST",
          body: JSON.stringify({ properties: {}, routing_key: queue, payload: `m${i}`, payload_encoding: "string" }),
        });
      }
      const series = `{vhost="/",queue="${queue}"}`;
      const published = `rabbitmq_queue_messages_published_total{queue_vhost="/",queue="${queue}",exchange_vhost="/",exchange=""}`;
      // The depth and the publish count come from separate statistics samples of the management API: wait for both.
      // Under load the statistics lag: up to 40 s, and the last figures seen say which one did not come.
      const body = await eventually(
        "the queue's figures",
        async () => {
          await monitor.cycle();
          const now = await text(monitor);
          const seen = { depth: sample(now, `rabbitmq_queue_messages${series}`), published: sample(now, published) };
          if (seen.depth === 3 && seen.published === 3) return now;
          throw new Error(`depth ${seen.depth}, published ${seen.published}`);
        },
        40_000,
      );
      expect(sample(body, `rabbitmq_queue_messages_ready${series}`)).toBe(3);
      expect(sample(body, `rabbitmq_queue_messages_unacked${series}`)).toBe(0);
      expect(sample(body, `rabbitmq_queue_consumers${series}`)).toBe(0);
      expect(body).toContain("# TYPE rabbitmq_queue_messages_published_total counter");
      expect(body).toContain("# TYPE rabbitmq_channel_messages_delivered_ack_total counter");
      // Every name and label set the monitor exports is one the broker's own per-object endpoint gives.
      const broker = await (await fetch(`${fixture.config.prometheus.rabbitmqUrl}/metrics/per-object`)).text();
      for (const name of ["rabbitmq_queue_messages", "rabbitmq_queue_messages_ready", "rabbitmq_queue_messages_unacked", "rabbitmq_queue_consumers"]) {
        expect(broker).toContain(`${name}{vhost="/",queue="${queue}"}`);
        expect(body).toContain(`${name}{vhost="/",queue="${queue}"}`);
      }
      expect(broker).toMatch(/rabbitmq_queue_messages_published_total\{channel="[^"]+",queue_vhost="\/",queue="[^"]+",exchange_vhost="\/",exchange=""\}/);
      expect(body).toContain(`${published} 3`);
    } finally {
      await monitor.close();
      await rabbitApi(`/api/queues/${path}/${queue}`, { method: "DELETE" });
    }
  }, 40_000);

  test("the broker-exporter probe says no where nothing answers, and auto leaves the queues to the monitor", async () => {
    const answer = await brokerExporterAnswers("http://127.0.0.1:9", 1000);
    expect(answer.ok).toBe(false);
    expect(answer.reason).toStartWith("http://127.0.0.1:9/metrics/per-object: ");
    const auto = await queueSourceChoice(fixture.with({ MONITOR_QUEUE_SOURCE: "auto" }), "http://127.0.0.1:9", 1000);
    expect(auto.source).toBe("management");
    // The stack's broker runs rabbitmq_prometheus: auto leaves its queues to it.
    const live = await queueSourceChoice(fixture.with({ MONITOR_QUEUE_SOURCE: "auto" }));
    expect(live).toEqual({ source: "exporter", url: `${fixture.config.prometheus.rabbitmqUrl}/metrics/per-object`, reason: `${fixture.config.prometheus.rabbitmqUrl}/metrics/per-object gives per-queue figures` });
  });

  test("the database figures: signals and orders in the window as the read-only role, between counts taken before and after", async () => {
    const monitor = new Monitor(fixture.config, { store: null });
    const admin = fixture.admin;
    const now = new Date();
    const from = new Date(now.getTime() - fixture.config.monitor.databaseWindowSeconds * 1000);
    const range = (table: "trading_signals" | "orders") =>
      table === "orders"
        ? admin`SELECT count(*)::int AS n FROM orders WHERE created_at BETWEEN (${from.toISOString()}::timestamptz AT TIME ZONE 'UTC') AND (${now.toISOString()}::timestamptz AT TIME ZONE 'UTC')`
        : admin`SELECT count(*)::int AS n FROM trading_signals WHERE "timestamp" BETWEEN (${from.toISOString()}::timestamptz AT TIME ZONE 'UTC') AND (${now.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
    try {
      const [signalsBefore, ordersBefore] = await Promise.all([range("trading_signals"), range("orders")]);
      await monitor.cycle(now);
      const [signalsAfter, ordersAfter] = await Promise.all([range("trading_signals"), range("orders")]);
      const body = await text(monitor);
      const signals = sample(body, 'ytrader_trading_signals_recent{window="15min"}')!;
      const orders = sample(body, 'ytrader_orders_recent{window="15min"}')!;
      expect(signals).toBeGreaterThanOrEqual(signalsBefore[0]!.n);
      expect(signals).toBeLessThanOrEqual(signalsAfter[0]!.n);
      expect(orders).toBeGreaterThanOrEqual(ordersBefore[0]!.n);
      expect(orders).toBeLessThanOrEqual(ordersAfter[0]!.n);
      expect(sample(body, 'ytrader_orders_rejected_recent{window="15min"}')).toBeLessThanOrEqual(orders);
      expect(sample(body, "ytrader_database_window_seconds")).toBe(900);
      const [newest] = await admin`SELECT extract(epoch FROM max("timestamp"))::float8 AS at FROM trading_signals`;
      const last = sample(body, 'ytrader_table_last_row_timestamp_seconds{table="trading_signals"}');
      expect(last === undefined ? null : Math.abs(last - newest!.at)).toBeLessThan(60);
    } finally {
      await monitor.close();
    }
  });

  test("/healthz: ok after a reading, stale (503) once readings are late, and the process metrics are there", async () => {
    const running = await startMonitor(fixture.config, { port: 0, host: "127.0.0.1", store: null });
    try {
      const health = await eventually("a first reading", async () => {
        const body = (await (await fetch(`${running.url}/healthz`)).json()) as { status: string; events: string };
        return body.status === "ok" ? body : undefined;
      });
      expect(health.events).toBe("off: MONITOR_POSTGRES_PASSWORD is not set");
      expect(running.monitor.health(new Date(Date.now() + 60_000)).status).toBe("stale");
      const metrics = await (await fetch(`${running.url}/metrics`)).text();
      expect(metrics).toContain("# TYPE process_cpu_seconds_total counter");
      expect((await fetch(`${running.url}/nothing`)).status).toBe(404);
    } finally {
      await running.stop();
    }
  });
});

// The event history panel shows the monitor's events with the others, narrowed by the same variables,
// and they count in its 200: a database of the test's own, events written by the monitor's store as the
// writer role, in a day long ago that no live activity reaches.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { dashboardDefinitions, datasourceDefinitions } from "../grafana/index.ts";
import { type PanelResult, runCheck } from "../scripts/lib/check/run.ts";
import { type Config, loadConfig } from "../scripts/lib/config.ts";
import { applyDemoSchema } from "../scripts/lib/demo/schema.ts";
import { EventStore, type MonitorEvent } from "../scripts/lib/monitor/events.ts";
import { runRoleStep } from "../scripts/lib/role/role-step.ts";
import { freshDatabase, useLiveStack } from "./support/live.ts";

useLiveStack();

const TITLE = "Event history: last 200";
const day = "2020-03-02";
const window = { from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z` };
const at = (hhmm: string) => new Date(`${day}T${hhmm}:00Z`);
let db: Awaited<ReturnType<typeof freshDatabase>>;
let config: Config;

const event = (time: string, subject: string, state: string, eventType: string, service: string): MonitorEvent => ({
  at: at(time),
  subject,
  state,
  eventType,
  service,
  detail: `${subject} ${state}`,
});

beforeAll(async () => {
  db = await freshDatabase("monpanel");
  await applyDemoSchema(db.sql);
  config = loadConfig({ envFile: "/dev/null", env: { ...process.env, POSTGRES_DB: db.name } });
  const step = await runRoleStep(config, {});
  if (!step.ok || !step.monitoring?.writer) throw new Error(`role step: ${step.postgres.error ?? step.monitoring?.error ?? "no writer (MONITOR_POSTGRES_PASSWORD unset)"}`);
  const store = EventStore.open(config);
  try {
    await store.record([
      event("10:00", "order-manager", "unreachable", "service_unreachable", "order-manager"),
      event("10:01", "exchange-link", "reconnecting", "websocket_reconnecting", "ws-gateway"),
      event("10:05", "order-manager", "healthy", "service_healthy", "order-manager"),
    ]);
  } finally {
    await store.close();
  }
  // 199 signals earlier that day: with the 3 events, more than the panel's 200.
  await db.sql`
    INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, confidence, "timestamp")
    SELECT gen_random_uuid(), 'panel-test', 'BTCUSDT', 'buy', 100, 0.8, ${`${day} 09:00:00`}::timestamp + make_interval(secs => g)
    FROM generate_series(1, 199) AS g`;
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

async function history(variables: Record<string, string[]> = {}): Promise<PanelResult> {
  const { panels } = await runCheck(config, {
    dashboards: dashboardDefinitions(),
    datasources: datasourceDefinitions(config),
    dashboard: "trading-system-monitoring",
    panels: [TITLE],
    variables,
    ...window,
  });
  const found = panels.find((p) => p.panel === TITLE)!;
  expect(found.ok).toBe(true);
  return found;
}
const column = (result: PanelResult, name: string) => result.frames.find((f) => f.fields.length)!.fields.find((f) => f.name === name)!.values;

test("the monitor's events are in the history, newest first, and count in its 200", async () => {
  const all = await history();
  expect(all.rows).toBe(200);
  const types = column(all, "event_type");
  expect(types.slice(0, 3)).toEqual(["service_healthy", "websocket_reconnecting", "service_unreachable"]);
  expect(column(all, "service").slice(0, 3)).toEqual(["order-manager", "ws-gateway", "order-manager"]);
  expect(column(all, "detail")[1]).toBe("exchange-link reconnecting");
  // 3 events and the newest 197 signals.
  expect(types.filter((t) => t === "signal_received").length).toBe(197);
});

test("the event type and service variables narrow them like the others", async () => {
  expect(column(await history({ event_type: ["websocket_reconnecting"] }), "event_type")).toEqual(["websocket_reconnecting"]);
  expect(column(await history({ service: ["order-manager"] }), "event_type")).toEqual(["service_healthy", "service_unreachable"]);
  expect(column(await history({ event_type: ["service_unreachable", "signal_received"], service: ["order-manager"] }), "event_type")).toEqual(["service_unreachable"]);
});

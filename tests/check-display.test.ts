// What `check` says Grafana displays, on the live demo: both dashboards, healthy and with every fault the demo
// has at once, read through check's display step (@grafana/data). Whatever the data, a cell of a real row
// never reads the panel's no-value text, every column has a header for people, and a flag reads yes or no.
// And the health as a person sees it: words and colours when a service is down, degraded or the exchange link
// is not connected.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dashboardDefinitions, datasourceDefinitions } from "../grafana/index.ts";
import type { Config } from "../scripts/lib/config.ts";
import { dashboardPanels } from "../scripts/lib/check/dashboard-model.ts";
import { displayJson } from "../scripts/lib/check/report.ts";
import { type CheckOptions, type PanelResult, runCheck } from "../scripts/lib/check/run.ts";
import { runRoleStep } from "../scripts/lib/role/role-step.ts";
import { type HistoryDatabase, historyDatabase } from "./support/demo-history.ts";
import { adminSql, freeStackPorts, runCli, settings, useLiveStack } from "./support/live.ts";

useLiveStack();

const RED = "#F2495C";
const GREEN = "#73BF69";
const ORANGE = "#FF9830";

let config: Config;
let history: HistoryDatabase;
let signalId: string;

const noValueOf = new Map(
  dashboardDefinitions().flatMap((d) => dashboardPanels(d).map((p) => [`${d.title} / ${p.title}`, (p.json.fieldConfig?.defaults as { noValue?: string } | undefined)?.noValue])),
);

const check = (options: Partial<CheckOptions> = {}, withConfig = history.config) =>
  runCheck(withConfig, { dashboards: dashboardDefinitions(), datasources: datasourceDefinitions(withConfig), displayRows: 1000, ...options });

const shows = (results: PanelResult[], title: string) => {
  const found = results.find((r) => r.panel === title);
  if (found?.display?.kind !== "stat") throw new Error(`no stat "${title}"`);
  const value = displayJson(found.display);
  return value.kind === "stat" ? value.values[0] : undefined;
};

const fault = async (name: string, service?: string, on = true) => {
  const run = await runCli(["scripts/demo.ts", "fault", name, ...(service ? ["--service", service] : []), ...(on ? [] : ["--off"])]);
  if (run.code !== 0) throw new Error(`demo fault ${name} failed: ${run.stderr}`);
};

/** Each way a displayed table breaks the rules, worded for a person; [] when none does. */
function tableProblems(results: PanelResult[]): string[] {
  const problems: string[] = [];
  for (const result of results) {
    const display = result.display;
    if (display?.kind !== "table") continue;
    const where = `${result.dashboard} / ${result.panel}`;
    const noValue = noValueOf.get(where);
    for (const column of display.columns) {
      if (column.header === column.field) problems.push(`${where}: column ${column.field} has no header for people`);
    }
    display.rows.forEach((row, r) =>
      row.forEach((cell, c) => {
        const column = display.columns[c]!.header;
        if (noValue && cell.text === noValue) problems.push(`${where}: row ${r} ${column} reads the panel's "${noValue}"`);
        if (cell.text === "true" || cell.text === "false") problems.push(`${where}: row ${r} ${column} reads "${cell.text}"`);
      }),
    );
  }
  return problems;
}

beforeAll(async () => {
  config = settings();
  await runRoleStep(config, { rabbitmq: true });
  history = await historyDatabase("check_display", config);
  const [filled] = await history.sql<{ signal_id: string }[]>`SELECT signal_id::text FROM orders WHERE status = 'filled' LIMIT 1`;
  signalId = filled!.signal_id;
}, 120_000);

afterAll(async () => {
  await runCli(["scripts/demo.ts", "clear"]);
  await history?.drop();
});

describe("both dashboards on the demo", () => {
  test("healthy: every table's rows read as they mean, every header is for people, the health is green", async () => {
    const result = await check({ variables: { signal_id: [signalId] } });
    expect(result.panels.filter((r) => !r.ok).map((r) => `${r.panel}: ${r.error}`)).toEqual([]);
    const tables = result.panels.filter((r) => r.display?.kind === "table");
    expect(tables.length).toBeGreaterThan(15);
    // the rows are really there to look at: nulls in them included (pending orders have no execution price)
    expect(tables.reduce((sum, r) => sum + (r.display?.kind === "table" ? r.display.rows.length : 0), 0)).toBeGreaterThan(400);
    expect(tableProblems(result.panels)).toEqual([]);
    expect(shows(result.panels, "Overall health")).toEqual({ text: "healthy", color: GREEN });
  });

  test("with every fault at once: still no no-value text in a row, and the health says what is wrong", async () => {
    const faults: Array<[string, string?]> = [
      ["down", "model-service"],
      ["degraded", "position-manager"],
      ["unhealthy", "order-manager"],
      ["garbage", "ws-gateway"],
      ["database"],
      ["queue"],
      ["backlog:ws-gateway.ticker"],
      ["slow-consumer:order-manager.order_events"],
    ];
    for (const [name, service] of faults) await fault(name, service);
    try {
      const result = await check({ variables: { signal_id: [signalId] } });
      expect(tableProblems(result.panels)).toEqual([]);
      expect(shows(result.panels, "model-service")).toEqual({ text: "unknown", color: RED });
      expect(shows(result.panels, "ws-gateway")).toEqual({ text: "unknown", color: RED });
      expect(shows(result.panels, "position-manager")).toEqual({ text: "degraded", color: ORANGE });
      expect(shows(result.panels, "order-manager")).toEqual({ text: "unhealthy", color: RED });
      expect(shows(result.panels, "Overall health")).toEqual({ text: "unhealthy", color: RED });
    } finally {
      await runCli(["scripts/demo.ts", "clear"]);
    }
  }, 60_000);

  test("a service down: the whole reads unknown in red, never healthy", async () => {
    await fault("down", "order-manager");
    try {
      const result = await check({ dashboard: "trading-system-monitoring", panels: ["Overall health", "order-manager"] });
      expect(shows(result.panels, "order-manager")).toEqual({ text: "unknown", color: RED });
      expect(shows(result.panels, "Overall health")).toEqual({ text: "unknown", color: RED });
    } finally {
      await fault("down", "order-manager", false);
    }
  });
});

test("the exchange link disconnected: the whole reads degraded in orange, the link red", async () => {
  // Services of the test's own (the stack's cycle through the link's states): the link stays down
  const { startServices } = await import("../scripts/lib/demo/services.ts");
  const { newDemoState } = await import("../scripts/lib/demo/state.ts");
  const sql = await adminSql();
  const state = newDemoState();
  Object.assign(state.websocket, { status: "disconnected", connectedAt: null });
  const free = Object.values(freeStackPorts()).map(Number);
  const ports = { "ws-gateway": free[0]!, "model-service": free[1]!, "order-manager": free[2]!, "position-manager": free[3]! };
  const keys = { "ws-gateway": "k", "model-service": "k", "order-manager": "k", "position-manager": "k" };
  const services = await startServices({ sql, state, ports, apiKeys: keys });
  try {
    const own = {
      ...config,
      services: Object.fromEntries(Object.entries(services.urls).map(([name, url]) => [name, { url, apiKey: "k" }])) as Config["services"],
    };
    const panels = ["Overall health", "Bybit WebSocket", "ws-gateway"];
    const result = await check({ dashboard: "trading-system-monitoring", panels }, own);
    expect(shows(result.panels, "ws-gateway")).toEqual({ text: "healthy", color: GREEN });
    expect(shows(result.panels, "Bybit WebSocket")).toEqual({ text: "disconnected", color: RED });
    expect(shows(result.panels, "Overall health")).toEqual({ text: "degraded", color: ORANGE });

    state.websocket.status = "connected";
    const back = await check({ dashboard: "trading-system-monitoring", panels }, own);
    expect(shows(back.panels, "Overall health")).toEqual({ text: "healthy", color: GREEN });
  } finally {
    await services.stop();
    await sql.end();
  }
});

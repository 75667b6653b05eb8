// The services' list (MONITORED_SERVICES): one setting from which the datasources, the Health row, the
// service variable, the monitor's readings (and so the alerts on them) follow; feature-service and
// dashboard-api stand-ins of the demo answering as the real ones do, their panels proven on and off.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { type Rendering, dashboardDefinitions, datasourceDefinitions, provisionedDatasources, renderingOf } from "../grafana/index.ts";
import { type Config, loadConfig } from "../scripts/lib/config.ts";
import { dashboardPanels } from "../scripts/lib/check/dashboard-model.ts";
import type { DashboardDefinition } from "../grafana/types.ts";
import { runCheck } from "../scripts/lib/check/run.ts";
import { type DemoServices, startServices } from "../scripts/lib/demo/services.ts";
import { type DemoState, newDemoState } from "../scripts/lib/demo/state.ts";
import { readServices } from "../scripts/lib/monitor/sources.ts";
import { runRoleStep } from "../scripts/lib/role/role-step.ts";
import { CORE_SERVICES, SERVICE_NAMES } from "../scripts/lib/services.ts";
import { ToolkitError } from "../scripts/lib/errors.ts";
import { provisionSettingsOf, writeProvisionFiles } from "../scripts/lib/grafana/provision.ts";
import { panelOf } from "./support/check-results.ts";
import { adminSql, freeStackPorts, settings, useLiveStack } from "./support/live.ts";
import { json } from "./support/service-shapes.ts";

const load = (env: Record<string, string>) => loadConfig({ env, envFile: "/dev/null" });
const ALL_SIX = "ws-gateway,model-service,order-manager,position-manager,feature-service,dashboard-api";

describe("MONITORED_SERVICES", () => {
  test("the default is the core four; the newer two are added by name, in the toolkit's order", () => {
    expect(load({}).monitoredServices).toEqual([...CORE_SERVICES]);
    const six = load({ MONITORED_SERVICES: "dashboard-api, feature-service,ws-gateway,model-service,order-manager,position-manager" });
    expect(six.monitoredServices).toEqual([...SERVICE_NAMES]);
  });

  test("an unknown name or a core service left out is refused, each said", () => {
    const problems = (value: string) => {
      try {
        load({ MONITORED_SERVICES: value });
      } catch (error) {
        return (error as ToolkitError).problems ?? [];
      }
      return [];
    };
    expect(problems(`${CORE_SERVICES.join(",")},feature-servce`).join("\n")).toContain("unknown service(s) feature-servce");
    expect(problems("ws-gateway,model-service,feature-service").join("\n")).toContain("order-manager, position-manager cannot be left out");
  });
});

describe("the definitions follow the list", () => {
  const titles = (rendering?: Rendering) => dashboardPanels(dashboardDefinitions(rendering)[0]!).map((p) => p.title);
  const six: Rendering = { services: SERVICE_NAMES, schema: "monitoring" };

  test("by default no panel, datasource or variable value of feature-service or dashboard-api", () => {
    expect(titles()).not.toContain("feature-service");
    expect(JSON.stringify(dashboardDefinitions())).not.toContain("dashboard-api");
    expect(provisionedDatasources().map((ds) => ds.uid)).not.toContain("ytrader-feature-service");
  });

  test("with both on: a status panel each in the Health row (which still fits 24 columns), datasources, the service variable", () => {
    expect(titles(six)).toEqual(expect.arrayContaining(["feature-service", "dashboard-api"]));
    const main = dashboardDefinitions(six)[0]!.json as { panels: { title: string; gridPos: { x: number; y: number; w: number } }[]; templating: { list: { name: string; query?: string }[] } };
    const overall = main.panels.find((p) => p.title === "Overall health")!;
    const row = main.panels.filter((p) => p.gridPos.y === overall.gridPos.y);
    expect(row.map((p) => p.title)).toEqual(["Overall health", ...SERVICE_NAMES, "postgresql", "rabbitmq"]);
    expect(Math.max(...row.map((p) => p.gridPos.x + p.gridPos.w))).toBeLessThanOrEqual(24);
    expect(main.templating.list.find((v) => v.name === "service")!.query).toBe(SERVICE_NAMES.join(","));
    const api = provisionedDatasources(SERVICE_NAMES).find((ds) => ds.uid === "ytrader-dashboard-api")!;
    expect(api.url).toBe("http://${DASHBOARD_API_HOST}:${DASHBOARD_API_PORT}");
    // /ready's 503 "not ready" is read as a body, and the datasource's own health check is /ready too.
    expect(api.jsonData).toMatchObject({ ignoreStatusCodeCheck: true, customHealthCheckUrl: "/ready" });
    expect(datasourceDefinitions(load({ MONITORED_SERVICES: ALL_SIX })).map((ds) => ds.uid)).toEqual(
      expect.arrayContaining(["ytrader-feature-service", "ytrader-dashboard-api"]),
    );
  });
});

test("provision and setup's provision step render the files with the settings: the services named, the schema the panels read", () => {
  const dir = mkdtempSync(join(tmpdir(), "provision-settings-"));
  try {
    writeProvisionFiles({ dir, ...provisionSettingsOf(load({ MONITORED_SERVICES: ALL_SIX, MONITORING_SCHEMA: "ops" })) });
    expect(readFileSync(join(dir, "provisioning/datasources/ytrader.yml"), "utf8")).toContain("uid: ytrader-dashboard-api");
    const main = { json: JSON.parse(readFileSync(join(dir, "dashboards/trading-system-monitoring.json"), "utf8")) } as DashboardDefinition;
    const sqls = dashboardPanels(main).flatMap((p) => p.targets.map((t) => String((t as { rawSql?: string }).rawSql ?? "")));
    expect(sqls.filter((sql) => sql.includes('"ops".trading_signals')).length).toBeGreaterThan(0);
    expect(sqls.filter((sql) => sql.includes("monitoring.")).length).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // With the defaults, what they render is the committed files.
  expect(writeProvisionFiles({ dryRun: true, ...provisionSettingsOf(load({})) }).written).toEqual([]);
});

test("no panel shows position-manager's positions_count (it counts history rows); the components table says so", () => {
  const panels = dashboardDefinitions({ services: SERVICE_NAMES, schema: "monitoring" }).flatMap((d) => dashboardPanels(d));
  expect(panels.filter((p) => JSON.stringify(p.targets).includes("positions_count")).map((p) => p.title)).toEqual([]);
  const components = dashboardPanels(dashboardDefinitions()[0]!).find((p) => p.title === "Service components and errors")!;
  const targets = JSON.stringify(components.targets);
  expect(targets).toContain("validation_statistics");
  expect(targets).not.toContain("positions_count");
  expect(String((components.json as { description?: string }).description)).toContain("positions_count is left out");
});

describe("on the demo's stand-ins", () => {
  useLiveStack();
  let state: DemoState;
  let services: DemoServices;
  let base: Config;
  let sql: Awaited<ReturnType<typeof adminSql>>;
  // The stack's settings with the services of this test (all six, in this process).
  const withServices = (monitored: string): Config => {
    const config = load({ ...(process.env as Record<string, string>), MONITORED_SERVICES: monitored });
    const urls = Object.fromEntries(Object.entries(services.urls).map(([name, url]) => [name, { url, apiKey: "k" }]));
    return { ...config, services: { ...config.services, ...urls } };
  };
  const health = (config: Config) =>
    runCheck(config, { dashboards: dashboardDefinitions(renderingOf(config)), datasources: datasourceDefinitions(config), dashboard: "trading-system-monitoring", panels: ["Overall health", ...config.monitoredServices] });

  beforeAll(async () => {
    base = settings();
    await runRoleStep(base, { rabbitmq: true });
    sql = await adminSql();
    state = newDemoState();
    const free = Object.values(freeStackPorts()).map(Number);
    const ports = Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, free[i]!])) as Record<(typeof SERVICE_NAMES)[number], number>;
    services = await startServices({ sql, state, ports, apiKeys: Object.fromEntries(SERVICE_NAMES.map((name) => [name, "k"])) });
  });
  afterAll(async () => {
    await services?.stop();
    await sql?.end();
  });

  test("they answer as the real ones do: a static /health, and dashboard-api's /health, /live and /ready", async () => {
    const feature = await json(`${services.urls["feature-service"]}/health`, z.strictObject({ status: z.literal("healthy"), service: z.literal("feature-service"), timestamp: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/) }));
    expect(feature.status).toBe("healthy");
    const api = services.urls["dashboard-api"]!;
    expect(await json(`${api}/health`, z.strictObject({ status: z.string() }))).toEqual({ status: "ok" });
    expect(await json(`${api}/live`, z.strictObject({ status: z.string() }))).toEqual({ status: "alive" });
    expect(await json(`${api}/ready`, z.strictObject({ status: z.string() }))).toEqual({ status: "ready" });
    state.faults.databaseDown = true;
    try {
      expect(await json(`${api}/ready`, z.strictObject({ status: z.string() }), undefined, 503)).toEqual({ status: "not ready" });
      // A database outage changes nothing in feature-service's static answer, and it has no unhealthy fault.
      expect((await fetch(`${services.urls["feature-service"]}/health`)).status).toBe(200);
      await expect(services.setFault("feature-service", "unhealthy", true)).rejects.toThrow('has no "unhealthy" status');
    } finally {
      state.faults.databaseDown = false;
    }
  });

  test("on: their panels read healthy and count in the overall health; dashboard-api not ready reads unhealthy", async () => {
    const on = withServices(ALL_SIX);
    const panels = (await health(on)).panels;
    expect(["feature-service", "dashboard-api", "Overall health"].map((t) => panelOf(panels, t).value)).toEqual(["healthy", "healthy", "healthy"]);

    await services.setFault("dashboard-api", "unhealthy", true);
    try {
      const notReady = (await health(on)).panels;
      expect(panelOf(notReady, "dashboard-api")).toMatchObject({ ok: true, value: "unhealthy" });
      expect(panelOf(notReady, "Overall health").value).toBe("unhealthy");
      // The monitor reads the same: its state and the body's word.
      const readings = await readServices(on);
      expect(readings.map((r) => r.service)).toEqual([...SERVICE_NAMES]);
      expect(readings.find((r) => r.service === "dashboard-api")).toMatchObject({ state: "unhealthy", reason: "it says not ready" });
    } finally {
      await services.setFault("dashboard-api", "unhealthy", false);
    }

    await services.setFault("feature-service", "down", true);
    try {
      const down = (await health(on)).panels;
      expect(panelOf(down, "feature-service").value).toBe("unknown");
      expect(panelOf(down, "Overall health").value).toBe("unknown");
      expect((await readServices(on)).find((r) => r.service === "feature-service")!.state).toBe("unreachable");
    } finally {
      await services.setFault("feature-service", "down", false);
    }
  });

  test("off (the default list): no panel of theirs, and one of them down leaves the overall health healthy", async () => {
    await services.setFault("feature-service", "down", true);
    await services.setFault("dashboard-api", "unhealthy", true);
    try {
      const off = withServices(CORE_SERVICES.join(","));
      const panels = (await health(off)).panels;
      expect(panels.map((p) => p.panel)).not.toContain("feature-service");
      expect(panelOf(panels, "Overall health").value).toBe("healthy");
      expect((await readServices(off)).map((r) => r.service)).toEqual([...CORE_SERVICES]);
    } finally {
      await services.clearFaults();
    }
  });
});

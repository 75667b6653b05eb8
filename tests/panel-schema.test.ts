// MONITORING_SCHEMA other than the default: the panels' SQL follows it (one substitution where panel SQL is
// rendered, grafana/queries/postgres.ts inSchema), so the dashboards, check, setup's and check's naming of
// the panels a missing column breaks, and bench all read the views where the role step built them. The
// committed dashboards keep the default.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Rendering, dashboardDefinitions, datasourceDefinitions, renderingOf } from "../grafana/index.ts";
import { PANEL_SCHEMA, inSchema, panelSql } from "../grafana/queries/postgres.ts";
import { dashboardPanels, dashboardVariables } from "../scripts/lib/check/dashboard-model.ts";
import { runCheck } from "../scripts/lib/check/run.ts";
import { type Config, loadConfig } from "../scripts/lib/config.ts";
import { ToolkitError } from "../scripts/lib/errors.ts";
import { CORE_SERVICES } from "../scripts/lib/services.ts";
import { panelsByView } from "../scripts/lib/shapes/inspect.ts";
import { panelOf } from "./support/check-results.ts";
import { type freshDatabase, useLiveStack } from "./support/live.ts";
import { shapedDatabase } from "./support/shaped-database.ts";

// Upper case and a space: only a quoted identifier names it.
const OTHER = "Ops View";
const other: Rendering = { services: CORE_SERVICES, schema: OTHER };
const sqlOf = (rendering?: Rendering) =>
  dashboardDefinitions(rendering).flatMap((d) => [
    ...dashboardPanels(d).flatMap((p) => p.targets.map((t) => String(t.rawSql ?? ""))),
    ...dashboardVariables(d).map((v) => String(v.query ?? "")),
  ]).filter((text) => text.includes("SELECT"));

describe("rendering", () => {
  test("every SQL query names the other schema, quoted, and none the default", () => {
    const texts = sqlOf(other);
    expect(texts.length).toBeGreaterThan(15);
    expect(texts.filter((t) => /\bmonitoring\./.test(t))).toEqual([]);
    expect(texts.filter((t) => t.includes('"Ops View".')).length).toBeGreaterThan(10);
    // The default renders the files as written.
    expect(sqlOf().join("\n")).toContain("FROM monitoring.trading_signals s");
    expect(panelSql("signals")).toBe(inSchema(panelSql("signals"), PANEL_SCHEMA));
    expect(inSchema('SELECT 1 FROM monitoring.orders o', 'a"b')).toBe('SELECT 1 FROM "a""b".orders o');
  });

  test("the panels a view serves are named in the other schema too (check's and setup's unknown-shape message)", () => {
    const byView = panelsByView(dashboardDefinitions(other), OTHER);
    expect(byView.get("positions")).toEqual(expect.arrayContaining(["Trading system monitoring / Positions and PnL", "Signal trace / Position now"]));
    expect(panelsByView(dashboardDefinitions(other), PANEL_SCHEMA).size).toBe(0);
  });

  test("a schema name with $ is refused: Grafana would read it as a variable in the panels' SQL", () => {
    let problems: string[] = [];
    try {
      loadConfig({ env: { MONITORING_SCHEMA: "ops$view" }, envFile: "/dev/null" });
    } catch (error) {
      problems = (error as ToolkitError).problems;
    }
    expect(problems.join("\n")).toContain("MONITORING_SCHEMA: the panels' SQL names it");
  });
});

describe("on a database whose views are in another schema", () => {
  useLiveStack();
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let config: Config;

  beforeAll(async () => {
    ({ db, config } = await shapedDatabase("panel_schema", "newest", OTHER));
    await db.sql`INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, confidence, "timestamp", model_version)
                 VALUES (gen_random_uuid(), 'trend', 'BTCUSDT', 'sell', 100, 0.9, timezone('utc', now()) - interval '1 minute', 'v7')`;
  }, 60_000);
  afterAll(async () => {
    await db?.drop();
  });

  test("the views are only there, and every SQL panel of both dashboards answers from them", async () => {
    const [where] = await db.sql`SELECT to_regclass('monitoring.trading_signals') IS NULL AS no_default, to_regclass(${`"${OTHER}".trading_signals`}) IS NOT NULL AS other`;
    expect(where).toEqual({ no_default: true, other: true });
    const result = await runCheck(config, { dashboards: dashboardDefinitions(renderingOf(config)), datasources: datasourceDefinitions(config) });
    expect(result.panels.filter((p) => !p.ok).map((p) => `${p.panel}: ${p.error}`)).toEqual([]);
    expect(panelOf(result.panels, "Trading signals: last 100").rows).toBe(1);
    // The same dashboards rendered with the default schema find nothing there: what the toolkit did before.
    const stale = await runCheck(config, { dashboards: dashboardDefinitions(), datasources: datasourceDefinitions(config), panels: ["Trading signals: last 100"] });
    expect(panelOf(stale.panels, "Trading signals: last 100").error).toContain('relation "monitoring.trading_signals" does not exist');
  });
});

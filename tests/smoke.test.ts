// Smoke through Grafana's API: the toolkit's own datasources and dashboards pushed to the target, then
// Grafana's health, every datasource's health check and every panel through /api/ds/query. On the double
// (tests/support/), /api/ds/query is answered by the check engine and health checks really connect; the
// datasources point at the stack's loopback services, which only the double can reach, so these tests run
// on the double only. This is "verified on the double", not in Grafana.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Config } from "../scripts/lib/config.ts";
import { runPushStep } from "../scripts/lib/grafana/push.ts";
import { runSmokeStep } from "../scripts/lib/grafana/smoke.ts";
import { runRoleStep } from "../scripts/lib/role/role-step.ts";
import { checkEngineExecutor, closeCheckEngineExecutor } from "./support/check-executor.ts";
import { type GrafanaTarget, grafanaTarget, onRealGrafana } from "./support/grafana-target.ts";
import { runCli, settings, useLiveStack } from "./support/live.ts";
import { type HistoryDatabase, historyDatabase } from "./support/demo-history.ts";

useLiveStack();

let target: GrafanaTarget;
let config: Config;
/** The data the panels answer with: the demo's backfilled history in a database of this file's own. */
let history: HistoryDatabase;

beforeAll(async () => {
  if (onRealGrafana) return;
  target = await grafanaTarget({ executor: checkEngineExecutor });
  history = await historyDatabase("smoke_history", settings());
  const base = history.config;
  config = { ...base, grafana: { ...base.grafana, url: target.url, adminUser: target.auth.user!, adminPassword: target.auth.password!, token: undefined } };
  await runRoleStep(config, { rabbitmq: true });
  const pushed = await runPushStep(config, {});
  if (!pushed.ok) throw new Error(`push to the double failed: ${JSON.stringify(pushed.items.filter((i) => i.action === "refused"))}`);
}, 120_000);

afterAll(async () => {
  await target?.close();
  await closeCheckEngineExecutor();
  await history?.drop();
  await runCli(["scripts/demo.ts", "clear"]);
});

describe.skipIf(onRealGrafana)("smoke on the Grafana API double", () => {
  test("Grafana's health, all seven datasources' health checks and every panel pass", async () => {
    const result = await runSmokeStep(config);
    expect(result.grafana.version).toBeTruthy();
    expect(result.datasources.map((d) => [d.uid, d.ok])).toEqual([
      ["ytrader-postgres", true],
      ["ytrader-rabbitmq", true],
      ["ytrader-ws-gateway", true],
      ["ytrader-model-service", true],
      ["ytrader-order-manager", true],
      ["ytrader-position-manager", true],
      ["ytrader-prometheus", true],
    ]);
    expect(result.datasources.find((d) => d.uid === "ytrader-prometheus")?.message).toBe("Successfully queried the Prometheus API.");
    expect(result.panels.filter((p) => !p.ok).map((p) => `${p.panel}: ${p.error}`)).toEqual([]);
    expect(result.panels.find((p) => p.panel === "Overall health")?.value).toBe("healthy");
    expect(result.panels.find((p) => p.panel === "Trading signals: last 100")?.rows).toBe(100);
    expect(result.ok).toBe(true);
  });

  test("the double received /api/ds/query bodies as Grafana's facts say a browser sends them (§5.1, §6.3)", async () => {
    const before = target.double!.queryBodies.length;
    await runSmokeStep(config);
    const bodies = target.double!.queryBodies.slice(before) as { from: unknown; to: unknown; queries: Record<string, unknown>[] }[];
    expect(bodies.length).toBeGreaterThan(20);
    // Written from grafana-facts and the dashboards' own definitions by hand: the datasources by uid, the
    // dashboards' variables, their default range (now-24h to now).
    const types: Record<string, string> = {
      "ytrader-postgres": "grafana-postgresql-datasource",
      "ytrader-rabbitmq": "yesoreyeram-infinity-datasource",
      "ytrader-ws-gateway": "yesoreyeram-infinity-datasource",
      "ytrader-model-service": "yesoreyeram-infinity-datasource",
      "ytrader-order-manager": "yesoreyeram-infinity-datasource",
      "ytrader-position-manager": "yesoreyeram-infinity-datasource",
      "ytrader-prometheus": "prometheus",
    };
    const exprs: string[] = [];
    const variable = /\$(strategy|asset|event_type|service|signal_id)\b|\$\{(strategy|asset|event_type|service|signal_id)[}:.]|\[\[(strategy|asset|event_type|service|signal_id)/;
    const sqlTexts: string[] = [];
    for (const body of bodies) {
      // from and to are strings of epoch milliseconds (§5.1), the dashboards' 24 hours.
      expect(Object.keys(body).sort()).toEqual(["from", "queries", "to"]);
      expect([typeof body.from, typeof body.to]).toEqual(["string", "string"]);
      expect(String(body.from)).toMatch(/^\d+$/);
      expect(Number(body.to) - Number(body.from)).toBe(24 * 3_600_000);
      expect(Math.abs(Number(body.to) - Date.now())).toBeLessThan(120_000);
      const refIds = body.queries.map((q) => q.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const query of body.queries) {
        const { uid, type } = query.datasource as { uid: string; type: string };
        expect({ uid, type }).toEqual({ uid, type: types[uid]! });
        expect([typeof query.refId, typeof query.intervalMs, typeof query.maxDataPoints]).toEqual(["string", "number", "number"]);
        // The browser puts the variables in; the backend never does (§5.1). (A variable's own query may name
        // itself in a comment, which no value replaces: comments are left out.)
        const sql = String(query.rawSql ?? "").replace(/--[^\n]*/g, "");
        const texts =
          type === types["ytrader-postgres"] ? [sql] : type === "prometheus" ? [query.expr, query.legendFormat] : [query.url, query.root_selector, JSON.stringify(query.url_options)];
        for (const text of texts) expect({ uid, leftover: String(text).match(variable)?.[0] ?? null }).toEqual({ uid, leftover: null });
        if (type === types["ytrader-postgres"]) {
          expect(["table", "time_series"]).toContain(query.format as string);
          sqlTexts.push(String(query.rawSql));
        } else if (type === "prometheus") {
          expect([query.range, query.editorMode]).toEqual([true, "code"]);
          exprs.push(String(query.expr));
        } else {
          expect([query.type, query.source, query.parser]).toEqual(["json", "url", "backend"]);
        }
      }
    }
    // SQL macros are the server's: sent as written (§6.2). A variable set to All with the custom all value
    // '__all__' arrives as that value, inserted raw (§6.3).
    expect(sqlTexts.some((sql) => sql.includes("$__timeFilter("))).toBe(true);
    expect(sqlTexts.some((sql) => sql.includes("'__all__' IN ('__all__')"))).toBe(true);
    // The history panels' PromQL: the service variable's All arrives as the same raw value, which the
    // expression compares with itself (grafana/queries/prometheus.ts narrowed); $__rate_interval is the server's.
    expect(exprs.length).toBeGreaterThanOrEqual(8);
    expect(exprs.some((expr) => expr.includes(`label_replace(vector(1), "sel", "'__all__'", "", "")`))).toBe(true);
    expect(exprs.some((expr) => expr.includes("[$__rate_interval]"))).toBe(true);
  });

  test("a datasource whose target is down: smoke exits 1 naming it and its target; the other panels pass", async () => {
    await runCli(["scripts/demo.ts", "fault", "down", "--service", "order-manager"]);
    try {
      const env = { ...process.env, POSTGRES_DB: history.name, GRAFANA_URL: target.url, GRAFANA_ADMIN_USER: target.auth.user!, GRAFANA_ADMIN_PASSWORD: target.auth.password!, GRAFANA_TOKEN: "" };
      const run = await runCli(["scripts/smoke.ts", "--env-file", "/dev/null", "--json"], env);
      expect(run.code).toBe(1);
      const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as {
        ok: boolean;
        datasources: { uid: string; ok: boolean; url: string; message: string }[];
        panels: { panel: string; ok: boolean; error: string | null }[];
      };
      expect(result.ok).toBe(false);
      const down = result.datasources.filter((d) => !d.ok);
      expect(down.map((d) => d.uid)).toEqual(["ytrader-order-manager"]);
      expect(down[0]!.url).toBe(config.services["order-manager"].url);
      const failed = result.panels.filter((p) => !p.ok);
      expect(failed.map((p) => p.panel).sort()).toEqual(["Overall health", "Service components and errors", "order-manager"]);
      expect(failed[0]!.error).toContain("ytrader order-manager");
      expect(result.panels.filter((p) => p.ok).length).toBeGreaterThan(20);
    } finally {
      await runCli(["scripts/demo.ts", "fault", "down", "--service", "order-manager", "--off"]);
    }
  });
});

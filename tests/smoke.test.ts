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

useLiveStack();

let target: GrafanaTarget;
let config: Config;

beforeAll(async () => {
  if (onRealGrafana) return;
  target = await grafanaTarget({ executor: checkEngineExecutor });
  const base = settings();
  config = { ...base, grafana: { ...base.grafana, url: target.url, adminUser: target.auth.user!, adminPassword: target.auth.password!, token: undefined } };
  await runRoleStep(config, { rabbitmq: true });
  const pushed = await runPushStep(config, {});
  if (!pushed.ok) throw new Error(`push to the double failed: ${JSON.stringify(pushed.items.filter((i) => i.action === "refused"))}`);
});

afterAll(async () => {
  await target?.close();
  await closeCheckEngineExecutor();
  await runCli(["scripts/demo.ts", "clear"]);
});

describe.skipIf(onRealGrafana)("smoke on the Grafana API double", () => {
  test("Grafana's health, all six datasources' health checks and every panel pass", async () => {
    const result = await runSmokeStep(config);
    expect(result.grafana.version).toBeTruthy();
    expect(result.datasources.map((d) => [d.uid, d.ok])).toEqual([
      ["ytrader-postgres", true],
      ["ytrader-rabbitmq", true],
      ["ytrader-ws-gateway", true],
      ["ytrader-model-service", true],
      ["ytrader-order-manager", true],
      ["ytrader-position-manager", true],
    ]);
    expect(result.panels.filter((p) => !p.ok).map((p) => `${p.panel}: ${p.error}`)).toEqual([]);
    expect(result.panels.find((p) => p.panel === "Overall health")?.value).toBe("healthy");
    expect(result.panels.find((p) => p.panel === "Trading signals: last 100")?.rows).toBe(100);
    expect(result.ok).toBe(true);
  });

  test("a datasource whose target is down: smoke exits 1 naming it and its target; the other panels pass", async () => {
    await runCli(["scripts/demo.ts", "fault", "down", "--service", "order-manager"]);
    try {
      const env = { ...process.env, GRAFANA_URL: target.url, GRAFANA_ADMIN_USER: target.auth.user!, GRAFANA_ADMIN_PASSWORD: target.auth.password!, GRAFANA_TOKEN: "" };
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

// The generated dashboards and provisioning files, read as Grafana will read them: committed copies equal
// to what the definitions render, every reference resolvable, the grid sound, every query inside what the
// check engine evaluates exactly, and no secret anywhere.
import { describe, expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { dashboardDefinitions, datasourceDefinitions, provisionedDatasources } from "../grafana/index.ts";
import { provisioningVariables } from "../grafana/datasources.ts";
import { SETTINGS, type SettingName } from "../scripts/lib/settings.ts";
import { dashboardPanels, dashboardVariables, targetDatasource } from "../scripts/lib/check/dashboard-model.ts";
import { lintInfinityTarget } from "../scripts/lib/check/infinity/query.ts";
import type { InfinityTarget } from "../scripts/lib/check/infinity/types.ts";
import { loadGrafanaData } from "../scripts/lib/display/grafana-data.ts";
import { GRAFANA_DIR, provisionFiles } from "../scripts/lib/grafana/provision.ts";
import { MIXED_DATASOURCE } from "../grafana/look.ts";
import { settings, useLiveStack } from "./support/live.ts";

const dashboards = dashboardDefinitions();
const datasourceUids = new Set(provisionedDatasources().map((ds) => ds.uid));

describe("generated files", () => {
  test("the committed files are exactly what `bun run provision` renders (run it after changing grafana/*.ts)", () => {
    for (const file of provisionFiles()) {
      expect(readFileSync(join(GRAFANA_DIR, file.path), "utf8")).toBe(file.content);
    }
  });

  test("provisioned datasources hold every host, user and secret as a ${NAME} reference Grafana expands", () => {
    const yaml = parse(readFileSync(join(GRAFANA_DIR, "provisioning/datasources/ytrader.yml"), "utf8")) as {
      datasources: { url: string; secureJsonData: Record<string, string>; editable: boolean }[];
    };
    expect(yaml.datasources.length).toBe(7);
    for (const ds of yaml.datasources) {
      expect(ds.url).toMatch(/\$\{[A-Z_]+\}/);
      for (const value of Object.values(ds.secureJsonData)) expect(value).toMatch(/^\$\{[A-Z_]+\}$/);
      expect(ds.editable).toBe(false);
    }
    for (const name of provisioningVariables()) expect(SETTINGS[name]).toBeDefined();
  });

});

describe("the live settings' secrets", () => {
  // The stack's generated secrets: real values to look for.
  useLiveStack();

  test("no secret value of the live settings appears in any generated or committed file", () => {
    const config = settings();
    const secrets = (Object.keys(SETTINGS) as SettingName[])
      .filter((name) => SETTINGS[name].kind === "secret")
      .map((name) => config.values[name])
      .filter((value): value is string => Boolean(value && value.length >= 6));
    expect(secrets.length).toBeGreaterThan(3);
    const files = [
      ...readdirSync(join(GRAFANA_DIR, "dashboards")).filter((f) => f.endsWith(".json")).map((f) => join("dashboards", f)),
      ...["datasources", "dashboards"].flatMap((dir) => readdirSync(join(GRAFANA_DIR, "provisioning", dir)).map((f) => join("provisioning", dir, f))),
    ];
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      const text = readFileSync(join(GRAFANA_DIR, file), "utf8");
      for (const secret of secrets) expect(text.includes(secret)).toBe(false);
    }
    // Nor in any committed file of the repository.
    const tracked = Bun.spawnSync(["git", "ls-files", "-z"], { cwd: join(GRAFANA_DIR, "..") });
    expect(tracked.exitCode).toBe(0);
    const committed = tracked.stdout.toString().split("\0").filter(Boolean);
    expect(committed.length).toBeGreaterThan(50);
    for (const file of committed) {
      const text = readFileSync(join(GRAFANA_DIR, "..", file), "utf8");
      for (const secret of secrets) expect(text.includes(secret) ? `${file} holds a secret` : "clean").toBe("clean");
    }
    // The resolved definitions (push, check) name secrets too, never hold them.
    expect(JSON.stringify(datasourceDefinitions(config)).includes(secrets[0]!)).toBe(false);
  });
});

describe.each(dashboards.map((d) => [d.title, d] as const))("dashboard %s", (_title, dashboard) => {
  const panels = dashboardPanels(dashboard);
  const variables = new Set(dashboardVariables(dashboard).map((v) => v.name));

  test("has panels, each with a unique id and a description", () => {
    expect(panels.length).toBeGreaterThan(2);
    const ids = [...panels.map((p) => p.id), ...((dashboard.json.panels as { type: string; id: number }[]).filter((p) => p.type === "row").map((p) => p.id))];
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) expect((panel.description ?? "").length).toBeGreaterThan(30);
  });

  test("grid positions stay inside 24 columns and never overlap", () => {
    const all = (dashboard.json.panels as { gridPos: { x: number; y: number; w: number; h: number }; title: string }[]).map((p) => ({ ...p.gridPos, title: p.title }));
    for (const a of all) {
      expect(a.x).toBeGreaterThanOrEqual(0);
      expect(a.x + a.w).toBeLessThanOrEqual(24);
    }
    for (const [i, a] of all.entries()) {
      for (const b of all.slice(i + 1)) {
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        if (overlap) throw new Error(`"${a.title}" overlaps "${b.title}"`);
      }
    }
  });

  test("every query names a defined datasource, and Mixed panels name one per query", () => {
    for (const panel of panels) {
      for (const target of panel.targets) {
        const uid = targetDatasource(panel, target)?.uid;
        expect(uid && datasourceUids.has(uid) ? uid : `${panel.title}/${target.refId}: ${uid}`).toBe(uid!);
      }
      // Queries of several datasources need Mixed; several of one datasource may name it on the panel.
      const used = new Set(panel.targets.map((t) => targetDatasource(panel, t)?.uid));
      if (used.size > 1) expect(panel.datasource).toEqual(MIXED_DATASOURCE);
      else if (panel.targets.length > 1) expect([MIXED_DATASOURCE.uid, [...used][0]]).toContain(panel.datasource?.uid);
      expect(new Set(panel.targets.map((t) => t.refId)).size).toBe(panel.targets.length);
    }
  });

  test("every $variable a query uses is defined, and no JSONata variable shadows a dashboard variable", () => {
    for (const panel of panels) {
      for (const target of panel.targets) {
        const sql = typeof target.rawSql === "string" ? target.rawSql : "";
        for (const [, name] of sql.matchAll(/\$\{?(\w+)/g)) {
          if (name!.startsWith("__")) continue;
          expect(variables.has(name!) ? name : `${panel.title}: $${name} is not a variable`).toBe(name!);
        }
        const selector = typeof target.root_selector === "string" ? target.root_selector : "";
        for (const [, name] of selector.matchAll(/\$(\w+)/g)) {
          // Grafana's browser would replace a JSONata $name that is also a dashboard variable.
          expect(variables.has(name!) ? `${panel.title}: JSONata $${name} is a dashboard variable` : "ok").toBe("ok");
        }
      }
    }
  });

  test("every Infinity query stays inside the subset the check engine evaluates exactly as Infinity does", () => {
    let infinityTargets = 0;
    for (const panel of panels) {
      for (const target of panel.targets) {
        if (target.datasource?.type !== "yesoreyeram-infinity-datasource") continue;
        infinityTargets++;
        expect({ panel: panel.title, problems: lintInfinityTarget(target as unknown as InfinityTarget) }).toEqual({ panel: panel.title, problems: [] });
      }
    }
    if (dashboard.uid === "trading-system-monitoring") expect(infinityTargets).toBeGreaterThan(8);
  });

  test("transformations and stat calculations are ones @grafana/data has (check runs them with Grafana's own code)", async () => {
    const data = await loadGrafanaData();
    for (const panel of panels) {
      for (const t of panel.transformations) expect(data.standardTransformersRegistry.getIfExists(t.id) ? t.id : `${panel.title}: ${t.id}`).toBe(t.id);
      for (const calc of panel.reduce?.calcs ?? []) expect(data.fieldReducers.getIfExists(calc) ? calc : `${panel.title}: ${calc}`).toBe(calc);
    }
    // The first load of @grafana/data in a test process takes seconds on a busy 2-core machine.
  }, 30_000);
});

test("the main dashboard: the real uid, refresh 1m, UTC, 1h/24h/7d presets, the four filters multi-select with All, rejected signals hidden", () => {
  const main = dashboards.find((d) => d.uid === "trading-system-monitoring")!;
  expect(main).toBeDefined();
  expect(main.json.refresh).toBe("1m");
  expect(main.json.timezone).toBe("utc");
  const quick = (main.json.timepicker as { quick_ranges: { from: string }[] }).quick_ranges.map((r) => r.from);
  expect(quick).toEqual(["now-1h", "now-24h", "now-7d"]);
  const vars = dashboardVariables(main);
  expect(vars.map((v) => v.name)).toEqual(["strategy", "asset", "rejected", "event_type", "service"]);
  for (const v of vars.filter((v) => v.name !== "rejected")) expect([v.multi, v.includeAll, v.current?.value]).toEqual([true, true, "$__all"]);
  const rejected = vars.find((v) => v.name === "rejected")!;
  expect([rejected.multi, rejected.includeAll, rejected.current?.value, rejected.query]).toEqual([false, false, "hidden", "hidden,shown"]);
});

// `push --dry-run --preview` against the Grafana API double (never verified in a real Grafana): a dashboard
// changed in Grafana is drawn as Grafana has it and as the code would push it, side by side, in the real
// headless Chromium, with the same live data from the demo on both sides.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dashboardDefinitions, datasourceDefinitions } from "../grafana/index.ts";
import type { DashboardDefinition } from "../grafana/types.ts";
import type { Config } from "../scripts/lib/config.ts";
import type { GrafanaClient } from "../scripts/lib/grafana/client.ts";
import { pushToGrafana } from "../scripts/lib/grafana/push.ts";
import { type Browser, launchBrowser } from "../scripts/lib/preview/browser.ts";
import { previewDrift } from "../scripts/lib/preview/drift.ts";
import { openDrawn } from "../scripts/lib/preview/render.ts";
import { previewTools } from "../scripts/lib/preview/run.ts";
import { runRoleStep } from "../scripts/lib/role/role-step.ts";
import { type GrafanaTarget, grafanaTarget, uniqueUid } from "./support/grafana-target.ts";
import { runCli, settings, useLiveStack } from "./support/live.ts";

useLiveStack();
import { readHeaders, readPanels } from "./support/preview-dom.ts";

let config: Config;
let target: GrafanaTarget;
let client: GrafanaClient;
let chromium: string;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  config = settings();
  await runRoleStep(config, { rabbitmq: true });
  chromium = await previewTools((line) => console.error(`[preview test] ${line}`), false);
  browser = await launchBrowser(chromium);
  target = await grafanaTarget();
  client = target.client();
  dir = mkdtempSync(join(tmpdir(), "preview-push-"));
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await target?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The main dashboard under a uid of this test's own (a real Grafana's dashboards stay untouched). */
function mainCopy(): DashboardDefinition {
  const main = dashboardDefinitions().find((d) => d.uid === "trading-system-monitoring")!;
  const uid = uniqueUid("preview-drift");
  const json = JSON.parse(JSON.stringify(main.json)) as Record<string, unknown>;
  return { ...main, uid, title: `Drift ${uid}`, json: { ...json, uid, title: `Drift ${uid}` } };
}

describe("push --dry-run --preview", () => {
  test("a dashboard edited in Grafana: Grafana's version on the left, the code's on the right, the same data on both", async () => {
    const definition = mainCopy();
    // Someone edits it in Grafana: renames a panel and deletes the event history
    const edited = JSON.parse(JSON.stringify(definition.json)) as { panels: Array<Record<string, unknown>> };
    edited.panels = edited.panels
      .filter((p) => p.title !== "Event history: last 200")
      .map((p) => (p.title === "Rejected orders in the range" ? { ...p, title: "Rejected orders (edited in Grafana)" } : p));
    await client.saveDashboard({ dashboard: definition.json, overwrite: true });
    const saved = await client.saveDashboard({ dashboard: edited, message: "edited in the UI", overwrite: true });

    const plan = await pushToGrafana(client, { datasources: [], dashboards: [definition] }, { secrets: {}, dryRun: true });
    const item = plan.items.find((i) => i.uid === definition.uid)!;
    expect(item.action).toBe("refused");
    const pictures = await previewDrift(config, client, plan.items, {
      dashboards: [definition],
      datasources: datasourceDefinitions(config),
      outDir: dir,
      installPackages: false,
    });
    expect(pictures.map((p) => [p.uid, p.action, p.grafana])).toEqual([[definition.uid, "refused", "drawn"]]);
    expect(existsSync(pictures[0]!.png)).toBe(true);

    const page = await openDrawn(browser, pictures[0]!.html, { width: 2 * 1600 + 64, height: 3600 });
    try {
      expect(await readHeaders(page)).toEqual([
        { caption: `in Grafana now (version ${saved.version})`, title: definition.title },
        { caption: "as the code would push it", title: definition.title },
      ]);
      const [inGrafana, fromCode] = [await readPanels(page, 0), await readPanels(page, 1)];
      const titles = (panels: typeof inGrafana) => panels.map((p) => p.title);
      expect(titles(inGrafana)).toContain("Rejected orders (edited in Grafana)");
      expect(titles(inGrafana)).not.toContain("Event history: last 200");
      expect(titles(fromCode)).toContain("Rejected orders in the range");
      expect(titles(fromCode)).toContain("Event history: last 200");
      // A query both versions hold is answered once: the same rows on both sides
      const cells = (panels: typeof inGrafana) => panels.find((p) => p.title === "Trading signals: last 100")!.rows.map((r) => r.cells.map((c) => c.text));
      expect(cells(inGrafana).length).toBeGreaterThan(3);
      expect(cells(inGrafana)).toEqual(cells(fromCode));
    } finally {
      await page.close();
    }
  }, 120_000);

  test("the command draws every dashboard the push would change and says where; --preview without --dry-run is refused", async () => {
    const env = { ...process.env, ...target.env };
    const refused = await runCli(["scripts/push.ts", "--preview"], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--preview draws what a push would change: it goes with --dry-run");

    const out = join(dir, "cli");
    const run = await runCli(["scripts/push.ts", "--dry-run", "--preview", "--out", out, "--json"], env);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { dryRun: boolean; preview: Array<{ uid: string; png: string; html: string }> };
    expect(result.dryRun).toBe(true);
    expect(result.preview.map((p) => p.uid).sort()).toEqual(["trading-system-monitoring", "ytrader-signal-trace"]);
    for (const picture of result.preview) expect([existsSync(picture.png), existsSync(picture.html)]).toEqual([true, true]);
  }, 120_000);
});

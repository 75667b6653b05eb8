// The preview in the real headless Chromium, on the live demo: what the drawn page's DOM shows equals what
// the display module (`displayPanel`, Grafana's @grafana/data) computes for the same frames, cell by cell
// (text, and colour read from the computed style) and stat by stat; a source that is down puts Grafana's
// error state on its own panels only. The first run installs the preview's packages (it says so).
// Chromium and fonts-inter are never installed from here: without them the test fails naming the command.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dashboardDefinitions, datasourceDefinitions } from "../grafana/index.ts";
import type { Config } from "../scripts/lib/config.ts";
import { type PanelDisplay, displayPanel } from "../scripts/lib/display/panel.ts";
import { type Browser, type Page, launchBrowser } from "../scripts/lib/preview/browser.ts";
import { type Bundle, pageBundle } from "../scripts/lib/preview/bundle.ts";
import { ensureChromium } from "../scripts/lib/preview/chromium.ts";
import { thisHost } from "../scripts/lib/debian-packages.ts";
import type { PreviewDashboard, PreviewPanel } from "../scripts/lib/preview/payload.ts";
import { dashboardData } from "../scripts/lib/preview/queries.ts";
import { openDrawn, pageHeight, pageWidth, writePage } from "../scripts/lib/preview/render.ts";
import { GRID_WIDTH, previewTools } from "../scripts/lib/preview/run.ts";
import { exitCodeFor } from "../scripts/lib/errors.ts";
import { runRoleStep } from "../scripts/lib/role/role-step.ts";
import { type DomPanel, readPanels, toRgb } from "./support/preview-dom.ts";
import { runCli, settings, useLiveStack } from "./support/live.ts";

useLiveStack();

const MAIN = "trading-system-monitoring";
const TRACE = "ytrader-signal-trace";

let config: Config;
let browser: Browser;
let bundle: Bundle;
let dir: string;

beforeAll(async () => {
  config = settings();
  await runRoleStep(config, { rabbitmq: true });
  // Installs the preview workspace on first use (and says so); never apt-get from a test
  const chromium = await previewTools((line) => console.error(`[preview test] ${line}`), false);
  browser = await launchBrowser(chromium);
  bundle = await pageBundle();
  dir = mkdtempSync(join(tmpdir(), "preview-test-"));
}, 600_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await runCli(["scripts/demo.ts", "clear"]);
});

const definition = (uid: string) => dashboardDefinitions().find((d) => d.uid === uid)!;

async function draw(dashboard: PreviewDashboard, name: string): Promise<{ page: Page; panels: DomPanel[] }> {
  const payload = { width: GRID_WIDTH, dashboards: [dashboard] };
  const html = writePage(bundle, { name, payload }, dir);
  const page = await openDrawn(browser, html, { width: pageWidth(payload), height: pageHeight(payload) });
  return { page, panels: await readPanels(page) };
}

/** The page's panels beside their data, in the same (grid) order. */
function pairs(dashboard: PreviewDashboard, panels: DomPanel[]): Array<{ panel: PreviewPanel; dom: DomPanel }> {
  const drawn = dashboard.panels.filter((p) => p.kind === "panel");
  expect(panels.map((p) => p.title)).toEqual(drawn.map((p) => p.json.title ?? ""));
  return drawn.map((panel, index) => ({ panel, dom: panels[index]! }));
}

interface Compared {
  cells: number;
  coloured: number;
  stats: number;
}

/** Asserts that the DOM shows what displayPanel computes for the panel's frames; counts what it compared. */
async function expectSameAsDisplay(dashboard: PreviewDashboard, panel: PreviewPanel, dom: DomPanel, compared: Compared) {
  const rowsDrawn = Math.max(0, ...dom.rows.map((r) => r.index + 1));
  const shown: PanelDisplay = await displayPanel(panel.json, panel.frames, { rows: rowsDrawn, timeZone: dashboard.timeZone });
  const where = `${dashboard.title} / ${panel.json.title}`;
  if (panel.json.type === "alertlist") {
    // Grafana draws it from the alert rules, not from query frames: the preview says it does not draw it.
    expect({ where, message: dom.message }).toEqual({ where, message: 'The preview does not draw "alertlist" panels' });
    return;
  }
  if (shown.kind === "table") {
    if (!shown.columns.length) {
      expect({ where, message: dom.message }).toEqual({ where, message: shown.message ?? null });
      return;
    }
    expect({ where, headers: dom.headers.map((h) => h.text) }).toEqual({ where, headers: dom.headers.map((h) => shown.columns[h.col - 1]?.header ?? "(none)") });
    // The grid draws the columns that fit the panel (react-data-grid virtualises the rest): the first ones
    expect({ where, columns: dom.headers.map((h) => h.col) }).toEqual({ where, columns: dom.headers.map((_, i) => i + 1) });
    expect(dom.headers.length).toBeGreaterThan(0);
    if (shown.message) expect({ where, text: dom.text.includes(shown.message) }).toEqual({ where, text: true });
    expect({ where, rows: dom.rows.length }).toEqual({ where, rows: shown.rows.length });
    for (const row of dom.rows) {
      for (const cell of row.cells) {
        const column = shown.columns[cell.col - 1]!;
        const expected = shown.rows[row.index]![cell.col - 1]!;
        const at = `${where} row ${row.index} ${column.header}`;
        expect({ at, text: cell.text }).toEqual({ at, text: expected.text });
        compared.cells++;
        if (column.colorMode === "none" || !expected.color) {
          // Nothing colours it: the table's own background shows
          expect({ at, background: cell.background, image: cell.image }).toEqual({ at, background: dom.surface!, image: "none" });
          continue;
        }
        compared.coloured++;
        const colour = toRgb(expected.color);
        if (column.colorMode === "text") expect({ at, color: cell.color }).toEqual({ at, color: colour });
        else if (column.colorMode === "background") expect({ at, background: cell.background }).toEqual({ at, background: colour });
        // A gradient ends on the cell's colour (TableNG utils getCellColorInlineStylesFactory)
        else expect({ at, gradientEndsWith: cell.image.endsWith(`${colour})`) }).toEqual({ at, gradientEndsWith: true });
      }
    }
  } else if (shown.kind === "stat") {
    const values = shown.values.map((v) => v.shown).join("");
    expect({ where, stat: dom.text }).toEqual({ where, stat: values });
    compared.stats++;
  } else if (shown.kind === "states" && !shown.message) {
    // The stand-in's table of spans: each drawn row is the span check's display step has at that place
    // (series, then the state's text), by the same code (scripts/lib/display/state-spans.ts).
    expect({ where, rows: dom.rows.length > 0 }).toEqual({ where, rows: true });
    for (const row of dom.rows) {
      const span = shown.spans[row.index]!;
      const cells = Object.fromEntries(row.cells.map((cell) => [cell.col, cell.text]));
      expect({ where, row: row.index, series: cells[1], state: cells[2] }).toEqual({ where, row: row.index, series: span.series, state: span.text });
    }
  } else if (shown.message) {
    expect({ where, message: dom.message }).toEqual({ where, message: shown.message });
  } else {
    expect({ where, plotted: dom.plotted }).toEqual({ where, plotted: true });
  }
}

describe("the preview draws what check's display step computes", () => {
  test("both dashboards on the demo: every table cell's text and colour, every stat's text, no error state", async () => {
    const compared: Compared = { cells: 0, coloured: 0, stats: 0 };
    const datasources = datasourceDefinitions(config);
    for (const uid of [MAIN, TRACE]) {
      const dashboard = await dashboardData(config, definition(uid), { datasources });
      const { page, panels } = await draw(dashboard, uid);
      try {
        for (const { panel, dom } of pairs(dashboard, panels)) {
          expect({ panel: dom.title, errorState: dom.errorState }).toEqual({ panel: dom.title, errorState: false });
          await expectSameAsDisplay(dashboard, panel, dom, compared);
        }
      } finally {
        await page.close();
      }
    }
    console.error(`[preview test] compared ${JSON.stringify(compared)}`);
    // The demo fills every table of the main dashboard: hundreds of cells, many coloured, eight stats
    expect(compared.cells).toBeGreaterThan(300);
    expect(compared.coloured).toBeGreaterThan(50);
    expect(compared.stats).toBe(8);
  }, 120_000);

  test("a source down: Grafana's error state on the panels that read it, the others drawn as before", async () => {
    const down = await runCli(["scripts/demo.ts", "fault", "down", "--service", "order-manager"]);
    expect(down.code).toBe(0);
    try {
      const dashboard = await dashboardData(config, definition(MAIN), { datasources: datasourceDefinitions(config) });
      const { page, panels } = await draw(dashboard, "fault");
      try {
        expect(panels.filter((p) => p.errorState).map((p) => p.title).sort()).toEqual(["Overall health", "Service components and errors", "order-manager"]);
        const compared: Compared = { cells: 0, coloured: 0, stats: 0 };
        for (const { panel, dom } of pairs(dashboard, panels)) await expectSameAsDisplay(dashboard, panel, dom, compared);
        expect(panels.find((p) => p.title === "order-manager")!.text).toBe("unknown");
        expect(panels.find((p) => p.title === "Trading signals: last 100")!.rows.length).toBeGreaterThan(3);
      } finally {
        await page.close();
      }
    } finally {
      await runCli(["scripts/demo.ts", "fault", "down", "--service", "order-manager", "--off"]);
    }
  }, 120_000);
});

describe("a state timeline and a text panel", () => {
  const panel = (json: PreviewPanel["json"], frames: PreviewPanel["frames"] = []): PreviewPanel => ({ kind: "panel", json, frames });
  const base = { uid: "preview-kinds", title: "Panel kinds", timeZone: "utc", variables: [] };
  const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
  const min = 60_000;

  test("a state timeline is drawn as a table of state spans, labelled as a stand-in; a text panel renders its markdown", async () => {
    const dashboard: PreviewDashboard = {
      ...base,
      range: { from: t0, to: t0 + 10 * min, raw: { from: "now-10m", to: "now" } },
      panels: [
        panel(
          {
            type: "state-timeline",
            title: "Link state",
            gridPos: { x: 0, y: 0, w: 12, h: 8 },
            fieldConfig: { defaults: { mappings: [{ type: "value", options: { up: { color: "green", index: 0 }, down: { color: "red", index: 1 } } }] }, overrides: [] },
          },
          [{ name: "", refId: "A", fields: [{ name: "time", type: "time", values: [t0, t0 + min, t0 + 2 * min, t0 + 5 * min] }, { name: "link", type: "string", values: ["up", "up", "down", "up"] }] }],
        ),
        panel({ type: "text", title: "Notes", gridPos: { x: 12, y: 0, w: 12, h: 8 }, options: { mode: "markdown", content: "## Runbook\n\nRestart **ws-gateway** first." } }),
      ],
    };
    const { page, panels } = await draw(dashboard, "kinds");
    try {
      const [timeline, text] = panels;
      expect(timeline!.fullText).toContain("stand-in: state timeline drawn as a table of state spans");
      const cells = timeline!.rows.map((r) => r.cells.map((c) => c.text));
      expect(cells).toEqual([
        ["link", "up", "2026-01-01 12:00:00", "2026-01-01 12:02:00", "2 minutes"],
        ["link", "down", "2026-01-01 12:02:00", "2026-01-01 12:05:00", "3 minutes"],
        ["link", "up", "2026-01-01 12:05:00", "2026-01-01 12:10:00", "5 minutes"],
      ]);
      expect(timeline!.rows.map((r) => r.cells[1]!.background)).toEqual([toRgb("#73BF69"), toRgb("#F2495C"), toRgb("#73BF69")]);
      const html = await page.evaluate(() => (globalThis as unknown as { document: { querySelector(s: string): { innerHTML: string } } }).document.querySelector('[data-preview-title="Notes"] .markdown-html').innerHTML, null);
      expect(html).toContain("<h2");
      expect(html).toContain("<strong>ws-gateway</strong>");
    } finally {
      await page.close();
    }
  }, 60_000);
});

describe("what the preview draws with", () => {
  test("without Chromium it stops with the command that installs it, and installs nothing when told not to", async () => {
    const lines: string[] = [];
    const host = { ...thisHost(), present: () => false };
    const error = await ensureChromium((line) => lines.push(line), { install: false, host }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("Debian packages missing: chromium (the preview draws dashboards with it), fonts-inter");
    expect((error as Error).message).toContain("apt-get install -y --no-install-recommends chromium fonts-inter");
    expect(exitCodeFor(error)).toBe(2);
    expect(lines).toEqual([]);
  });
});

describe("bun run preview", () => {
  test("writes one PNG and its page per dashboard, says where; the second run reuses the built bundle", async () => {
    const out = join(dir, "cli");
    const run = await runCli(["scripts/preview.ts", "--dashboard", MAIN, "--out", out, "--json"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { ok: boolean; dashboards: Array<{ uid: string; png: string; html: string }>; bundle: { built: boolean } };
    expect(result.dashboards.map((d) => d.uid)).toEqual([MAIN]);
    expect(result.bundle.built).toBe(false);
    const png = readFileSync(result.dashboards[0]!.png);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBe(GRID_WIDTH + 32);
    expect(readFileSync(result.dashboards[0]!.html, "utf8")).toContain('<script src="preview.js">');
  }, 120_000);

  test("an unknown dashboard is refused before anything runs", async () => {
    const out = join(dir, "refused");
    const run = await runCli(["scripts/preview.ts", "--dashboard", "no-such-dashboard", "--out", out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('No dashboard "no-such-dashboard"');
    expect(() => readFileSync(join(out, "no-such-dashboard.png"))).toThrow();
  });
});

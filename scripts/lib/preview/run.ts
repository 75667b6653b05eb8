// `preview`: every dashboard (or one) drawn from its live data with Grafana's own components, one PNG and
// its HTML page per dashboard. The steps: Debian's Chromium and Inter (installed when missing and
// allowed), the preview workspace (installed on first use), each dashboard's queries (check's engine),
// the page bundle (cached), then the pages drawn in one headless Chromium.
import type { Config } from "../config.ts";
import type { DashboardDefinition, DatasourceDefinition } from "../../../grafana/types.ts";
import { badInput } from "../errors.ts";
import { GRID_WIDTH_PX } from "../display/time.ts";
import { ensureChromium } from "./chromium.ts";
import { type DashboardDataOptions, dashboardData } from "./queries.ts";
import type { PreviewDashboard } from "./payload.ts";
import { type Browser, launchBrowser } from "./browser.ts";
import { type Bundle, pageBundle } from "./bundle.ts";
import { type PageJob, renderPages } from "./render.ts";
import { ensureWorkspace } from "./workspace.ts";

/** Where the pictures go unless --out says otherwise (relative to the working directory). */
export const DEFAULT_OUT = "previews";

/** The width of a dashboard's grid in the picture: the width check computes each panel's interval for. */
export const GRID_WIDTH = GRID_WIDTH_PX;

export interface PreviewOptions extends Omit<DashboardDataOptions, "caption"> {
  dashboards: DashboardDefinition[];
  datasources: DatasourceDefinition[];
  /** Only this dashboard (uid or title). */
  dashboard?: string;
  outDir: string;
  /** Progress lines (installs, what was written). */
  log?: (line: string) => void;
  /** Install missing Debian packages when allowed (root on Debian); default true. */
  installPackages?: boolean;
}

export interface PreviewedPanel {
  panel: string;
  type: string;
  error: string | null;
}

export interface PreviewedDashboard {
  uid: string;
  title: string;
  html: string;
  png: string;
  panels: PreviewedPanel[];
  ms: number;
}

export interface PreviewResult {
  ok: boolean;
  outDir: string;
  dashboards: PreviewedDashboard[];
  bundle: { built: boolean; ms: number; bytes: number };
  ms: number;
}

export function selectDashboards(dashboards: DashboardDefinition[], wanted?: string): DashboardDefinition[] {
  if (!wanted) return dashboards;
  const found = dashboards.filter((d) => d.uid === wanted || d.title === wanted);
  if (!found.length) throw badInput(`No dashboard "${wanted}"; there are: ${dashboards.map((d) => `${d.uid} (${d.title})`).join(", ")}.`);
  return found;
}

/** What the tools the preview draws with need: Chromium's path, after the installs. */
export async function previewTools(log: (line: string) => void, installPackages = true): Promise<string> {
  const chromium = await ensureChromium(log, { install: installPackages });
  await ensureWorkspace(log);
  return chromium;
}

export async function runPreview(config: Config, options: PreviewOptions): Promise<PreviewResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const chosen = selectDashboards(options.dashboards, options.dashboard);
  const chromium = await previewTools(log, options.installPackages);
  // The browser starts and the bundle is checked (or built) while the queries run
  const { data, pages, bundle } = await withTools(chromium, async (browser, bundle) => {
    const data: PreviewDashboard[] = [];
    for (const definition of chosen) data.push(await dashboardData(config, definition, options));
    const jobs: PageJob[] = data.map((dashboard) => ({ name: dashboard.uid, payload: { width: GRID_WIDTH, dashboards: [dashboard] } }));
    return { data, pages: await renderPages(await browser, await bundle, jobs, options.outDir), bundle: await bundle };
  });
  const dashboards = data.map((dashboard, index): PreviewedDashboard => {
    const page = pages[index]!;
    return { uid: dashboard.uid, title: dashboard.title, html: page.html, png: page.png, panels: panelSummary(dashboard), ms: page.ms };
  });
  return {
    ok: dashboards.every((d) => d.panels.every((p) => !p.error)),
    outDir: options.outDir,
    dashboards,
    bundle: { built: bundle.built, ms: bundle.ms, bytes: bundle.bytes },
    ms: Math.round(performance.now() - started),
  };
}

/** Starts Chromium and the bundle at once and hands both (as promises) to `work`; closes the browser after. */
export async function withTools<T>(chromium: string, work: (browser: Promise<Browser>, bundle: Promise<Bundle>) => Promise<T>): Promise<T> {
  const browser = launchBrowser(chromium);
  const bundle = pageBundle();
  // Neither may reject unobserved while `work` waits for something else
  browser.catch(() => {});
  bundle.catch(() => {});
  try {
    return await work(browser, bundle);
  } finally {
    await (await browser.catch(() => undefined))?.close();
  }
}

export function panelSummary(dashboard: PreviewDashboard): PreviewedPanel[] {
  return dashboard.panels.filter((p) => p.kind === "panel").map((p) => ({ panel: p.json.title ?? "", type: p.json.type, error: p.error ?? null }));
}

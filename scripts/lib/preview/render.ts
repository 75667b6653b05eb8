// Pages and pictures: each payload becomes an HTML page (the payload as JSON in a plain script, then the
// bundle's script and stylesheet, copied beside the pages) and a PNG of the whole page, drawn by Chromium.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "./browser.ts";
import type { Bundle } from "./bundle.ts";
import { DRAW_GLOBAL, PAYLOAD_GLOBAL, type PreviewPayload, READY_ATTRIBUTE } from "./payload.ts";

export interface PageJob {
  /** The file name's stem: <name>.html and <name>.png. */
  name: string;
  payload: PreviewPayload;
}

export interface RenderedPage {
  name: string;
  html: string;
  png: string;
  /** Milliseconds from opening the page to its picture. */
  ms: number;
}

const SCRIPT = "preview.js";
const STYLESHEET = "preview.css";
/** How long a page may take to draw before the preview gives up on it. */
const DRAW_DEADLINE_MS = 60_000;
/** Room around the dashboards (the page's padding and the gap between side-by-side dashboards). */
const PAGE_PADDING = 16;
const DASHBOARD_GAP = 32;
/** The caption above a dashboard's grid (title, range, variables), with room to spare. */
const HEADER_HEIGHT = 120;

/** The HTML page of a payload; it loads the bundle from the same directory. */
export function pageHtml(payload: PreviewPayload): string {
  const titles = payload.dashboards.map((d) => d.title).join(" | ");
  // "<" escaped: a value holding "</script>" cannot end the script early
  const json = JSON.stringify(payload).replaceAll("<", "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(titles)}: preview</title>
<link rel="stylesheet" href="${STYLESHEET}">
<style>body { margin: 0; }</style>
</head>
<body>
<div id="root"></div>
<script>window.${PAYLOAD_GLOBAL} = ${json};</script>
<script src="${SCRIPT}"></script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Height of the tallest dashboard: its caption and its grid (rows of 30 px, 8 px apart). The page is
 *  opened that tall, since TableNG paints nothing it thinks is scrolled out of sight. */
export function pageHeight(payload: PreviewPayload): number {
  const gridRows = Math.max(0, ...payload.dashboards.flatMap((d) => d.panels.map((p) => (p.json.gridPos ? p.json.gridPos.y + p.json.gridPos.h : 8))));
  return HEADER_HEIGHT + gridRows * (30 + 8) + PAGE_PADDING * 2;
}

export function pageWidth(payload: PreviewPayload): number {
  const count = payload.dashboards.length;
  return payload.width * count + DASHBOARD_GAP * (count - 1) + PAGE_PADDING * 2;
}

/** Writes every page (HTML, PNG) and the bundle into `outDir`. One page of the browser draws them all
 *  in turn: the first from its HTML file, the next ones in place (the bundle loads once). */
export async function renderPages(browser: Browser, bundle: Bundle, jobs: PageJob[], outDir: string): Promise<RenderedPage[]> {
  const rendered: RenderedPage[] = [];
  let page: Page | undefined;
  try {
    for (const job of jobs) {
      const html = writePage(bundle, job, outDir);
      const png = join(resolve(outDir), `${job.name}.png`);
      const started = performance.now();
      const viewport = { width: pageWidth(job.payload), height: pageHeight(job.payload) };
      if (!page) page = await openDrawn(browser, html, viewport);
      else await drawInPlace(page, job.payload, viewport);
      await page.screenshot({ path: png, fullPage: true });
      rendered.push({ name: job.name, html, png, ms: Math.round(performance.now() - started) });
    }
  } finally {
    await page?.close();
  }
  return rendered;
}

/** Writes <name>.html and, beside it, the bundle's script and stylesheet; answers the page's path. */
export function writePage(bundle: Bundle, job: PageJob, outDir: string): string {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  copyFileSync(bundle.script, join(dir, SCRIPT));
  copyFileSync(bundle.stylesheet, join(dir, STYLESHEET));
  const html = join(dir, `${job.name}.html`);
  writeFileSync(html, pageHtml(job.payload));
  return html;
}

async function drawInPlace(page: Page, payload: PreviewPayload, viewport: { width: number; height: number }): Promise<void> {
  await page.setViewportSize(viewport);
  const outcome = await page.evaluate(
    async ([name, next]) => {
      try {
        await (globalThis as unknown as Record<string, (p: unknown) => Promise<void>>)[name]!(JSON.parse(next));
        return "";
      } catch (error) {
        return String((error as Error).stack ?? error);
      }
    },
    // As JSON text: the dashboards' JSON may hold objects with methods (the foundation SDK's), which only JSON drops
    [DRAW_GLOBAL, JSON.stringify(payload)] as const,
  );
  if (outcome) throw new Error(`the preview page failed to draw: ${outcome}`);
}

/** The page's <body>, typed for code that runs in the page (this module is compiled without the DOM's
 *  types; the functions given to the page are sent as source, so each names it in full). */
interface InPage {
  document: { body: { hasAttribute(name: string): boolean; getAttribute(name: string): string | null } };
}

/** Opens a page the preview wrote and waits until every panel has drawn; the caller closes it. */
export async function openDrawn(browser: Browser, htmlPath: string, viewport: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  try {
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: "load", timeout: DRAW_DEADLINE_MS });
    await page.waitForFunction((name) => (globalThis as unknown as InPage).document.body.hasAttribute(name), READY_ATTRIBUTE, { timeout: DRAW_DEADLINE_MS, polling: 50 });
    const state = await page.evaluate((name) => {
      const body = (globalThis as unknown as InPage).document.body;
      return [body.getAttribute(name), body.getAttribute("data-preview-failure")];
    }, READY_ATTRIBUTE);
    if (state[0] === "failed") throw new Error(`the preview page failed to draw: ${state[1] ?? errors.join("; ")}`);
    return page;
  } catch (error) {
    await page.close();
    const detail = errors.length ? ` (page errors: ${errors.join("; ")})` : "";
    throw new Error(`${(error as Error).message}${detail}`);
  }
}

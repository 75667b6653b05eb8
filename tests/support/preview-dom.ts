// What a drawn preview page shows, read from its DOM in Chromium: per panel, its error state, its message,
// the table's headers and cells (text, and the colours from the computed style) and the stat's text.
// Test-only. Colours come back as the browser computes them ("rgb(r, g, b)"); toRgb turns Grafana's hex
// colours into the same form.
import type { Page } from "../../scripts/lib/preview/browser.ts";

export interface DomCell {
  col: number;
  text: string;
  color: string;
  background: string;
  image: string;
}

export interface DomPanel {
  id: string;
  title: string;
  type: string;
  /** PanelChrome's error status is shown. */
  errorState: boolean;
  /** The panel's message in place of a visualisation ("No data", its noValue). */
  message: string | null;
  /** The panel content's whole text. */
  text: string;
  /** The whole panel's text, its header included. */
  fullText: string;
  headers: Array<{ col: number; text: string }>;
  rows: Array<{ index: number; cells: DomCell[] }>;
  /** The background a cell shows when nothing colours it (the table's own). */
  surface: string | null;
  /** A uPlot canvas is drawn. */
  plotted: boolean;
}

/** Every panel of one dashboard of the page (the first unless `dashboard` says which), in grid order. */
export function readPanels(page: Page, dashboard = 0): Promise<DomPanel[]> {
  return page.evaluate((index) => {
    // Runs in the page: globals typed loosely, since this file is compiled without the DOM's types
    const g = globalThis as unknown as { document: any; getComputedStyle(e: unknown): any };
    const scope = g.document.querySelectorAll("[data-preview-dashboard]")[index];
    const panels = [...scope.querySelectorAll("[data-preview-panel]")] as any[];
    return panels.map((panel) => {
      const grid = panel.querySelector('[role="grid"]');
      const headers = grid
        ? ([...grid.querySelectorAll('[role="columnheader"]')] as any[]).map((h) => ({ col: Number(h.getAttribute("aria-colindex")), text: String(h.textContent).trim() }))
        : [];
      const firstDataRow = headers.length ? 2 : 1;
      const rows = grid
        ? ([...grid.querySelectorAll('[role="row"]')] as any[])
            .filter((row) => row.querySelector('[role="gridcell"]'))
            .map((row) => ({
              index: Number(row.getAttribute("aria-rowindex")) - firstDataRow,
              cells: ([...row.querySelectorAll('[role="gridcell"]')] as any[]).map((cell) => {
                const style = g.getComputedStyle(cell);
                return { col: Number(cell.getAttribute("aria-colindex")), text: String(cell.textContent), color: style.color, background: style.backgroundColor, image: style.backgroundImage };
              }),
            }))
        : [];
      const message = panel.querySelector('[data-testid="data-testid Panel data error message"]');
      const content = panel.querySelector('[data-testid="data-testid panel content"]');
      return {
        id: String(panel.getAttribute("data-preview-panel")),
        title: String(panel.getAttribute("data-preview-title")),
        type: String(panel.getAttribute("data-preview-type")),
        errorState: Boolean(panel.querySelector('[data-testid="data-testid Panel status error"]')),
        message: message ? String(message.textContent) : null,
        text: content ? String(content.textContent) : "",
        fullText: String(panel.textContent),
        headers,
        rows,
        surface: grid ? String(g.getComputedStyle(grid).backgroundColor) : null,
        plotted: Boolean(panel.querySelector("canvas")),
      };
    });
  }, dashboard);
}

/** Each dashboard's caption and title as the page shows them above its grid. */
export function readHeaders(page: Page): Promise<Array<{ caption: string; title: string }>> {
  return page.evaluate(() => {
    const g = globalThis as unknown as { document: any };
    return ([...g.document.querySelectorAll("[data-preview-dashboard]")] as any[]).map((d) => ({
      caption: String(d.querySelector("[data-preview-caption]")?.textContent ?? ""),
      title: String(d.querySelector("h1")?.textContent ?? ""),
    }));
  }, null);
}

/** "#F2495C", "#F2495C80", "rgb(...)", "rgba(...)" as the browser computes it: "rgb(242, 73, 92)". */
export function toRgb(color: string): string {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})?$/i.exec(color.trim());
  if (hex) {
    const [r, g, b] = [hex[1], hex[2], hex[3]].map((h) => parseInt(h!, 16));
    if (hex[4] && hex[4].toLowerCase() !== "ff") return `rgba(${r}, ${g}, ${b}, ${+(parseInt(hex[4], 16) / 255).toFixed(3)})`;
    return `rgb(${r}, ${g}, ${b})`;
  }
  const rgb = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*([\d.]+)\s*)?\)$/i.exec(color.trim());
  if (rgb) return rgb[4] !== undefined && Number(rgb[4]) !== 1 ? `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, ${Number(rgb[4])})` : `rgb(${rgb[1]}, ${rgb[2]}, ${rgb[3]})`;
  throw new Error(`not a colour this test reads: ${color}`);
}

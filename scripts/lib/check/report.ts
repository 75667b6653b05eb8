// How a panel's result reads for people: one line, the same in `check` and `smoke`; and for machines, the
// JSON of `--json`, with what Grafana displays on the panel.
import { counted } from "../cli.ts";
import type { PanelDisplay } from "../display/panel.ts";
import type { PanelResult } from "./run.ts";

/** The name and verdict columns of a panel's line, which smoke's datasource lines share. */
export const PANEL_WIDTHS = { name: 62, verdict: 7 };

export function panelLine(r: PanelResult): string {
  const name = `${r.dashboard} / ${r.panel}`;
  const verdict = r.ok ? "ok" : "FAILED";
  const shown = r.value !== undefined ? `${counted(r.rows, "row")}, shows "${r.value}"` : counted(r.rows, "row");
  return `${name.padEnd(PANEL_WIDTHS.name)} ${verdict.padEnd(PANEL_WIDTHS.verdict)} ${shown.padEnd(28)} ${String(r.ms).padStart(6)} ms${r.error ? `  ${r.error.split("\n").join(" ")}` : ""}`;
}

/** A cell or value as displayed: its text and, where Grafana colours it, the colour (hex). */
export interface DisplayedText {
  text: string;
  color?: string;
}

export type DisplayJson =
  | { kind: "table"; headers: string[]; rows: DisplayedText[][]; totalRows: number; message?: string }
  | { kind: "stat"; values: DisplayedText[] }
  | { kind: "series"; fields: string[]; message?: string }
  | { kind: "states"; spans: (DisplayedText & { series: string; from: string; to: string })[]; message?: string };

/** A colour nobody sees: fully transparent (the dashboards' "no colour" for empty and neutral cells). */
const invisible = (color: string) => /^#[0-9a-f]{6}00$/i.test(color) || /^rgba\(.*,\s*0\)$/.test(color) || color === "transparent";

/** What `--json` says a panel displays: a table's headers and first rows, a stat's values, a state
 *  timeline's spans, a chart's series. */
export function displayJson(display: PanelDisplay): DisplayJson {
  const shown = (text: string, color?: string): DisplayedText => (color && !invisible(color) ? { text, color } : { text });
  if (display.kind === "table") {
    return {
      kind: "table",
      headers: display.columns.map((c) => c.header),
      rows: display.rows.map((row) => row.map((cell) => shown(cell.text, cell.color))),
      totalRows: display.totalRows,
      ...(display.message !== undefined ? { message: display.message } : {}),
    };
  }
  if (display.kind === "stat") return { kind: "stat", values: display.values.map((v) => shown(v.shown, v.color)) };
  if (display.kind === "states") {
    const spans = display.spans.map((s) => ({ series: s.series, ...shown(s.text, s.color), from: new Date(s.from).toISOString(), to: new Date(s.to).toISOString() }));
    return { kind: "states", spans, ...(display.message !== undefined ? { message: display.message } : {}) };
  }
  return { kind: "series", fields: display.fields, ...(display.message !== undefined ? { message: display.message } : {}) };
}

/** A panel's result in `--json`: the verdict and figures, and what the panel displays. */
export function panelJson(r: PanelResult) {
  const { frames: _frames, kind: _kind, display, ...rest } = r;
  return { ...rest, ...(display ? { display: displayJson(display) } : {}) };
}

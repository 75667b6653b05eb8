// What the preview hands its page: one or more dashboards, each with its panels as the dashboard JSON has
// them and the frames their queries answered (before any transformation: the page runs those with
// Grafana's own code, as the browser does). Plain JSON, written into the HTML page next to the bundle.
// Types only: the page (preview/page/) and the command (scripts/lib/preview/) both import them.
import type { InputFrame } from "../display/frames.ts";
import type { PanelJson } from "../display/panel.ts";

/** A panel of the dashboard JSON (rows flattened: a row is its own entry, kind "row"). */
export interface PreviewPanelJson extends PanelJson {
  id?: number;
  description?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  /** Text panels: options.content in options.mode (markdown, html). */
  options?: Record<string, unknown>;
}

export interface PreviewPanel {
  json: PreviewPanelJson;
  /** "row": a row header across the grid; "panel": everything else. */
  kind: "row" | "panel";
  /** Every frame the panel's queries answered, as the datasource sent it (fields and values). */
  frames: InputFrame[];
  /** The first error of the panel's queries (a source down): the panel draws Grafana's error state. */
  error?: string;
}

export interface PreviewDashboard {
  uid: string;
  title: string;
  /** A caption above the dashboard, e.g. "in Grafana" / "as the code would push it". */
  caption?: string;
  timeZone: string;
  /** The range the queries ran with: epoch milliseconds, and the text the dashboard saved. */
  range: { from: number; to: number; raw: { from: string; to: string } };
  /** The variables as the queries saw them (name, shown values). */
  variables: Array<{ name: string; values: string[] }>;
  panels: PreviewPanel[];
}

export interface PreviewPayload {
  /** Width of each dashboard's grid in CSS pixels (24 columns across it). */
  width: number;
  dashboards: PreviewDashboard[];
}

/** The global the page reads its payload from (set by a plain script before the bundle). */
export const PAYLOAD_GLOBAL = "__ytraderPreview";
/** The page's function that draws another payload in place (the command reuses one page for many). */
export const DRAW_GLOBAL = "__ytraderPreviewDraw";
/** The attribute the page sets on <body> once every panel has drawn; its value is the panel count. */
export const READY_ATTRIBUTE = "data-preview-ready";

// A dashboard's JSON read the way Grafana's browser reads it on load: the panels (rows flattened), each
// with its queries and what happens to their answers in the browser, and the template variables.
import type { DashboardDefinition } from "../../../grafana/types.ts";
import type { PanelJson } from "../display/panel.ts";

export interface DatasourceRef {
  type?: string;
  uid?: string;
}

export interface Target {
  refId: string;
  datasource?: DatasourceRef;
  [key: string]: unknown;
}

export interface Transformation {
  id: string;
  options: Record<string, unknown>;
  disabled?: boolean;
}

export interface PanelModel {
  dashboard: string;
  dashboardUid: string;
  id: number;
  title: string;
  type: string;
  description?: string;
  datasource?: DatasourceRef;
  targets: Target[];
  transformations: Transformation[];
  gridPos?: { x: number; y: number; w: number; h: number };
  /** Stat panels: how the field is reduced to the value shown. */
  reduce?: { calcs: string[]; fields: string };
  /** The panel's own maxDataPoints and min interval, when its JSON sets them. */
  maxDataPoints?: number;
  interval?: string;
  /** The panel as the dashboard JSON has it: what the display step reads (field config, options). */
  json: PanelJson;
}

export interface VariableModel {
  name: string;
  type: string;
  query?: unknown;
  datasource?: DatasourceRef;
  multi: boolean;
  includeAll: boolean;
  allValue?: string | null;
  current?: { text?: unknown; value?: unknown };
}

type Json = Record<string, unknown>;

export function dashboardPanels(definition: DashboardDefinition): PanelModel[] {
  const panels: PanelModel[] = [];
  const visit = (list: unknown) => {
    for (const raw of (list as Json[] | undefined) ?? []) {
      if (raw.type === "row") {
        visit(raw.panels);
        continue;
      }
      const options = (raw.options ?? {}) as Json;
      const reduceOptions = options.reduceOptions as { calcs?: string[]; fields?: string } | undefined;
      panels.push({
        dashboard: definition.title,
        dashboardUid: definition.uid,
        id: raw.id as number,
        title: String(raw.title ?? ""),
        type: String(raw.type),
        description: raw.description as string | undefined,
        datasource: raw.datasource as DatasourceRef | undefined,
        targets: ((raw.targets as Target[] | undefined) ?? []).map((t) => ({ ...t })),
        transformations: ((raw.transformations as Transformation[] | undefined) ?? []).filter((t) => !t.disabled),
        gridPos: raw.gridPos as PanelModel["gridPos"],
        reduce: raw.type === "stat" && reduceOptions ? { calcs: reduceOptions.calcs ?? [], fields: reduceOptions.fields ?? "" } : undefined,
        ...(typeof raw.maxDataPoints === "number" ? { maxDataPoints: raw.maxDataPoints } : {}),
        ...(typeof raw.interval === "string" && raw.interval ? { interval: raw.interval } : {}),
        json: raw as unknown as PanelJson,
      });
    }
  };
  visit(definition.json.panels);
  return panels;
}

export function dashboardVariables(definition: DashboardDefinition): VariableModel[] {
  const list = ((definition.json.templating as Json | undefined)?.list as Json[] | undefined) ?? [];
  return list.map((v) => ({
    name: String(v.name),
    type: String(v.type),
    query: v.query,
    datasource: v.datasource as DatasourceRef | undefined,
    multi: Boolean(v.multi),
    includeAll: Boolean(v.includeAll),
    allValue: (v.allValue as string | undefined) ?? null,
    current: v.current as VariableModel["current"],
  }));
}

/** The dashboard's time zone, as saved ("utc" for the toolkit's; Grafana's default is the browser's). */
export function dashboardTimeZone(definition: DashboardDefinition): string {
  return typeof definition.json.timezone === "string" && definition.json.timezone ? definition.json.timezone : "browser";
}

/** The dashboard's default time range, as saved. */
export function dashboardTime(definition: DashboardDefinition): { from: string; to: string } {
  const time = definition.json.time as { from?: string; to?: string } | undefined;
  return { from: time?.from ?? "now-6h", to: time?.to ?? "now" };
}

/** A query variable's query as the target it runs as: a table from its datasource. */
export function variableTarget(variable: VariableModel): Target {
  return { refId: "A", datasource: variable.datasource, rawSql: variable.query, format: "table" };
}

/** A target's datasource, falling back to the panel's (Mixed panels name one per target). */
export function targetDatasource(panel: PanelModel, target: Target): DatasourceRef | undefined {
  return target.datasource?.uid ? target.datasource : panel.datasource;
}

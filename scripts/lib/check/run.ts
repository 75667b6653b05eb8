// `check`: every panel of every dashboard run against its real source, as a browser opening the dashboard
// makes Grafana run it: the variables resolved first, then every panel's queries at once (within the
// read-only role's connection limit), then what the browser does with the answers.
import type { Config } from "../config.ts";
import { ALL_SELECTED, type DashboardDefinition, type DatasourceDefinition } from "../../../grafana/types.ts";
import { badInput } from "../errors.ts";
import {
  type PanelModel,
  type VariableModel,
  dashboardPanels,
  dashboardTime,
  dashboardTimeZone,
  dashboardVariables,
  targetDatasource,
  variableTarget,
} from "./dashboard-model.ts";
import { type Frame, rowCount } from "./frames.ts";
import { datasourceSecrets } from "../../../grafana/datasources.ts";
import { DirectRunner, type QueryRunner } from "./runner.ts";
import type { QueryContext } from "./sources/kind.ts";
import type { TemplateVariable } from "./template.ts";
import { browserRange, panelInterval, panelWidthPx } from "../display/time.ts";
import { type PanelDisplay, displayPanelFrames } from "../display/panel.ts";
import type { InputFrame, TransformedFrame } from "../display/frames.ts";

export interface CheckOptions {
  dashboards: DashboardDefinition[];
  datasources: DatasourceDefinition[];
  /** Only this dashboard (uid or title) / these panels (title or id). */
  dashboard?: string;
  panels?: string[];
  /** Instead of each dashboard's default range. */
  from?: string;
  to?: string;
  /** name -> values, instead of each variable's default. */
  variables?: Record<string, string[]>;
  /** The longest any one query may take (default 20 s). */
  deadlineMs?: number;
  /** How many rows of each table the display step reports (default 5). */
  displayRows?: number;
  /** Called as each panel finishes, for progress lines. */
  onPanel?: (result: PanelResult) => void;
  /** Who runs each query: the sources themselves (check, the default: opened and closed here) or
   *  Grafana's /api/ds/query (smoke). A runner given is the caller's to close. */
  runner?: QueryRunner;
}

export interface PanelResult {
  dashboard: string;
  panel: string;
  /** "variable" for a template variable's own query. */
  kind: "panel" | "variable";
  ok: boolean;
  rows: number;
  columns: string[];
  ms: number;
  error: string | null;
  /** What a stat panel shows (its first value's text, as Grafana's display processor computes it). */
  value?: string;
  /** What Grafana displays on the panel, computed by @grafana/data (panels only, not variables). */
  display?: PanelDisplay;
  /** Every frame after the browser's transformations, for whoever needs the data itself (tests, smoke). */
  frames: Frame[];
}

export interface CheckResult {
  ok: boolean;
  panels: PanelResult[];
}

const DEFAULT_DEADLINE_MS = 20_000;
/** The first rows of each table that the display step reports. */
const DEFAULT_DISPLAY_ROWS = 5;

/** Who runs a dashboard's queries, and the datasources their targets name (by uid). */
export interface QueryEngine {
  runner: QueryRunner;
  datasources: Map<string, DatasourceDefinition>;
}

export async function runCheck(config: Config, options: CheckOptions): Promise<CheckResult> {
  const dashboards = selectDashboards(options);
  const datasources = new Map(options.datasources.map((ds) => [ds.uid, ds]));
  const own = options.runner ? undefined : new DirectRunner((datasource) => datasourceSecrets(datasource, config.values).secrets);
  const runner = options.runner ?? own!;
  const results: PanelResult[] = [];
  const report = (result: PanelResult) => {
    results.push(result);
    options.onPanel?.(result);
  };
  const engine: QueryEngine = { runner, datasources };
  const known = new Set(dashboards.flatMap((d) => dashboardVariables(d).map((v) => v.name)));
  for (const name of Object.keys(options.variables ?? {})) {
    if (!known.has(name)) throw badInput(`No dashboard checked has a variable "${name}"; their variables are: ${[...known].join(", ") || "none"}.`);
  }
  const chosen = dashboards.map((dashboard) => ({ dashboard, panels: selectPanels(dashboard, options.panels) }));
  if (!chosen.some((c) => c.panels.length)) {
    const all = chosen.flatMap((c) => dashboardPanels(c.dashboard).map((p) => `"${p.title}"`));
    throw badInput(`No panel ${(options.panels ?? []).map((w) => `"${w}"`).join(", ")}; the panels are: ${all.join(", ")} (or their ids).`);
  }
  try {
    // A source nobody can reach is one failure with its cause (exit 3), not every panel's after its deadline.
    await own?.reach(usedDatasources(chosen, datasources));
    for (const { dashboard, panels } of chosen) {
      if (!panels.length) continue;
      const context = await queryContext(dashboard, engine, options, report);
      const display = { timeZone: dashboardTimeZone(dashboard), rows: options.displayRows ?? DEFAULT_DISPLAY_ROWS };
      await Promise.all(panels.map(async (panel) => report(await runPanel(panel, engine, context, display))));
    }
  } finally {
    await own?.close();
  }
  return { ok: results.every((r) => r.ok), panels: results };
}

/** The time range, interval and resolved variables a dashboard's panels run with, as the browser has
 *  them after loading it (query variables run first, each reported). */
export async function queryContext(
  dashboard: DashboardDefinition,
  engine: QueryEngine,
  options: Pick<CheckOptions, "from" | "to" | "variables" | "deadlineMs">,
  report: (result: PanelResult) => void = () => {},
): Promise<QueryContext> {
  const time = dashboardTime(dashboard);
  const range = await browserRange({ from: options.from ?? time.from, to: options.to ?? time.to, timeZone: dashboardTimeZone(dashboard) });
  // Variable queries run before any panel has a size: Scenes' default maxDataPoints
  const base: QueryContext = { range, variables: [], ...(await panelInterval(range)), deadlineMs: options.deadlineMs ?? DEFAULT_DEADLINE_MS };
  return { ...base, variables: await resolveVariables(dashboard, engine, base, options.variables ?? {}, report) };
}

/** The panel's maxDataPoints and $__interval, as Scenes computes them from its width (on the grid check
 *  assumes), its own settings and its datasource's time interval. */
async function panelContext(panel: PanelModel, engine: QueryEngine, context: QueryContext): Promise<QueryContext> {
  const ref = panel.datasource?.uid ? panel.datasource : panel.targets[0] ? targetDatasource(panel, panel.targets[0]) : undefined;
  const timeInterval = ref?.uid ? engine.datasources.get(ref.uid)?.jsonData.timeInterval : undefined;
  const { maxDataPoints, intervalMs } = await panelInterval(context.range, {
    maxDataPoints: panel.maxDataPoints,
    widthPx: panel.gridPos ? panelWidthPx(panel.gridPos.w) : undefined,
    minInterval: panel.interval,
    datasourceInterval: typeof timeInterval === "string" ? timeInterval : undefined,
  });
  return { ...context, maxDataPoints, intervalMs };
}

/** The datasources the chosen panels (and their dashboards' query variables) read. */
function usedDatasources(chosen: { dashboard: DashboardDefinition; panels: PanelModel[] }[], datasources: Map<string, DatasourceDefinition>): DatasourceDefinition[] {
  const uids = new Set<string>();
  for (const { dashboard, panels } of chosen) {
    if (!panels.length) continue;
    for (const panel of panels) for (const target of panel.targets) uids.add(targetDatasource(panel, target)?.uid ?? "");
    for (const variable of dashboardVariables(dashboard)) if (variable.type === "query") uids.add(variable.datasource?.uid ?? "");
  }
  return [...uids].flatMap((uid) => datasources.get(uid) ?? []);
}

function selectDashboards(options: CheckOptions): DashboardDefinition[] {
  if (!options.dashboard) return options.dashboards;
  const found = options.dashboards.filter((d) => d.uid === options.dashboard || d.title === options.dashboard);
  if (!found.length) {
    throw badInput(`No dashboard "${options.dashboard}"; there are: ${options.dashboards.map((d) => `${d.uid} (${d.title})`).join(", ")}.`);
  }
  return found;
}

/** The panels named by title or id (all when none is named); a dashboard without any is skipped. */
function selectPanels(dashboard: DashboardDefinition, wanted: string[] | undefined): PanelModel[] {
  const panels = dashboardPanels(dashboard);
  if (!wanted?.length) return panels;
  return panels.filter((p) => wanted.includes(p.title) || wanted.includes(String(p.id)));
}

/** Each variable's options and current value, as the dashboard loads them; query variables run here. */
async function resolveVariables(
  dashboard: DashboardDefinition,
  engine: QueryEngine,
  context: QueryContext,
  overrides: Record<string, string[]>,
  report: (result: PanelResult) => void,
): Promise<TemplateVariable[]> {
  const models = dashboardVariables(dashboard);
  const resolved: TemplateVariable[] = [];
  for (const model of models) {
    let options: string[] = [];
    if (model.type === "query") {
      const started = performance.now();
      const outcome = await runQueries({ ...pseudoPanel(dashboard, model), targets: [variableTarget(model)] }, engine, { ...context, variables: resolved });
      const frame = outcome.frames[0];
      const field = frame?.fields.find((f) => f.name === "__value") ?? frame?.fields[0];
      options = (field?.values ?? []).map(String);
      report(result(pseudoPanel(dashboard, model), "variable", outcome.frames, outcome.errors, started));
    } else if (model.type === "custom") {
      options = String(model.query ?? "").split(",").map((o) => o.trim()).filter(Boolean);
    } else if (model.type === "textbox" || model.type === "constant") {
      options = [String(model.query ?? "")];
    }
    resolved.push({
      name: model.name,
      multi: model.multi,
      includeAll: model.includeAll,
      allValue: model.allValue,
      options,
      current: overrides[model.name] ?? currentOf(model, options),
    });
  }
  return resolved;
}

function currentOf(model: VariableModel, options: string[]): string[] {
  const value = model.current?.value;
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === "string") return [value];
  // Grafana selects All, or else the first option, when nothing is saved.
  if (model.includeAll) return [ALL_SELECTED];
  return options.length ? [options[0]!] : [""];
}

function pseudoPanel(dashboard: DashboardDefinition, variable: VariableModel): PanelModel {
  return { dashboard: dashboard.title, dashboardUid: dashboard.uid, id: 0, title: `$${variable.name}`, type: "variable", targets: [], transformations: [], json: { type: "variable" } };
}

async function runPanel(panel: PanelModel, engine: QueryEngine, context: QueryContext, display: { timeZone: string; rows: number }): Promise<PanelResult> {
  const started = performance.now();
  const outcome = await runQueries(panel, engine, await panelContext(panel, engine, context));
  const errors = [...outcome.errors];
  let frames: Frame[] = [];
  let shown: PanelDisplay | undefined;
  try {
    // The browser's part, by Grafana's own code: transformations, field config, display processor
    const displayed = await displayPanelFrames(panel.json, outcome.frames.map(inputFrame), { ...display, rangeTo: context.range.to.getTime() });
    frames = displayed.frames.map(outputFrame);
    shown = displayed.display;
  } catch (error) {
    errors.push((error as Error).message);
  }
  const panelResult = result(panel, "panel", frames, errors, started);
  if (shown) panelResult.display = shown;
  if (shown?.kind === "stat") panelResult.value = shown.values[0]?.shown;
  return panelResult;
}

/** A query's frame as the browser receives it (Grafana names every frame of the answer by its refId). */
const inputFrame = (frame: Frame & { refId?: string }): InputFrame => ({
  name: frame.name,
  refId: frame.refId,
  fields: frame.fields,
  meta: frame.notices?.length ? { ...frame.meta, notices: frame.notices } : frame.meta,
});

/** A frame after the browser's part, as check reports it (notices beside the rest of meta, as they came). */
function outputFrame(frame: TransformedFrame): Frame {
  const { notices, ...meta } = frame.meta ?? {};
  return {
    name: frame.name,
    fields: frame.fields,
    ...(Object.keys(meta).length ? { meta } : {}),
    ...(Array.isArray(notices) && notices.length ? { notices: notices as Frame["notices"] } : {}),
  };
}

/** Every target of the panel at once; a failing one leaves the others' frames (as Grafana shows them). */
async function runQueries(panel: PanelModel, engine: QueryEngine, context: QueryContext): Promise<{ frames: Frame[]; errors: string[] }> {
  const outcomes = await Promise.all(
    panel.targets.map(async (target) => {
      const ref = targetDatasource(panel, target);
      const datasource = ref?.uid ? engine.datasources.get(ref.uid) : undefined;
      if (!datasource) return { error: `${target.refId}: datasource "${ref?.uid ?? "(none)"}" is not one of the toolkit's datasources` };
      try {
        const frames = await engine.runner.run(target, datasource, context);
        return { frames: frames.map((frame) => ({ ...frame, refId: target.refId })) };
      } catch (error) {
        return { error: `${target.refId} (${datasource.name}, ${datasource.url}): ${(error as Error).message}` };
      }
    }),
  );
  return {
    frames: outcomes.flatMap((o) => ("frames" in o && o.frames ? o.frames : [])),
    errors: outcomes.flatMap((o) => ("error" in o && o.error ? [o.error] : [])),
  };
}

function result(panel: PanelModel, kind: PanelResult["kind"], frames: Frame[], errors: string[], started: number): PanelResult {
  const first = frames.find((f) => f.fields.length) ?? frames[0];
  return {
    dashboard: panel.dashboard,
    panel: panel.title,
    kind,
    ok: errors.length === 0,
    rows: frames.reduce((sum, frame) => sum + rowCount(frame), 0),
    columns: first?.fields.map((f) => f.name) ?? [],
    ms: Math.round(performance.now() - started),
    error: errors[0] ?? null,
    frames,
  };
}

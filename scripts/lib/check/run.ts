// `check`: every panel of every dashboard run against its real source, as a browser opening the dashboard
// makes Grafana run it: the variables resolved first, then every panel's queries at once (within the
// read-only role's connection limit), then what the browser does with the answers.
import type { Config } from "../config.ts";
import { ALL_SELECTED, type DashboardDefinition, type DatasourceDefinition } from "../../../grafana/types.ts";
import { badInput } from "../errors.ts";
import { type PanelModel, type VariableModel, dashboardPanels, dashboardTime, dashboardVariables, targetDatasource, variableTarget } from "./dashboard-model.ts";
import { type Frame, rowCount } from "./frames.ts";
import { datasourceSecrets } from "../../../grafana/datasources.ts";
import { DirectRunner, type QueryRunner } from "./runner.ts";
import type { QueryContext } from "./sources/kind.ts";
import type { TemplateVariable } from "./template.ts";
import { parseTimeRange } from "./time-range.ts";
import { applyTransformations, statValue } from "./transformations.ts";
import { panelWidthPx } from "../display/time.ts";

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
  /** What a stat panel shows (after reduction and value mappings). */
  value?: string;
  /** Every frame after the browser's transformations, for whoever needs the data itself (tests, smoke). */
  frames: Frame[];
}

export interface CheckResult {
  ok: boolean;
  panels: PanelResult[];
}

const DEFAULT_DEADLINE_MS = 20_000;

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
    for (const { dashboard, panels } of chosen) {
      if (!panels.length) continue;
      const context = await queryContext(dashboard, engine, options, report);
      await Promise.all(panels.map(async (panel) => report(await runPanel(panel, engine, context))));
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
  const range = parseTimeRange(options.from ?? time.from, options.to ?? time.to);
  const base: QueryContext = {
    range,
    variables: [],
    intervalMs: Math.max(60_000, Math.round((range.to.getTime() - range.from.getTime()) / 1000)),
    deadlineMs: options.deadlineMs ?? DEFAULT_DEADLINE_MS,
  };
  return { ...base, variables: await resolveVariables(dashboard, engine, base, options.variables ?? {}, report) };
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
  return { dashboard: dashboard.title, dashboardUid: dashboard.uid, id: 0, title: `$${variable.name}`, type: "variable", targets: [], transformations: [], mappings: [] };
}

async function runPanel(panel: PanelModel, engine: QueryEngine, context: QueryContext): Promise<PanelResult> {
  const started = performance.now();
  const outcome = await runQueries(panel, engine, context);
  let frames = outcome.frames;
  const errors = [...outcome.errors];
  try {
    frames = applyTransformations(frames, panel.transformations);
  } catch (error) {
    errors.push((error as Error).message);
  }
  const panelResult = result(panel, "panel", frames, errors, started);
  if (panel.type === "stat") {
    try {
      panelResult.value = statValue(panel, frames).text;
    } catch (error) {
      panelResult.ok = false;
      panelResult.error ??= (error as Error).message;
    }
  }
  return panelResult;
}

/** Every target of the panel at once; a failing one leaves the others' frames (as Grafana shows them). */
async function runQueries(panel: PanelModel, engine: QueryEngine, context: QueryContext): Promise<{ frames: Frame[]; errors: string[] }> {
  const outcomes = await Promise.all(
    panel.targets.map(async (target) => {
      const ref = targetDatasource(panel, target);
      const datasource = ref?.uid ? engine.datasources.get(ref.uid) : undefined;
      if (!datasource) return { error: `${target.refId}: datasource "${ref?.uid ?? "(none)"}" is not one of the toolkit's datasources` };
      try {
        return { frames: await engine.runner.run(target, datasource, { ...context, panel: panelOptions(panel) }) };
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

/** What the browser's interval needs of the panel: its Max data points and Min interval, and for its
 *  width in pixels (which check cannot measure) its width on the preview's grid. */
function panelOptions(panel: PanelModel): QueryContext["panel"] {
  return { maxDataPoints: panel.maxDataPoints, minInterval: panel.interval, widthPx: panel.gridPos ? panelWidthPx(panel.gridPos.w) : undefined };
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

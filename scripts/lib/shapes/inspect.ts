// What `check` and `setup` say about the schema: its shape, every column a view needs that this database
// lacks with the panels that cannot be right without it (named from the dashboards' own SQL), and views
// absent or built for another shape (the schema changed since the role step ran). Read as any role: the
// catalog is readable to all.
import postgres from "postgres";
import type { Config } from "../config.ts";
import type { DashboardDefinition } from "../../../grafana/types.ts";
import { dashboardPanels, dashboardVariables } from "../check/dashboard-model.ts";
import { type ShapeName, describeShape, detectColumns, shapeName } from "./detect.ts";
import { type MissingColumn, planViews, viewComment } from "./views.ts";
import { builtViews } from "./converge.ts";
import { withinConnectTimeout } from "../postgres.ts";
import { PANEL_SCHEMA, schemaPrefix } from "../../../grafana/queries/postgres.ts";


export interface ShapeReport {
  ok: boolean;
  shape: ShapeName;
  missing: (MissingColumn & { panels: string[] })[];
  /** Views the panels read that are absent, or built for another shape: the role step builds them. */
  stale: { view: string; state: "absent" | "built for another shape"; panels: string[] }[];
  /** Why the shape could not be read at all (PostgreSQL unreachable, the login refused). */
  error?: string;
}

/** Panels (and variables) whose SQL reads each view of `schema` (the one they are rendered with), by
 *  "Dashboard / Panel". */
export function panelsByView(dashboards: DashboardDefinition[], schema = PANEL_SCHEMA): Map<string, string[]> {
  const byView = new Map<string, string[]>();
  const prefix = schemaPrefix(schema).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const note = (label: string, sql: unknown) => {
    for (const match of String(sql ?? "").matchAll(new RegExp(`(?<![\\w"])${prefix}(\\w+)`, "g"))) {
      const list = byView.get(match[1]!) ?? [];
      if (!list.includes(label)) list.push(label);
      byView.set(match[1]!, list);
    }
  };
  for (const dashboard of dashboards) {
    for (const panel of dashboardPanels(dashboard)) for (const target of panel.targets) note(`${dashboard.title} / ${panel.title}`, target.rawSql);
    for (const variable of dashboardVariables(dashboard)) note(`${dashboard.title} / variable ${variable.name}`, variable.query);
  }
  return byView;
}

export async function inspectShape(sql: postgres.Sql, schema: string, dashboards: DashboardDefinition[]): Promise<ShapeReport> {
  const columns = await detectColumns(sql);
  const plan = planViews(columns);
  const byView = panelsByView(dashboards, schema);
  const built = await builtViews(sql, schema);
  const missing = plan.missing.map((m) => ({ ...m, panels: byView.get(m.view) ?? [] }));
  const stale: ShapeReport["stale"] = [];
  for (const view of plan.views) {
    const panels = byView.get(view.name) ?? [];
    if (!built.has(view.name)) stale.push({ view: view.name, state: "absent", panels });
    else if (built.get(view.name) !== viewComment(view)) stale.push({ view: view.name, state: "built for another shape", panels });
  }
  return { ok: !missing.length && !stale.length, shape: shapeName(columns), missing, stale };
}

/** As the read-only role reads it (check). */
export async function inspectShapeAs(config: Config, dashboards: DashboardDefinition[]): Promise<ShapeReport> {
  const pg = config.postgres;
  const { user, password = "", connectTimeoutSeconds: seconds } = config.monitorRole;
  const sql = postgres({ host: pg.host, port: pg.port, database: pg.database, user, password, max: 1, onnotice: () => {}, connect_timeout: seconds });
  let reached = false;
  try {
    const report = await withinConnectTimeout(inspectShape(sql, config.monitor.schema, dashboards), seconds);
    reached = true;
    return report;
  } finally {
    await sql.end({ timeout: reached ? 2 : 0 });
  }
}

/** One line each: the shape, then every problem with the panels it breaks. */
export function shapeLines(report: ShapeReport, schema: string): string[] {
  if (report.error) return [`schema: ${report.error}`];
  const lines = [`schema: ${describeShape(report.shape)}`];
  for (const m of report.missing) {
    lines.push(
      `unknown shape: column ${m.table}.${m.column} is missing, so view ${schema}.${m.view} is not built; ` +
        `panels it breaks: ${m.panels.join(", ") || "none"}`,
    );
  }
  for (const s of report.stale) {
    lines.push(`view ${schema}.${s.view} is ${s.state}: run \`bun run role\` (or setup) to build it; panels reading it: ${s.panels.join(", ") || "none"}`);
  }
  return lines;
}

/** The missing columns, one phrase each with their panels, for a one-line step detail. */
export function missingPhrase(missing: ShapeReport["missing"]): string {
  return missing.map((m) => `column ${m.table}.${m.column} missing (breaks ${m.panels.join(", ") || `view ${m.view}`})`).join("; ");
}

// What the benchmark times: every SQL query of the dashboards (panels and query variables, each once
// however many panels share it) exactly as the check engine sends it, and the naive versions kept in
// sql/bench/ for comparison.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { DashboardDefinition, DatasourceDefinition } from "../../../grafana/types.ts";
import { POSTGRES_TYPE } from "../../../grafana/datasources.ts";
import { PANEL_SCHEMA, PANEL_SQL_DIR, panelSql } from "../../../grafana/queries/postgres.ts";
import { type Target, dashboardPanels, dashboardVariables, targetDatasource, variableTarget } from "../check/dashboard-model.ts";
import { variableNames } from "../check/template.ts";

const NAIVE_SQL_DIR = join(import.meta.dir, "..", "..", "..", "sql", "bench");

/** Each naive query and the panel query it stands beside. */
export const NAIVE_PAIRS = [
  { naive: "naive-event-history", ours: "event-history" },
  { naive: "naive-orders", ours: "orders" },
  { naive: "naive-pnl", ours: "positions" },
] as const;

export interface SqlQuery {
  /** The file: sql/panels/<name>.sql (sql/bench/<name>.sql for naive ones). */
  name: string;
  dashboard: DashboardDefinition;
  /** The panels that run it ("$strategy" for a variable's query). */
  panels: string[];
  kind: "panel" | "variable" | "naive";
  target: Target;
  datasource: DatasourceDefinition;
  /** The dashboard's variables its text refers to. */
  uses: string[];
}

/** Every PostgreSQL query of the dashboards, once each, in dashboard order. */
export function dashboardSqlQueries(dashboards: DashboardDefinition[], datasources: DatasourceDefinition[], schema = PANEL_SCHEMA): SqlQuery[] {
  const byUid = new Map(datasources.map((ds) => [ds.uid, ds]));
  const files = panelFiles(schema);
  const queries = new Map<string, SqlQuery>();
  for (const dashboard of dashboards) {
    const names = dashboardVariables(dashboard).map((v) => v.name);
    const add = (title: string, kind: SqlQuery["kind"], target: Target, uid: string | undefined) => {
      const datasource = uid ? byUid.get(uid) : undefined;
      if (datasource?.type !== POSTGRES_TYPE) return;
      const text = String(target.rawSql ?? "");
      const name = files.get(text) ?? `${dashboard.uid}/${title}`;
      const known = queries.get(`${dashboard.uid}\n${text}`);
      if (known) return void known.panels.push(title);
      queries.set(`${dashboard.uid}\n${text}`, { name, dashboard, panels: [title], kind, target, datasource, uses: variablesUsed(text, names) });
    };
    for (const variable of dashboardVariables(dashboard)) {
      if (variable.type !== "query") continue;
      add(`$${variable.name}`, "variable", variableTarget(variable), variable.datasource?.uid);
    }
    for (const panel of dashboardPanels(dashboard)) {
      for (const target of panel.targets) add(panel.title, "panel", target, targetDatasource(panel, target)?.uid);
    }
  }
  return [...queries.values()];
}

/** The naive versions, run on the dashboard of the query each stands beside, with its datasource. */
export function naiveQueries(ours: SqlQuery[]): SqlQuery[] {
  return NAIVE_PAIRS.map(({ naive, ours: name }) => {
    const panel = ours.find((q) => q.name === name);
    if (!panel) throw new Error(`no panel query ${name} to compare ${naive} with`);
    const text = readFileSync(join(NAIVE_SQL_DIR, `${naive}.sql`), "utf8").trimEnd();
    const names = dashboardVariables(panel.dashboard).map((v) => v.name);
    return {
      ...panel,
      name: naive,
      panels: [`naive ${panel.panels[0]}`],
      kind: "naive" as const,
      target: { ...panel.target, rawSql: text },
      uses: variablesUsed(text, names),
    };
  });
}

/** sql/panels/*.sql by text (as rendered for `schema`), to name each query by its file. */
function panelFiles(schema: string): Map<string, string> {
  const files = readdirSync(PANEL_SQL_DIR).filter((f) => f.endsWith(".sql")).map((f) => f.slice(0, -4));
  return new Map(files.map((name) => [panelSql(name, schema), name]));
}

/** The dashboard's variables (in its order) that the text refers to. */
function variablesUsed(text: string, names: string[]): string[] {
  const used = new Set(variableNames(text));
  return names.filter((name) => used.has(name));
}

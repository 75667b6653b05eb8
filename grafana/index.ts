// The definitions every consumer reads: provisioning, push and check.
import type { DashboardDefinition } from "./types.ts";
import { DEFAULT_RENDERING, type Rendering } from "./rendering.ts";
import { DATASOURCE_UIDS } from "./datasources.ts";
import { PANEL_SCHEMA, inSchema } from "./queries/postgres.ts";
import { mainDashboard } from "./dashboards/main.ts";
import { signalTraceDashboard } from "./dashboards/signal-trace.ts";

export { datasourceDefinitions, provisionedDatasources } from "./datasources.ts";
export { DEFAULT_RENDERING, type Rendering, renderingOf } from "./rendering.ts";

/** Every dashboard, rendered with the monitored services and the toolkit's schema (the defaults unless given). */
export function dashboardDefinitions(rendering: Rendering = DEFAULT_RENDERING): DashboardDefinition[] {
  return [mainDashboard(rendering), signalTraceDashboard()].map((d) => ({ ...d, json: withSchema(d.json, rendering.schema) }));
}

/** The dashboard's PostgreSQL queries (panels' rawSql, query variables' query and definition) reading the
 *  toolkit's schema `schema`, by panel SQL's one substitution (inSchema). */
function withSchema(json: Record<string, unknown>, schema: string): Record<string, unknown> {
  if (schema === PANEL_SCHEMA) return json;
  // As the JSON files and the push carry it (the builders leave functions in the object).
  const copy = JSON.parse(JSON.stringify(json)) as { panels?: { targets?: { rawSql?: unknown }[] }[]; templating?: { list?: Record<string, unknown>[] } };
  for (const panel of copy.panels ?? []) {
    for (const target of panel.targets ?? []) if (typeof target.rawSql === "string") target.rawSql = inSchema(target.rawSql, schema);
  }
  for (const variable of copy.templating?.list ?? []) {
    if ((variable.datasource as { uid?: string } | undefined)?.uid !== DATASOURCE_UIDS.postgres) continue;
    for (const key of ["query", "definition"]) if (typeof variable[key] === "string") variable[key] = inSchema(variable[key], schema);
  }
  return copy as Record<string, unknown>;
}

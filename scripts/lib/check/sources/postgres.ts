// PostgreSQL datasources (grafana-postgresql-datasource): the browser puts the variables in with
// PostgreSQL's quoting (grafana-facts §6.3), Grafana's server expands the macros (§6.2) and runs the SQL
// as the datasource's user, at most maxOpenConns connections (inside the read-only role's limit), its
// timeouts applying.
import postgres from "postgres";
import type { DatasourceDefinition } from "../../../../grafana/types.ts";
import { POSTGRES_TYPE } from "../../../../grafana/datasources.ts";
import type { Target } from "../dashboard-model.ts";
import { frameFromPostgres } from "../frames.ts";
import { expandPostgresMacros } from "../postgres-macros.ts";
import { interpolateTemplate } from "../template.ts";
import type { DatasourceKind, QueryContext } from "./kind.ts";

const asBrowserSends = (target: Target, context: QueryContext): Target => ({
  ...target,
  rawSql: interpolateTemplate(String(target.rawSql ?? ""), context.variables, { range: context.range, format: "postgres" }),
});

/** The SQL exactly as it reaches PostgreSQL: variables as the browser puts them, then the macros. */
export function postgresText(target: Target, context: QueryContext): string {
  return expandPostgresMacros(String(asBrowserSends(target, context).rawSql ?? ""), { range: context.range, intervalMs: context.intervalMs });
}

/** A connection pool exactly as the PostgreSQL datasource connects: its host, database and user, its
 *  password, and no more connections than its maxOpenConns (which stays inside the role's limit). */
function datasourcePool(datasource: DatasourceDefinition, secrets: Record<string, string>): postgres.Sql {
  const { hostname, port } = new URL(`postgres://${datasource.url}`);
  return postgres({
    host: hostname.replace(/^\[|\]$/g, ""),
    port: Number(port || 5432),
    database: String(datasource.jsonData.database ?? ""),
    user: datasource.user,
    password: secrets.password,
    max: Math.max(1, Number(datasource.jsonData.maxOpenConns ?? 4)),
    connect_timeout: 5,
    idle_timeout: 5,
    onnotice: () => {},
    connection: { application_name: "ytrader-monitoring check" },
  });
}

export const postgresKind: DatasourceKind = {
  type: POSTGRES_TYPE,
  asBrowserSends,
  open(datasource, secrets) {
    const pool = datasourcePool(datasource, secrets);
    return {
      async run(target, context, signal) {
        const query = pool.unsafe(postgresText(target, context));
        signal.addEventListener("abort", () => void query.cancel(), { once: true });
        try {
          const rows = await query;
          // Grafana's default format, when a query names none, is time_series.
          return [frameFromPostgres(rows, rows.columns, { format: target.format === "table" ? "table" : "time_series" })];
        } catch (error) {
          throw new Error(`db query error: ${(error as Error).message}`);
        }
      },
      close: () => pool.end({ timeout: 2 }),
    };
  },
};

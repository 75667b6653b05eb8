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
import { ToolkitError, unreachable } from "../../errors.ts";
import { withinConnectTimeout } from "../../postgres.ts";

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
    // Grafana's connectionTimeout (GRAFANA_POSTGRES_CONNECT_TIMEOUT): how long an unanswered connect waits.
    connect_timeout: connectTimeoutSeconds(datasource),
    idle_timeout: 5,
    onnotice: () => {},
    connection: { application_name: "ytrader-monitoring check" },
  });
}

const connectTimeoutSeconds = (datasource: DatasourceDefinition) => Math.max(1, Number(datasource.jsonData.connectionTimeout ?? 5) || 5);

/** Why PostgreSQL could not be reached, in the toolkit's words with the driver's underneath; null when
 *  the failure is not about reaching it (a query's own error is the panel's to report). */
export function postgresReachFailure(error: unknown, datasource: DatasourceDefinition): ToolkitError | null {
  const { code, message } = error as { code?: string; message?: string };
  const where = `PostgreSQL at ${datasource.url}`;
  const original = `(${message ?? String(error)})`;
  const start = "start PostgreSQL (`bun run stack up` for the demo) or correct POSTGRES_HOST and POSTGRES_PORT";
  if (code === "ECONNREFUSED") return unreachable(`${where} refused the connection: nothing listens there ${original}`, start);
  if (code === "CONNECT_TIMEOUT" || code === "ETIMEDOUT") {
    return unreachable(`${where} did not answer within ${connectTimeoutSeconds(datasource)} s (GRAFANA_POSTGRES_CONNECT_TIMEOUT) ${original}`, `a firewall, a host that is down, or something other than PostgreSQL on that port; ${start}`);
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return unreachable(`${where}: the host name does not resolve ${original}`, "correct POSTGRES_HOST");
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return unreachable(`${where}: no route to the host ${original}`, start);
  if (code === "28P01" || code === "28000") {
    return new ToolkitError("badInput", `${where} refused the credentials of ${datasource.user} ${original}`, {
      hint: "run `bun run role` (it sets the role's password from GRAFANA_POSTGRES_PASSWORD), or correct GRAFANA_POSTGRES_PASSWORD",
    });
  }
  return null;
}

export const postgresKind: DatasourceKind = {
  type: POSTGRES_TYPE,
  asBrowserSends,
  open(datasource, secrets) {
    const pool = datasourcePool(datasource, secrets);
    let unreached = false;
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
      async reach() {
        try {
          await withinConnectTimeout(pool`SELECT 1`, connectTimeoutSeconds(datasource));
        } catch (error) {
          unreached = true;
          throw postgresReachFailure(error, datasource) ?? error;
        }
      },
      // Queries get 2 s to finish; a server never reached has nothing to finish.
      close: () => pool.end({ timeout: unreached ? 0 : 2 }),
    };
  },
};

// Running one panel query against its real source, as Grafana's server would run it after the browser
// has put the variables in: PostgreSQL as the read-only role (its timeouts apply), HTTP sources as
// Infinity's backend sends and parses them.
import postgres from "postgres";
import type { Config, SettingName } from "../config.ts";
import type { DatasourceDefinition } from "../../../grafana/types.ts";
import { INFINITY_TYPE, POSTGRES_TYPE } from "../../../grafana/datasources.ts";
import { type Frame, frameFromPostgres } from "./frames.ts";
import { expandPostgresMacros } from "./postgres-macros.ts";
import { type TemplateVariable, interpolateTemplate } from "./template.ts";
import type { TimeRange } from "./time-range.ts";
import { type InfinityTarget, interpolateInfinityTarget, runInfinityQuery } from "./infinity.ts";
import type { Target } from "./dashboard-model.ts";

export interface QueryContext {
  range: TimeRange;
  variables: TemplateVariable[];
  /** Grafana's interval for the panel; only $__interval macros read it. */
  intervalMs: number;
  /** No query may take longer than this, whatever its source does. */
  deadlineMs: number;
}

/** A connection pool as the read-only role, no larger than the role's connection limit allows. */
export function monitorRoleSql(config: Config): postgres.Sql {
  const { postgres: pg, monitorRole } = config;
  return postgres({
    host: pg.host,
    port: pg.port,
    database: pg.database,
    user: monitorRole.user,
    password: monitorRole.password,
    // One connection stays free for an operator's psql, as the provisioned datasource leaves one too.
    max: Math.max(1, monitorRole.connectionLimit - 1),
    connect_timeout: 5,
    idle_timeout: 5,
    onnotice: () => {},
    connection: { application_name: "ytrader-monitoring check" },
  });
}

export class Sources {
  private pool: postgres.Sql | null = null;

  constructor(private readonly config: Config) {}

  /** The query's frame, or an error with the text Grafana would show (prefixed with where it went). */
  async run(target: Target, datasource: DatasourceDefinition, context: QueryContext): Promise<Frame> {
    let cancel = () => {};
    const work =
      datasource.type === POSTGRES_TYPE
        ? this.runPostgres(target, context, (c) => (cancel = c))
        : this.runInfinity(target, datasource, context);
    let timer: Timer | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        cancel();
        reject(new Error(`no answer within ${context.deadlineMs / 1000} s`));
      }, context.deadlineMs);
    });
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.pool?.end({ timeout: 2 });
    this.pool = null;
  }

  /** The SQL exactly as it reaches PostgreSQL: variables as the browser puts them, then the macros. */
  static postgresText(target: Target, context: QueryContext): string {
    const interpolated = interpolateTemplate(String(target.rawSql ?? ""), context.variables, { range: context.range, format: "postgres" });
    return expandPostgresMacros(interpolated, { range: context.range, intervalMs: context.intervalMs });
  }

  private async runPostgres(target: Target, context: QueryContext, onCancel: (cancel: () => void) => void): Promise<Frame> {
    const text = Sources.postgresText(target, context);
    this.pool ??= monitorRoleSql(this.config);
    const query = this.pool.unsafe(text);
    onCancel(() => void query.cancel());
    try {
      const rows = await query;
      // Grafana's default format, when a query names none, is time_series.
      return frameFromPostgres(rows, rows.columns, { format: target.format === "table" ? "table" : "time_series" });
    } catch (error) {
      throw new Error(`db query error: ${(error as Error).message}`);
    }
  }

  private async runInfinity(target: Target, datasource: DatasourceDefinition, context: QueryContext): Promise<Frame> {
    const secrets: Record<string, string> = {};
    for (const [key, setting] of Object.entries(datasource.secureJsonData)) {
      const value = this.config.values[setting as SettingName];
      if (value) secrets[key] = value;
    }
    // The browser puts the dashboard's variables in before the query is sent.
    const sent = interpolateInfinityTarget(target as unknown as InfinityTarget, context.variables, context.range);
    return runInfinityQuery(
      { url: datasource.url, basicAuth: datasource.basicAuth, basicAuthUser: datasource.basicAuthUser, jsonData: datasource.jsonData, secrets },
      sent,
      { range: context.range, timeoutMs: context.deadlineMs },
    );
  }
}

export const isKnownDatasourceType = (type: string) => type === POSTGRES_TYPE || type === INFINITY_TYPE;

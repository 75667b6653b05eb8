// Running one panel query against its real source, as Grafana's server would run it after the browser
// has put the variables in: PostgreSQL as the read-only role (its timeouts apply), HTTP sources as
// Infinity's backend sends and parses them.
import postgres from "postgres";
import type { Config, SettingName } from "../config.ts";
import type { DatasourceDefinition } from "../../../grafana/types.ts";
import { POSTGRES_TYPE } from "../../../grafana/datasources.ts";
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

/** A datasource's secureJsonData values (never written anywhere, only sent or used). */
export type SecretResolver = (datasource: DatasourceDefinition) => Record<string, string>;

/** The toolkit's own settings resolve the secrets its datasource definitions name. */
export function settingSecrets(config: Config): SecretResolver {
  return (datasource) => {
    const secrets: Record<string, string> = {};
    for (const [key, setting] of Object.entries(datasource.secureJsonData)) {
      const value = config.values[setting as SettingName];
      if (value) secrets[key] = value;
    }
    return secrets;
  };
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

/** The query as the browser sends it to /api/ds/query: the dashboard's variables put in (PostgreSQL's
 *  quoting rules, or Infinity's), the server-side macros left for Grafana. Check and smoke both use it. */
export function asBrowserSends(target: Target, type: DatasourceDefinition["type"], context: QueryContext): Target {
  if (type === POSTGRES_TYPE) {
    return { ...target, rawSql: interpolateTemplate(String(target.rawSql ?? ""), context.variables, { range: context.range, format: "postgres" }) };
  }
  return interpolateInfinityTarget(target as unknown as InfinityTarget, context.variables, context.range) as unknown as Target;
}

export class Sources {
  private readonly pools = new Map<string, postgres.Sql>();

  constructor(private readonly secrets: SecretResolver) {}

  /** The query's frame, or an error with the text Grafana would show (prefixed with where it went). */
  async run(target: Target, datasource: DatasourceDefinition, context: QueryContext): Promise<Frame> {
    let cancel = () => {};
    const work =
      datasource.type === POSTGRES_TYPE
        ? this.runPostgres(target, datasource, context, (c) => (cancel = c))
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
    await Promise.all([...this.pools.values()].map((pool) => pool.end({ timeout: 2 })));
    this.pools.clear();
  }

  /** The SQL exactly as it reaches PostgreSQL: variables as the browser puts them, then the macros. */
  static postgresText(target: Target, context: QueryContext): string {
    const sent = asBrowserSends(target, POSTGRES_TYPE, context);
    return expandPostgresMacros(String(sent.rawSql ?? ""), { range: context.range, intervalMs: context.intervalMs });
  }

  private async runPostgres(target: Target, datasource: DatasourceDefinition, context: QueryContext, onCancel: (cancel: () => void) => void): Promise<Frame> {
    const text = Sources.postgresText(target, context);
    let pool = this.pools.get(datasource.uid);
    if (!pool) {
      pool = datasourcePool(datasource, this.secrets(datasource));
      this.pools.set(datasource.uid, pool);
    }
    const query = pool.unsafe(text);
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
    const secrets = this.secrets(datasource);
    const sent = asBrowserSends(target, datasource.type, context) as unknown as InfinityTarget;
    return runInfinityQuery(
      { url: datasource.url, basicAuth: datasource.basicAuth, basicAuthUser: datasource.basicAuthUser, jsonData: datasource.jsonData, secrets },
      sent,
      { range: context.range, timeoutMs: context.deadlineMs },
    );
  }
}

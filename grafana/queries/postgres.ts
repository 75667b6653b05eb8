// A small typed query builder for Grafana's PostgreSQL datasource, in the foundation SDK's custom-query
// pattern (the SDK ships none). The SQL comes from sql/panels/<name>.sql, so that the query a test or
// psql runs is byte for byte the query the panel runs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import { DATASOURCE_UIDS, POSTGRES_TYPE } from "../datasources.ts";
import { SETTINGS } from "../../scripts/lib/settings.ts";

export const PANEL_SQL_DIR = join(import.meta.dir, "..", "..", "sql", "panels");

/** The schema sql/panels/*.sql name, MONITORING_SCHEMA's default: the committed dashboards keep it. */
export const PANEL_SCHEMA: string = SETTINGS.MONITORING_SCHEMA.default;

/** How the panels' SQL names `schema`: as written for the default, else as a quoted identifier (any name
 *  PostgreSQL keeps, upper case and spaces included). */
export const schemaPrefix = (schema: string) => (schema === PANEL_SCHEMA ? `${PANEL_SCHEMA}.` : `"${schema.replaceAll('"', '""')}".`);

/** Panel SQL reading `schema` instead of the default: the one substitution every rendering of the panels'
 *  SQL goes through (the dashboards, bench's names of their queries). */
export function inSchema(sql: string, schema: string): string {
  return schema === PANEL_SCHEMA ? sql : sql.replace(new RegExp(`\\b${PANEL_SCHEMA}\\.`, "g"), () => schemaPrefix(schema));
}

export interface PostgresQuery extends cog.Dataquery {
  refId: string;
  datasource: { type: typeof POSTGRES_TYPE; uid: string };
  editorMode: "code";
  rawQuery: true;
  format: "table" | "time_series";
  rawSql: string;
}

/** The text of sql/panels/<name>.sql, trailing newline dropped, reading `schema` (default: as written). */
export function panelSql(name: string, schema = PANEL_SCHEMA): string {
  return inSchema(readFileSync(join(PANEL_SQL_DIR, `${name}.sql`), "utf8").trimEnd(), schema);
}

class PostgresQueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly query: PostgresQuery;

  /** `sqlFile` names sql/panels/<sqlFile>.sql. */
  constructor(sqlFile: string) {
    this.query = {
      refId: "A",
      datasource: { type: POSTGRES_TYPE, uid: DATASOURCE_UIDS.postgres },
      editorMode: "code",
      rawQuery: true,
      format: "table",
      rawSql: panelSql(sqlFile),
      _implementsDataqueryVariant() {},
    };
  }

  refId(refId: string): this {
    this.query.refId = refId;
    return this;
  }

  /** Time series: the frame needs a `time` column, and Grafana pivots long data to wide. */
  timeSeries(): this {
    this.query.format = "time_series";
    return this;
  }

  build(): PostgresQuery {
    return this.query;
  }
}

export const postgresQuery = (sqlFile: string) => new PostgresQueryBuilder(sqlFile);

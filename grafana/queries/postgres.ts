// A small typed query builder for Grafana's PostgreSQL datasource, in the foundation SDK's custom-query
// pattern (the SDK ships none). The SQL comes from sql/panels/<name>.sql, so that the query a test or
// psql runs is byte for byte the query the panel runs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import { DATASOURCE_UIDS, POSTGRES_TYPE } from "../datasources.ts";

export const PANEL_SQL_DIR = join(import.meta.dir, "..", "..", "sql", "panels");

export interface PostgresQuery extends cog.Dataquery {
  refId: string;
  datasource: { type: typeof POSTGRES_TYPE; uid: string };
  editorMode: "code";
  rawQuery: true;
  format: "table" | "time_series";
  rawSql: string;
}

/** The text of sql/panels/<name>.sql, trailing newline dropped. */
export function panelSql(name: string): string {
  return readFileSync(join(PANEL_SQL_DIR, `${name}.sql`), "utf8").trimEnd();
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

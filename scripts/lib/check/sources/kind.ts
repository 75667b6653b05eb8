// The seam between the check engine and a kind of datasource (PostgreSQL, Infinity, Prometheus). A
// kind says what the browser sends for a target of its own, and opens what running a datasource's queries
// needs, as Grafana's server would run them; whoever opens it closes it. A new kind is one file like
// postgres.ts or infinity.ts, plus its line in index.ts.
import type { DatasourceDefinition, DatasourceType } from "../../../../grafana/types.ts";
import type { Target } from "../dashboard-model.ts";
import type { Frame } from "../frames.ts";
import type { TemplateVariable } from "../template.ts";
import type { TimeRange } from "../time-range.ts";

/** What a query runs with, as the browser has it once the dashboard is loaded. */
export interface QueryContext {
  range: TimeRange;
  variables: TemplateVariable[];
  /** Grafana's interval for the panel; only $__interval macros read it. */
  intervalMs: number;
  /** The panel's maxDataPoints, which the browser sends with each query. */
  maxDataPoints: number;
  /** No query may take longer than this, whatever its source does. */
  deadlineMs: number;
}

/** One datasource opened for queries: a pool, an HTTP client. */
export interface OpenDatasource {
  /** The target's frames (one for SQL and Infinity, one per series for Prometheus), or an error with the
   *  text Grafana would show. `signal` aborts at the deadline. */
  run(target: Target, context: QueryContext, signal: AbortSignal): Promise<Frame[]>;
  /** Connects once before any query, so that a source that cannot be reached is reported once, at
   *  once, by its cause (a ToolkitError: refused or silent is exit 3, refused credentials exit 2),
   *  instead of as every panel's error after its deadline. Kinds without a connection have none. */
  reach?(): Promise<void>;
  close(): Promise<void>;
}

export interface DatasourceKind {
  /** The plugin id datasources of this kind carry. */
  type: DatasourceType;
  /** The target as the browser sends it to /api/ds/query: the dashboard's variables put in (by this
   *  kind's quoting rules), the server-side macros left for Grafana. Check and smoke both send this. A kind
   *  whose browser computes more per datasource (Prometheus' interval) reads `datasource`. */
  asBrowserSends(target: Target, context: QueryContext, datasource: DatasourceDefinition): Target | Promise<Target>;
  /** Opens what this datasource's queries need; `secrets` are its secureJsonData values. */
  open(datasource: DatasourceDefinition, secrets: Record<string, string>): OpenDatasource;
}

// What a Grafana answer means for the operator: one table from the case to the kind of failure (and so
// the exit code), the failure itself a ToolkitError whose detail names the case, the HTTP status (absent
// when there was no answer) and the parsed body. Statuses and bodies are those of grafana-facts §1-5.
// A GET of a datasource, folder or dashboard answering 404 is not an error: the client returns null.
import { type FailureKind, ToolkitError } from "../errors.ts";

const GRAFANA_FAILURES = {
  /** No answer: connection refused, name not resolved, reset, or the timeout passed. */
  unreachable: "unreachable",
  /** 5xx: Grafana, or a proxy in front of it, failed. */
  server: "unreachable",
  /** 401: wrong password, bad token, no credentials. */
  auth: "badInput",
  /** 403: RBAC; the missing permission is quoted. */
  permission: "badInput",
  /** 403 on a PUT of a datasource provisioned read-only. */
  readOnlyDatasource: "badInput",
  /** 400, 413, other 4xx; a redirect; a body that is not JSON. */
  rejected: "badInput",
  /** 400 "Cannot save provisioned dashboard". */
  provisionedDashboard: "badInput",
  /** 404 where something must exist. */
  notFound: "badInput",
  /** 409: name, uid or version conflict. */
  conflict: "checkFailed",
  /** 409 or 412 on creating a folder whose uid exists. */
  folderExists: "checkFailed",
  /** 412: version-mismatch or plugin-dashboard. */
  precondition: "checkFailed",
  /** 406: the dashboard is stored as schema v2. */
  storedAsV2: "checkFailed",
} as const satisfies Record<string, FailureKind>;

export type GrafanaCase = keyof typeof GRAFANA_FAILURES;

export interface GrafanaDetail {
  grafana: GrafanaCase;
  status?: number;
  body?: unknown;
  /** permission: the permission Grafana named, e.g. "datasources:create". */
  permission?: string;
  /** precondition: Grafana's `status` string, "version-mismatch" or "plugin-dashboard". */
  reason?: string;
  /** storedAsV2: the /apis/dashboard.grafana.app/... path Grafana's message names, to read the v2 dashboard. */
  apisPath?: string;
}

export type GrafanaError = ToolkitError<GrafanaDetail>;

export function grafanaError(grafana: GrafanaCase, message: string, detail: Omit<GrafanaDetail, "grafana"> = {}, hint?: string): GrafanaError {
  return new ToolkitError(GRAFANA_FAILURES[grafana], message, { hint, detail: { grafana, ...detail } });
}

/** The case of a Grafana failure; undefined for any other error. */
export function grafanaCase(error: unknown): GrafanaCase | undefined {
  return error instanceof ToolkitError ? (error.detail as Partial<GrafanaDetail> | undefined)?.grafana : undefined;
}

/** True when `error` is the Grafana failure `grafana`. */
export function isGrafanaError(error: unknown, grafana: GrafanaCase): error is GrafanaError {
  return grafanaCase(error) === grafana;
}

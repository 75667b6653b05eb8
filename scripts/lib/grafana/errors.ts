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
  /** GRAFANA_URL answers, but not as Grafana does (its /api/health is missing, HTML, another shape). */
  notGrafana: "badInput",
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

/** The failure an unexpected status means, worded with what failed (`what`) and what to do. */
export function errorForStatus(
  status: number,
  body: unknown,
  request: { what: string; url: string; location: string | null; credentialsHint: string },
): GrafanaError {
  const { what, url, location, credentialsHint } = request;
  const message = grafanaMessage(body);
  const said = message ? `: "${message}"` : "";
  if (status >= 300 && status < 400) {
    return grafanaError("rejected", `${what}: ${url} redirected to ${location ?? "?"} (HTTP ${status}): is GRAFANA_URL Grafana's base URL?`, { status, body });
  }
  switch (status) {
    case 401: {
      const id = isRecord(body) ? String(body.messageId ?? "") : "";
      const reason = id.startsWith("password-auth")
        ? "wrong user name or password"
        : id.startsWith("api-key")
          ? "the token is invalid, expired, revoked or of another org"
          : "no credentials Grafana accepts";
      return grafanaError("auth", `${what}: Grafana at ${url} refused the credentials (HTTP 401, ${reason}${said})`, { status, body }, credentialsHint);
    }
    case 403: {
      const permission = message.match(/Permissions needed: (.+)$/)?.[1]?.trim();
      if (/read-only data source/i.test(message)) {
        return grafanaError("readOnlyDatasource", `${what}: the datasource is provisioned read-only (HTTP 403${said})`, { status, body }, "change it in the provisioning file");
      }
      const lacking = permission ? `lacks the permission ${permission}` : "is not allowed to do this";
      return grafanaError(
        "permission",
        `${what}: the Grafana user ${lacking} (HTTP 403${said})`,
        { status, body, permission },
        "use an Admin user or a token of a service account with the Admin role",
      );
    }
    case 404:
      return grafanaError("notFound", `${what}: not found (HTTP 404${said})`, { status, body });
    case 406:
      return grafanaError(
        "storedAsV2",
        `${what}: the dashboard is stored as schema v2 (saved from Grafana's UI), which the legacy API cannot read (HTTP 406${said})`,
        { status, body, apisPath: message.match(/use (\/apis\/\S+) instead/)?.[1] },
      );
    case 409:
      return grafanaError("conflict", `${what}: conflict (HTTP 409${said})`, { status, body });
    case 412: {
      const reason = isRecord(body) ? String(body.status ?? "") : "";
      return grafanaError("precondition", `${what}: refused, ${reason || "precondition failed"} (HTTP 412${said})`, { status, body, reason });
    }
  }
  if (status === 400 && message === "Cannot save provisioned dashboard") {
    return grafanaError("provisionedDashboard", `${what}: the dashboard is provisioned from a file and cannot be saved through the API (HTTP 400)`, { status, body });
  }
  if (status >= 500) return grafanaError("server", `${what}: Grafana at ${url} failed (HTTP ${status}${said})`, { status, body });
  return grafanaError("rejected", `${what}: Grafana rejected the request (HTTP ${status}${said})`, { status, body });
}

/** The `message` of Grafana's error bodies ({message}, errutil {message, messageId, statusCode}, RBAC
 *  {title, message, accessErrorId}, §1.2), or the text of a non-JSON body. */
function grafanaMessage(body: unknown): string {
  if (isRecord(body) && typeof body.message === "string") return body.message;
  return typeof body === "string" ? body.trim() : "";
}

/** A JSON object (Grafana's bodies are read as unknown until their shape is checked). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

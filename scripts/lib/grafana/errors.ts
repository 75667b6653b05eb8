// What a Grafana answer means for the operator, as error classes whose base (scripts/lib/errors.ts)
// decides the exit code. Statuses and bodies are those of grafana-facts §1-5.
//
//   status / case                                  class                         exit
//   unreachable (refused, DNS, reset), timeout     GrafanaUnreachableError          3
//   5xx (Grafana or a proxy in front of it failed) GrafanaServerError               3
//   401 wrong password, bad token, no credentials  GrafanaAuthError                 2
//   403 RBAC (the missing permission is quoted)    GrafanaPermissionError           2
//   403 PUT on a provisioned read-only datasource  ReadOnlyDatasourceError          2
//   400, 413, other 4xx; a body that is not JSON   GrafanaRejectedError             2
//   400 "Cannot save provisioned dashboard"        ProvisionedDashboardError        2
//   404 where something must exist                 GrafanaNotFoundError             2
//   409 name/uid/version conflict                  GrafanaConflictError             1
//   409 or 412 on creating a folder that exists    FolderExistsError                1
//   412 version-mismatch / plugin-dashboard        GrafanaPreconditionError         1
//   406 dashboard stored as schema v2              DashboardStoredAsV2Error         1
// A GET of a datasource, folder or dashboard answering 404 is not an error: the client returns null.
import { BadInputError, CheckFailedError, UnreachableError } from "../errors.ts";

/** What every Grafana error carries besides its message: the HTTP status (absent when there was no
 *  answer) and the parsed body. */
export interface GrafanaErrorDetail {
  status?: number;
  body?: unknown;
}

/** No answer at all: connection refused, name not resolved, reset, or the timeout passed. */
export class GrafanaUnreachableError extends UnreachableError {
  constructor(message: string) {
    super(message);
    this.name = "GrafanaUnreachableError";
  }
}

export class GrafanaServerError extends UnreachableError implements GrafanaErrorDetail {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
    this.name = "GrafanaServerError";
  }
}

export class GrafanaAuthError extends BadInputError implements GrafanaErrorDetail {
  readonly status = 401;
  constructor(
    message: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = "GrafanaAuthError";
  }
}

export class GrafanaPermissionError extends BadInputError implements GrafanaErrorDetail {
  readonly status = 403;
  constructor(
    message: string,
    readonly body: unknown,
    /** The permission Grafana named (RBAC body), e.g. "datasources:create". */
    readonly permission?: string,
  ) {
    super(message);
    this.name = "GrafanaPermissionError";
  }
}

export class ReadOnlyDatasourceError extends GrafanaPermissionError {
  constructor(message: string, body: unknown) {
    super(message, body);
    this.name = "ReadOnlyDatasourceError";
  }
}

export class GrafanaRejectedError extends BadInputError implements GrafanaErrorDetail {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
    this.name = "GrafanaRejectedError";
  }
}

export class ProvisionedDashboardError extends GrafanaRejectedError {
  constructor(message: string, body: unknown) {
    super(message, 400, body);
    this.name = "ProvisionedDashboardError";
  }
}

export class GrafanaNotFoundError extends BadInputError implements GrafanaErrorDetail {
  readonly status = 404;
  constructor(
    message: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = "GrafanaNotFoundError";
  }
}

export class GrafanaConflictError extends CheckFailedError implements GrafanaErrorDetail {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
    this.name = "GrafanaConflictError";
  }
}

/** Creating a folder whose uid exists: 409 in 10.x/11.x, maybe 412 version-mismatch in 13.x
 *  (UNCONFIRMED, grafana-facts §3.1); both land here. */
export class FolderExistsError extends GrafanaConflictError {
  constructor(message: string, status: number, body: unknown) {
    super(message, status, body);
    this.name = "FolderExistsError";
  }
}

export class GrafanaPreconditionError extends CheckFailedError implements GrafanaErrorDetail {
  readonly status = 412;
  constructor(
    message: string,
    readonly body: unknown,
    /** Grafana's `status` string: "version-mismatch" or "plugin-dashboard". */
    readonly reason: string,
  ) {
    super(message);
    this.name = "GrafanaPreconditionError";
  }
}

export class DashboardStoredAsV2Error extends CheckFailedError implements GrafanaErrorDetail {
  readonly status = 406;
  constructor(
    message: string,
    readonly body: unknown,
    /** The /apis/dashboard.grafana.app/... path Grafana's message names, to read the v2 dashboard. */
    readonly apisPath?: string,
  ) {
    super(message);
    this.name = "DashboardStoredAsV2Error";
  }
}

// What the Grafana double is made of, shared by its server (grafana-double.ts) and its dashboard and query
// routes (grafana-double-dashboards.ts): the points grafana-facts leaves UNCONFIRMED, the stored items,
// and the reply helpers.
import type { StoredDatasource } from "./grafana-double-health.ts";

/** Every point grafana-facts marks UNCONFIRMED that the double has to decide, in one place. The
 *  toolkit's client must cope with each alternative noted here. */
export const UNCONFIRMED = {
  /** §3.1: creating a folder whose uid exists: 409 (10.x/11.x) or 412 version-mismatch (13.x, k8s). */
  folderExists: 409 as 409 | 412,
  folderExistsBodies: {
    409: { message: "a folder with the same uid already exists" },
    412: { status: "version-mismatch", message: "the folder has been changed by someone else" },
  },
  /** §2.4: a PUT with version 0 or none is unconditional and leaves the stored version at 1. */
  versionlessUpdateSetsVersionTo: 1,
  /** §2.5: health of an unknown uid goes through "lookup fails" (500); no 404 branch was seen. */
  healthOfUnknownUid: { status: 500, body: { message: "Unable to load datasource metadata" } },
  /** §2.3: typeLogoUrl's exact path. */
  typeLogoUrl: (type: string) => `public/plugins/${type}/img/logo.svg`,
  /** §1.6 gives datasources:read for GET by uid; whether a Viewer holds it is not stated. */
  viewerMayReadDatasources: false,
  /** §4.5: v1 JSON saved with overwrite over a v2-stored dashboard turns it back into v1. */
  overwriteTurnsV2IntoV1: true,
  /** §4.4: whether the legacy versions list answers for a v2-stored dashboard. */
  versionsListedForV2: true,
  /** §2.1 / §8: an unregistered route answers 404 (body not looked up). */
  unknownRoute: { status: 404, body: { message: "Not found" } },
  /** §5.3: the errutil message of a duplicate refId (only its id, query.duplicateRefId, is known). */
  duplicateRefIdMessage: "Query refId must be unique",
  /** §6.1: what an absent jsonData.sslmode means for the PostgreSQL datasource. */
  postgresDefaultSslmode: "require",
  /** §4.2: the namespace of org 1 in the 406 hint (other orgs `org-<id>`). */
  namespace: "default",
  /** prometheus-facts §10: whether the health check also looks at the value of 1+1, or only at the query
   *  answering without error (the facts name only the query and the two messages). */
  prometheusHealthChecksValue: false,
};
export type Unconfirmed = typeof UNCONFIRMED;

export type Role = "Admin" | "Editor" | "Viewer";

/** Runs a /api/ds/query body as Grafana's server would; the lead's check engine plugs in here. */
export type QueryExecutor = (body: unknown, context: QueryContext) => Promise<{ status: number; body: unknown }>;
export interface QueryContext {
  /** The datasource a query names, with its secrets (test-only). */
  datasource(uid: string): StoredDatasource | undefined;
}

export interface Caller {
  login: string;
  role: Role;
}

export interface StoredVersion {
  version: number;
  parentVersion: number;
  created: string;
  createdBy: string;
  message: string;
  data: Record<string, unknown>;
}

export interface StoredDashboard {
  id: number;
  uid: string;
  folderUid: string;
  provisioned: boolean;
  /** Saved as v2 from the UI: the legacy GET answers 406 (§4.2). */
  v2Spec?: Record<string, unknown>;
  versions: StoredVersion[];
  created: string;
  createdBy: string;
}

export interface StoredFolder {
  id: number;
  uid: string;
  title: string;
  created: string;
  createdBy: string;
}

/** Plugin aliases read back as the canonical id (plugin.json aliasIDs, §2.3). */
export const TYPE_ALIASES: Record<string, string> = { postgres: "grafana-postgresql-datasource" };

export const VIEWER = ["folders:read", "dashboards:read", "datasources:query"];
export const EDITOR = [...VIEWER, "folders:create", "dashboards:create", "dashboards:write"];
export const UID_PATTERN = /^[a-zA-Z0-9\-_]+$/;

export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}
export const reply = (status: number, body: unknown) => new Reply(status, body);
export const errutil = (status: number, messageId: string, message: string) => reply(status, { message, messageId, statusCode: status });

/** A route: its method (any when null), its path pattern, and the handler of a caller already authenticated. */
export interface Route {
  method: string | null;
  pattern: RegExp;
  handle: (caller: Caller, m: string[], request: Request, url: URL) => Promise<Reply> | Reply;
}

/** The double's state and its authorisation, as the routes of other files need them. */
export interface DoubleContext {
  facts: Unconfirmed;
  datasources: Map<string, StoredDatasource>;
  folders: Map<string, StoredFolder>;
  dashboards: Map<string, StoredDashboard>;
  queryBodies: unknown[];
  executor?: QueryExecutor;
  authorize(caller: Caller, ...anyOf: string[]): Reply | null;
  nextId(): number;
  now(): string;
}

export async function jsonBody(request: Request): Promise<unknown> {
  try {
    return JSON.parse(await request.text());
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

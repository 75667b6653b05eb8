// A small client for the Grafana 13 HTTP API: only the legacy /api uid routes that 13.2 still serves
// (numeric-id routes are off by default in 13, grafana-facts §2.1, §8). Every answer's status is checked
// before its body is read, and every status maps to a case of ./errors.ts (and so to the exit code).
import { type GrafanaError, errorForStatus, grafanaCase, grafanaError, isRecord } from "./errors.ts";
import type { Config } from "../config.ts";
import { networkCause } from "../errors.ts";

/** Basic auth, or a service-account token (which wins when set). */
export interface GrafanaAuth {
  user?: string;
  password?: string;
  token?: string;
}

export interface GrafanaClientOptions {
  url: string;
  auth: GrafanaAuth;
  /** Per request; health checks and queries get the longer `slowTimeoutMs`. */
  timeoutMs?: number;
  slowTimeoutMs?: number;
  /** X-Grafana-Org-Id (grafana-facts §1.1); the user's current org when absent. */
  orgId?: number;
}

export interface GrafanaHealth {
  database: string;
  version?: string;
  commit?: string;
}

/** The columns of a datasource that both its body (grafana-facts §2.2) and its GET answer (§2.3) carry. */
interface DatasourceColumns {
  uid: string;
  name: string;
  type: string;
  access: string;
  url: string;
  user?: string;
  database?: string;
  basicAuth?: boolean;
  basicAuthUser?: string;
  withCredentials?: boolean;
  isDefault?: boolean;
}

/** The datasource as GET /api/datasources/uid/:uid returns it (grafana-facts §2.3). */
export interface DatasourceDto extends DatasourceColumns {
  id: number;
  orgId: number;
  typeLogoUrl?: string;
  jsonData?: Record<string, unknown>;
  secureJsonFields?: Record<string, boolean>;
  version: number;
  readOnly?: boolean;
  [key: string]: unknown;
}

/** The body of POST /api/datasources and PUT /api/datasources/uid/:uid (grafana-facts §2.2). */
export interface DatasourceBody extends DatasourceColumns {
  jsonData: Record<string, unknown>;
  secureJsonData?: Record<string, string>;
  /** On update: the version last read, so that a concurrent change gives 409 (§2.4). */
  version?: number;
}

/** GET /api/datasources/uid/:uid/health: 200 when OK, 400 with the same shape otherwise (§2.5). */
export interface DatasourceHealth {
  ok: boolean;
  status: "OK" | "ERROR" | "UNKNOWN";
  message: string;
  details?: Record<string, unknown>;
}

export interface FolderDto {
  uid: string;
  title: string;
  id?: number;
  url?: string;
  version?: number;
  parentUid?: string;
  [key: string]: unknown;
}

export interface DashboardMeta {
  version: number;
  folderUid?: string;
  folderTitle?: string;
  provisioned?: boolean;
  provisionedExternalId?: string;
  updatedBy?: string;
  updated?: string;
  url?: string;
  apiVersion?: string;
  [key: string]: unknown;
}

export interface DashboardWithMeta {
  dashboard: Record<string, unknown>;
  meta: DashboardMeta;
}

export interface SaveDashboardRequest {
  dashboard: Record<string, unknown>;
  folderUid?: string;
  message?: string;
  overwrite?: boolean;
}

export interface SaveDashboardResult {
  status: string;
  uid: string;
  version: number;
  id?: number;
  url?: string;
  slug?: string;
  folderUid?: string;
}

/** One entry of GET /api/dashboards/uid/:uid/versions, newest first (§4.4). */
export interface DashboardVersion {
  version: number;
  parentVersion?: number;
  created?: string;
  createdBy?: string;
  message: string;
  [key: string]: unknown;
}

export interface QueryResult {
  status?: number;
  error?: string;
  errorSource?: string;
  frames?: unknown[];
  [key: string]: unknown;
}

/** POST /api/ds/query: 200 when every query answered, 400 with the same results map when any failed
 *  (never 207 in 13.x, §5.3). */
export interface QueryResponse {
  status: 200 | 400;
  results: Record<string, QueryResult>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const SLOW_TIMEOUT_MS = 30_000;
const START_HINT = "start it (docker compose up -d grafana) or point GRAFANA_URL at a running Grafana";

interface Answer {
  status: number;
  body: unknown;
}

export class GrafanaClient {
  readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly slowTimeoutMs: number;
  private readonly credentialsHint: string;

  constructor(options: GrafanaClientOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.slowTimeoutMs = options.slowTimeoutMs ?? SLOW_TIMEOUT_MS;
    const { token, user, password } = options.auth;
    this.headers = { Accept: "application/json" };
    if (token) this.headers.Authorization = `Bearer ${token}`;
    else if (user !== undefined) this.headers.Authorization = `Basic ${btoa(`${user}:${password ?? ""}`)}`;
    if (options.orgId !== undefined) this.headers["X-Grafana-Org-Id"] = String(options.orgId);
    this.credentialsHint = token ? "check GRAFANA_TOKEN" : "check GRAFANA_ADMIN_USER and GRAFANA_ADMIN_PASSWORD (or set GRAFANA_TOKEN)";
  }

  /** GET /api/health (no auth needed): 200 with {database, version, commit}, or 503 when Grafana's
   *  database fails (§1.7). Anything else that answers is not a Grafana: the notGrafana failure (exit 2),
   *  one message whatever the other server said, so that no later call blames a dashboard for it. */
  async health(): Promise<GrafanaHealth> {
    let answer: Answer;
    try {
      answer = await this.request("GET", "/api/health", "reading Grafana's health", { ok: [200] });
    } catch (error) {
      const failure = error as GrafanaError;
      if (!NOT_GRAFANA_CASES.has(grafanaCase(error) ?? "unreachable")) throw error;
      const { status, body } = failure.detail;
      throw this.notGrafana(`GET /api/health answered HTTP ${status}${describeBody(body)}`);
    }
    const body = answer.body;
    if (!isRecord(body) || typeof body.database !== "string") {
      throw this.notGrafana(`GET /api/health answered JSON without Grafana's "database" field${describeBody(body)}`);
    }
    return body as unknown as GrafanaHealth;
  }

  private notGrafana(cause: string): GrafanaError {
    return grafanaError(
      "notGrafana",
      `GRAFANA_URL (${this.url}) answers but is not a Grafana: ${cause}`,
      {},
      "point GRAFANA_URL at Grafana's base URL, e.g. http://localhost:GRAFANA_PORT (the trading system's own Grafana is on 4700), not at RabbitMQ, Prometheus or a service",
    );
  }

  async getDatasource(uid: string): Promise<DatasourceDto | null> {
    const answer = await this.request("GET", `/api/datasources/uid/${enc(uid)}`, `reading datasource ${uid}`, { ok: [200], absent: true });
    return answer.status === 404 ? null : (answer.body as DatasourceDto);
  }

  async createDatasource(body: DatasourceBody): Promise<DatasourceDto> {
    const answer = await this.request("POST", "/api/datasources", `creating datasource "${body.name}" (uid ${body.uid})`, { ok: [200], body });
    return (answer.body as { datasource: DatasourceDto }).datasource;
  }

  async updateDatasource(uid: string, body: DatasourceBody): Promise<DatasourceDto> {
    const what = `updating datasource "${body.name}" (uid ${uid})`;
    const answer = await this.request("PUT", `/api/datasources/uid/${enc(uid)}`, what, { ok: [200], body });
    return (answer.body as { datasource: DatasourceDto }).datasource;
  }

  /** The datasource's own check, run by Grafana against its target. */
  async datasourceHealth(uid: string): Promise<DatasourceHealth> {
    const answer = await this.request("GET", `/api/datasources/uid/${enc(uid)}/health`, `checking datasource ${uid}'s health`, {
      ok: [200],
      // A failed check is 400 with {status, message}; other 400s (e.g. "UID is invalid") are errors.
      accept: (status, body) => status === 400 && isRecord(body) && typeof body.status === "string",
      slow: true,
    });
    const body = answer.body as Omit<DatasourceHealth, "ok">;
    return { ok: answer.status === 200 && body.status === "OK", status: body.status, message: String(body.message ?? ""), details: body.details };
  }

  async getFolder(uid: string): Promise<FolderDto | null> {
    const answer = await this.request("GET", `/api/folders/${enc(uid)}`, `reading folder ${uid}`, { ok: [200], absent: true });
    return answer.status === 404 ? null : (answer.body as FolderDto);
  }

  /** Throws the folderExists failure when the uid exists, whichever of 409 or 412 Grafana answers (§3.1). */
  async createFolder(folder: { uid: string; title: string; parentUid?: string }): Promise<FolderDto> {
    const what = `creating folder "${folder.title}" (uid ${folder.uid})`;
    try {
      return (await this.request("POST", "/api/folders", what, { ok: [200], body: folder })).body as FolderDto;
    } catch (error) {
      const failure = error as GrafanaError;
      if (grafanaCase(error) === "conflict" || (grafanaCase(error) === "precondition" && failure.detail.reason === "version-mismatch")) {
        const { status, body } = failure.detail;
        throw grafanaError("folderExists", `${what}: a folder with this uid already exists (HTTP ${status})`, { status, body });
      }
      throw error;
    }
  }

  /** Null when absent. A dashboard stored as schema v2 throws the storedAsV2 failure (406, §4.2). */
  async getDashboard(uid: string): Promise<DashboardWithMeta | null> {
    const answer = await this.request("GET", `/api/dashboards/uid/${enc(uid)}`, `reading dashboard ${uid}`, { ok: [200], absent: true });
    return answer.status === 404 ? null : (answer.body as DashboardWithMeta);
  }

  /** Reads a dashboard through the /apis path a 406 names: the only way to see (and back up) a
   *  dashboard stored as v2; the path must be Grafana's dashboard API. */
  async getDashboardResource(apisPath: string): Promise<Record<string, unknown>> {
    if (!/^\/apis\/dashboard\.grafana\.app\/[\w.-]+\/namespaces\/[\w-]+\/dashboards\/[\w-]+$/.test(apisPath)) {
      throw grafanaError("rejected", `not a Grafana dashboard resource path: ${apisPath}`);
    }
    return (await this.request("GET", apisPath, `reading ${apisPath}`, { ok: [200] })).body as Record<string, unknown>;
  }

  /** POST /api/dashboards/db. 412 throws the precondition failure; a provisioned dashboard the
   *  provisionedDashboard failure (400). */
  async saveDashboard(request: SaveDashboardRequest): Promise<SaveDashboardResult> {
    const uid = String(request.dashboard.uid ?? "");
    const what = `saving dashboard "${String(request.dashboard.title ?? "")}" (uid ${uid})`;
    return (await this.request("POST", "/api/dashboards/db", what, { ok: [200], body: request })).body as SaveDashboardResult;
  }

  /** Newest first. Accepts the 12+ wrapper {versions: [...]} and the older bare array (§4.4). */
  async dashboardVersions(uid: string, limit = 5): Promise<DashboardVersion[]> {
    const answer = await this.request("GET", `/api/dashboards/uid/${enc(uid)}/versions?limit=${limit}`, `listing versions of dashboard ${uid}`, {
      ok: [200],
    });
    const body = answer.body;
    const list = Array.isArray(body) ? body : isRecord(body) && Array.isArray(body.versions) ? body.versions : [];
    return (list as DashboardVersion[]).toSorted((a, b) => b.version - a.version);
  }

  /** POST /api/ds/query. Per-query errors come back in `results` (status 400); request-level
   *  failures (bad request, unknown datasource, no access) throw. */
  async query(body: { from: string; to: string; queries: Record<string, unknown>[] }): Promise<QueryResponse> {
    const answer = await this.request("POST", "/api/ds/query", "querying through /api/ds/query", {
      ok: [200],
      accept: (status, parsed) => status === 400 && isRecord(parsed) && isRecord(parsed.results),
      body,
      slow: true,
    });
    return { status: answer.status as 200 | 400, results: (answer.body as { results: Record<string, QueryResult> }).results };
  }

  private async request(
    method: string,
    path: string,
    what: string,
    options: {
      ok: number[];
      /** 404 is an answer (the thing is absent), not an error. */
      absent?: boolean;
      /** Another status whose body is an answer too. */
      accept?: (status: number, body: unknown) => boolean;
      body?: unknown;
      slow?: boolean;
    },
  ): Promise<Answer> {
    const timeoutMs = options.slow ? this.slowTimeoutMs : this.timeoutMs;
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: options.body === undefined ? this.headers : { ...this.headers, "Content-Type": "application/json" },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "manual",
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === "TimeoutError" || name === "AbortError") {
        throw grafanaError("unreachable", `${what}: Grafana at ${this.url} did not answer within ${timeoutMs / 1000}s`, {}, START_HINT);
      }
      const { cause, original } = networkCause(error);
      throw grafanaError("unreachable", `${what}: Grafana at ${this.url} is unreachable: ${cause}`, {}, cause === original ? START_HINT : `${START_HINT}\n    (${original})`);
    }
    // The status decides how the body is read: an answer must be JSON; an error body is only quoted.
    const status = response.status;
    const text = await response.text().catch(() => "");
    const parsed = parseJson(text);
    if (options.ok.includes(status)) {
      if (parsed === undefined) {
        throw grafanaError("rejected", `${what}: ${this.url} answered HTTP ${status} with a body that is not JSON: is GRAFANA_URL a Grafana?`, { status, body: text.slice(0, 200) });
      }
      return { status, body: parsed };
    }
    if (options.absent && status === 404) return { status, body: parsed };
    if (options.accept?.(status, parsed)) return { status, body: parsed };
    throw errorForStatus(status, parsed ?? text.slice(0, 200), { what, url: this.url, location: response.headers.get("location"), credentialsHint: this.credentialsHint });
  }
}

/** The answers of a server that is not Grafana's, when its /api/health gives them. */
const NOT_GRAFANA_CASES = new Set<string>(["rejected", "notFound", "storedAsV2", "conflict", "precondition", "provisionedDashboard"]);

/** What another server's answer says, briefly: an HTML page's title, else its first words. */
function describeBody(body: unknown): string {
  const text = typeof body === "string" ? body : body === undefined ? "" : JSON.stringify(body);
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
  if (title) return ` (an HTML page titled "${title}")`;
  if (/^\s*</.test(text)) return " (an HTML page)";
  const words = text.replace(/\s+/g, " ").trim();
  return words ? ` (${JSON.stringify(words.length > 80 ? `${words.slice(0, 80)}...` : words)})` : "";
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const enc = encodeURIComponent;

/** The client for the configured Grafana: GRAFANA_URL, and GRAFANA_TOKEN or the admin user. */
export function grafanaClientFor(grafana: Config["grafana"], options: Partial<GrafanaClientOptions> = {}): GrafanaClient {
  return new GrafanaClient({ url: grafana.url, auth: { user: grafana.adminUser, password: grafana.adminPassword, token: grafana.token }, ...options });
}

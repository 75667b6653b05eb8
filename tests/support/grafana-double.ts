// A test double of Grafana 13.2's HTTP API: a small Bun.serve server with only the routes the toolkit's
// client uses, answering with the statuses and bodies of shared/docs/grafana-facts.md (§ numbers below).
// A test fixture, never used by a command. It is not Grafana: no UI, no provisioning files, no plugins,
// one org, and /api/ds/query runs only through an executor a test plugs in.
import { randomBytes } from "node:crypto";
import { type HealthAnswer, type StoredDatasource, infinityHealth, postgresHealth, prometheusHealth } from "./grafana-double-health.ts";
import { dashboardAndQueryRoutes } from "./grafana-double-dashboards.ts";
import {
  type Caller,
  type DoubleContext,
  EDITOR,
  type QueryExecutor,
  Reply,
  type Role,
  type Route,
  type StoredDashboard,
  type StoredFolder,
  TYPE_ALIASES,
  UID_PATTERN,
  UNCONFIRMED,
  type Unconfirmed,
  VIEWER,
  errutil,
  isRecord,
  jsonBody,
  reply,
  slug,
} from "./grafana-double-model.ts";

export type { QueryExecutor } from "./grafana-double-model.ts";

export interface GrafanaDoubleOptions {
  adminUser?: string;
  adminPassword?: string;
  executor?: QueryExecutor;
  unconfirmed?: Partial<Unconfirmed>;
  version?: string;
}

export interface GrafanaDouble {
  url: string;
  adminUser: string;
  adminPassword: string;
  /** A service-account token (glsa_...) with this basic role. */
  token(role: Role): string;
  /** Test-only: a datasource as provisioning leaves it (read-only unless editable). */
  provisionDatasource(body: Partial<StoredDatasource> & { uid: string; name: string; type: string }, editable?: boolean): void;
  /** Test-only: a dashboard as a file provider with allowUiUpdates false leaves it (meta.provisioned). */
  provisionDashboard(json: Record<string, unknown>, folderUid?: string): void;
  /** Test-only: as if someone saved the dashboard from the UI as schema v2 (a new version; GET answers 406). */
  markStoredAsV2(uid: string, spec?: Record<string, unknown>, by?: string): void;
  /** Every request seen: method, path and status. */
  requests: { method: string; path: string; status: number }[];
  /** Every /api/ds/query body received, as sent, in order. */
  queryBodies: unknown[];
  stop(): Promise<void>;
}

export async function startGrafanaDouble(options: GrafanaDoubleOptions = {}): Promise<GrafanaDouble> {
  const facts: Unconfirmed = { ...UNCONFIRMED, ...options.unconfirmed };
  const adminUser = options.adminUser ?? "admin";
  const adminPassword = options.adminPassword ?? randomBytes(12).toString("base64url");
  const version = options.version ?? "13.2.3";
  const tokens = new Map<string, Role>();
  const datasources = new Map<string, StoredDatasource>();
  const folders = new Map<string, StoredFolder>();
  const dashboards = new Map<string, StoredDashboard>();
  const requests: GrafanaDouble["requests"] = [];
  const queryBodies: unknown[] = [];
  let nextId = 1;
  const now = () => new Date().toISOString();

  const permissionsOf = (role: Role) =>
    role === "Admin" ? null : [...(role === "Viewer" ? VIEWER : EDITOR), ...(facts.viewerMayReadDatasources ? ["datasources:read"] : [])];

  /** 401 bodies of §1.3-1.5; null when the credentials are good. */
  function authenticate(request: Request): Caller | Reply {
    const header = request.headers.get("authorization") ?? "";
    if (header.startsWith("Basic ")) {
      const [user, ...rest] = atob(header.slice(6)).split(":");
      if (user === adminUser && rest.join(":") === adminPassword) return { login: adminUser, role: "Admin" };
      return errutil(401, "password-auth.failed", "Invalid username or password");
    }
    if (header.startsWith("Bearer ")) {
      const role = tokens.get(header.slice(7));
      if (role) return { login: `sa-${role.toLowerCase()}`, role };
      return errutil(401, "api-key.invalid", "Invalid API key");
    }
    return reply(401, { message: "Unauthorized" });
  }

  /** The RBAC denial of §1.6, naming the permission (or "any of a, b"). */
  function authorize(caller: Caller, ...anyOf: string[]): Reply | null {
    const held = permissionsOf(caller.role);
    if (!held || anyOf.some((p) => held.includes(p))) return null;
    const needed = anyOf.length > 1 ? `any of ${anyOf.join(", ")}` : anyOf[0];
    return reply(403, {
      title: "Access denied",
      message: `You'll need additional permissions to perform this action. Permissions needed: ${needed}`,
      accessErrorId: `ACE${String(Math.floor(Math.random() * 1e10)).padStart(10, "0")}`,
    });
  }

  function datasourceDto(ds: StoredDatasource, withAccessControl: boolean) {
    const type = TYPE_ALIASES[ds.type] ?? ds.type;
    const { secureJsonData, ...columns } = ds;
    return {
      ...columns,
      orgId: 1,
      type,
      typeLogoUrl: facts.typeLogoUrl(type),
      secureJsonFields: Object.fromEntries(Object.entries(secureJsonData).filter(([, v]) => v !== "").map(([k]) => [k, true])),
      apiVersion: "",
      ...(withAccessControl ? { accessControl: { "datasources:read": true, "datasources:write": !ds.readOnly, "datasources:delete": !ds.readOnly } } : {}),
    };
  }

  function storeDatasource(body: Record<string, unknown>, existing?: StoredDatasource): StoredDatasource {
    const str = (key: string) => (typeof body[key] === "string" ? (body[key] as string) : "");
    const secure = isRecord(body.secureJsonData) ? (body.secureJsonData as Record<string, string>) : {};
    return {
      id: existing?.id ?? nextId++,
      uid: existing?.uid ?? (str("uid") || randomBytes(7).toString("hex")),
      name: str("name"),
      type: str("type"),
      access: str("access") || "proxy",
      url: str("url"),
      user: str("user"),
      database: str("database"),
      basicAuth: body.basicAuth === true,
      basicAuthUser: str("basicAuthUser"),
      withCredentials: body.withCredentials === true,
      isDefault: body.isDefault === true,
      jsonData: isRecord(body.jsonData) ? (body.jsonData as Record<string, unknown>) : {},
      // Secrets are kept unless the same key is sent (fillWithSecureJSONData, §2.3).
      secureJsonData: { ...existing?.secureJsonData, ...secure },
      version: existing?.version ?? 1,
      readOnly: existing?.readOnly ?? false,
    };
  }

  function clearOtherDefaults(ds: StoredDatasource) {
    if (ds.isDefault) for (const other of datasources.values()) if (other.uid !== ds.uid) other.isDefault = false;
  }

  const context: DoubleContext = {
    facts,
    datasources,
    folders,
    dashboards,
    queryBodies,
    executor: options.executor,
    authorize,
    nextId: () => nextId++,
    now,
  };

  const routes: Route[] = [
    // --- datasources (§2) ---
    {
      method: "GET",
      pattern: /^\/api\/datasources\/uid\/([^/]+)$/,
      handle: (caller, [uid]) => {
        const denied = authorize(caller, "datasources:read");
        if (denied) return denied;
        const ds = datasources.get(uid!);
        return ds ? reply(200, datasourceDto(ds, true)) : reply(404, { message: "Data source not found" });
      },
    },
    {
      method: "POST",
      pattern: /^\/api\/datasources$/,
      handle: async (caller, _m, request) => {
        const denied = authorize(caller, "datasources:create");
        if (denied) return denied;
        const body = await jsonBody(request);
        if (!isRecord(body)) return reply(400, { message: "bad request data" });
        if (!body.name) return errutil(400, "datasource.nameInvalid", "Invalid datasource name.");
        if (isRecord(body.jsonData) && "teamHttpHeaders" in body.jsonData) {
          return reply(403, { message: "Cannot create datasource with team HTTP headers, need to use updateDatasourceLBACRules API" });
        }
        if (typeof body.url === "string" && /\s/.test(body.url)) return reply(400, { message: "Validation error, invalid URL" });
        if ([...datasources.values()].some((d) => d.name === body.name)) return reply(409, { message: "data source with the same name already exists" });
        if (typeof body.uid === "string" && datasources.has(body.uid)) return reply(409, { message: "data source with the same uid already exists" });
        const ds = storeDatasource(body);
        datasources.set(ds.uid, ds);
        clearOtherDefaults(ds);
        return reply(200, { message: "Datasource added", id: ds.id, name: ds.name, datasource: datasourceDto(ds, false) });
      },
    },
    {
      method: "PUT",
      pattern: /^\/api\/datasources\/uid\/([^/]+)$/,
      handle: async (caller, [uid], request) => {
        const denied = authorize(caller, "datasources:write");
        if (denied) return denied;
        const body = await jsonBody(request);
        if (!isRecord(body)) return reply(400, { message: "bad request data" });
        const existing = datasources.get(uid!);
        if (!existing) return reply(404, { message: "Data source not found" });
        if (existing.readOnly) return reply(403, { message: "Cannot update read-only data source" });
        if (typeof body.url !== "string" || /\s/.test(body.url)) return reply(400, { message: "Validation error, invalid URL" });
        if ([...datasources.values()].some((d) => d.name === body.name && d.uid !== uid)) {
          return reply(409, { message: "Failed to update datasource: data source with the same name already exists" });
        }
        // The row matches only when the stored version <= the sent one; it becomes sent + 1 (§2.4).
        const sent = Number(body.version ?? 0);
        if (sent !== 0 && existing.version > sent) {
          return reply(409, { message: "Datasource has already been updated by someone else. Please reload and try again" });
        }
        const ds = storeDatasource(body, existing);
        ds.version = sent === 0 ? facts.versionlessUpdateSetsVersionTo : sent + 1;
        datasources.set(ds.uid, ds);
        clearOtherDefaults(ds);
        return reply(200, { message: "Datasource updated", id: ds.id, name: body.name, datasource: datasourceDto(ds, false) });
      },
    },
    {
      method: null, // registered as Any (§2.1)
      pattern: /^\/api\/datasources\/uid\/([^/]+)\/health$/,
      handle: async (caller, [uid]) => {
        if (!UID_PATTERN.test(uid!) || uid!.length > 40) return reply(400, { message: "UID is invalid" });
        const denied = authorize(caller, "datasources:query");
        if (denied) return denied;
        const ds = datasources.get(uid!);
        if (!ds) return reply(facts.healthOfUnknownUid.status, facts.healthOfUnknownUid.body);
        const type = TYPE_ALIASES[ds.type] ?? ds.type;
        let answer: HealthAnswer;
        if (type === "grafana-postgresql-datasource") answer = await postgresHealth(ds, caller.role === "Admin", facts.postgresDefaultSslmode);
        else if (type === "yesoreyeram-infinity-datasource") answer = await infinityHealth(ds);
        else if (type === "prometheus") answer = await prometheusHealth(ds);
        else answer = { status: 400, body: { status: "UNKNOWN", message: `the Grafana double checks no ${type} datasource` } };
        return reply(answer.status, answer.body);
      },
    },
    // --- folders (§3) ---
    {
      method: "GET",
      pattern: /^\/api\/folders\/([^/]+)$/,
      handle: (caller, [uid]) => {
        const denied = authorize(caller, "folders:read");
        if (denied) return denied;
        const folder = folders.get(uid!);
        return folder ? reply(200, folderDto(folder)) : reply(404, { status: "not-found", message: "folder not found" });
      },
    },
    {
      method: "POST",
      pattern: /^\/api\/folders$/,
      handle: async (caller, _m, request) => {
        const denied = authorize(caller, "folders:create");
        if (denied) return denied;
        const body = await jsonBody(request);
        if (!isRecord(body)) return reply(400, { message: "bad request data" });
        const title = typeof body.title === "string" ? body.title.trim() : "";
        if (!title) return reply(400, { message: "folder title cannot be empty" });
        const uid = typeof body.uid === "string" && body.uid ? body.uid : randomBytes(7).toString("hex");
        if (!UID_PATTERN.test(uid)) return reply(400, { message: "uid contains illegal characters" });
        if (uid.length > 40) return reply(400, { message: "uid too long, max 40 characters" });
        if (folders.has(uid)) return reply(facts.folderExists, facts.folderExistsBodies[facts.folderExists]);
        const folder = { id: nextId++, uid, title, created: now(), createdBy: caller.login };
        folders.set(uid, folder);
        return reply(200, folderDto(folder));
      },
    },
    ...dashboardAndQueryRoutes(context),
  ];


  function folderDto(folder: StoredFolder) {
    return {
      id: folder.id,
      uid: folder.uid,
      orgId: 1,
      title: folder.title,
      url: `/dashboards/f/${folder.uid}/${slug(folder.title)}`,
      hasAcl: false,
      canSave: true,
      canEdit: true,
      canAdmin: true,
      canDelete: true,
      createdBy: folder.createdBy,
      created: folder.created,
      updatedBy: folder.createdBy,
      updated: folder.created,
      version: 1,
    };
  }

  async function handle(request: Request): Promise<Reply> {
    const url = new URL(request.url);
    // /api/health sits ahead of authentication; GET and HEAD on the exact path only (§1.7).
    if (url.pathname === "/api/health" && (request.method === "GET" || request.method === "HEAD")) {
      return reply(200, { database: "ok", version, commit: "0000000000000000000000000000000000000000" });
    }
    for (const route of routes) {
      const match = url.pathname.match(route.pattern);
      if (!match || (route.method && route.method !== request.method)) continue;
      const caller = authenticate(request);
      if (caller instanceof Reply) return caller;
      return route.handle(caller, match.slice(1).map(decodeURIComponent), request, url);
    }
    if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/apis/")) {
      const caller = authenticate(request);
      if (caller instanceof Reply) return caller;
    }
    return reply(facts.unknownRoute.status, facts.unknownRoute.body);
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    // Health checks may wait on a slow target.
    idleTimeout: 120,
    async fetch(request) {
      const answer = await handle(request).catch((error: Error) => reply(500, { message: `Internal Server Error: ${error.message}` }));
      requests.push({ method: request.method, path: new URL(request.url).pathname, status: answer.status });
      // Pretty-printed, as Grafana's health route is (§1.7); other routes are compact.
      const pretty = new URL(request.url).pathname === "/api/health";
      return new Response(JSON.stringify(answer.body, null, pretty ? 2 : undefined), {
        status: answer.status,
        headers: { "Content-Type": "application/json; charset=UTF-8" },
      });
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    adminUser,
    adminPassword,
    requests,
    queryBodies,
    token(role) {
      const token = `glsa_${randomBytes(24).toString("base64url")}_${randomBytes(4).toString("hex")}`;
      tokens.set(token, role);
      return token;
    },
    provisionDatasource(body, editable = false) {
      const ds = storeDatasource(body as Record<string, unknown>);
      ds.readOnly = !editable;
      datasources.set(ds.uid, ds);
    },
    provisionDashboard(json, folderUid = "") {
      const uid = String(json.uid);
      dashboards.set(uid, {
        id: nextId++,
        uid,
        folderUid,
        provisioned: true,
        versions: [{ version: 1, parentVersion: 0, created: now(), createdBy: "Anonymous", message: "", data: { ...json, version: 1 } }],
        created: now(),
        createdBy: "Anonymous",
      });
    },
    markStoredAsV2(uid, spec, by = "editor") {
      const dash = dashboards.get(uid);
      if (!dash) throw new Error(`the double has no dashboard ${uid}`);
      const latest = dash.versions.at(-1)!;
      dash.v2Spec = spec ?? { title: latest.data.title, elements: {}, layout: { kind: "GridLayout", spec: { items: [] } }, variables: [] };
      dash.versions.push({ version: latest.version + 1, parentVersion: latest.version, created: now(), createdBy: by, message: "", data: { ...latest.data, version: latest.version + 1 } });
    },
    stop: () => server.stop(true),
  };
}

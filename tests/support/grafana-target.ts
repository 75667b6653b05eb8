// The one place every Grafana test takes its target from: the double (./grafana-double.ts) by default,
// a real Grafana when GRAFANA_URL and credentials (GRAFANA_ADMIN_USER/GRAFANA_ADMIN_PASSWORD, or
// GRAFANA_TOKEN) are set in the environment. The assertions are the same either way; what only the
// double can do (mark a dashboard as saved in schema v2, provision read-only items, check health
// against the stack's loopback services) is offered through `double`, and tests needing it skip on a
// real Grafana (`onRealGrafana`). On a real Grafana, close() removes what the tests created through the
// target's clients (and what they name with `created`), so that a test run leaves that Grafana as it was.
import {
  type DatasourceBody,
  type DatasourceDto,
  type FolderDto,
  GrafanaClient,
  type GrafanaAuth,
  type SaveDashboardRequest,
  type SaveDashboardResult,
} from "../../scripts/lib/grafana/client.ts";
import { type GrafanaDouble, type QueryExecutor, startGrafanaDouble } from "./grafana-double.ts";

const env = process.env;
/** True when the tests run against the Grafana that GRAFANA_URL points at. */
export const onRealGrafana = Boolean(env.GRAFANA_URL && (env.GRAFANA_TOKEN || (env.GRAFANA_ADMIN_USER && env.GRAFANA_ADMIN_PASSWORD)));

export interface GrafanaTarget {
  kind: "double" | "real";
  url: string;
  /** Admin credentials. */
  auth: GrafanaAuth;
  /** The double itself (absent on a real Grafana). */
  double?: GrafanaDouble;
  /** A Viewer's token: the double issues one; a real Grafana needs GRAFANA_VIEWER_TOKEN (else null). */
  viewerToken(): string | null;
  /** The variables a command needs to reach this target as admin. */
  env: Record<string, string>;
  /** A client whose creations are recorded, to be removed by close() on a real Grafana. */
  client(auth?: GrafanaAuth): GrafanaClient;
  /** Records items something else (a command run by a test) created, for close() to remove. */
  created(items: Partial<Record<ItemKind, string[]>>): void;
  /** On a real Grafana: removes every recorded item (dashboards, then folders, then datasources). */
  close(): Promise<void>;
}

type ItemKind = "dashboards" | "folders" | "datasources";

/** The legacy delete routes by uid (a 404 means it is gone already). */
const DELETE_PATHS: Record<ItemKind, (uid: string) => string> = {
  dashboards: (uid) => `/api/dashboards/uid/${encodeURIComponent(uid)}`,
  folders: (uid) => `/api/folders/${encodeURIComponent(uid)}`,
  datasources: (uid) => `/api/datasources/uid/${encodeURIComponent(uid)}`,
};

/** What tests created on one target, recorded as each create succeeds. */
class Created {
  readonly items: Record<ItemKind, Set<string>> = { dashboards: new Set(), folders: new Set(), datasources: new Set() };

  add(items: Partial<Record<ItemKind, string[]>>): void {
    for (const [kind, uids] of Object.entries(items) as [ItemKind, string[]][]) for (const uid of uids) this.items[kind].add(uid);
  }

  /** A client that records what it creates: a new datasource or folder, a dashboard at its first version. */
  client(url: string, auth: GrafanaAuth): GrafanaClient {
    const created = this;
    return new (class extends GrafanaClient {
      override async createDatasource(body: DatasourceBody): Promise<DatasourceDto> {
        const made = await super.createDatasource(body);
        created.add({ datasources: [made.uid ?? body.uid] });
        return made;
      }
      override async createFolder(folder: { uid: string; title: string; parentUid?: string }): Promise<FolderDto> {
        const made = await super.createFolder(folder);
        created.add({ folders: [made.uid ?? folder.uid] });
        return made;
      }
      override async saveDashboard(request: SaveDashboardRequest): Promise<SaveDashboardResult> {
        const saved = await super.saveDashboard(request);
        if (saved.version === 1) created.add({ dashboards: [saved.uid] });
        return saved;
      }
    })({ url, auth });
  }

  /** Deletes what was recorded, dashboards before the folders that hold them; says what could not go. */
  async remove(url: string, auth: GrafanaAuth): Promise<void> {
    const headers: Record<string, string> = { Accept: "application/json" };
    headers.Authorization = auth.token ? `Bearer ${auth.token}` : `Basic ${btoa(`${auth.user ?? ""}:${auth.password ?? ""}`)}`;
    const left: string[] = [];
    for (const kind of ["dashboards", "folders", "datasources"] as const) {
      for (const uid of this.items[kind]) {
        const response = await fetch(`${url}${DELETE_PATHS[kind](uid)}`, { method: "DELETE", headers, signal: AbortSignal.timeout(10_000) }).catch(() => null);
        await response?.body?.cancel();
        if (!response || !(response.ok || response.status === 404)) left.push(`${kind} ${uid} (${response?.status ?? "no answer"})`);
      }
      this.items[kind].clear();
    }
    if (left.length) console.warn(`could not remove from ${url}: ${left.join(", ")}`);
  }
}

export async function grafanaTarget(options: { executor?: QueryExecutor } = {}): Promise<GrafanaTarget> {
  if (onRealGrafana) {
    const url = env.GRAFANA_URL!.replace(/\/+$/, "");
    const auth: GrafanaAuth = env.GRAFANA_TOKEN ? { token: env.GRAFANA_TOKEN } : { user: env.GRAFANA_ADMIN_USER, password: env.GRAFANA_ADMIN_PASSWORD };
    const health = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5000) }).catch((error: Error) => error);
    if (health instanceof Error || !health.ok) {
      throw new Error(`GRAFANA_URL=${url} is set but Grafana does not answer /api/health (${health instanceof Error ? health.message : health.status}): start it (docker compose up -d grafana) or unset GRAFANA_URL to test against the double`);
    }
    const created = new Created();
    return {
      kind: "real",
      url,
      auth,
      viewerToken: () => env.GRAFANA_VIEWER_TOKEN || null,
      env: targetEnv(url, auth),
      client: (other) => created.client(url, other ?? auth),
      created: (items) => created.add(items),
      close: () => created.remove(url, auth),
    };
  }
  const double = await startGrafanaDouble({ executor: options.executor });
  const auth = { user: double.adminUser, password: double.adminPassword };
  return {
    kind: "double",
    url: double.url,
    auth,
    double,
    viewerToken: () => double.token("Viewer"),
    env: targetEnv(double.url, auth),
    // The double keeps nothing once stopped: there is nothing to remove.
    client: (other) => new GrafanaClient({ url: double.url, auth: other ?? auth }),
    created: () => {},
    close: () => double.stop(),
  };
}

function targetEnv(url: string, auth: GrafanaAuth): Record<string, string> {
  return auth.token
    ? { GRAFANA_URL: url, GRAFANA_TOKEN: auth.token }
    : { GRAFANA_URL: url, GRAFANA_ADMIN_USER: auth.user ?? "", GRAFANA_ADMIN_PASSWORD: auth.password ?? "", GRAFANA_TOKEN: "" };
}

/** A uid no earlier run used, so that tests against a real Grafana do not meet each other's items. */
export function uniqueUid(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

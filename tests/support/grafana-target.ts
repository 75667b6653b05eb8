// The one place every Grafana test takes its target from: the double (./grafana-double.ts) by default,
// a real Grafana when GRAFANA_URL and credentials (GRAFANA_ADMIN_USER/GRAFANA_ADMIN_PASSWORD, or
// GRAFANA_TOKEN) are set in the environment. The assertions are the same either way; what only the
// double can do (mark a dashboard as saved in schema v2, provision read-only items, check health
// against the stack's loopback services) is offered through `double`, and tests needing it skip on a
// real Grafana (`onRealGrafana`).
import { GrafanaClient, type GrafanaAuth } from "../../scripts/lib/grafana/client.ts";
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
  client(auth?: GrafanaAuth): GrafanaClient;
  close(): Promise<void>;
}

export async function grafanaTarget(options: { executor?: QueryExecutor } = {}): Promise<GrafanaTarget> {
  if (onRealGrafana) {
    const url = env.GRAFANA_URL!.replace(/\/+$/, "");
    const auth: GrafanaAuth = env.GRAFANA_TOKEN ? { token: env.GRAFANA_TOKEN } : { user: env.GRAFANA_ADMIN_USER, password: env.GRAFANA_ADMIN_PASSWORD };
    const health = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5000) }).catch((error: Error) => error);
    if (health instanceof Error || !health.ok) {
      throw new Error(`GRAFANA_URL=${url} is set but Grafana does not answer /api/health (${health instanceof Error ? health.message : health.status}): start it (docker compose up -d grafana) or unset GRAFANA_URL to test against the double`);
    }
    return {
      kind: "real",
      url,
      auth,
      viewerToken: () => env.GRAFANA_VIEWER_TOKEN || null,
      env: targetEnv(url, auth),
      client: (other) => new GrafanaClient({ url, auth: other ?? auth }),
      close: async () => {},
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
    client: (other) => new GrafanaClient({ url: double.url, auth: other ?? auth }),
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

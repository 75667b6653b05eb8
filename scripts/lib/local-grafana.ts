// The real Grafana server from the build cache (scripts/lib/grafana-build.ts), run on loopback with
// data, logs, plugins and provisioning under the stack directory. Settings go in as GF_* variables.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { STACK_PORTS, stackSecrets } from "./stack-paths.ts";
import { daemonPid, logPath, startDaemon, stopDaemon, waitUntil } from "./daemon.ts";
import { GRAFANA, INFINITY, cachedGrafanaBuild, lastBuildError } from "./grafana-build.ts";

const NAME = "grafana";
export const STACK_GRAFANA_ADMIN = "admin";
export const grafanaUrl = () => `http://127.0.0.1:${STACK_PORTS.grafana}`;

export class GrafanaUnavailableError extends Error {}

/** Why no local Grafana can run on this machine, or null when a build is cached. */
export function grafanaUnavailableReason(): string | null {
  if (cachedGrafanaBuild()) return null;
  const cause = lastBuildError() ?? "it has not been built on this machine (bun run stack build)";
  return `no local Grafana ${GRAFANA.version}: ${cause.trim()}\nSet GRAFANA_URL (and GRAFANA_ADMIN_USER/GRAFANA_ADMIN_PASSWORD) to use a running Grafana instead.`;
}

export async function grafanaReady(): Promise<boolean> {
  const response = await fetch(`${grafanaUrl()}/api/health`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
  return response?.ok ?? false;
}

export async function startGrafana(stack: string): Promise<void> {
  const build = cachedGrafanaBuild();
  if (!build) throw new GrafanaUnavailableError(grafanaUnavailableReason() ?? "no Grafana build");
  const home = join(stack, NAME);
  const paths = { data: join(home, "data"), logs: join(home, "logs"), provisioning: join(home, "provisioning") };
  for (const dir of Object.values(paths)) mkdirSync(dir, { recursive: true });
  for (const kind of ["datasources", "dashboards", "plugins", "alerting"]) mkdirSync(join(paths.provisioning, kind), { recursive: true });
  const pid = startDaemon({
    name: NAME,
    command: build.binary,
    args: ["server", "--homepath", build.homepath],
    dir: stack,
    cwd: home,
    env: {
      GF_PATHS_DATA: paths.data,
      GF_PATHS_LOGS: paths.logs,
      GF_PATHS_PLUGINS: build.pluginsDir,
      GF_PATHS_PROVISIONING: paths.provisioning,
      GF_SERVER_HTTP_ADDR: "127.0.0.1",
      GF_SERVER_HTTP_PORT: String(STACK_PORTS.grafana),
      GF_SECURITY_ADMIN_USER: STACK_GRAFANA_ADMIN,
      GF_SECURITY_ADMIN_PASSWORD: stackSecrets(stack).grafanaAdminPassword,
      GF_AUTH_ANONYMOUS_ENABLED: "false",
      GF_USERS_ALLOW_SIGN_UP: "false",
      GF_ANALYTICS_REPORTING_ENABLED: "false",
      GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
      GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
      GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS: INFINITY.id,
      GF_LOG_MODE: "console",
    },
  });
  await waitUntil("Grafana", grafanaReady, { timeoutMs: 120_000, log: logPath(stack, NAME), alive: () => daemonPid(stack, NAME) === pid });
}

export const stopGrafana = (stack: string) => stopDaemon(stack, NAME);
export const grafanaPid = (stack: string) => daemonPid(stack, NAME);

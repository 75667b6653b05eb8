// Prometheus and Alertmanager of the pinned releases (prometheus-tools.ts) as local processes of the
// stack: on loopback, their configuration, data and pid files in the stack directory. The configuration
// is the stack's own rendering of prometheus/*.ts (its ports, this machine's rule files, the remote-write
// endpoint of the settings with its secret in a file of mode 600 beside it, never in the configuration).
//
// Neither has a password to prove a process is the stack's own: the pid file names a live process whose
// command line holds the stack's own data directory, and for Prometheus the server on the port reports
// that very directory as its storage path (/api/v1/status/flags).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Config, loadConfig } from "../config.ts";
import { SETTINGS } from "../settings.ts";
import { RABBITMQ_PER_OBJECT_PATH, type PrometheusTargets, type RemoteWrite, scrapeTarget } from "../../../prometheus/prometheus.ts";
import { RULES_FILE, renderAlertRules, renderAlertmanagerConfig, renderPrometheusConfig } from "../prometheus/provision.ts";
import { type ReceiverSecretFiles, SECRET_FILES, receiverSecrets, secretFilesIn } from "../../../prometheus/alertmanager.ts";
import { queueSourceChoice } from "../monitor/queues.ts";
import { daemonPid, logPath, startDaemon, stopDaemon, waitUntil } from "./daemon.ts";
import { toolPath, toolsDir } from "./prometheus-tools.ts";
import type { StackPorts } from "./stack-paths.ts";

const PROMETHEUS = "prometheus";
const ALERTMANAGER = "alertmanager";

export function prometheusPaths(stack: string) {
  const home = join(stack, PROMETHEUS);
  return {
    home,
    config: join(home, "prometheus.yml"),
    rules: join(home, "rules"),
    data: join(home, "data"),
    passwordFile: join(home, "remote-write-password"),
    tokenFile: join(home, "remote-write-token"),
  };
}

const SECRET_NAMES = Object.keys(SECRET_FILES) as (keyof ReceiverSecretFiles)[];

export function alertmanagerPaths(stack: string) {
  const home = join(stack, ALERTMANAGER);
  const secretsDir = join(home, "secrets");
  return {
    home,
    config: join(home, "alertmanager.yml"),
    data: join(home, "data"),
    secretsDir,
    /** Each receiver secret's file, set or not. */
    secrets: Object.fromEntries(SECRET_NAMES.map((name) => [name, join(secretsDir, SECRET_FILES[name].file)])) as Required<ReceiverSecretFiles>,
  };
}

/** Every secret setting blanked in a daemon's environment: it inherits the toolkit's, and neither Prometheus
 *  nor Alertmanager reads any (their secrets are in files), so none is left in /proc/<pid>/environ. */
const WITHOUT_SECRETS = Object.fromEntries(Object.entries(SETTINGS).filter(([, setting]) => setting.kind === "secret").map(([name]) => [name, ""]));

export const prometheusUrl = (ports: StackPorts) => `http://127.0.0.1:${ports.prometheus}`;
export const alertmanagerUrl = (ports: StackPorts) => `http://127.0.0.1:${ports.alertmanager}`;
export const rabbitmqPrometheusUrl = (ports: StackPorts) => `http://127.0.0.1:${ports.rabbitmqPrometheus}`;

/** The stack's own process `name`: its pid file names a live process run on the stack's data directory. */
function ownPid(stack: string, name: string, data: string): number | null {
  const pid = daemonPid(stack, name);
  if (pid === null) return null;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").some((arg) => arg.endsWith(`=${data}`)) ? pid : null;
  } catch {
    return null;
  }
}

export const prometheusPid = (stack: string) => ownPid(stack, PROMETHEUS, prometheusPaths(stack).data);
export const alertmanagerPid = (stack: string) => ownPid(stack, ALERTMANAGER, alertmanagerPaths(stack).data);

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${url}: HTTP ${response.status}`);
  }
  return response.json();
}

/** Ready, and storing its samples in the stack's own data directory. */
export async function prometheusAnswers(stack: string, ports: StackPorts): Promise<boolean> {
  try {
    const flags = (await getJson(`${prometheusUrl(ports)}/api/v1/status/flags`)) as { data?: Record<string, string> };
    if (flags.data?.["storage.tsdb.path"] !== prometheusPaths(stack).data) return false;
    const ready = await fetch(`${prometheusUrl(ports)}/-/ready`, { signal: AbortSignal.timeout(2000) });
    await ready.body?.cancel();
    return ready.ok;
  } catch {
    return false;
  }
}

/** Ready while the stack's own Alertmanager process runs (it alone holds the port then). */
export async function alertmanagerAnswers(stack: string, ports: StackPorts): Promise<boolean> {
  if (alertmanagerPid(stack) === null) return false;
  const ready = await fetch(`${alertmanagerUrl(ports)}/-/ready`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
  await ready?.body?.cancel();
  return ready?.ok ?? false;
}

/** The stack's rendering of the configuration: its ports; the monitor at MONITOR_URL or the stack's
 *  monitor port; RabbitMQ's exporter (the stack's own broker's, or RABBITMQ_PROMETHEUS_URL) when it
 *  serves the per-queue figures (queueSourceChoice); its own rule files (the alert rules with the
 *  settings' thresholds); the settings' remote write, its secret in a file. */
export async function stackPrometheusTargets(stack: string, ports: StackPorts, config: Config, ownRabbitmq: boolean): Promise<PrometheusTargets> {
  const paths = prometheusPaths(stack);
  const rabbitmqBase = ownRabbitmq ? rabbitmqPrometheusUrl(ports) : config.prometheus.rabbitmqUrl;
  // The same choice as the monitor's and setup's: the broker's job only when its exporter serves the queues.
  const choice = await queueSourceChoice(config, rabbitmqBase, 2_000);
  const rabbitmq = choice.source === "exporter" ? scrapeTarget(rabbitmqBase, RABBITMQ_PER_OBJECT_PATH) : undefined;
  return {
    prometheus: `127.0.0.1:${ports.prometheus}`,
    alertmanager: `127.0.0.1:${ports.alertmanager}`,
    monitor: scrapeTarget(config.values.MONITOR_URL ?? `http://127.0.0.1:${ports.monitor}`),
    rabbitmq,
    ruleFiles: [join(paths.rules, "*.yml")],
    scrapeInterval: config.prometheus.scrapeInterval,
    evaluationInterval: config.prometheus.evaluationInterval,
    remoteWrite: writeRemoteWriteSecret(paths, config),
  };
}

/** The remote-write endpoint with its secret written to a file of mode 600 (rewritten, or removed, at
 *  every start, so that a changed or cleared setting takes effect). */
function writeRemoteWriteSecret(paths: ReturnType<typeof prometheusPaths>, config: Config): RemoteWrite | undefined {
  rmSync(paths.passwordFile, { force: true });
  rmSync(paths.tokenFile, { force: true });
  const remote = config.prometheus.remoteWrite;
  if (!remote) return undefined;
  if (remote.user && remote.password) {
    writeFileSync(paths.passwordFile, remote.password, { mode: 0o600 });
    return { url: remote.url, basicAuth: { username: remote.user, passwordFile: paths.passwordFile } };
  }
  if (remote.bearerToken) {
    writeFileSync(paths.tokenFile, remote.bearerToken, { mode: 0o600 });
    return { url: remote.url, bearerTokenFile: paths.tokenFile };
  }
  return { url: remote.url };
}

/** The alert rules rendered with the settings' thresholds into the stack's own rules directory. */
export function writeStackRules(stack: string, config: Config): string {
  const paths = prometheusPaths(stack);
  mkdirSync(paths.rules, { recursive: true, mode: 0o700 });
  const file = join(paths.rules, RULES_FILE);
  writeFileSync(file, renderAlertRules(config.alerts), { mode: 0o600 });
  return file;
}

export async function startPrometheus(stack: string, ports: StackPorts, options: { ownRabbitmq: boolean; config?: Config }): Promise<void> {
  const paths = prometheusPaths(stack);
  mkdirSync(paths.data, { recursive: true, mode: 0o700 });
  const config = options.config ?? loadConfig();
  writeStackRules(stack, config);
  writeFileSync(paths.config, renderPrometheusConfig(await stackPrometheusTargets(stack, ports, config, options.ownRabbitmq)), { mode: 0o600 });
  const pid = startDaemon({
    name: PROMETHEUS,
    command: toolPath("prometheus", toolsDir()),
    args: [
      `--config.file=${paths.config}`,
      `--storage.tsdb.path=${paths.data}`,
      `--storage.tsdb.retention.time=${config.prometheus.retention}`,
      `--web.listen-address=127.0.0.1:${ports.prometheus}`,
      // POST /-/reload after `bun run provision` rewrites the rules; loopback only.
      "--web.enable-lifecycle",
    ],
    dir: stack,
    cwd: paths.home,
    env: WITHOUT_SECRETS,
  });
  await waitUntil("Prometheus", () => prometheusAnswers(stack, ports), {
    timeoutMs: 60_000,
    log: logPath(stack, PROMETHEUS),
    alive: () => daemonPid(stack, PROMETHEUS) === pid,
  });
}

/** The receivers' secrets, each in a file of mode 600 in the stack's directory (rewritten, or removed, at
 *  every start, so that a changed or cleared setting takes effect); the files of those configured. */
export function writeReceiverSecrets(paths: ReturnType<typeof alertmanagerPaths>, config: Config): ReceiverSecretFiles {
  const values = receiverSecrets(config.alertmanager);
  mkdirSync(paths.secretsDir, { recursive: true, mode: 0o700 });
  for (const name of SECRET_NAMES) {
    rmSync(paths.secrets[name], { force: true });
    if (values[name]) writeFileSync(paths.secrets[name], values[name], { mode: 0o600 });
  }
  return secretFilesIn(paths.secretsDir, config.alertmanager);
}

export async function startAlertmanager(stack: string, ports: StackPorts, options: { config?: Config } = {}): Promise<void> {
  const paths = alertmanagerPaths(stack);
  mkdirSync(paths.data, { recursive: true, mode: 0o700 });
  const config = options.config ?? loadConfig();
  writeFileSync(paths.config, renderAlertmanagerConfig(config.alertmanager, writeReceiverSecrets(paths, config)), { mode: 0o600 });
  const pid = startDaemon({
    name: ALERTMANAGER,
    command: toolPath("alertmanager", toolsDir()),
    args: [
      `--config.file=${paths.config}`,
      `--storage.path=${paths.data}`,
      `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
      // One Alertmanager, no cluster: by default it would gossip on port 9094 of every interface.
      "--cluster.listen-address=",
    ],
    dir: stack,
    cwd: paths.home,
    env: WITHOUT_SECRETS,
  });
  await waitUntil("Alertmanager", () => alertmanagerAnswers(stack, ports), {
    timeoutMs: 60_000,
    log: logPath(stack, ALERTMANAGER),
    alive: () => daemonPid(stack, ALERTMANAGER) === pid,
  });
}

export const stopPrometheus = (stack: string) => stopDaemon(stack, PROMETHEUS);
export const stopAlertmanager = (stack: string) => stopDaemon(stack, ALERTMANAGER);


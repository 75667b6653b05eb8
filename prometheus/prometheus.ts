// Prometheus' configuration, defined once: what it scrapes (itself, Alertmanager, the toolkit's monitor,
// RabbitMQ's own exporter), how often, the alert rules it loads, where it sends alerts, and an optional
// remote-write target. Prometheus expands no environment variable in this file, so each place that runs
// Prometheus gets a rendering with its own addresses: docker-compose the committed prometheus.yml (the
// compose services' names), the local stack a copy in its directory (its loopback ports).
import { SETTINGS } from "../scripts/lib/settings.ts";
import { MONITOR_JOB, RABBITMQ_JOB } from "./metrics.ts";

/** Job names, which every series carries as its `job` label: panels and alert rules select by them. */
export const JOBS = {
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  monitor: MONITOR_JOB,
  rabbitmq: RABBITMQ_JOB,
} as const;

/** RabbitMQ's per-object endpoint: one series per queue (rabbitmq_queue_messages_ready{queue,vhost} and
 *  the like) rather than the plugin's default totals over all queues. */
export const RABBITMQ_PER_OBJECT_PATH = "/metrics/per-object";

export interface ScrapeTarget {
  scheme: "http" | "https";
  /** host:port */
  address: string;
  metricsPath: string;
}

export interface RemoteWrite {
  url: string;
  /** Basic auth: the password is read from this file (mode 600, outside the repository). */
  basicAuth?: { username: string; passwordFile: string };
  /** Or a bearer token, read from this file. */
  bearerTokenFile?: string;
}

/** Everything that differs between the places Prometheus runs. */
export interface PrometheusTargets {
  /** Where Prometheus reaches itself and its Alertmanager (host:port). */
  prometheus: string;
  alertmanager: string;
  monitor: ScrapeTarget;
  /** RabbitMQ's rabbitmq_prometheus listener; absent where none is reachable. */
  rabbitmq?: ScrapeTarget;
  /** Globs of the alert rule files. */
  ruleFiles: string[];
  scrapeInterval: string;
  evaluationInterval: string;
  remoteWrite?: RemoteWrite;
}

/** A URL (`http://monitor:9470`, `https://host/prefix`) as a scrape target for `path` under it. */
export function scrapeTarget(url: string, path = "/metrics"): ScrapeTarget {
  const parsed = new URL(url);
  const scheme = parsed.protocol === "https:" ? "https" : "http";
  const port = parsed.port || (scheme === "https" ? "443" : "80");
  return { scheme, address: `${parsed.hostname}:${port}`, metricsPath: `${parsed.pathname.replace(/\/+$/, "")}${path}` };
}

const SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** A Prometheus duration of one unit (15s, 1m, 90d) in seconds. */
export function durationSeconds(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(text);
  if (!match) throw new Error(`not a Prometheus duration: ${text}`);
  return Number(match[1]) * SECONDS[match[2]!]!;
}

/** The default scrape timeout (10 s) may not exceed the interval: a shorter interval shortens it. */
function scrapeTimeout(interval: string): string {
  return durationSeconds(interval) < 10 ? interval : "10s";
}

function job(name: string, target: ScrapeTarget): Record<string, unknown> {
  return {
    job_name: name,
    scheme: target.scheme,
    metrics_path: target.metricsPath,
    static_configs: [{ targets: [target.address] }],
  };
}

export function prometheusConfig(targets: PrometheusTargets): Record<string, unknown> {
  const http = (address: string): ScrapeTarget => ({ scheme: "http", address, metricsPath: "/metrics" });
  const remote = targets.remoteWrite;
  return {
    global: {
      scrape_interval: targets.scrapeInterval,
      scrape_timeout: scrapeTimeout(targets.scrapeInterval),
      evaluation_interval: targets.evaluationInterval,
    },
    rule_files: targets.ruleFiles,
    alerting: { alertmanagers: [{ api_version: "v2", static_configs: [{ targets: [targets.alertmanager] }] }] },
    scrape_configs: [
      job(JOBS.prometheus, http(targets.prometheus)),
      job(JOBS.alertmanager, http(targets.alertmanager)),
      job(JOBS.monitor, targets.monitor),
      ...(targets.rabbitmq ? [job(JOBS.rabbitmq, targets.rabbitmq)] : []),
    ],
    ...(remote
      ? {
          remote_write: [
            {
              url: remote.url,
              ...(remote.basicAuth ? { basic_auth: { username: remote.basicAuth.username, password_file: remote.basicAuth.passwordFile } } : {}),
              ...(remote.bearerTokenFile ? { authorization: { type: "Bearer", credentials_file: remote.bearerTokenFile } } : {}),
            },
          ],
        }
      : {}),
  };
}

/** Where docker-compose.yml mounts the files (the official images' own paths). */
export const COMPOSE_PATHS = {
  config: "/etc/prometheus/prometheus.yml",
  rules: "/etc/prometheus/rules",
  alertmanagerConfig: "/etc/alertmanager/alertmanager.yml",
} as const;

/** The monitor's port in docker-compose (the monitor's own default, MONITOR_PORT). */
export const COMPOSE_MONITOR_PORT = 9470;

/** docker-compose's rendering: the services' names and ports on the compose network, the settings'
 *  default intervals (the committed file is the same for every operator), and no remote write, whose
 *  endpoint and credentials are an operator's own (the local stack writes it from the settings). */
export function composeTargets(): PrometheusTargets {
  return {
    prometheus: "localhost:9090",
    alertmanager: "alertmanager:9093",
    monitor: scrapeTarget(`http://monitor:${COMPOSE_MONITOR_PORT}`),
    rabbitmq: scrapeTarget("http://rabbitmq:15692", RABBITMQ_PER_OBJECT_PATH),
    ruleFiles: [`${COMPOSE_PATHS.rules}/*.yml`],
    scrapeInterval: SETTINGS.PROMETHEUS_SCRAPE_INTERVAL.default,
    evaluationInterval: SETTINGS.PROMETHEUS_EVALUATION_INTERVAL.default,
  };
}

// One definition of every setting: its name (the trading system's own .env names where they exist), type,
// group, default and description. config.ts derives the zod schema, the typed settings and env.example
// from it; the alert thresholds and Alertmanager's settings are defined in config-alerts.ts and join here.
import { ALERT_SETTINGS } from "./config-alerts.ts";
import { DEFAULT_MONITORED_SERVICES, OPTIONAL_SERVICES } from "./services.ts";

export type Kind = "host" | "port" | "url" | "identifier" | "identifiers" | "services" | "count" | "threshold" | "duration" | "promDuration" | "text" | "secret";

export interface Setting {
  kind: Kind;
  group: string;
  description: string;
  /** The only values the setting takes (a text setting that names one of a few ways). */
  choices?: readonly [string, ...string[]];
  /** Shown in env.example and used when the variable is unset; absent for secrets and derived values. */
  default?: string;
}

const host = (group: string, fallback: string, description: string): Setting => ({
  kind: "host",
  group,
  default: fallback,
  description,
});
const port = (group: string, fallback: number, description: string): Setting => ({
  kind: "port",
  group,
  default: String(fallback),
  description,
});
const secret = (group: string, description: string): Setting => ({ kind: "secret", group, description });

export const SETTINGS = {
  POSTGRES_HOST: host("PostgreSQL", "postgres", "PostgreSQL host as the toolkit and Grafana reach it"),
  POSTGRES_PORT: port("PostgreSQL", 5432, "PostgreSQL port"),
  POSTGRES_DB: { kind: "identifier", group: "PostgreSQL", default: "ytrader", description: "Database of the trading system" },
  POSTGRES_USER: { kind: "identifier", group: "PostgreSQL", default: "ytrader", description: "Admin user, used only by the role step" },
  POSTGRES_PASSWORD: secret("PostgreSQL", "Admin password, used only by the role step"),
  GRAFANA_POSTGRES_USER: {
    kind: "identifier",
    group: "PostgreSQL",
    default: "grafana_monitor",
    description: "Read-only role that Grafana's PostgreSQL datasource logs in as",
  },
  GRAFANA_POSTGRES_PASSWORD: secret("PostgreSQL", "Password of the read-only role"),
  GRAFANA_POSTGRES_EXTRA_TABLES: {
    kind: "identifiers",
    group: "PostgreSQL",
    default: "",
    description: "Tables of public the role may read beyond the monitored ones, comma-separated (case kept, spaces around names ignored)",
  },
  GRAFANA_POSTGRES_CONNECTION_LIMIT: {
    kind: "count",
    group: "PostgreSQL",
    default: "6",
    description: "Most connections the read-only role may hold at once: Grafana's pool takes two less (one for bun run monitor, one spare)",
  },
  GRAFANA_POSTGRES_STATEMENT_TIMEOUT: {
    kind: "duration",
    group: "PostgreSQL",
    default: "5s",
    description: "statement_timeout of the read-only role: a query running longer is cancelled",
  },
  GRAFANA_POSTGRES_CONNECT_TIMEOUT: {
    kind: "duration",
    group: "PostgreSQL",
    default: "5s",
    description: "How long `check` and Grafana's datasource wait for PostgreSQL to accept a connection before calling it unreachable (at most 5s by default; whole seconds for Grafana)",
  },
  GRAFANA_POSTGRES_IDLE_TIMEOUT: {
    kind: "duration",
    group: "PostgreSQL",
    default: "30s",
    description: "idle_in_transaction_session_timeout of the read-only role",
  },

  RABBITMQ_HOST: host("RabbitMQ", "rabbitmq", "RabbitMQ host"),
  RABBITMQ_PORT: port("RabbitMQ", 5672, "RabbitMQ AMQP port"),
  RABBITMQ_USER: { kind: "text", group: "RabbitMQ", default: "guest", description: "RabbitMQ user of the trading system" },
  RABBITMQ_PASSWORD: secret("RabbitMQ", "Password of RABBITMQ_USER"),
  RABBITMQ_MANAGEMENT_PORT: port("RabbitMQ", 15672, "Port of RabbitMQ's management plugin (HTTP API)"),
  RABBITMQ_MANAGEMENT_URL: {
    kind: "url",
    group: "RabbitMQ",
    description: "Management API base URL; default http://RABBITMQ_HOST:RABBITMQ_MANAGEMENT_PORT",
  },
  RABBITMQ_MONITOR_USER: {
    kind: "text",
    group: "RabbitMQ",
    default: "grafana_monitor",
    description: "User tagged 'monitoring' that Grafana reads the management API with",
  },
  RABBITMQ_MONITOR_PASSWORD: secret("RabbitMQ", "Password of RABBITMQ_MONITOR_USER"),

  WS_GATEWAY_HOST: host("Services", "ws-gateway", "ws-gateway host"),
  WS_GATEWAY_PORT: port("Services", 4400, "ws-gateway port"),
  WS_GATEWAY_API_KEY: secret("Services", "ws-gateway API key (X-API-Key), for /api/v1/subscriptions"),
  MODEL_SERVICE_HOST: host("Services", "model-service", "model-service host"),
  MODEL_SERVICE_PORT: port("Services", 4500, "model-service port"),
  MODEL_SERVICE_API_KEY: secret("Services", "model-service API key (X-API-Key), for /api/v1/training/status"),
  ORDERMANAGER_HOST: host("Services", "order-manager", "order-manager host"),
  ORDERMANAGER_PORT: port("Services", 4600, "order-manager port"),
  ORDERMANAGER_API_KEY: secret("Services", "order-manager API key"),
  POSITION_MANAGER_HOST: host("Services", "position-manager", "position-manager host"),
  POSITION_MANAGER_PORT: port("Services", 4800, "position-manager port"),
  POSITION_MANAGER_API_KEY: secret("Services", "position-manager API key"),
  FEATURE_SERVICE_HOST: host("Services", "feature-service", "feature-service host (the newest system; monitored when MONITORED_SERVICES names it)"),
  FEATURE_SERVICE_PORT: port("Services", 4900, "feature-service port"),
  DASHBOARD_API_HOST: host("Services", "dashboard-api", "dashboard-api host (the newest system; its compose file has no variable for it)"),
  DASHBOARD_API_PORT: port("Services", 4050, "dashboard-api port"),
  MONITORED_SERVICES: {
    kind: "services",
    group: "Services",
    default: DEFAULT_MONITORED_SERVICES.join(","),
    description:
      `The services with a datasource, a health panel, the monitor's readings and alerts, comma-separated: the four always, ` +
      `plus ${OPTIONAL_SERVICES.join(" and/or ")} where they run (the newest trading system)`,
  },

  GRAFANA_PORT: port("Grafana", 4700, "Port Grafana is published on"),
  GRAFANA_URL: { kind: "url", group: "Grafana", description: "Grafana base URL to push to; default http://localhost:GRAFANA_PORT" },
  GRAFANA_ADMIN_USER: { kind: "text", group: "Grafana", default: "admin", description: "Grafana admin user (basic auth)" },
  GRAFANA_ADMIN_PASSWORD: secret("Grafana", "Grafana admin password; Grafana's first-run default is admin: change it"),
  GRAFANA_TOKEN: secret("Grafana", "Service-account token; used instead of basic auth when set"),

  PROMETHEUS_URL: {
    kind: "url",
    group: "Prometheus",
    default: "http://prometheus:9090",
    description: "Prometheus as Grafana and `check` reach it (its HTTP API)",
  },
  PROMETHEUS_SCRAPE_INTERVAL: {
    kind: "promDuration",
    group: "Prometheus",
    default: "15s",
    description: "How often Prometheus scrapes every target; also the Grafana datasource's scrape interval (the floor of a query's step)",
  },
  PROMETHEUS_EVALUATION_INTERVAL: {
    kind: "promDuration",
    group: "Prometheus",
    default: "15s",
    description: "How often Prometheus evaluates the alert rules",
  },
  PROMETHEUS_RETENTION: {
    kind: "promDuration",
    group: "Prometheus",
    default: "90d",
    description: "How long Prometheus keeps samples (its --storage.tsdb.retention.time)",
  },
  PROMETHEUS_REMOTE_WRITE_URL: {
    kind: "url",
    group: "Prometheus",
    description: "Optional remote-write endpoint (Mimir, Thanos Receive, VictoriaMetrics) that Prometheus also sends every sample to",
  },
  PROMETHEUS_REMOTE_WRITE_USER: { kind: "text", group: "Prometheus", description: "Basic-auth user of the remote-write endpoint" },
  PROMETHEUS_REMOTE_WRITE_PASSWORD: secret(
    "Prometheus",
    "Basic-auth password of the remote-write endpoint; Prometheus reads it from a file of mode 600 outside the repository, never from its configuration",
  ),
  PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN: secret("Prometheus", "Bearer token of the remote-write endpoint, instead of basic auth (kept like the password)"),
  RABBITMQ_PROMETHEUS_URL: {
    kind: "url",
    group: "Prometheus",
    description: "RabbitMQ's rabbitmq_prometheus listener that Prometheus scrapes per-queue figures from; default http://RABBITMQ_HOST:15692",
  },
  MONITORING_SCHEMA: {
    kind: "identifier",
    group: "Monitor",
    default: "monitoring",
    description: "Schema of the toolkit's own in the trading system's database (the monitor's events); `bun run role` creates it",
  },
  MONITOR_POSTGRES_USER: {
    kind: "identifier",
    group: "Monitor",
    default: "ytrader_monitor",
    description: "Role `bun run monitor` writes its events and order summary as: it may write only the tables of MONITORING_SCHEMA",
  },
  MONITOR_POSTGRES_PASSWORD: secret("Monitor", "Password of MONITOR_POSTGRES_USER; without it `bun run role` creates no writer and the monitor writes no events and no order summary"),
  MONITOR_PORT: port("Monitor", 9470, "Port `bun run monitor` serves /metrics and /healthz on"),
  MONITOR_LISTEN_HOST: host("Monitor", "0.0.0.0", "Address the monitor listens on (0.0.0.0 in a container, so that Prometheus' container reaches it)"),
  MONITOR_URL: { kind: "url", group: "Monitor", description: "The monitor's base URL as Prometheus reaches it; default http://localhost:MONITOR_PORT" },
  MONITOR_INTERVAL_SECONDS: {
    kind: "count",
    group: "Monitor",
    default: "15",
    description: "Seconds between two readings of every source by the monitor",
  },
  MONITOR_EVENT_RETENTION_DAYS: {
    kind: "count",
    group: "Monitor",
    default: "90",
    description: "Days the monitor's events and order summary are kept; older ones are deleted in bounded batches",
  },
  MONITOR_DATABASE_WINDOW: {
    kind: "duration",
    group: "Monitor",
    default: "15min",
    description: "Window of the database figures the monitor exports (signals, orders and rejections in the last ...)",
  },
  MONITOR_QUEUE_SOURCE: {
    kind: "text",
    group: "Monitor",
    default: "auto",
    choices: ["auto", "exporter", "management"],
    description:
      "Where Prometheus gets per-queue figures: exporter (RabbitMQ's own rabbitmq_prometheus, scraped directly), management (the monitor exports them from the management API under the same names), or auto: the exporter when RABBITMQ_PROMETHEUS_URL answers, else the monitor",
  },
  ...ALERT_SETTINGS,
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;

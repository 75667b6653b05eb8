// Every datasource the dashboards read, defined once. Two renderings come from the same definitions:
// resolved from the toolkit's settings (push and check), and as `${NAME}` references for the committed
// provisioning files, which Grafana fills in from its own environment (grafana-facts §7.2), so those
// files are the same for every operator and hold neither hosts nor secrets.
import type { Config, ServiceName } from "../scripts/lib/config.ts";
import type { SettingName } from "../scripts/lib/settings.ts";
import { SERVICE_VARIABLES, durationSeconds } from "../scripts/lib/config.ts";
import { DEFAULT_MONITORED_SERVICES, HEALTH_ENDPOINTS } from "../scripts/lib/services.ts";
import { SETTINGS } from "../scripts/lib/settings.ts";
import type { DatasourceDefinition } from "./types.ts";

export const POSTGRES_TYPE = "grafana-postgresql-datasource";
export const INFINITY_TYPE = "yesoreyeram-infinity-datasource";
export const PROMETHEUS_TYPE = "prometheus";
/** Its name: the alert list panel filters alert rules by datasource name. */
export const PROMETHEUS_DATASOURCE_NAME = "ytrader Prometheus";

/** The uids panels refer to; stable, so that a push updates rather than duplicates. */
export const DATASOURCE_UIDS = {
  postgres: "ytrader-postgres",
  rabbitmq: "ytrader-rabbitmq",
  "ws-gateway": "ytrader-ws-gateway",
  "model-service": "ytrader-model-service",
  "order-manager": "ytrader-order-manager",
  "position-manager": "ytrader-position-manager",
  "feature-service": "ytrader-feature-service",
  "dashboard-api": "ytrader-dashboard-api",
  prometheus: "ytrader-prometheus",
} as const satisfies Record<"postgres" | "rabbitmq" | "prometheus" | ServiceName, string>;

export type DatasourceKey = keyof typeof DATASOURCE_UIDS;

/** Only model-service's training status needs an API key; the other endpoints the dashboards read are
 *  open, and a key Grafana does not need is a key it should not hold. */
const SERVICES_NEEDING_API_KEY: readonly ServiceName[] = ["model-service"];

// A health probe that hangs must not hold a panel for Infinity's default 60 s.
const SERVICE_TIMEOUT_SECONDS = 5;
const RABBITMQ_TIMEOUT_SECONDS = 10;

/** The values the definitions need, either real or as references to Grafana's environment. */
interface Values {
  postgresUrl: string;
  database: string;
  monitorUser: string;
  rabbitmqUrl: string;
  rabbitmqUser: string;
  /** The monitored services (MONITORED_SERVICES): each gets a datasource. */
  services: readonly ServiceName[];
  serviceUrls: Record<ServiceName, string>;
  prometheusUrl: string;
  /** Prometheus' scrape interval: the datasource's timeInterval (prometheus-facts §10). */
  scrapeInterval: string;
}

function definitions(v: Values, maxOpenConns: number, connectionTimeout: number): DatasourceDefinition[] {
  const postgres: DatasourceDefinition = {
    uid: DATASOURCE_UIDS.postgres,
    name: "ytrader PostgreSQL",
    type: POSTGRES_TYPE,
    access: "proxy",
    url: v.postgresUrl,
    user: v.monitorUser,
    isDefault: true,
    jsonData: {
      database: v.database,
      sslmode: "disable",
      postgresVersion: 1500,
      timescaledb: false,
      // Grafana's pool stays inside the read-only role's connection limit: one connection is left for
      // bun run monitor (its database figures, as this role) and one spare for psql.
      maxOpenConns,
      maxIdleConns: 2,
      connMaxLifetime: 14400,
      // Seconds to wait for PostgreSQL to accept a connection; check connects with the same.
      connectionTimeout,
      timeInterval: "1m",
    },
    secureJsonData: { password: "GRAFANA_POSTGRES_PASSWORD" },
  };
  const rabbitmq: DatasourceDefinition = {
    uid: DATASOURCE_UIDS.rabbitmq,
    name: "ytrader RabbitMQ",
    type: INFINITY_TYPE,
    access: "proxy",
    url: v.rabbitmqUrl,
    // Without basicAuth: true Infinity sends no Authorization header at all (infinity-facts §1.1).
    basicAuth: true,
    basicAuthUser: v.rabbitmqUser,
    jsonData: {
      auth_method: "basicAuth",
      allowedHosts: [v.rabbitmqUrl],
      timeoutInSeconds: RABBITMQ_TIMEOUT_SECONDS,
      customHealthCheckEnabled: true,
      customHealthCheckUrl: "/api/overview",
    },
    secureJsonData: { basicAuthPassword: "RABBITMQ_MONITOR_PASSWORD" },
  };
  const services = v.services.map((name): DatasourceDefinition => {
    const withKey = SERVICES_NEEDING_API_KEY.includes(name);
    return {
      uid: DATASOURCE_UIDS[name],
      name: `ytrader ${name}`,
      type: INFINITY_TYPE,
      access: "proxy",
      url: v.serviceUrls[name],
      jsonData: {
        auth_method: "none",
        allowedHosts: [v.serviceUrls[name]],
        timeoutInSeconds: SERVICE_TIMEOUT_SECONDS,
        customHealthCheckEnabled: true,
        customHealthCheckUrl: HEALTH_ENDPOINTS[name].path,
        ...(withKey ? { httpHeaderName1: "X-API-Key" } : {}),
        ...(HEALTH_ENDPOINTS[name].stateOnErrorStatus ? { ignoreStatusCodeCheck: true } : {}),
      },
      secureJsonData: withKey ? { httpHeaderValue1: SERVICE_VARIABLES[name].apiKey! } : {},
    };
  });
  const prometheus: DatasourceDefinition = {
    uid: DATASOURCE_UIDS.prometheus,
    name: PROMETHEUS_DATASOURCE_NAME,
    type: PROMETHEUS_TYPE,
    access: "proxy",
    url: v.prometheusUrl,
    jsonData: {
      // The floor of every query's step and the scrape of $__rate_interval (prometheus-facts §2, §4).
      timeInterval: v.scrapeInterval,
      // Grafana's server default too; said here so that the query's parameters are never in a URL.
      httpMethod: "POST",
      prometheusType: "Prometheus",
    },
    secureJsonData: {},
  };
  return [postgres, rabbitmq, ...services, prometheus];
}

/** A base URL as Infinity must have it: it joins every query path by plain concatenation (infinity-facts
 *  §1.2), so a trailing slash would make them //api/... (docker-compose.yml strips it from Grafana's own
 *  environment for the provisioned datasource alike). */
const baseUrl = (url: string) => url.replace(/\/+$/, "");

/** The datasources with the settings' real values (hosts, users); secrets stay names to resolve. */
export function datasourceDefinitions(config: Config): DatasourceDefinition[] {
  return definitions(
    {
      postgresUrl: `${config.postgres.host}:${config.postgres.port}`,
      database: config.postgres.database,
      monitorUser: config.monitorRole.user,
      rabbitmqUrl: baseUrl(config.rabbitmq.managementUrl),
      rabbitmqUser: config.rabbitmq.monitorUser,
      services: config.monitoredServices,
      serviceUrls: Object.fromEntries(config.monitoredServices.map((name) => [name, baseUrl(config.services[name].url)])) as Record<ServiceName, string>,
      prometheusUrl: config.prometheus.url,
      scrapeInterval: config.prometheus.scrapeInterval,
    },
    config.monitorRole.connectionLimit - 2,
    config.monitorRole.connectTimeoutSeconds,
  );
}

/** A datasource's secrets from the settings' values: secureJsonData key -> value, and the keys whose
 *  setting has no value. The one lookup check (to run queries) and push (to send them) share. */
export function datasourceSecrets(
  definition: DatasourceDefinition,
  values: Partial<Record<SettingName, string | undefined>>,
): { secrets: Record<string, string>; unset: { key: string; setting: string }[] } {
  const secrets: Record<string, string> = {};
  const unset: { key: string; setting: string }[] = [];
  for (const [key, setting] of Object.entries(definition.secureJsonData)) {
    const value = setting ? values[setting] : undefined;
    if (value) secrets[key] = value;
    else unset.push({ key, setting: setting ?? "?" });
  }
  return { secrets, unset };
}

const ref = (name: SettingName) => `\${${name}}`;

/** The same datasources for provisioning files: every host, port and user a `${NAME}` reference that
 *  Grafana expands from its environment (docker-compose.yml passes them); a datasource for each of
 *  `services` (the committed files: the default MONITORED_SERVICES). */
export function provisionedDatasources(services: readonly ServiceName[] = DEFAULT_MONITORED_SERVICES): DatasourceDefinition[] {
  return definitions(
    {
      postgresUrl: `${ref("POSTGRES_HOST")}:${ref("POSTGRES_PORT")}`,
      database: ref("POSTGRES_DB"),
      monitorUser: ref("GRAFANA_POSTGRES_USER"),
      rabbitmqUrl: ref("RABBITMQ_MANAGEMENT_URL"),
      rabbitmqUser: ref("RABBITMQ_MONITOR_USER"),
      services,
      serviceUrls: Object.fromEntries(
        services.map((name) => [name, `http://${ref(SERVICE_VARIABLES[name].host)}:${ref(SERVICE_VARIABLES[name].port)}`]),
      ) as Record<ServiceName, string>,
      prometheusUrl: ref("PROMETHEUS_URL"),
      scrapeInterval: ref("PROMETHEUS_SCRAPE_INTERVAL"),
    },
    // jsonData is typed JSON: a number, not a reference. The role's default limit, less the monitor's and a spare.
    Number(SETTINGS.GRAFANA_POSTGRES_CONNECTION_LIMIT.default) - 2,
    durationSeconds(SETTINGS.GRAFANA_POSTGRES_CONNECT_TIMEOUT.default),
  );
}

/** The settings the datasources carry as secrets, each once. */
export function secretVariables(datasources: readonly DatasourceDefinition[]): SettingName[] {
  return [...new Set(datasources.flatMap((ds) => Object.values(ds.secureJsonData) as SettingName[]))];
}

/** Every variable the provisioning files reference, secrets included: what Grafana's environment
 *  must hold (docker-compose.yml passes exactly these). */
export function provisioningVariables(services?: readonly ServiceName[]): SettingName[] {
  const datasources = provisionedDatasources(services);
  const references = [...JSON.stringify(datasources).matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1] as SettingName);
  return [...new Set([...references, ...secretVariables(datasources)])];
}

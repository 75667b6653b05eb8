// The settings as the toolkit reads them: the one table of settings (settings.ts) becomes a zod schema, the
// typed Config every command gets (from the environment, a .env or --env-file), and env.example.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseEnv } from "node:util";
import { z } from "zod";
import { ToolkitError, badInput, nearest } from "./errors.ts";
import { type Kind, SETTINGS, type Setting, type SettingName } from "./settings.ts";
import { SERVICE_NAMES, type ServiceName, parseServiceList } from "./services.ts";
import { type AlertThresholds, type AlertmanagerSettings, alertSettingProblems, alertThresholds, alertmanagerSettings } from "./config-alerts.ts";


/** Any name PostgreSQL keeps as it is when quoted: not empty, at most 63 bytes (longer ones are
 *  truncated), no NUL. Upper case, spaces and quotes are fine: every use quotes it. */
export function isPostgresName(name: string): boolean {
  return name.length > 0 && Buffer.byteLength(name, "utf8") <= 63 && !name.includes("\u0000");
}
const IDENTIFIER_ERROR = "expected a PostgreSQL name: not empty, at most 63 bytes, no NUL character";

const wholeNumber = (min: number, max: number, error: string) =>
  z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });

const RULES: Record<Kind, () => z.ZodType<string | number>> = {
  host: () =>
    z.string().regex(/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9-]+)*$|^\[[0-9A-Fa-f:.]+\]$/, {
      error: "expected a host name or IP address",
    }),
  port: () => wholeNumber(1, 65535, "expected a port number (1-65535)"),
  url: () =>
    z
      .url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" })
      .transform((url) => url.replace(/\/+$/, "")),
  identifier: () => z.string().refine(isPostgresName, { error: IDENTIFIER_ERROR }),
  identifiers: () =>
    z.string().refine((list) => list.split(",").every((name) => name.trim() === "" || isPostgresName(name.trim())), {
      error: `expected comma-separated table names, each ${IDENTIFIER_ERROR.replace("expected ", "")}`,
    }),
  services: () =>
    z.string().superRefine((list, context) => {
      for (const problem of parseServiceList(list).problems) context.addIssue({ code: "custom", message: problem });
    }),
  count: () => wholeNumber(1, 1000, "expected a whole number from 1 to 1000"),
  threshold: () => z.coerce.number({ error: "expected a positive number" }).positive({ error: "expected a positive number" }).finite({ error: "expected a positive number" }),
  duration: () => z.string().regex(/^[1-9][0-9]*(ms|s|min)$/, { error: "expected a duration such as 500ms, 5s or 2min" }),
  promDuration: () => z.string().regex(/^[1-9][0-9]*(ms|s|m|h|d|w|y)$/, { error: "expected a Prometheus duration such as 15s, 1m, 12h or 90d" }),
  text: () => z.string().min(1, { error: "expected a non-empty value" }),
  secret: () => z.string().min(1, { error: "expected a non-empty value" }),
};

// Defaults are filled in before parsing (readSources), so they pass through the same rules.
const shape: Record<string, z.ZodType> = {};
for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, Setting][]) {
  const rule = setting.choices ? z.enum(setting.choices, { error: `expected one of ${setting.choices.join(", ")}` }) : RULES[setting.kind]();
  shape[name] = rule.optional();
}
const schema = z.object(shape);

export interface Config {
  /** Where the settings came from: the .env path, or null when only the environment was read. */
  envFile: string | null;
  /** Names in the .env file that are not settings of the toolkit (the trading system's own, mostly),
   *  and those among them a letter or two from one that is: "POSTGRES_PASWORD (did you mean
   *  POSTGRES_PASSWORD?)". Listed by `bun run config`, never silently ignored. */
  otherVariables: { unknown: string[]; nearMisses: string[] };
  /** Every setting by its variable name, as read (defaults filled in); for what is named by setting,
   *  such as a datasource's secrets. */
  values: Readonly<Partial<Record<SettingName, string>>>;
  postgres: { host: string; port: number; database: string; adminUser: string; adminPassword?: string };
  monitorRole: {
    user: string;
    password?: string;
    extraTables: string[];
    connectionLimit: number;
    statementTimeout: string;
    idleInTransactionTimeout: string;
    /** GRAFANA_POSTGRES_CONNECT_TIMEOUT in whole seconds (at least 1), as Grafana's connectionTimeout takes it. */
    connectTimeoutSeconds: number;
  };
  rabbitmq: {
    host: string;
    port: number;
    user: string;
    password?: string;
    managementUrl: string;
    monitorUser: string;
    monitorPassword?: string;
  };
  services: Record<ServiceName, { url: string; apiKey?: string }>;
  /** MONITORED_SERVICES: the services with a datasource, a health panel and the monitor's readings. */
  monitoredServices: ServiceName[];
  grafana: { url: string; adminUser: string; adminPassword: string; usesDefaultPassword: boolean; token?: string };
  prometheus: {
    url: string;
    scrapeInterval: string;
    evaluationInterval: string;
    retention: string;
    remoteWrite?: { url: string; user?: string; password?: string; bearerToken?: string };
    /** RabbitMQ's rabbitmq_prometheus listener (base URL). */
    rabbitmqUrl: string;
  };
  monitor: {
    schema: string;
    writerUser: string;
    writerPassword?: string;
    port: number;
    listenHost: string;
    url: string;
    intervalSeconds: number;
    retentionDays: number;
    /** MONITOR_DATABASE_WINDOW in seconds. */
    databaseWindowSeconds: number;
    queueSource: "auto" | "exporter" | "management";
  };
  /** The alert rules' thresholds (prometheus/alerts/) and Alertmanager's routing and receivers. */
  alerts: AlertThresholds;
  alertmanager: AlertmanagerSettings;
}

// The services' catalogue lives in services.ts; re-exported for the many that read it with the settings.
export { SERVICE_NAMES, type ServiceName } from "./services.ts";

/** Each service's settings, under the trading system's own (not quite regular) variable names. The
 *  newest compose file has no host variable for dashboard-api (its container name is the host); the
 *  toolkit's DASHBOARD_API_HOST defaults to it. The API keys of the two newer services are not needed:
 *  the endpoints the toolkit reads there are open. */
export const SERVICE_VARIABLES: Record<ServiceName, { host: SettingName; port: SettingName; apiKey?: SettingName }> = {
  "ws-gateway": { host: "WS_GATEWAY_HOST", port: "WS_GATEWAY_PORT", apiKey: "WS_GATEWAY_API_KEY" },
  "model-service": { host: "MODEL_SERVICE_HOST", port: "MODEL_SERVICE_PORT", apiKey: "MODEL_SERVICE_API_KEY" },
  "order-manager": { host: "ORDERMANAGER_HOST", port: "ORDERMANAGER_PORT", apiKey: "ORDERMANAGER_API_KEY" },
  "position-manager": { host: "POSITION_MANAGER_HOST", port: "POSITION_MANAGER_PORT", apiKey: "POSITION_MANAGER_API_KEY" },
  "feature-service": { host: "FEATURE_SERVICE_HOST", port: "FEATURE_SERVICE_PORT" },
  "dashboard-api": { host: "DASHBOARD_API_HOST", port: "DASHBOARD_API_PORT" },
};

export interface LoadOptions {
  /** A .env file to read; when absent, ./.env is read if it exists. */
  envFile?: string;
  /** The environment; process.env by default. Its values win over the file's. */
  env?: Record<string, string | undefined>;
  /** Settings this command cannot do without (secrets have no default). */
  required?: SettingName[];
}

const NO_ENV_FILE_HINT =
  'copy env.example to .env and fill it in, pass --env-file PATH (the trading system\'s own .env, with what `bun run config --env-file PATH --for setup` says it lacks), or point this shell at the local stack: eval "$(bun run --silent stack env)"';

/** Reads, validates and types every setting. Throws bad input (exit 2) listing every problem at once. */
export function loadConfig(options: LoadOptions = {}): Config {
  const { values, envFile, given, fileNames } = readSources(options);
  const problems: string[] = [];
  const others = otherVariables(fileNames, given);
  problems.push(...others.problems);
  const placeholders = (Object.keys(SETTINGS) as SettingName[]).filter((name) => given[name] !== undefined && isPlaceholder(given[name]!));
  for (const name of placeholders) {
    const shown = SETTINGS[name].kind === "secret" ? "" : ` (${JSON.stringify(given[name])})`;
    problems.push(`${name}: a placeholder${shown}, not a value: put the real one in its place (${SETTINGS[name].description})`);
  }
  for (const name of options.required ?? []) {
    if (!values[name]) problems.push(`${name}: required here but not set (${SETTINGS[name].description})${others.meant.has(name) ? `; the file has ${others.meant.get(name)}` : ""}`);
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]) as SettingName;
      if (placeholders.includes(name)) continue;
      const shown = SETTINGS[name]?.kind === "secret" ? "" : `, got ${JSON.stringify(values[name])}`;
      problems.push(`${name}: ${issue.message}${shown}`);
    }
  }
  problems.push(...remoteWriteProblems(values), ...alertSettingProblems(values), ...schemaProblems(values));
  if (problems.length || !parsed.success) {
    const missing = (options.required ?? []).some((name) => !values[name]);
    // The usual first-run mistake: no .env at all. Say where settings can come from.
    const hint = missing && !envFile ? `no .env file at ${resolve(".env")} and no --env-file: ${NO_ENV_FILE_HINT}` : undefined;
    const counted = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    throw new ToolkitError("badInput", `Configuration has ${counted}${envFile ? ` (read ${envFile})` : ""}`, { problems, hint });
  }
  return { ...toConfig(parsed.data as Record<SettingName, string | number | undefined>, envFile), otherVariables: { unknown: others.unknown, nearMisses: others.nearMisses } };
}

// The stand-ins of example files: XXXX, changeme, your_password, <token>.
const PLACEHOLDER = /^(?:x{3,}|change[-_ ]?me|your[-_ ].*|<[^>]*>|todo|replace[-_ ]?me|\*{3,})$/i;

/** True when a value is obviously an example file's stand-in, not a real value. */
export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value.trim());
}

/** The .env file's names that are not settings, and the near misses among them: a near miss whose
 *  setting has no value is a problem (the setting is probably misspelt), else a note. */
function otherVariables(fileNames: string[], given: Record<string, string | undefined>) {
  const known = Object.keys(SETTINGS);
  const unknown = fileNames.filter((name) => !(name in SETTINGS)).sort();
  const nearMisses: string[] = [];
  const problems: string[] = [];
  const meant = new Map<SettingName, string>();
  for (const name of unknown) {
    const near = name.length >= 6 ? (nearest(name, known, name.length >= 12 ? 2 : 1) as SettingName | undefined) : undefined;
    if (!near) continue;
    nearMisses.push(`${name} (did you mean ${near}?)`);
    meant.set(near, name);
    if (given[near] === undefined) problems.push(`${name}: not a setting of the toolkit; did you mean ${near}? Rename it (${near} is not set)`);
  }
  return { unknown, nearMisses, problems, meant };
}

/** The remote-write credentials go together: basic auth is a user and a password, a bearer token stands
 *  alone, and neither means anything without the endpoint. */
function remoteWriteProblems(values: Record<string, string | undefined>): string[] {
  const user = values.PROMETHEUS_REMOTE_WRITE_USER;
  const password = values.PROMETHEUS_REMOTE_WRITE_PASSWORD;
  const token = values.PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN;
  const problems: string[] = [];
  if ((user || password || token) && !values.PROMETHEUS_REMOTE_WRITE_URL) {
    problems.push("PROMETHEUS_REMOTE_WRITE_URL: not set, yet remote-write credentials are: set the endpoint, or clear them");
  }
  if (Boolean(user) !== Boolean(password)) {
    problems.push(`${user ? "PROMETHEUS_REMOTE_WRITE_PASSWORD" : "PROMETHEUS_REMOTE_WRITE_USER"}: basic auth needs both PROMETHEUS_REMOTE_WRITE_USER and PROMETHEUS_REMOTE_WRITE_PASSWORD`);
  }
  if (token && (user || password)) problems.push("PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN: set together with basic auth; use one of the two");
  return problems;
}

/** The panels' SQL names MONITORING_SCHEMA (grafana/queries/postgres.ts, inSchema), and Grafana replaces
 *  every $name in a panel's SQL by a variable's value: a schema name with a $ would not reach PostgreSQL. */
function schemaProblems(values: Record<string, string | undefined>): string[] {
  const schema = values.MONITORING_SCHEMA;
  return schema?.includes("$") ? [`MONITORING_SCHEMA: the panels' SQL names it, and Grafana reads a $ there as a variable; choose a name without $, got ${JSON.stringify(schema)}`] : [];
}

function readSources(options: LoadOptions): {
  values: Record<string, string | undefined>;
  envFile: string | null;
  /** The values set in the environment or the file (no defaults). */
  given: Record<string, string | undefined>;
  fileNames: string[];
} {
  const env = options.env ?? process.env;
  const path = resolve(options.envFile ?? ".env");
  let fileValues: Record<string, string> = {};
  if (existsSync(path)) {
    fileValues = parseEnv(readFileSync(path, "utf8")) as Record<string, string>;
  } else if (options.envFile) {
    throw badInput(`The env file ${options.envFile} does not exist.`);
  }
  const values: Record<string, string | undefined> = {};
  const given: Record<string, string | undefined> = {};
  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, Setting][]) {
    // An empty value counts as unset, as in docker compose files where `NAME=` is common.
    given[name] = env[name] || fileValues[name] || undefined;
    values[name] = given[name] ?? setting.default;
  }
  return { values, envFile: existsSync(path) ? path : null, given, fileNames: Object.keys(fileValues) };
}

function toConfig(v: Record<SettingName, string | number | undefined>, envFile: string | null): Omit<Config, "otherVariables"> {
  const s = (name: SettingName) => v[name] as string;
  const n = (name: SettingName) => v[name] as number;
  const opt = (name: SettingName) => v[name] as string | undefined;
  const serviceUrl = (hostName: SettingName, portName: SettingName) => `http://${s(hostName)}:${n(portName)}`;
  const adminPassword = opt("GRAFANA_ADMIN_PASSWORD") ?? "admin";
  return {
    envFile,
    values: Object.fromEntries(Object.entries(v).filter(([, value]) => value !== undefined).map(([name, value]) => [name, String(value)])),
    postgres: {
      host: s("POSTGRES_HOST"),
      port: n("POSTGRES_PORT"),
      database: s("POSTGRES_DB"),
      adminUser: s("POSTGRES_USER"),
      adminPassword: opt("POSTGRES_PASSWORD"),
    },
    monitorRole: {
      user: s("GRAFANA_POSTGRES_USER"),
      password: opt("GRAFANA_POSTGRES_PASSWORD"),
      extraTables: (opt("GRAFANA_POSTGRES_EXTRA_TABLES") ?? "")
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean),
      connectionLimit: n("GRAFANA_POSTGRES_CONNECTION_LIMIT"),
      statementTimeout: s("GRAFANA_POSTGRES_STATEMENT_TIMEOUT"),
      idleInTransactionTimeout: s("GRAFANA_POSTGRES_IDLE_TIMEOUT"),
      connectTimeoutSeconds: Math.max(1, Math.ceil(durationSeconds(s("GRAFANA_POSTGRES_CONNECT_TIMEOUT")))),
    },
    rabbitmq: {
      host: s("RABBITMQ_HOST"),
      port: n("RABBITMQ_PORT"),
      user: s("RABBITMQ_USER"),
      password: opt("RABBITMQ_PASSWORD"),
      managementUrl: opt("RABBITMQ_MANAGEMENT_URL") ?? serviceUrl("RABBITMQ_HOST", "RABBITMQ_MANAGEMENT_PORT"),
      monitorUser: s("RABBITMQ_MONITOR_USER"),
      monitorPassword: opt("RABBITMQ_MONITOR_PASSWORD"),
    },
    services: Object.fromEntries(
      SERVICE_NAMES.map((name) => {
        const names = SERVICE_VARIABLES[name];
        return [name, { url: serviceUrl(names.host, names.port), apiKey: names.apiKey && opt(names.apiKey) }];
      }),
    ) as Config["services"],
    monitoredServices: parseServiceList(s("MONITORED_SERVICES")).services,
    grafana: {
      url: opt("GRAFANA_URL") ?? `http://localhost:${n("GRAFANA_PORT")}`,
      adminUser: s("GRAFANA_ADMIN_USER"),
      adminPassword,
      usesDefaultPassword: adminPassword === "admin",
      token: opt("GRAFANA_TOKEN"),
    },
    prometheus: {
      url: s("PROMETHEUS_URL"),
      scrapeInterval: s("PROMETHEUS_SCRAPE_INTERVAL"),
      evaluationInterval: s("PROMETHEUS_EVALUATION_INTERVAL"),
      retention: s("PROMETHEUS_RETENTION"),
      remoteWrite: opt("PROMETHEUS_REMOTE_WRITE_URL")
        ? {
            url: s("PROMETHEUS_REMOTE_WRITE_URL"),
            user: opt("PROMETHEUS_REMOTE_WRITE_USER"),
            password: opt("PROMETHEUS_REMOTE_WRITE_PASSWORD"),
            bearerToken: opt("PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN"),
          }
        : undefined,
      rabbitmqUrl: opt("RABBITMQ_PROMETHEUS_URL") ?? `http://${s("RABBITMQ_HOST")}:15692`,
    },
    monitor: {
      schema: s("MONITORING_SCHEMA"),
      writerUser: s("MONITOR_POSTGRES_USER"),
      writerPassword: opt("MONITOR_POSTGRES_PASSWORD"),
      port: n("MONITOR_PORT"),
      listenHost: s("MONITOR_LISTEN_HOST"),
      url: opt("MONITOR_URL") ?? `http://localhost:${n("MONITOR_PORT")}`,
      intervalSeconds: n("MONITOR_INTERVAL_SECONDS"),
      retentionDays: n("MONITOR_EVENT_RETENTION_DAYS"),
      databaseWindowSeconds: durationSeconds(s("MONITOR_DATABASE_WINDOW")),
      queueSource: s("MONITOR_QUEUE_SOURCE") as Config["monitor"]["queueSource"],
    },
    alerts: alertThresholds(v),
    alertmanager: alertmanagerSettings(v),
  };
}

/** A duration setting (500ms, 5s, 2min) in seconds. */
export function durationSeconds(text: string): number {
  const [, amount, unit] = /^(\d+)(ms|s|min)$/.exec(text) ?? [];
  return Number(amount) * (unit === "ms" ? 0.001 : unit === "min" ? 60 : 1);
}

/** env.example, generated from SETTINGS so that it always documents exactly what the code reads. */
export function envExample(): string {
  const lines = [
    "# Settings of the Grafana monitoring toolkit. Copy to .env, or point --env-file at the trading",
    "# system's own .env: the names below are the ones it already uses. Variables set in the",
    "# environment win over the file. Generated from scripts/lib/config.ts (bun run config --example).",
  ];
  let group = "";
  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, Setting][]) {
    if (setting.group !== group) {
      group = setting.group;
      lines.push("", `# --- ${group} ---`);
    }
    lines.push(`# ${setting.description}${setting.kind === "secret" ? " (secret)" : ""}`);
    lines.push(`${name}=${setting.default ?? ""}`);
  }
  return `${lines.join("\n")}\n`;
}

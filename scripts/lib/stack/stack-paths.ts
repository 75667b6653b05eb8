// Where the local stack keeps its state (outside the repository), its generated passwords, and the ports
// it runs on: asked for with STACK_*_PORT, recorded in the stack directory while anything of it runs.
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { SERVICE_VARIABLES, type ServiceName } from "../config.ts";
import { SETTINGS } from "../settings.ts";
import { badInput } from "../errors.ts";

/** Marks a directory as a stack directory, so that `stack down --purge` never removes anything else. */
const MARKER = ".ytrader-monitoring-stack";
const SECRETS_FILE = "secrets.json";
const PORTS_FILE = "ports.json";

/** Runtime state (data directories, logs, pid files, ports, passwords). Disposable: recreated when
 *  missing. Under the temp directory rather than $HOME because PostgreSQL runs as the `postgres` user
 *  when we are root, and that user cannot enter /root. */
export function stackDir(): string {
  const dir = process.env.STACK_DIR || join(tmpdir(), `ytrader-monitoring-stack-${process.getuid?.() ?? 0}`);
  const fresh = !existsSync(dir) || readdirSync(dir).length === 0;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  // A directory made before the marker existed is adopted by its secrets file.
  if (!existsSync(join(dir, MARKER)) && (fresh || existsSync(join(dir, SECRETS_FILE)))) {
    writeFileSync(join(dir, MARKER), "state of `bun run stack`; `bun run stack down --purge` removes it\n");
  }
  return dir;
}

/** Removes a stack directory, refusing any directory the stack did not make. */
export function purgeStackDir(dir: string): void {
  if (!existsSync(dir)) return;
  if (!existsSync(join(dir, MARKER))) throw badInput(`${dir} is not a stack directory (no ${MARKER} in it): not removed.`);
  rmSync(dir, { recursive: true, force: true });
}

const SECRET_NAMES = ["postgresPassword", "monitorRolePassword", "rabbitmqPassword", "rabbitmqMonitorPassword", "serviceApiKey", "monitorWriterPassword"] as const;
export type StackSecrets = Record<(typeof SECRET_NAMES)[number], string>;

/** Random passwords of the local stack, made once and kept in the stack directory (mode 600). They are
 *  also how the stack recognises its own services: nothing else accepts them. */
export function stackSecrets(dir = stackDir()): StackSecrets {
  const path = join(dir, SECRETS_FILE);
  const known = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Partial<StackSecrets>) : {};
  const secrets = Object.fromEntries(SECRET_NAMES.map((name) => [name, known[name] ?? randomBytes(18).toString("base64url")])) as StackSecrets;
  if (SECRET_NAMES.some((name) => !known[name])) writeFileSync(path, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

const servicePort = (name: ServiceName) => Number((SETTINGS[SERVICE_VARIABLES[name].port] as { default?: string }).default);

/** Every port of the stack: the variable that moves it, and its default (away from PostgreSQL's and
 *  RabbitMQ's own, so that a machine already running them keeps them). The demo's services default to
 *  the trading system's real ports. */
export const PORT_SETTINGS = {
  postgres: { variable: "STACK_POSTGRES_PORT", default: 55432 },
  amqp: { variable: "STACK_AMQP_PORT", default: 55672 },
  rabbitmqManagement: { variable: "STACK_RABBITMQ_MANAGEMENT_PORT", default: 55673 },
  epmd: { variable: "STACK_EPMD_PORT", default: 55674 },
  rabbitmqDistribution: { variable: "STACK_RABBITMQ_DIST_PORT", default: 55675 },
  "ws-gateway": { variable: "STACK_WS_GATEWAY_PORT", default: servicePort("ws-gateway") },
  "model-service": { variable: "STACK_MODEL_SERVICE_PORT", default: servicePort("model-service") },
  "order-manager": { variable: "STACK_ORDERMANAGER_PORT", default: servicePort("order-manager") },
  "position-manager": { variable: "STACK_POSITION_MANAGER_PORT", default: servicePort("position-manager") },
  "feature-service": { variable: "STACK_FEATURE_SERVICE_PORT", default: servicePort("feature-service") },
  "dashboard-api": { variable: "STACK_DASHBOARD_API_PORT", default: servicePort("dashboard-api") },
  demoControl: { variable: "STACK_DEMO_CONTROL_PORT", default: 4999 },
  rabbitmqPrometheus: { variable: "STACK_RABBITMQ_PROMETHEUS_PORT", default: 55692 },
  prometheus: { variable: "STACK_PROMETHEUS_PORT", default: 55090 },
  alertmanager: { variable: "STACK_ALERTMANAGER_PORT", default: 55093 },
  /** Where the stack's Prometheus scrapes `bun run monitor` unless MONITOR_URL says otherwise. */
  monitor: { variable: "STACK_MONITOR_PORT", default: 55470 },
} as const satisfies Record<string, { variable: string; default: number }> & Record<ServiceName, unknown>;

export type PortName = keyof typeof PORT_SETTINGS;
export type StackPorts = Record<PortName, number>;
const PORT_NAMES = Object.keys(PORT_SETTINGS) as PortName[];

/** The ports asked for: STACK_*_PORT where set, else the defaults. */
export function requestedPorts(env: Record<string, string | undefined> = process.env): StackPorts {
  const ports = {} as StackPorts;
  const problems: string[] = [];
  for (const name of PORT_NAMES) {
    const { variable, default: fallback } = PORT_SETTINGS[name];
    const value = env[variable];
    const port = value ? Number(value) : fallback;
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`${variable}: expected a port number (1-65535), got ${JSON.stringify(value)}`);
    ports[name] = port;
  }
  if (problems.length) throw badInput("The stack's ports are misconfigured:", problems);
  return ports;
}

/** The ports of the stack in `dir`: those recorded when it started, else the ones asked for. */
export function stackPorts(dir = stackDir()): StackPorts {
  return recordedPorts(dir) ?? requestedPorts();
}

export function recordedPorts(dir: string): StackPorts | null {
  const path = join(dir, PORTS_FILE);
  if (!existsSync(path)) return null;
  const recorded = JSON.parse(readFileSync(path, "utf8")) as Partial<StackPorts>;
  // A file from an older toolkit may lack a port: the one asked for fills it.
  return { ...requestedPorts(), ...recorded };
}

export function recordPorts(dir: string, ports: StackPorts): void {
  writeFileSync(join(dir, PORTS_FILE), `${JSON.stringify(ports, null, 2)}\n`);
}

export function forgetPorts(dir: string): void {
  rmSync(join(dir, PORTS_FILE), { force: true });
}

/** STACK_*_PORT variables set to something other than what the running stack uses: they cannot take
 *  effect until it is stopped. */
export function portsAskedOtherwise(recorded: StackPorts, env: Record<string, string | undefined> = process.env): string[] {
  return PORT_NAMES.filter((name) => env[PORT_SETTINGS[name].variable] && Number(env[PORT_SETTINGS[name].variable]) !== recorded[name]).map(
    (name) => `${PORT_SETTINGS[name].variable}=${env[PORT_SETTINGS[name].variable]} (it runs on ${recorded[name]})`,
  );
}

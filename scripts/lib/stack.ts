// The live stack that tests, the demo and a first try of the toolkit run against: PostgreSQL, RabbitMQ
// (with management) and the demo services as local processes. Whatever the environment already points at
// (POSTGRES_HOST, RABBITMQ_HOST, WS_GATEWAY_HOST) is used as it is and never started or stopped here.
// Grafana is not part of it: GRAFANA_URL points at one (docker compose, or any other).
import { STACK_PORTS, stackDir, stackSecrets } from "./stack-paths.ts";
import { type Config, SERVICE_NAMES, SERVICE_VARIABLES, type SettingName, loadConfig } from "./config.ts";
import { demoRunning, startDemoDaemon, stopDemoDaemon } from "./local-demo.ts";
import { STACK_PG_ADMIN, STACK_PG_DATABASE, postgresRunning, startPostgres, stopPostgres } from "./local-postgres.ts";
import { STACK_RABBITMQ_ADMIN, managementUrl, rabbitmqReady, startRabbitmq, stopRabbitmq } from "./local-rabbitmq.ts";

export type ComponentName = "postgres" | "rabbitmq" | "demo";
export type ComponentState = "running" | "started" | "stopped" | "external" | "unavailable";

export interface ComponentStatus {
  name: ComponentName;
  state: ComponentState;
  detail: string;
}

/** The variable that, when already set, means "use that one, start nothing". */
const EXTERNAL_MARKER: Record<ComponentName, string> = {
  postgres: "POSTGRES_HOST",
  rabbitmq: "RABBITMQ_HOST",
  demo: "WS_GATEWAY_HOST",
};

/** Set, and not to the stack's own address (which `eval "$(bun run stack env)"` puts there). */
function isExternal(name: ComponentName, env = process.env): boolean {
  const value = env[EXTERNAL_MARKER[name]];
  if (!value) return false;
  const own: Record<ComponentName, boolean> = {
    postgres: value === "127.0.0.1" && env.POSTGRES_PORT === String(STACK_PORTS.postgres),
    rabbitmq: value === "127.0.0.1" && env.RABBITMQ_PORT === String(STACK_PORTS.amqp),
    demo: value === "127.0.0.1" && env.WS_GATEWAY_PORT === String(STACK_PORTS["ws-gateway"]),
  };
  return !own[name];
}

interface Component {
  name: ComponentName;
  running: (stack: string) => Promise<boolean>;
  start: (stack: string) => Promise<void>;
  stop: (stack: string) => Promise<boolean>;
  where: () => string;
  /** Why it cannot run here, if it cannot. */
  unavailable?: () => string | null;
}

const COMPONENTS: Component[] = [
  { name: "postgres", running: () => postgresRunning(), start: startPostgres, stop: stopPostgres, where: () => `127.0.0.1:${STACK_PORTS.postgres}` },
  { name: "rabbitmq", running: rabbitmqReady, start: startRabbitmq, stop: stopRabbitmq, where: managementUrl },
  {
    name: "demo",
    running: () => demoRunning(),
    start: async (stack) => startDemoDaemon(stack, { ...stackEnv(await stackStatus()), ...demoServiceEnv() }),
    stop: stopDemoDaemon,
    // Fake trading activity goes only into the stack's own database and broker, never a real system's.
    unavailable: () =>
      isExternal("postgres") || isExternal("rabbitmq") ? "the demo runs only against the stack's own PostgreSQL and RabbitMQ" : null,
    where: () => `services on ${SERVICE_NAMES.map((name) => STACK_PORTS[name]).join(", ")}`,
  },
];

/** Starts what is neither running nor external. A component that cannot run here (the demo against
 *  external services) is reported as unavailable, not fatal. */
export async function stackUp(
  log: (line: string) => void = () => {},
  only: ComponentName[] = COMPONENTS.map((c) => c.name),
): Promise<ComponentStatus[]> {
  const stack = stackDir();
  const statuses: ComponentStatus[] = [];
  for (const component of COMPONENTS.filter((c) => only.includes(c.name))) {
    const status = await settledStatus(component, stack);
    if (status) {
      if (status.state === "unavailable") log(`${component.name}: unavailable: ${status.detail}`);
      statuses.push(status);
      continue;
    }
    log(`${component.name}: starting`);
    const started = Date.now();
    await component.start(stack);
    statuses.push({ name: component.name, state: "started", detail: `${component.where()} in ${((Date.now() - started) / 1000).toFixed(1)}s` });
  }
  return statuses;
}

/** External, running or unavailable: a component `up` leaves as it is. Null when it could be started. */
async function settledStatus(component: Component, stack: string): Promise<ComponentStatus | null> {
  const marker = EXTERNAL_MARKER[component.name];
  if (isExternal(component.name)) return { name: component.name, state: "external", detail: `${marker}=${process.env[marker]}` };
  if (await component.running(stack)) return { name: component.name, state: "running", detail: component.where() };
  const reason = component.unavailable?.();
  return reason ? { name: component.name, state: "unavailable", detail: reason } : null;
}

/** Settings of a command that writes data of its own (the demo, the benchmark's seed): it never picks up
 *  ./.env by itself, which may be the real system's. An explicit --env-file, else the environment, else the
 *  local stack (started when needed). */
export async function localOrGivenConfig(envFile: string | undefined, required: SettingName[], components?: ComponentName[]): Promise<Config> {
  if (!envFile && !process.env.POSTGRES_HOST) {
    console.error("Using the local stack (bun run stack up); pass --env-file to use other services.");
    const statuses = await stackUp((line) => console.error(line), components);
    for (const [name, value] of Object.entries(stackEnv(statuses))) process.env[name] ??= value;
  }
  return loadConfig({ envFile: envFile ?? "/dev/null", required });
}

/** Stops every component whose state lives in the stack directory; external ones are left alone. */
export async function stackDown(): Promise<ComponentStatus[]> {
  const stack = stackDir();
  const statuses: ComponentStatus[] = [];
  for (const component of [...COMPONENTS].reverse()) {
    const stopped = await component.stop(stack);
    statuses.push({ name: component.name, state: "stopped", detail: stopped ? "stopped" : "was not running" });
  }
  return statuses.reverse();
}

export async function stackStatus(): Promise<ComponentStatus[]> {
  const stack = stackDir();
  return Promise.all(
    COMPONENTS.map(async (component) => (await settledStatus(component, stack)) ?? { name: component.name, state: "stopped", detail: "" }),
  );
}

/** Settings of the running local stack, in the toolkit's own variable names. Components that are
 *  external or unavailable contribute nothing, so that what the environment says stays in force. */
export function stackEnv(statuses: ComponentStatus[]): Record<string, string> {
  const secrets = stackSecrets();
  const local = (name: ComponentName) => statuses.some((s) => s.name === name && (s.state === "running" || s.state === "started"));
  const env: Record<string, string> = {};
  if (local("postgres")) {
    Object.assign(env, {
      POSTGRES_HOST: "127.0.0.1",
      POSTGRES_PORT: String(STACK_PORTS.postgres),
      POSTGRES_DB: STACK_PG_DATABASE,
      POSTGRES_USER: STACK_PG_ADMIN,
      POSTGRES_PASSWORD: secrets.postgresPassword,
      GRAFANA_POSTGRES_USER: "grafana_monitor",
      GRAFANA_POSTGRES_PASSWORD: secrets.monitorRolePassword,
    });
  }
  if (local("rabbitmq")) {
    Object.assign(env, {
      RABBITMQ_HOST: "127.0.0.1",
      RABBITMQ_PORT: String(STACK_PORTS.amqp),
      RABBITMQ_USER: STACK_RABBITMQ_ADMIN,
      RABBITMQ_PASSWORD: secrets.rabbitmqPassword,
      RABBITMQ_MANAGEMENT_PORT: String(STACK_PORTS.rabbitmqManagement),
      RABBITMQ_MANAGEMENT_URL: managementUrl(),
      RABBITMQ_MONITOR_USER: "grafana_monitor",
      RABBITMQ_MONITOR_PASSWORD: secrets.rabbitmqMonitorPassword,
    });
  }
  if (local("demo")) Object.assign(env, demoServiceEnv());
  return env;
}

/** Where the demo's services are, in the trading system's own variable names; a key of its own each. */
function demoServiceEnv(): Record<string, string> {
  const key = stackSecrets().serviceApiKey;
  return Object.fromEntries(
    SERVICE_NAMES.flatMap((name) => {
      const names = SERVICE_VARIABLES[name];
      return [[names.host, "127.0.0.1"], [names.port, String(STACK_PORTS[name])], [names.apiKey, `${name}-${key}`]];
    }),
  );
}

/** `export NAME='value'` lines for `eval "$(bun run --silent stack env)"`. */
export function shellExports(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}='${value.replaceAll("'", `'\\''`)}'`)
    .join("\n");
}

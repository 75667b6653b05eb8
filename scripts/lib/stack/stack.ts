// The live stack that tests, the demo and a first try of the toolkit run against: PostgreSQL, RabbitMQ
// (with management and its Prometheus exporter), Prometheus, Alertmanager and the demo services as local
// processes. Whatever the environment already points at
// (POSTGRES_HOST, RABBITMQ_HOST, PROMETHEUS_URL, WS_GATEWAY_HOST) is used as it is and never started or stopped here.
// Grafana is not part of it: GRAFANA_URL points at one.
//
// What the stack owns is decided by its own pid files and credentials, never by "the port answers": a
// second checkout or another user's stack on the same machine is not ours, and `down` signals only
// processes whose pid files in this stack directory prove they are ours.
import { badInput, classify, unreachable } from "../errors.ts";
import {
  PORT_SETTINGS,
  type PortName,
  type StackPorts,
  forgetPorts,
  portsAskedOtherwise,
  purgeStackDir,
  recordPorts,
  recordedPorts,
  requestedPorts,
  stackDir,
  stackPorts,
  stackSecrets,
} from "./stack-paths.ts";
import { SERVICE_NAMES, SERVICE_VARIABLES } from "../config.ts";
import { daemonPid, logPath, portFree } from "./daemon.ts";
import { STACK_PACKAGES, ensurePackages } from "../debian-packages.ts";
import { demoAnswers, demoPid, startDemoDaemon, stopDemoDaemon } from "./local-demo.ts";
import { monitorAnswers, monitorEnv, monitorPid, monitorUrl, startMonitorDaemon, stopMonitorDaemon } from "./local-monitor.ts";
import { STACK_PG_ADMIN, STACK_PG_DATABASE, postgresAnswers, postgresPaths, postgresPid, startPostgres, stopPostgres } from "./local-postgres.ts";
import { STACK_RABBITMQ_ADMIN, managementUrl, rabbitmqAnswers, rabbitmqPid, startRabbitmq, stopRabbitmq } from "./local-rabbitmq.ts";
import {
  alertmanagerAnswers,
  alertmanagerPid,
  alertmanagerUrl,
  prometheusAnswers,
  prometheusPid,
  prometheusUrl,
  rabbitmqPrometheusUrl,
  startAlertmanager,
  startPrometheus,
  stopAlertmanager,
  stopPrometheus,
} from "./local-prometheus.ts";
import { ensureTools, installAllowed, missingTools, toolsMissingError } from "./prometheus-tools.ts";

export type ComponentName = "postgres" | "rabbitmq" | "alertmanager" | "prometheus" | "demo" | "monitor";
/** running/started: the stack's own process answers with the stack's credentials. unhealthy: its
 *  process runs but does not answer. blocked: not running, and a port it needs is held by a process
 *  that is not the stack's. */
export type ComponentState = "running" | "started" | "stopped" | "external" | "unavailable" | "unhealthy" | "blocked";

export interface ComponentStatus {
  name: ComponentName;
  state: ComponentState;
  detail: string;
}

/** States of a healthy stack: `stack status` exits 0 when every component is in one of them. */
export const HEALTHY_STATES: readonly ComponentState[] = ["running", "started", "external", "unavailable"];

/** The variable that, when already set, means "use that one, start nothing". Alertmanager has none:
 *  the stack's Prometheus sends its alerts to the stack's own. */
const EXTERNAL_MARKER: Partial<Record<ComponentName, string>> = {
  postgres: "POSTGRES_HOST",
  rabbitmq: "RABBITMQ_HOST",
  prometheus: "PROMETHEUS_URL",
  demo: "WS_GATEWAY_HOST",
  monitor: "MONITOR_URL",
};

/** Set, and not to the stack's own address (which `eval "$(bun run stack env)"` puts there). */
function isExternal(name: ComponentName, ports: StackPorts, env = process.env): boolean {
  const marker = EXTERNAL_MARKER[name];
  const value = marker ? env[marker] : undefined;
  if (!value) return false;
  const own: Record<ComponentName, boolean> = {
    postgres: value === "127.0.0.1" && env.POSTGRES_PORT === String(ports.postgres),
    rabbitmq: value === "127.0.0.1" && env.RABBITMQ_PORT === String(ports.amqp),
    alertmanager: true,
    prometheus: value === prometheusUrl(ports),
    demo: value === "127.0.0.1" && env.WS_GATEWAY_PORT === String(ports["ws-gateway"]),
    monitor: value === monitorUrl(ports),
  };
  return !own[name];
}

interface Component {
  name: ComponentName;
  /** The ports it listens on that no process of the stack holds yet. */
  ports: (stack: string) => PortName[];
  /** Its main process, proven the stack's own by a pid file; null when it does not run. */
  pid: (stack: string) => number | null;
  /** It answers on the stack's ports with the stack's own credentials. */
  answers: (stack: string, ports: StackPorts) => Promise<boolean>;
  start: (stack: string, ports: StackPorts) => Promise<void>;
  /** Stops what its pid files prove ours; false when nothing of it ran. */
  stop: (stack: string) => Promise<boolean>;
  where: (ports: StackPorts) => string;
  log: (stack: string) => string;
  /** Why it cannot run here, if it cannot. */
  unavailable?: (ports: StackPorts) => string | null;
  /** It runs the Prometheus tools (prometheus-tools.ts), built once per machine. */
  needsTools?: boolean;
}

const COMPONENTS: Component[] = [
  {
    name: "postgres",
    ports: () => ["postgres"],
    pid: postgresPid,
    answers: postgresAnswers,
    start: startPostgres,
    stop: stopPostgres,
    where: (ports) => `127.0.0.1:${ports.postgres}`,
    log: (stack) => postgresPaths(stack).log,
  },
  {
    name: "rabbitmq",
    // The port mapper may outlive a broker that crashed: its port is then ours already.
    ports: (stack) => [
      "amqp",
      "rabbitmqManagement",
      "rabbitmqDistribution",
      "rabbitmqPrometheus",
      ...(daemonPid(stack, "epmd") === null ? (["epmd"] as const) : []),
    ],
    pid: rabbitmqPid,
    answers: rabbitmqAnswers,
    start: startRabbitmq,
    stop: stopRabbitmq,
    where: managementUrl,
    log: (stack) => logPath(stack, "rabbitmq"),
  },
  {
    name: "alertmanager",
    ports: () => ["alertmanager"],
    pid: alertmanagerPid,
    answers: alertmanagerAnswers,
    start: startAlertmanager,
    stop: stopAlertmanager,
    where: alertmanagerUrl,
    log: (stack) => logPath(stack, "alertmanager"),
    needsTools: true,
  },
  {
    name: "prometheus",
    ports: () => ["prometheus"],
    pid: prometheusPid,
    answers: prometheusAnswers,
    start: (stack, ports) => startPrometheus(stack, ports, { ownRabbitmq: !isExternal("rabbitmq", ports) && rabbitmqPid(stack) !== null }),
    stop: stopPrometheus,
    where: prometheusUrl,
    log: (stack) => logPath(stack, "prometheus"),
    needsTools: true,
  },
  {
    name: "demo",
    ports: () => [...SERVICE_NAMES, "demoControl"],
    pid: demoPid,
    answers: demoAnswers,
    start: async (stack, ports) => startDemoDaemon(stack, ports, { ...stackEnv(await stackStatus(), ports), ...demoServiceEnv(ports) }),
    stop: stopDemoDaemon,
    // Fake trading activity goes only into the stack's own database and broker, never a real system's.
    unavailable: (ports) =>
      isExternal("postgres", ports) || isExternal("rabbitmq", ports) ? "the demo runs only against the stack's own PostgreSQL and RabbitMQ" : null,
    where: (ports) => `services on ${SERVICE_NAMES.map((name) => ports[name]).join(", ")}, control on ${ports.demoControl}`,
    log: (stack) => logPath(stack, "demo"),
  },
  {
    name: "monitor",
    ports: () => ["monitor"],
    pid: monitorPid,
    answers: monitorAnswers,
    // After the demo, so that it reads the stack's own services from its first reading.
    start: async (stack, ports) => startMonitorDaemon(stack, ports, { ...stackEnv(await stackStatus(), ports), ...monitorEnv(ports) }),
    stop: stopMonitorDaemon,
    where: (ports) => `${monitorUrl(ports)} (/metrics, /healthz)`,
    log: (stack) => logPath(stack, "monitor"),
  },
];

/** Where a component stands, decided by the stack's pid files and credentials. */
async function componentStatus(component: Component, stack: string, ports: StackPorts): Promise<ComponentStatus> {
  const { name } = component;
  const status = (state: ComponentState, detail: string): ComponentStatus => ({ name, state, detail });
  const marker = EXTERNAL_MARKER[name];
  if (marker && isExternal(name, ports)) return status("external", `${marker}=${process.env[marker]}`);
  const pid = component.pid(stack);
  if (pid !== null) {
    if (await component.answers(stack, ports)) return status("running", component.where(ports));
    return status("unhealthy", `its process (pid ${pid}) runs but does not answer on ${component.where(ports)} with the stack's credentials; log ${component.log(stack)}`);
  }
  const reason = component.unavailable?.(ports);
  if (reason) return status("unavailable", reason);
  const taken = component.ports(stack).filter((port) => !portFree(ports[port]));
  if (taken.length) return status("blocked", portsTaken(taken, ports, stack));
  if (component.needsTools && missingTools().missing.length) return status("stopped", `not built yet: ${missingTools().command}`);
  return status("stopped", "");
}

function portsTaken(taken: PortName[], ports: StackPorts, stack: string): string {
  const list = taken.map((port) => `${ports[port]} (${PORT_SETTINGS[port].variable})`).join(", ");
  const variables = taken.map((port) => PORT_SETTINGS[port].variable).join(", ");
  return taken.length > 1
    ? `ports ${list} are taken by processes that are not this stack's (STACK_DIR=${stack}): set ${variables} to free ports, or stop what holds them`
    : `port ${list} is taken by a process that is not this stack's (STACK_DIR=${stack}): set ${variables} to a free port, or stop what holds it`;
}

/** The ports to start on: the recorded ones while any process of the stack runs (a STACK_*_PORT set to
 *  something else is refused), else the ones asked for, recorded from now on. */
function portsForUp(stack: string): StackPorts {
  const running = COMPONENTS.some((component) => component.pid(stack) !== null) || daemonPid(stack, "epmd") !== null;
  const recorded = recordedPorts(stack);
  if (running && recorded) {
    const otherwise = portsAskedOtherwise(recorded);
    if (otherwise.length) {
      throw badInput(`The stack in ${stack} already runs on other ports: ${otherwise.join(", ")}. Stop it first (bun run stack down), or use another STACK_DIR.`);
    }
    return recorded;
  }
  const ports = running ? stackPorts(stack) : requestedPorts();
  recordPorts(stack, ports);
  return ports;
}

export interface StackUpOptions {
  /** Build the Prometheus tools when missing (default). False: a component that needs them is reported
   *  unavailable, saying the one command that builds them (tests, which never build). */
  install?: boolean;
  /** Install the Debian packages the started components lack (as root on Debian; the default unless
   *  STACK_NO_INSTALL is set). False: stop at once with the one apt-get command. */
  packages?: boolean;
}

/** Starts what is stopped. A component that cannot run here (the demo against external services) is
 *  reported as unavailable, not fatal. A port held by another process is bad input (exit 2); a
 *  component that would not come up, unreachable (exit 3). */
export async function stackUp(
  log: (line: string) => void = () => {},
  only: ComponentName[] = COMPONENTS.map((c) => c.name),
  options: StackUpOptions = {},
): Promise<ComponentStatus[]> {
  const stack = stackDir();
  const ports = portsForUp(stack);
  // The Debian packages of what this `up` may start, before anything starts.
  const own = (["postgres", "rabbitmq"] as const).filter((name) => only.includes(name) && !isExternal(name, ports));
  await ensurePackages([...STACK_PACKAGES.any, ...own.flatMap((name) => STACK_PACKAGES[name])], log, { allowed: options.packages ?? installAllowed(undefined) });
  const statuses: ComponentStatus[] = [];
  for (const component of COMPONENTS.filter((c) => only.includes(c.name))) {
    let status = await componentStatus(component, stack, ports);
    if (status.state === "unhealthy") {
      // Another `up` may be starting it right now: give it the time a start takes.
      log(`${component.name}: waiting for it to answer`);
      const deadline = Date.now() + 60_000;
      while (status.state === "unhealthy" && Date.now() < deadline) {
        await Bun.sleep(500);
        status = await componentStatus(component, stack, ports);
      }
    }
    // A process that has just been stopped may hold its listening socket a moment longer.
    for (const deadline = Date.now() + 5_000; status.state === "blocked" && Date.now() < deadline; ) {
      await Bun.sleep(250);
      status = await componentStatus(component, stack, ports);
    }
    if (status.state === "unavailable") log(`${component.name}: unavailable: ${status.detail}`);
    if (status.state === "unhealthy") throw unreachable(`${component.name}: ${status.detail}. \`bun run stack down\` stops it.`);
    if (status.state === "blocked") throw badInput(`${component.name} cannot start: ${status.detail}.`);
    if (status.state !== "stopped") {
      statuses.push(status);
      continue;
    }
    if (component.needsTools && missingTools().missing.length) {
      if (options.install === false) {
        const reason = toolsMissingError().message;
        log(`${component.name}: unavailable: ${reason}`);
        statuses.push({ name: component.name, state: "unavailable", detail: reason });
        continue;
      }
      await ensureTools(log);
    }
    log(`${component.name}: starting`);
    const started = Date.now();
    await component.start(stack, ports).catch((error: Error) => {
      // A component that would not come up is a dependency unreachable (exit 3), not a bug.
      throw classify(error) === "bug" ? unreachable(`stack up failed: ${error.message}`) : error;
    });
    statuses.push({ name: component.name, state: "started", detail: `${component.where(ports)} in ${((Date.now() - started) / 1000).toFixed(1)}s` });
  }
  return statuses;
}

/** Stops every process of the stack that its pid files prove ours; anything else is left alone. With
 *  purge, the stack directory (data, logs, passwords) is removed afterwards. */
export async function stackDown(options: { purge?: boolean; only?: ComponentName[] } = {}): Promise<ComponentStatus[]> {
  const stack = stackDir();
  const only = options.only ?? COMPONENTS.map((c) => c.name);
  const statuses: ComponentStatus[] = [];
  for (const component of [...COMPONENTS].reverse().filter((c) => only.includes(c.name))) {
    const stopped = await component.stop(stack);
    statuses.push({ name: component.name, state: "stopped", detail: stopped ? "" : "was not running" });
  }
  const left = COMPONENTS.filter((component) => component.pid(stack) !== null);
  if (!left.length && daemonPid(stack, "epmd") === null) forgetPorts(stack);
  if (options.purge) {
    if (left.length) throw badInput(`Not purged: ${left.map((c) => c.name).join(", ")} still running in ${stack}.`);
    purgeStackDir(stack);
  }
  return statuses.reverse();
}

export async function stackStatus(ports?: StackPorts): Promise<ComponentStatus[]> {
  const stack = stackDir();
  const own = ports ?? stackPorts(stack);
  return Promise.all(COMPONENTS.map((component) => componentStatus(component, stack, own)));
}

/** Settings of the running local stack, in the toolkit's own variable names. Components that are
 *  external or unavailable contribute nothing, so that what the environment says stays in force. */
export function stackEnv(statuses: ComponentStatus[], ports = stackPorts()): Record<string, string> {
  const secrets = stackSecrets();
  const local = (name: ComponentName) => statuses.some((s) => s.name === name && (s.state === "running" || s.state === "started"));
  const env: Record<string, string> = {};
  if (local("postgres")) {
    Object.assign(env, {
      POSTGRES_HOST: "127.0.0.1",
      POSTGRES_PORT: String(ports.postgres),
      POSTGRES_DB: STACK_PG_DATABASE,
      POSTGRES_USER: STACK_PG_ADMIN,
      POSTGRES_PASSWORD: secrets.postgresPassword,
      GRAFANA_POSTGRES_USER: "grafana_monitor",
      GRAFANA_POSTGRES_PASSWORD: secrets.monitorRolePassword,
      MONITOR_POSTGRES_PASSWORD: secrets.monitorWriterPassword,
    });
  }
  if (local("rabbitmq")) {
    Object.assign(env, {
      RABBITMQ_HOST: "127.0.0.1",
      RABBITMQ_PORT: String(ports.amqp),
      RABBITMQ_USER: STACK_RABBITMQ_ADMIN,
      RABBITMQ_PASSWORD: secrets.rabbitmqPassword,
      RABBITMQ_MANAGEMENT_PORT: String(ports.rabbitmqManagement),
      RABBITMQ_MANAGEMENT_URL: managementUrl(ports),
      RABBITMQ_MONITOR_USER: "grafana_monitor",
      RABBITMQ_MONITOR_PASSWORD: secrets.rabbitmqMonitorPassword,
      RABBITMQ_PROMETHEUS_URL: rabbitmqPrometheusUrl(ports),
    });
  }
  if (local("prometheus")) {
    // Where the stack's Prometheus scrapes the monitor: `bun run monitor` in this shell listens there.
    Object.assign(env, { PROMETHEUS_URL: prometheusUrl(ports), MONITOR_PORT: String(ports.monitor), MONITOR_URL: `http://127.0.0.1:${ports.monitor}` });
  }
  if (local("demo")) Object.assign(env, demoServiceEnv(ports));
  if (local("monitor")) Object.assign(env, monitorEnv(ports));
  return env;
}

/** Where the demo's services are, in the trading system's own variable names; a key of its own each. */
function demoServiceEnv(ports: StackPorts): Record<string, string> {
  const key = stackSecrets().serviceApiKey;
  return Object.fromEntries(
    SERVICE_NAMES.flatMap((name) => {
      const names = SERVICE_VARIABLES[name];
      return [[names.host, "127.0.0.1"], [names.port, String(ports[name])], ...(names.apiKey ? [[names.apiKey, `${name}-${key}`]] : [])];
    }),
  );
}

/** `export NAME='value'` lines for `eval "$(bun run --silent stack env)"`. */
export function shellExports(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}='${value.replaceAll("'", `'\\''`)}'`)
    .join("\n");
}

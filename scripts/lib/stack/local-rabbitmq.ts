// RabbitMQ with its management plugin and its Prometheus exporter, from Debian's packages, on loopback with a node name, ports,
// Erlang port mapper and data directory of the stack's own.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type StackPorts, stackSecrets } from "./stack-paths.ts";
import { daemonPid, logPath, startDaemon, stopDaemon, waitUntil } from "./daemon.ts";

const SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";
export const STACK_RABBITMQ_ADMIN = "ytrader";
const NAME = "rabbitmq";
/** The Erlang port mapper runs as a process of the stack's own (with a pid file): left to itself, the
 *  node would start one that daemonizes, which `down` could then only find by its port. */
const EPMD = "epmd";

function rabbitmqEnv(stack: string, ports: StackPorts): Record<string, string> {
  const home = join(stack, NAME);
  return {
    HOME: home, // the Erlang cookie lives here
    RABBITMQ_NODENAME: "ytrader-monitoring@localhost",
    RABBITMQ_CONFIG_FILE: join(home, "rabbitmq.conf"),
    RABBITMQ_CONF_ENV_FILE: join(home, "rabbitmq-env.conf"),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(home, "enabled_plugins"),
    RABBITMQ_MNESIA_BASE: join(home, "mnesia"),
    RABBITMQ_LOG_BASE: join(home, "log"),
    RABBITMQ_DIST_PORT: String(ports.rabbitmqDistribution),
    ERL_EPMD_PORT: String(ports.epmd),
    ERL_EPMD_ADDRESS: "127.0.0.1",
  };
}

export const managementUrl = (ports: StackPorts) => `http://127.0.0.1:${ports.rabbitmqManagement}`;

/** The stack's own broker runs: its pid file names a live process. */
export const rabbitmqPid = (stack: string) => daemonPid(stack, NAME);

/** The management API on the stack's port accepts the stack's own admin password. */
export async function rabbitmqAnswers(stack: string, ports: StackPorts): Promise<boolean> {
  const { rabbitmqPassword } = stackSecrets(stack);
  const response = await fetch(`${managementUrl(ports)}/api/overview`, {
    headers: { Authorization: `Basic ${btoa(`${STACK_RABBITMQ_ADMIN}:${rabbitmqPassword}`)}` },
    signal: AbortSignal.timeout(2000),
  }).catch(() => null);
  await response?.body?.cancel();
  return response?.ok ?? false;
}

export async function startRabbitmq(stack: string, ports: StackPorts): Promise<void> {
  if (!existsSync(SERVER)) throw new Error("RabbitMQ not found: apt-get install rabbitmq-server");
  const home = join(stack, NAME);
  mkdirSync(join(home, "log"), { recursive: true });
  const { rabbitmqPassword } = stackSecrets(stack);
  // Rewritten at every start; default_user only takes effect on a fresh data directory.
  writeFileSync(
    join(home, "rabbitmq.conf"),
    [
      `listeners.tcp.default = 127.0.0.1:${ports.amqp}`,
      `management.tcp.ip = 127.0.0.1`,
      `management.tcp.port = ${ports.rabbitmqManagement}`,
      `default_user = ${STACK_RABBITMQ_ADMIN}`,
      `default_pass = ${rabbitmqPassword}`,
      `default_user_tags.administrator = true`,
      `loopback_users = none`,
      // Rates and queue-length samples are what the dashboards read: refresh them every 5 s.
      `collect_statistics_interval = 5000`,
      // rabbitmq_prometheus: Prometheus scrapes the per-queue figures (/metrics/per-object) here.
      `prometheus.tcp.ip = 127.0.0.1`,
      `prometheus.tcp.port = ${ports.rabbitmqPrometheus}`,
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  writeFileSync(join(home, "enabled_plugins"), "[rabbitmq_management,rabbitmq_prometheus].\n");
  writeFileSync(join(home, "rabbitmq-env.conf"), "");
  const env = rabbitmqEnv(stack, ports);
  if (daemonPid(stack, EPMD) === null) {
    startDaemon({ name: EPMD, command: "epmd", args: ["-port", String(ports.epmd), "-address", "127.0.0.1"], env, dir: stack, cwd: home });
  }
  const pid = startDaemon({ name: NAME, command: SERVER, args: [], env, dir: stack, cwd: home });
  await waitUntil("RabbitMQ", () => rabbitmqAnswers(stack, ports), {
    timeoutMs: 90_000,
    log: logPath(stack, NAME),
    alive: () => daemonPid(stack, NAME) === pid,
  });
}

/** Stops the stack's own broker and port mapper, by their pid files; false when neither ran. */
export async function stopRabbitmq(stack: string): Promise<boolean> {
  const stopped = await stopDaemon(stack, NAME, 30_000);
  const mapper = await stopDaemon(stack, EPMD, 5_000);
  return stopped || mapper;
}

// RabbitMQ with its management plugin, from Debian's packages, on loopback with a node name, ports,
// Erlang port mapper and data directory of the stack's own.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { STACK_PORTS, stackSecrets } from "./stack-paths.ts";
import { daemonPid, logPath, startDaemon, stopDaemon, waitUntil } from "./daemon.ts";

const SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";
export const STACK_RABBITMQ_ADMIN = "ytrader";
const NAME = "rabbitmq";

function rabbitmqEnv(stack: string): Record<string, string> {
  const home = join(stack, NAME);
  return {
    HOME: home, // the Erlang cookie lives here
    RABBITMQ_NODENAME: "ytrader-monitoring@localhost",
    RABBITMQ_CONFIG_FILE: join(home, "rabbitmq.conf"),
    RABBITMQ_CONF_ENV_FILE: join(home, "rabbitmq-env.conf"),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(home, "enabled_plugins"),
    RABBITMQ_MNESIA_BASE: join(home, "mnesia"),
    RABBITMQ_LOG_BASE: join(home, "log"),
    RABBITMQ_DIST_PORT: String(STACK_PORTS.rabbitmqDistribution),
    ERL_EPMD_PORT: String(STACK_PORTS.epmd),
    ERL_EPMD_ADDRESS: "127.0.0.1",
  };
}

export const managementUrl = () => `http://127.0.0.1:${STACK_PORTS.rabbitmqManagement}`;

export async function rabbitmqReady(stack: string): Promise<boolean> {
  const { rabbitmqPassword } = stackSecrets(stack);
  const response = await fetch(`${managementUrl()}/api/overview`, {
    headers: { Authorization: `Basic ${btoa(`${STACK_RABBITMQ_ADMIN}:${rabbitmqPassword}`)}` },
    signal: AbortSignal.timeout(2000),
  }).catch(() => null);
  return response?.ok ?? false;
}

export async function startRabbitmq(stack: string): Promise<void> {
  if (!existsSync(SERVER)) throw new Error("RabbitMQ not found: apt-get install rabbitmq-server");
  const home = join(stack, NAME);
  mkdirSync(join(home, "log"), { recursive: true });
  const { rabbitmqPassword } = stackSecrets(stack);
  // Rewritten at every start; default_user only takes effect on a fresh data directory.
  writeFileSync(
    join(home, "rabbitmq.conf"),
    [
      `listeners.tcp.default = 127.0.0.1:${STACK_PORTS.amqp}`,
      `management.tcp.ip = 127.0.0.1`,
      `management.tcp.port = ${STACK_PORTS.rabbitmqManagement}`,
      `default_user = ${STACK_RABBITMQ_ADMIN}`,
      `default_pass = ${rabbitmqPassword}`,
      `default_user_tags.administrator = true`,
      `loopback_users = none`,
      // Rates and queue-length samples are what the dashboards read: refresh them every 5 s.
      `collect_statistics_interval = 5000`,
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  writeFileSync(join(home, "enabled_plugins"), "[rabbitmq_management].\n");
  writeFileSync(join(home, "rabbitmq-env.conf"), "");
  const pid = startDaemon({ name: NAME, command: SERVER, args: [], env: rabbitmqEnv(stack), dir: stack, cwd: home });
  await waitUntil("RabbitMQ", () => rabbitmqReady(stack), {
    timeoutMs: 90_000,
    log: logPath(stack, NAME),
    alive: () => daemonPid(stack, NAME) === pid,
  });
}

export async function stopRabbitmq(stack: string): Promise<boolean> {
  const stopped = await stopDaemon(stack, NAME, 30_000);
  // The Erlang port mapper daemonizes itself on first use; it is ours because it listens on our port.
  spawnSync("epmd", ["-kill"], { env: { ...process.env, ...rabbitmqEnv(stack) }, encoding: "utf8" });
  return stopped;
}

export const rabbitmqPid = (stack: string) => daemonPid(stack, NAME);

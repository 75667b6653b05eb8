// Where the local stack keeps its state: outside the repository.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

/** Runtime state (data directories, logs, pid files). Disposable: recreated when missing. Under the
 *  temp directory rather than $HOME because PostgreSQL runs as the `postgres` user when we are root,
 *  and that user cannot enter /root. */
export function stackDir(): string {
  const dir = process.env.STACK_DIR || join(tmpdir(), `ytrader-monitoring-stack-${process.getuid?.() ?? 0}`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  return dir;
}

const SECRET_NAMES = ["postgresPassword", "monitorRolePassword", "rabbitmqPassword", "rabbitmqMonitorPassword", "serviceApiKey"] as const;
export type StackSecrets = Record<(typeof SECRET_NAMES)[number], string>;

/** Random passwords of the local stack, made once and kept in the stack directory (mode 600). */
export function stackSecrets(dir = stackDir()): StackSecrets {
  const path = join(dir, "secrets.json");
  const known = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Partial<StackSecrets>) : {};
  const secrets = Object.fromEntries(SECRET_NAMES.map((name) => [name, known[name] ?? randomBytes(18).toString("base64url")])) as StackSecrets;
  if (SECRET_NAMES.some((name) => !known[name])) writeFileSync(path, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

/** Fixed loopback ports of the local stack, away from the defaults so that a machine already running
 *  PostgreSQL or RabbitMQ keeps them. */
export const STACK_PORTS = {
  postgres: Number(process.env.STACK_POSTGRES_PORT || 55432),
  amqp: Number(process.env.STACK_AMQP_PORT || 55672),
  rabbitmqManagement: Number(process.env.STACK_RABBITMQ_MANAGEMENT_PORT || 55673),
  epmd: Number(process.env.STACK_EPMD_PORT || 55674),
  rabbitmqDistribution: Number(process.env.STACK_RABBITMQ_DIST_PORT || 55675),
  /** The demo's services listen on the trading system's real ports. */
  "ws-gateway": Number(process.env.STACK_WS_GATEWAY_PORT || 4400),
  "model-service": Number(process.env.STACK_MODEL_SERVICE_PORT || 4500),
  "order-manager": Number(process.env.STACK_ORDERMANAGER_PORT || 4600),
  "position-manager": Number(process.env.STACK_POSITION_MANAGER_PORT || 4800),
  demoControl: Number(process.env.STACK_DEMO_CONTROL_PORT || 4999),
};

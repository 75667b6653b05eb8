// Where the demo may write. It writes fake trading activity (signals that a real order-manager would
// trade on), so it writes only into services proven to be the local stack's own (the stack's generated
// passwords, which nothing else knows, work there), or into services the operator names with
// --env-file FILE and declares scratch with --scratch. It never reads ./.env by itself.
import amqp from "amqplib";
import postgres from "postgres";
import { type Config, loadConfig } from "../config.ts";
import { type SettingName } from "../settings.ts";
import { badInput, unreachable, classify } from "../errors.ts";
import { stackDir, stackSecrets } from "../stack/stack-paths.ts";
import { type ComponentName, stackEnv, stackUp } from "../stack/stack.ts";
import { amqpUrl } from "./rabbitmq.ts";

export interface TargetOptions {
  envFile?: string;
  /** The services --env-file names are scratch: the demo may write there. */
  scratch?: boolean;
  log?: (line: string) => void;
  /** What of the local stack to start when no --env-file is given (default PostgreSQL and RabbitMQ;
   *  the bench also wants the demo services, which its dashboard loads query over HTTP). */
  components?: ComponentName[];
}

const REQUIRED: SettingName[] = ["POSTGRES_PASSWORD", "RABBITMQ_PASSWORD"];

/** The demo's settings, once it is clear that it may write there. Bad input (exit 2) otherwise. */
export async function demoTarget(options: TargetOptions): Promise<Config> {
  const log = options.log ?? (() => {});
  if (options.scratch && !options.envFile) {
    throw badInput("--scratch declares the services named by --env-file scratch: give --env-file FILE with it.");
  }
  if (options.envFile) {
    const config = loadConfig({ envFile: options.envFile, required: REQUIRED });
    if (options.scratch) {
      log(`Writing demo data into ${describeTargets(config)}, declared scratch with --scratch.`);
      return config;
    }
    if (await provenStackOwn(config)) return config;
    throw badInput(
      `${options.envFile} (with the environment) names ${describeTargets(config)}, which the local stack's own passwords do not open. ` +
        "The demo writes fake trading activity: into the stack's own services, or into services you declare scratch with --env-file FILE --scratch.",
    );
  }
  if (!process.env.POSTGRES_HOST) {
    log("Using the local stack (bun run stack up); --env-file FILE --scratch names other services.");
    const statuses = await stackUp(log, options.components ?? ["postgres", "rabbitmq"]);
    for (const [name, value] of Object.entries(stackEnv(statuses))) process.env[name] ??= value;
  }
  const config = loadConfig({ envFile: "/dev/null", required: REQUIRED });
  if (await provenStackOwn(config)) return config;
  throw badInput(
    `The environment names ${describeTargets(config)}, which the local stack's own passwords (STACK_DIR=${stackDir()}) do not open. ` +
      "The demo writes fake trading activity, so it writes only into the stack's own services (unset POSTGRES_*/RABBITMQ_*, or " +
      'eval "$(bun run --silent stack env)"), or into services you declare scratch with --env-file FILE --scratch.',
  );
}

const describeTargets = (config: Config) =>
  `PostgreSQL ${config.postgres.host}:${config.postgres.port} and RabbitMQ ${config.rabbitmq.host}:${config.rabbitmq.port}`;

/** Both services take the stack's generated passwords: they are the stack's. An unreachable service
 *  is exit 3, as anywhere else. */
async function provenStackOwn(config: Config): Promise<boolean> {
  const secrets = stackSecrets();
  if (config.postgres.adminPassword !== secrets.postgresPassword || config.rabbitmq.password !== secrets.rabbitmqPassword) return false;
  return (await postgresAccepts(config)) && (await rabbitmqAccepts(config));
}

async function postgresAccepts(config: Config): Promise<boolean> {
  const pg = config.postgres;
  const sql = postgres({ host: pg.host, port: pg.port, user: pg.adminUser, password: pg.adminPassword, database: "postgres", max: 1, connect_timeout: 10, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return true;
  } catch (error) {
    return refusedOrThrow(error, `PostgreSQL at ${pg.host}:${pg.port}`);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function rabbitmqAccepts(config: Config): Promise<boolean> {
  try {
    const connection = await amqp.connect(amqpUrl(config.rabbitmq), { timeout: 10_000 });
    await connection.close();
    return true;
  } catch (error) {
    // amqplib says ACCESS_REFUSED (403) in its message when the credentials are refused.
    if (/ACCESS.REFUSED|403/.test((error as Error).message)) return false;
    return refusedOrThrow(error, `RabbitMQ at ${config.rabbitmq.host}:${config.rabbitmq.port}`);
  }
}

function refusedOrThrow(error: unknown, what: string): false {
  const failure = classify(error);
  if (failure === "badInput") return false;
  if (failure === "unreachable") throw unreachable(`${what} is unreachable (${(error as Error).message})`);
  throw error;
}

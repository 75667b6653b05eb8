import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { defineCommand } from "citty";
import postgres from "postgres";
import { BadInputError, EXIT, UnreachableError, classify, describeFailure, exitCodeFor } from "./lib/errors.ts";
import { envFileArg, jsonArg, runCommand, stepLine } from "./lib/cli.ts";
import { type Config, type SettingName, loadConfig } from "./lib/config.ts";
import { type RoleResult, convergeRole, loginChecker, roleSpec } from "./lib/role.ts";
import { type MonitorUserResult, convergeMonitorUser } from "./lib/rabbitmq-monitor-user.ts";
import { roleMigration } from "./lib/role-migration.ts";
import { scramVerifier } from "./lib/scram.ts";

export const MIGRATION_FILE = join(import.meta.dir, "..", "sql", "grafana_monitor_role.sql");

/** How one side (PostgreSQL, RabbitMQ) ended: a failure keeps what was done before it. */
export interface SideOutcome {
  status: "ok" | "failed";
  /** The failure's message (with the stack trace when it is a bug). */
  error?: string;
  exitCode: number;
}

export interface RoleStepResult {
  ok: boolean;
  /** The process's exit code: the higher of the failed sides' codes; with check, 1 when not converged. */
  exitCode: number;
  /** Statements run, or planned with dryRun/check, revokes included. */
  changes: number;
  /** With check only: what differs from the converged state, extras included; converged when none. */
  differences?: number;
  converged?: boolean;
  postgres: SideOutcome & {
    role: string;
    created: boolean;
    applied: string[];
    /** Every privilege beyond read-only on the monitored tables... */
    extras: string[];
    revoked: string[];
    /** ...and those of them left in place: all without strict, those no revoke takes away with it. */
    kept: string[];
    missingTables: string[];
  };
  rabbitmq?: SideOutcome & MonitorUserResult & { user: string };
}

export interface RoleStepOptions {
  /** Also revoke every extra a statement can take away. */
  strict?: boolean;
  /** Plan only. */
  dryRun?: boolean;
  /** Plan only, as strict would, and say whether anything differs (extras included). */
  check?: boolean;
  rabbitmq?: boolean;
}

/** The role step as setup runs it: PostgreSQL role, and the RabbitMQ monitoring user when asked.
 *  Each side runs and is reported even when the other fails. */
export async function runRoleStep(config: Config, options: RoleStepOptions): Promise<RoleStepResult> {
  const dryRun = Boolean(options.dryRun || options.check);
  const strict = Boolean(options.strict || options.check);
  const spec = roleSpec(config);
  const result: RoleStepResult = {
    ok: true,
    exitCode: EXIT.ok,
    changes: 0,
    postgres: { status: "ok", exitCode: EXIT.ok, role: spec.role, created: false, applied: [], extras: [], revoked: [], kept: [], missingTables: [] },
  };
  const pgSide = result.postgres;
  try {
    const outcome = await convergePostgres(config, { strict, dryRun });
    Object.assign(pgSide, {
      created: !outcome.plan.exists && !dryRun,
      applied: outcome.planned.applied,
      revoked: outcome.planned.revoked,
      extras: outcome.plan.extras.map((e) => e.privilege),
      kept: outcome.plan.extras.filter((e) => !(strict && e.revoke)).map((e) => e.privilege),
      missingTables: outcome.plan.missingTables,
    });
  } catch (error) {
    Object.assign(pgSide, failed(error));
  }
  if (options.rabbitmq) {
    const { rabbitmq } = config;
    const mqSide: NonNullable<RoleStepResult["rabbitmq"]> = { status: "ok", exitCode: EXIT.ok, user: rabbitmq.monitorUser, changes: [], extras: [], revoked: [] };
    result.rabbitmq = mqSide;
    try {
      // mqSide is filled in as each change is accepted: a failure halfway still reports them.
      await convergeMonitorUser(
        { url: rabbitmq.managementUrl, user: rabbitmq.user, password: rabbitmq.password ?? "" },
        rabbitmq.monitorUser,
        rabbitmq.monitorPassword ?? "",
        { strict, dryRun },
        mqSide,
      );
    } catch (error) {
      Object.assign(mqSide, failed(error));
    }
  }
  const sides = [result.postgres, result.rabbitmq].filter((side) => side !== undefined);
  result.changes = pgSide.applied.length + pgSide.revoked.length + (result.rabbitmq ? result.rabbitmq.changes.length + result.rabbitmq.revoked.length : 0);
  result.ok = sides.every((side) => side.status === "ok");
  result.exitCode = Math.max(EXIT.ok, ...sides.map((side) => side.exitCode));
  if (options.check && result.ok) {
    result.differences = pgSide.applied.length + pgSide.extras.length + (result.rabbitmq ? result.rabbitmq.changes.length + result.rabbitmq.extras.length : 0);
    result.converged = result.differences === 0;
    if (!result.converged) result.exitCode = EXIT.checkFailed;
  }
  return result;
}

const failed = (error: unknown): SideOutcome => ({ status: "failed", error: describeFailure(error), exitCode: exitCodeFor(error) });

async function convergePostgres(config: Config, options: { strict: boolean; dryRun: boolean }): Promise<RoleResult> {
  const pg = config.postgres;
  const sql = postgres({ host: pg.host, port: pg.port, database: pg.database, user: pg.adminUser, password: pg.adminPassword, max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await sql`SELECT 1`.catch((error: Error & { code?: string }) => {
      if (error.code === "28P01" || error.code === "28000") throw new BadInputError(`PostgreSQL refused ${pg.adminUser}: check POSTGRES_USER/POSTGRES_PASSWORD`);
      if (error.code === "3D000") throw new BadInputError(`PostgreSQL has no database ${JSON.stringify(pg.database)}: check POSTGRES_DB`);
      if (classify(error) === "unreachable") throw new UnreachableError(`PostgreSQL at ${pg.host}:${pg.port} is unreachable (${error.message}): check POSTGRES_HOST/POSTGRES_PORT`);
      throw error;
    });
    return await convergeRole(sql, roleSpec(config), { ...options, canLogin: loginChecker(pg.host, pg.port) });
  } finally {
    await sql.end({ timeout: 2 });
  }
}

function report(result: RoleStepResult, options: RoleStepOptions) {
  const planning = Boolean(options.dryRun || options.check);
  const [ran, revoked] = planning ? ["would run", "would revoke"] : ["ran", "revoked"];
  const verdict = (side: SideOutcome, count: number) => (side.status === "failed" ? "FAILED" : count ? (planning ? "to change" : "changed") : "unchanged");
  const pg = result.postgres;
  console.log(stepLine("role", verdict(pg, pg.applied.length + pg.revoked.length), `PostgreSQL role ${pg.role}`));
  if (pg.status === "failed") console.error(`  PostgreSQL: ${pg.error}\n  nothing changed in PostgreSQL (the role step is one transaction)`);
  for (const statement of pg.applied) console.log(`  ${ran}: ${statement}`);
  for (const statement of pg.revoked) console.log(`  ${revoked}: ${statement}`);
  for (const table of pg.missingTables) console.log(`  note: table ${table} does not exist here; it is granted once it does`);
  if (pg.kept.length) {
    const why = options.strict || options.check ? "no revoke takes them away" : "revoke with --strict";
    console.log(`  ${pg.kept.length} privilege(s) beyond read-only on the monitored tables left in place (${why}):`);
    for (const extra of pg.kept) console.log(`    - ${extra}`);
  }
  const mq = result.rabbitmq;
  if (mq) {
    console.log(stepLine("rabbitmq", verdict(mq, mq.changes.length + mq.revoked.length), `monitoring user ${mq.user}`));
    if (mq.status === "failed") console.error(`  RabbitMQ: ${mq.error}`);
    for (const change of mq.changes) console.log(`  ${ran}: ${change}`);
    for (const change of mq.revoked) console.log(`  ${revoked}: ${change}`);
    if (!mq.revoked.length) for (const extra of mq.extras) console.log(`    - ${extra} (revoke with --strict)`);
  }
  if (!result.ok) {
    const failedSides = [pg.status === "failed" ? "PostgreSQL" : "", mq?.status === "failed" ? "RabbitMQ" : ""].filter(Boolean);
    console.log(`${failedSides.join(" and ")} FAILED (exit ${result.exitCode}); ${result.changes} change(s)${planning ? " planned" : " made"} on the other side`);
  } else if (options.check) {
    console.log(result.converged ? "converged: nothing differs" : `not converged: ${result.differences} difference(s); nothing changed (--check)`);
  } else {
    console.log(result.changes ? `${result.changes} change(s)${planning ? " planned; nothing changed (--dry-run)" : ""}` : "0 changes: already converged");
  }
}

export const roleCommand = defineCommand({
  meta: {
    name: "role",
    description:
      "Create or converge the read-only PostgreSQL role Grafana uses (and, with --rabbitmq, a RabbitMQ user tagged monitoring). Privileges beyond read-only on the monitored tables are reported, and revoked only with --strict. With --rabbitmq each side is reported even when the other fails.",
  },
  args: {
    ...envFileArg,
    ...jsonArg,
    strict: { type: "boolean", description: "Also revoke every privilege beyond the monitored tables (listed first)" },
    "dry-run": { type: "boolean", description: "Print what would change (--strict: what would be revoked); change nothing" },
    check: { type: "boolean", description: "Change nothing; exit 1 unless the role is converged, privileges beyond read-only included (for cron)" },
    rabbitmq: { type: "boolean", description: "Also converge RABBITMQ_MONITOR_USER (tag monitoring, no vhost permissions)" },
    "write-migration": { type: "boolean", description: "Write sql/grafana_monitor_role.sql (the same role as a psql migration) and exit" },
    "password-verifier": { type: "boolean", description: "Print the SCRAM-SHA-256 verifier of GRAFANA_POSTGRES_PASSWORD for the psql migration and exit" },
  },
  run: async ({ args }) => {
    if (args["write-migration"]) {
      writeFileSync(MIGRATION_FILE, roleMigration());
      return console.log(`wrote ${MIGRATION_FILE}`);
    }
    if (args["password-verifier"]) {
      const config = loadConfig({ envFile: args["env-file"], required: ["GRAFANA_POSTGRES_PASSWORD"] });
      return console.log(scramVerifier(config.monitorRole.password ?? ""));
    }
    const required: SettingName[] = ["POSTGRES_PASSWORD", "GRAFANA_POSTGRES_PASSWORD"];
    if (args.rabbitmq) required.push("RABBITMQ_PASSWORD", "RABBITMQ_MONITOR_PASSWORD");
    const config = loadConfig({ envFile: args["env-file"], required });
    const options: RoleStepOptions = { strict: args.strict, dryRun: args["dry-run"], check: args.check, rabbitmq: args.rabbitmq };
    const result = await runRoleStep(config, options);
    if (args.json) {
      console.log(JSON.stringify(result));
      for (const side of [result.postgres, result.rabbitmq]) if (side?.status === "failed") console.error(side.error);
    } else report(result, options);
    return result.exitCode;
  },
});

if (import.meta.main) runCommand(roleCommand);

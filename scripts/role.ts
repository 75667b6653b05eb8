import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { defineCommand, runMain } from "citty";
import postgres from "postgres";
import { BadInputError, EXIT, EXIT_CODES_HELP, UnreachableError } from "./lib/errors.ts";
import { envFileArg, exitWith, jsonArg, stepLine } from "./lib/cli.ts";
import { type Config, type SettingName, loadConfig } from "./lib/config.ts";
import { type RoleResult, convergeRole, loginChecker, roleSpec } from "./lib/role.ts";
import { type MonitorUserResult, convergeMonitorUser } from "./lib/rabbitmq-monitor-user.ts";
import { roleMigration } from "./lib/role-migration.ts";

export const MIGRATION_FILE = join(import.meta.dir, "..", "sql", "grafana_monitor_role.sql");

export interface RoleStepResult {
  ok: boolean;
  changes: number;
  postgres: { role: string; created: boolean; applied: string[]; extras: string[]; revoked: string[]; missingTables: string[] };
  rabbitmq?: MonitorUserResult & { user: string };
}

/** The role step as setup runs it: PostgreSQL role, and the RabbitMQ monitoring user when configured. */
export async function runRoleStep(config: Config, options: { strict?: boolean; dryRun?: boolean; rabbitmq?: boolean }): Promise<RoleStepResult> {
  const spec = roleSpec(config);
  const pg = config.postgres;
  const sql = postgres({ host: pg.host, port: pg.port, database: pg.database, user: pg.adminUser, password: pg.adminPassword, max: 1, onnotice: () => {}, connect_timeout: 10 });
  let outcome: RoleResult;
  try {
    await sql`SELECT 1`.catch((error: Error & { code?: string }) => {
      if (error.code === "28P01" || error.code === "28000") throw new BadInputError(`PostgreSQL refused ${pg.adminUser}: check POSTGRES_USER/POSTGRES_PASSWORD`);
      throw new UnreachableError(`PostgreSQL at ${pg.host}:${pg.port} is unreachable (${error.message}): check POSTGRES_HOST/POSTGRES_PORT`);
    });
    outcome = await convergeRole(sql, spec, { strict: options.strict, dryRun: options.dryRun, canLogin: loginChecker(pg.host, pg.port) });
  } finally {
    await sql.end({ timeout: 2 });
  }
  const result: RoleStepResult = {
    ok: true,
    changes: (options.dryRun ? outcome.plan.changes.length : outcome.applied.length) + outcome.revoked.length,
    postgres: {
      role: spec.role,
      created: !outcome.plan.exists && !options.dryRun,
      applied: options.dryRun ? outcome.plan.changes.map((c) => c.shown) : outcome.applied,
      extras: outcome.plan.extras.map((e) => e.privilege),
      revoked: outcome.revoked,
      missingTables: outcome.plan.missingTables,
    },
  };
  if (options.rabbitmq) {
    const { rabbitmq } = config;
    const monitor = await convergeMonitorUser(
      { url: rabbitmq.managementUrl, user: rabbitmq.user, password: rabbitmq.password ?? "" },
      rabbitmq.monitorUser,
      rabbitmq.monitorPassword ?? "",
      options,
    );
    result.rabbitmq = { user: rabbitmq.monitorUser, ...monitor };
    result.changes += monitor.changes.length + monitor.revoked.length;
  }
  return result;
}

function report(result: RoleStepResult, dryRun: boolean) {
  const verb = dryRun ? "would run" : "ran";
  const pg = result.postgres;
  console.log(stepLine("role", pg.applied.length ? (dryRun ? "to change" : "changed") : "unchanged", `PostgreSQL role ${pg.role}`));
  for (const statement of pg.applied) console.log(`  ${verb}: ${statement}`);
  for (const table of pg.missingTables) console.log(`  note: table ${table} does not exist here; it is granted once it does`);
  if (pg.extras.length) {
    console.log(`  ${pg.extras.length} privilege(s) beyond read-only on the monitored tables${pg.revoked.length ? ", revoked:" : " (revoke with --strict):"}`);
    for (const extra of pg.extras) console.log(`    - ${extra}`);
  }
  if (result.rabbitmq) {
    const mq = result.rabbitmq;
    console.log(stepLine("rabbitmq", mq.changes.length ? (dryRun ? "to change" : "changed") : "unchanged", `monitoring user ${mq.user}`));
    for (const change of mq.changes) console.log(`  ${verb}: ${change}`);
    for (const extra of mq.extras) console.log(`    - ${extra}${mq.revoked.length ? " (revoked)" : " (revoke with --strict)"}`);
  }
  console.log(result.changes ? `${result.changes} change(s)${dryRun ? " planned; nothing changed (--dry-run)" : ""}` : "0 changes: already converged");
}

export const roleCommand = defineCommand({
  meta: {
    name: "role",
    description: `Create or converge the read-only PostgreSQL role Grafana uses (and, with --rabbitmq, a RabbitMQ user tagged monitoring). Privileges beyond read-only on the monitored tables are reported, and revoked only with --strict. ${EXIT_CODES_HELP}`,
  },
  args: {
    ...envFileArg,
    ...jsonArg,
    strict: { type: "boolean", description: "Also revoke every privilege beyond the monitored tables (listed first)" },
    "dry-run": { type: "boolean", description: "Print what would change; change nothing" },
    rabbitmq: { type: "boolean", description: "Also converge RABBITMQ_MONITOR_USER (tag monitoring, no vhost permissions)" },
    "write-migration": { type: "boolean", description: "Write sql/grafana_monitor_role.sql (the same role as a psql migration) and exit" },
  },
  run: ({ args }) =>
    exitWith(async () => {
      if (args["write-migration"]) {
        writeFileSync(MIGRATION_FILE, roleMigration());
        return console.log(`wrote ${MIGRATION_FILE}`);
      }
      const required: SettingName[] = ["POSTGRES_PASSWORD", "GRAFANA_POSTGRES_PASSWORD"];
      if (args.rabbitmq) required.push("RABBITMQ_PASSWORD", "RABBITMQ_MONITOR_PASSWORD");
      const config = loadConfig({ envFile: args["env-file"], required });
      const result = await runRoleStep(config, { strict: args.strict, dryRun: args["dry-run"], rabbitmq: args.rabbitmq });
      if (args.json) console.log(JSON.stringify(result));
      else report(result, Boolean(args["dry-run"]));
      return EXIT.ok;
    }),
});

if (import.meta.main) runMain(roleCommand);

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { defineCommand } from "citty";
import { envFileArg, jsonArg, runCommand, stepLine } from "./lib/cli.ts";
import { type SettingName, loadConfig } from "./lib/config.ts";
import { type RoleStepOptions, type RoleStepResult, type SideOutcome, runRoleStep } from "./lib/role/role-step.ts";
import { roleMigration } from "./lib/role/role-migration.ts";
import { scramVerifier } from "./lib/role/scram.ts";

export const MIGRATION_FILE = join(import.meta.dir, "..", "sql", "grafana_monitor_role.sql");

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

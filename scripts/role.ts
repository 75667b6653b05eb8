import { writeFileSync } from "node:fs";
import { defineCommand } from "citty";
import { envFileArg, jsonArg, runCommand } from "./lib/cli.ts";
import { loadConfig } from "./lib/config.ts";
import { needsOf } from "./lib/needs.ts";
import { type RoleStepOptions, runRoleStep } from "./lib/role/role-step.ts";
import { printRoleReport } from "./lib/role/report.ts";
import { MIGRATION_FILE, roleMigration } from "./lib/role/role-migration.ts";
import { scramVerifier } from "./lib/role/scram.ts";

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
    const config = loadConfig({ envFile: args["env-file"], required: needsOf(args.rabbitmq ? "role --rabbitmq" : "role") });
    const options: RoleStepOptions = { strict: args.strict, dryRun: args["dry-run"], check: args.check, rabbitmq: args.rabbitmq };
    const result = await runRoleStep(config, options);
    if (args.json) {
      console.log(JSON.stringify(result));
      for (const side of [result.postgres, result.rabbitmq]) if (side?.status === "failed") console.error(side.error);
    } else printRoleReport(result, options, { out: (line) => console.log(line), err: (line) => console.error(line) });
    return result.exitCode;
  },
});

if (import.meta.main) runCommand(roleCommand);

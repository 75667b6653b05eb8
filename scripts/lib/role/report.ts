// The role step as people read it (the role command's output).
import { stepLine } from "../cli.ts";
import { describeShape } from "../shapes/detect.ts";
import type { RoleStepOptions, RoleStepResult, SideOutcome } from "./role-step.ts";

/** The role step for people: a line per side, the statements under it, then the verdict. Failures go to `err`. */
export function printRoleReport(result: RoleStepResult, options: RoleStepOptions, print: { out: (line: string) => void; err: (line: string) => void }) {
  const planning = Boolean(options.dryRun || options.check);
  const [ran, revoked] = planning ? ["would run", "would revoke"] : ["ran", "revoked"];
  const verdict = (side: SideOutcome, count: number) => (side.status === "failed" ? "FAILED" : count ? (planning ? "to change" : "changed") : "unchanged");
  const pg = result.postgres;
  print.out(stepLine("role", verdict(pg, pg.applied.length + pg.revoked.length), `PostgreSQL role ${pg.role}`));
  if (pg.status === "failed") print.err(`  PostgreSQL: ${pg.error}\n  nothing changed in PostgreSQL (the role step is one transaction)`);
  for (const statement of pg.applied) print.out(`  ${ran}: ${statement}`);
  for (const statement of pg.revoked) print.out(`  ${revoked}: ${statement}`);
  for (const table of pg.missingTables) print.out(`  note: table ${table} does not exist here; it is granted once it does`);
  if (pg.kept.length) {
    const why = options.strict || options.check ? "no revoke takes them away" : "revoke with --strict";
    print.out(`  ${pg.kept.length} privilege(s) beyond read-only on the monitored tables left in place (${why}):`);
    for (const extra of pg.kept) print.out(`    - ${extra}`);
  }
  const mon = result.monitoring;
  if (mon) {
    const writer = mon.writer ? `, writer ${mon.writer}` : " (no MONITOR_POSTGRES_PASSWORD: no writer role, the monitor writes no events)";
    print.out(stepLine("monitoring", verdict(mon, mon.applied.length), `schema ${mon.schema}, its tables, canonical views${writer}`));
    if (mon.shape) print.out(`  schema: ${describeShape(mon.shape)}`);
    if (mon.missing.length) print.err(`  monitoring schema: ${mon.error}\n  the other views, the events table and the writer are converged; \`bun run check\` names the panels each missing column breaks`);
    else if (mon.status === "failed") print.err(`  monitoring schema: ${mon.error}\n  nothing changed in it (one transaction)`);
    for (const statement of mon.applied) print.out(`  ${ran}: ${statement}`);
  }
  const mq = result.rabbitmq;
  if (mq) {
    print.out(stepLine("rabbitmq", verdict(mq, mq.changes.length + mq.revoked.length), `monitoring user ${mq.user}`));
    if (mq.status === "failed") print.err(`  RabbitMQ: ${mq.error}`);
    for (const change of mq.changes) print.out(`  ${ran}: ${change}`);
    for (const change of mq.revoked) print.out(`  ${revoked}: ${change}`);
    if (!mq.revoked.length) for (const extra of mq.extras) print.out(`    - ${extra} (revoke with --strict)`);
  }
  if (!result.ok) {
    const failedSides = [pg.status === "failed" ? "PostgreSQL" : "", mon?.status === "failed" ? "the monitoring schema" : "", mq?.status === "failed" ? "RabbitMQ" : ""].filter(Boolean);
    print.out(`${failedSides.join(" and ")} FAILED (exit ${result.exitCode}); ${result.changes} change(s)${planning ? " planned" : " made"} on the other side`);
  } else if (options.check) {
    print.out(result.converged ? "converged: nothing differs" : `not converged: ${result.differences} difference(s); nothing changed (--check)`);
  } else {
    print.out(result.changes ? `${result.changes} change(s)${planning ? " planned; nothing changed (--dry-run)" : ""}` : "0 changes: already converged");
  }
}

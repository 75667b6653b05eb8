// The data a panel test asserts on, arranged by the test itself: a database of its own with the demo's
// schema and the history the demo backfills on its first start (the last 24 hours at the live rates),
// whatever the stack's own demo has or has not written so far.
import type { Config } from "../../scripts/lib/config.ts";
import { type Backfill, backfillDemo } from "../../scripts/lib/demo/backfill.ts";
import { applyDemoSchema } from "../../scripts/lib/demo/schema.ts";
import { runRoleStep } from "../../scripts/lib/role/role-step.ts";
import { freshDatabase } from "./live.ts";

export interface HistoryDatabase extends Awaited<ReturnType<typeof freshDatabase>> {
  /** The settings with POSTGRES_DB naming this database. */
  config: Config;
  backfill: Extract<Backfill, { backfilled: true }>;
}

/** A fresh database, backfilled, with the read-only role converged in it (check and smoke read as it). */
export async function historyDatabase(prefix: string, config: Config): Promise<HistoryDatabase> {
  const db = await freshDatabase(prefix);
  try {
    await applyDemoSchema(db.sql);
    const backfill = await backfillDemo(db.sql);
    if (!backfill.backfilled) throw new Error(`a fresh database held history already: ${backfill.tablesWithHistory.join(", ")}`);
    const own = { ...config, postgres: { ...config.postgres, database: db.name } };
    const role = await runRoleStep(own, {});
    if (!role.ok) throw new Error(`the read-only role in ${db.name}: ${role.postgres.error}`);
    return { ...db, config: own, backfill };
  } catch (error) {
    await db.drop();
    throw error;
  }
}

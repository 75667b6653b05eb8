// A database of a test's own in one schema shape, with the read-only role and the canonical views the role
// step builds there, and the stack's settings pointed at it (and at another MONITORING_SCHEMA when given).
import type { Config } from "../../scripts/lib/config.ts";
import { type DemoShape, applyDemoSchema, demoShape } from "../../scripts/lib/demo/schema.ts";
import { runRoleStep } from "../../scripts/lib/role/role-step.ts";
import { freshDatabase, settings } from "./live.ts";

export interface ShapedDatabase {
  db: Awaited<ReturnType<typeof freshDatabase>>;
  config: Config;
}

export async function shapedDatabase(prefix: string, shape: DemoShape = demoShape(), schema?: string): Promise<ShapedDatabase> {
  const db = await freshDatabase(`${prefix}_${shape.replace("-", "_")}`);
  await applyDemoSchema(db.sql, shape);
  const base = settings();
  const config = { ...base, postgres: { ...base.postgres, database: db.name }, monitor: { ...base.monitor, schema: schema ?? base.monitor.schema } };
  const step = await runRoleStep(config, {});
  if (!step.ok) throw new Error(`role step failed: ${step.postgres.error ?? step.monitoring?.error}`);
  return { db, config };
}

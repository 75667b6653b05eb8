// The demo trading system's database: its tables (sql/demo/schema.sql), the upgrade of a database made
// by an earlier version of that file, and the over-privileged monitoring role that the real system's own
// migration creates, so the toolkit's role step has something real to converge.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type postgres from "postgres";
import { scramVerifier } from "../role/scram.ts";
import { runFormatted } from "../postgres.ts";
import { badInput } from "../errors.ts";
import { upgradeToRealDecember } from "./schema-december.ts";
import { dropDeferredIndexes, readDeferredIndexes, restoreDeferredIndexes } from "./deferred-indexes.ts";

export const DEMO_SCHEMA_FILE = join(import.meta.dir, "../../../sql/demo/schema.sql");
/** The later migrations, applied on top of the December shape. */
export const DEMO_NEWEST_FILE = join(import.meta.dir, "../../../sql/demo/newest.sql");

/** The shapes of the trading system's schema the demo can run (docs/schema-shapes.md). */
export const DEMO_SHAPES = ["2025-12", "newest"] as const;
export type DemoShape = (typeof DEMO_SHAPES)[number];
export const DEFAULT_DEMO_SHAPE: DemoShape = "newest";

/** The shape the local demo environment runs: STACK_DEMO_SCHEMA (the stack's demo, and so the test suite
 *  on that stack: `STACK_DEMO_SCHEMA=2025-12 bun test` runs it on the December shape), else the newest. */
export function demoShape(): DemoShape {
  return parseDemoShape(process.env.STACK_DEMO_SCHEMA || undefined);
}

/** A --schema value: one of the shapes, the default when absent; anything else is bad input. */
export function parseDemoShape(value: string | undefined): DemoShape {
  const shape = value ?? DEFAULT_DEMO_SHAPE;
  if (!(DEMO_SHAPES as readonly string[]).includes(shape)) throw badInput(`--schema must be one of ${DEMO_SHAPES.join(", ")}, got ${JSON.stringify(value)}`);
  return shape as DemoShape;
}

/**
 * Creates every table and index of the demo system in the shape asked for (the December 2025 shape, or
 * the newest: the later migrations applied on top of it); harmless on a database that has them already.
 * A database made by an earlier sql/demo/schema.sql is brought up to date in the same transaction (see
 * upgradeBefore/upgradeAfter). A database of the newest shape cannot go back to December: refused,
 * nothing changed. Returns what was upgraded, one line each; nothing on a fresh or current database.
 */
export async function applyDemoSchema(sql: postgres.Sql, shape: DemoShape = demoShape()): Promise<string[]> {
  const text = readFileSync(DEMO_SCHEMA_FILE, "utf8");
  return sql.begin(async (tx) => {
    // A second run answers "already exists, skipping" for every object: keep those notices quiet.
    await tx`SET LOCAL client_min_messages = warning`;
    if (shape === "2025-12") {
      const [newer] = await tx`SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'trading_signals' AND column_name = 'is_rejected'`;
      if (newer) throw badInput("This database has the newest schema shape (trading_signals.is_rejected and the later migrations); the demo cannot take it back to December 2025. Use a fresh database (bun run stack down --purge) for --schema 2025-12.");
    }
    const upgrade = await upgradeBefore(tx);
    await tx.unsafe(text);
    const notes = await upgradeAfter(tx, upgrade);
    notes.push(...(await upgradeToRealDecember(tx)));
    if (shape === "newest") await tx.unsafe(readFileSync(DEMO_NEWEST_FILE, "utf8"));
    return notes;
  });
}

// ---------------------------------------------------------------------------------------------------
// Upgrade of a demo database made before the schema had every index of the real one (issue 13). Missing
// indexes come from schema.sql's CREATE INDEX IF NOT EXISTS; what IF NOT EXISTS cannot express is here.

interface PendingUpgrade {
  /** "table.index" of the indexes present before, when the demo's tables already existed. */
  indexesBefore: Set<string> | null;
  /** Extra active models deactivated so that the one-active-model UNIQUE index can be built. */
  deactivatedModels: number;
  /** signal_order_relationships had the earlier guessed columns: dropped, to be recreated and refilled. */
  relationships: { grants: string[] } | null;
}

async function indexNames(tx: postgres.TransactionSql): Promise<Set<string>> {
  const rows = await tx<{ name: string }[]>`SELECT tablename || '.' || indexname AS name FROM pg_indexes WHERE schemaname = current_schema()`;
  return new Set(rows.map((row) => row.name));
}

async function upgradeBefore(tx: postgres.TransactionSql): Promise<PendingUpgrade> {
  const [found] = await tx<{ demo: boolean; models: boolean; unique_active: boolean; relationships: boolean; legacy_relationships: boolean }[]>`
    SELECT to_regclass('trading_signals') IS NOT NULL AS demo,
      to_regclass('model_versions') IS NOT NULL AS models,
      (to_regclass('idx_model_versions_one_active_per_strategy') IS NOT NULL OR to_regclass('idx_model_versions_unique_active') IS NOT NULL) AS unique_active,
      to_regclass('signal_order_relationships') IS NOT NULL AS relationships,
      EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
        AND table_name = 'signal_order_relationships' AND column_name = 'allocation_percentage')
      OR NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
        AND table_name = 'signal_order_relationships' AND column_name = 'execution_sequence') AS legacy_relationships`;
  const pending: PendingUpgrade = { indexesBefore: null, deactivatedModels: 0, relationships: null };
  if (!found?.demo) return pending;
  pending.indexesBefore = await indexNames(tx);

  if (found.models && !found.unique_active) {
    // model-service's rule, now an index: only the newest active model of a strategy stays active.
    const deactivated = await tx`
      UPDATE model_versions m SET is_active = false, updated_at = timezone('utc', now())
      WHERE m.is_active AND EXISTS (
        SELECT 1 FROM model_versions newer WHERE newer.is_active AND newer.strategy_id = m.strategy_id
          AND (newer.trained_at, newer.created_at, newer.id) > (m.trained_at, m.created_at, m.id))`;
    pending.deactivatedModels = deactivated.count;
  }

  if (found.relationships && found.legacy_relationships) {
    // The earlier table guessed its columns (allocation_percentage, no execution_sequence, no CHECK or
    // UNIQUE pair, no ON DELETE CASCADE). Its rows say nothing that orders do not, so it is recreated
    // as schema.sql has it (column order included) and refilled from orders; its grants are kept.
    const grants = await tx<{ statement: string }[]>`
      SELECT format('GRANT %s ON signal_order_relationships TO %s%s', a.privilege_type,
          CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END,
          CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS statement
      FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
      WHERE c.oid = 'signal_order_relationships'::regclass AND a.grantee <> c.relowner
      UNION ALL
      SELECT format('ALTER TABLE signal_order_relationships OWNER TO %I', pg_get_userbyid(c.relowner))
      FROM pg_class c WHERE c.oid = 'signal_order_relationships'::regclass AND pg_get_userbyid(c.relowner) <> current_user`;
    await tx`DROP TABLE signal_order_relationships`;
    pending.relationships = { grants: grants.map((g) => g.statement) };
  }
  return pending;
}

async function upgradeAfter(tx: postgres.TransactionSql, pending: PendingUpgrade): Promise<string[]> {
  const notes: string[] = [];
  if (pending.deactivatedModels) {
    notes.push(`model_versions: ${pending.deactivatedModels} older active model(s) deactivated (at most one active per strategy)`);
  }
  if (pending.relationships) {
    for (const statement of pending.relationships.grants) await tx.unsafe(statement);
    // One row per order, as order-manager writes them; keys and indexes built after the rows (sorted
    // builds), inside this transaction.
    const deferred = await readDeferredIndexes(tx, ["signal_order_relationships"]);
    await dropDeferredIndexes(tx, deferred);
    const filled = await tx`
      INSERT INTO signal_order_relationships (signal_id, order_id, relationship_type, execution_sequence, created_at)
      SELECT signal_id, id, 'one_to_one', 1, created_at FROM orders`;
    await tx`SET LOCAL maintenance_work_mem = '512MB'`;
    await restoreDeferredIndexes(tx, deferred);
    notes.push(
      `signal_order_relationships: recreated with the real columns, CHECKs, UNIQUE (signal_id, order_id) and ON DELETE CASCADE; ` +
        `${filled.count} row(s) refilled, one per order`,
    );
  }
  if (pending.indexesBefore) {
    const before = pending.indexesBefore;
    // A recreated signal_order_relationships has its own note.
    const rebuilt = pending.relationships ? "signal_order_relationships." : null;
    const added = [...(await indexNames(tx))].filter((name) => !before.has(name) && !(rebuilt && name.startsWith(rebuilt)));
    const tables = [...new Set(added.map((name) => name.split(".")[0]))].sort();
    if (added.length) notes.push(`${added.length} index(es) of the real schema added on ${tables.join(", ")}`);
  }
  return notes;
}

export interface LegacyMonitorRoleOptions {
  /** Cluster-wide name; the real system's migration uses grafana_monitor. */
  role?: string;
  password: string;
}

/**
 * The role as the trading system's migration leaves it: LOGIN, SELECT on every table of `public`
 * (account balances included), no statement timeout, no connection limit. An existing role keeps its
 * password and attributes; it only gets the grants again.
 */
export async function createLegacyMonitorRole(sql: postgres.Sql, options: LegacyMonitorRoleOptions): Promise<void> {
  const role = options.role ?? "grafana_monitor";
  const [existing] = await sql`SELECT 1 FROM pg_roles WHERE rolname = ${role}`;
  if (!existing) {
    // The verifier, computed here, so that the password never appears in a statement.
    await runFormatted(sql, "CREATE ROLE %I LOGIN PASSWORD %L", [role, scramVerifier(options.password)]);
  }
  await sql`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${sql(role)}`;
}

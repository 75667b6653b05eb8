// A demo database made before sql/demo/schema.sql had the December 2025 shape exactly (issue 20): the
// PnL columns of positions and position_snapshots were NOT NULL DEFAULT 0, mode VARCHAR(10), and the real
// CHECK constraints, constraint names and ON DELETE behaviour were missing. Brought to the real shape in
// applyDemoSchema's transaction; on a current database nothing is run.
import type postgres from "postgres";

/** A constraint of the real migrations: added when absent, replacing the demo's earlier one. */
interface RealConstraint {
  table: string;
  name: string;
  definition: string;
  replaces?: string;
  /** Not on a database of the newest shape: a later migration dropped it. */
  droppedLater?: boolean;
}

const CONSTRAINTS: RealConstraint[] = [
  { table: "positions", name: "chk_mode", definition: "CHECK (mode IN ('one-way', 'hedge'))", replaces: "positions_mode_check" },
  { table: "positions", name: "chk_avg_entry_price", definition: "CHECK (average_entry_price IS NULL OR average_entry_price > 0)" },
  { table: "positions", name: "chk_long_avg_price", definition: "CHECK (long_avg_price IS NULL OR long_avg_price > 0)" },
  { table: "positions", name: "chk_short_avg_price", definition: "CHECK (short_avg_price IS NULL OR short_avg_price > 0)" },
  { table: "positions", name: "uq_position_asset_mode", definition: "UNIQUE (asset, mode)", replaces: "positions_asset_mode_key", droppedLater: true },
  { table: "position_snapshots", name: "chk_mode", definition: "CHECK (mode IN ('one-way', 'hedge'))", replaces: "position_snapshots_mode_check" },
  { table: "position_snapshots", name: "chk_avg_entry_price", definition: "CHECK (average_entry_price IS NULL OR average_entry_price > 0)" },
  {
    table: "position_snapshots",
    name: "fk_position",
    definition: "FOREIGN KEY (position_id) REFERENCES positions (id) ON DELETE CASCADE",
    replaces: "position_snapshots_position_id_fkey",
  },
  {
    table: "execution_events",
    name: "fk_execution_events_training_model_version",
    definition: "FOREIGN KEY (training_id) REFERENCES model_versions (id) ON DELETE SET NULL",
    replaces: "execution_events_training_id_fkey",
  },
  { table: "model_versions", name: "chk_version_format", definition: "CHECK (version ~ '^v\\d+(\\.\\d+)?$')" },
  { table: "model_versions", name: "chk_file_path", definition: "CHECK (file_path LIKE '/models/%')" },
  {
    table: "model_quality_metrics",
    name: "chk_metric_value_bounds",
    definition: "CHECK ((metric_type = 'classification' AND metric_value >= 0 AND metric_value <= 1) OR metric_type IN ('regression', 'trading_performance'))",
  },
  {
    table: "subscriptions",
    name: "chk_symbol_required",
    definition:
      "CHECK ((channel_type IN ('trades', 'ticker', 'orderbook', 'order', 'kline', 'funding') AND symbol IS NOT NULL) " +
      "OR (channel_type NOT IN ('trades', 'ticker', 'orderbook', 'order', 'kline', 'funding') AND symbol IS NULL))",
  },
];

/** Columns whose default or NOT NULL the real migrations do not have. */
const LOOSENED = [
  { table: "positions", column: "size", dropDefault: true, dropNotNull: false },
  { table: "positions", column: "unrealized_pnl", dropDefault: true, dropNotNull: true },
  { table: "positions", column: "realized_pnl", dropDefault: true, dropNotNull: true },
  { table: "positions", column: "created_at", dropDefault: true, dropNotNull: false },
  { table: "position_snapshots", column: "unrealized_pnl", dropDefault: true, dropNotNull: true },
  { table: "position_snapshots", column: "realized_pnl", dropDefault: true, dropNotNull: true },
];

/** Brings an earlier demo database to the real December shape; returns a note per table changed. */
export async function upgradeToRealDecember(tx: postgres.TransactionSql): Promise<string[]> {
  const changed = new Map<string, string[]>();
  const note = (table: string, what: string) => changed.set(table, [...(changed.get(table) ?? []), what]);

  let dropped: string | null = null;
  const narrow = await tx<{ table: string }[]>`
    SELECT table_name AS table FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name IN ('positions', 'position_snapshots') AND column_name = 'mode'
      AND character_maximum_length < 20`;
  if (narrow.length) {
    // A column a view reads cannot change type: the toolkit's canonical views go, the role step rebuilds them.
    const views = await tx<{ name: string }[]>`
      SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'v' AND obj_description(c.oid, 'pg_class') LIKE 'ytrader-monitoring canonical view%'`;
    for (const view of views) await tx.unsafe(`DROP VIEW ${view.name}`);
    for (const { table } of narrow) {
      await tx.unsafe(`ALTER TABLE ${table} ALTER COLUMN mode TYPE VARCHAR(20)`);
      note(table, "mode VARCHAR(20)");
    }
    if (views.length) dropped = `the toolkit's canonical views: ${views.length} dropped for the type change, \`bun run role\` rebuilds them`;
  }

  const columns = await tx<{ table: string; column: string; nullable: string; default: string | null }[]>`
    SELECT table_name AS table, column_name AS column, is_nullable AS nullable, column_default AS default
    FROM information_schema.columns WHERE table_schema = current_schema() AND table_name IN ('positions', 'position_snapshots')`;
  for (const loose of LOOSENED) {
    const found = columns.find((c) => c.table === loose.table && c.column === loose.column);
    if (!found) continue;
    if (loose.dropDefault && found.default !== null) {
      await tx.unsafe(`ALTER TABLE ${loose.table} ALTER COLUMN ${loose.column} DROP DEFAULT`);
      note(loose.table, `${loose.column} without default`);
    }
    if (loose.dropNotNull && found.nullable === "NO") {
      await tx.unsafe(`ALTER TABLE ${loose.table} ALTER COLUMN ${loose.column} DROP NOT NULL`);
      note(loose.table, `${loose.column} nullable`);
    }
  }

  const present = new Set(
    (await tx<{ key: string }[]>`
      SELECT conrelid::regclass::text || '.' || conname AS key FROM pg_constraint
      WHERE connamespace = current_schema()::regnamespace`).map((r) => r.key),
  );
  const newest = columns.some((c) => c.table === "positions" && c.column === "exit_price");
  for (const constraint of CONSTRAINTS) {
    if (present.has(`${constraint.table}.${constraint.name}`) || (constraint.droppedLater && newest)) continue;
    if (constraint.replaces && present.has(`${constraint.table}.${constraint.replaces}`)) {
      await tx.unsafe(`ALTER TABLE ${constraint.table} DROP CONSTRAINT ${constraint.replaces}`);
    }
    await tx.unsafe(`ALTER TABLE ${constraint.table} ADD CONSTRAINT ${constraint.name} ${constraint.definition}`);
    note(constraint.table, constraint.name);
  }
  return [...[...changed].map(([table, what]) => `${table}: ${what.join(", ")} (as the real migrations have it)`), ...(dropped ? [dropped] : [])];
}

// The demo schema's expected facts, written by hand from the real trading system's facts
// (shared/docs/source-system.md), never derived from sql/demo/schema.sql, and the catalog readers that
// compare a database with them (tests/demo-schema*.test.ts).
import type { Sql } from "postgres";

// ---------------------------------------------------------------------------------------------------
// Columns, as "name type [NOT NULL] [DEFAULT x]": varchar(n), numeric(p,s), timestamp (without time
// zone), timestamptz would be a mismatch. Defaults are shown without PostgreSQL's casts.

/** Tables the facts describe completely: the columns must be exactly these, in this order. */
export const COMPLETE_TABLES: Record<string, string[]> = {
  trading_signals: [
    "id uuid NOT NULL DEFAULT gen_random_uuid()",
    "signal_id uuid NOT NULL",
    "strategy_id varchar(100) NOT NULL",
    "asset varchar(50) NOT NULL",
    "side varchar(10) NOT NULL",
    "price numeric(20,8) NOT NULL",
    "confidence numeric(5,4)",
    "timestamp timestamp NOT NULL",
    "model_version varchar(50)",
    "is_warmup boolean NOT NULL DEFAULT false",
    "market_data_snapshot jsonb",
    "metadata jsonb",
    "trace_id varchar(100)",
    "created_at timestamp NOT NULL DEFAULT now()",
  ],
  orders: [
    "id uuid NOT NULL DEFAULT gen_random_uuid()",
    "order_id varchar(100) NOT NULL",
    "signal_id uuid NOT NULL",
    "asset varchar(20) NOT NULL",
    "side varchar(10) NOT NULL",
    "order_type varchar(20) NOT NULL",
    "quantity numeric(20,8) NOT NULL",
    "price numeric(20,8)",
    "status varchar(50) NOT NULL DEFAULT 'pending'",
    "filled_quantity numeric(20,8) NOT NULL DEFAULT 0",
    "average_price numeric(20,8)",
    "fees numeric(20,8)",
    "created_at timestamp NOT NULL DEFAULT now()",
    "updated_at timestamp NOT NULL DEFAULT now()",
    "executed_at timestamp",
    "trace_id varchar(100)",
    "is_dry_run boolean NOT NULL DEFAULT false",
    "rejection_reason text",
  ],
  execution_events: [
    "id uuid NOT NULL DEFAULT gen_random_uuid()",
    "signal_id uuid NOT NULL",
    "strategy_id varchar(100) NOT NULL",
    "asset varchar(50) NOT NULL",
    "side varchar(10) NOT NULL",
    "execution_price numeric(20,8) NOT NULL",
    "execution_quantity numeric(20,8) NOT NULL",
    "execution_fees numeric(20,8) NOT NULL",
    "executed_at timestamp NOT NULL",
    "signal_price numeric(20,8) NOT NULL",
    "signal_timestamp timestamp NOT NULL",
    "performance jsonb NOT NULL",
    "created_at timestamp NOT NULL DEFAULT now()",
    "used_for_training boolean NOT NULL DEFAULT false",
    "training_id uuid",
  ],
  model_versions: [
    "id uuid NOT NULL DEFAULT gen_random_uuid()",
    "version varchar(50) NOT NULL",
    "file_path varchar(500) NOT NULL",
    "model_type varchar(50) NOT NULL",
    "strategy_id varchar(100)",
    "trained_at timestamp NOT NULL DEFAULT now()",
    "training_duration_seconds integer",
    "training_dataset_size integer",
    "training_config jsonb",
    "is_active boolean NOT NULL DEFAULT false",
    "is_warmup_mode boolean NOT NULL DEFAULT false",
    "created_at timestamp NOT NULL DEFAULT now()",
    "updated_at timestamp NOT NULL DEFAULT now()",
  ],
  model_quality_metrics: [
    "id uuid NOT NULL DEFAULT gen_random_uuid()",
    "model_version_id uuid NOT NULL",
    "metric_name varchar(100) NOT NULL",
    "metric_value numeric(20,8) NOT NULL",
    "metric_type varchar(50) NOT NULL",
    "evaluated_at timestamp NOT NULL DEFAULT now()",
    "evaluation_dataset_size integer",
    "metadata jsonb",
  ],
  subscriptions: [
    "id uuid NOT NULL DEFAULT gen_random_uuid()",
    "channel_type varchar(50) NOT NULL",
    "symbol varchar(20)",
    "topic varchar(200) NOT NULL",
    "requesting_service varchar(100) NOT NULL",
    "is_active boolean NOT NULL DEFAULT true",
    "created_at timestamp NOT NULL DEFAULT now()",
    "updated_at timestamp NOT NULL DEFAULT now()",
    "last_event_at timestamp",
  ],
  signal_order_relationships: [
    "id uuid NOT NULL DEFAULT gen_random_uuid()",
    "signal_id uuid NOT NULL",
    "order_id uuid NOT NULL",
    "relationship_type varchar(20) NOT NULL",
    "execution_sequence integer",
    "allocation_amount numeric(20,8)",
    "allocation_quantity numeric(20,8)",
    "created_at timestamp NOT NULL DEFAULT now()",
  ],
};

/** Tables the facts describe in part: only what they say is checked. "*" = type not given; "NULL" =
 *  must be nullable; no nullability word = not given. */
export const PARTIAL_TABLES: Record<string, string[]> = {
  positions: [
    "id uuid NOT NULL DEFAULT gen_random_uuid()",
    "asset varchar(20)",
    "size numeric(20,8)",
    "average_entry_price *",
    "unrealized_pnl *",
    "realized_pnl *",
    "mode *",
    "long_size *",
    "short_size *",
    "long_avg_price *",
    "short_avg_price *",
    "last_updated timestamp NOT NULL",
    "last_snapshot_at timestamp",
    "current_price *",
    "version integer",
    "created_at timestamp NULL",
    "closed_at timestamp NULL",
  ],
  position_snapshots: [
    "position_id uuid",
    "asset *",
    "size *",
    "average_entry_price *",
    "unrealized_pnl *",
    "realized_pnl *",
    "mode *",
    "long_size *",
    "short_size *",
    "snapshot_timestamp timestamp NOT NULL DEFAULT now()",
  ],
  account_balances: ["id uuid NOT NULL DEFAULT gen_random_uuid()", "coin *", "wallet_balance *", "available_balance *"],
};

export interface ColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  character_maximum_length: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
  is_nullable: "YES" | "NO";
  column_default: string | null;
}

/** PostgreSQL's rendering without its casts: 'pending'::character varying -> 'pending'. */
export const withoutCasts = (text: string) => text.replace(/::(character varying|timestamp without time zone|[a-z_]+)(\[\])?/g, "");

export function typeName(column: ColumnRow): string {
  switch (column.data_type) {
    case "character varying":
      return `varchar(${column.character_maximum_length})`;
    case "numeric":
      return `numeric(${column.numeric_precision},${column.numeric_scale})`;
    case "timestamp without time zone":
      return "timestamp";
    case "timestamp with time zone":
      return "timestamptz";
    default:
      return column.data_type;
  }
}

export function columnLine(column: ColumnRow): string {
  const notNull = column.is_nullable === "NO" ? " NOT NULL" : "";
  const fallback = column.column_default === null ? "" : ` DEFAULT ${withoutCasts(column.column_default)}`;
  return `${column.column_name} ${typeName(column)}${notNull}${fallback}`;
}

export async function columnsOf(table: string, sql: Sql): Promise<ColumnRow[]> {
  return sql<ColumnRow[]>`
    SELECT table_name, column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default
    FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ${table} ORDER BY ordinal_position`;
}

/** Compares only what a partial expectation states. */
export function partialMismatch(expected: string, actual: ColumnRow | undefined): string | null {
  const match = /^(\S+) (\S+)( NOT NULL| NULL)?(?: DEFAULT (.+))?$/.exec(expected);
  if (!match) throw new Error(`bad expectation: ${expected}`);
  const [, name, type, nullability, fallback] = match;
  if (!actual) return `${name}: missing`;
  if (type !== "*" && typeName(actual) !== type) return `${name}: type ${typeName(actual)}, expected ${type}`;
  if (nullability === " NOT NULL" && actual.is_nullable !== "NO") return `${name}: nullable, expected NOT NULL`;
  if (nullability === " NULL" && actual.is_nullable !== "YES") return `${name}: NOT NULL, expected nullable`;
  if (fallback && withoutCasts(actual.column_default ?? "") !== fallback) return `${name}: default ${actual.column_default}, expected ${fallback}`;
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Constraints, as pg_get_constraintdef without casts and parentheses:
// CHECK (((side)::text = ANY ((ARRAY['buy'::character varying, ...])::text[]))) -> CHECK side = ANY ARRAY['buy', ...]

export const constraintText = (definition: string) => withoutCasts(definition).replace(/[()]/g, " ").replace(/\s+/g, " ").trim();

export const COMPLETE_CONSTRAINTS: Record<string, string[]> = {
  trading_signals: [
    "PRIMARY KEY id",
    "UNIQUE signal_id",
    "CHECK side = ANY ARRAY['buy', 'sell']",
    "CHECK price > 0",
    "CHECK confidence >= 0 AND confidence <= 1",
  ],
  // No foreign key on signal_id.
  orders: [
    "PRIMARY KEY id",
    "UNIQUE order_id",
    "CHECK side = ANY ARRAY['Buy', 'SELL']",
    "CHECK order_type = ANY ARRAY['Market', 'Limit']",
    "CHECK quantity > 0",
    "CHECK status = ANY ARRAY['pending', 'partially_filled', 'filled', 'cancelled', 'rejected', 'dry_run']",
    "CHECK filled_quantity >= 0 AND filled_quantity <= quantity",
    "CHECK order_type <> 'Limit' OR price IS NOT NULL AND price > 0",
  ],
  execution_events: [
    "PRIMARY KEY id",
    "CHECK side = ANY ARRAY['buy', 'sell']",
    "CHECK execution_price > 0",
    "CHECK execution_quantity > 0",
    "CHECK execution_fees >= 0",
    // Migration 009: ON DELETE SET NULL (docs/trading-system-now.md, section 6).
    "FOREIGN KEY training_id REFERENCES model_versions id ON DELETE SET NULL",
  ],
  model_versions: [
    "PRIMARY KEY id",
    "UNIQUE version",
    "CHECK model_type = ANY ARRAY['xgboost', 'random_forest', 'logistic_regression', 'sgd_classifier']",
    // Migration 003's chk_version_format and chk_file_path.
    "CHECK version ~ '^v\\d+ \\.\\d+ ?$'",
    "CHECK file_path ~~ '/models/%'",
  ],
  model_quality_metrics: [
    "PRIMARY KEY id",
    "FOREIGN KEY model_version_id REFERENCES model_versions id ON DELETE CASCADE",
    "CHECK metric_type = ANY ARRAY['classification', 'regression', 'trading_performance']",
    // Migration 004's chk_metric_value_bounds.
    "CHECK metric_type = 'classification' AND metric_value >= 0 AND metric_value <= 1 OR metric_type = ANY ARRAY['regression', 'trading_performance']",
  ],
  subscriptions: [
    "PRIMARY KEY id",
    "CHECK channel_type = ANY ARRAY['trades', 'ticker', 'orderbook', 'order', 'balance', 'position', 'kline', 'liquidation', 'funding']",
    // chk_symbol_required (003_update, 021_update).
    "CHECK channel_type = ANY ARRAY['trades', 'ticker', 'orderbook', 'order', 'kline', 'funding'] AND symbol IS NOT NULL OR channel_type <> ALL ARRAY['trades', 'ticker', 'orderbook', 'order', 'kline', 'funding'] AND symbol IS NULL",
  ],
  // No foreign key on signal_id; order_id points at the internal orders.id, not orders.order_id.
  signal_order_relationships: [
    "PRIMARY KEY id",
    "UNIQUE signal_id, order_id",
    "FOREIGN KEY order_id REFERENCES orders id ON DELETE CASCADE",
    "CHECK relationship_type = ANY ARRAY['one_to_one', 'one_to_many', 'many_to_one']",
    "CHECK execution_sequence >= 1",
    "CHECK allocation_amount > 0",
    "CHECK allocation_quantity > 0",
  ],
};

export const PARTIAL_CONSTRAINTS: Record<string, string[]> = {
  positions: ["PRIMARY KEY id", "CHECK mode = ANY ARRAY['one-way', 'hedge']"],
  // Migration 008's fk_position cascades.
  position_snapshots: ["FOREIGN KEY position_id REFERENCES positions id ON DELETE CASCADE"],
};

export async function constraintsOf(table: string, sql: Sql): Promise<string[]> {
  const rows = await sql<{ definition: string }[]>`
    SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
    WHERE conrelid = ${table}::regclass AND contype IN ('p', 'u', 'c', 'f')`;
  return rows.map((row) => constraintText(row.definition)).sort();
}

// ---------------------------------------------------------------------------------------------------
// Indexes, as "[UNIQUE ](columns)[ WHERE predicate]" from pg_indexes.indexdef, quotes removed. Keys
// (PRIMARY KEY, UNIQUE) show as their UNIQUE indexes; "all id UUID" of the facts is a primary key.

export const INDEXES: Record<string, string[]> = {
  trading_signals: [
    "UNIQUE (id)",
    "UNIQUE (signal_id)",
    "(timestamp DESC)",
    "(strategy_id)",
    "(asset)",
    "(strategy_id, timestamp DESC)",
    "(asset, timestamp DESC)",
  ],
  // None on executed_at or updated_at: dashboards must live without them.
  orders: ["UNIQUE (id)", "UNIQUE (order_id)", "(signal_id)", "(asset)", "(status)", "(created_at)"],
  execution_events: ["UNIQUE (id)", "(executed_at DESC)", "(signal_id)", "(strategy_id)", "(strategy_id, executed_at DESC)"],
  // (version) beside the UNIQUE key, and the partial index beside its UNIQUE twin: both, as in reality.
  model_versions: [
    "UNIQUE (id)",
    "UNIQUE (version)",
    "(version)",
    "(strategy_id)",
    "(trained_at DESC)",
    "(strategy_id, is_active) WHERE is_active",
    "UNIQUE (strategy_id, is_active) WHERE is_active",
  ],
  model_quality_metrics: ["UNIQUE (id)", "(model_version_id)", "(metric_name)", "(evaluated_at DESC)"],
  subscriptions: ["UNIQUE (id)", "(topic)", "(is_active)", "(requesting_service)"],
  positions: ["UNIQUE (id)", "(asset)", "(mode)", "(last_updated)", "(current_price)", "(version)", "UNIQUE (asset, mode)"],
  position_snapshots: ["UNIQUE (id)", "(position_id)", "(asset)", "(snapshot_timestamp)"],
  signal_order_relationships: ["UNIQUE (id)", "UNIQUE (signal_id, order_id)", "(signal_id)", "(order_id)", "(relationship_type)"],
};

export async function indexesOf(table: string, sql: Sql): Promise<string[]> {
  const rows = await sql<{ indexdef: string }[]>`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ${table}`;
  return rows
    .map(({ indexdef }) => {
      const match = /^CREATE (UNIQUE )?INDEX \S+ ON \S+ USING btree (\([^)]*\)( WHERE .*)?)$/.exec(indexdef);
      if (!match) return indexdef;
      return `${match[1] ?? ""}${match[2]!.replaceAll('"', "").replace(/WHERE \((.*)\)$/, "WHERE $1")}`;
    })
    .sort();
}

/** Every table's columns, keys, CHECKs and indexes that differ from the expectations above. */
export async function schemaMismatches(sql: Sql): Promise<string[]> {
  const found: string[] = [];
  const differ = (what: string, actual: string[], expected: string[]) => {
    for (const line of actual) if (!expected.includes(line)) found.push(`${what}: unexpected ${line}`);
    for (const line of expected) if (!actual.includes(line)) found.push(`${what}: missing ${line}`);
  };
  for (const [table, expected] of Object.entries(COMPLETE_TABLES)) {
    const actual = (await columnsOf(table, sql)).map(columnLine);
    differ(`${table} columns`, actual, expected);
    const sameSet = actual.length === expected.length && actual.every((line) => expected.includes(line));
    if (sameSet && actual.join("|") !== expected.join("|")) found.push(`${table} columns: out of order ${actual.join(", ")}`);
  }
  for (const [table, expected] of Object.entries(PARTIAL_TABLES)) {
    const byName = new Map((await columnsOf(table, sql)).map((c) => [c.column_name, c]));
    for (const line of expected) {
      const mismatch = partialMismatch(line, byName.get(line.split(" ")[0]!));
      if (mismatch) found.push(`${table} column ${mismatch}`);
    }
  }
  for (const [table, expected] of Object.entries(COMPLETE_CONSTRAINTS)) differ(`${table} constraints`, await constraintsOf(table, sql), expected);
  for (const [table, expected] of Object.entries(PARTIAL_CONSTRAINTS)) {
    const actual = await constraintsOf(table, sql);
    for (const line of expected) if (!actual.includes(line)) found.push(`${table} constraints: missing ${line}`);
  }
  for (const [table, expected] of Object.entries(INDEXES)) differ(`${table} indexes`, await indexesOf(table, sql), expected);
  return found;
}

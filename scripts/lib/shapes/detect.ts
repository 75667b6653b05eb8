// Which shape of the trading system's schema this database has: one catalog query for the columns of the
// tables the views read. pg_attribute, not information_schema.columns: the latter lists only columns of
// tables the current role holds a privilege on, so the read-only role (check) would take a table not yet
// granted to it for a missing one; the catalog lists every column to every role.
import type postgres from "postgres";
import { BASE_TABLES, type Columns } from "./views.ts";

export async function detectColumns(sql: postgres.Sql): Promise<Columns> {
  const rows = await sql<{ table: string; column: string }[]>`
    SELECT c.relname AS table, a.attname AS column
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relname IN ${sql(BASE_TABLES)}`;
  const columns: Columns = new Map();
  for (const { table, column } of rows) {
    if (!columns.has(table)) columns.set(table, new Set());
    columns.get(table)!.add(column);
  }
  return columns;
}

/** The migrations that tell the shapes apart (docs/trading-system-now.md, 7c), each by the column or
 *  table it adds. */
const MARKERS: { table: string; column: string; migration: string }[] = [
  { table: "trading_signals", column: "prediction_horizon_seconds", migration: "030" },
  { table: "trading_signals", column: "is_rejected", migration: "046" },
  { table: "orders", column: "target_timestamp", migration: "047" },
  { table: "model_versions", column: "symbol", migration: "032" },
  { table: "positions", column: "exit_price", migration: "052" },
  { table: "position_orders", column: "position_id", migration: "028" },
  { table: "closed_positions", column: "original_position_id", migration: "040" },
];

export interface ShapeName {
  /** "2025-12", "newest", or "between" (some later migrations applied, not all). */
  name: "2025-12" | "newest" | "between";
  /** The later migrations present, for "between" (and the report). */
  present: string[];
  absent: string[];
}

export function shapeName(columns: Columns): ShapeName {
  const present: string[] = [];
  const absent: string[] = [];
  for (const marker of MARKERS) {
    const label = `${marker.migration} (${marker.table}${marker.column === "position_id" || marker.column === "original_position_id" ? "" : `.${marker.column}`})`;
    (columns.get(marker.table)?.has(marker.column) ? present : absent).push(label);
  }
  const name = present.length === 0 ? "2025-12" : absent.length === 0 ? "newest" : "between";
  return { name, present, absent };
}

export function describeShape(shape: ShapeName): string {
  if (shape.name === "2025-12") return "the December 2025 shape (none of the later migrations' columns)";
  if (shape.name === "newest") return "the newest shape (every later migration's column and table)";
  return `between December 2025 and the newest: has ${shape.present.join(", ")}; lacks ${shape.absent.join(", ")}`;
}

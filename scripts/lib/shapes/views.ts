// The canonical shape the panels read: one view per table in the toolkit's schema (MONITORING_SCHEMA),
// written for the columns this database has, so that each panel's SQL is written once, with the newest
// system's meaning, and is right on the December 2025 shape, the newest, and the databases in between
// (migrations are applied by hand, per feature). Plain views over one table each (positions: two,
// UNION ALL), with column expressions only: the planner inlines them, so a panel's conditions reach the
// base tables' indexes as if it read them itself. security_invoker: a view reads as the role that queries
// it, so the read-only role's SELECT on the base tables still decides what it may read (docs/schema-shapes.md).
import { createHash } from "node:crypto";
import { quoteIdent } from "../postgres.ts";

/** table -> its columns (tables of public only; a table this database lacks is absent). */
export type Columns = Map<string, Set<string>>;

/** A column a view needs that this database lacks: the view cannot be built and its panels cannot be right. */
export interface MissingColumn {
  table: string;
  column: string;
  view: string;
}

export interface ViewPlan {
  name: string;
  /** The SELECT after CREATE VIEW ... AS. */
  select: string;
  /** Its fingerprint: the view's comment carries it, so an unchanged view is left alone. */
  fingerprint: string;
}

export interface ViewsPlan {
  views: ViewPlan[];
  missing: MissingColumn[];
}

/** Every view the toolkit owns, by name: the read-only role may read each, and nothing else of the schema
 *  beyond the monitor's events. */
export const VIEW_NAMES = [
  "trading_signals",
  "orders",
  "signal_order_relationships",
  "execution_events",
  "model_versions",
  "model_quality_metrics",
  "subscriptions",
  "positions",
  "position_orders",
] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

/** The base tables the views read (all in public), for the catalog query. */
export const BASE_TABLES = [...VIEW_NAMES, "closed_positions"];

/** Builds a view's column list: a column the table has, else a stated stand-in (a column of a later
 *  migration), else the column is missing (a column every supported shape has). */
class Builder {
  readonly missing: MissingColumn[] = [];
  constructor(
    private readonly columns: Columns,
    private readonly view: string,
  ) {}
  has(table: string, column: string) {
    return this.columns.get(table)?.has(column) ?? false;
  }
  /** A column every supported shape has, as an expression: missing means an unknown shape. */
  ref(table: string, alias: string, column: string) {
    if (!this.has(table, column)) this.missing.push({ table, column, view: this.view });
    return `${alias}.${quoteIdent(column)}`;
  }
  /** The same, as a column of the view. */
  need(table: string, alias: string, column: string, as = column) {
    return `${this.ref(table, alias, column)} AS ${quoteIdent(as)}`;
  }
  /** A column of a later migration: the stand-in says what it means on a shape without it. */
  maybe(table: string, alias: string, column: string, standIn: string, as = column) {
    return `${this.has(table, column) ? `${alias}.${quoteIdent(column)}` : standIn} AS ${quoteIdent(as)}`;
  }
  /** The raw expression of a column, or the stand-in. */
  expr(table: string, alias: string, column: string, standIn: string) {
    return this.has(table, column) ? `${alias}.${quoteIdent(column)}` : standIn;
  }
}

const list = (items: string[]) => items.join(",\n       ");

type Definition = (b: Builder) => string;

const DEFINITIONS: Record<ViewName, Definition> = {
  // Signals with the newest meaning: is_rejected and its reason (false and NULL where the system stored
  // no rejection: every December signal was published). A rejected hold prediction is stored with side
  // 'buy' as a placeholder; here its side says hold.
  trading_signals: (b) => {
    const t = "trading_signals";
    const reason = b.expr(t, "s", "rejection_reason", "NULL::text");
    return `SELECT ${list([
      ...["id", "signal_id", "strategy_id", "asset"].map((c) => b.need(t, "s", c)),
      `CASE WHEN ${reason} = 'regression_hold_prediction' THEN 'hold'::varchar ELSE ${b.ref(t, "s", "side")} END AS side`,
      ...["price", "confidence", "timestamp", "model_version", "is_warmup", "trace_id", "created_at"].map((c) => b.need(t, "s", c)),
      b.maybe(t, "s", "is_rejected", "false"),
      b.maybe(t, "s", "rejection_reason", "NULL::text"),
      b.maybe(t, "s", "effective_threshold", "NULL::numeric"),
      b.maybe(t, "s", "prediction_horizon_seconds", "NULL::integer"),
      b.maybe(t, "s", "target_timestamp", "NULL::timestamp"),
    ])}\nFROM public.trading_signals s`;
  },
  orders: (b) => {
    const t = "orders";
    const base = ["id", "order_id", "signal_id", "asset", "side", "order_type", "quantity", "price", "status", "filled_quantity", "average_price", "fees"];
    const times = ["created_at", "updated_at", "executed_at", "trace_id", "is_dry_run", "rejection_reason"];
    return `SELECT ${list([...[...base, ...times].map((c) => b.need(t, "o", c)), b.maybe(t, "o", "target_timestamp", "NULL::timestamp")])}\nFROM public.orders o`;
  },
  signal_order_relationships: (b) =>
    `SELECT ${list(["id", "signal_id", "order_id", "relationship_type", "created_at"].map((c) => b.need("signal_order_relationships", "r", c)))}\nFROM public.signal_order_relationships r`,
  execution_events: (b) => {
    const columns = ["id", "signal_id", "strategy_id", "asset", "side", "execution_price", "execution_quantity", "execution_fees", "executed_at", "performance", "created_at"];
    return `SELECT ${list(columns.map((c) => b.need("execution_events", "e", c)))}\nFROM public.execution_events e`;
  },
  // One active model per strategy AND symbol (symbol NULL: a model for every symbol, the only kind there
  // was in December).
  model_versions: (b) => {
    const t = "model_versions";
    const columns = ["id", "version", "model_type", "strategy_id", "trained_at", "training_duration_seconds", "training_dataset_size", "is_active", "created_at", "updated_at"];
    return `SELECT ${list([
      ...columns.map((c) => b.need(t, "m", c)),
      b.maybe(t, "m", "symbol", "NULL::varchar"),
      b.maybe(t, "m", "auto_activation_disabled", "false"),
    ])}\nFROM public.model_versions m`;
  },
  // The evaluation split (validation or test) is only in the metadata; NULL where the system kept none.
  model_quality_metrics: (b) => {
    const t = "model_quality_metrics";
    return `SELECT ${list([
      ...["id", "model_version_id", "metric_name", "metric_value", "metric_type", "evaluated_at", "metadata"].map((c) => b.need(t, "q", c)),
      `(q.metadata ->> 'dataset_split')::text AS dataset_split`,
    ])}\nFROM public.model_quality_metrics q`;
  },
  subscriptions: (b) =>
    `SELECT ${list(["id", "channel_type", "symbol", "topic", "requesting_service", "is_active", "created_at", "updated_at", "last_event_at"].map((c) => b.need("subscriptions", "sub", c)))}\nFROM public.subscriptions sub`,
  positions: positionsView,
  // Which position each filled order moved; empty on a shape without the table (the December shape).
  position_orders: (b) => {
    const t = "position_orders";
    if (!b.has(t, "position_id")) {
      return "SELECT NULL::uuid AS position_id, NULL::uuid AS order_id, NULL::varchar AS bybit_order_id, NULL::varchar AS relationship_type,\n       NULL::numeric AS size_delta, NULL::numeric AS execution_price, NULL::timestamp AS executed_at\nWHERE false";
    }
    return `SELECT ${list([
      ...["position_id", "order_id"].map((c) => b.need(t, "po", c)),
      b.maybe(t, "po", "bybit_order_id", "NULL::varchar"),
      ...["relationship_type", "size_delta", "execution_price", "executed_at"].map((c) => b.need(t, "po", c)),
    ])}\nFROM public.position_orders po`;
  },
};

/** Positions as history, one row per position opened: the newest shape keeps a closed position's row
 *  (size 0, closed_at, exit_price, realized_pnl of that position); before it the row of an asset and mode
 *  was reused, its realized_pnl cumulative, and closes of the 040..052 window are in closed_positions.
 *  Both are shown once: a reused row's close that closed_positions also records is the closed_positions
 *  row (its PnL is the position's), and a closed_positions row that 053 copied into positions is the copy.
 *  Closed rows carry no live price and no unrealized PnL (053's copies hold the values at close there). */
function positionsView(b: Builder): string {
  const t = "positions";
  const history = b.has(t, "exit_price");
  const closedTable = b.has("closed_positions", "original_position_id");
  const open = "(p.closed_at IS NULL AND p.size <> 0)";
  const source = b.expr(t, "p", "source", "NULL::varchar");
  const positionRows = `SELECT ${list([
    ...["id", "asset", "mode", "size", "average_entry_price"].map((c) => b.need(t, "p", c)),
    `CASE WHEN ${open} THEN ${b.expr(t, "p", "current_price", "NULL::numeric")} END AS current_price`,
    `CASE WHEN ${open} THEN ${b.ref(t, "p", "unrealized_pnl")} END AS unrealized_pnl`,
    b.need(t, "p", "realized_pnl"),
    // Before the history shape a row's realized_pnl is Bybit's running total over every position of it.
    `${history ? "'per position'" : "'cumulative'"}::text AS realized_pnl_basis`,
    `coalesce(${b.expr(t, "p", "opened_at", "NULL::timestamp")}, ${b.expr(t, "p", "created_at", "NULL::timestamp")}) AS opened_at`,
    b.need(t, "p", "closed_at"),
    b.maybe(t, "p", "exit_price", "NULL::numeric"),
    b.maybe(t, "p", "total_fees", "NULL::numeric"),
    b.need(t, "p", "last_updated"),
    `${open} AS is_open`,
    `coalesce(${source}, 'positions')::text AS source`,
  ])}\nFROM public.positions p`;
  if (!closedTable) return positionRows;
  const c = "closed_positions";
  for (const column of ["id", "original_position_id", "asset", "mode", "final_size", "average_entry_price", "exit_price", "realized_pnl", "total_fees", "opened_at", "closed_at"]) b.ref(c, "c", column);
  return `${positionRows}
WHERE NOT (p.closed_at IS NOT NULL AND ${source} IS DISTINCT FROM 'migration_from_closed_positions' AND EXISTS (
  SELECT 1 FROM public.closed_positions c
  WHERE c.original_position_id = p.id AND c.closed_at BETWEEN p.closed_at - interval '1 minute' AND p.closed_at + interval '1 minute'))
UNION ALL
SELECT c.id, c.asset, c.mode, c.final_size, c.average_entry_price, NULL::numeric, NULL::numeric, c.realized_pnl,
       'per position'::text, c.opened_at, c.closed_at, c.exit_price, c.total_fees, c.closed_at, false, 'closed_positions'::text
FROM public.closed_positions c
WHERE NOT EXISTS (
  SELECT 1 FROM public.positions p
  WHERE p.id = c.original_position_id AND ${source} = 'migration_from_closed_positions' AND p.closed_at = c.closed_at)`;
}

/** The views for the columns this database has; a view that lacks a column every supported shape has is
 *  not planned, and its missing columns are listed. */
export function planViews(columns: Columns): ViewsPlan {
  const plan: ViewsPlan = { views: [], missing: [] };
  for (const name of VIEW_NAMES) {
    const builder = new Builder(columns, name);
    const select = DEFINITIONS[name](builder);
    if (builder.missing.length) {
      plan.missing.push(...builder.missing);
      continue;
    }
    plan.views.push({ name, select, fingerprint: createHash("sha256").update(select).digest("hex").slice(0, 16) });
  }
  return plan;
}

/** The comment that marks a view as built from this plan. */
export const viewComment = (view: ViewPlan) => `ytrader-monitoring canonical view, shape ${view.fingerprint}`;

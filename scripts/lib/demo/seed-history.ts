// The bulk of the seeded history: signals, orders and their signal_order_relationships, written line by
// line in COPY text format into three COPYs at once, with the bulk tables' keys and indexes dropped for the
// load and rebuilt after it (deferred-indexes.ts). Every value is generated here (no tabs, backslashes or
// newlines), so no escaping is needed.
import type postgres from "postgres";
import { BATCH, type CopyIn, NULL, type SeedTableReport, openCopy } from "./copy.ts";
import { dropDeferredIndexes, readDeferredIndexes, restoreDeferredIndexesInParallel } from "./deferred-indexes.ts";
import { type Asset, FEE_RATE, MARKETS, REJECTION_REASONS, STRATEGIES, type Strategy, between, drawStrategy, pick } from "./market.ts";
import { MINUTE, marketPrice, utcText } from "./seed-clock.ts";

/** Called as rows are loaded, with the table's running total. */
export type OnProgress = (table: string, rows: number) => void;

/** order-manager cancels orders still pending after 5 minutes: older orders are never pending. */
const PENDING_TIMEOUT = 5 * MINUTE;

const SIGNAL_COLUMNS = [
  "id", "signal_id", "strategy_id", "asset", "side", "price", "confidence", "timestamp", "model_version",
  "is_warmup", "market_data_snapshot", "metadata", "trace_id", "created_at",
] as const;
const ORDER_COLUMNS = [
  "id", "order_id", "signal_id", "asset", "side", "order_type", "quantity", "price", "status", "filled_quantity",
  "average_price", "fees", "created_at", "updated_at", "executed_at", "trace_id", "is_dry_run", "rejection_reason",
] as const;
/** id from its default; the allocation columns are always NULL in practice. */
const RELATIONSHIP_COLUMNS = ["signal_id", "order_id", "relationship_type", "execution_sequence", "created_at"] as const;

type OrderStatus = "pending" | "partially_filled" | "filled" | "cancelled" | "rejected" | "dry_run";
/** Orders older than the pending timeout: mostly filled, never pending. */
const SETTLED_MIX: [OrderStatus, number][] = [
  ["filled", 0.8], ["cancelled", 0.06], ["rejected", 0.05], ["partially_filled", 0.03], ["dry_run", 0.06],
];
/** Orders of the last 5 minutes: many still pending, none cancelled by the timeout yet. */
const RECENT_MIX: [OrderStatus, number][] = [["pending", 0.5], ["filled", 0.4], ["rejected", 0.05], ["dry_run", 0.05]];

function drawStatus(mix: [OrderStatus, number][]): OrderStatus {
  let roll = Math.random();
  for (const [status, share] of mix) {
    if (roll < share) return status;
    roll -= share;
  }
  return mix[0]![0];
}

interface Signal {
  signalId: string;
  strategy: Strategy;
  asset: Asset;
  side: "buy" | "sell";
  price: number;
  priceText: string;
  at: number;
  traceId: string;
}

export interface HistoryPlan {
  signals: number;
  orders: number;
  start: number;
  /** Time between consecutive signals. */
  step: number;
  now: number;
  modelAt: (strategy: Strategy, at: number) => string | null;
}

const METADATA = new Map(STRATEGIES.map((s) => [s, `{"source": "model", "model_type": "${s.modelType}"}`]));
const WARMUP_METADATA = `{"source": "warmup_heuristic", "reason": "no active model"}`;

/** Signal i of the history and its COPY line; signals come out in time order. */
function signalAt(plan: HistoryPlan, i: number): [Signal, string] {
  const at = Math.floor(plan.start + (i + Math.random()) * plan.step);
  const strategy = drawStrategy();
  const asset = pick(strategy.assets);
  const market = MARKETS[asset];
  const price = marketPrice(asset, at) * (1 + between(-0.001, 0.001));
  const priceText = price.toFixed(market.priceDigits);
  const model = plan.modelAt(strategy, at);
  const signal: Signal = {
    signalId: crypto.randomUUID(),
    strategy,
    asset,
    side: Math.random() < 0.5 ? "buy" : "sell",
    price,
    priceText,
    at,
    traceId: crypto.randomUUID(),
  };
  const snapshot = `{"price": ${priceText}, "spread": ${(price * 0.0001).toFixed(market.priceDigits + 2)}, "volume_24h": ${Math.round(between(1e5, 5e6))}}`;
  const line =
    `${crypto.randomUUID()}\t${signal.signalId}\t${strategy.id}\t${asset}\t${signal.side}\t${priceText}\t` +
    `0.${5000 + Math.floor(Math.random() * 4900)}\t${utcText(at)}\t${model ?? NULL}\t${model ? "f" : "t"}\t${snapshot}\t` +
    `${model ? METADATA.get(strategy) : WARMUP_METADATA}\t${signal.traceId}\t${utcText(at + between(3, 40))}`;
  return [signal, line];
}

/** The order order-manager placed for a signal, consistent with it (asset, side, price, trace), and the
 *  signal_order_relationships row it writes with every order it creates, rejected ones included. */
function orderLines(signal: Signal, now: number): [order: string, relationship: string] {
  const market = MARKETS[signal.asset];
  const createdAt = signal.at + Math.floor(between(200, 3_000));
  const status = drawStatus(createdAt > now - PENDING_TIMEOUT ? RECENT_MIX : SETTLED_MIX);
  const quantity = (between(50, 500) / signal.price).toFixed(market.quantityDigits);
  const type = status !== "rejected" && Math.random() < 0.3 ? "Limit" : "Market";
  let orderId: string = crypto.randomUUID();
  let filled = "0";
  let averagePrice = NULL;
  let fees = NULL;
  let executedAt = NULL;
  let updatedAt = createdAt;
  let reason = NULL;
  if (status === "filled" || status === "partially_filled") {
    filled = status === "filled" ? quantity : (Number(quantity) * between(0.2, 0.8)).toFixed(market.quantityDigits);
    // Market orders slip against the side; Limit orders fill at their price.
    const slip = type === "Market" ? (signal.side === "buy" ? 1 : -1) * between(0, 0.0015) : 0;
    const average = signal.price * (1 + slip);
    averagePrice = average.toFixed(market.priceDigits + 2);
    fees = (Number(filled) * average * FEE_RATE[type]).toFixed(8);
    const executed = createdAt + Math.floor(between(50, 2_000));
    executedAt = utcText(executed);
    updatedAt = executed;
  } else if (status === "cancelled") {
    updatedAt = createdAt + PENDING_TIMEOUT; // the timeout sweep cancelled it
  } else if (status === "rejected") {
    orderId = `REJECTED-${signal.signalId}`; // rejected before reaching the exchange: no exchange id
    reason = pick(REJECTION_REASONS);
  } else if (status === "dry_run") {
    orderId = `DRY-${signal.signalId}`; // as the demo's live order-manager names them
  }
  const id = crypto.randomUUID();
  const created = utcText(createdAt);
  return [
    `${id}\t${orderId}\t${signal.signalId}\t${signal.asset}\t${signal.side === "buy" ? "Buy" : "SELL"}\t` +
      `${type}\t${quantity}\t${type === "Limit" ? signal.priceText : NULL}\t${status}\t${filled}\t${averagePrice}\t${fees}\t` +
      `${created}\t${utcText(updatedAt)}\t${executedAt}\t${signal.traceId}\t${status === "dry_run" ? "t" : "f"}\t${reason}`,
    `${signal.signalId}\t${id}\tone_to_one\t1\t${created}`,
  ];
}

/** Signals, orders and relationships stream into three COPYs at once: PostgreSQL fills the tables while
 *  the next chunk is generated. The n-th of `orders` orders goes to evenly spread signals. */
async function copyHistory(sql: postgres.Sql, plan: HistoryPlan, onProgress: OnProgress | undefined) {
  const copies: CopyIn[] = [];
  try {
    const signals = await openCopy(sql, "trading_signals", SIGNAL_COLUMNS);
    copies.push(signals);
    const orders = await openCopy(sql, "orders", ORDER_COLUMNS);
    copies.push(orders);
    const relationships = await openCopy(sql, "signal_order_relationships", RELATIONSHIP_COLUMNS);
    copies.push(relationships);
    for (let i = 0; i < plan.signals; ) {
      const batchEnd = Math.min(plan.signals, i + BATCH);
      for (; i < batchEnd; i++) {
        const [signal, line] = signalAt(plan, i);
        signals.push(line);
        if (Math.floor(((i + 1) * plan.orders) / plan.signals) > Math.floor((i * plan.orders) / plan.signals)) {
          const [order, relationship] = orderLines(signal, plan.now);
          orders.push(order);
          relationships.push(relationship);
        }
      }
      await Promise.all(copies.map((copy) => copy.flush()));
      for (const copy of copies) onProgress?.(copy.table, copy.rows);
    }
    return await Promise.all(copies.map((copy) => copy.finish()));
  } finally {
    for (const copy of copies) copy.close();
  }
}

const BULK_TABLES = ["trading_signals", "orders", "signal_order_relationships"] as const;

/** Signals, orders and their relationships without their keys and indexes, which are rebuilt afterwards
 *  (also when the load fails, so the schema is whole again). A table's seconds include its rebuild. */
export async function loadHistory(sql: postgres.Sql, plan: HistoryPlan, onProgress: OnProgress | undefined): Promise<SeedTableReport[]> {
  const deferred = await readDeferredIndexes(sql, BULK_TABLES);
  await sql.begin((tx) => dropDeferredIndexes(tx, deferred));
  let loaded: SeedTableReport[] = [];
  let rebuild = new Map<string, number>();
  try {
    loaded = await copyHistory(sql, plan, onProgress);
  } finally {
    rebuild = await restoreDeferredIndexesInParallel(sql, deferred);
  }
  return loaded.map((report) => {
    const seconds = report.seconds + (rebuild.get(report.table) ?? 0);
    return { ...report, seconds, rowsPerSecond: seconds > 0 ? report.rows / seconds : report.rows };
  });
}

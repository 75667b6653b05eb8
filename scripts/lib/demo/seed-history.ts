// The bulk of the seeded history: signals, orders and their signal_order_relationships, written line by
// line in COPY text format into three COPYs at once (the bulk seed) or one after another in a transaction
// (the backfill), with the bulk tables' keys and indexes dropped for the load and rebuilt after it
// (deferred-indexes.ts). Every value is generated here (no tabs, backslashes or newlines), so no escaping
// is needed.
import type postgres from "postgres";
import { BATCH, type CopyIn, NULL, type SeedTableReport, copyLines, openCopy } from "./copy.ts";
import { NEWEST, REJECTION } from "./activity-newest.ts";
import { RATES } from "./activity-steps.ts";
import { dropDeferredIndexes, readDeferredIndexes, restoreDeferredIndexes, restoreDeferredIndexesInParallel } from "./deferred-indexes.ts";
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
/** The newest shape's: rejections and the horizon (sql/demo/newest.sql). */
const NEWEST_SIGNAL_COLUMNS = [...SIGNAL_COLUMNS, "is_rejected", "rejection_reason", "effective_threshold", "prediction_horizon_seconds", "target_timestamp"] as const;
const NEWEST_ORDER_COLUMNS = [...ORDER_COLUMNS, "target_timestamp"] as const;
/** model-service's static threshold (as numeric(5,4) prints it) and the horizon the newest shape's signals carry. */
const THRESHOLD = NEWEST.threshold.toFixed(4);
const HORIZON_SECONDS = NEWEST.horizonSeconds;
/** Of the newest shape's signals that get no order and had a model: holds; the rest fell below the threshold. */
const HOLD_SHARE = 0.3;
/** The share of the newest shape's inferences that are accepted (the rest are stored as rejected). */
export const NEWEST_ACCEPTED_SHARE = 0.35;

/** id from its default; the allocation columns are always NULL in practice. */
const RELATIONSHIP_COLUMNS = ["signal_id", "order_id", "relationship_type", "execution_sequence", "created_at"] as const;

type OrderStatus = "pending" | "partially_filled" | "filled" | "cancelled" | "rejected" | "dry_run";
type Mix = [OrderStatus, number][];

/** How orders ended: those older than the pending timeout (never pending), and those of its last 5
 *  minutes (none cancelled by the timeout yet). */
export interface OrderMix {
  settled: Mix;
  recent: Mix;
}

/** The bulk seed's: mostly filled, and many recent orders still pending. */
export const SEED_MIX: OrderMix = {
  settled: [["filled", 0.8], ["cancelled", 0.06], ["rejected", 0.05], ["partially_filled", 0.03], ["dry_run", 0.06]],
  recent: [["pending", 0.5], ["filled", 0.4], ["rejected", 0.05], ["dry_run", 0.05]],
};

/** The live activity's (activity-steps.ts): orders decided within seconds, those left pending cancelled
 *  by the 5-minute sweep. */
export function liveMix(): OrderMix {
  const sent = 1 - RATES.rejected - RATES.dryRun;
  const common: Mix = [
    ["filled", sent * (1 - RATES.partial - RATES.stillPending)],
    ["partially_filled", sent * RATES.partial],
    ["rejected", RATES.rejected],
    ["dry_run", RATES.dryRun],
  ];
  return { settled: [...common, ["cancelled", sent * RATES.stillPending]], recent: [...common, ["pending", sent * RATES.stillPending]] };
}

function drawStatus(mix: Mix): OrderStatus {
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
  mix: OrderMix;
  /** Write the newest shape's columns: a signal with a model and no order is a rejected one. */
  newest?: boolean;
}

const METADATA = new Map(STRATEGIES.map((s) => [s, `{"source": "model", "model_type": "${s.modelType}"}`]));
const WARMUP_METADATA = `{"source": "warmup_heuristic", "reason": "no active model"}`;

/** Signal i of the history and its COPY line; signals come out in time order. */
function signalAt(plan: HistoryPlan, i: number, ordered: boolean): [Signal, string] {
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
  // The newest shape: an inference with a model that led to no order was rejected (a hold is stored as buy).
  const rejection = plan.newest && model && !ordered ? (Math.random() < HOLD_SHARE ? REJECTION.hold : REJECTION.belowThreshold) : null;
  const confidence = rejection === REJECTION.belowThreshold ? `0.${4000 + Math.floor(Math.random() * 3400)}` : `0.${(plan.newest ? 7500 : 5000) + Math.floor(Math.random() * (plan.newest ? 2400 : 4900))}`;
  const line =
    `${crypto.randomUUID()}\t${signal.signalId}\t${strategy.id}\t${asset}\t${rejection === REJECTION.hold ? "buy" : signal.side}\t${priceText}\t` +
    `${confidence}\t${utcText(at)}\t${model ?? NULL}\t${model ? "f" : "t"}\t${snapshot}\t` +
    `${model ? METADATA.get(strategy) : WARMUP_METADATA}\t${signal.traceId}\t${utcText(at + between(3, 40))}`;
  if (!plan.newest) return [signal, line];
  const newest = `\t${rejection ? "t" : "f"}\t${rejection ?? NULL}\t${model ? THRESHOLD : NULL}\t${HORIZON_SECONDS}\t${utcText(at + HORIZON_SECONDS * 1000)}`;
  return [signal, line + newest];
}

/** The order order-manager placed for a signal, consistent with it (asset, side, price, trace), and the
 *  signal_order_relationships row it writes with every order it creates, rejected ones included. */
function orderLines(signal: Signal, plan: HistoryPlan): [order: string, relationship: string] {
  const market = MARKETS[signal.asset];
  const createdAt = signal.at + Math.floor(between(200, 3_000));
  const status = drawStatus(createdAt > plan.now - PENDING_TIMEOUT ? plan.mix.recent : plan.mix.settled);
  const quantity = (between(50, 500) / signal.price).toFixed(market.quantityDigits);
  const type = status !== "rejected" && Math.random() < RATES.limit ? "Limit" : "Market";
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
      `${created}\t${utcText(updatedAt)}\t${executedAt}\t${signal.traceId}\t${status === "dry_run" ? "t" : "f"}\t${reason}` +
      (plan.newest ? `\t${utcText(signal.at + HORIZON_SECONDS * 1000)}` : ""),
    `${signal.signalId}\t${id}\tone_to_one\t1\t${created}`,
  ];
}

interface HistoryBatch {
  signals: string[];
  orders: string[];
  relationships: string[];
}

/** The history's COPY lines, BATCH signals at a time, in time order. The n-th of `orders` orders goes
 *  to evenly spread signals. */
function* historyBatches(plan: HistoryPlan): Generator<HistoryBatch> {
  for (let i = 0; i < plan.signals; ) {
    const batch: HistoryBatch = { signals: [], orders: [], relationships: [] };
    const batchEnd = Math.min(plan.signals, i + BATCH);
    for (; i < batchEnd; i++) {
      const ordered = Math.floor(((i + 1) * plan.orders) / plan.signals) > Math.floor((i * plan.orders) / plan.signals);
      const [signal, line] = signalAt(plan, i, ordered);
      batch.signals.push(line);
      if (ordered) {
        const [order, relationship] = orderLines(signal, plan);
        batch.orders.push(order);
        batch.relationships.push(relationship);
      }
    }
    yield batch;
  }
}

/** Signals, orders and relationships stream into three COPYs at once: PostgreSQL fills the tables while
 *  the next chunk is generated. */
async function copyHistory(sql: postgres.Sql, plan: HistoryPlan, onProgress: OnProgress | undefined) {
  const copies: CopyIn[] = [];
  try {
    const signals = await openCopy(sql, "trading_signals", plan.newest ? NEWEST_SIGNAL_COLUMNS : SIGNAL_COLUMNS);
    copies.push(signals);
    const orders = await openCopy(sql, "orders", plan.newest ? NEWEST_ORDER_COLUMNS : ORDER_COLUMNS);
    copies.push(orders);
    const relationships = await openCopy(sql, "signal_order_relationships", RELATIONSHIP_COLUMNS);
    copies.push(relationships);
    for (const batch of historyBatches(plan)) {
      for (const line of batch.signals) signals.push(line);
      for (const line of batch.orders) orders.push(line);
      for (const line of batch.relationships) relationships.push(line);
      await Promise.all(copies.map((copy) => copy.flush()));
      for (const copy of copies) onProgress?.(copy.table, copy.rows);
    }
    return await Promise.all(copies.map((copy) => copy.finish()));
  } finally {
    for (const copy of copies) copy.close();
  }
}

const BULK_TABLES = ["trading_signals", "orders", "signal_order_relationships"] as const;

/** The same history inside a transaction, where one COPY runs at a time: signals first, the orders and
 *  relationships kept in memory meanwhile (tens of MB for a day's history; the bulk seed uses
 *  loadHistory). Keys and indexes are dropped and rebuilt in the transaction too (a third less time at
 *  a day's history); the tables stay locked until it commits. A table's seconds include its rebuild. */
export async function copyHistoryWithin(sql: postgres.Sql, tx: postgres.TransactionSql, plan: HistoryPlan): Promise<SeedTableReport[]> {
  const deferred = await readDeferredIndexes(tx, BULK_TABLES);
  await dropDeferredIndexes(tx, deferred);
  const orders: string[] = [];
  const relationships: string[] = [];
  const loaded = [
    await copyLines(sql, "trading_signals", plan.newest ? NEWEST_SIGNAL_COLUMNS : SIGNAL_COLUMNS, (function* () {
      for (const batch of historyBatches(plan)) {
        yield* batch.signals;
        orders.push(...batch.orders);
        relationships.push(...batch.relationships);
      }
    })(), tx),
    await copyLines(sql, "orders", plan.newest ? NEWEST_ORDER_COLUMNS : ORDER_COLUMNS, orders, tx),
    await copyLines(sql, "signal_order_relationships", RELATIONSHIP_COLUMNS, relationships, tx),
  ];
  const rebuild = new Map<string, number>();
  for (const index of [...deferred.filter((d) => !d.foreignKey), ...deferred.filter((d) => d.foreignKey)]) {
    const started = performance.now();
    await restoreDeferredIndexes(tx, [index]);
    rebuild.set(index.table, (rebuild.get(index.table) ?? 0) + (performance.now() - started) / 1000);
  }
  return loaded.map((report) => withSeconds(report, report.seconds + (rebuild.get(report.table) ?? 0)));
}

const withSeconds = (report: SeedTableReport, seconds: number): SeedTableReport => ({
  ...report,
  seconds,
  rowsPerSecond: seconds > 0 ? report.rows / seconds : report.rows,
});

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
  return loaded.map((report) => withSeconds(report, report.seconds + (rebuild.get(report.table) ?? 0)));
}

// Bulk history for the demo trading system: weeks of signals, orders and their signal_order_relationships
// (millions of rows, loaded with COPY) and the small tables that make them consistent: models and their metrics, positions and their
// snapshots, subscriptions, account balances and a little old execution_events history.
import { once } from "node:events";
import type { Writable } from "node:stream";
import type postgres from "postgres";
import { BadInputError } from "../errors.ts";
import { dropDeferredIndexes, readDeferredIndexes, restoreDeferredIndexesInParallel } from "./deferred-indexes.ts";
import {
  type Asset,
  FEE_RATE,
  MARKETS,
  type ModelType,
  QUALITY_METRICS,
  REJECTION_REASONS,
  STRATEGIES,
  type Strategy,
  between,
  drawStrategy,
  pick,
  roundTo,
} from "./market.ts";

export interface SeedOptions {
  signals: number;
  /** At most one order per signal; default one for every signal. */
  orders?: number;
  /** The history ends now and starts this many days ago (default 30). */
  days?: number;
  /** Called as rows are loaded, with the table's running total. */
  onProgress?: (table: string, rows: number) => void;
}

export interface SeedTableReport {
  table: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

export interface SeedReport {
  tables: SeedTableReport[];
  /** Wall time of the whole seed (signals and orders load concurrently). */
  seconds: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** order-manager cancels orders still pending after 5 minutes: older orders are never pending. */
const PENDING_TIMEOUT = 5 * MINUTE;
/** Signals per COPY chunk: about 1.5 MB of text for trading_signals. */
const BATCH = 5_000;
const NULL = "\\N";

/** A smooth, deterministic price path per asset: two slow waves around its base price. */
function marketPrice(asset: Asset, at: number): number {
  const { base, phase } = MARKETS[asset];
  const days = at / DAY;
  return base * (1 + 0.06 * Math.sin(days / 4.7 + phase) + 0.02 * Math.sin(days * 3.1 + 2 * phase));
}


// ---------------------------------------------------------------------------------------------------
// Time as the real tables hold it: TIMESTAMP without time zone, in UTC, formatted without Date objects
// (millions of rows: toISOString alone would cost seconds).

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, "0"));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, "0"));
const dates = new Map<number, string>();

/** Milliseconds since the epoch as 'YYYY-MM-DD HH:MM:SS.mmm' in UTC. */
export function utcText(ms: number): string {
  const whole = Math.floor(ms);
  const day = Math.floor(whole / DAY);
  let date = dates.get(day);
  if (date === undefined) {
    date = new Date(day * DAY).toISOString().slice(0, 10);
    dates.set(day, date);
  }
  let rest = whole - day * DAY;
  const hours = Math.floor(rest / HOUR);
  rest -= hours * HOUR;
  const minutes = Math.floor(rest / MINUTE);
  rest -= minutes * MINUTE;
  const seconds = Math.floor(rest / 1000);
  return `${date} ${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest - seconds * 1000]}`;
}

// ---------------------------------------------------------------------------------------------------
// COPY ... FROM STDIN through the postgres package, one reserved connection per table.

type CopyValue = string | number | boolean | null | undefined | object;

/** One value in COPY's text format. */
function copyText(value: CopyValue): string {
  if (value === null || value === undefined) return NULL;
  if (typeof value === "boolean") return value ? "t" : "f";
  if (typeof value === "number") return String(value);
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

class CopyIn {
  rows = 0;
  private lines: string[] = [];
  private drained: Promise<unknown> = Promise.resolve();
  private failure: Error | null = null;
  private finished = false;
  private readonly started = performance.now();

  constructor(
    readonly table: string,
    private readonly sql: postgres.Sql,
    private readonly connection: postgres.ReservedSql,
    private readonly backendPid: number,
    private readonly stream: Writable,
  ) {
    // Without a listener, a row the server rejects would crash the process instead of failing the seed.
    stream.on("error", (error) => (this.failure ??= error));
  }

  get buffered() {
    return this.lines.length;
  }

  push(line: string) {
    this.lines.push(line);
  }

  /** Sends the buffered lines as one chunk. One chunk stays in flight: the caller builds the next one
   *  while PostgreSQL reads this one, and waits for 'drain' only before writing again. */
  async flush(): Promise<void> {
    await this.drained;
    if (this.failure) throw this.failure;
    if (!this.lines.length) return;
    const text = `${this.lines.join("\n")}\n`;
    this.rows += this.lines.length;
    this.lines = [];
    if (!this.stream.write(text)) {
      const drained = once(this.stream, "drain");
      drained.catch(() => {}); // the failure is thrown by the next flush
      this.drained = drained;
    }
  }

  async finish(): Promise<SeedTableReport> {
    await this.flush();
    await this.drained;
    let settled = false;
    const finished = once(this.stream, "finish").then(() => void (settled = true));
    this.stream.end();
    await Promise.race([finished, this.watchForLostError(() => settled)]);
    this.finished = true;
    return tableReport(this.table, this.rows, this.started);
  }

  /** postgres 3.4.9 never settles a COPY that the server rejects after end() (a duplicate key found
   *  when the last rows are flushed; porsager/postgres#1173). When the backend has left the COPY but
   *  'finish' has not come, fail rather than wait forever. */
  private async watchForLostError(settled: () => boolean): Promise<void> {
    while (!settled()) {
      await Bun.sleep(250);
      const [backend] = await this.sql<{ state: string | null }[]>`SELECT state FROM pg_stat_activity WHERE pid = ${this.backendPid}`;
      if (settled() || backend?.state === "active") continue;
      await Bun.sleep(2_000); // a successful COPY's 'finish' follows its end within milliseconds
      if (!settled()) {
        throw new Error(
          `COPY into ${this.table} failed on the server after its last row; the postgres client loses the server's message ` +
            "in that case (porsager/postgres#1173): see the PostgreSQL log",
        );
      }
    }
  }

  /** Gives the connection back; a COPY not finished is aborted (CopyFail), so nothing half-loaded stays. */
  close() {
    if (!this.finished && !this.stream.destroyed) this.stream.destroy(new Error(`seed of ${this.table} aborted`));
    this.connection.release();
  }
}

async function openCopy(sql: postgres.Sql, table: string, columns: readonly string[]): Promise<CopyIn> {
  const connection = await sql.reserve();
  try {
    const [backend] = await connection<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    const stream = await connection`COPY ${connection(table)} (${connection(columns as string[])}) FROM STDIN`.writable();
    return new CopyIn(table, sql, connection, backend!.pid, stream);
  } catch (error) {
    connection.release();
    throw error;
  }
}

/** Loads rows of any table with COPY; values in column order (objects become JSON). */
export async function copyRows(
  sql: postgres.Sql,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly CopyValue[]>,
): Promise<SeedTableReport> {
  const copy = await openCopy(sql, table, columns);
  try {
    for (const row of rows) {
      copy.push(row.map(copyText).join("\t"));
      if (copy.buffered >= BATCH) await copy.flush();
    }
    return await copy.finish();
  } finally {
    copy.close();
  }
}

function tableReport(table: string, rows: number, startedAt: number): SeedTableReport {
  const seconds = (performance.now() - startedAt) / 1000;
  return { table, rows, seconds, rowsPerSecond: seconds > 0 ? rows / seconds : rows };
}

// ---------------------------------------------------------------------------------------------------
// Models: weekly training per strategy. Version names are global (v1, v2, ... across strategies, as
// model-service numbers them) and the newest model of each strategy is the only active one.

interface ModelVersion {
  id: string;
  version: string;
  strategy: Strategy;
  modelType: ModelType;
  trainedAt: number;
  durationSeconds: number;
  datasetSize: number;
  active: boolean;
  /** When the next model of the strategy replaced it. */
  retiredAt: number | null;
}

function planModels(start: number, end: number): ModelVersion[] {
  const planned: { strategy: Strategy; modelType: ModelType; trainedAt: number }[] = [];
  STRATEGIES.forEach((strategy, index) => {
    if (!strategy.modelType) return;
    // The first model comes a day or two into the history: earlier signals of the strategy are warm-up.
    for (let week = start + (1 + index / 2) * DAY; week < end; week += 7 * DAY) {
      const trainedAt = Math.round(week + between(0, 6) * HOUR);
      if (trainedAt < end) planned.push({ strategy, modelType: strategy.modelType, trainedAt });
    }
  });
  planned.sort((a, b) => a.trainedAt - b.trainedAt);
  const models = planned.map((plan, index) => ({
    ...plan,
    id: crypto.randomUUID(),
    version: `v${index + 1}`,
    durationSeconds: Math.round(between(20, 400)),
    datasetSize: Math.round(between(5_000, 50_000)),
    active: false,
    retiredAt: null as number | null,
  }));
  for (const strategy of STRATEGIES) {
    const own = models.filter((model) => model.strategy === strategy);
    own.forEach((model, index) => (model.retiredAt = own[index + 1]?.trainedAt ?? null));
    const newest = own.at(-1);
    if (newest) newest.active = true;
  }
  return models;
}

/** The model a strategy used at a time; times must be asked in increasing order (signals are generated
 *  chronologically), so each lookup is O(1). */
function activeModels(models: ModelVersion[]) {
  const byStrategy = new Map(STRATEGIES.map((s) => [s, models.filter((m) => m.strategy === s)]));
  const next = new Map(STRATEGIES.map((s) => [s, 0]));
  return (strategy: Strategy, at: number): string | null => {
    const own = byStrategy.get(strategy)!;
    let index = next.get(strategy)!;
    while (index < own.length && own[index]!.trainedAt <= at) index++;
    next.set(strategy, index);
    return index === 0 ? null : own[index - 1]!.version;
  };
}

function modelRows(models: ModelVersion[]) {
  return models.map((m) => [
    m.id, m.version, `/models/${m.strategy.id}/${m.version}.pkl`, m.modelType, m.strategy.id, utcText(m.trainedAt),
    m.durationSeconds, m.datasetSize, { learning_rate: 0.1, max_depth: 6, lookback_minutes: 60 }, m.active,
    // Never true in practice: warm-up means "no active model".
    false, utcText(m.trainedAt), utcText(m.retiredAt ?? m.trainedAt),
  ]);
}
const MODEL_COLUMNS = [
  "id", "version", "file_path", "model_type", "strategy_id", "trained_at", "training_duration_seconds",
  "training_dataset_size", "training_config", "is_active", "is_warmup_mode", "created_at", "updated_at",
] as const;

/** About a dozen metrics per training, on the test split, as model-service records them. */
function metricRows(models: ModelVersion[]) {
  return models.flatMap((m) =>
    QUALITY_METRICS.map(([name, type, low, high]) => [
      m.id, name, roundTo(between(low, high), 8), type, utcText(m.trainedAt + m.durationSeconds * 1000),
      Math.round(m.datasetSize * 0.2), { dataset_split: "test" },
    ]),
  );
}
const METRIC_COLUMNS = [
  "model_version_id", "metric_name", "metric_value", "metric_type", "evaluated_at", "evaluation_dataset_size", "metadata",
] as const;

// ---------------------------------------------------------------------------------------------------
// Signals and orders: the bulk of the history, written line by line in COPY text format. Every value
// below is generated here (no tabs, backslashes or newlines), so no escaping is needed.

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

interface HistoryPlan {
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
async function copyHistory(sql: postgres.Sql, plan: HistoryPlan, onProgress: SeedOptions["onProgress"]) {
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

// ---------------------------------------------------------------------------------------------------
// The bulk tables' keys and indexes are dropped for the load and rebuilt after it (deferred-indexes.ts).

const BULK_TABLES = ["trading_signals", "orders", "signal_order_relationships"] as const;

/** Signals, orders and their relationships without their keys and indexes, which are rebuilt afterwards
 *  (also when the load fails, so the schema is whole again). A table's seconds include its rebuild. */
async function loadHistory(sql: postgres.Sql, plan: HistoryPlan, onProgress: SeedOptions["onProgress"]): Promise<SeedTableReport[]> {
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

// ---------------------------------------------------------------------------------------------------
// Positions: one row per asset and mode, reused across open and close, with a snapshot every 5 minutes.

interface Leg {
  size: number;
  average: number;
}

interface PositionBook {
  id: string;
  asset: Asset;
  mode: "one-way" | "hedge";
  long: Leg;
  short: Leg;
  realized: number;
  trades: number;
  lastTradeAt: number;
  closedAt: number | null;
  /** After this time the position is closed for good (null: it keeps trading). */
  retireAt: number | null;
}

const POSITIONS: { asset: Asset; mode: "one-way" | "hedge"; retireShare: number | null }[] = [
  { asset: "BTCUSDT", mode: "one-way", retireShare: null },
  { asset: "ETHUSDT", mode: "one-way", retireShare: null },
  { asset: "SOLUSDT", mode: "one-way", retireShare: null },
  // Closed before the end of the history: closed_at set, size 0.
  { asset: "XRPUSDT", mode: "one-way", retireShare: 0.8 },
  { asset: "BTCUSDT", mode: "hedge", retireShare: null },
];

/** One fill on a position: opens or adds to a leg, or reduces it and realizes PnL (fees included). */
function trade(book: PositionBook, at: number, price: number, closeAll = false) {
  const digits = MARKETS[book.asset].quantityDigits;
  const side: "long" | "short" =
    book.mode === "hedge" || (book.long.size === 0 && book.short.size === 0)
      ? Math.random() < 0.5 ? "long" : "short"
      : book.long.size > 0 ? "long" : "short"; // one-way mode: only the open leg trades
  const legs = closeAll ? (["long", "short"] as const) : [side];
  for (const name of legs) {
    const leg = book[name];
    const lot = roundTo(between(200, 2_000) / price, digits);
    const direction = name === "long" ? 1 : -1;
    let quantity = lot;
    if (!closeAll && (leg.size === 0 || Math.random() < 0.5)) {
      leg.average = (leg.average * leg.size + price * lot) / (leg.size + lot);
      leg.size = roundTo(leg.size + lot, digits);
    } else {
      quantity = closeAll || Math.random() < 0.3 ? leg.size : Math.min(lot, leg.size);
      book.realized += (price - leg.average) * quantity * direction;
      leg.size = roundTo(leg.size - quantity, digits);
      if (leg.size === 0) leg.average = 0;
    }
    book.realized -= quantity * price * FEE_RATE.Market;
  }
  book.trades++;
  book.lastTradeAt = at;
  // closed_at is set when the position goes flat and reset to NULL when it reopens.
  book.closedAt = book.long.size === 0 && book.short.size === 0 ? at : null;
}

function positionState(book: PositionBook, price: number) {
  const { long, short } = book;
  const unrealized = (price - long.average) * long.size + (short.average - price) * short.size;
  const average = long.size >= short.size ? long.average : short.average;
  return {
    size: roundTo(long.size - short.size, 8),
    average: long.size === 0 && short.size === 0 ? null : roundTo(average, 8),
    unrealized: roundTo(unrealized, 8),
    realized: roundTo(book.realized, 8),
  };
}

function simulatePositions(start: number, end: number) {
  const snapshotEvery = 5 * MINUTE;
  const books: PositionBook[] = POSITIONS.map(({ asset, mode, retireShare }) => ({
    id: crypto.randomUUID(), asset, mode, long: { size: 0, average: 0 }, short: { size: 0, average: 0 },
    realized: 0, trades: 0, lastTradeAt: start, closedAt: null,
    retireAt: retireShare === null ? null : start + (end - start) * retireShare,
  }));
  const snapshots: CopyValue[][] = [];
  let lastSnapshotAt = start;
  for (let at = start; at <= end; at += snapshotEvery) {
    for (const book of books) {
      const price = marketPrice(book.asset, at);
      const retiring = book.retireAt !== null && at >= book.retireAt;
      if (retiring && book.closedAt === null) trade(book, at, price, true);
      else if (!retiring && (book.trades === 0 || Math.random() < 0.04)) trade(book, at, price);
      const state = positionState(book, price);
      snapshots.push([
        book.id, book.asset, state.size, state.average, state.unrealized, state.realized, book.mode,
        book.long.size, book.short.size, utcText(at),
      ]);
    }
    lastSnapshotAt = at;
  }
  const positions = books.map((book) => {
    const price = marketPrice(book.asset, lastSnapshotAt);
    const state = positionState(book, price);
    return [
      book.id, book.asset, state.size, state.average, state.unrealized, state.realized, book.mode, book.long.size,
      book.short.size, book.long.size ? roundTo(book.long.average, 8) : null, book.short.size ? roundTo(book.short.average, 8) : null,
      utcText(lastSnapshotAt), utcText(lastSnapshotAt), roundTo(price, 8), book.trades + 1, utcText(start),
      book.closedAt === null ? null : utcText(book.closedAt),
    ];
  });
  return { positions, snapshots };
}
const POSITION_COLUMNS = [
  "id", "asset", "size", "average_entry_price", "unrealized_pnl", "realized_pnl", "mode", "long_size", "short_size",
  "long_avg_price", "short_avg_price", "last_updated", "last_snapshot_at", "current_price", "version", "created_at", "closed_at",
] as const;
const SNAPSHOT_COLUMNS = [
  "position_id", "asset", "size", "average_entry_price", "unrealized_pnl", "realized_pnl", "mode", "long_size", "short_size",
  "snapshot_timestamp",
] as const;

// ---------------------------------------------------------------------------------------------------
// Subscriptions, balances and old execution events.

/** ws-gateway's subscriptions: active rows were touched by the last market message (updated_at is not a
 *  lifecycle time while active); inactive rows keep their cancellation time in updated_at. */
function subscriptionRows(start: number, now: number) {
  const rows: CopyValue[][] = [];
  const add = (channel: string, symbol: string | null, topic: string, service: string, cancelledAt: number | null = null) => {
    const createdAt = start + between(0, 2) * HOUR;
    const touchedAt = cancelledAt ?? now - between(0, 3_000);
    rows.push([channel, symbol, topic, service, cancelledAt === null, utcText(createdAt), utcText(touchedAt), utcText(touchedAt - between(0, 1_000))]);
  };
  add("order", "*", "order", "order-manager");
  add("position", null, "position", "position-manager");
  add("balance", null, "wallet", "order-manager");
  for (const asset of Object.keys(MARKETS) as Asset[]) {
    add("ticker", asset, `tickers.${asset}`, "model-service");
    add("trades", asset, `publicTrade.${asset}`, "model-service");
    add("orderbook", asset, `orderbook.50.${asset}`, "model-service");
    add("kline", asset, `kline.1.${asset}`, "model-service", now - between(1, 10) * DAY);
  }
  add("liquidation", null, "liquidation", "position-manager", now - 3 * DAY);
  return rows;
}
const SUBSCRIPTION_COLUMNS = [
  "channel_type", "symbol", "topic", "requesting_service", "is_active", "created_at", "updated_at", "last_event_at",
] as const;

/** Hourly wallet events for USDT and BTC, and the unified account's margin: what Grafana must never read. */
function balanceRows(start: number, end: number) {
  const balances: CopyValue[][] = [];
  const margins: CopyValue[][] = [];
  let usdt = 25_000;
  for (let at = start; at <= end; at += HOUR) {
    usdt = roundTo(usdt + between(-40, 45), 8);
    const frozen = roundTo(between(0, 2_000), 8);
    const btc = roundTo(0.15 + between(-0.01, 0.01), 8);
    balances.push(["USDT", usdt, roundTo(usdt - frozen, 8), frozen, utcText(at), crypto.randomUUID(), utcText(at + 150), utcText(at + 150)]);
    balances.push(["BTC", btc, btc, 0, utcText(at), crypto.randomUUID(), utcText(at + 150), utcText(at + 150)]);
    const equity = roundTo(usdt + btc * marketPrice("BTCUSDT", at), 8);
    margins.push(["UNIFIED", equity, equity, equity, roundTo(equity - frozen, 8), frozen, roundTo(frozen * 0.5, 8), "USD", utcText(at), utcText(at + 150)]);
  }
  return { balances, margins };
}
const BALANCE_COLUMNS = ["coin", "wallet_balance", "available_balance", "frozen", "timestamp", "trace_id", "received_at", "created_at"] as const;
const MARGIN_COLUMNS = [
  "account_type", "total_equity", "total_wallet_balance", "total_margin_balance", "total_available_balance",
  "total_initial_margin", "total_maintenance_margin", "base_currency", "timestamp", "received_at",
] as const;

/** Nothing writes execution_events any more: a few hundred rows from the oldest fills, with
 *  realized_pnl JSON null as it has always been. Fills before the first model fed its training. */
async function insertOldExecutionEvents(sql: postgres.Sql, firstModel: ModelVersion | undefined): Promise<SeedTableReport> {
  const started = performance.now();
  const trainedAt = firstModel ? utcText(firstModel.trainedAt) : null;
  const inserted = await sql`
    INSERT INTO execution_events (signal_id, strategy_id, asset, side, execution_price, execution_quantity, execution_fees,
      executed_at, signal_price, signal_timestamp, performance, created_at, used_for_training, training_id)
    SELECT s.signal_id, s.strategy_id, s.asset, s.side, o.average_price, o.filled_quantity, o.fees, o.executed_at,
      s.price, s."timestamp",
      jsonb_build_object('slippage', o.average_price - s.price,
        'slippage_percent', round((o.average_price - s.price) / s.price * 100, 6),
        'realized_pnl', NULL, 'return_percent', NULL),
      o.executed_at, COALESCE(o.executed_at < ${trainedAt}::timestamp, false),
      CASE WHEN o.executed_at < ${trainedAt}::timestamp THEN ${firstModel?.id ?? null}::uuid END
    FROM (SELECT * FROM orders WHERE status = 'filled' ORDER BY created_at LIMIT 500) o
    JOIN trading_signals s ON s.signal_id = o.signal_id`;
  return tableReport("execution_events", inserted.count, started);
}

// ---------------------------------------------------------------------------------------------------

function checkOptions(options: SeedOptions): { signals: number; orders: number; days: number } {
  const signals = options.signals;
  const orders = options.orders ?? signals;
  const days = options.days ?? 30;
  const problems: string[] = [];
  if (!Number.isInteger(signals) || signals < 0) problems.push(`signals: expected a whole number >= 0, got ${signals}`);
  if (!Number.isInteger(orders) || orders < 0) problems.push(`orders: expected a whole number >= 0, got ${orders}`);
  else if (orders > signals) problems.push(`orders: at most one order per signal, got ${orders} orders for ${signals} signals`);
  if (!(days > 0)) problems.push(`days: expected a number > 0, got ${days}`);
  if (problems.length) throw new BadInputError("Cannot seed the demo history:", problems);
  return { signals, orders, days };
}

/** Seeding appends a whole history (model versions v1.., one position per asset and mode): it needs an
 *  empty demo database, or versions and positions would collide with what is there. */
async function requireEmpty(sql: postgres.Sql) {
  const [found] = await sql<Record<string, boolean>[]>`
    SELECT EXISTS (SELECT 1 FROM trading_signals) AS trading_signals, EXISTS (SELECT 1 FROM orders) AS orders,
      EXISTS (SELECT 1 FROM model_versions) AS model_versions, EXISTS (SELECT 1 FROM positions) AS positions`;
  const used = Object.entries(found ?? {}).filter(([, hasRows]) => hasRows).map(([table]) => table);
  if (used.length) {
    throw new BadInputError(`The demo database already holds rows in ${used.join(", ")}: seed a fresh database (the seed loads a whole history).`);
  }
}

/** Loads a consistent history of `days` days ending now, with COPY. The demo schema must be applied. */
export async function seedDemo(sql: postgres.Sql, options: SeedOptions): Promise<SeedReport> {
  const { signals, orders, days } = checkOptions(options);
  // Three COPY connections at once, plus one to watch them.
  if (sql.options.max < 4) throw new BadInputError(`seedDemo needs a connection pool of at least 4 (max: ${sql.options.max})`);
  await requireEmpty(sql);
  const started = performance.now();
  const now = Date.now();
  const end = now - 10_000; // the newest order still fills before "now"
  const start = end - days * DAY;
  const tables: SeedTableReport[] = [];
  const record = (report: SeedTableReport) => {
    tables.push(report);
    options.onProgress?.(report.table, report.rows);
  };

  const models = planModels(start, end);
  record(await copyRows(sql, "model_versions", MODEL_COLUMNS, modelRows(models)));
  record(await copyRows(sql, "model_quality_metrics", METRIC_COLUMNS, metricRows(models)));

  const plan: HistoryPlan = { signals, orders, start, step: (end - start) / Math.max(signals, 1), now, modelAt: activeModels(models) };
  for (const report of await loadHistory(sql, plan, options.onProgress)) record(report);
  // Fresh statistics: for the join below, and so that the first dashboard queries after a seed get the
  // plans they will get in production.
  await sql`ANALYZE trading_signals, orders, signal_order_relationships`;
  record(await insertOldExecutionEvents(sql, models[0]));

  const { positions, snapshots } = simulatePositions(start, end);
  record(await copyRows(sql, "positions", POSITION_COLUMNS, positions));
  record(await copyRows(sql, "position_snapshots", SNAPSHOT_COLUMNS, snapshots));
  record(await copyRows(sql, "subscriptions", SUBSCRIPTION_COLUMNS, subscriptionRows(start, now)));
  const { balances, margins } = balanceRows(start, end);
  record(await copyRows(sql, "account_balances", BALANCE_COLUMNS, balances));
  record(await copyRows(sql, "account_margin_balances", MARGIN_COLUMNS, margins));

  return { tables, seconds: (performance.now() - started) / 1000 };
}

// What the demo's live activity writes, one function a step, through the same tables and with the same
// quirks as the real services (see source-system.md). activity.ts decides when each step runs.
import type postgres from "postgres";
import type { DemoState, TrainingRun } from "./state.ts";
import {
  ASSET_NAMES,
  type Asset,
  FEE_RATE,
  MARKETS,
  QUALITY_METRICS,
  REJECTION_REASONS,
  STRATEGIES,
  SUBSCRIPTIONS,
  between,
  drawStrategy,
  pick,
  roundTo,
} from "./market.ts";
import { marketPrice } from "./seed-clock.ts";
import { activeModel, applyFillNewest, snapshotNewest, stampOrderHorizon, trainingSymbol, writeNewestSignal } from "./activity-newest.ts";

/** Where order and position events go (RabbitMQ in the demo); optional so the generator runs alone. */
export interface EventPublisher {
  publish(queue: string, message: unknown): void;
}

/** Real timings in seconds; the activity divides them by its pace. */
export const SECONDS = {
  orderDecision: 3,
  pendingTimeout: 300,
  snapshotEvery: 300,
  trainingEvery: 3600,
  trainingTakes: 40,
  subscriptionChurn: 120,
  /** Now and then a model is dropped (a failed quality gate, say): a warm-up stretch follows. */
  modelRetireEvery: 5400,
};

/** What the activity writes at pace 1, besides its timings: the backfill writes history at these rates. */
export const RATES = {
  signalsPerSecond: 1,
  /** A few signals never become orders (risk limits). */
  orderShare: 0.9,
  /** Shares of the orders placed: rejected before the exchange, and dry runs. */
  rejected: 0.07,
  dryRun: 0.05,
  /** Of the orders sent to the exchange: filled only partly, and left pending until the 5-minute sweep. */
  partial: 0.08,
  stillPending: 0.1,
  /** Limit orders (priced); the rest are Market orders. */
  limit: 0.3,
};

/** The channels model-service subscribes to and drops now and then, and the active subscriptions below
 *  which it drops none. */
export const CHURN_CHANNELS = ["kline", "trades", "orderbook", "funding"] as const;
export const MIN_ACTIVE_SUBSCRIPTIONS = 8;

export interface OpenOrder {
  id: string;
  signalId: string;
  asset: Asset;
  side: "buy" | "sell";
  quantity: number;
  price: number;
  decideAt: number;
}

/** What the steps share: the database, the demo's state, the market and the orders awaiting a fill. */
export interface Market {
  sql: postgres.Sql;
  state: DemoState;
  publisher?: EventPublisher;
  pace: number;
  prices: Record<Asset, number>;
  open: OpenOrder[];
  counts: { signals: number; orders: number; fills: number; trainings: number };
  /** The database has the newest schema shape: rows are written the way the newest services write them
   *  (activity-newest.ts). */
  newest: boolean;
}

export function newMarket(sql: postgres.Sql, state: DemoState, pace: number, publisher?: EventPublisher, newest = false): Market {
  return {
    newest,
    sql,
    state,
    publisher,
    pace,
    // Where the seeded and backfilled history's price path is now, so that live prices carry on from it.
    prices: Object.fromEntries(ASSET_NAMES.map((asset) => [asset, roundTo(marketPrice(asset, Date.now()), 6)])) as Record<Asset, number>,
    open: [],
    counts: { signals: 0, orders: 0, fills: 0, trainings: 0 },
  };
}

/** Prices wander a little every tick. */
export function movePrices(market: Market): void {
  for (const asset of ASSET_NAMES) market.prices[asset] = roundTo(market.prices[asset] * (1 + between(-0.0008, 0.0008)), 6);
}

/** model-service's signal, and order-manager's order for most of them. */
export async function emitSignal(market: Market): Promise<void> {
  const { sql, prices, publisher } = market;
  const { id: strategy, assets } = drawStrategy();
  const asset = pick(assets);
  const side = Math.random() < 0.5 ? "buy" : "sell";
  const price = prices[asset];
  if (market.newest) {
    // Every inference writes a row; only accepted signals are published and ordered.
    const accepted = await writeNewestSignal(market, strategy, asset, side, price, await activeModel(sql, strategy, asset));
    if (!accepted) return;
    publisher?.publish("model-service.trading_signals", { signal_id: accepted, strategy_id: strategy, asset, side, price });
    if (Math.random() < RATES.orderShare) await placeOrder(market, accepted, asset, side, price);
    return;
  }
  // Warm-up in practice: no active model for the strategy; the signal then has no model_version.
  const [model] = await sql<{ version: string }[]>`
    SELECT version FROM model_versions WHERE strategy_id = ${strategy} AND is_active LIMIT 1`;
  const [signal] = await sql<{ signal_id: string }[]>`
    INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, confidence, timestamp, model_version,
      is_warmup, market_data_snapshot, metadata, trace_id)
    VALUES (gen_random_uuid(), ${strategy}, ${asset}, ${side}, ${price}, ${roundTo(between(0.5, 0.99), 4)},
      timezone('utc', now()), ${model?.version ?? null}, ${!model},
      ${sql.json({ price, spread: roundTo(price * 0.0001, 6) })}, ${sql.json({ source: "demo" })}, ${crypto.randomUUID()})
    RETURNING signal_id`;
  market.counts.signals++;
  publisher?.publish("model-service.trading_signals", { signal_id: signal!.signal_id, strategy_id: strategy, asset, side, price });
  // At most one order per signal; a few signals never become orders (risk limits).
  if (Math.random() < RATES.orderShare) await placeOrder(market, signal!.signal_id, asset, side, price);
}

async function placeOrder(market: Market, signalId: string, asset: Asset, side: "buy" | "sell", price: number) {
  const { sql, state, pace, publisher } = market;
  const started = performance.now();
  const quantity = roundTo(between(50, 500) / MARKETS[asset].base, MARKETS[asset].quantityDigits);
  const roll = Math.random();
  if (roll < RATES.rejected) {
    // Rejected locally before reaching the exchange: the real order-manager stores REJECTED-<signal_id>.
    const [order] = await sql<{ id: string }[]>`
      INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, price, status, rejection_reason, trace_id)
      VALUES (${`REJECTED-${signalId}`}, ${signalId}, ${asset}, ${side === "buy" ? "Buy" : "SELL"}, 'Market', ${quantity}, NULL,
        'rejected', ${pick(REJECTION_REASONS)}, NULL)
      RETURNING id`;
    await linkSignalToOrder(sql, signalId, order!.id);
    if (market.newest) await stampOrderHorizon(sql, order!.id, signalId);
    state.orderManager.errorCounts.rejected = (state.orderManager.errorCounts.rejected ?? 0) + 1;
  } else {
    const dryRun = roll < RATES.rejected + RATES.dryRun;
    const limit = Math.random() < RATES.limit;
    const [order] = await sql<{ id: string }[]>`
      INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, price, status, is_dry_run, trace_id)
      VALUES (${dryRun ? `DRY-${signalId}` : crypto.randomUUID()}, ${signalId}, ${asset}, ${side === "buy" ? "Buy" : "SELL"},
        ${limit ? "Limit" : "Market"}, ${quantity}, ${limit ? price : null}, ${dryRun ? "dry_run" : "pending"}, ${dryRun}, NULL)
      RETURNING id`;
    await linkSignalToOrder(sql, signalId, order!.id);
    if (market.newest) await stampOrderHorizon(sql, order!.id, signalId);
    if (!dryRun) {
      market.open.push({ id: order!.id, signalId, asset, side, quantity, price, decideAt: Date.now() + (between(0.5, 1.5) * SECONDS.orderDecision * 1000) / pace });
    }
  }
  market.counts.orders++;
  state.orderManager.latenciesMs.push(roundTo(performance.now() - started, 2));
  if (state.orderManager.latenciesMs.length > 500) state.orderManager.latenciesMs.shift();
  publisher?.publish("order-manager.order_events", { signal_id: signalId, event: "created" });
}

/** order-manager's row for every order it creates, rejected ones included: one signal, one order. */
async function linkSignalToOrder(sql: postgres.Sql, signalId: string, orderId: string) {
  await sql`
    INSERT INTO signal_order_relationships (signal_id, order_id, relationship_type, execution_sequence)
    VALUES (${signalId}, ${orderId}, 'one_to_one', 1)`;
}

/** The orders whose decision time has come, taken off the open list. */
export function dueOrders(market: Market, now: number): OpenOrder[] {
  const due = market.open.filter((order) => order.decideAt <= now);
  market.open = market.open.filter((order) => order.decideAt > now);
  return due;
}

/** Most orders fill, some fill partly, the rest stay pending until the 5-minute cancel sweep. */
export async function decideOrder(market: Market, order: OpenOrder): Promise<void> {
  const roll = Math.random();
  if (roll >= 1 - RATES.stillPending) return; // stays pending: cancelled by cancelStalePending after the timeout
  const partial = roll >= 1 - RATES.stillPending - RATES.partial;
  const filled = roundTo(partial ? order.quantity * between(0.2, 0.8) : order.quantity, 6);
  const executionPrice = roundTo(order.price * (1 + (order.side === "buy" ? 1 : -1) * between(0, 0.0015)), 8);
  const fees = roundTo(filled * executionPrice * FEE_RATE.Market, 8);
  await market.sql`
    UPDATE orders SET status = ${partial ? "partially_filled" : "filled"}, filled_quantity = ${filled},
      average_price = ${executionPrice}, fees = ${fees}, executed_at = timezone('utc', now()), updated_at = timezone('utc', now())
    WHERE id = ${order.id} AND status = 'pending'`;
  market.counts.fills++;
  market.publisher?.publish("order-manager.order_events", { order_id: order.id, event: partial ? "partially_filled" : "filled" });
  const delta = order.side === "buy" ? filled : -filled;
  if (market.newest) await applyFillNewest(market, order.id, order.asset, delta, executionPrice, fees);
  else await applyFill(market, order.asset, delta, executionPrice, fees);
  market.state.positionManager.totalValidations++;
}

/** One position row per asset (one-way mode), reused across open and close as in the real system. */
async function applyFill(market: Market, asset: Asset, delta: number, price: number, fees: number) {
  const { sql, prices, state, publisher } = market;
  const [position] = await sql<{ id: string; size: string; average_entry_price: string | null; realized_pnl: string | null }[]>`
    SELECT id, size, average_entry_price, realized_pnl FROM positions WHERE asset = ${asset} AND mode = 'one-way'`;
  const size = Number(position?.size ?? 0);
  const entry = Number(position?.average_entry_price ?? price);
  const newSize = roundTo(size + delta, 8);
  let realized = Number(position?.realized_pnl ?? 0) - fees;
  let newEntry = entry;
  if (size === 0 || Math.sign(size) === Math.sign(delta)) {
    newEntry = size === 0 ? price : (entry * Math.abs(size) + price * Math.abs(delta)) / Math.abs(newSize);
  } else {
    const closed = Math.min(Math.abs(delta), Math.abs(size));
    realized += closed * (price - entry) * Math.sign(size);
    if (Math.sign(newSize) !== Math.sign(size) && newSize !== 0) newEntry = price;
  }
  const unrealized = roundTo(newSize * (prices[asset] - newEntry), 8);
  if (!position) {
    await sql`
      INSERT INTO positions (asset, size, average_entry_price, unrealized_pnl, realized_pnl, mode, long_size, short_size,
        last_updated, current_price, version, created_at)
      VALUES (${asset}, ${newSize}, ${roundTo(newEntry, 8)}, ${unrealized}, ${roundTo(realized, 8)}, 'one-way', ${Math.max(newSize, 0)},
        ${Math.max(-newSize, 0)}, timezone('utc', now()), ${prices[asset]}, 1, timezone('utc', now()))`;
  } else {
    await sql`
      UPDATE positions SET size = ${newSize}, average_entry_price = ${roundTo(newEntry, 8)}, unrealized_pnl = ${unrealized},
        realized_pnl = ${roundTo(realized, 8)}, long_size = ${Math.max(newSize, 0)}, short_size = ${Math.max(-newSize, 0)},
        current_price = ${prices[asset]}, last_updated = timezone('utc', now()), version = version + 1,
        closed_at = ${newSize === 0 ? sql`timezone('utc', now())` : null}
      WHERE id = ${position.id}`;
  }
  publisher?.publish("position-manager.position_updated", { asset, size: newSize });
  publisher?.publish("position-manager.portfolio_updated", { asset, size: newSize });
}

/** order-manager's sweep: orders pending past the timeout are cancelled. */
export async function cancelStalePending(market: Market): Promise<void> {
  const cancelled = await market.sql`
    UPDATE orders SET status = 'cancelled', updated_at = timezone('utc', now())
    WHERE status = 'pending' AND created_at < timezone('utc', now()) - make_interval(secs => ${SECONDS.pendingTimeout / market.pace})
    RETURNING id`;
  for (const row of cancelled) market.publisher?.publish("order-manager.order_events", { order_id: row.id, event: "cancelled" });
}

export async function snapshotPositions(market: Market): Promise<void> {
  const { sql } = market;
  if (market.newest) {
    await snapshotNewest(market);
    market.publisher?.publish("position-manager.position_snapshot_created", { at: new Date().toISOString() });
    return;
  }
  await sql`
    INSERT INTO position_snapshots (position_id, asset, size, average_entry_price, unrealized_pnl, realized_pnl, mode,
      long_size, short_size, snapshot_timestamp)
    SELECT id, asset, size, average_entry_price, unrealized_pnl, realized_pnl, mode, long_size, short_size, timezone('utc', now())
    FROM positions`;
  await sql`UPDATE positions SET last_snapshot_at = timezone('utc', now())`;
  market.publisher?.publish("position-manager.position_snapshot_created", { at: new Date().toISOString() });
}

/** Every market message touches last_event_at and updated_at of active rows (a real quirk). */
export async function touchSubscriptions(market: Market): Promise<void> {
  await market.sql`UPDATE subscriptions SET last_event_at = timezone('utc', now()), updated_at = timezone('utc', now()) WHERE is_active`;
}

/** model-service subscribes to a channel now and then, and the oldest market subscription goes. */
export async function churnSubscriptions(market: Market): Promise<void> {
  const { sql } = market;
  const asset = pick(ASSET_NAMES);
  const channel = pick(CHURN_CHANNELS);
  await sql`
    INSERT INTO subscriptions (channel_type, symbol, topic, requesting_service)
    VALUES (${channel}, ${asset}, ${`${channel}.${asset}`}, 'model-service')`;
  await sql`
    UPDATE subscriptions SET is_active = false, updated_at = timezone('utc', now())
    WHERE id = (SELECT id FROM subscriptions WHERE is_active AND channel_type = ANY (${CHURN_CHANNELS as unknown as string[]})
                ORDER BY created_at LIMIT 1)
      AND (SELECT count(*) FROM subscriptions WHERE is_active) > ${MIN_ACTIVE_SUBSCRIPTIONS}`;
}

/** A strategy's active model is dropped: its signals are warm-up signals until the next training. */
export async function retireModel(sql: postgres.Sql, strategy: string): Promise<void> {
  await sql`UPDATE model_versions SET is_active = false, updated_at = timezone('utc', now()) WHERE strategy_id = ${strategy} AND is_active`;
}

/** A training that model-service has started: only its status route knows it (the database gets the
 *  result). `finish` records it, or abandons it when the demo stops first. */
export function beginTraining(market: Market, strategy: string): TrainingRun {
  const run: TrainingRun = { strategy_id: strategy, model_version: null, started_at: new Date().toISOString(), dataset_size: Math.floor(between(5000, 50000)) };
  market.state.training.isTraining = true;
  market.state.training.current = run;
  return run;
}

export async function finishTraining(market: Market, run: TrainingRun, record: boolean): Promise<void> {
  const { state } = market;
  try {
    if (record) {
      const assets = STRATEGIES.find((s) => s.id === run.strategy_id)?.assets ?? [];
      run.model_version = await recordTrainedModel(market.sql, run.strategy_id, run.dataset_size, market.newest && assets.length ? trainingSymbol(assets) : null);
      market.counts.trainings++;
      market.publisher?.publish("features.dataset.ready", { strategy_id: run.strategy_id, version: run.model_version });
    }
  } finally {
    run.completed_at = new Date().toISOString();
    state.training.isTraining = false;
    state.training.current = null;
    if (record) state.training.last = run;
    state.training.nextScheduledAt = new Date(Date.now() + (SECONDS.trainingEvery * 1000) / market.pace);
  }
}

/** A trained model: a new model_versions row made active for its strategy, and a dozen quality metrics. */
export async function recordTrainedModel(sql: postgres.Sql, strategy: string, datasetSize: number, symbol: string | null = null): Promise<string> {
  return sql.begin(async (tx) => {
    const [{ next }] = (await tx`SELECT count(*) + 1 AS next FROM model_versions`) as unknown as [{ next: string }];
    const version = `v${next}`;
    const modelType = STRATEGIES.find((s) => s.id === strategy)?.modelType ?? "sgd_classifier";
    // Activation deactivates the active model of the same strategy (and, in the newest shape, symbol).
    await (symbol
      ? tx`UPDATE model_versions SET is_active = false, updated_at = timezone('utc', now()) WHERE strategy_id = ${strategy} AND symbol = ${symbol} AND is_active`
      : tx`UPDATE model_versions SET is_active = false, updated_at = timezone('utc', now()) WHERE strategy_id = ${strategy} AND is_active`);
    const [model] = await tx<{ id: string }[]>`
      INSERT INTO model_versions (version, file_path, model_type, strategy_id, trained_at, training_duration_seconds,
        training_dataset_size, training_config, is_active)
      VALUES (${version}, ${`/models/${strategy}/${version}.pkl`}, ${modelType}, ${strategy}, timezone('utc', now()),
        ${Math.floor(between(20, 400))}, ${datasetSize}, ${tx.json({ learning_rate: 0.1, max_depth: 6 })}, ${!symbol})
      RETURNING id`;
    // The newest shape: the model is the symbol's, activated once it has its symbol.
    if (symbol) await tx`UPDATE model_versions SET symbol = ${symbol}, is_active = true WHERE id = ${model!.id}`;
    for (const [name, type, low, high] of QUALITY_METRICS) {
      await tx`
        INSERT INTO model_quality_metrics (model_version_id, metric_name, metric_value, metric_type, evaluated_at,
          evaluation_dataset_size, metadata)
        VALUES (${model!.id}, ${name}, ${roundTo(between(low, high), 8)}, ${type}, timezone('utc', now()), ${Math.floor(datasetSize * 0.2)},
          ${tx.json({ dataset_split: "test" })})`;
    }
    return version;
  });
}

/** What a freshly started demo finds: the running gateway's subscriptions and old execution history. */
export async function ensureStartingState(sql: postgres.Sql): Promise<void> {
  const [{ count }] = (await sql`SELECT count(*)::int AS count FROM subscriptions`) as unknown as [{ count: number }];
  if (count === 0) {
    for (const { channel, symbol, topic, service } of SUBSCRIPTIONS.filter((s) => !s.cancelled)) {
      await sql`INSERT INTO subscriptions (channel_type, symbol, topic, requesting_service) VALUES (${channel}, ${symbol}, ${topic}, ${service})`;
    }
  }
  // Nothing writes execution_events any more: a little old history, realized_pnl mostly JSON null.
  const [{ events }] = (await sql`SELECT count(*)::int AS events FROM execution_events`) as unknown as [{ events: number }];
  if (events === 0) {
    for (let i = 0; i < 40; i++) {
      const asset = pick(ASSET_NAMES);
      const price = MARKETS[asset].base * between(0.8, 1.1);
      const pnl = i % 5 === 0 ? roundTo(between(-20, 40), 4) : null;
      await sql`
        INSERT INTO execution_events (signal_id, strategy_id, asset, side, execution_price, execution_quantity, execution_fees,
          executed_at, signal_price, signal_timestamp, performance)
        VALUES (gen_random_uuid(), ${pick(STRATEGIES).id}, ${asset}, ${pick(["buy", "sell"])}, ${roundTo(price, 8)}, ${roundTo(between(50, 500) / price, 6)},
          ${roundTo(between(0.01, 0.3), 8)}, timezone('utc', now()) - make_interval(days => ${40 + i}),
          ${roundTo(price * 0.999, 8)}, timezone('utc', now()) - make_interval(days => ${40 + i}),
          ${sql.json({ slippage: roundTo(price * 0.001, 6), slippage_percent: 0.1, realized_pnl: pnl, return_percent: null })})`;
    }
  }
}

// What the demo's live activity writes in the NEWEST schema shape, as the newest services write it
// (docs/trading-system-now.md, section 3): rejected signals on most inferences (below the threshold, or a
// hold stored with side 'buy'), never ordered; a horizon on accepted signals and their orders; positions
// as a history (a close keeps the row, a reopen inserts one) linked to their fills in position_orders;
// order-manager's horizon closes (a reduce-only order whose signal id has no signal row); snapshots of
// open positions carrying snapshot_data; a model per strategy and symbol.
import type postgres from "postgres";
import { detectColumns, shapeName } from "../shapes/detect.ts";
import { type Asset, between, pick, roundTo } from "./market.ts";

/** What these steps use of the activity's market (activity-steps.ts). */
interface Market {
  sql: postgres.Sql;
  pace: number;
  prices: Record<Asset, number>;
  counts: { signals: number; orders: number };
  publisher?: { publish(queue: string, message: unknown): void };
}

/** Real figures of the newest services: model-service's static threshold (compose default) and horizon. */
export const NEWEST = {
  threshold: 0.75,
  horizonSeconds: 900,
  /** Of the inferences that reach a prediction: rejected below the threshold, and holds. */
  belowThreshold: 0.45,
  hold: 0.2,
  /** How often order-manager's horizon-close task looks (seconds). */
  horizonCloseEvery: 60,
} as const;

export const REJECTION = { belowThreshold: "confidence_below_threshold", hold: "regression_hold_prediction" } as const;

/** True when the database has the newest shape (the demo writes the way its shape's services do): the
 *  toolkit's one detection of shapes (shapes/detect.ts), every later migration present. */
export async function isNewestShape(sql: postgres.Sql): Promise<boolean> {
  return shapeName(await detectColumns(sql)).name === "newest";
}

/** The active model for a strategy and symbol (or the strategy's model for every symbol). */
export async function activeModel(sql: postgres.Sql, strategy: string, asset: Asset): Promise<string | null> {
  const [model] = await sql<{ version: string }[]>`
    SELECT version FROM model_versions WHERE strategy_id = ${strategy} AND is_active AND (symbol = ${asset} OR symbol IS NULL)
    ORDER BY symbol NULLS LAST LIMIT 1`;
  return model?.version ?? null;
}

/** One inference's signal: rejected (persisted, not published, no order) or accepted with its horizon.
 *  Returns the accepted signal's id, or null for a rejected one. */
export async function writeNewestSignal(market: Market, strategy: string, asset: Asset, side: "buy" | "sell", price: number, model: string | null): Promise<string | null> {
  const { sql, pace } = market;
  const roll = Math.random();
  // Warm-up signals (no model) are never rejected.
  const rejection = !model ? null : roll < NEWEST.belowThreshold ? REJECTION.belowThreshold : roll < NEWEST.belowThreshold + NEWEST.hold ? REJECTION.hold : null;
  const confidence = rejection === REJECTION.belowThreshold ? roundTo(between(0.4, NEWEST.threshold - 0.01), 4) : roundTo(between(NEWEST.threshold, 0.99), 4);
  const horizon = Math.max(1, Math.round(NEWEST.horizonSeconds / pace));
  const [signal] = await sql<{ signal_id: string }[]>`
    INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, confidence, timestamp, model_version,
      is_warmup, market_data_snapshot, metadata, trace_id, prediction_horizon_seconds, target_timestamp,
      is_rejected, rejection_reason, effective_threshold)
    VALUES (gen_random_uuid(), ${strategy}, ${asset}, ${rejection === REJECTION.hold ? "buy" : side}, ${price}, ${confidence},
      timezone('utc', now()), ${model}, ${!model}, ${sql.json({ price, spread: roundTo(price * 0.0001, 6) })},
      ${sql.json({ source: "demo", threshold_source: "static", prediction_horizon_seconds: horizon })}, ${crypto.randomUUID()},
      ${horizon}, timezone('utc', now()) + make_interval(secs => ${horizon}),
      ${rejection !== null}, ${rejection}, ${model ? NEWEST.threshold : null})
    RETURNING signal_id`;
  market.counts.signals++;
  return rejection ? null : signal!.signal_id;
}

/** An order's target_timestamp: its signal's. */
export async function stampOrderHorizon(sql: postgres.Sql, orderId: string, signalId: string): Promise<void> {
  await sql`UPDATE orders o SET target_timestamp = s.target_timestamp FROM trading_signals s WHERE o.id = ${orderId} AND s.signal_id = ${signalId}`;
}

interface OpenRow {
  id: string;
  size: string;
  average_entry_price: string | null;
  realized_pnl: string | null;
  total_fees: string;
}

/** position-manager and its order linker: the fill moves the open position of the asset (inserted when
 *  there is none); a close keeps the row (size 0, closed_at, exit_price, the position's realized PnL, no
 *  current price) and the next fill opens a new row. Every fill is linked in position_orders. */
export async function applyFillNewest(market: Market, orderId: string | null, asset: Asset, delta: number, price: number, fees: number): Promise<void> {
  const { sql, prices } = market;
  await sql.begin(async (tx) => {
    const [open] = (await tx`
      SELECT id, size, average_entry_price, realized_pnl, total_fees FROM positions
      WHERE asset = ${asset} AND mode = 'one-way' AND closed_at IS NULL FOR UPDATE`) as unknown as OpenRow[];
    const size = Number(open?.size ?? 0);
    const entry = Number(open?.average_entry_price ?? price);
    let newSize = roundTo(size + delta, 8);
    // A fill across zero closes this position; the rest opens the next one (one row each).
    const reversal = size !== 0 && newSize !== 0 && Math.sign(newSize) !== Math.sign(size);
    if (reversal) newSize = 0;
    let realized = Number(open?.realized_pnl ?? 0) - fees;
    let newEntry = entry;
    if (size === 0 || Math.sign(size) === Math.sign(delta)) newEntry = size === 0 ? price : (entry * Math.abs(size) + price * Math.abs(delta)) / Math.abs(newSize);
    else realized += Math.min(Math.abs(delta), Math.abs(size)) * (price - entry) * Math.sign(size);
    const relationship = size === 0 ? "opened" : newSize === 0 ? (reversal ? "reversed" : "closed") : Math.sign(size) === Math.sign(delta) ? "increased" : "decreased";
    let positionId: string;
    if (!open) {
      const [row] = await tx<{ id: string }[]>`
        INSERT INTO positions (asset, size, average_entry_price, unrealized_pnl, realized_pnl, mode, long_size, short_size,
          last_updated, current_price, version, created_at, total_fees, first_entry_price, last_entry_price)
        VALUES (${asset}, ${newSize}, ${roundTo(newEntry, 8)}, 0, 0, 'one-way', ${Math.max(newSize, 0)}, ${Math.max(-newSize, 0)},
          timezone('utc', now()), ${prices[asset]}, 1, timezone('utc', now()), ${roundTo(fees, 8)}, ${price}, ${price})
        RETURNING id`;
      positionId = row!.id;
    } else if (newSize === 0) {
      await tx`
        UPDATE positions SET size = 0, closed_at = timezone('utc', now()), exit_price = ${price}, average_entry_price = NULL,
          current_price = NULL, unrealized_pnl = 0, realized_pnl = ${roundTo(realized, 8)}, long_size = 0, short_size = 0,
          total_fees = total_fees + ${roundTo(fees, 8)}, last_entry_price = ${price}, last_updated = timezone('utc', now()), version = version + 1
        WHERE id = ${open.id}`;
      positionId = open.id;
    } else {
      await tx`
        UPDATE positions SET size = ${newSize}, average_entry_price = ${roundTo(newEntry, 8)}, unrealized_pnl = ${roundTo(newSize * (prices[asset] - newEntry), 8)},
          realized_pnl = ${roundTo(realized, 8)}, long_size = ${Math.max(newSize, 0)}, short_size = ${Math.max(-newSize, 0)},
          current_price = ${prices[asset]}, total_fees = total_fees + ${roundTo(fees, 8)}, last_entry_price = ${price},
          last_updated = timezone('utc', now()), version = version + 1
        WHERE id = ${open.id}`;
      positionId = open.id;
    }
    const [order] = orderId ? await tx<{ order_id: string }[]>`SELECT order_id FROM orders WHERE id = ${orderId}` : [];
    await tx`
      INSERT INTO position_orders (position_id, order_id, relationship_type, size_delta, execution_price, executed_at, bybit_order_id)
      VALUES (${positionId}, ${orderId}, ${relationship}, ${roundTo(delta, 8)}, ${price}, timezone('utc', now()), ${order?.order_id ?? null})`;
  });
}

/** order-manager's horizon-close task: a filled order whose target_timestamp has passed, on an asset with
 *  an open position, gets the position closed by a Market reduce-only order with a fresh signal id (no
 *  trading_signals row, no relationship row, no target_timestamp). */
export async function closeAtHorizon(market: Market): Promise<void> {
  const { sql, prices } = market;
  const due = await sql<{ asset: Asset; size: string }[]>`
    SELECT p.asset, p.size FROM positions p
    WHERE p.closed_at IS NULL AND p.size <> 0 AND p.mode = 'one-way'
      AND EXISTS (SELECT 1 FROM orders o WHERE o.asset = p.asset AND o.status IN ('filled', 'partially_filled')
                  AND o.target_timestamp <= timezone('utc', now()) AND o.created_at >= p.created_at)`;
  for (const position of due) {
    const size = Number(position.size);
    const price = prices[position.asset];
    const quantity = Math.abs(size);
    const fees = roundTo(quantity * price * 0.00055, 8);
    const [order] = await sql<{ id: string }[]>`
      INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, price, status, filled_quantity, average_price,
        fees, executed_at, trace_id)
      VALUES (${crypto.randomUUID()}, gen_random_uuid(), ${position.asset}, ${size > 0 ? "SELL" : "Buy"}, 'Market', ${quantity}, NULL,
        'filled', ${quantity}, ${price}, ${fees}, timezone('utc', now()), NULL)
      RETURNING id`;
    market.counts.orders++;
    market.publisher?.publish("order-manager.order_events", { order_id: order!.id, event: "filled", strategy_id: "target_horizon_close" });
    await applyFillNewest(market, order!.id, position.asset, -size, price, fees);
  }
}

/** position-manager's snapshot task: open positions only, the whole row in snapshot_data (decimals as
 *  strings), the PnL columns left NULL. */
export async function snapshotNewest(market: Market): Promise<void> {
  await market.sql`
    INSERT INTO position_snapshots (position_id, asset, size, mode, snapshot_timestamp, snapshot_data)
    SELECT id, asset, size, mode, timezone('utc', now()),
      jsonb_build_object('id', id::text, 'asset', asset, 'mode', mode, 'size', size::text,
        'average_entry_price', average_entry_price::text, 'current_price', current_price::text,
        'unrealized_pnl', unrealized_pnl::text, 'realized_pnl', realized_pnl::text, 'total_fees', total_fees::text,
        'created_at', to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US'), 'closed_at', NULL, 'position_size_norm', NULL)
    FROM positions WHERE closed_at IS NULL AND size <> 0`;
  await market.sql`UPDATE positions SET last_snapshot_at = timezone('utc', now()) WHERE closed_at IS NULL`;
}

/** The symbol a training of the strategy is for (the dataset's symbol). */
export const trainingSymbol = (assets: readonly Asset[]) => pick(assets);

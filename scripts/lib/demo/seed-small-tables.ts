// The seeded small tables: ws-gateway's subscriptions (as the bulk seed has them, or as the live activity
// churns them), account balances (what Grafana must never read) and a little old execution_events history.
import type postgres from "postgres";
import { type CopyValue, type SeedTableReport, tableReport } from "./copy.ts";
import { ASSET_NAMES, SUBSCRIPTIONS, between, pick, roundTo } from "./market.ts";
import { CHURN_CHANNELS, MIN_ACTIVE_SUBSCRIPTIONS, SECONDS } from "./activity-steps.ts";
import { DAY, HOUR, marketPrice, utcText } from "./seed-clock.ts";
import type { ModelVersion } from "./seed-models.ts";

/** ws-gateway's subscriptions: active rows were touched by the last market message (updated_at is not a
 *  lifecycle time while active); inactive rows keep their cancellation time in updated_at. */
export function subscriptionRows(start: number, now: number) {
  return SUBSCRIPTIONS.map(({ channel, symbol, topic, service, cancelled }) => {
    const createdAt = start + between(0, 2) * HOUR;
    const touchedAt = cancelled ? now - between(1, 10) * DAY : now - between(0, 3_000);
    return [channel, symbol, topic, service, !cancelled, utcText(createdAt), utcText(touchedAt), utcText(touchedAt - between(0, 1_000))] as CopyValue[];
  });
}
/** What the live activity writes from `start` to `now`: the running gateway's subscriptions at the
 *  start, then every 2 minutes a new model-service subscription and the oldest market subscription
 *  cancelled (activity-steps.ts, churnSubscriptions). Active rows were touched by the last market message. */
export function liveSubscriptionRows(start: number, now: number) {
  const rows = SUBSCRIPTIONS.filter((s) => !s.cancelled).map(({ channel, symbol, topic, service }) => ({
    channel, symbol, topic, service, createdAt: start, cancelledAt: null as number | null,
  }));
  for (let at = start + SECONDS.subscriptionChurn * 1000; at < now; at += SECONDS.subscriptionChurn * 1000) {
    const channel = pick(CHURN_CHANNELS);
    const symbol = pick(ASSET_NAMES);
    rows.push({ channel, symbol, topic: `${channel}.${symbol}`, service: "model-service", createdAt: at, cancelledAt: null });
    const active = rows.filter((row) => row.cancelledAt === null);
    const oldest = active.find((row) => (CHURN_CHANNELS as readonly string[]).includes(row.channel));
    if (oldest && active.length > MIN_ACTIVE_SUBSCRIPTIONS) oldest.cancelledAt = at;
  }
  return rows.map(({ channel, symbol, topic, service, createdAt, cancelledAt }) => {
    const touchedAt = cancelledAt ?? now - between(0, 3_000);
    return [channel, symbol, topic, service, cancelledAt === null, utcText(createdAt), utcText(touchedAt), utcText(touchedAt - between(0, 1_000))] as CopyValue[];
  });
}

export const SUBSCRIPTION_COLUMNS = [
  "channel_type", "symbol", "topic", "requesting_service", "is_active", "created_at", "updated_at", "last_event_at",
] as const;

/** Hourly wallet events for USDT and BTC, and the unified account's margin: what Grafana must never read. */
export function balanceRows(start: number, end: number) {
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
export const BALANCE_COLUMNS = ["coin", "wallet_balance", "available_balance", "frozen", "timestamp", "trace_id", "received_at", "created_at"] as const;
export const MARGIN_COLUMNS = [
  "account_type", "total_equity", "total_wallet_balance", "total_margin_balance", "total_available_balance",
  "total_initial_margin", "total_maintenance_margin", "base_currency", "timestamp", "received_at",
] as const;

/** Nothing writes execution_events any more: a few hundred rows from the oldest fills, with
 *  realized_pnl JSON null as it has always been. Fills before the first model fed its training. */
export async function insertOldExecutionEvents(sql: postgres.Sql, firstModel: ModelVersion | undefined): Promise<SeedTableReport> {
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

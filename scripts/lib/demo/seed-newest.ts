// What a database of the newest shape holds besides the December-style history the seed and backfill
// write: the positions history the way it came about (docs/trading-system-now.md 3.3, 3.6): the reused
// rows of before 052 stay; a close of the 040..052 window is in closed_positions too; a closed_positions
// row whose positions row was gone was copied into positions by 053 (its close-time price and PnL kept in
// current_price and unrealized_pnl); closes since 052 keep their row and a reopen inserts a new one; and
// position_orders links the recent fills to the position they moved.
import type postgres from "postgres";
import { ASSET_NAMES, MARKETS, TRAINED_STRATEGIES, between, roundTo } from "./market.ts";
import { HOUR, marketPrice, utcText } from "./seed-clock.ts";

/** Adds the newest shape's rows between start and end; returns the rows written per table. */
export async function seedNewestExtras(sql: postgres.Sql | postgres.TransactionSql, start: number, end: number): Promise<Record<string, number>> {
  const written: Record<string, number> = { positions: 0, closed_positions: 0, position_orders: 0, model_versions: 0 };
  // One active model per strategy AND symbol: a trained strategy's models for two of its symbols.
  const strategy = TRAINED_STRATEGIES[0]!;
  for (const [index, symbol] of strategy.assets.slice(0, 2).entries()) {
    const version = `v${Math.floor(end / 1000) + index}`;
    await sql`
      INSERT INTO model_versions (version, file_path, model_type, strategy_id, symbol, trained_at, training_duration_seconds,
        training_dataset_size, is_active, created_at, updated_at)
      VALUES (${version}, ${`/models/v${version}/model.json`}, ${strategy.modelType!}, ${strategy.id}, ${symbol}, ${utcText(end - HOUR)},
        120, 20000, true, ${utcText(end - HOUR)}, ${utcText(end - HOUR)})`;
    written.model_versions!++;
  }
  const span = end - start;
  for (const [index, asset] of ASSET_NAMES.entries()) {
    // Two positions of the asset opened and closed since 052, each its own row.
    for (const share of [0.25, 0.55]) {
      const opened = start + span * (share + index * 0.02);
      const closed = opened + Math.min(span * 0.1, 6 * HOUR);
      const entry = roundTo(marketPrice(asset, opened), MARKETS[asset].priceDigits);
      const exit = roundTo(marketPrice(asset, closed), MARKETS[asset].priceDigits);
      const size = roundTo(between(200, 2_000) / entry, MARKETS[asset].quantityDigits);
      await sql`
        INSERT INTO positions (asset, mode, size, average_entry_price, current_price, unrealized_pnl, realized_pnl, last_updated,
          version, created_at, closed_at, exit_price, total_fees, first_entry_price, last_entry_price)
        VALUES (${asset}, 'one-way', 0, NULL, NULL, 0, ${roundTo((exit - entry) * size, 8)}, ${utcText(closed)}, 3,
          ${utcText(opened)}, ${utcText(closed)}, ${exit}, ${roundTo(size * entry * 0.0011, 8)}, ${entry}, ${exit})`;
      written.positions!++;
    }
  }
  // A close of the 040..052 window whose positions row was deleted: closed_positions has it, and 053
  // copied it into positions.
  const asset = ASSET_NAMES[0]!;
  const opened = start + span * 0.05;
  const closed = start + span * 0.1;
  const entry = roundTo(marketPrice(asset, opened), 2);
  const exit = roundTo(marketPrice(asset, closed), 2);
  const pnl = roundTo((exit - entry) * 0.01, 8);
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO closed_positions (original_position_id, asset, mode, final_size, average_entry_price, exit_price, current_price,
      realized_pnl, unrealized_pnl_at_close, total_fees, opened_at, closed_at, version)
    VALUES (gen_random_uuid(), ${asset}, 'one-way', 0, ${entry}, ${exit}, ${exit}, ${pnl}, ${pnl}, 0.5, ${utcText(opened)}, ${utcText(closed)}, 4)
    RETURNING original_position_id AS id`;
  await sql`
    INSERT INTO positions (id, asset, mode, size, average_entry_price, current_price, exit_price, unrealized_pnl, realized_pnl,
      total_fees, created_at, closed_at, version, first_entry_price, last_entry_price, peak_unrealized_pnl, peak_unrealized_pnl_at,
      worst_unrealized_pnl, worst_unrealized_pnl_at, last_updated, total_volume_traded, source)
    SELECT original_position_id, asset, mode, 0, average_entry_price, current_price, exit_price, unrealized_pnl_at_close, realized_pnl,
      coalesce(total_fees, 0), opened_at, closed_at, version, average_entry_price, average_entry_price, unrealized_pnl_at_close, closed_at,
      unrealized_pnl_at_close, closed_at, closed_at, 0, 'migration_from_closed_positions'
    FROM closed_positions WHERE original_position_id = ${row!.id}`;
  written.closed_positions!++;
  written.positions!++;
  // A reused row closed in that window: its close is in closed_positions with the position's PnL.
  const reused = await sql`
    INSERT INTO closed_positions (original_position_id, asset, mode, final_size, average_entry_price, exit_price, current_price,
      realized_pnl, unrealized_pnl_at_close, total_fees, opened_at, closed_at, version)
    SELECT p.id, p.asset, p.mode, 0, NULL, p.current_price, p.current_price, 1.25, 1.25, 0.1, coalesce(p.created_at, p.last_updated), p.closed_at, p.version
    FROM positions p WHERE p.closed_at IS NOT NULL AND p.source IS NULL AND p.exit_price IS NULL AND p.current_price IS NOT NULL`;
  written.closed_positions! += reused.count;
  // The recent fills, linked to the open position of their asset.
  const links = await sql`
    INSERT INTO position_orders (position_id, order_id, relationship_type, size_delta, execution_price, executed_at, bybit_order_id)
    SELECT p.id, o.id, 'increased', CASE WHEN o.side = 'Buy' THEN o.filled_quantity ELSE -o.filled_quantity END, o.average_price,
      o.executed_at, o.order_id
    FROM positions p
    JOIN LATERAL (
      SELECT * FROM orders o WHERE o.asset = p.asset AND o.status IN ('filled', 'partially_filled') AND o.executed_at IS NOT NULL
      ORDER BY o.created_at DESC LIMIT 20
    ) o ON true
    WHERE p.closed_at IS NULL AND p.size <> 0 AND p.mode = 'one-way'`;
  written.position_orders! += links.count;
  return written;
}

// The bulk seed's positions: one row per asset and mode, reused across open and close, with a snapshot
// every 5 minutes, simulated over the whole history.
import type { CopyValue } from "./copy.ts";
import { type Asset, FEE_RATE, MARKETS, between, roundTo } from "./market.ts";
import { MINUTE, marketPrice, utcText } from "./seed-clock.ts";

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

/** With `newest`, snapshots as the newest position-manager writes them: the PnL columns NULL, the whole
 *  position in snapshot_data (decimals as strings); use NEWEST_SNAPSHOT_COLUMNS. */
export function simulatePositions(start: number, end: number, newest = false) {
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
      if (newest && state.size === 0) continue; // only open positions are snapshotted
      snapshots.push(newest
        ? [book.id, book.asset, state.size, null, null, null, book.mode, book.long.size, book.short.size, utcText(at), {
            asset: book.asset, mode: book.mode, size: String(state.size), average_entry_price: state.average === null ? null : String(state.average),
            unrealized_pnl: String(state.unrealized), realized_pnl: String(state.realized), position_size_norm: null }]
        : [book.id, book.asset, state.size, state.average, state.unrealized, state.realized, book.mode, book.long.size, book.short.size, utcText(at)]);
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
export const POSITION_COLUMNS = [
  "id", "asset", "size", "average_entry_price", "unrealized_pnl", "realized_pnl", "mode", "long_size", "short_size",
  "long_avg_price", "short_avg_price", "last_updated", "last_snapshot_at", "current_price", "version", "created_at", "closed_at",
] as const;
export const SNAPSHOT_COLUMNS = [
  "position_id", "asset", "size", "average_entry_price", "unrealized_pnl", "realized_pnl", "mode", "long_size", "short_size",
  "snapshot_timestamp",
] as const;
export const NEWEST_SNAPSHOT_COLUMNS = [...SNAPSHOT_COLUMNS, "snapshot_data"] as const;

-- Recommended indexes beyond the trading system's schema, for the dashboards at tens of millions of rows.
-- Never created by `bun run role` or `bun run setup`: an operator applies them, e.g.
--   psql "$DATABASE_URL" -f sql/indexes.sql
-- CONCURRENTLY builds them without blocking the trading system's writes (so run it outside a transaction;
-- an interrupted build leaves an INVALID index: drop it and run again). Every panel stays usable without
-- them; `bun run bench` measures both ways and docs/performance.md has the figures.
--
-- Not needed, though the schema lacks them: an index on orders (created_at DESC) - the ascending
-- (created_at) index is scanned backward for "newest first" (Index Scan Backward in every plan); and one on
-- orders (executed_at) - no panel filters or sorts orders on executed_at.

-- Rejected orders in the range (Errors panel), and the event history filtered to order_rejected: only the
-- rejected orders of the range are read, with the reason and asset from the index, instead of every order
-- of the range.
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_rejected_created_at_idx
  ON orders (created_at) INCLUDE (asset, rejection_reason) WHERE status = 'rejected';

-- Model state per strategy: warm-up signals of the range. Warm-up signals are few (a strategy without an
-- active model), so this index stays small, and the panel no longer reads every signal of the range.
CREATE INDEX CONCURRENTLY IF NOT EXISTS trading_signals_warmup_timestamp_idx
  ON trading_signals ("timestamp") INCLUDE (strategy_id) WHERE is_warmup;

-- Orders per hour, and model quality's orders of the range: counted from the index alone (an index-only
-- scan) instead of reading each order's row. Index-only scans skip the row only on pages the visibility
-- map marks all-visible, which autovacuum sets; by default it vacuums an insert-only table after 20% more
-- rows (weeks, at tens of millions), so the recent range would still read the rows. Have it vacuum orders
-- every ~10k inserts too:
--   ALTER TABLE orders SET (autovacuum_vacuum_insert_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0);
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created_at_status_idx
  ON orders (created_at) INCLUDE (status, asset, signal_id);

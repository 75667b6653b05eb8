-- Recommended indexes beyond the trading system's schema, for the dashboards at tens of millions of rows.
-- Never created by `bun run role` or `bun run setup`: an operator applies them, e.g.
--   psql "$DATABASE_URL" -f sql/indexes.sql
-- CONCURRENTLY builds them without blocking the trading system's writes (so run it outside a transaction;
-- an interrupted build leaves an INVALID index: drop it and run again). Every panel stays usable without
-- them; `bun run bench` measures both ways and docs/performance.md has the figures.
--
-- Not needed, though the schema lacks them: an index on orders (created_at DESC) - the ascending
-- (created_at) index is scanned backward for "newest first" (Index Scan Backward in every plan); and one on
-- orders (executed_at) - no panel filters or sorts orders on executed_at. No longer recommended:
-- orders_created_at_status_idx (an earlier version of this file had it for orders per hour and model
-- quality, which no longer need it) and trading_signals_warmup_timestamp_idx (model state read the range's
-- warm-up signals; it now reads each strategy's latest signal); where they were applied, drop them to spare
-- the trading system their writes:
--   DROP INDEX CONCURRENTLY IF EXISTS orders_created_at_status_idx;
--   DROP INDEX CONCURRENTLY IF EXISTS trading_signals_warmup_timestamp_idx;

-- Rejected orders in the range (Errors panel), and the event history filtered to order_rejected: only the
-- rejected orders of the range are read, with the reason and asset from the index, instead of every order
-- of the range.
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_rejected_created_at_idx
  ON orders (created_at) INCLUDE (asset, rejection_reason) WHERE status = 'rejected';

-- Orders per hour: each hour's filled, rejected and other orders are counted from these two and the
-- rejected index above, so each order of the range is one index entry visited, and no row is read (an
-- index-only scan). Each order is in exactly one of the three (its entry moves when its status changes,
-- which the schema's own index on status already makes a non-HOT update). Index-only scans skip the row
-- only on pages the visibility map marks all-visible, which autovacuum sets; by default it vacuums an
-- insert-only table after 20% more rows (weeks, at tens of millions), so the recent range would still
-- read the rows. Have it vacuum orders every ~10k inserts too:
--   ALTER TABLE orders SET (autovacuum_vacuum_insert_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0);
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_filled_created_at_idx
  ON orders (created_at) INCLUDE (asset) WHERE status IN ('filled', 'partially_filled');

CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_other_created_at_idx
  ON orders (created_at) INCLUDE (asset) WHERE status NOT IN ('filled', 'partially_filled', 'rejected');

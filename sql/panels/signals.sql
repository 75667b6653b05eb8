-- Trading signals (US1, FR-002): the last 100 signals, newest first, narrowed by strategy and asset, whatever
-- the dashboard's time range (the spec's "quantity over time range"; the range drives the time series).
-- The (timestamp DESC), (strategy_id, timestamp DESC) and (asset, timestamp DESC) indexes serve it at any
-- table size. A variable set to All is '__all__', so its test folds away when the plan is made.
SELECT s.signal_id::text AS signal_id,
       s."timestamp" AS "timestamp",
       s.strategy_id,
       s.asset,
       s.side,
       s.price,
       s.confidence,
       coalesce(s.model_version, '-') AS model_version,
       s.is_warmup AS warm_up
FROM trading_signals s
WHERE ('__all__' IN ($strategy) OR s.strategy_id IN ($strategy))
  AND ('__all__' IN ($asset) OR s.asset IN ($asset))
ORDER BY s."timestamp" DESC
LIMIT 100

-- Trading signals (US1): the last 100 signals in the range, newest first, narrowed by strategy and asset.
-- The (timestamp DESC), (strategy_id, timestamp DESC) and (asset, timestamp DESC) indexes serve it at any
-- table size. A variable set to All is '__all__', so its test folds away when the plan is made.
-- Rejected signals (stored on every inference, never ordered: monitoring.trading_signals) are left out
-- unless the rejected variable shows them; a rejected hold prediction reads side hold.
SELECT s.signal_id::text AS signal_id,
       s."timestamp" AS "timestamp",
       s.strategy_id,
       s.asset,
       s.side,
       s.price,
       s.confidence,
       coalesce(s.model_version, '-') AS model_version,
       s.is_warmup AS warm_up,
       s.rejection_reason AS rejected
FROM monitoring.trading_signals s
WHERE $__timeFilter(s."timestamp")
  AND ('__all__' IN ($strategy) OR s.strategy_id IN ($strategy))
  AND ('__all__' IN ($asset) OR s.asset IN ($asset))
  AND (NOT s.is_rejected OR '$rejected' = 'shown')
ORDER BY s."timestamp" DESC
LIMIT 100

-- Signals rejected in the range (the newest model-service stores a signal below the confidence threshold,
-- or a hold prediction, as a rejected row and never orders it), by reason, most frequent first, with the
-- threshold they missed. Narrowed by strategy and asset. The (is_rejected, timestamp DESC) index reads only
-- the rejected rows of the range; on a shape without rejections the view says none, so no row.
SELECT coalesce(s.rejection_reason, 'no reason recorded') AS reason,
       count(*)::int AS signals,
       round(avg(s.confidence), 4) AS avg_confidence,
       max(s.effective_threshold) AS threshold,
       max(s."timestamp") AS last_seen
FROM monitoring.trading_signals s
WHERE s.is_rejected
  AND $__timeFilter(s."timestamp")
  AND ('__all__' IN ($strategy) OR s.strategy_id IN ($strategy))
  AND ('__all__' IN ($asset) OR s.asset IN ($asset))
GROUP BY 1
ORDER BY signals DESC, last_seen DESC

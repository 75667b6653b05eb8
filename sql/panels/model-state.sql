-- Model (US3): per strategy and symbol, the active model and whether it is in warm-up. Warm-up in practice
-- is "no active model" (is_warmup_mode is never set), or warm-up signals in the range. "Training now" is
-- not in the database: the training panel reads it from model-service. A model is a strategy's for one
-- symbol (the newest shape) or for every symbol (symbol NULL: "all"), so a strategy has a row per active
-- model. The last signal is the last ACCEPTED one (of the model's symbol): rejected ones are stored on
-- every inference and say nothing of the strategy trading.
WITH RECURSIVE signal_strategies AS (
  -- The distinct strategies of trading_signals by skipping along the (strategy_id) index: a handful of
  -- index probes instead of a scan of every signal.
  (SELECT strategy_id FROM monitoring.trading_signals ORDER BY strategy_id LIMIT 1)
  UNION ALL
  SELECT (SELECT t.strategy_id FROM monitoring.trading_signals t WHERE t.strategy_id > p.strategy_id ORDER BY t.strategy_id LIMIT 1)
  FROM signal_strategies p
  WHERE p.strategy_id IS NOT NULL
), strategies AS (
  SELECT strategy_id FROM signal_strategies WHERE strategy_id IS NOT NULL
  UNION
  SELECT strategy_id FROM monitoring.model_versions WHERE strategy_id IS NOT NULL
), warm_up_strategies AS MATERIALIZED (
  -- Strategies with warm-up signals in the range, in one pass over the range (a probe per strategy would
  -- read the range once per strategy); only read for strategies that have an active model. MATERIALIZED:
  -- read once, not once per row of the model list (which the per-symbol test below would make it).
  SELECT DISTINCT w.strategy_id, w.asset
  FROM monitoring.trading_signals w
  WHERE w.is_warmup AND $__timeFilter(w."timestamp")
)
SELECT st.strategy_id,
       coalesce(m.symbol, 'all') AS symbol,
       coalesce(m.version, 'none') AS active_version,
       m.model_type,
       m.trained_at,
       round((extract(epoch FROM (now() AT TIME ZONE 'UTC') - m.trained_at) / 3600)::numeric, 1) AS age_hours,
       (m.id IS NULL OR EXISTS (SELECT 1 FROM warm_up_strategies w WHERE w.strategy_id = st.strategy_id AND (m.symbol IS NULL OR w.asset = m.symbol))) AS warm_up,
       last_signal."timestamp" AS last_signal_at
FROM strategies st
LEFT JOIN monitoring.model_versions m ON m.strategy_id = st.strategy_id AND m.is_active
LEFT JOIN LATERAL (
  SELECT t."timestamp" FROM monitoring.trading_signals t
  WHERE t.strategy_id = st.strategy_id AND NOT t.is_rejected AND (m.symbol IS NULL OR t.asset = m.symbol)
  ORDER BY t."timestamp" DESC LIMIT 1
) last_signal ON true
WHERE '__all__' IN ($strategy) OR st.strategy_id IN ($strategy)
ORDER BY st.strategy_id, m.symbol NULLS FIRST

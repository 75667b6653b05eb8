-- Model (US3): per strategy, the active model and whether the strategy is in warm-up now: the state of its
-- latest signal (is_warmup; is_warmup_mode is never set), or, for a strategy without signals, whether it has
-- no active model. "Training now" is not in the database: the training panel reads it from model-service.
WITH RECURSIVE signal_strategies AS (
  -- The distinct strategies of trading_signals by skipping along the (strategy_id) index: a handful of
  -- index probes instead of a scan of every signal.
  (SELECT strategy_id FROM trading_signals ORDER BY strategy_id LIMIT 1)
  UNION ALL
  SELECT (SELECT t.strategy_id FROM trading_signals t WHERE t.strategy_id > p.strategy_id ORDER BY t.strategy_id LIMIT 1)
  FROM signal_strategies p
  WHERE p.strategy_id IS NOT NULL
), strategies AS (
  SELECT strategy_id FROM signal_strategies WHERE strategy_id IS NOT NULL
  UNION
  SELECT strategy_id FROM model_versions WHERE strategy_id IS NOT NULL
)
SELECT st.strategy_id,
       coalesce(m.version, 'none') AS active_version,
       m.model_type,
       m.trained_at,
       round((extract(epoch FROM (now() AT TIME ZONE 'UTC') - m.trained_at) / 3600)::numeric, 1) AS age_hours,
       coalesce(last_signal.is_warmup, m.id IS NULL) AS warm_up,
       last_signal."timestamp" AS last_signal_at
FROM strategies st
LEFT JOIN model_versions m ON m.strategy_id = st.strategy_id AND m.is_active
LEFT JOIN LATERAL (
  SELECT t."timestamp", t.is_warmup FROM trading_signals t WHERE t.strategy_id = st.strategy_id ORDER BY t."timestamp" DESC LIMIT 1
) last_signal ON true
WHERE '__all__' IN ($strategy) OR st.strategy_id IN ($strategy)
ORDER BY st.strategy_id

-- The strategy variable: every strategy with signals or a model, by skipping along the (strategy_id)
-- index instead of reading every signal.
WITH RECURSIVE signal_strategies AS (
  (SELECT strategy_id FROM monitoring.trading_signals ORDER BY strategy_id LIMIT 1)
  UNION ALL
  SELECT (SELECT t.strategy_id FROM monitoring.trading_signals t WHERE t.strategy_id > p.strategy_id ORDER BY t.strategy_id LIMIT 1)
  FROM signal_strategies p
  WHERE p.strategy_id IS NOT NULL
)
SELECT strategy_id AS __text, strategy_id AS __value FROM signal_strategies WHERE strategy_id IS NOT NULL
UNION
SELECT strategy_id, strategy_id FROM monitoring.model_versions WHERE strategy_id IS NOT NULL
ORDER BY 1

-- The asset variable: every asset with signals or a position, by skipping along the (asset) index.
WITH RECURSIVE signal_assets AS (
  (SELECT asset FROM monitoring.trading_signals ORDER BY asset LIMIT 1)
  UNION ALL
  SELECT (SELECT t.asset FROM monitoring.trading_signals t WHERE t.asset > p.asset ORDER BY t.asset LIMIT 1)
  FROM signal_assets p
  WHERE p.asset IS NOT NULL
)
SELECT asset AS __text, asset AS __value FROM signal_assets WHERE asset IS NOT NULL
UNION
SELECT asset, asset FROM monitoring.positions
ORDER BY 1

-- Trading signals (US1, FR-002): the last 100 signals, newest first, narrowed by strategy and asset, whatever
-- the dashboard's time range (the spec's "quantity over time range"; the range drives the time series).
-- The (timestamp DESC), (strategy_id, timestamp DESC) and (asset, timestamp DESC) indexes serve it at any
-- table size. A variable set to All is '__all__', so its test folds away when the plan is made.
WITH newest AS (
  (SELECT s.*
   FROM trading_signals s
   WHERE '__all__' IN ($strategy) AND '__all__' IN ($asset)
   ORDER BY s."timestamp" DESC
   LIMIT 100)
  UNION ALL
  -- Assets chosen (strategies All): each one's newest 100 from its part of the (asset, timestamp) index.
  (SELECT x.*
   FROM unnest(ARRAY[$asset]::text[]) AS chosen(asset)
   CROSS JOIN LATERAL (
     SELECT s.*
     FROM trading_signals s
     WHERE s.asset >= chosen.asset AND s.asset <= chosen.asset
     ORDER BY s.asset, s."timestamp" DESC
     LIMIT 100
   ) x
   WHERE '__all__' IN ($strategy) AND NOT '__all__' IN ($asset)
   ORDER BY x."timestamp" DESC
   LIMIT 100)
  UNION ALL
  -- Strategies chosen: each one's newest 100 from its own part of the (strategy_id, timestamp) index, as
  -- in sql/panels/orders.sql (a range, so that the plan cannot walk every signal by time instead).
  (SELECT x.*
   FROM unnest(ARRAY[$strategy]::text[]) AS chosen(strategy_id)
   CROSS JOIN LATERAL (
     SELECT s.*
     FROM trading_signals s
     WHERE s.strategy_id >= chosen.strategy_id AND s.strategy_id <= chosen.strategy_id
       AND ('__all__' IN ($asset) OR s.asset IN ($asset))
     ORDER BY s.strategy_id, s."timestamp" DESC
     LIMIT 100
   ) x
   WHERE NOT '__all__' IN ($strategy)
   ORDER BY x."timestamp" DESC
   LIMIT 100)
)
SELECT s.signal_id::text AS signal_id,
       s."timestamp" AS "timestamp",
       s.strategy_id,
       s.asset,
       s.side,
       s.price,
       s.confidence,
       coalesce(s.model_version, '-') AS model_version,
       s.is_warmup AS warm_up
FROM newest s
ORDER BY s."timestamp" DESC

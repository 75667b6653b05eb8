-- Orders (US2, FR-003): the last 100 orders created, newest first, with how each closed, whatever the
-- dashboard's time range (the spec's "quantity over time range"): the (created_at) index read backward.
-- orders has no strategy: it comes from the order's signal. With strategies (or assets) chosen, the orders
-- are those of each one's newest signals (its own part of the (strategy_id, timestamp) or (asset, timestamp)
-- index, then orders.signal_id): walking all orders or signals newest first would read the whole table for
-- a strategy or asset that stopped trading long ago.
-- A rejection without a reason (NULL or '') reads "rejected", as its reason reads empty in every panel.
-- orders.side is stored 'Buy' or 'SELL' (a quirk of the real migration): shown as buy/sell, like signals.
-- Realized PnL per order exists only where execution_events holds a numeric realized_pnl (nothing writes it
-- today, so it is usually empty).
WITH newest AS (
  (SELECT o.id
   FROM orders o
   WHERE '__all__' IN ($strategy) AND '__all__' IN ($asset)
   ORDER BY o.created_at DESC
   LIMIT 100)
  UNION ALL
  -- Assets chosen (strategies All): the orders of each asset's newest signals, from its part of the (asset,
  -- timestamp) index, the same way (orders has no (asset, created_at) index to walk); an order whose signal
  -- is not in trading_signals is then not listed.
  (SELECT x.id
   FROM unnest(ARRAY[$asset]::text[]) AS chosen(asset)
   CROSS JOIN LATERAL (
     SELECT o.id, s."timestamp", o.created_at
     FROM trading_signals s
     JOIN orders o ON o.signal_id = s.signal_id
     WHERE s.asset >= chosen.asset AND s.asset <= chosen.asset AND o.asset = chosen.asset
     ORDER BY s.asset, s."timestamp" DESC
     LIMIT 100
   ) x
   WHERE '__all__' IN ($strategy) AND NOT '__all__' IN ($asset)
   ORDER BY x."timestamp" DESC, x.created_at DESC
   LIMIT 100)
  UNION ALL
  (SELECT x.id
   FROM unnest(ARRAY[$strategy]::text[]) AS chosen(strategy_id)
   CROSS JOIN LATERAL (
     SELECT o.id, s."timestamp", o.created_at
     FROM trading_signals s
     JOIN orders o ON o.signal_id = s.signal_id
     -- One strategy, written as a range and ordered by it first: only the (strategy_id, timestamp) index
     -- gives that order, so the plan reads the strategy's own part of it. With "= chosen" the planner may
     -- walk every signal by time instead, which for a strategy that stopped long ago reads the whole table.
     WHERE s.strategy_id >= chosen.strategy_id AND s.strategy_id <= chosen.strategy_id
       AND ('__all__' IN ($asset) OR o.asset IN ($asset))
     ORDER BY s.strategy_id, s."timestamp" DESC
     LIMIT 100
   ) x
   WHERE NOT '__all__' IN ($strategy)
   ORDER BY x."timestamp" DESC, x.created_at DESC
   LIMIT 100)
)
SELECT o.order_id,
       o.signal_id::text AS signal_id,
       o.created_at,
       o.asset,
       lower(o.side) AS side,
       o.order_type,
       o.status,
       CASE o.status
         WHEN 'filled' THEN 'filled'
         WHEN 'partially_filled' THEN 'partially filled'
         WHEN 'cancelled' THEN 'cancelled'
         WHEN 'rejected' THEN 'rejected' || coalesce(': ' || nullif(o.rejection_reason, ''), '')
         WHEN 'pending' THEN 'pending'
         WHEN 'dry_run' THEN 'dry run'
         ELSE o.status
       END AS closure,
       o.quantity,
       o.filled_quantity,
       o.average_price AS execution_price,
       o.fees,
       o.executed_at,
       pnl.realized_pnl
FROM newest n
JOIN orders o ON o.id = n.id
LEFT JOIN LATERAL (
  SELECT (e.performance ->> 'realized_pnl')::numeric AS realized_pnl
  FROM execution_events e
  WHERE e.signal_id = o.signal_id AND jsonb_typeof(e.performance -> 'realized_pnl') = 'number'
  ORDER BY e.executed_at DESC
  LIMIT 1
) pnl ON true
ORDER BY o.created_at DESC
LIMIT 100

-- Orders (US2, FR-003): the last 100 orders created, newest first, with how each closed, whatever the
-- dashboard's time range (the spec's "quantity over time range"): the (created_at) index read backward.
-- A rejection without a reason (NULL or '') reads "rejected", as its reason reads empty in every panel.
-- orders.side is stored 'Buy' or 'SELL' (a quirk of the real migration): shown as buy/sell, like signals.
-- orders has no strategy: it comes from the order's signal. Realized PnL per order exists only where
-- execution_events holds a numeric realized_pnl (nothing writes it today, so it is usually empty).
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
FROM orders o
LEFT JOIN trading_signals s ON s.signal_id = o.signal_id
LEFT JOIN LATERAL (
  SELECT (e.performance ->> 'realized_pnl')::numeric AS realized_pnl
  FROM execution_events e
  WHERE e.signal_id = o.signal_id AND jsonb_typeof(e.performance -> 'realized_pnl') = 'number'
  ORDER BY e.executed_at DESC
  LIMIT 1
) pnl ON true
WHERE ('__all__' IN ($asset) OR o.asset IN ($asset))
  AND ('__all__' IN ($strategy) OR s.strategy_id IN ($strategy))
ORDER BY o.created_at DESC
LIMIT 100

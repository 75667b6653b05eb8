-- Naive orders table, for `bun run bench` only (never a panel): the straightforward way a hand-made
-- dashboard writes it. No time filter, open orders first by a CASE expression, and the realized PnL looked
-- up per row. Same columns as sql/panels/orders.sql.
SELECT o.order_id,
       o.signal_id::text AS signal_id,
       o.created_at,
       o.asset,
       lower(o.side) AS side,
       o.order_type,
       o.status,
       CASE o.status
         WHEN 'rejected' THEN 'rejected: ' || coalesce(nullif(o.rejection_reason, ''), 'no reason recorded')
         WHEN 'partially_filled' THEN 'partially filled'
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
ORDER BY CASE WHEN o.status IN ('pending', 'partially_filled') THEN 0 ELSE 1 END, o.created_at DESC
LIMIT 100

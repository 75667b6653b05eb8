-- Orders (US2): the last 100 orders created in the range, newest first, with how each closed.
-- orders.side is stored 'Buy' or 'SELL' (a quirk of the real migration): shown as buy/sell, like signals.
-- orders has no strategy: it comes from the order's signal. Realized PnL per order exists only where
-- execution_events holds a numeric realized_pnl (nothing writes it today, so it is usually empty).
-- target_timestamp: when order-manager closes the filled order's position (the newest shape). An order
-- whose signal id has neither a signal row nor a relationship row is order-manager's own horizon close (a
-- reduce-only order under a fresh signal id); one with a relationship row but no signal row, an exit rule's.
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
         WHEN 'rejected' THEN 'rejected: ' || coalesce(nullif(o.rejection_reason, ''), 'no reason recorded')
         WHEN 'pending' THEN 'pending'
         WHEN 'dry_run' THEN 'dry run'
         ELSE o.status
       END AS closure,
       o.quantity,
       o.filled_quantity,
       o.average_price AS execution_price,
       o.fees,
       o.executed_at,
       o.target_timestamp,
       CASE WHEN s.signal_id IS NOT NULL THEN 'signal'
            WHEN EXISTS (SELECT 1 FROM monitoring.signal_order_relationships r WHERE r.signal_id = o.signal_id) THEN 'exit rule (no signal row)'
            ELSE 'horizon close'
       END AS origin,
       pnl.realized_pnl
FROM monitoring.orders o
LEFT JOIN monitoring.trading_signals s ON s.signal_id = o.signal_id
LEFT JOIN LATERAL (
  SELECT (e.performance ->> 'realized_pnl')::numeric AS realized_pnl
  FROM monitoring.execution_events e
  WHERE e.signal_id = o.signal_id AND jsonb_typeof(e.performance -> 'realized_pnl') = 'number'
  ORDER BY e.executed_at DESC
  LIMIT 1
) pnl ON true
WHERE $__timeFilter(o.created_at)
  AND ('__all__' IN ($asset) OR o.asset IN ($asset))
  AND ('__all__' IN ($strategy) OR s.strategy_id IN ($strategy))
ORDER BY o.created_at DESC
LIMIT 100

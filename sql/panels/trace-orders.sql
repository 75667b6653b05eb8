-- Signal trace: the signal's orders, found both ways the trading system links them: orders.signal_id, and
-- signal_order_relationships (whose order_id is the internal orders.id, not the exchange's order_id).
WITH links AS (
  SELECT o.id, 'orders.signal_id' AS linked_by
  FROM monitoring.orders o
  WHERE o.signal_id = (CASE WHEN btrim('$signal_id') ~* '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' THEN btrim('$signal_id')::uuid END)
  UNION ALL
  SELECT r.order_id, 'signal_order_relationships'
  FROM monitoring.signal_order_relationships r
  WHERE r.signal_id = (CASE WHEN btrim('$signal_id') ~* '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' THEN btrim('$signal_id')::uuid END)
)
SELECT o.order_id,
       string_agg(DISTINCT l.linked_by, ' + ') AS linked_by,
       o.created_at,
       o.asset,
       lower(o.side) AS side,
       o.order_type,
       o.status,
       nullif(o.rejection_reason, '') AS rejection_reason,
       o.quantity,
       o.price,
       o.is_dry_run AS dry_run
FROM links l
JOIN monitoring.orders o ON o.id = l.id
-- Every column of o: through the view, o.id is no primary key that the others depend on.
GROUP BY o.id, o.order_id, o.created_at, o.asset, o.side, o.order_type, o.status, o.rejection_reason, o.quantity, o.price, o.is_dry_run
ORDER BY o.created_at

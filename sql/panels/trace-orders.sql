-- Signal trace: the signal's orders, found both ways the trading system links them: orders.signal_id, and
-- signal_order_relationships (whose order_id is the internal orders.id, not the exchange's order_id).
WITH links AS (
  SELECT o.id, 'orders.signal_id' AS linked_by
  FROM orders o
  WHERE o.signal_id = (CASE WHEN btrim('$signal_id') ~* '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' THEN btrim('$signal_id')::uuid END)
  UNION ALL
  SELECT r.order_id, 'signal_order_relationships'
  FROM signal_order_relationships r
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
JOIN orders o ON o.id = l.id
GROUP BY o.id
ORDER BY o.created_at

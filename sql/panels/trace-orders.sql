-- Signal trace: the signal's orders, found both ways the trading system links them: orders.signal_id, and
-- signal_order_relationships (whose order_id is the internal orders.id, not the exchange's order_id); and
-- the horizon close of a position those orders moved: order-manager closes a position whose order's
-- target_timestamp passed with a reduce-only order of a fresh signal id (no trading_signals row, no
-- relationship row), found where position_orders links it to the same position (by its internal id, or
-- by the exchange's order id when the fill came before the order row). A signal id that is not a UUID
-- matches nothing (the CASE, as in trace-signal.sql).
WITH wanted AS (
  SELECT (CASE WHEN btrim('$signal_id') ~* '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' THEN btrim('$signal_id')::uuid END) AS signal_id
), own AS (
  SELECT o.id, 'orders.signal_id' AS linked_by
  FROM monitoring.orders o
  WHERE o.signal_id = (SELECT signal_id FROM wanted)
  UNION ALL
  SELECT r.order_id, 'signal_order_relationships'
  FROM monitoring.signal_order_relationships r
  WHERE r.signal_id = (SELECT signal_id FROM wanted)
), moved AS (
  SELECT po.position_id FROM monitoring.position_orders po WHERE po.order_id IN (SELECT id FROM own)
  UNION
  SELECT po.position_id
  FROM monitoring.position_orders po
  JOIN monitoring.orders o ON o.order_id = po.bybit_order_id
  WHERE po.order_id IS NULL AND o.id IN (SELECT id FROM own)
), closes AS (
  SELECT po.order_id AS id FROM monitoring.position_orders po WHERE po.position_id IN (SELECT position_id FROM moved) AND po.order_id IS NOT NULL
  UNION
  SELECT o.id
  FROM monitoring.position_orders po
  JOIN monitoring.orders o ON o.order_id = po.bybit_order_id
  WHERE po.position_id IN (SELECT position_id FROM moved) AND po.order_id IS NULL
), links AS (
  SELECT id, linked_by FROM own
  UNION ALL
  SELECT c.id, 'horizon close of its position'
  FROM closes c
  JOIN monitoring.orders h ON h.id = c.id
  WHERE c.id NOT IN (SELECT id FROM own)
    AND NOT EXISTS (SELECT 1 FROM monitoring.trading_signals s WHERE s.signal_id = h.signal_id)
    AND NOT EXISTS (SELECT 1 FROM monitoring.signal_order_relationships r WHERE r.signal_id = h.signal_id)
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

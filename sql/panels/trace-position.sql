-- Signal trace: the position the signal's orders moved, found through position_orders (the newest shape:
-- a fill is linked to the position it moved, by the internal order id, or by the exchange's order id when
-- the fill came before the order row); without such a link (an order not filled, or a shape without
-- position_orders), the position in the signal's asset as it is now, per mode the open one, else the last
-- closed one (the December shape's reused row) ("found by asset"). A closed position says what closed it,
-- where position_orders records the closing fill: order-manager's horizon close (a reduce-only order whose
-- signal id has no trading_signals row and no relationship row), or another order; else "not recorded"
-- (the December shape keeps no such link). A signal id that is not a UUID matches nothing (the CASE, as in
-- trace-signal.sql).
WITH signal_orders AS (
  SELECT o.id, o.order_id
  FROM monitoring.orders o
  WHERE o.signal_id = (CASE WHEN btrim('$signal_id') ~* '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' THEN btrim('$signal_id')::uuid END)
), linked AS (
  SELECT po.position_id FROM monitoring.position_orders po WHERE po.order_id IN (SELECT id FROM signal_orders)
  UNION
  SELECT po.position_id FROM monitoring.position_orders po WHERE po.order_id IS NULL AND po.bybit_order_id IN (SELECT order_id FROM signal_orders)
)
SELECT p.asset,
       p.mode,
       p.size,
       p.average_entry_price,
       p.current_price,
       p.unrealized_pnl,
       p.realized_pnl,
       p.last_updated,
       p.closed_at,
       CASE WHEN p.id IN (SELECT position_id FROM linked) THEN 'its orders (position_orders)' ELSE 'asset' END AS found_by,
       CASE WHEN p.closed_at IS NULL THEN NULL
            WHEN c.order_id IS NULL THEN 'not recorded'
            WHEN c.horizon THEN 'horizon close'
            ELSE 'order' END AS closed_by,
       c.order_id AS closing_order
FROM monitoring.positions p
LEFT JOIN LATERAL (
  SELECT o.order_id,
         NOT EXISTS (SELECT 1 FROM monitoring.trading_signals s WHERE s.signal_id = o.signal_id)
           AND NOT EXISTS (SELECT 1 FROM monitoring.signal_order_relationships r WHERE r.signal_id = o.signal_id) AS horizon
  FROM monitoring.position_orders po
  LEFT JOIN monitoring.orders by_id ON by_id.id = po.order_id
  LEFT JOIN monitoring.orders by_exchange_id ON po.order_id IS NULL AND by_exchange_id.order_id = po.bybit_order_id
  CROSS JOIN LATERAL (SELECT coalesce(by_id.order_id, by_exchange_id.order_id) AS order_id, coalesce(by_id.signal_id, by_exchange_id.signal_id) AS signal_id) o
  WHERE po.position_id = p.id AND po.relationship_type IN ('closed', 'reversed') AND o.order_id IS NOT NULL
  ORDER BY po.executed_at DESC
  LIMIT 1
) c ON p.closed_at IS NOT NULL
WHERE p.id IN (SELECT position_id FROM linked)
   OR (NOT EXISTS (SELECT 1 FROM linked)
       AND p.id IN (
         SELECT DISTINCT ON (a.mode) a.id
         FROM monitoring.positions a
         WHERE a.asset = (SELECT s.asset FROM monitoring.trading_signals s WHERE s.signal_id = (CASE WHEN btrim('$signal_id') ~* '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' THEN btrim('$signal_id')::uuid END))
         ORDER BY a.mode, a.is_open DESC, a.closed_at DESC NULLS FIRST))
ORDER BY p.opened_at, p.mode

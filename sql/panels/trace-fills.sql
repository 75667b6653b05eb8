-- Signal trace: what was executed for the signal, with fees: the fills recorded on its orders, and any
-- execution_events rows (an older record that nothing writes any more).
SELECT 'order ' || o.order_id AS source,
       o.executed_at,
       o.filled_quantity AS quantity,
       o.average_price AS price,
       o.fees,
       NULL::numeric AS realized_pnl
FROM orders o
WHERE o.signal_id = (CASE WHEN btrim('$signal_id') ~* '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' THEN btrim('$signal_id')::uuid END) AND o.filled_quantity > 0
UNION ALL
SELECT 'execution_event',
       e.executed_at,
       e.execution_quantity,
       e.execution_price,
       e.execution_fees,
       CASE WHEN jsonb_typeof(e.performance -> 'realized_pnl') = 'number' THEN (e.performance ->> 'realized_pnl')::numeric END
FROM execution_events e
WHERE e.signal_id = (CASE WHEN btrim('$signal_id') ~* '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' THEN btrim('$signal_id')::uuid END)
ORDER BY 2

-- The monitor's database figures (exported as ytrader_trading_signals_recent, ytrader_orders_recent,
-- ytrader_orders_rejected_recent and ytrader_table_last_row_timestamp_seconds for the alerts): signals
-- written and orders created in the time range (the monitor runs it over its MONITOR_DATABASE_WINDOW),
-- the rejected orders among them, and when the newest signal and order were written. Each count reads
-- only the range on the time index; each newest time is one step down its index.
SELECT (SELECT count(*) FROM trading_signals s WHERE $__timeFilter(s."timestamp"))::int AS signals,
       (SELECT count(*) FROM orders o WHERE $__timeFilter(o.created_at))::int AS orders,
       (SELECT count(*) FROM orders o WHERE o.status = 'rejected' AND $__timeFilter(o.created_at))::int AS rejected_orders,
       (SELECT max(s."timestamp") FROM trading_signals s) AS last_signal_at,
       (SELECT max(o.created_at) FROM orders o) AS last_order_at

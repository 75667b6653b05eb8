-- The monitor's summary of orders (monitor/order-buckets.ts; read by model quality): the orders created in
-- [from, to) (the monitor runs it over whole settled 10-minute buckets), counted per bucket, their signal's
-- strategy and their asset: all, filled (or partly) and rejected. Orders carry no strategy, so each is joined
-- to its signal as the model quality panel joins them: the signals of the range (and 5 minutes before) in one
-- index range, by hash; an order whose signal is older is looked up by id; one whose signal is not in
-- trading_signals (a horizon close) counts under no strategy. Half-open, unlike $__timeFilter's BETWEEN, so
-- that an order on a bucket's edge is counted once.
WITH range_orders AS (
  SELECT o.signal_id, o.asset, o.status, date_bin('10 minutes', o.created_at, timestamp '2000-01-01') AS bucket
  FROM monitoring.orders o
  WHERE o.created_at >= $__timeFrom()::timestamp AND o.created_at < $__timeTo()::timestamp
), near AS (
  SELECT s.signal_id, s.strategy_id
  FROM monitoring.trading_signals s
  WHERE s."timestamp" >= $__timeFrom()::timestamp - interval '5 minutes' AND s."timestamp" < $__timeTo()::timestamp
)
SELECT r.bucket,
       coalesce(n.strategy_id, (SELECT l.strategy_id FROM monitoring.trading_signals l WHERE l.signal_id = r.signal_id)) AS strategy_id,
       r.asset,
       count(*)::int AS orders,
       (count(*) FILTER (WHERE r.status IN ('filled', 'partially_filled')))::int AS filled,
       (count(*) FILTER (WHERE r.status = 'rejected'))::int AS rejected
FROM range_orders r
LEFT JOIN near n ON n.signal_id = r.signal_id
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3

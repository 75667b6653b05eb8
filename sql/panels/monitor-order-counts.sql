-- How many orders each 10-minute bucket of [from, to) holds now (monitor/order-buckets.ts): the monitor
-- compares it with what it summarized, and summarizes again a bucket whose orders were written or deleted
-- after it was summarized (a restore, a backfill). Only the time index is read.
SELECT date_bin('10 minutes', o.created_at, timestamp '2000-01-01') AS bucket, count(*)::int AS orders
FROM monitoring.orders o
WHERE o.created_at >= $__timeFrom()::timestamp AND o.created_at < $__timeTo()::timestamp
GROUP BY 1
ORDER BY 1

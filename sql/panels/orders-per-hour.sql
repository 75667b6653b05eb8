-- Orders per hour (US2, US3): the orders created in each hour of the range, by how they stand: filled
-- (or partly), rejected, and the rest (cancelled, pending, dry run). Stacked, the three make the orders
-- created that hour. The settled part of the range is summed from the monitor's summary per 10-minute
-- bucket (monitor/order-buckets.ts; order_summary_span says which part it covers); the rest, in each hour
-- it touches, is counted from the orders as index range counts: with the partial indexes of
-- sql/indexes.sql each reads only its own index entries and fetches no row. Without a summary, every hour
-- of the range is counted that way. Hours without orders show 0.
WITH span AS (
  SELECT * FROM monitoring.order_summary_span($__timeFrom()::timestamp, $__timeTo()::timestamp)
), hours AS (
  SELECT h.hour FROM generate_series(date_trunc('hour', $__timeFrom()::timestamp), $__timeTo()::timestamp, interval '1 hour') AS h(hour)
), summarized AS (
  SELECT date_trunc('hour', c.bucket) AS hour, sum(c.filled)::int AS filled, sum(c.rejected)::int AS rejected,
         sum(c.orders - c.filled - c.rejected)::int AS other
  FROM monitoring.order_bucket_counts c, span p
  WHERE c.bucket >= p.lo AND c.bucket < p.hi AND ('__all__' IN ($asset) OR c.asset IN ($asset))
  GROUP BY 1
), windows AS (
  -- The parts of each hour the summary does not cover: before its stretch and after it (the range's end
  -- included, as $__timeFilter's BETWEEN includes it).
  SELECT h.hour, greatest(h.hour, w.a) AS a, least(h.hour + interval '1 hour', w.b) AS b
  FROM hours h, span p,
       LATERAL (VALUES ($__timeFrom()::timestamp, p.lo), (p.hi, $__timeTo()::timestamp + interval '1 microsecond')) AS w(a, b)
  WHERE greatest(h.hour, w.a) < least(h.hour + interval '1 hour', w.b)
), counted AS (
  SELECT w.hour,
         (SELECT count(*) FROM monitoring.orders o
           WHERE o.status IN ('filled', 'partially_filled') AND o.created_at >= w.a AND o.created_at < w.b
             AND ('__all__' IN ($asset) OR o.asset IN ($asset)))::int AS filled,
         (SELECT count(*) FROM monitoring.orders o
           WHERE o.status = 'rejected' AND o.created_at >= w.a AND o.created_at < w.b
             AND ('__all__' IN ($asset) OR o.asset IN ($asset)))::int AS rejected,
         (SELECT count(*) FROM monitoring.orders o
           WHERE o.status NOT IN ('filled', 'partially_filled', 'rejected') AND o.created_at >= w.a AND o.created_at < w.b
             AND ('__all__' IN ($asset) OR o.asset IN ($asset)))::int AS other
  FROM windows w
), both_parts AS (
  SELECT * FROM summarized UNION ALL SELECT * FROM counted
)
SELECT $__timeGroupAlias(h.hour, '1h'),
       coalesce(sum(x.filled), 0)::int AS filled,
       coalesce(sum(x.rejected), 0)::int AS rejected,
       coalesce(sum(x.other), 0)::int AS other
FROM hours h
LEFT JOIN both_parts x ON x.hour = h.hour
GROUP BY h.hour
ORDER BY 1

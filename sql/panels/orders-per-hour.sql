-- Orders per hour (US2, US3): created and filled in each hour of the range. The range's orders are
-- counted per hour on date_trunc first (cheap on a timestamp) and Grafana's bucket is taken of those few
-- hours only: the same buckets (UTC hours), without numeric arithmetic on every order.
SELECT $__timeGroupAlias(h.hour, '1h'),
       sum(h.created)::int AS created,
       sum(h.filled)::int AS filled,
       sum(h.rejected)::int AS rejected
FROM (
  SELECT date_trunc('hour', o.created_at) AS hour,
         count(*) AS created,
         count(*) FILTER (WHERE o.status IN ('filled', 'partially_filled')) AS filled,
         count(*) FILTER (WHERE o.status = 'rejected') AS rejected
  FROM orders o
  WHERE $__timeFilter(o.created_at)
    AND ('__all__' IN ($asset) OR o.asset IN ($asset))
  GROUP BY 1
) h
GROUP BY 1
ORDER BY 1

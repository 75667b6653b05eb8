-- Orders per hour (US2, US3): created and filled in each hour of the range.
SELECT $__timeGroupAlias(o.created_at, '1h'),
       count(*)::int AS created,
       (count(*) FILTER (WHERE o.status IN ('filled', 'partially_filled')))::int AS filled,
       (count(*) FILTER (WHERE o.status = 'rejected'))::int AS rejected
FROM orders o
WHERE $__timeFilter(o.created_at)
  AND ('__all__' IN ($asset) OR o.asset IN ($asset))
GROUP BY 1
ORDER BY 1

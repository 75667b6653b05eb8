-- Errors (US5): orders rejected in the range, by reason, most frequent first.
SELECT nullif(o.rejection_reason, '') AS reason,
       count(*)::int AS orders,
       max(o.created_at) AS last_seen
FROM orders o
WHERE o.status = 'rejected'
  AND $__timeFilter(o.created_at)
  AND ('__all__' IN ($asset) OR o.asset IN ($asset))
GROUP BY 1
ORDER BY orders DESC, last_seen DESC
LIMIT 20

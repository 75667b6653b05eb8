-- Exchange WebSocket (US6): the active subscriptions by channel and requesting service.
-- updated_at is bumped by every market message while a row is active, so it says nothing here.
SELECT channel_type,
       requesting_service,
       count(*)::int AS active,
       string_agg(DISTINCT coalesce(symbol, '-'), ', ') AS symbols,
       max(last_event_at) AS last_event_at
FROM monitoring.subscriptions
WHERE is_active
  AND ('__all__' IN ($service) OR requesting_service IN ($service))
GROUP BY channel_type, requesting_service
ORDER BY channel_type, requesting_service

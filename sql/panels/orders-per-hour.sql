-- Orders per hour (US2, US3): the orders created in each hour of the range, by how they stand: filled
-- (or partly), rejected, and the rest (cancelled, pending, dry run). Stacked, the three make the orders
-- created that hour. Each hour's three counts are index range counts: with the partial indexes of
-- sql/indexes.sql each reads only its own index entries, so every order of the range is visited once and
-- no row is fetched, where grouping the range's rows by hour would read each row and compute its hour.
-- Hours without orders show 0.
SELECT $__timeGroupAlias(h.hour, '1h'),
       (SELECT count(*) FROM monitoring.orders o
         WHERE o.status IN ('filled', 'partially_filled')
           AND o.created_at >= h.hour AND o.created_at < h.hour + interval '1 hour' AND $__timeFilter(o.created_at)
           AND ('__all__' IN ($asset) OR o.asset IN ($asset)))::int AS filled,
       (SELECT count(*) FROM monitoring.orders o
         WHERE o.status = 'rejected'
           AND o.created_at >= h.hour AND o.created_at < h.hour + interval '1 hour' AND $__timeFilter(o.created_at)
           AND ('__all__' IN ($asset) OR o.asset IN ($asset)))::int AS rejected,
       (SELECT count(*) FROM monitoring.orders o
         WHERE o.status NOT IN ('filled', 'partially_filled', 'rejected')
           AND o.created_at >= h.hour AND o.created_at < h.hour + interval '1 hour' AND $__timeFilter(o.created_at)
           AND ('__all__' IN ($asset) OR o.asset IN ($asset)))::int AS other
FROM generate_series(date_trunc('hour', $__timeFrom()::timestamp), $__timeTo()::timestamp, interval '1 hour') AS h(hour)
ORDER BY 1

-- PnL (US3): one row per asset and mode, open positions first: the open position as position-manager holds
-- it now (size, prices, unrealized PnL), else the last closed one; and the positions of that asset and mode
-- closed in the range with their realized PnL, from wherever this shape keeps them (monitoring.positions:
-- closed rows of the newest shape, closed_positions, 053's copies; the December shape's reused row, whose
-- realized PnL is Bybit's running total, says so in "PnL basis"). A closed row shows no live price and no
-- unrealized PnL.
SELECT p.asset,
       p.mode,
       CASE WHEN p.is_open THEN 'open' ELSE 'closed' END AS state,
       p.size,
       p.average_entry_price,
       p.current_price,
       p.unrealized_pnl,
       coalesce(c.closed, 0) AS closed_in_range,
       c.realized_pnl AS realized_pnl_in_range,
       p.realized_pnl_basis AS pnl_basis,
       coalesce(p.closed_at, p.last_updated) AS last_updated
FROM (
  SELECT DISTINCT ON (asset, mode) *
  FROM monitoring.positions
  WHERE '__all__' IN ($asset) OR asset IN ($asset)
  ORDER BY asset, mode, is_open DESC, closed_at DESC NULLS FIRST, last_updated DESC
) p
LEFT JOIN LATERAL (
  SELECT count(*)::int AS closed, sum(h.realized_pnl) AS realized_pnl
  FROM monitoring.positions h
  WHERE h.asset = p.asset AND h.mode = p.mode AND NOT h.is_open AND $__timeFilter(h.closed_at)
) c ON true
ORDER BY p.is_open DESC, p.asset, p.mode

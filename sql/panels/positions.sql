-- PnL (US3): the positions as position-manager holds them now, one row per asset and mode. realized_pnl
-- is cumulative over the row's whole life (rows are reused across open and close).
SELECT p.asset,
       p.mode,
       p.size,
       p.average_entry_price,
       p.current_price,
       p.unrealized_pnl,
       p.realized_pnl,
       p.last_updated
FROM positions p
WHERE '__all__' IN ($asset) OR p.asset IN ($asset)
ORDER BY p.asset, p.mode

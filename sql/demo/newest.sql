-- The demo trading system's database in its NEWEST shape: the migrations after December 2025 (027 to 053
-- of the real system) applied to the December shape of sql/demo/schema.sql, the way an operator applies
-- them, so that the demo goes through the same upgrade the real databases did (052 drops the unique key
-- of positions by its real name). Only what touches the tables the dashboards read, and the new tables
-- they may read. Idempotent: applying it twice is harmless. Facts: docs/trading-system-now.md; the whole
-- shape: docs/trading-system-now-schema.sql.

-- 030, 046: a signal's horizon, and rejected signals (stored on every inference, never published).
ALTER TABLE trading_signals
    ADD COLUMN IF NOT EXISTS prediction_horizon_seconds INTEGER,
    ADD COLUMN IF NOT EXISTS target_timestamp TIMESTAMP,
    ADD COLUMN IF NOT EXISTS is_rejected BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS rejection_reason TEXT,
    ADD COLUMN IF NOT EXISTS effective_threshold DECIMAL(5, 4) CHECK (effective_threshold >= 0 AND effective_threshold <= 1);
CREATE INDEX IF NOT EXISTS idx_trading_signals_target_timestamp ON trading_signals (target_timestamp DESC);
CREATE INDEX IF NOT EXISTS idx_trading_signals_horizon ON trading_signals (prediction_horizon_seconds);
CREATE INDEX IF NOT EXISTS idx_trading_signals_is_rejected ON trading_signals (is_rejected, "timestamp" DESC);
CREATE INDEX IF NOT EXISTS idx_trading_signals_rejection_reason ON trading_signals (rejection_reason) WHERE rejection_reason IS NOT NULL;

-- 047: when order-manager closes a filled order's position (a reduce-only order with no signal row).
ALTER TABLE orders ADD COLUMN IF NOT EXISTS target_timestamp TIMESTAMP;
CREATE INDEX IF NOT EXISTS idx_orders_target_timestamp ON orders (target_timestamp) WHERE target_timestamp IS NOT NULL;

-- 032, 038, 039: one active model per strategy AND symbol (a NULL symbol: a model for every symbol).
ALTER TABLE model_versions
    ADD COLUMN IF NOT EXISTS symbol VARCHAR(20),
    ADD COLUMN IF NOT EXISTS auto_activation_disabled BOOLEAN NOT NULL DEFAULT false;
DROP INDEX IF EXISTS idx_model_versions_one_active_per_strategy;
DROP INDEX IF EXISTS idx_model_versions_unique_active;
DROP INDEX IF EXISTS idx_model_versions_active;
CREATE INDEX IF NOT EXISTS idx_model_versions_active ON model_versions (strategy_id, symbol, is_active) WHERE is_active = true;
CREATE INDEX IF NOT EXISTS idx_model_versions_strategy_symbol ON model_versions (strategy_id, symbol) WHERE symbol IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS idx_model_versions_unique_active
    ON model_versions (COALESCE(strategy_id, ''), symbol, is_active) WHERE is_active = true AND symbol IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS idx_model_versions_unique_active_no_symbol
    ON model_versions (COALESCE(strategy_id, ''), is_active) WHERE is_active = true AND symbol IS NULL;

-- 037, 051, 052: positions become a history, one row per position opened; a closed row keeps size 0.
ALTER TABLE positions
    ADD COLUMN IF NOT EXISTS total_fees DECIMAL(20, 8) NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS opened_at TIMESTAMP,
    ADD COLUMN IF NOT EXISTS leverage DECIMAL(10, 2),
    ADD COLUMN IF NOT EXISTS position_value DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS liq_price DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS bust_price DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS take_profit DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS stop_loss DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS cum_realised_pnl DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS cum_unrealised_pnl DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS opening_fees DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS closing_fees DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS margin_used DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS available_margin DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS maintenance_margin DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS max_size DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS min_size DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS total_volume_traded DECIMAL(20, 8) NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS first_entry_price DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS last_entry_price DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS exit_price DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS peak_unrealized_pnl DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS peak_unrealized_pnl_at TIMESTAMP,
    ADD COLUMN IF NOT EXISTS worst_unrealized_pnl DECIMAL(20, 8),
    ADD COLUMN IF NOT EXISTS worst_unrealized_pnl_at TIMESTAMP,
    ADD COLUMN IF NOT EXISTS source VARCHAR(50),
    ADD COLUMN IF NOT EXISTS last_sync_with_bybit TIMESTAMP,
    ADD COLUMN IF NOT EXISTS bybit_position_data JSONB;
-- 052's back-fill of existing rows (the columns stay nullable without default).
UPDATE positions SET unrealized_pnl = 0 WHERE unrealized_pnl IS NULL;
UPDATE positions SET realized_pnl = 0 WHERE realized_pnl IS NULL;
UPDATE positions SET created_at = last_updated WHERE created_at IS NULL;
ALTER TABLE positions DROP CONSTRAINT IF EXISTS uq_position_asset_mode;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'chk_size_closed' AND conrelid = 'positions'::regclass) THEN
        ALTER TABLE positions ADD CONSTRAINT chk_size_closed CHECK (closed_at IS NULL OR (closed_at IS NOT NULL AND size = 0));
    END IF;
END $$;
CREATE INDEX IF NOT EXISTS idx_positions_opened_at ON positions (opened_at DESC);
CREATE INDEX IF NOT EXISTS idx_positions_asset_mode ON positions (asset, mode);
CREATE INDEX IF NOT EXISTS idx_positions_closed_at ON positions (closed_at DESC);
CREATE INDEX IF NOT EXISTS idx_positions_active ON positions (asset, mode) WHERE closed_at IS NULL;
CREATE INDEX IF NOT EXISTS idx_positions_historical ON positions (asset, mode, closed_at DESC) WHERE closed_at IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS idx_positions_active_unique ON positions (asset, mode) WHERE closed_at IS NULL;

-- 044: the whole position as JSON on every snapshot (decimals as strings); the PnL columns are left NULL
-- by the newest code. Back-filled from the columns, then NOT NULL without default.
ALTER TABLE position_snapshots ADD COLUMN IF NOT EXISTS snapshot_data JSONB;
UPDATE position_snapshots SET snapshot_data = jsonb_build_object(
    'asset', asset, 'mode', mode, 'size', size::text, 'average_entry_price', average_entry_price::text,
    'unrealized_pnl', unrealized_pnl::text, 'realized_pnl', realized_pnl::text)
WHERE snapshot_data IS NULL;
ALTER TABLE position_snapshots ALTER COLUMN snapshot_data SET NOT NULL;

-- 028, 035, 036: which position each fill moved (order_id the internal orders.id; NULL when the fill's
-- event came before the order row, then bybit_order_id alone links it).
CREATE TABLE IF NOT EXISTS position_orders (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    position_id UUID NOT NULL REFERENCES positions (id) ON DELETE CASCADE,
    order_id UUID,
    relationship_type VARCHAR(20) NOT NULL
        CHECK (relationship_type IN ('opened', 'increased', 'decreased', 'closed', 'reversed')),
    size_delta DECIMAL(20, 8) NOT NULL,
    execution_price DECIMAL(20, 8) NOT NULL CHECK (execution_price > 0),
    executed_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT NOW(),
    bybit_order_id VARCHAR(255),
    CONSTRAINT position_orders_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_position_orders_position_id ON position_orders (position_id);
CREATE INDEX IF NOT EXISTS idx_position_orders_order_id ON position_orders (order_id);
CREATE INDEX IF NOT EXISTS idx_position_orders_executed_at ON position_orders (executed_at DESC);
CREATE INDEX IF NOT EXISTS idx_position_orders_relationship_type ON position_orders (relationship_type);
CREATE INDEX IF NOT EXISTS idx_position_orders_bybit_order_id ON position_orders (bybit_order_id) WHERE bybit_order_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS position_orders_position_order_unique
    ON position_orders (position_id, order_id) WHERE order_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS position_orders_position_bybit_order_unique
    ON position_orders (position_id, bybit_order_id) WHERE order_id IS NULL AND bybit_order_id IS NOT NULL;

-- 040, 042: closes of the window when the positions row was still reused (no longer written; 053 copies
-- the rows whose positions row is gone into positions, source 'migration_from_closed_positions').
CREATE TABLE IF NOT EXISTS closed_positions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    original_position_id UUID NOT NULL,
    asset VARCHAR(20) NOT NULL,
    mode VARCHAR(20) NOT NULL,
    final_size DECIMAL(20, 8) NOT NULL DEFAULT 0,
    average_entry_price DECIMAL(20, 8),
    exit_price DECIMAL(20, 8),
    current_price DECIMAL(20, 8),
    realized_pnl DECIMAL(20, 8) NOT NULL DEFAULT 0,
    unrealized_pnl_at_close DECIMAL(20, 8) NOT NULL DEFAULT 0,
    long_size DECIMAL(20, 8),
    short_size DECIMAL(20, 8),
    long_avg_price DECIMAL(20, 8),
    short_avg_price DECIMAL(20, 8),
    total_fees DECIMAL(20, 8),
    opened_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    CONSTRAINT chk_mode CHECK (mode IN ('one-way', 'hedge')),
    CONSTRAINT chk_avg_entry_price CHECK (average_entry_price IS NULL OR average_entry_price > 0),
    CONSTRAINT chk_exit_price CHECK (exit_price IS NULL OR exit_price > 0),
    CONSTRAINT chk_long_avg_price CHECK (long_avg_price IS NULL OR long_avg_price > 0),
    CONSTRAINT chk_short_avg_price CHECK (short_avg_price IS NULL OR short_avg_price > 0)
);
CREATE INDEX IF NOT EXISTS idx_closed_positions_asset ON closed_positions (asset);
CREATE INDEX IF NOT EXISTS idx_closed_positions_closed_at ON closed_positions (closed_at DESC);
CREATE INDEX IF NOT EXISTS idx_closed_positions_opened_at ON closed_positions (opened_at);
CREATE INDEX IF NOT EXISTS idx_closed_positions_asset_closed_at ON closed_positions (asset, closed_at DESC);
CREATE INDEX IF NOT EXISTS idx_closed_positions_original_position_id ON closed_positions (original_position_id);

-- A new table the panels must never read (045; only the columns the demo needs): the read-only role
-- stays without it.
CREATE TABLE IF NOT EXISTS model_predictions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    strategy_id VARCHAR(100),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

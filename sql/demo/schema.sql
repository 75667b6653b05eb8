-- The demo trading system's database: the tables of shared/docs/source-system.md as the real
-- migrations leave them, quirks included, so that dashboards and the role step meet what is really there.
-- Idempotent (IF NOT EXISTS everywhere): applying it twice is harmless. DECIMAL is DECIMAL(20,8) and
-- every time column is TIMESTAMP without time zone holding UTC, as in the real system. Every index the
-- facts list is here, and no other: dashboards are tested against the indexes they will really find.
-- A database made by an earlier version of this file is brought up to date by scripts/lib/demo/schema.ts.

-- model_versions comes first: execution_events and model_quality_metrics reference it.
CREATE TABLE IF NOT EXISTS model_versions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    version VARCHAR(50) NOT NULL UNIQUE,
    file_path VARCHAR(500) NOT NULL,
    model_type VARCHAR(50) NOT NULL
        CHECK (model_type IN ('xgboost', 'random_forest', 'logistic_regression', 'sgd_classifier')),
    strategy_id VARCHAR(100),
    trained_at TIMESTAMP NOT NULL DEFAULT NOW(),
    training_duration_seconds INTEGER,
    training_dataset_size INTEGER,
    training_config JSONB,
    -- At most one active model per strategy: the partial UNIQUE index below.
    is_active BOOLEAN NOT NULL DEFAULT false,
    -- Never set true in practice: warm-up means "no active model for the strategy".
    is_warmup_mode BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMP NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP NOT NULL DEFAULT NOW(),
    CONSTRAINT chk_version_format CHECK (version ~ '^v\d+(\.\d+)?$'),
    CONSTRAINT chk_file_path CHECK (file_path LIKE '/models/%')
);
-- (version) duplicates the UNIQUE constraint's index, and the partial index its UNIQUE twin: the real
-- migrations create both, so the demo does too.
CREATE INDEX IF NOT EXISTS idx_model_versions_version ON model_versions (version);
CREATE INDEX IF NOT EXISTS idx_model_versions_strategy_id ON model_versions (strategy_id);
CREATE INDEX IF NOT EXISTS idx_model_versions_trained_at ON model_versions (trained_at DESC);
CREATE INDEX IF NOT EXISTS idx_model_versions_active ON model_versions (strategy_id, is_active) WHERE is_active;
-- Not on a database of the newest shape (model_versions.symbol): one active model per strategy AND symbol
-- there (sql/demo/newest.sql).
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
                   AND table_name = 'model_versions' AND column_name = 'symbol') THEN
        CREATE UNIQUE INDEX IF NOT EXISTS idx_model_versions_one_active_per_strategy ON model_versions (strategy_id, is_active) WHERE is_active;
    END IF;
END $$;

CREATE TABLE IF NOT EXISTS model_quality_metrics (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    model_version_id UUID NOT NULL REFERENCES model_versions (id) ON DELETE CASCADE,
    metric_name VARCHAR(100) NOT NULL,
    metric_value DECIMAL(20, 8) NOT NULL,
    metric_type VARCHAR(50) NOT NULL
        CHECK (metric_type IN ('classification', 'regression', 'trading_performance')),
    evaluated_at TIMESTAMP NOT NULL DEFAULT NOW(),
    evaluation_dataset_size INTEGER,
    metadata JSONB,
    CONSTRAINT chk_metric_value_bounds CHECK (
        (metric_type = 'classification' AND metric_value >= 0 AND metric_value <= 1)
        OR metric_type IN ('regression', 'trading_performance'))
);
CREATE INDEX IF NOT EXISTS idx_model_quality_metrics_model_version_id ON model_quality_metrics (model_version_id);
CREATE INDEX IF NOT EXISTS idx_model_quality_metrics_metric_name ON model_quality_metrics (metric_name);
CREATE INDEX IF NOT EXISTS idx_model_quality_metrics_evaluated_at ON model_quality_metrics (evaluated_at DESC);

CREATE TABLE IF NOT EXISTS trading_signals (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    signal_id UUID NOT NULL UNIQUE,
    strategy_id VARCHAR(100) NOT NULL,
    asset VARCHAR(50) NOT NULL,
    -- Lower case here, but orders spell the same side 'Buy' / 'SELL'.
    side VARCHAR(10) NOT NULL CHECK (side IN ('buy', 'sell')),
    price DECIMAL(20, 8) NOT NULL CHECK (price > 0),
    confidence DECIMAL(5, 4) CHECK (confidence >= 0 AND confidence <= 1),
    -- Generation time, set by model-service: no default.
    "timestamp" TIMESTAMP NOT NULL,
    -- NULL for warm-up signals.
    model_version VARCHAR(50),
    is_warmup BOOLEAN NOT NULL DEFAULT false,
    market_data_snapshot JSONB,
    metadata JSONB,
    trace_id VARCHAR(100),
    created_at TIMESTAMP NOT NULL DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_trading_signals_timestamp ON trading_signals ("timestamp" DESC);
CREATE INDEX IF NOT EXISTS idx_trading_signals_strategy_id ON trading_signals (strategy_id);
CREATE INDEX IF NOT EXISTS idx_trading_signals_asset ON trading_signals (asset);
CREATE INDEX IF NOT EXISTS idx_trading_signals_strategy_timestamp ON trading_signals (strategy_id, "timestamp" DESC);
CREATE INDEX IF NOT EXISTS idx_trading_signals_asset_timestamp ON trading_signals (asset, "timestamp" DESC);

CREATE TABLE IF NOT EXISTS orders (
    -- Internal id; signal_order_relationships.order_id points here, not at orders.order_id.
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The exchange's order id, or 'REJECTED-<signal_id>' for orders rejected before reaching it.
    order_id VARCHAR(100) NOT NULL UNIQUE,
    -- No foreign key in the real schema: nothing guarantees the signal row exists.
    signal_id UUID NOT NULL,
    asset VARCHAR(20) NOT NULL,
    -- Exactly this casing (a quirk of the real migration): neither 'buy'/'sell' nor 'Sell'.
    side VARCHAR(10) NOT NULL CHECK (side IN ('Buy', 'SELL')),
    order_type VARCHAR(20) NOT NULL CHECK (order_type IN ('Market', 'Limit')),
    quantity DECIMAL(20, 8) NOT NULL CHECK (quantity > 0),
    price DECIMAL(20, 8),
    status VARCHAR(50) NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'partially_filled', 'filled', 'cancelled', 'rejected', 'dry_run')),
    filled_quantity DECIMAL(20, 8) NOT NULL DEFAULT 0,
    average_price DECIMAL(20, 8),
    fees DECIMAL(20, 8),
    created_at TIMESTAMP NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP NOT NULL DEFAULT NOW(),
    executed_at TIMESTAMP,
    trace_id VARCHAR(100),
    is_dry_run BOOLEAN NOT NULL DEFAULT false,
    rejection_reason TEXT,
    CONSTRAINT chk_orders_filled_quantity CHECK (filled_quantity >= 0 AND filled_quantity <= quantity),
    CONSTRAINT chk_orders_limit_price CHECK (order_type <> 'Limit' OR (price IS NOT NULL AND price > 0))
);
-- Only these four: dashboards filtering on executed_at or updated_at get no index.
CREATE INDEX IF NOT EXISTS idx_orders_signal_id ON orders (signal_id);
CREATE INDEX IF NOT EXISTS idx_orders_asset ON orders (asset);
CREATE INDEX IF NOT EXISTS idx_orders_status ON orders (status);
CREATE INDEX IF NOT EXISTS idx_orders_created_at ON orders (created_at);

-- Nothing writes this table any more, and performance->'realized_pnl' has always been JSON null.
CREATE TABLE IF NOT EXISTS execution_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    signal_id UUID NOT NULL,
    strategy_id VARCHAR(100) NOT NULL,
    asset VARCHAR(50) NOT NULL,
    side VARCHAR(10) NOT NULL CHECK (side IN ('buy', 'sell')),
    execution_price DECIMAL(20, 8) NOT NULL CHECK (execution_price > 0),
    execution_quantity DECIMAL(20, 8) NOT NULL CHECK (execution_quantity > 0),
    execution_fees DECIMAL(20, 8) NOT NULL CHECK (execution_fees >= 0),
    executed_at TIMESTAMP NOT NULL,
    signal_price DECIMAL(20, 8) NOT NULL,
    signal_timestamp TIMESTAMP NOT NULL,
    performance JSONB NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT NOW(),
    used_for_training BOOLEAN NOT NULL DEFAULT FALSE,
    training_id UUID,
    CONSTRAINT fk_execution_events_training_model_version FOREIGN KEY (training_id) REFERENCES model_versions (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS idx_execution_events_executed_at ON execution_events (executed_at DESC);
CREATE INDEX IF NOT EXISTS idx_execution_events_signal_id ON execution_events (signal_id);
CREATE INDEX IF NOT EXISTS idx_execution_events_strategy_id ON execution_events (strategy_id);
CREATE INDEX IF NOT EXISTS idx_execution_events_strategy_executed_at ON execution_events (strategy_id, executed_at DESC);

CREATE TABLE IF NOT EXISTS subscriptions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    channel_type VARCHAR(50) NOT NULL
        CHECK (channel_type IN ('trades', 'ticker', 'orderbook', 'order', 'balance', 'position', 'kline', 'liquidation', 'funding')),
    -- NULL for balance/position/liquidation, '*' for order-manager's order channel.
    symbol VARCHAR(20),
    topic VARCHAR(200) NOT NULL,
    requesting_service VARCHAR(100) NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMP NOT NULL DEFAULT NOW(),
    -- Bumped by every market message while active; the cancellation time once inactive.
    updated_at TIMESTAMP NOT NULL DEFAULT NOW(),
    last_event_at TIMESTAMP,
    CONSTRAINT chk_symbol_required CHECK (
        (channel_type IN ('trades', 'ticker', 'orderbook', 'order', 'kline', 'funding') AND symbol IS NOT NULL)
        OR (channel_type NOT IN ('trades', 'ticker', 'orderbook', 'order', 'kline', 'funding') AND symbol IS NULL))
);
CREATE INDEX IF NOT EXISTS idx_subscriptions_topic ON subscriptions (topic);
CREATE INDEX IF NOT EXISTS idx_subscriptions_is_active ON subscriptions (is_active);
CREATE INDEX IF NOT EXISTS idx_subscriptions_requesting_service ON subscriptions (requesting_service);

-- As migrations 007, 014 and 015 leave it: the PnL columns nullable without default, size without default.
CREATE TABLE IF NOT EXISTS positions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    asset VARCHAR(20) NOT NULL,
    -- Signed: > 0 long, < 0 short, 0 flat.
    size DECIMAL(20, 8) NOT NULL,
    average_entry_price DECIMAL(20, 8),
    unrealized_pnl DECIMAL(20, 8),
    -- Cumulative over the row's whole life: the row is reused across open/close.
    realized_pnl DECIMAL(20, 8),
    mode VARCHAR(20) NOT NULL DEFAULT 'one-way',
    long_size DECIMAL(20, 8),
    short_size DECIMAL(20, 8),
    long_avg_price DECIMAL(20, 8),
    short_avg_price DECIMAL(20, 8),
    last_updated TIMESTAMP NOT NULL DEFAULT NOW(),
    last_snapshot_at TIMESTAMP,
    current_price DECIMAL(20, 8),
    -- Optimistic-locking counter of position-manager.
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP,
    -- Reset to NULL when the position reopens.
    closed_at TIMESTAMP,
    CONSTRAINT chk_mode CHECK (mode IN ('one-way', 'hedge')),
    CONSTRAINT chk_avg_entry_price CHECK (average_entry_price IS NULL OR average_entry_price > 0),
    CONSTRAINT chk_long_avg_price CHECK (long_avg_price IS NULL OR long_avg_price > 0),
    CONSTRAINT chk_short_avg_price CHECK (short_avg_price IS NULL OR short_avg_price > 0),
    -- One row per asset and mode (the newest shape drops it by this name: sql/demo/newest.sql).
    CONSTRAINT uq_position_asset_mode UNIQUE (asset, mode)
);
CREATE INDEX IF NOT EXISTS idx_positions_asset ON positions (asset);
CREATE INDEX IF NOT EXISTS idx_positions_mode ON positions (mode);
CREATE INDEX IF NOT EXISTS idx_positions_last_updated ON positions (last_updated);
CREATE INDEX IF NOT EXISTS idx_positions_current_price ON positions (current_price);
CREATE INDEX IF NOT EXISTS idx_positions_version ON positions (version);

-- Written every 5 minutes per position (008).
CREATE TABLE IF NOT EXISTS position_snapshots (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    position_id UUID NOT NULL,
    asset VARCHAR(20) NOT NULL,
    size DECIMAL(20, 8) NOT NULL,
    average_entry_price DECIMAL(20, 8),
    unrealized_pnl DECIMAL(20, 8),
    realized_pnl DECIMAL(20, 8),
    mode VARCHAR(20) NOT NULL,
    long_size DECIMAL(20, 8),
    short_size DECIMAL(20, 8),
    snapshot_timestamp TIMESTAMP NOT NULL DEFAULT NOW(),
    CONSTRAINT chk_mode CHECK (mode IN ('one-way', 'hedge')),
    CONSTRAINT chk_avg_entry_price CHECK (average_entry_price IS NULL OR average_entry_price > 0),
    CONSTRAINT fk_position FOREIGN KEY (position_id) REFERENCES positions (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_position_snapshots_position_id ON position_snapshots (position_id);
CREATE INDEX IF NOT EXISTS idx_position_snapshots_asset ON position_snapshots (asset);
CREATE INDEX IF NOT EXISTS idx_position_snapshots_snapshot_timestamp ON position_snapshots (snapshot_timestamp);

-- order-manager writes one row ('one_to_one', execution_sequence 1, no allocation) for every order it
-- creates, rejected ones included: this table grows as fast as orders.
CREATE TABLE IF NOT EXISTS signal_order_relationships (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    -- No foreign key, like orders.signal_id.
    signal_id UUID NOT NULL,
    -- The internal orders.id, not the exchange's orders.order_id.
    order_id UUID NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    relationship_type VARCHAR(20) NOT NULL CHECK (relationship_type IN ('one_to_one', 'one_to_many', 'many_to_one')),
    execution_sequence INTEGER CHECK (execution_sequence >= 1),
    -- Always NULL in practice.
    allocation_amount DECIMAL(20, 8) CHECK (allocation_amount > 0),
    allocation_quantity DECIMAL(20, 8) CHECK (allocation_quantity > 0),
    created_at TIMESTAMP NOT NULL DEFAULT NOW(),
    UNIQUE (signal_id, order_id)
);
CREATE INDEX IF NOT EXISTS idx_signal_order_relationships_signal_id ON signal_order_relationships (signal_id);
CREATE INDEX IF NOT EXISTS idx_signal_order_relationships_order_id ON signal_order_relationships (order_id);
CREATE INDEX IF NOT EXISTS idx_signal_order_relationships_relationship_type ON signal_order_relationships (relationship_type);

-- Account money: tables Grafana must never read (the legacy role can; least privilege must not).
CREATE TABLE IF NOT EXISTS account_balances (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    coin VARCHAR(20) NOT NULL,
    wallet_balance DECIMAL(20, 8) NOT NULL,
    available_balance DECIMAL(20, 8) NOT NULL,
    frozen DECIMAL(20, 8) NOT NULL DEFAULT 0,
    "timestamp" TIMESTAMP NOT NULL,
    trace_id VARCHAR(100),
    received_at TIMESTAMP NOT NULL DEFAULT NOW(),
    created_at TIMESTAMP NOT NULL DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_account_balances_coin_timestamp ON account_balances (coin, "timestamp" DESC);

CREATE TABLE IF NOT EXISTS account_margin_balances (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    account_type VARCHAR(20) NOT NULL DEFAULT 'UNIFIED',
    total_equity DECIMAL(20, 8) NOT NULL,
    total_wallet_balance DECIMAL(20, 8) NOT NULL,
    total_margin_balance DECIMAL(20, 8) NOT NULL,
    total_available_balance DECIMAL(20, 8) NOT NULL,
    total_initial_margin DECIMAL(20, 8) NOT NULL DEFAULT 0,
    total_maintenance_margin DECIMAL(20, 8) NOT NULL DEFAULT 0,
    base_currency VARCHAR(10) NOT NULL DEFAULT 'USD',
    "timestamp" TIMESTAMP NOT NULL,
    trace_id VARCHAR(100),
    received_at TIMESTAMP NOT NULL DEFAULT NOW(),
    created_at TIMESTAMP NOT NULL DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_account_margin_balances_timestamp ON account_margin_balances ("timestamp" DESC);

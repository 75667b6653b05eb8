-- The trading system's dashboard tables in their DECEMBER 2025 shape, as the real migrations left them
-- (ws-gateway/migrations of dobryakov/ytrader-bybit up to 021_update_subscriptions_channel_type_funding.sql;
-- 022 to 026 touch none of these tables, 027 is dated 2025-12-16). Written out as one script, derived from
-- the migrations (each part names its migration), with the real constraint and index names.
-- Where this differs from shared/docs/source-system.md or from sql/demo/schema.sql: docs/trading-system-now.md,
-- section "The December 2025 shape". The newest shape: trading-system-now-schema.sql.
-- Every time column is TIMESTAMP without time zone holding UTC. Meant for an empty database.

-- subscriptions: 001, 003_update, 021_update. Identical in the newest shape.
CREATE TABLE subscriptions (
    id                 UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    channel_type       VARCHAR(50)  NOT NULL,
    symbol             VARCHAR(20),
    topic              VARCHAR(200) NOT NULL,
    requesting_service VARCHAR(100) NOT NULL,
    is_active          BOOLEAN      NOT NULL DEFAULT true,
    created_at         TIMESTAMP    NOT NULL DEFAULT now(),
    updated_at         TIMESTAMP    NOT NULL DEFAULT now(),
    last_event_at      TIMESTAMP,
    CONSTRAINT chk_channel_type CHECK (channel_type IN
        ('trades', 'ticker', 'orderbook', 'order', 'balance', 'position', 'kline', 'liquidation', 'funding')),
    CONSTRAINT chk_symbol_required CHECK (
        (channel_type IN ('trades', 'ticker', 'orderbook', 'order', 'kline', 'funding') AND symbol IS NOT NULL)
        OR (channel_type NOT IN ('trades', 'ticker', 'orderbook', 'order', 'kline', 'funding') AND symbol IS NULL))
);
CREATE INDEX idx_subscriptions_topic   ON subscriptions (topic);
CREATE INDEX idx_subscriptions_active  ON subscriptions (is_active);
CREATE INDEX idx_subscriptions_service ON subscriptions (requesting_service);

-- model_versions: 003 only (no symbol, no auto_activation_disabled; 027's COALESCE fix came later).
CREATE TABLE model_versions (
    id                        UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    version                   VARCHAR(50)  NOT NULL UNIQUE,
    file_path                 VARCHAR(500) NOT NULL,
    model_type                VARCHAR(50)  NOT NULL,
    strategy_id               VARCHAR(100),
    trained_at                TIMESTAMP    NOT NULL DEFAULT now(),
    training_duration_seconds INTEGER,
    training_dataset_size     INTEGER,
    training_config           JSONB,
    is_active                 BOOLEAN      NOT NULL DEFAULT false,
    is_warmup_mode            BOOLEAN      NOT NULL DEFAULT false,
    created_at                TIMESTAMP    NOT NULL DEFAULT now(),
    updated_at                TIMESTAMP    NOT NULL DEFAULT now(),
    CONSTRAINT chk_model_type CHECK (model_type IN ('xgboost', 'random_forest', 'logistic_regression', 'sgd_classifier')),
    CONSTRAINT chk_version_format CHECK (version ~ '^v\d+(\.\d+)?$'),
    CONSTRAINT chk_file_path CHECK (file_path LIKE '/models/%')
);
CREATE INDEX idx_model_versions_version     ON model_versions (version);
CREATE INDEX idx_model_versions_strategy_id ON model_versions (strategy_id);
CREATE INDEX idx_model_versions_active      ON model_versions (strategy_id, is_active) WHERE is_active = true;
CREATE INDEX idx_model_versions_trained_at  ON model_versions (trained_at DESC);
-- One active model per strategy, except that rows with a NULL strategy_id never collide.
CREATE UNIQUE INDEX idx_model_versions_unique_active ON model_versions (strategy_id, is_active) WHERE is_active = true;

-- model_quality_metrics: 004. Identical in the newest shape.
CREATE TABLE model_quality_metrics (
    id                      UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    model_version_id        UUID          NOT NULL REFERENCES model_versions (id) ON DELETE CASCADE,
    metric_name             VARCHAR(100)  NOT NULL,
    metric_value            DECIMAL(20,8) NOT NULL,
    metric_type             VARCHAR(50)   NOT NULL,
    evaluated_at            TIMESTAMP     NOT NULL DEFAULT now(),
    evaluation_dataset_size INTEGER,
    metadata                JSONB,
    CONSTRAINT chk_metric_type CHECK (metric_type IN ('classification', 'regression', 'trading_performance')),
    CONSTRAINT chk_metric_value_bounds CHECK (
        (metric_type = 'classification' AND metric_value >= 0 AND metric_value <= 1)
        OR metric_type IN ('regression', 'trading_performance'))
);
CREATE INDEX idx_model_quality_metrics_model_version_id ON model_quality_metrics (model_version_id);
CREATE INDEX idx_model_quality_metrics_metric_name      ON model_quality_metrics (metric_name);
CREATE INDEX idx_model_quality_metrics_evaluated_at     ON model_quality_metrics (evaluated_at DESC);

-- trading_signals: 010 only.
CREATE TABLE trading_signals (
    id                   UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    signal_id            UUID          NOT NULL UNIQUE,
    strategy_id          VARCHAR(100)  NOT NULL,
    asset                VARCHAR(50)   NOT NULL,
    side                 VARCHAR(10)   NOT NULL CHECK (side IN ('buy', 'sell')),
    price                DECIMAL(20,8) NOT NULL CHECK (price > 0),
    confidence           DECIMAL(5,4)  CHECK (confidence >= 0 AND confidence <= 1),
    "timestamp"          TIMESTAMP     NOT NULL,
    model_version        VARCHAR(50),
    is_warmup            BOOLEAN       NOT NULL DEFAULT false,
    market_data_snapshot JSONB,
    metadata             JSONB,
    trace_id             VARCHAR(100),
    created_at           TIMESTAMP     NOT NULL DEFAULT now(),
    CONSTRAINT chk_side CHECK (side IN ('buy', 'sell')),
    CONSTRAINT chk_confidence CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1))
);
CREATE INDEX idx_trading_signals_timestamp          ON trading_signals ("timestamp" DESC);
CREATE INDEX idx_trading_signals_signal_id          ON trading_signals (signal_id);
CREATE INDEX idx_trading_signals_strategy_id        ON trading_signals (strategy_id);
CREATE INDEX idx_trading_signals_asset              ON trading_signals (asset);
CREATE INDEX idx_trading_signals_strategy_timestamp ON trading_signals (strategy_id, "timestamp" DESC);
CREATE INDEX idx_trading_signals_asset_timestamp    ON trading_signals (asset, "timestamp" DESC);

-- orders: 005, 011_add_rejection_reason (no target_timestamp yet).
CREATE TABLE orders (
    id               UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id         VARCHAR(100)  NOT NULL UNIQUE,
    signal_id        UUID          NOT NULL,
    asset            VARCHAR(20)   NOT NULL,
    side             VARCHAR(10)   NOT NULL,
    order_type       VARCHAR(20)   NOT NULL,
    quantity         DECIMAL(20,8) NOT NULL,
    price            DECIMAL(20,8),
    status           VARCHAR(50)   NOT NULL DEFAULT 'pending',
    filled_quantity  DECIMAL(20,8) NOT NULL DEFAULT 0,
    average_price    DECIMAL(20,8),
    fees             DECIMAL(20,8),
    created_at       TIMESTAMP     NOT NULL DEFAULT now(),
    updated_at       TIMESTAMP     NOT NULL DEFAULT now(),
    executed_at      TIMESTAMP,
    trace_id         VARCHAR(100),
    is_dry_run       BOOLEAN       NOT NULL DEFAULT false,
    rejection_reason TEXT,
    CONSTRAINT chk_side CHECK (side IN ('Buy', 'SELL')),
    CONSTRAINT chk_order_type CHECK (order_type IN ('Market', 'Limit')),
    CONSTRAINT chk_status CHECK (status IN ('pending', 'partially_filled', 'filled', 'cancelled', 'rejected', 'dry_run')),
    CONSTRAINT chk_quantity_positive CHECK (quantity > 0),
    CONSTRAINT chk_filled_quantity CHECK (filled_quantity >= 0 AND filled_quantity <= quantity),
    CONSTRAINT chk_price_limit_order CHECK ((order_type = 'Limit' AND price IS NOT NULL AND price > 0) OR order_type = 'Market')
);
CREATE INDEX idx_orders_signal_id  ON orders (signal_id);
CREATE INDEX idx_orders_asset      ON orders (asset);
CREATE INDEX idx_orders_status     ON orders (status);
CREATE INDEX idx_orders_created_at ON orders (created_at);
CREATE INDEX idx_orders_order_id   ON orders (order_id);

-- signal_order_relationships: 006. Identical in the newest shape.
CREATE TABLE signal_order_relationships (
    id                  UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    signal_id           UUID          NOT NULL,
    order_id            UUID          NOT NULL,
    relationship_type   VARCHAR(20)   NOT NULL,
    execution_sequence  INTEGER,
    allocation_amount   DECIMAL(20,8),
    allocation_quantity DECIMAL(20,8),
    created_at          TIMESTAMP     NOT NULL DEFAULT now(),
    CONSTRAINT chk_relationship_type CHECK (relationship_type IN ('one_to_one', 'one_to_many', 'many_to_one')),
    CONSTRAINT chk_execution_sequence CHECK (execution_sequence IS NULL OR execution_sequence >= 1),
    CONSTRAINT chk_allocation_amount CHECK (allocation_amount IS NULL OR allocation_amount > 0),
    CONSTRAINT chk_allocation_quantity CHECK (allocation_quantity IS NULL OR allocation_quantity > 0),
    CONSTRAINT uq_signal_order UNIQUE (signal_id, order_id),
    CONSTRAINT fk_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE
);
CREATE INDEX idx_signal_order_rel_signal_id ON signal_order_relationships (signal_id);
CREATE INDEX idx_signal_order_rel_order_id  ON signal_order_relationships (order_id);
CREATE INDEX idx_signal_order_rel_type      ON signal_order_relationships (relationship_type);

-- execution_events: 009, 011_add_used_for_training. Identical in the newest shape.
CREATE TABLE execution_events (
    id                 UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    signal_id          UUID          NOT NULL,
    strategy_id        VARCHAR(100)  NOT NULL,
    asset              VARCHAR(50)   NOT NULL,
    side               VARCHAR(10)   NOT NULL CHECK (side IN ('buy', 'sell')),
    execution_price    DECIMAL(20,8) NOT NULL CHECK (execution_price > 0),
    execution_quantity DECIMAL(20,8) NOT NULL CHECK (execution_quantity > 0),
    execution_fees     DECIMAL(20,8) NOT NULL CHECK (execution_fees >= 0),
    executed_at        TIMESTAMP     NOT NULL,
    signal_price       DECIMAL(20,8) NOT NULL,
    signal_timestamp   TIMESTAMP     NOT NULL,
    performance        JSONB         NOT NULL,
    created_at         TIMESTAMP     NOT NULL DEFAULT now(),
    used_for_training  BOOLEAN       NOT NULL DEFAULT false,
    training_id        UUID,
    CONSTRAINT chk_side CHECK (side IN ('buy', 'sell')),
    CONSTRAINT fk_execution_events_training_model_version
        FOREIGN KEY (training_id) REFERENCES model_versions (id) ON DELETE SET NULL
);
CREATE INDEX idx_execution_events_executed_at          ON execution_events (executed_at DESC);
CREATE INDEX idx_execution_events_signal_id            ON execution_events (signal_id);
CREATE INDEX idx_execution_events_strategy_id          ON execution_events (strategy_id);
CREATE INDEX idx_execution_events_strategy_executed_at ON execution_events (strategy_id, executed_at DESC);
CREATE INDEX idx_execution_events_used_for_training_strategy ON execution_events (used_for_training, strategy_id);

-- positions: 007, 014, 015. One row per (asset, mode), reused across open and close.
CREATE TABLE positions (
    id                  UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    asset               VARCHAR(20)   NOT NULL,
    size                DECIMAL(20,8) NOT NULL,                        -- no default
    average_entry_price DECIMAL(20,8),
    unrealized_pnl      DECIMAL(20,8),                                 -- nullable, no default
    realized_pnl        DECIMAL(20,8),                                 -- nullable, no default
    mode                VARCHAR(20)   NOT NULL DEFAULT 'one-way',
    long_size           DECIMAL(20,8),
    short_size          DECIMAL(20,8),
    long_avg_price      DECIMAL(20,8),
    short_avg_price     DECIMAL(20,8),
    last_updated        TIMESTAMP     NOT NULL DEFAULT now(),
    last_snapshot_at    TIMESTAMP,
    current_price       DECIMAL(20,8),                                 -- 014
    version             INTEGER       NOT NULL DEFAULT 1,              -- 014
    created_at          TIMESTAMP,                                     -- 015: nullable, no default
    closed_at           TIMESTAMP,                                     -- 015
    CONSTRAINT chk_mode CHECK (mode IN ('one-way', 'hedge')),
    CONSTRAINT chk_avg_entry_price CHECK (average_entry_price IS NULL OR average_entry_price > 0),
    CONSTRAINT chk_long_avg_price CHECK (long_avg_price IS NULL OR long_avg_price > 0),
    CONSTRAINT chk_short_avg_price CHECK (short_avg_price IS NULL OR short_avg_price > 0),
    CONSTRAINT uq_position_asset_mode UNIQUE (asset, mode)             -- 052 drops it by this name
);
CREATE INDEX idx_positions_asset         ON positions (asset);
CREATE INDEX idx_positions_mode          ON positions (mode);
CREATE INDEX idx_positions_last_updated  ON positions (last_updated);
CREATE INDEX idx_positions_current_price ON positions (current_price); -- 014
CREATE INDEX idx_positions_version       ON positions (version);       -- 014

-- position_snapshots: 008 only (no snapshot_data yet).
CREATE TABLE position_snapshots (
    id                  UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    position_id         UUID          NOT NULL,
    asset               VARCHAR(20)   NOT NULL,
    size                DECIMAL(20,8) NOT NULL,
    average_entry_price DECIMAL(20,8),
    unrealized_pnl      DECIMAL(20,8),                                 -- nullable, no default
    realized_pnl        DECIMAL(20,8),                                 -- nullable, no default
    mode                VARCHAR(20)   NOT NULL,                        -- no default
    long_size           DECIMAL(20,8),
    short_size          DECIMAL(20,8),
    snapshot_timestamp  TIMESTAMP     NOT NULL DEFAULT now(),
    CONSTRAINT chk_mode CHECK (mode IN ('one-way', 'hedge')),
    CONSTRAINT chk_avg_entry_price CHECK (average_entry_price IS NULL OR average_entry_price > 0),
    CONSTRAINT fk_position FOREIGN KEY (position_id) REFERENCES positions (id) ON DELETE CASCADE
);
CREATE INDEX idx_position_snapshots_position_id ON position_snapshots (position_id);
CREATE INDEX idx_position_snapshots_asset       ON position_snapshots (asset);
CREATE INDEX idx_position_snapshots_timestamp   ON position_snapshots (snapshot_timestamp);

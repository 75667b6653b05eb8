-- The trading system's tables as its NEWEST migrations leave them (ws-gateway/migrations up to
-- 053_migrate_closed_positions_to_positions.sql in dobryakov/ytrader-bybit), written out as one script.
-- It is derived from the migrations, not copied: each part names the migration it comes from. Constraint
-- and index names are the real ones (052 drops a constraint by name, and detection may look them up);
-- constraints the migrations leave unnamed get PostgreSQL's default names, as here.
-- Facts and their sources: docs/trading-system-now.md. The December 2025 shape: trading-system-2025-12-schema.sql.
--
-- Scope: every table the dashboards read, the new tables they may read (position_orders, closed_positions),
-- and the two new tables that hold foreign keys into trading_signals (prediction_targets,
-- prediction_trading_results). Other tables of the system are listed in docs/trading-system-now.md.
-- Every time column is TIMESTAMP without time zone holding UTC. Applying it to an empty database is the
-- intended use; it is not idempotent on purpose (an existing table of an older shape must not be mistaken
-- for this one).

-- ---------------------------------------------------------------------------------------------------
-- subscriptions: 001 (create), 003_update and 021_update (channel types, symbol rule). Unchanged since.
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
    -- 021: the full list of channel types.
    CONSTRAINT chk_channel_type CHECK (channel_type IN
        ('trades', 'ticker', 'orderbook', 'order', 'balance', 'position', 'kline', 'liquidation', 'funding')),
    -- 021: per-symbol channels need a symbol; balance, position and liquidation must have none.
    CONSTRAINT chk_symbol_required CHECK (
        (channel_type IN ('trades', 'ticker', 'orderbook', 'order', 'kline', 'funding') AND symbol IS NOT NULL)
        OR (channel_type NOT IN ('trades', 'ticker', 'orderbook', 'order', 'kline', 'funding') AND symbol IS NULL))
);
CREATE INDEX idx_subscriptions_topic   ON subscriptions (topic);                -- 001
CREATE INDEX idx_subscriptions_active  ON subscriptions (is_active);            -- 001
CREATE INDEX idx_subscriptions_service ON subscriptions (requesting_service);   -- 001

-- ---------------------------------------------------------------------------------------------------
-- model_versions: 003 (create), 032 (symbol), 038 (unique active indexes), 039 (auto_activation_disabled).
CREATE TABLE model_versions (
    id                        UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    version                   VARCHAR(50)  NOT NULL UNIQUE,          -- model_versions_version_key
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
    symbol                    VARCHAR(20),                             -- 032: NULL = a model for every symbol
    auto_activation_disabled  BOOLEAN      NOT NULL DEFAULT false,     -- 039
    CONSTRAINT chk_model_type CHECK (model_type IN ('xgboost', 'random_forest', 'logistic_regression', 'sgd_classifier')),
    CONSTRAINT chk_version_format CHECK (version ~ '^v\d+(\.\d+)?$'),  -- 003
    CONSTRAINT chk_file_path CHECK (file_path LIKE '/models/%')       -- 003
);
CREATE INDEX idx_model_versions_version     ON model_versions (version);           -- 003 (twin of the UNIQUE)
CREATE INDEX idx_model_versions_strategy_id ON model_versions (strategy_id);       -- 003
CREATE INDEX idx_model_versions_trained_at  ON model_versions (trained_at DESC);   -- 003
-- 032: rebuilt with symbol.
CREATE INDEX idx_model_versions_active ON model_versions (strategy_id, symbol, is_active) WHERE is_active = true;
CREATE INDEX idx_model_versions_strategy_symbol ON model_versions (strategy_id, symbol) WHERE symbol IS NOT NULL;
-- 038: at most one active model per (strategy, symbol), and one active symbol-less model per strategy;
-- a NULL strategy counts as ''. A strategy can have an active symbol-less model AND active per-symbol ones.
CREATE UNIQUE INDEX idx_model_versions_unique_active
    ON model_versions (COALESCE(strategy_id, ''), symbol, is_active) WHERE is_active = true AND symbol IS NOT NULL;
CREATE UNIQUE INDEX idx_model_versions_unique_active_no_symbol
    ON model_versions (COALESCE(strategy_id, ''), is_active) WHERE is_active = true AND symbol IS NULL;

-- ---------------------------------------------------------------------------------------------------
-- model_quality_metrics: 004. Unchanged since.
CREATE TABLE model_quality_metrics (
    id                      UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    model_version_id        UUID          NOT NULL REFERENCES model_versions (id) ON DELETE CASCADE,
    metric_name             VARCHAR(100)  NOT NULL,
    metric_value            DECIMAL(20,8) NOT NULL,
    metric_type             VARCHAR(50)   NOT NULL,
    evaluated_at            TIMESTAMP     NOT NULL DEFAULT now(),
    evaluation_dataset_size INTEGER,
    metadata                JSONB,                                     -- {"dataset_split": "validation"|"test"}
    CONSTRAINT chk_metric_type CHECK (metric_type IN ('classification', 'regression', 'trading_performance')),
    CONSTRAINT chk_metric_value_bounds CHECK (
        (metric_type = 'classification' AND metric_value >= 0 AND metric_value <= 1)
        OR metric_type IN ('regression', 'trading_performance'))
);
CREATE INDEX idx_model_quality_metrics_model_version_id ON model_quality_metrics (model_version_id);
CREATE INDEX idx_model_quality_metrics_metric_name      ON model_quality_metrics (metric_name);
CREATE INDEX idx_model_quality_metrics_evaluated_at     ON model_quality_metrics (evaluated_at DESC);

-- ---------------------------------------------------------------------------------------------------
-- trading_signals: 010 (create), 030_add_horizon (horizon), 046 (rejections).
CREATE TABLE trading_signals (
    id                   UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    signal_id            UUID          NOT NULL UNIQUE,                -- trading_signals_signal_id_key
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
    prediction_horizon_seconds INTEGER,                                -- 030
    target_timestamp           TIMESTAMP,                              -- 030
    is_rejected          BOOLEAN       NOT NULL DEFAULT false,         -- 046
    rejection_reason     TEXT,                                         -- 046
    effective_threshold  DECIMAL(5,4)  CHECK (effective_threshold >= 0 AND effective_threshold <= 1), -- 046
    -- 010 states the side and confidence rules twice: as column checks above and as these named ones.
    CONSTRAINT chk_side CHECK (side IN ('buy', 'sell')),
    CONSTRAINT chk_confidence CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1))
);
CREATE INDEX idx_trading_signals_timestamp          ON trading_signals ("timestamp" DESC);              -- 010
CREATE INDEX idx_trading_signals_signal_id          ON trading_signals (signal_id);                     -- 010 (twin of the UNIQUE)
CREATE INDEX idx_trading_signals_strategy_id        ON trading_signals (strategy_id);                   -- 010
CREATE INDEX idx_trading_signals_asset              ON trading_signals (asset);                         -- 010
CREATE INDEX idx_trading_signals_strategy_timestamp ON trading_signals (strategy_id, "timestamp" DESC); -- 010
CREATE INDEX idx_trading_signals_asset_timestamp    ON trading_signals (asset, "timestamp" DESC);       -- 010
CREATE INDEX idx_trading_signals_target_timestamp   ON trading_signals (target_timestamp DESC);         -- 030
CREATE INDEX idx_trading_signals_horizon            ON trading_signals (prediction_horizon_seconds);    -- 030
CREATE INDEX idx_trading_signals_is_rejected        ON trading_signals (is_rejected, "timestamp" DESC); -- 046
CREATE INDEX idx_trading_signals_rejection_reason   ON trading_signals (rejection_reason)
    WHERE rejection_reason IS NOT NULL;                                                                 -- 046

-- ---------------------------------------------------------------------------------------------------
-- orders: 005 (create), 011_add_rejection_reason, 047 (target_timestamp).
CREATE TABLE orders (
    id               UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id         VARCHAR(100)  NOT NULL UNIQUE,                    -- orders_order_id_key
    signal_id        UUID          NOT NULL,                           -- no foreign key
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
    rejection_reason TEXT,                                             -- 011_add_rejection_reason
    target_timestamp TIMESTAMP,                                        -- 047
    CONSTRAINT chk_side CHECK (side IN ('Buy', 'SELL')),
    CONSTRAINT chk_order_type CHECK (order_type IN ('Market', 'Limit')),
    CONSTRAINT chk_status CHECK (status IN ('pending', 'partially_filled', 'filled', 'cancelled', 'rejected', 'dry_run')),
    CONSTRAINT chk_quantity_positive CHECK (quantity > 0),
    CONSTRAINT chk_filled_quantity CHECK (filled_quantity >= 0 AND filled_quantity <= quantity),
    CONSTRAINT chk_price_limit_order CHECK ((order_type = 'Limit' AND price IS NOT NULL AND price > 0) OR order_type = 'Market')
);
CREATE INDEX idx_orders_signal_id  ON orders (signal_id);    -- 005
CREATE INDEX idx_orders_asset      ON orders (asset);        -- 005
CREATE INDEX idx_orders_status     ON orders (status);       -- 005
CREATE INDEX idx_orders_created_at ON orders (created_at);   -- 005
CREATE INDEX idx_orders_order_id   ON orders (order_id);     -- 005 (twin of the UNIQUE)
CREATE INDEX idx_orders_target_timestamp ON orders (target_timestamp) WHERE target_timestamp IS NOT NULL; -- 047

-- ---------------------------------------------------------------------------------------------------
-- signal_order_relationships: 006. Unchanged since.
CREATE TABLE signal_order_relationships (
    id                  UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    signal_id           UUID          NOT NULL,                        -- no foreign key
    order_id            UUID          NOT NULL,                        -- orders.id, not orders.order_id
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

-- ---------------------------------------------------------------------------------------------------
-- execution_events: 009 (create), 011_add_used_for_training. Unchanged since.
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
    used_for_training  BOOLEAN       NOT NULL DEFAULT false,           -- 011_add_used_for_training
    training_id        UUID,                                           -- 011_add_used_for_training
    CONSTRAINT chk_side CHECK (side IN ('buy', 'sell')),
    CONSTRAINT fk_execution_events_training_model_version
        FOREIGN KEY (training_id) REFERENCES model_versions (id) ON DELETE SET NULL
);
CREATE INDEX idx_execution_events_executed_at          ON execution_events (executed_at DESC);
CREATE INDEX idx_execution_events_signal_id            ON execution_events (signal_id);
CREATE INDEX idx_execution_events_strategy_id          ON execution_events (strategy_id);
CREATE INDEX idx_execution_events_strategy_executed_at ON execution_events (strategy_id, executed_at DESC);
CREATE INDEX idx_execution_events_used_for_training_strategy ON execution_events (used_for_training, strategy_id);

-- ---------------------------------------------------------------------------------------------------
-- positions: 007 (create), 014 (current_price, version), 015 (created_at, closed_at), 037 (total_fees),
-- 051 (opened_at), 052 (history: many columns, size/closed_at rule, partial unique index instead of
-- UNIQUE (asset, mode)). One row per opening: a closed row keeps size 0 and closed_at, a reopen inserts.
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
    total_fees          DECIMAL(20,8) NOT NULL DEFAULT 0,              -- 037
    opened_at           TIMESTAMP,                                     -- 051 (not written by the newest code)
    leverage            DECIMAL(10,2),                                 -- 052 from here on
    position_value      DECIMAL(20,8),
    liq_price           DECIMAL(20,8),
    bust_price          DECIMAL(20,8),
    take_profit         DECIMAL(20,8),
    stop_loss           DECIMAL(20,8),
    cum_realised_pnl    DECIMAL(20,8),
    cum_unrealised_pnl  DECIMAL(20,8),
    opening_fees        DECIMAL(20,8),
    closing_fees        DECIMAL(20,8),
    margin_used         DECIMAL(20,8),
    available_margin    DECIMAL(20,8),
    maintenance_margin  DECIMAL(20,8),
    max_size            DECIMAL(20,8),
    min_size            DECIMAL(20,8),
    total_volume_traded DECIMAL(20,8) NOT NULL DEFAULT 0,
    first_entry_price   DECIMAL(20,8),
    last_entry_price    DECIMAL(20,8),
    exit_price          DECIMAL(20,8),                                 -- no CHECK here (closed_positions has one)
    peak_unrealized_pnl     DECIMAL(20,8),
    peak_unrealized_pnl_at  TIMESTAMP,
    worst_unrealized_pnl    DECIMAL(20,8),
    worst_unrealized_pnl_at TIMESTAMP,
    source              VARCHAR(50),                                   -- 'migration_from_closed_positions' on 053's rows
    last_sync_with_bybit TIMESTAMP,
    bybit_position_data JSONB,
    CONSTRAINT chk_mode CHECK (mode IN ('one-way', 'hedge')),                                      -- 007
    CONSTRAINT chk_avg_entry_price CHECK (average_entry_price IS NULL OR average_entry_price > 0), -- 007
    CONSTRAINT chk_long_avg_price CHECK (long_avg_price IS NULL OR long_avg_price > 0),           -- 007
    CONSTRAINT chk_short_avg_price CHECK (short_avg_price IS NULL OR short_avg_price > 0),        -- 007
    CONSTRAINT chk_size_closed CHECK (closed_at IS NULL OR (closed_at IS NOT NULL AND size = 0))  -- 052
    -- 007's CONSTRAINT uq_position_asset_mode UNIQUE (asset, mode) was dropped by 052.
);
CREATE INDEX idx_positions_asset         ON positions (asset);             -- 007
CREATE INDEX idx_positions_mode          ON positions (mode);              -- 007
CREATE INDEX idx_positions_last_updated  ON positions (last_updated);      -- 007
CREATE INDEX idx_positions_current_price ON positions (current_price);     -- 014
CREATE INDEX idx_positions_version       ON positions (version);           -- 014
CREATE INDEX idx_positions_opened_at     ON positions (opened_at DESC);    -- 051
CREATE INDEX idx_positions_asset_mode    ON positions (asset, mode);       -- 052
CREATE INDEX idx_positions_closed_at     ON positions (closed_at DESC);    -- 052
CREATE INDEX idx_positions_active        ON positions (asset, mode) WHERE closed_at IS NULL;                    -- 052
CREATE INDEX idx_positions_historical    ON positions (asset, mode, closed_at DESC) WHERE closed_at IS NOT NULL; -- 052
CREATE UNIQUE INDEX idx_positions_active_unique ON positions (asset, mode) WHERE closed_at IS NULL;         -- 052

-- ---------------------------------------------------------------------------------------------------
-- position_snapshots: 008 (create), 044 (snapshot_data, made NOT NULL after a back-fill).
CREATE TABLE position_snapshots (
    id                  UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    position_id         UUID          NOT NULL,
    asset               VARCHAR(20)   NOT NULL,
    size                DECIMAL(20,8) NOT NULL,
    average_entry_price DECIMAL(20,8),                                 -- NULL on rows the newest code writes
    unrealized_pnl      DECIMAL(20,8),                                 -- NULL on rows the newest code writes
    realized_pnl        DECIMAL(20,8),                                 -- NULL on rows the newest code writes
    mode                VARCHAR(20)   NOT NULL,                        -- no default
    long_size           DECIMAL(20,8),
    short_size          DECIMAL(20,8),
    snapshot_timestamp  TIMESTAMP     NOT NULL DEFAULT now(),
    snapshot_data       JSONB         NOT NULL,                        -- 044, no default
    CONSTRAINT chk_mode CHECK (mode IN ('one-way', 'hedge')),
    CONSTRAINT chk_avg_entry_price CHECK (average_entry_price IS NULL OR average_entry_price > 0),
    CONSTRAINT fk_position FOREIGN KEY (position_id) REFERENCES positions (id) ON DELETE CASCADE
);
CREATE INDEX idx_position_snapshots_position_id ON position_snapshots (position_id);
CREATE INDEX idx_position_snapshots_asset       ON position_snapshots (asset);
CREATE INDEX idx_position_snapshots_timestamp   ON position_snapshots (snapshot_timestamp);

-- ---------------------------------------------------------------------------------------------------
-- position_orders (new): 028 (create), 035 (bybit_order_id), 036 (order_id nullable, partial unique
-- indexes instead of UNIQUE (position_id, order_id), foreign key recreated).
CREATE TABLE position_orders (
    id                UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    position_id       UUID          NOT NULL REFERENCES positions (id) ON DELETE CASCADE, -- position_orders_position_id_fkey
    order_id          UUID,                                            -- 036: nullable; orders.id
    relationship_type VARCHAR(20)   NOT NULL
        CHECK (relationship_type IN ('opened', 'increased', 'decreased', 'closed', 'reversed')),
    size_delta        DECIMAL(20,8) NOT NULL,                          -- signed: + buy, - sell
    execution_price   DECIMAL(20,8) NOT NULL CHECK (execution_price > 0),
    executed_at       TIMESTAMP     NOT NULL,
    created_at        TIMESTAMP     NOT NULL DEFAULT now(),
    bybit_order_id    VARCHAR(255),                                    -- 035: = orders.order_id
    CONSTRAINT position_orders_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE -- 036
);
CREATE INDEX idx_position_orders_position_id       ON position_orders (position_id);        -- 028
CREATE INDEX idx_position_orders_order_id          ON position_orders (order_id);           -- 028
CREATE INDEX idx_position_orders_executed_at       ON position_orders (executed_at DESC);   -- 028
CREATE INDEX idx_position_orders_relationship_type ON position_orders (relationship_type);  -- 028
CREATE INDEX idx_position_orders_bybit_order_id    ON position_orders (bybit_order_id) WHERE bybit_order_id IS NOT NULL; -- 035
CREATE UNIQUE INDEX position_orders_position_order_unique
    ON position_orders (position_id, order_id) WHERE order_id IS NOT NULL;                                      -- 036
CREATE UNIQUE INDEX position_orders_position_bybit_order_unique
    ON position_orders (position_id, bybit_order_id) WHERE order_id IS NULL AND bybit_order_id IS NOT NULL;    -- 036

-- ---------------------------------------------------------------------------------------------------
-- closed_positions (new): 040 (create), 042 (data fix only). Written between 040 and 052, no longer
-- written by the newest code, and not dropped by 053: it stays as a frozen history table.
CREATE TABLE closed_positions (
    id                      UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    original_position_id    UUID          NOT NULL,                    -- no foreign key
    asset                   VARCHAR(20)   NOT NULL,
    mode                    VARCHAR(20)   NOT NULL,
    final_size              DECIMAL(20,8) NOT NULL DEFAULT 0,
    average_entry_price     DECIMAL(20,8),
    exit_price              DECIMAL(20,8),
    current_price           DECIMAL(20,8),
    realized_pnl            DECIMAL(20,8) NOT NULL DEFAULT 0,          -- 042 set it to unrealized_pnl_at_close
    unrealized_pnl_at_close DECIMAL(20,8) NOT NULL DEFAULT 0,
    long_size               DECIMAL(20,8),
    short_size              DECIMAL(20,8),
    long_avg_price          DECIMAL(20,8),
    short_avg_price         DECIMAL(20,8),
    total_fees              DECIMAL(20,8),
    opened_at               TIMESTAMP     NOT NULL,
    closed_at               TIMESTAMP     NOT NULL,
    version                 INTEGER       NOT NULL,
    CONSTRAINT chk_mode CHECK (mode IN ('one-way', 'hedge')),
    CONSTRAINT chk_avg_entry_price CHECK (average_entry_price IS NULL OR average_entry_price > 0),
    CONSTRAINT chk_exit_price CHECK (exit_price IS NULL OR exit_price > 0),
    CONSTRAINT chk_long_avg_price CHECK (long_avg_price IS NULL OR long_avg_price > 0),
    CONSTRAINT chk_short_avg_price CHECK (short_avg_price IS NULL OR short_avg_price > 0)
);
CREATE INDEX idx_closed_positions_asset                ON closed_positions (asset);
CREATE INDEX idx_closed_positions_closed_at            ON closed_positions (closed_at DESC);
CREATE INDEX idx_closed_positions_opened_at            ON closed_positions (opened_at);
CREATE INDEX idx_closed_positions_asset_closed_at      ON closed_positions (asset, closed_at DESC);
CREATE INDEX idx_closed_positions_original_position_id ON closed_positions (original_position_id);

-- ---------------------------------------------------------------------------------------------------
-- prediction_targets (new, not read by panels): 029 (create), 041 (is_obsolete). Its foreign key into
-- trading_signals(signal_id) cascades: deleting a signal deletes its targets.
CREATE TABLE prediction_targets (
    id                              UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    signal_id                       UUID        NOT NULL REFERENCES trading_signals (signal_id) ON DELETE CASCADE,
    prediction_timestamp            TIMESTAMP   NOT NULL,
    target_timestamp                TIMESTAMP   NOT NULL,
    model_version                   VARCHAR(50) NOT NULL,
    feature_registry_version        VARCHAR(50) NOT NULL,
    target_registry_version         VARCHAR(50) NOT NULL,
    target_config                   JSONB       NOT NULL,
    predicted_values                JSONB       NOT NULL,
    actual_values                   JSONB,
    actual_values_computed_at       TIMESTAMP,
    actual_values_computation_error TEXT,
    created_at                      TIMESTAMP   NOT NULL DEFAULT now(),
    updated_at                      TIMESTAMP   NOT NULL DEFAULT now(),
    is_obsolete                     BOOLEAN     NOT NULL DEFAULT false, -- 041
    CONSTRAINT chk_target_config_structure CHECK (
        target_config ? 'type' AND target_config ? 'horizon'
        AND target_config ->> 'type' IN ('regression', 'classification', 'risk_adjusted')
        AND (target_config ->> 'horizon')::integer > 0),
    CONSTRAINT chk_predicted_values_not_empty CHECK (jsonb_typeof(predicted_values) = 'object' AND predicted_values <> '{}'::jsonb),
    CONSTRAINT chk_target_timestamp_after_prediction CHECK (target_timestamp >= prediction_timestamp)
);
CREATE INDEX idx_prediction_targets_signal_id            ON prediction_targets (signal_id);
CREATE INDEX idx_prediction_targets_prediction_timestamp ON prediction_targets (prediction_timestamp DESC);
CREATE INDEX idx_prediction_targets_target_timestamp     ON prediction_targets (target_timestamp DESC);
CREATE INDEX idx_prediction_targets_target_registry_version  ON prediction_targets (target_registry_version);
CREATE INDEX idx_prediction_targets_model_version            ON prediction_targets (model_version);
CREATE INDEX idx_prediction_targets_feature_registry_version ON prediction_targets (feature_registry_version);
CREATE INDEX idx_prediction_targets_pending_computation ON prediction_targets (target_timestamp)
    WHERE actual_values_computed_at IS NULL AND is_obsolete = false;                                    -- 041
CREATE INDEX idx_prediction_targets_not_obsolete ON prediction_targets (target_timestamp)
    WHERE is_obsolete = false AND actual_values_computed_at IS NULL;                                    -- 041
CREATE INDEX idx_prediction_targets_target_config_type    ON prediction_targets ((target_config ->> 'type'));
CREATE INDEX idx_prediction_targets_target_config_horizon ON prediction_targets (((target_config ->> 'horizon')::integer));
CREATE INDEX idx_prediction_targets_target_config_preset  ON prediction_targets ((target_config -> 'computation' ->> 'preset'))
    WHERE target_config -> 'computation' IS NOT NULL;

-- ---------------------------------------------------------------------------------------------------
-- prediction_trading_results (new, not read by panels): 031 (create), 033 (position_id dropped with its
-- index and foreign key), 034 (data fix only).
CREATE TABLE prediction_trading_results (
    id                    UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    prediction_target_id  UUID          NOT NULL REFERENCES prediction_targets (id) ON DELETE CASCADE,
    signal_id             UUID          NOT NULL REFERENCES trading_signals (signal_id) ON DELETE CASCADE,
    realized_pnl          DECIMAL(20,8) DEFAULT 0,
    unrealized_pnl        DECIMAL(20,8) DEFAULT 0,
    total_pnl             DECIMAL(20,8) DEFAULT 0,
    fees                  DECIMAL(20,8) DEFAULT 0,
    entry_price           DECIMAL(20,8),
    exit_price            DECIMAL(20,8),
    entry_signal_id       UUID          REFERENCES trading_signals (signal_id),   -- NO ACTION
    exit_signal_id        UUID          REFERENCES trading_signals (signal_id),   -- NO ACTION
    position_size_at_entry DECIMAL(20,8),
    position_size_at_exit  DECIMAL(20,8),
    entry_timestamp       TIMESTAMP,
    exit_timestamp        TIMESTAMP,
    is_closed             BOOLEAN       NOT NULL DEFAULT false,
    is_partial_close      BOOLEAN       NOT NULL DEFAULT false,
    computed_at           TIMESTAMP     NOT NULL DEFAULT now(),
    updated_at            TIMESTAMP     NOT NULL DEFAULT now(),
    CONSTRAINT chk_pnl_consistency CHECK (total_pnl = realized_pnl + unrealized_pnl),
    CONSTRAINT chk_entry_exit_prices CHECK ((entry_price IS NULL OR entry_price > 0) AND (exit_price IS NULL OR exit_price > 0))
);
CREATE INDEX idx_prediction_trading_results_prediction_target_id ON prediction_trading_results (prediction_target_id);
CREATE INDEX idx_prediction_trading_results_signal_id            ON prediction_trading_results (signal_id);
CREATE INDEX idx_prediction_trading_results_entry_signal_id      ON prediction_trading_results (entry_signal_id);
CREATE INDEX idx_prediction_trading_results_exit_signal_id       ON prediction_trading_results (exit_signal_id);
CREATE INDEX idx_prediction_trading_results_is_closed            ON prediction_trading_results (is_closed);
CREATE INDEX idx_prediction_trading_results_total_pnl            ON prediction_trading_results (total_pnl DESC);
CREATE INDEX idx_prediction_trading_results_computed_at          ON prediction_trading_results (computed_at DESC);

-- Webhook delivery (docs/api.md §7; hirestream.store.webhooks).
--
-- Signing secrets are stored in clear: every delivery is signed with HMAC-SHA256 under them at
-- send time, so the fleet needs them back (a hash would not do, unlike API keys). Each
-- rotation adds a row; the newest secret signs, and the one before it signs too for 24 h after
-- the newest was made, so receivers can switch without losing a delivery. Only the API shows a
-- secret, once, when it is made.

-- A tenant's endpoints; ``events`` NULL: every event.
CREATE TABLE webhook_endpoints (
    id               uuid PRIMARY KEY,
    tenant_id        text NOT NULL,
    url              text NOT NULL,
    events           text[],
    description      text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    failing_since    timestamptz,                -- first failure since the last delivered attempt
    disabled_at      timestamptz,                -- after 5 days of failures; a delivered test or
    disabled_reason  text                        -- replay enables the endpoint again
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, created_at);

CREATE TABLE webhook_endpoint_secrets (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id  uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    secret       text NOT NULL,                  -- whsec_<base64>: needed to sign, see above
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoint_secrets_newest ON webhook_endpoint_secrets (endpoint_id, created_at DESC);

-- The secret of deliveries to interviews' callbackUrls, one history per tenant.
CREATE TABLE webhook_callback_secrets (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   text NOT NULL,
    secret      text NOT NULL,                   -- whsec_<base64>: needed to sign, see above
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_callback_secrets_newest ON webhook_callback_secrets (tenant_id, created_at DESC);

-- The outbox: one row per event and target, written by the recorder (the webhooks consumer
-- group) and worked off by the scheduler of every worker of the fleet.
CREATE TABLE webhook_deliveries (
    id                  uuid PRIMARY KEY,
    log_seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- the log's keyset cursor
    fleet               text NOT NULL,           -- HIRESTREAM_APP_ID of the fleet delivering it
    tenant_id           text NOT NULL,
    webhook_id          text NOT NULL UNIQUE,    -- one per event and target: retries, replays
    endpoint_id         uuid,                    -- NULL: the interview's callbackUrl
    target              text NOT NULL,           -- endpoint:<id> or callback:<url>: the order unit
    url                 text NOT NULL,
    host                text NOT NULL,           -- host:port, for the per-host concurrency limit
    event               text NOT NULL,
    interview_id        text,                    -- NULL: webhook.test
    sequence            bigint,                  -- the event's per-interview sequence
    body                bytea NOT NULL,          -- the exact bytes signed and sent
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'delivered', 'failed', 'dead')),
    attempts            integer NOT NULL DEFAULT 0,
    schedule_base       integer NOT NULL DEFAULT 0,  -- attempts before the last replay
    next_attempt_at     timestamptz,             -- due time, or the lease of an attempt in flight
    last_status_code    integer,
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    last_attempt_at     timestamptz,
    delivered_at        timestamptz
);
-- The scheduler: due deliveries of a fleet, and earlier live ones of the same interview/target.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (fleet, next_attempt_at)
    WHERE status IN ('pending', 'failed');
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (tenant_id, interview_id, target, sequence)
    WHERE status IN ('pending', 'failed');
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id)
    WHERE status IN ('pending', 'failed');
-- The delivery log: newest first per tenant, and per interview.
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (tenant_id, log_seq DESC);
CREATE INDEX webhook_deliveries_log_interview ON webhook_deliveries (tenant_id, interview_id, log_seq DESC);
-- Retention: delivered and dead rows are deleted after 30 days.
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at)
    WHERE status IN ('delivered', 'dead');

-- Which events of an interview the recorder has read (every event topic, every type): a
-- delivery of sequence n is attempted only once seen_upto >= n - 1, so every earlier delivery
-- of the interview is in the outbox and per-interview order holds although the topics are
-- read in parallel.
CREATE TABLE webhook_progress (
    fleet         text NOT NULL,
    tenant_id     text NOT NULL,
    interview_id  text NOT NULL,
    seen_upto     bigint NOT NULL DEFAULT 0,     -- every sequence 1..seen_upto has been read
    ahead         bigint[] NOT NULL DEFAULT '{}',  -- sequences read beyond a gap
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (fleet, tenant_id, interview_id)
);
CREATE INDEX webhook_progress_updated ON webhook_progress (updated_at);

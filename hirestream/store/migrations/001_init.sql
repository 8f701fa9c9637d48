-- Identity and configuration store.
CREATE TABLE tenants (
    id          text PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    name         text NOT NULL,
    key_hash     bytea NOT NULL UNIQUE,          -- SHA-256 of the key; the key itself is never stored
    key_prefix   text NOT NULL,                  -- first characters, to recognise a key in a list
    permissions  text[] NOT NULL,
    tenants      text[] NOT NULL,                -- the tenants this key may act for
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_tenants ON api_keys USING gin (tenants);

CREATE TABLE tenant_settings (
    tenant_id   text PRIMARY KEY,
    settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One data key per interview; personal fields on Kafka are sealed with it. Deleting the row
-- is the candidate-data purge: every sealed copy on every topic becomes unreadable.
CREATE TABLE data_keys (
    tenant_id     text NOT NULL,
    interview_id  text NOT NULL,
    key           bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, interview_id)
);

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    tenant_id   text NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    target      text,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, at);

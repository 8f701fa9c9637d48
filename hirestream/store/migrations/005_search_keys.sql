-- Tenant search keys (hirestream.search_tokens; hirestream.store.datakeys.DataKeys.search_key):
-- the key of the keyed-hash search tokens kept beside a tenant's sealed candidate names and
-- emails, so the interview list searches them without opening any. One per tenant, made on
-- first use and never changed (every token of the tenant is made under it). Unlike a data key
-- it is not destroyed by a candidate-data purge: it serves every interview of the tenant, and
-- the purge drops the interview's tokens instead.
CREATE TABLE search_keys (
    tenant_id   text PRIMARY KEY,
    key         bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

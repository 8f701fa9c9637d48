"""The configuration store (PostgreSQL through asyncpg): tenants, API keys, tenant settings,
interview data keys and the audit log. Interview state itself lives in Kafka tables."""

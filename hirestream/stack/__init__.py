"""The local stack behind ``make run`` and ``make test``: Apache Kafka, PostgreSQL, SMTP sink."""

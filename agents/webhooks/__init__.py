"""Webhook delivery (docs/api.md §7): the pure building blocks beside the one outbound call.

``signing`` makes the secrets and the signature headers (Standard Webhooks and the legacy
``X-Webhook-*`` pair), ``schedule`` decides when a failed delivery is tried again and when an
endpoint is disabled, and ``client`` makes the single HTTP POST, to checked addresses only.
"""

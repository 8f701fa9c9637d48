"""The aiohttp web layer: app factory, routes, authentication, request validation, error
mapping, routing of reads to the partition owner, and résumé upload parsing."""

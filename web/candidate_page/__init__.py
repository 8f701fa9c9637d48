"""The candidate's interview page (docs/api.md §6): a static HTML page, its script and its
style sheet, served without login at ``<APP_URL>/interview/join/<token>`` (the token in the
path is the credential; the page reads it from its own URL). The page talks to the candidate
access endpoints and the live session WebSocket under the API prefix; ``serve`` has the
headers, the filled template and the aiohttp routes that serve it."""

# Sourced: for local development, sets each secret below that is not set from a random value
# generated once into .stack/ (owner-only, never committed):
# - HIRESTREAM_JWT_SECRET from .stack/jwt-secret;
# - HIRESTREAM_CANDIDATE_TOKEN_KEYS (one key, id 1) from .stack/candidate-token-keys.
mkdir -p .stack
if [ -z "${HIRESTREAM_JWT_SECRET:-}" ]; then
  [ -s .stack/jwt-secret ] || (umask 077 && .venv/bin/python -c \
    'import secrets; print(secrets.token_urlsafe(48))' > .stack/jwt-secret)
  HIRESTREAM_JWT_SECRET="$(cat .stack/jwt-secret)"
  export HIRESTREAM_JWT_SECRET
fi
if [ -z "${HIRESTREAM_CANDIDATE_TOKEN_KEYS:-}" ]; then
  [ -s .stack/candidate-token-keys ] || (umask 077 && .venv/bin/python -c \
    'import base64, secrets; print("1:" + base64.b64encode(secrets.token_bytes(32)).decode())' \
    > .stack/candidate-token-keys)
  HIRESTREAM_CANDIDATE_TOKEN_KEYS="$(cat .stack/candidate-token-keys)"
  export HIRESTREAM_CANDIDATE_TOKEN_KEYS
fi

# Sourced: sets HIRESTREAM_JWT_SECRET for local development when it is not set, from a random
# secret generated once into .stack/jwt-secret (never committed).
if [ -z "${HIRESTREAM_JWT_SECRET:-}" ]; then
  mkdir -p .stack
  if [ ! -s .stack/jwt-secret ]; then
    .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))' > .stack/jwt-secret
    chmod 600 .stack/jwt-secret
  fi
  HIRESTREAM_JWT_SECRET="$(cat .stack/jwt-secret)"
  export HIRESTREAM_JWT_SECRET
fi

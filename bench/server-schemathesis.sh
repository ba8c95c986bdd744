#!/usr/bin/env bash
# The server against its own OpenAPI description (docs/openapi/server.yaml): schemathesis
# (PyPI) generates schema-valid and schema-violating requests and checks every answer's status,
# content type and body against the document. Not checked: 405 for methods the document does
# not list (Hummingbird answers 404 for an unknown method on a known path).
source "$(dirname "$0")/server-common.sh"
command -v schemathesis >/dev/null 2>&1 || { log "installing schemathesis (pip)"; pip install -q schemathesis >/dev/null; }
build
start_server --cache-mb 0
cd "$WORK"  # schemathesis keeps a .schemathesis/ folder in the current directory
schemathesis run "$ROOT/docs/openapi/server.yaml" --url "$URL" --max-examples "${EXAMPLES:-200}" \
    --exclude-checks unsupported_method

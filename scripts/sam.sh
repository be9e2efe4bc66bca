#!/usr/bin/env bash
# Run the SAM CLI (or cfn-lint) of .venv-sam so that it cannot reach AWS.
#
# Fake credentials, no AWS config files, no instance metadata, telemetry off, and, where the
# system allows it (root, or user namespaces), a network namespace with loopback only.
# validate, validate --lint, cfn-lint and `build` from a wheelhouse need no network at all.
#
#   scripts/sam.sh validate --lint
#   scripts/sam.sh cfn-lint template.yaml
#   SAM_NETWORK=registry scripts/sam.sh build     # pip may reach the package registry
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SAM_VENV:-$ROOT/.venv-sam}"
if [[ ! -x "$VENV/bin/sam" ]]; then
    echo "no SAM CLI in $VENV: run scripts/install-sam.sh" >&2
    exit 3
fi

# python3.12 (the Lambda runtime) first on PATH: `sam build` checks for it.
export PATH="$VENV/bin:$PATH"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true SAM_CLI_TELEMETRY=0
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL
# SAM keeps its own metadata under the home directory; a scratch one leaves the user's alone.
export HOME="${SAM_HOME:-$ROOT/.aws-sam/home}"
mkdir -p "$HOME"

tool="sam"
if [[ "${1:-}" == "cfn-lint" ]]; then
    tool="cfn-lint"
    shift
fi

cd "$ROOT"
if [[ "${SAM_NETWORK:-none}" == "registry" ]]; then
    exec "$VENV/bin/$tool" "$@"
fi
if unshare -n true 2>/dev/null; then
    exec unshare -n "$VENV/bin/$tool" "$@"
fi
if unshare -rn true 2>/dev/null; then
    exec unshare -rn "$VENV/bin/$tool" "$@"
fi
echo "warning: no network namespace here; running with fake credentials only" >&2
exec "$VENV/bin/$tool" "$@"

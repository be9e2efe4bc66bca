#!/usr/bin/env bash
# Install the AWS SAM CLI (and the cfn-lint it brings) into its own tool venv, .venv-sam.
#
# The SAM CLI pins boto3, click and pydantic to versions that clash with the project's own
# pins, so it never goes into .venv. `sam build` also needs a python3.12 on PATH (the Lambda
# runtime); scripts/sam.sh puts this venv's python3.12 first.
#
#   scripts/install-sam.sh              # uses python3.12 from PATH or pyenv
#   PYTHON312=/path/to/python3.12 scripts/install-sam.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SAM_VENV:-$ROOT/.venv-sam}"
SAM_VERSION="${SAM_VERSION:-1.170.*}"

find_python312() {
    if [[ -n "${PYTHON312:-}" ]]; then echo "$PYTHON312"; return; fi
    # A pyenv shim answers `command -v` but may not run: try each candidate.
    if python3.12 -c "" >/dev/null 2>&1; then command -v python3.12; return; fi
    local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
    for candidate in "$pyenv_root"/versions/3.12*/bin/python3.12; do
        if "$candidate" -c "" >/dev/null 2>&1; then echo "$candidate"; return; fi
    done
    echo "python3.12 not found: install it or set PYTHON312" >&2
    exit 1
}

if [[ -x "$VENV/bin/sam" ]] && "$VENV/bin/sam" --version >/dev/null 2>&1; then
    echo "SAM CLI already in $VENV: $("$VENV/bin/sam" --version)"
    exit 0
fi

PYTHON="$(find_python312)"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -qq --upgrade pip
"$VENV/bin/pip" install -qq "aws-sam-cli==$SAM_VERSION"
echo "installed: $("$VENV/bin/sam" --version), cfn-lint $("$VENV/bin/cfn-lint" --version)"

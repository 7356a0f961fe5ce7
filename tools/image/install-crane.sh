#!/usr/bin/env bash
# Installs crane (go-containerregistry's daemonless image tool, pinned) from the Go module proxy into
# the cache outside the repository and prints the path of the binary on its last line. A second run
# is a no-op. `npm run image` assembles the image with it and the image test reads the tarball back
# with it; CI runs it. Set FERRY_CRANE to use a crane from elsewhere instead.
set -euo pipefail

CRANE_MODULE="github.com/google/go-containerregistry"
CRANE_VERSION="${FERRY_CRANE_VERSION:-v0.22.1}"

if [[ -n "${FERRY_CRANE:-}" ]]; then
  echo "${FERRY_CRANE}"
  exit 0
fi

cache="${XDG_CACHE_HOME:-${HOME}/.cache}/ferry/crane/${CRANE_VERSION}"
bin="${cache}/bin/crane"
if [[ -x "${bin}" ]] && [[ "$("${bin}" version 2>/dev/null)" == "${CRANE_VERSION}" ]]; then
  echo "${bin}"
  exit 0
fi

command -v go >/dev/null || { echo "tools/image/install-crane.sh: go is required to build crane from the Go module proxy" >&2; exit 1; }
mkdir -p "${cache}/bin"
# Build into a temporary directory and move the binary in place, so an interrupted build never
# leaves a half-written binary that the check above would trust.
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT
echo "building crane ${CRANE_VERSION} from the Go module proxy (first time only)" >&2
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
(
  cd "${tmp}"
  CGO_ENABLED=0 GOBIN="${tmp}" go install -trimpath \
    -ldflags "-s -w -X ${CRANE_MODULE}/cmd/crane/cmd.Version=${CRANE_VERSION}" \
    "${CRANE_MODULE}/cmd/crane@${CRANE_VERSION}" >&2
)
mv -f "${tmp}/crane" "${bin}"
"${bin}" version >&2
echo "${bin}"

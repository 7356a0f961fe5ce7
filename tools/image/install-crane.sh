#!/usr/bin/env bash
# Installs crane (go-containerregistry's daemonless image tool, pinned) from the Go module proxy into
# the cache outside the repository and prints the path of the binary on its last line
# (tools/go/install-tool.sh). `npm run image` assembles the image with it and the image test reads
# the tarball back with it; CI runs it. Set FERRY_CRANE to use a crane from elsewhere instead.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../go/install-tool.sh"

CRANE_MODULE="github.com/google/go-containerregistry"
TOOL=crane TOOL_VERSION="${FERRY_CRANE_VERSION:-v0.22.1}" TOOL_OVERRIDE="${FERRY_CRANE:-}"

tool_check() { [[ "$("$1" version)" == "${TOOL_VERSION}" ]] && echo "crane ${TOOL_VERSION}"; }

tool_build() {
  go install -trimpath -ldflags "-s -w -X ${CRANE_MODULE}/cmd/crane/cmd.Version=${TOOL_VERSION}" "${CRANE_MODULE}/cmd/crane@${TOOL_VERSION}"
}

install_go_tool

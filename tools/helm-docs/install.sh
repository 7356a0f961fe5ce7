#!/usr/bin/env bash
# Installs helm-docs (pinned) from the Go module proxy into the cache outside the repository and
# prints the path of the binary on its last line (tools/go/install-tool.sh). It generates the
# chart's README.md from values.yaml (`npm run chart:docs`); test/e2e/chart-package.test.ts fails
# when the committed README differs from what it generates. Set FERRY_HELM_DOCS to use a
# helm-docs from elsewhere instead.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../go/install-tool.sh"

TOOL=helm-docs TOOL_VERSION="${FERRY_HELM_DOCS_VERSION:-v1.14.2}" TOOL_OVERRIDE="${FERRY_HELM_DOCS:-}"

tool_check() { "$1" --version; }

# main.version is what goreleaser sets for helm-docs' releases; it appears in the README footer.
tool_build() {
  go install -trimpath -ldflags "-s -w -X main.version=${TOOL_VERSION#v}" "github.com/norwoodj/helm-docs/cmd/helm-docs@${TOOL_VERSION}"
}

install_go_tool

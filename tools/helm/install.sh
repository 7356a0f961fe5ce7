#!/usr/bin/env bash
# Installs helm (pinned) from the Go module proxy into the cache outside the repository and prints
# the path of the binary on its last line (tools/go/install-tool.sh). Used by the chart tests
# (test/e2e/chart.test.ts) and CI; set FERRY_HELM to use a helm from elsewhere instead.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../go/install-tool.sh"

HELM_MODULE="helm.sh/helm/v3"
TOOL=helm TOOL_VERSION="${FERRY_HELM_VERSION:-v3.22.0}" TOOL_OVERRIDE="${FERRY_HELM:-}"

tool_check() { "$1" version --short; }

# The ldflags helm's own Makefile sets: its version, and the Kubernetes version that
# `helm template` and `helm lint` assume (1.<minor of its k8s.io/client-go>), else v1.20.
tool_build() {
  local gomod k8s_minor ldflags
  gomod="$(go mod download -json "${HELM_MODULE}@${TOOL_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  k8s_minor="$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9][0-9]*\)\..*/\1/p' "${gomod}" | head -n 1)"
  [[ -n "${k8s_minor}" ]] || { echo "tools/helm/install.sh: no k8s.io/client-go version in ${gomod}" >&2; return 1; }
  ldflags="-s -w -X ${HELM_MODULE}/internal/version.version=${TOOL_VERSION} -X ${HELM_MODULE}/internal/version.gitTreeState=clean"
  for pkg in pkg/chartutil pkg/lint/rules; do
    ldflags+=" -X ${HELM_MODULE}/${pkg}.k8sVersionMajor=1 -X ${HELM_MODULE}/${pkg}.k8sVersionMinor=${k8s_minor}"
  done
  go install -trimpath -ldflags "${ldflags}" "${HELM_MODULE}/cmd/helm@${TOOL_VERSION}"
}

install_go_tool

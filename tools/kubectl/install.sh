#!/usr/bin/env bash
# Installs kubectl into the cache outside the repository and prints the path of the binary on its
# last line (tools/go/install-tool.sh). The tests run the seed documents' kubectl lines
# (test/support/manifests.ts), so a kubectl is a test requirement; .ci/run calls this only when
# `kubectl version --client` fails. It builds k8s.io/kubectl's own command (main.go next to this
# file) from the Go module proxy, pinned by this folder's go.mod and go.sum to the control plane's
# v0.37.2 line. Set FERRY_KUBECTL to use a kubectl from elsewhere instead.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "${here}/../go/install-tool.sh"

version="$(sed -n 's/^[[:space:]]*k8s\.io\/kubectl v0\.\([0-9][0-9]*\.[0-9][0-9]*\)$/1.\1/p' "${here}/go.mod")"
[[ -n "${version}" ]] || { echo "tools/kubectl/install.sh: no k8s.io/kubectl version in ${here}/go.mod" >&2; exit 1; }
key="$(cat "${here}/go.mod" "${here}/go.sum" "${here}/main.go" | sha256sum | cut -c1-12)"
TOOL=kubectl TOOL_VERSION="v${version}" TOOL_OVERRIDE="${FERRY_KUBECTL:-}"
TOOL_CACHE="${XDG_CACHE_HOME:-${HOME}/.cache}/ferry/kubectl/v${version}-${key}"

tool_check() { "$1" version --client; }

# The version kubectl reports (`kubectl version --client`), as Kubernetes' own build sets it.
tool_build() {
  local ldflags="-s -w" out="$1"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X ${pkg}.gitVersion=v${version} -X ${pkg}.gitMajor=${version%%.*} -X ${pkg}.gitMinor=$(cut -d. -f2 <<<"${version}") -X ${pkg}.gitTreeState=clean"
  done
  cd "${here}" && go build -mod=readonly -trimpath -ldflags "${ldflags}" -o "${out}/kubectl" .
}

install_go_tool

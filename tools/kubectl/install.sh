#!/usr/bin/env bash
# Installs kubectl into the cache outside the repository and prints the path of the binary on its
# last line. The tests run the seed documents' kubectl lines (test/support/manifests.ts), so a
# kubectl is a test requirement; .ci/run calls this only when `kubectl version --client` fails.
# It builds k8s.io/kubectl's own command (main.go next to this file) from the Go module proxy,
# pinned by this folder's go.mod and go.sum to the control plane's v0.37.2 line. A second run is a
# no-op. Set FERRY_KUBECTL to use a kubectl from elsewhere instead.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ -n "${FERRY_KUBECTL:-}" ]]; then
  echo "${FERRY_KUBECTL}"
  exit 0
fi

version="$(sed -n 's/^[[:space:]]*k8s\.io\/kubectl v0\.\([0-9][0-9]*\.[0-9][0-9]*\)$/1.\1/p' "${here}/go.mod")"
[[ -n "${version}" ]] || { echo "tools/kubectl/install.sh: no k8s.io/kubectl version in ${here}/go.mod" >&2; exit 1; }
key="$(cat "${here}/go.mod" "${here}/go.sum" "${here}/main.go" | sha256sum | cut -c1-12)"
cache="${XDG_CACHE_HOME:-${HOME}/.cache}/ferry/kubectl/v${version}-${key}"
bin="${cache}/bin/kubectl"
if [[ -x "${bin}" ]] && "${bin}" version --client >/dev/null 2>&1; then
  echo "${bin}"
  exit 0
fi

command -v go >/dev/null || { echo "tools/kubectl/install.sh: go is required to build kubectl from the Go module proxy" >&2; exit 1; }
mkdir -p "${cache}/bin"
# Build into a temporary directory and move the binary in place, so an interrupted build never
# leaves a half-written binary that the check above would trust.
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT
echo "building kubectl v${version} from the Go module proxy (first time only)" >&2
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
# The version kubectl reports (`kubectl version --client`), as Kubernetes' own build sets it.
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X ${pkg}.gitVersion=v${version} -X ${pkg}.gitMajor=${version%%.*} -X ${pkg}.gitMinor=$(cut -d. -f2 <<<"${version}") -X ${pkg}.gitTreeState=clean"
done
(
  cd "${here}"
  CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "${ldflags}" -o "${tmp}/kubectl" . >&2
)
mv -f "${tmp}/kubectl" "${bin}"
"${bin}" version --client >&2
echo "${bin}"

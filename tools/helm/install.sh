#!/usr/bin/env bash
# Installs helm (pinned) from the Go module proxy into the cache outside the repository and prints
# the path of the binary on its last line. A second run is a no-op. Used by the chart tests
# (test/e2e/chart.test.ts) and CI; set FERRY_HELM to use a helm from elsewhere instead.
set -euo pipefail

HELM_MODULE="helm.sh/helm/v3"
HELM_VERSION="${FERRY_HELM_VERSION:-v3.22.0}"

if [[ -n "${FERRY_HELM:-}" ]]; then
  echo "${FERRY_HELM}"
  exit 0
fi

cache="${XDG_CACHE_HOME:-${HOME}/.cache}/ferry/helm/${HELM_VERSION}"
bin="${cache}/bin/helm"
if [[ -x "${bin}" ]] && "${bin}" version --short >/dev/null 2>&1; then
  echo "${bin}"
  exit 0
fi

command -v go >/dev/null || { echo "tools/helm/install.sh: go is required to build helm from the Go module proxy" >&2; exit 1; }
mkdir -p "${cache}/bin"
# Build into a temporary file and move it in place, so an interrupted build never leaves a
# half-written binary that the check above would trust.
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT
echo "building helm ${HELM_VERSION} from the Go module proxy (first time only)" >&2
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
# The ldflags helm's own Makefile sets: its version, and the Kubernetes version that
# `helm template` and `helm lint` assume (1.<minor of its k8s.io/client-go>), else v1.20.
gomod="$(cd "${tmp}" && go mod download -json "${HELM_MODULE}@${HELM_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
k8s_minor="$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9][0-9]*\)\..*/\1/p' "${gomod}" | head -n 1)"
[[ -n "${k8s_minor}" ]] || { echo "tools/helm/install.sh: no k8s.io/client-go version in ${gomod}" >&2; exit 1; }
ldflags="-s -w -X ${HELM_MODULE}/internal/version.version=${HELM_VERSION} -X ${HELM_MODULE}/internal/version.gitTreeState=clean"
for pkg in pkg/chartutil pkg/lint/rules; do
  ldflags+=" -X ${HELM_MODULE}/${pkg}.k8sVersionMajor=1 -X ${HELM_MODULE}/${pkg}.k8sVersionMinor=${k8s_minor}"
done
(
  cd "${tmp}"
  CGO_ENABLED=0 GOBIN="${tmp}" go install -trimpath -ldflags "${ldflags}" "${HELM_MODULE}/cmd/helm@${HELM_VERSION}" >&2
)
mv -f "${tmp}/helm" "${bin}"
"${bin}" version --short >&2
echo "${bin}"

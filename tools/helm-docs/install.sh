#!/usr/bin/env bash
# Installs helm-docs (pinned) from the Go module proxy into the cache outside the repository and
# prints the path of the binary on its last line. A second run is a no-op. It generates the
# chart's README.md from values.yaml (`npm run chart:docs`); test/e2e/chart-package.test.ts fails
# when the committed README differs from what it generates. Set FERRY_HELM_DOCS to use a
# helm-docs from elsewhere instead.
set -euo pipefail

MODULE="github.com/norwoodj/helm-docs"
VERSION="${FERRY_HELM_DOCS_VERSION:-v1.14.2}"

if [[ -n "${FERRY_HELM_DOCS:-}" ]]; then
  echo "${FERRY_HELM_DOCS}"
  exit 0
fi

cache="${XDG_CACHE_HOME:-${HOME}/.cache}/ferry/helm-docs/${VERSION}"
bin="${cache}/bin/helm-docs"
if [[ -x "${bin}" ]] && "${bin}" --version >/dev/null 2>&1; then
  echo "${bin}"
  exit 0
fi

command -v go >/dev/null || { echo "tools/helm-docs/install.sh: go is required to build helm-docs from the Go module proxy" >&2; exit 1; }
mkdir -p "${cache}/bin"
# Build into a temporary directory and move the binary in place, so an interrupted build never
# leaves a half-written binary that the check above would trust.
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT
echo "building helm-docs ${VERSION} from the Go module proxy (first time only)" >&2
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
# main.version is what goreleaser sets for helm-docs' releases; it appears in the README footer.
(
  cd "${tmp}"
  CGO_ENABLED=0 GOBIN="${tmp}" go install -trimpath -ldflags "-s -w -X main.version=${VERSION#v}" "${MODULE}/cmd/helm-docs@${VERSION}" >&2
)
mv -f "${tmp}/helm-docs" "${bin}"
"${bin}" --version >&2
echo "${bin}"

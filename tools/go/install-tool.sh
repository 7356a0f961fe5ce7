#!/usr/bin/env bash
# The one way Ferry's tools/*/install.sh scripts build a pinned Go tool (helm, helm-docs, crane,
# kubectl) from the Go module proxy into the cache outside the repository. Sourced, not run.
#
# A caller sets TOOL (binary name), TOOL_VERSION, TOOL_OVERRIDE (the FERRY_* variable's value, a
# binary from elsewhere, or empty), optionally TOOL_CACHE (default ~/.cache/ferry/$TOOL/$TOOL_VERSION),
# defines tool_check BIN (succeeds when BIN is the wanted build) and tool_build DIR (builds $TOOL
# into DIR, run inside DIR with GOBIN=DIR), then calls install_go_tool. It prints the binary's path
# on its last line; a second run is a no-op.
set -euo pipefail

install_go_tool() {
  local script="${BASH_SOURCE[1]#"${PWD}/"}"
  if [[ -n "${TOOL_OVERRIDE:-}" ]]; then
    echo "${TOOL_OVERRIDE}"
    return 0
  fi
  local cache="${TOOL_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/ferry/${TOOL}/${TOOL_VERSION}}"
  local bin="${cache}/bin/${TOOL}"
  if [[ -x "${bin}" ]] && tool_check "${bin}" >/dev/null 2>&1; then
    echo "${bin}"
    return 0
  fi
  command -v go >/dev/null || { echo "${script}: go is required to build ${TOOL} from the Go module proxy" >&2; return 1; }
  mkdir -p "${cache}/bin"
  # Build into a temporary directory and move the binary in place, so an interrupted build never
  # leaves a half-written binary that the check above would trust.
  local tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "'"${tmp}"'"' EXIT
  echo "building ${TOOL} ${TOOL_VERSION} from the Go module proxy (first time only)" >&2
  (
    cd "${tmp}"
    export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0 GOBIN="${tmp}"
    tool_build "${tmp}"
  ) >&2
  mv -f "${tmp}/${TOOL}" "${bin}"
  tool_check "${bin}" >&2
  echo "${bin}"
}

#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kube-controller-manager from the pinned Go modules in this
# folder into a cache outside the repository, keyed by the modules' go.mod/go.sum and sources,
# so a second build is a no-op. Prints the directory that holds the binaries.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module_version() { grep -E "^(require)?[[:space:]]*$1 v" "$2" | head -n 1 | awk '{print $NF}'; }
k8s_version="$(module_version k8s.io/kubernetes "$here/kube/go.mod")"
etcd_version="$(module_version go.etcd.io/etcd/server/v3 "$here/etcd/go.mod")"
[[ -n "$k8s_version" && -n "$etcd_version" ]] || { echo "cannot read pinned versions from go.mod" >&2; exit 1; }
key="$(cat "$here"/kube/go.mod "$here"/kube/go.sum "$here"/etcd/go.mod "$here"/etcd/go.sum \
  "$here"/kube/cmd/*/main.go "$here"/etcd/main.go "$here"/build.sh | sha256sum | cut -c1-12)"
cache_root="${FERRY_CONTROLPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry/controlplane}"
out="$cache_root/$k8s_version-$key"
if [[ -x "$out/bin/kube-apiserver" && -x "$out/bin/kube-controller-manager" && -x "$out/bin/etcd" && -f "$out/done" ]]; then
  echo "$out/bin"
  exit 0
fi
mkdir -p "$out/bin"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
minor="${k8s_version#v1.}"; minor="${minor%%.*}"
ldflags="-s -w \
 -X k8s.io/component-base/version.gitVersion=$k8s_version \
 -X k8s.io/component-base/version.gitMajor=1 \
 -X k8s.io/component-base/version.gitMinor=$minor \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z \
 -X k8s.io/client-go/pkg/version.gitVersion=$k8s_version \
 -X k8s.io/client-go/pkg/version.gitMajor=1 \
 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
start=$(date +%s)
(cd "$here/kube" && go build -trimpath -ldflags "$ldflags" -o "$out/bin/" ./cmd/kube-apiserver ./cmd/kube-controller-manager) >&2
(cd "$here/etcd" && go build -trimpath -ldflags "-s -w" -o "$out/bin/etcd" .) >&2
printf 'kubernetes=%s etcd=%s built_seconds=%s\n' "$k8s_version" "$etcd_version" "$(( $(date +%s) - start ))" > "$out/done"
echo "built control plane $k8s_version (etcd $etcd_version) in $(( $(date +%s) - start ))s into $out" >&2
echo "$out/bin"

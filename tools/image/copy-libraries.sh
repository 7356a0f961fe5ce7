#!/usr/bin/env bash
# Copies the shared libraries a binary needs, as the dynamic loader of SYSROOT resolves them, from
# SYSROOT into DEST at the paths the loader looks them up by (regular files, symlinks followed),
# plus the loader itself at the binary's interpreter path. Prints each image path it wrote.
# Used by `npm run image` (SYSROOT = the pinned Debian packages, extracted) and by the Dockerfile's
# build stage (SYSROOT = /), so both images hold the same set of libraries.
# Usage: tools/image/copy-libraries.sh SYSROOT BINARY DEST      (linux/amd64)
set -euo pipefail

sysroot="$(cd "$1" && pwd -P)"
binary="$2"
dest="$3"
prefix="${sysroot%/}"
loader="${prefix}/lib64/ld-linux-x86-64.so.2"
[[ -e "${loader}" ]] || { echo "copy-libraries.sh: no dynamic loader at ${loader}" >&2; exit 1; }

# The file a path in SYSROOT names, following symlinks inside SYSROOT (an absolute link target is
# relative to SYSROOT, as it will be in the image, not to this machine's root).
inside_sysroot() {
  local path="$1" hops=0 target
  while [[ -L "${prefix}${path}" ]]; do
    target="$(readlink "${prefix}${path}")"
    if [[ "${target}" == /* ]]; then path="${target}"; else path="$(dirname "${path}")/${target}"; fi
    hops=$((hops + 1))
    (( hops < 40 )) || { echo "copy-libraries.sh: symlink loop at ${path}" >&2; exit 1; }
  done
  echo "${prefix}${path}"
}

listing="$("${loader}" --library-path "${prefix}/lib/x86_64-linux-gnu:${prefix}/usr/lib/x86_64-linux-gnu" --list "${binary}")"
copied=0
while read -r name arrow resolved _; do
  [[ "${name}" == linux-vdso.so.* ]] && continue
  if [[ "${arrow}" != "=>" ]]; then
    # The interpreter line of a directly executed loader: "/lib64/ld-linux-x86-64.so.2 (0x...)".
    resolved="${name}"
  fi
  if [[ "${resolved}" == "not" ]]; then
    echo "copy-libraries.sh: ${name} not found in ${sysroot}: add the Debian package that ships it" >&2
    exit 1
  fi
  if [[ "${name}" == /* ]]; then
    image_path="${name}" # the interpreter, at the path the binary names
  elif [[ -n "${prefix}" && "${resolved}" != "${prefix}/"* ]]; then
    echo "copy-libraries.sh: ${name} resolved outside ${sysroot} (${resolved}): add the Debian package that ships it" >&2
    exit 1
  else
    image_path="${resolved#"${prefix}"}"
  fi
  mkdir -p "${dest}$(dirname "${image_path}")"
  cp -L "$(inside_sysroot "${image_path}")" "${dest}${image_path}"
  echo "${image_path}"
  copied=$((copied + 1))
done <<< "${listing}"
(( copied > 0 )) || { echo "copy-libraries.sh: the loader listed no libraries for ${binary}" >&2; exit 1; }

#!/usr/bin/env bash
# The packages' private runtime: copies the dynamic loader and every shared library BINARY loads, as this
# build machine has them, into DIR (the packages install it as /usr/lib/trustmend, which the binary's
# interpreter and DT_RPATH name: packaging/release-flags.sh), and writes DIR/runtime.manifest: each
# file with the Debian source package, version and binary package it came from, and its SHA-256.
#   packaging/runtime.sh BINARY DIR
# Fails when a library cannot be found or did not come from a Debian package (nothing unknown ships).
set -euo pipefail

bin=${1:?usage: packaging/runtime.sh BINARY DIR} dir=${2:?usage: packaging/runtime.sh BINARY DIR}
mkdir -p "$dir"

# ldd through the system's loader: the binary's own interpreter is where the packages install it.
mapfile -t lines < <(ldd "$bin")
declare -A seen=()
files=()
for line in "${lines[@]}"; do
  case $line in
    *"not found"*) echo "runtime.sh: $bin needs a library this machine lacks: $line" >&2; exit 1 ;;
    *linux-vdso*) continue ;;                                        # the kernel's, not a file
    *" => "*) name=${line%% =>*}; path=${line#*=> }; path=${path%% (*} ;;
    *) path=${line%% (*}; name=${path##*/} ;;                         # the loader: /lib64/ld-linux-x86-64.so.2
  esac
  name=${name//[[:space:]]/}; name=${name##*/}; path=${path//[[:space:]]/}
  [[ -z ${seen[$name]:-} ]] || continue
  seen[$name]=$path
  files+=("$name")
done

{
  echo "# trustmend's private runtime: the dynamic loader and the libraries /usr/bin/trustmend loads, copied"
  echo "# unchanged from the distribution below; their security fixes reach nodes by a rebuild of trustmend."
  echo "# from: $(. /etc/os-release && echo "${PRETTY_NAME:-$ID $VERSION_ID}")"
  echo "# file	source package	version	binary package	sha256"
  for name in "${files[@]}"; do
    path=${seen[$name]}
    install -m 0644 "$(readlink -f "$path")" "$dir/$name"
    [[ $name == ld-linux* ]] && chmod 0755 "$dir/$name"                # runnable, as the distros ship it
    # dpkg's database names the path as the package has it: /lib/… on a merged-/usr system too.
    owner=""
    for candidate in "$path" "$(readlink -f "$path")" "${path/#\/usr\/lib/\/lib}" "/usr${path}"; do
      owner=$(dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1) && [[ -n $owner ]] && break
    done
    [[ -n $owner ]] || { echo "runtime.sh: $path belongs to no Debian package" >&2; exit 1; }
    source_version=$(dpkg-query -W -f='${source:Package}\t${Version}' "$owner")
    printf '%s\t%s\t%s\t%s\n' "$name" "$source_version" "$owner" "$(sha256sum "$dir/$name" | cut -d' ' -f1)"
  done
} > "$dir/runtime.manifest"
chmod 0644 "$dir/runtime.manifest"

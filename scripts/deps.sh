#!/usr/bin/env bash
# Install what arka needs from Debian packages, once, for make test, make
# demo and .ci/run.  Quiet when everything is present; a clear message and
# exit 1 when it cannot install.
set -euo pipefail

PACKAGES=(
	build-essential clang llvm libclang-rt-14-dev   # compiler, libFuzzer, sanitizers
	postgresql-15 postgresql-client-15 postgresql-server-dev-15
	postgresql-15-wal2json postgresql-15-similarity     # similarity: make bench's baseline
	libjansson-dev libssl-dev libutf8proc-dev
	libipc-run-perl                                 # TAP tests
	python3-psycopg2                                # driver tests
	rsync
)

# node-postgres tests need node and npm; many machines have them already
command -v node >/dev/null && command -v npm >/dev/null || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "arka: missing Debian packages: ${missing[*]}" >&2
	echo "arka: run as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "arka: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -q >/tmp/arka-apt.log 2>&1 ||
	! apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/arka-apt.log 2>&1; then
	tail -20 /tmp/arka-apt.log >&2
	echo "arka: could not install ${missing[*]} (log: /tmp/arka-apt.log)" >&2
	exit 1
fi

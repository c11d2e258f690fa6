#!/usr/bin/env bash
# deps.sh -- install the Debian packages dnnproof needs that are not installed yet.
# Used by the README's first command and by .ci/run: this is the one list of packages.
set -euo pipefail
packages="make gcc libc6-dev libmpfr-dev libgmp-dev check pkg-config libjansson-dev valgrind"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "deps: all of$(printf ' %s' $packages) present"
    exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends $missing

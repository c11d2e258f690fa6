#!/usr/bin/env bash
# deps-python.sh -- Debian's NumPy, PyTorch and gnuplot, for the adapters of verify/adapters/, the
# benchmark's gradcheck and explain's plots.  Optional: nothing in `make check` needs them.
set -euo pipefail
packages="python3 python3-numpy python3-torch gnuplot-nox"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "deps-python: all of$(printf ' %s' $packages) present"
    exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "deps-python: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends $missing

#!/usr/bin/env bash
# deps.sh -- install the Debian packages dnnproof needs that are not installed yet.
# Used by the README's first command and by .ci/run: this is the one list of packages.
#   bash .ci/deps.sh          what building and `make check` need
#   bash .ci/deps.sh python   optional: NumPy, PyTorch and gnuplot, for verify/adapters/, the
#                             benchmark's gradcheck and explain's plots
set -euo pipefail
case "${1:-}" in
"") packages="make gcc libc6-dev libmpfr-dev libgmp-dev check pkg-config libjansson-dev valgrind" ;;
python) packages="python3 python3-numpy python3-torch gnuplot-nox" ;;
*) echo "usage: bash .ci/deps.sh [python]" >&2; exit 2 ;;
esac
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

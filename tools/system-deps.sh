#!/usr/bin/env bash
# Debian packages some tests use, installed when missing:
#   openscad      renders the enclosure to STL (hardware/ builds)
#   chromium      screenshots the HTML report
#   poppler-utils pdftoppm renders the PDF report
#   xvfb, xauth   a virtual display for the live view's real-window test
#   gcc, make     build the MicroPython unix port with NimBLE (kyphos.sim.upy.build)
# As root (CI) they are installed with apt-get; otherwise the missing ones are named and the
# tests that need them skip (under CI=true they fail instead).
set -euo pipefail
need=()
command -v openscad >/dev/null || need+=(openscad)
command -v chromium >/dev/null || need+=(chromium)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
command -v xvfb-run >/dev/null || need+=(xvfb)
command -v xauth >/dev/null || need+=(xauth)
command -v gcc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
elif command -v sudo >/dev/null && command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
    echo "kyphos: for the full test suite install these Debian packages: ${need[*]}" >&2
fi

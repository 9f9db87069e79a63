#!/usr/bin/env bash
# Installs the Debian packages the study and the tests need: headless Chromium (report.pdf of each
# run; HTML-safety, layout and PDF tests) and DejaVu fonts.
# Safe to run again: it does nothing when everything is already there.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "dejavu" || need+=(fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then
  echo "setup-system: chromium and fonts present"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "setup-system: please install the Debian packages: ${need[*]} (apt-get install ${need[*]})" >&2
  exit 1
fi
echo "setup-system: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
command -v chromium >/dev/null && chromium --version

#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the browser tests, if missing.
set -euo pipefail
if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
    exit 0
fi
echo "installing chromium and chromium-driver (Debian packages) ..."
sudo_if_needed() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive
if ! sudo_if_needed apt-get install -y -q chromium chromium-driver >/dev/null; then
    sudo_if_needed apt-get update -q >/dev/null
    sudo_if_needed apt-get install -y -q chromium chromium-driver >/dev/null
fi
/usr/bin/chromium --version

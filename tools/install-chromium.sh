#!/usr/bin/env bash
# Installs Debian's chromium for the report's browser test, only when it is missing.
# Idempotent: a second run finds the browser and does nothing. Needs root (CI runs as root);
# without root and without the browser it says so and exits 0, and the browser test skips.
set -euo pipefail

# fonts-liberation: without any font the screenshot shows boxes instead of text.
packages=(chromium fonts-liberation)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-chromium: already installed: ${packages[*]}"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-chromium: missing ${missing[*]} and not root; the browser test will be skipped" >&2
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-chromium: installed ${missing[*]}"

#!/bin/sh
# Installs what Bulwark needs on a fresh Linux machine: the npm packages (including the pinned
# Node.js 24) and Debian's bubblewrap, which every function sandbox is built on.
set -e
cd "$(dirname "$0")/.."

if [ ! -x node_modules/node/bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

if ! command -v bwrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing bubblewrap (apt-get)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
  else
    echo "bootstrap: bubblewrap is not installed and cannot be installed as this user: run 'sudo apt-get install bubblewrap' (Debian/Ubuntu) or 'sudo dnf install bubblewrap' (Fedora)" >&2
  fi
fi

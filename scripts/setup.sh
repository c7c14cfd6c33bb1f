#!/usr/bin/env bash
# Everything a fresh machine needs before `npm run demo` or `npm test`: the C toolchain pieces
# BoringSSL's build wants (cmake, libclang), the npm dependencies, and the addon built from source.
# Installs system packages itself when it can (root on Debian/Ubuntu); otherwise it stops at once
# with the command to run.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
# bindgen (boring-sys) loads libclang at build time. libclang-cpp (which LLVM's own packages
# bring) is another library and does not count.
if ! ls /usr/lib/llvm-*/lib/libclang.so* /usr/lib/llvm-*/lib/libclang-[0-9]*.so* \
  /usr/lib/*/libclang.so* /usr/lib/*/libclang-[0-9]*.so* >/dev/null 2>&1; then
  missing+=(libclang-dev)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing ${missing[*]}; install them first, e.g.:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
for tool in cargo node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "setup: $tool is required (Rust from https://rustup.rs, Node.js 20 or newer)" >&2
    exit 1
  fi
done

# Exactly the lockfile's packages; a lockfile out of step with package.json fails here.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
fi
npm run build

# The browser tests' Chromium (Debian's package; playwright-core drives it, downloading nothing).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing chromium (the browser tests)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: no chromium: the browser tests will be skipped (sudo apt-get install chromium)" >&2
  fi
fi

# The interop tests' independent peer (aioquic) in a virtual environment of its own.
if command -v python3 >/dev/null 2>&1; then
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import aioquic' >/dev/null 2>&1; then
    if ! python3 -m venv .venv; then
      # Debian's python3 keeps venv in a package of its own.
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        python3 -m venv .venv
      else
        echo "setup: python3 cannot make a virtual environment; install python3-venv" >&2
        exit 1
      fi
    fi
    .venv/bin/pip install --quiet --disable-pip-version-check -r tests/interop/requirements.txt
  fi
else
  echo "setup: no python3: the interop tests against aioquic will be skipped" >&2
fi

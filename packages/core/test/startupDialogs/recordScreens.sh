#!/usr/bin/env bash
# Record the start-up screens of the real agent CLIs that the start-up dialog
# fixtures in ./screens come from. Each agent runs offline on its own
# isolated tmux server (-L) with its own empty HOME; nothing of the caller's
# configuration is read. Usage:
#   BIN=<dir with claude, codex, gemini> ./recordScreens.sh [out-dir]
# Versions recorded: claude 2.1.328, codex 0.169.0, gemini 0.61.0.
set -euo pipefail
BIN=${BIN:?set BIN to a directory holding claude, codex and gemini}
OUT=${1:-$(dirname "$0")/screens.new}
WAIT=${WAIT:-30}
mkdir -p "$OUT"
WORK=$(mktemp -d)
SOCK="fm-record-$$"
T() { tmux -L "$SOCK" -f /dev/null "$@"; }
cleanup() { T kill-server 2>/dev/null || true; sleep 1; rm -rf "$WORK" 2>/dev/null || true; }
trap cleanup EXIT
T new-session -d -s keeper \; set -g remain-on-exit on
KEY="sk-ant-api03-madeupmadeupmadeupmadeupmadeupmadeup-ABCDEFGHIJ1234567890"
LAST20="${KEY: -20}"

# record NAME SECONDS KEYS command…   (HOME=$WORK/NAME/home, cwd=$WORK/NAME/work)
# KEYS "-": capture only; else, after the capture, press KEYS (tmux key names)
# and capture NAME.answered.txt, the screen after the dialog was answered.
record() {
  local name=$1 seconds=$2 keys=$3 home="$WORK/${HOME_OF:-$1}/home" cwd="$WORK/${HOME_OF:-$1}/work" session=${1//./_}; shift 3
  mkdir -p "$home" "$cwd" "$home/.codex"
  T new-session -d -s "$session" -x 120 -y 40 -c "$cwd" -e HOME="$home" -e CODEX_HOME="$home/.codex" \
    env HOME="$home" CODEX_HOME="$home/.codex" PATH="$BIN:$PATH" TERM=xterm-256color "$@"
  sleep "$seconds"
  T capture-pane -p -t "$session" | sed -e 's/[[:space:]]*$//' > "$OUT/$name.txt"
  if [ "$keys" != "-" ]; then
    # shellcheck disable=SC2086
    T send-keys -t "$session" $keys
    sleep 10
    T capture-pane -p -t "$session" | sed -e 's/[[:space:]]*$//' > "$OUT/$name.answered.txt"
  fi
  end_pane "$session"
}

# End the pane's whole process tree: Gemini CLI (a Node wrapper and its Node
# child) ignores the SIGHUP that closing the pane sends, and would live on.
end_pane() {
  local pid children
  pid=$(T display-message -p -t "$1" '#{pane_pid}' 2>/dev/null || true)
  if [ -n "$pid" ]; then
    children=$(pgrep -P "$pid" || true)
    # shellcheck disable=SC2086
    kill -TERM "$pid" $children 2>/dev/null || true
  fi
  T kill-session -t "$1" 2>/dev/null || true
}
claude_json() { # dir json
  mkdir -p "$WORK/$1/home"; printf '%s\n' "$2" > "$WORK/$1/home/.claude.json"
}

# Claude Code: folder trust (onboarding done, key approved, folder not trusted).
claude_json claude.folder_trust "{\"hasCompletedOnboarding\": true, \"customApiKeyResponses\": {\"approved\": [\"$LAST20\"], \"rejected\": []}}"
record claude.folder_trust 15 "Down Enter" env ANTHROPIC_API_KEY="$KEY" CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 "$BIN/claude" &
# Claude Code: custom API key confirmation (folder trusted, key not approved).
claude_json claude.api_key "{\"hasCompletedOnboarding\": true, \"projects\": {\"$WORK/claude.api_key/work\": {\"hasTrustDialogAccepted\": true}}}"
record claude.api_key 15 "Up Enter" env ANTHROPIC_API_KEY="$KEY" CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 "$BIN/claude" &
# Claude Code: no credentials at all: it reaches its prompt, "Not logged in · run /login".
claude_json claude.not_logged_in "{\"hasCompletedOnboarding\": true, \"projects\": {\"$WORK/claude.not_logged_in/work\": {\"hasTrustDialogAccepted\": true}}}"
record claude.not_logged_in "$WAIT" - env CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 "$BIN/claude" &
# Claude Code with the first-mate channel while channels are off for the session.
claude_json claude.channel_ignored.first_start "{\"hasCompletedOnboarding\": true, \"projects\": {\"$WORK/claude.channel_ignored.first_start/work\": {\"hasTrustDialogAccepted\": true}}, \"customApiKeyResponses\": {\"approved\": [\"$LAST20\"], \"rejected\": []}}"
echo '{"mcpServers":{"first-mate":{"command":"cat","args":[]}}}' > "$WORK/mcp.json"
# The first start in a fresh HOME hides the notice behind another ("1 more notice hidden");
# the second start shows it.
(
  record claude.channel_ignored.first_start "$WAIT" - env ANTHROPIC_API_KEY="$KEY" CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 "$BIN/claude" --mcp-config "$WORK/mcp.json" --dangerously-load-development-channels server:first-mate
  HOME_OF=claude.channel_ignored.first_start record claude.channel_ignored "$WAIT" - env ANTHROPIC_API_KEY="$KEY" CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 "$BIN/claude" --mcp-config "$WORK/mcp.json" --dangerously-load-development-channels server:first-mate
) &
# Codex: the sign-in menu.
record codex.sign_in 15 - "$BIN/codex" &
# Gemini CLI: folder trust, then (folder trusted) its sign-in choice.
record gemini.folder_trust 20 Enter "$BIN/gemini" &
mkdir -p "$WORK/gemini.sign_in/home/.gemini"
printf '{"%s": "TRUST_FOLDER"}\n' "$WORK/gemini.sign_in/work" > "$WORK/gemini.sign_in/home/.gemini/trustedFolders.json"
record gemini.sign_in 20 - "$BIN/gemini" &
wait
# Paths of the throwaway directories are the recorder's, not the agent's: make them stable.
sed -i -e "s|$WORK/[^/ ]*/work|/home/user/project|g" -e "s|$WORK|/tmp/record|g" "$OUT"/*.txt
echo "recorded into $OUT"

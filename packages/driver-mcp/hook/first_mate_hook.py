"""first-mate-hook for Python 3 (standard library only): the fast hook.

Claude Code runs a hook command for every lifecycle event, so its start-up
is the whole cost. Node takes 130+ ms to start on a small machine; this
script, run as `python3 -I -S first_mate_hook.py`, takes about 40 ms.

It does exactly what the Node `first-mate-hook` does (src/hook/runHook.ts,
src/hook/compactHookPayload.ts): read the agent's JSON payload on stdin
(at most 1 MiB), keep only the fields the server reads, clipped, add
TMUX_PANE, send one hello line {"role": "hook", "pane", "payload"} to the
channel socket (FIRST_MATE_SOCKET, else the default path), wait for the
one-line reply, and exit 0. The run ends within 150 ms of the script's
start, so the whole command, interpreter start-up included, stays within
about 200 ms (Claude Code waits for every hook; the host answers in a few
milliseconds). It never writes to stdout and never fails the agent:
no pane, no server or a bad payload all end quietly. It refuses a socket
directory that is not private to this user (another owner, or any group or
other access) without connecting.
"""

import json
import os
import re
import signal
import socket
import stat
import sys
import time

STRING_FIELDS = {
    "hook_event_name": 64,
    "session_id": 200,
    "notification_type": 64,
    "message": 1000,
    "title": 200,
    "tool_name": 200,
    "source": 64,
    "reason": 200,
    "permission_mode": 64,
}
BOOLEAN_FIELDS = ("stop_hook_active",)
MAX_INPUT_BYTES = 1024 * 1024
MAX_PAYLOAD_BYTES = 3 * 1024
CONNECT_TIMEOUT_S = 0.2
DEADLINE_S = 0.15
PANE = re.compile(r"^%\d+$")


def socket_path(env):
    """FIRST_MATE_SOCKET, else the default (src/shim/defaultSocketPath.ts)."""
    if env.get("FIRST_MATE_SOCKET"):
        return env["FIRST_MATE_SOCKET"]
    runtime_dir = env.get("XDG_RUNTIME_DIR", "")
    if runtime_dir.startswith("/"):
        return os.path.join(runtime_dir, "first-mate", "channel.sock")
    return os.path.join("/tmp", "first-mate-%d" % os.getuid(), "channel.sock")


def socket_directory_refusal(path):
    """None when the socket's directory is private to this user, else why not (src/shim/socketDirectoryCheck.ts)."""
    directory = os.path.dirname(path)
    try:
        info = os.lstat(directory)
    except OSError as error:
        return "%s: %s" % (directory, error)
    if not stat.S_ISDIR(info.st_mode):
        return "%s is not a directory" % directory
    if info.st_uid != os.getuid():
        return "%s is owned by uid %d, not %d" % (directory, info.st_uid, os.getuid())
    if info.st_mode & 0o077:
        return "%s is accessible to group or others (mode %o)" % (directory, info.st_mode & 0o777)
    return None


def from_object(value):
    compact = {}
    for field, limit in STRING_FIELDS.items():
        if isinstance(value.get(field), str):
            compact[field] = value[field][:limit]
    for field in BOOLEAN_FIELDS:
        if isinstance(value.get(field), bool):
            compact[field] = value[field]
    return compact


def from_text(text):
    """Input cut short or not JSON: look for the same fields as "name":"value" pairs."""
    compact = {}
    for field, limit in STRING_FIELDS.items():
        match = re.search('"%s"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"' % field, text)
        if match:
            try:
                compact[field] = json.loads('"%s"' % match.group(1))[:limit]
            except ValueError:
                pass
    return compact


def compact_payload(raw, complete):
    text = raw.decode("utf-8", "replace")
    compact = None
    if complete:
        try:
            value = json.loads(text)
            if isinstance(value, dict):
                compact = from_object(value)
        except ValueError:
            compact = None
    if compact is None:
        compact = from_text(text)
    if not compact.get("hook_event_name"):
        return None
    if len(json.dumps(compact).encode("utf-8")) > MAX_PAYLOAD_BYTES:
        compact["message"] = str(compact.get("message", ""))[:200]
    return compact


def main():
    started = time.monotonic()
    env = os.environ
    pane = env.get("TMUX_PANE", "")
    if not PANE.match(pane):
        return
    raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    complete = len(raw) <= MAX_INPUT_BYTES
    payload = compact_payload(raw[:MAX_INPUT_BYTES], complete)
    if payload is None:
        return
    hello = {"role": "hook", "pane": pane, "payload": payload}
    if env.get("TMUX"):
        hello["tmux"] = env["TMUX"][:1024]
    line = json.dumps(hello) + "\n"
    path = socket_path(env)
    refusal = socket_directory_refusal(path)
    if refusal is not None:
        if env.get("FIRST_MATE_HOOK_DEBUG"):
            sys.stderr.write("first-mate-hook: refusing the socket: %s\n" % refusal)
        return
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.settimeout(max(0.01, min(CONNECT_TIMEOUT_S, DEADLINE_S - (time.monotonic() - started))))
        connection.connect(path)
        connection.settimeout(max(0.01, DEADLINE_S - (time.monotonic() - started)))
        connection.sendall(line.encode("utf-8"))
        reply = b""
        while b"\n" not in reply:
            chunk = connection.recv(4096)
            if not chunk:
                break
            reply += chunk
        if env.get("FIRST_MATE_HOOK_DEBUG"):
            sys.stderr.write("first-mate-hook: %s\n" % reply.decode("utf-8", "replace").strip())
    finally:
        connection.close()


def give_up(_signal, _frame):
    """The whole run, stuck stdin or slow server included, ends by the deadline."""
    os._exit(0)


if __name__ == "__main__":
    signal.signal(signal.SIGALRM, give_up)
    signal.setitimer(signal.ITIMER_REAL, DEADLINE_S)
    try:
        main()
    except Exception as error:  # the agent must never be broken by its hook
        if os.environ.get("FIRST_MATE_HOOK_DEBUG"):
            sys.stderr.write("first-mate-hook: %s\n" % error)
    # Disarmed before exiting: the interpreter's shutdown puts SIGALRM back to its default, which kills
    # the process, so a deadline reached while it shuts down would end the run by a signal, not exit 0.
    signal.setitimer(signal.ITIMER_REAL, 0)
    sys.exit(0)

#!/usr/bin/env python3
"""first-mate's embedder protocol from another language, with the standard
library only (socket + json).

It connects to a running first-mate's channel socket, sends the embedder
hello line with the token from the token file, speaks MCP (JSON-RPC 2.0,
one JSON object per line): initialize, notifications/initialized, then
tools/call update_inputs, fleet_digest, status and conn_status. With
--wait-alert it then listens for notifications/first_mate/alert and
.../event until an alert arrives.

Exit codes: 0 done, 1 refused or failed, 2 no alert within --wait-alert.
"""

import argparse
import json
import os
import socket
import sys
import time

ALERT = "notifications/first_mate/alert"
EVENT = "notifications/first_mate/event"


class Channel:
    """One embedder connection: newline-delimited JSON over a unix socket."""

    def __init__(self, path, token, pane=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buffer = b""
        self.next_id = 0
        self.notifications = []
        hello = {"role": "embedder", "token": token}
        if pane:
            hello["pane"] = pane
        self.write(hello)

    def write(self, message):
        self.sock.sendall(json.dumps(message).encode("utf-8") + b"\n")

    def read(self, timeout=None):
        """The next JSON line, or None on a timeout; raises when the server closed the connection."""
        self.sock.settimeout(timeout)
        while b"\n" not in self.buffer:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                raise RuntimeError("the server closed the connection")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        message = json.loads(line)
        if "error" in message and "jsonrpc" not in message:
            # The server refused the hello: one line, then it closes.
            raise RuntimeError("refused: %s: %s" % (message["error"]["code"], message["error"]["message"]))
        return message

    def request(self, method, params=None):
        self.next_id += 1
        self.write({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}})
        while True:
            message = self.read(timeout=30)
            if message is None:
                raise RuntimeError("no answer to %s within 30 s" % method)
            if message.get("id") == self.next_id and "method" not in message:
                if "error" in message:
                    raise RuntimeError("%s failed: %s" % (method, message["error"]["message"]))
                return message["result"]
            if "method" in message:
                self.notifications.append(message)

    def notify(self, method, params=None):
        self.write({"jsonrpc": "2.0", "method": method, "params": params or {}})

    def call_tool(self, name, arguments=None):
        """A tool's text parts and whether it was an error result."""
        result = self.request("tools/call", {"name": name, "arguments": arguments or {}})
        texts = [part["text"] for part in result.get("content", []) if part.get("type") == "text"]
        return texts, bool(result.get("isError"))


def show_notification(message):
    params = message.get("params", {})
    if message["method"] == ALERT:
        print("alert: %s %s: %s" % (params["level"], params["code"], params["message"]), flush=True)
        return True
    if message["method"] == EVENT:
        print("event: %s %s" % (params["type"], json.dumps(params["data"])), flush=True)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--socket", default=os.environ.get("FIRST_MATE_SOCKET"), help="channel socket path")
    parser.add_argument("--token-file", default=os.environ.get("FIRST_MATE_EMBEDDER_TOKEN_FILE"))
    parser.add_argument("--pane", help="a pane (%%N) to give a status line")
    parser.add_argument("--status", default="reviewing the retry patch", help="the status line for --pane")
    parser.add_argument("--usage", type=float, help="usage percent to report (0-100)")
    parser.add_argument("--wait-alert", type=float, metavar="SECONDS", help="then wait this long for an alert")
    args = parser.parse_args()
    if not args.socket or not args.token_file:
        parser.error("--socket and --token-file are required (first-mate run prints both)")

    with open(args.token_file, encoding="utf-8") as handle:
        token = handle.read().strip()
    try:
        channel = Channel(args.socket, token)
        init = channel.request(
            "initialize",
            {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "embed_client.py", "version": "0.1.0"}},
        )
        channel.notify("notifications/initialized")
        server = init["serverInfo"]
        print("connected: %s %s" % (server["name"], server["version"]), flush=True)
        tools = sorted(tool["name"] for tool in channel.request("tools/list")["tools"])
        print("tools: %s" % ", ".join(tools), flush=True)

        inputs = {}
        if args.pane:
            inputs["panes"] = {args.pane: {"statusLine": args.status}}
        if args.usage is not None:
            inputs["usage"] = {"percent": args.usage, "resetsAt": None}
        texts, failed = channel.call_tool("update_inputs", inputs)
        print("update_inputs%s: %s" % (" FAILED" if failed else "", texts[0]), flush=True)

        texts, failed = channel.call_tool("fleet_digest")
        print("digest:", flush=True)
        for line in texts[0].splitlines():
            print("  " + line, flush=True)

        texts, failed = channel.call_tool("status")
        status = json.loads(texts[0])
        print(
            "status: running=%s firstMateAttached=%s killSwitch=%s gaveUp=%s"
            % (status["running"], status["firstMateAttached"], status["killSwitch"], status["gaveUp"]),
            flush=True,
        )

        # The authority surface: who holds the conn (conn_handoff / conn_take_back change it).
        texts, failed = channel.call_tool("conn_status")
        print("conn%s: %s" % (" FAILED" if failed else "", texts[0]), flush=True)

        for message in channel.notifications:
            show_notification(message)
        if args.wait_alert is None:
            return 0
        print("listening for alerts (%g s)" % args.wait_alert, flush=True)
        deadline = time.monotonic() + args.wait_alert
        while time.monotonic() < deadline:
            message = channel.read(timeout=max(0.05, deadline - time.monotonic()))
            if message is None:
                continue
            if "method" in message and show_notification(message):
                return 0
        print("no alert within %g s" % args.wait_alert, flush=True)
        return 2
    except (RuntimeError, OSError) as error:
        print(str(error), flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Opens a page in headless Firefox, driven over WebDriver BiDi (a WebSocket), and waits for a condition in the page
before saving what the tests read: the DOM as it stands, a screenshot, and the values of expressions. The same
command line and exit codes as browser.py (Chromium); standard library only.

  firefox.py URL --until 'JS expression' [--timeout S] [--dom FILE] [--screenshot FILE.png] [--eval 'JS']... [--size W,H]

Exits 0 when the condition came true in time (the --eval results printed one JSON value a line), 1 if not
(what the page showed is still saved, to see why), 2 when Firefox cannot be run. --timeout counts from the
moment Firefox is ready; its start has a bound of its own (STARTUP_SECONDS).
"""
import base64
import ctypes
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # nothing written into the source tree (tests/tools/__pycache__)
import page_options  # noqa: E402

STARTUP_SECONDS = 60


class BiDiError(RuntimeError):
    """Firefox answered a command with an error."""


class WebSocket:
    """A minimal RFC 6455 client: masked frames out; text messages in, fragmented or not; ping, pong, close."""

    def __init__(self, host, port, path, deadline):
        self.sock = socket.create_connection((host, port), timeout=max(0.1, deadline - time.monotonic()))
        self.buffered, self.message = bytearray(), bytearray()
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
        while b"\r\n\r\n" not in self.buffered:
            self.fill(deadline)
        head, _, rest = bytes(self.buffered).partition(b"\r\n\r\n")
        self.buffered = bytearray(rest)
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        if not head.startswith(b"HTTP/1.1 101") or accept not in head:
            raise RuntimeError(f"WebSocket handshake refused: {head.decode(errors='replace')}")

    def fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("Firefox did not answer in time")
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(1 << 20)
        except socket.timeout:
            raise TimeoutError("Firefox did not answer in time") from None
        if not chunk:
            raise RuntimeError("Firefox closed the WebSocket")
        self.buffered += chunk

    def send(self, payload, deadline, opcode=1):
        n, mask = len(payload), os.urandom(4)
        length = bytes([0x80 | n]) if n < 126 else (bytes([0x80 | 126]) + struct.pack("!H", n) if n < 1 << 16
                                                    else bytes([0x80 | 127]) + struct.pack("!Q", n))
        self.sock.settimeout(max(0.1, deadline - time.monotonic()))
        self.sock.sendall(bytes([0x80 | opcode]) + length + mask + masked(payload, mask))

    def frame(self):
        """The first whole frame in the buffer as (first byte, payload), or None: a frame is taken whole or not at all."""
        b = self.buffered
        if len(b) < 2:
            return None
        n, at = b[1] & 0x7F, 2
        if n >= 126:
            at = 4 if n == 126 else 10
            if len(b) < at:
                return None
            n = struct.unpack_from("!H" if at == 4 else "!Q", b, 2)[0]
        mask = bytes(b[at:at + 4]) if b[1] & 0x80 else None  # servers do not mask; allowed anyway
        at += 4 if mask else 0
        if len(b) < at + n:
            return None
        first, payload = b[0], bytes(b[at:at + n])
        del b[:at + n]
        return first, masked(payload, mask) if mask else payload

    def receive(self, deadline):
        while True:
            frame = self.frame()
            if frame is None:
                self.fill(deadline)
                continue
            first, payload = frame
            opcode = first & 0x0F
            if opcode == 9:  # ping
                self.send(payload, deadline, opcode=10)
            elif opcode == 8:  # close: answer it, and the conversation is over
                try:
                    self.send(payload[:2], deadline, opcode=8)
                except OSError:
                    pass
                raise RuntimeError("Firefox closed the WebSocket")
            elif opcode in (0, 1, 2):  # a message's first frame (text, binary) or the next (continuation)
                self.message += payload
                if first & 0x80:  # FIN: the last
                    message, self.message = bytes(self.message), bytearray()
                    return message.decode()


def masked(payload, mask):
    n = len(payload)
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


class BiDi:
    """WebDriver BiDi commands: one JSON message each way, the reply matched by id (events skipped)."""

    def __init__(self, websocket):
        self.websocket, self.next_id = websocket, 0

    def call(self, method, params, deadline):
        self.next_id += 1
        self.websocket.send(json.dumps({"id": self.next_id, "method": method, "params": params}).encode(), deadline)
        while True:
            reply = json.loads(self.websocket.receive(deadline))
            if reply.get("id") == self.next_id:
                if reply.get("type") == "error":
                    raise BiDiError(f"{method}: {reply.get('error')}: {reply.get('message')}")
                return reply.get("result", {})


def plain(value):
    """A JS value as JSON, from BiDi's serialization of it (NaN, Infinity and -0 as null, as Chromium gives them)."""
    kind, inner = value.get("type"), value.get("value")
    if kind == "number":
        return None if isinstance(inner, str) else inner
    if kind in ("array", "set"):
        return [plain(item) for item in inner or []]
    if kind in ("object", "map"):
        return {key if isinstance(key, str) else json.dumps(plain(key)): plain(item) for key, item in inner or []}
    return inner if isinstance(inner, (str, int, float, bool)) else None  # undefined, null, and what JSON cannot hold


def listening_on(log, browser, deadline):
    """The host and port Firefox reports on stderr ("WebDriver BiDi listening on ws://127.0.0.1:PORT"), or None."""
    while time.monotonic() < deadline:
        with open(log, "rb") as out:
            found = re.search(rb"WebDriver BiDi listening on ws://\[?([^\s\]/]+)\]?:(\d+)", out.read())
        if found:
            return found.group(1).decode(), int(found.group(2))
        if browser.poll() is not None:
            return None
        time.sleep(0.1)
    return None


def main():
    args = page_options.parse()
    width, height = (int(n) for n in args.size.split(","))

    binary = shutil.which("firefox-esr") or shutil.which("firefox")
    if not binary:
        print("firefox.py: no firefox on this machine (apt-get install firefox-esr)", file=sys.stderr)
        return 2

    def stop(signum, frame):  # SIGTERM and the like: leave through the finally below
        raise SystemExit(128 + signum)

    stopping = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
    for signum in stopping:
        if signal.getsignal(signum) != signal.SIG_IGN:  # as under nohup, or for a shell's background job
            signal.signal(signum, stop)
    work = tempfile.mkdtemp(prefix="vpclab-firefox-")
    profile, home, log = os.path.join(work, "profile"), os.path.join(work, "home"), os.path.join(work, "firefox.log")
    os.mkdir(profile)
    os.mkdir(home)
    # A HOME of its own, so nothing is left in root's (~/.cache/mozilla), and no display: as root, Firefox refuses
    # to start when XAUTHORITY belongs to another user, and headless it needs none.
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY")}
    env.update(HOME=home, XDG_CACHE_HOME=os.path.join(home, ".cache"), XDG_CONFIG_HOME=os.path.join(home, ".config"),
               MOZ_CRASHREPORTER_DISABLE="1", MOZ_HEADLESS="1")
    # Firefox's orphans (its content processes, once it is killed) come to us to reap, not to init, which may be slow.
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    browser, websocket, ok = None, None, False
    try:
        with open(log, "wb") as out:
            browser = subprocess.Popen(
                [binary, "--headless", "--no-remote", "--profile", profile, "--remote-debugging-port", "0", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env,
                start_new_session=True)  # its own process group: its content processes go with it
        address = listening_on(log, browser, time.monotonic() + STARTUP_SECONDS)
        if not address:
            with open(log, errors="replace") as out:
                print(f"firefox.py: Firefox did not start WebDriver BiDi; it said:\n{out.read()[-2000:]}", file=sys.stderr)
            return 2
        deadline = time.monotonic() + STARTUP_SECONDS
        websocket = WebSocket(*address, "/session", deadline)
        bidi = BiDi(websocket)
        bidi.call("session.new", {"capabilities": {}}, deadline)
        contexts = bidi.call("browsingContext.getTree", {"maxDepth": 0}, deadline)["contexts"]
        context = contexts[0]["context"] if contexts else \
            bidi.call("browsingContext.create", {"type": "tab"}, deadline)["context"]

        def evaluate(expression):
            try:
                result = bidi.call("script.evaluate", {"expression": expression, "target": {"context": context},
                                                       "awaitPromise": False}, deadline)
            except BiDiError:  # e.g. in the moment the page is replaced
                return None
            return plain(result["result"]) if result.get("type") == "success" else None

        deadline = time.monotonic() + args.timeout
        bidi.call("browsingContext.setViewport",
                  {"context": context, "viewport": {"width": width, "height": height}, "devicePixelRatio": 1}, deadline)
        try:
            bidi.call("browsingContext.navigate", {"context": context, "url": args.url, "wait": "complete"}, deadline)
            while time.monotonic() < deadline:  # poll the page's own state, not a fixed wait
                if evaluate(f"Boolean({args.until})"):
                    ok = True
                    break
                time.sleep(0.1)
        except (BiDiError, TimeoutError) as error:  # the page did not load, or not in time: save what it shows
            print(f"firefox.py: {error}", file=sys.stderr)
        deadline = time.monotonic() + 15  # time to save what there is, either way
        page_options.save(args, evaluate, lambda: bidi.call("browsingContext.captureScreenshot", {"context": context}, deadline)["data"])
    except (RuntimeError, TimeoutError, OSError) as error:
        print(f"firefox.py: {error}", file=sys.stderr)
        ok = False
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, stopping)  # the cleanup is not cut short
        if websocket:
            websocket.sock.close()
        if browser:
            try:
                os.killpg(browser.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            browser.wait()
            gone = time.monotonic() + 5
            while time.monotonic() < gone:  # its other processes reaped too: pgrep would see them as zombies
                try:
                    while os.waitpid(-1, os.WNOHANG)[0]:  # orphans come to us, a subreaper
                        pass
                except ChildProcessError:
                    pass
                try:
                    os.killpg(browser.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.02)
        shutil.rmtree(work, ignore_errors=True)
    if not ok:
        print(f"firefox.py: '{args.until}' did not come true within {args.timeout} s", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

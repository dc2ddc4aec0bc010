#!/usr/bin/env python3
"""Opens a page in headless Chromium, driven over its DevTools protocol (--remote-debugging-pipe), and waits
for a condition in the page before saving what the tests read: the DOM as it stands, a screenshot, and the
values of expressions. Standard library only.

  browser.py URL --until 'JS expression' [--timeout S] [--dom FILE] [--screenshot FILE.png] [--eval 'JS']...

Exits 0 when the condition came true in time (the --eval results printed one JSON value a line), 1 if not
(what the page showed is still saved, to see why), 2 when Chromium cannot be run.
"""
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # nothing written into the source tree (tests/tools/__pycache__)
import page_options  # noqa: E402


class DevTools:
    """The DevTools protocol over the pipe Chromium reads on fd 3 and writes on fd 4 (NUL after each message)."""

    def __init__(self, to_browser, from_browser):
        self.to_browser, self.from_browser = to_browser, from_browser
        self.next_id, self.buffered = 0, b""

    def call(self, method, params=None, session=None, deadline=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:  # events come between replies: skip them
            reply = self.read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def read(self, deadline):
        while b"\0" not in self.buffered:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and (left <= 0 or not select.select([self.from_browser], [], [], left)[0]):
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe")
            self.buffered += chunk
        message, _, self.buffered = self.buffered.partition(b"\0")
        return json.loads(message)


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def main():
    args = page_options.parse()

    binary = chromium_binary()
    if not binary:
        print("browser.py: no chromium on this machine (apt-get install chromium)", file=sys.stderr)
        return 2
    profile = tempfile.mkdtemp(prefix="vpclab-browser-")
    to_read, to_browser = os.pipe()
    from_browser, to_write = os.pipe()

    def give_pipe():  # in the child: the pipe's ends on the fds Chromium expects, kept across exec
        read_end, write_end = os.dup(to_read), os.dup(to_write)  # above 4 first: the pipes may be on 3 and 4 already
        os.dup2(read_end, 3)
        os.dup2(write_end, 4)
        os.set_inheritable(3, True)
        os.set_inheritable(4, True)

    width, height = args.size.split(",")
    # --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
    browser = subprocess.Popen(
        [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
         "--disable-extensions", "--disable-background-networking", "--disable-sync", "--remote-debugging-pipe",
         f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=False, preexec_fn=give_pipe,
        start_new_session=True)  # its own process group: its renderers go with it
    os.close(to_read)
    os.close(to_write)
    ok = False
    try:
        deadline = time.monotonic() + args.timeout
        devtools = DevTools(to_browser, from_browser)
        target = devtools.call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
        session = devtools.call("Target.attachToTarget", {"targetId": target, "flatten": True}, deadline=deadline)["sessionId"]
        devtools.call("Emulation.setDeviceMetricsOverride",
                      {"width": int(width), "height": int(height), "deviceScaleFactor": 1, "mobile": False}, session, deadline)
        devtools.call("Page.navigate", {"url": args.url}, session, deadline)

        def evaluate(expression):
            result = devtools.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session, deadline)
            if "exceptionDetails" in result:
                return None
            return result.get("result", {}).get("value")

        while time.monotonic() < deadline:  # poll the page's own state, not a fixed wait
            if evaluate(f"Boolean({args.until})"):
                ok = True
                break
            time.sleep(0.1)
        deadline = time.monotonic() + 15  # time to save what there is, either way
        page_options.save(args, evaluate,
                          lambda: devtools.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False}, session, deadline)["data"])
    except (RuntimeError, TimeoutError, OSError) as error:
        print(f"browser.py: {error}", file=sys.stderr)
        ok = False
    finally:
        try:
            os.killpg(browser.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        browser.wait()
        os.close(to_browser)
        os.close(from_browser)
        shutil.rmtree(profile, ignore_errors=True)
    if not ok:
        print(f"browser.py: '{args.until}' did not come true within {args.timeout} s", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

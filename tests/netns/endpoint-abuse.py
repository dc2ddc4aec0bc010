#!/usr/bin/python3
# Misbehaving clients of a lab's AWS endpoint (tests/netns/aws_cli_test.sh), on 127.0.0.1:PORT:
#   idle N SECONDS   N connections that send nothing, held SECONDS; prints how many the server closed
#   drip SECONDS     one byte of a request every 200 ms; prints when the server closed it
#   large            a head announcing a 10 MB body, then the body; prints the reply's status line and how
#                    much of the body was sent before the server answered
import socket
import sys
import time

port = int(sys.argv[1])
mode = sys.argv[2]


def closed_by_server(s):
    try:
        return s.recv(65536) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


if mode == "idle":
    n, seconds = int(sys.argv[3]), float(sys.argv[4])
    socks, refused = [], 0
    for _ in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            s.setblocking(False)
            socks.append(s)
        except OSError:
            refused += 1
    print(f"connected {len(socks)} refused {refused}", flush=True)
    time.sleep(seconds)
    print(f"closed-by-server {sum(closed_by_server(s) for s in socks)}", flush=True)
elif mode == "drip":
    seconds = float(sys.argv[3])
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    request = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 38\r\n\r\nAction=DescribeVpcs&Version=2016-11-15"
    print("dripping", flush=True)
    start = time.time()
    for i in range(len(request)):
        if time.time() - start > seconds:
            break
        try:
            s.send(request[i:i + 1])
        except OSError:
            print(f"closed-by-server after {time.time() - start:.1f} s", flush=True)
            sys.exit(0)
        s.setblocking(False)
        if closed_by_server(s):
            print(f"closed-by-server after {time.time() - start:.1f} s", flush=True)
            sys.exit(0)
        s.setblocking(True)
        time.sleep(0.2)
    print("never closed", flush=True)
elif mode == "large":
    size = 10 * 1024 * 1024
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
              + str(size).encode() + b"\r\n\r\n")
    sent = 0
    chunk = b"A" * 65536
    s.settimeout(0.05)
    reply = b""
    while sent < size:
        try:
            reply += s.recv(4096)
            break
        except socket.timeout:
            pass
        except OSError:
            break
        try:
            sent += s.send(chunk)
        except OSError:
            break
    s.settimeout(2)
    try:
        while b"\r\n" not in reply:
            more = s.recv(4096)
            if not more:
                break
            reply += more
    except OSError:
        pass
    status = reply.split(b"\r\n")[0].decode(errors="replace")
    print(f"status {status!r} after {sent} body bytes", flush=True)

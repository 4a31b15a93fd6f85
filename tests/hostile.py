"""A hostile HTTP server on 127.0.0.1: answers every request in one bad way, byte by byte.

Where tests/replay.py plays the APIs as they are, this one plays them as an attacker (or a broken
proxy) might: bodies that unpack to gigabytes, answers that trickle a byte a second, answers that
never come, bodies far past the size cap, a redirect to itself, XML entity bombs. It works on raw
sockets so that the bytes and their timing are exactly what the mode says::

    with HostileServer("gzip-gzip") as server:
        settings.PAPERDAILY_GITHUB_API_URL = server.base_url
        ...

Run ``python -m tests.hostile MODE`` to serve one mode on a free port until interrupted.
"""

import contextlib
import functools
import os
import resource
import socket
import subprocess
import sys
import threading
import time
import zlib
from dataclasses import dataclass

MODES = (
    "gzip-gzip",
    "gzip-gzip-gzip",
    "trickle-body",
    "trickle-headers",
    "no-answer",
    "big-declared",
    "big-undeclared",
    "big-chunked",
    "redirect-loop",
    "billion-laughs",
    "deep-json",
)

BIG_BYTES = 50 * 1024 * 1024
_ZEROS = 1024 * 1024 * 1024  # what the stacked gzip bodies unpack to, innermost layer
_CHUNK = b"x" * 65536
_TRICKLE_SECONDS = 1.0
_LONGEST = 600.0  # no connection is held longer than this, whatever the client does

# The classic: ten levels of ten references, a billion "lol"s from under a kilobyte.
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (level, (b"&lol;" if level == 1 else b"&lol%d;" % (level - 1)) * 10)
        for level in range(1, 10)
    )
    + b']>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol9;</title></feed>\n'
)


@functools.cache
def stacked_gzip(layers):
    """gzip applied ``layers`` times over 1 GiB of zeros, compressed as a stream (a few seconds, once)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    body = b"".join(compressor.compress(zeros) for _ in range(_ZEROS // len(zeros))) + compressor.flush()
    for _ in range(layers - 1):
        compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        body = compressor.compress(body) + compressor.flush()
    return body


class HostileServer:
    """Serves ``mode`` to every connection, each in its own daemon thread, until stopped."""

    def __init__(self, mode):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
        self.mode = mode
        self.connections = 0
        self._stopping = threading.Event()
        self._listener = None
        self._thread = None

    def start(self):
        if self.mode.startswith("gzip"):
            stacked_gzip(self.mode.count("gzip"))  # built before the first client waits for it
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self._listener.settimeout(0.05)
        self._thread = threading.Thread(target=self._accept, name=f"hostile-{self.mode}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def port(self):
        return self._listener.getsockname()[1]

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def _accept(self):
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            with conn:
                conn.settimeout(_LONGEST)
                path = self._read_request(conn)
                if path is not None:
                    getattr(self, "_" + self.mode.replace("-", "_"))(conn, path)
        except OSError:
            pass  # the client hung up: what a well-behaved client does to this server

    def _read_request(self, conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        return data.split(b" ", 2)[1].decode("latin-1")

    def _wait(self, seconds):
        """Sleep, but wake when the server stops; True if it is stopping."""
        return self._stopping.wait(seconds)

    def _head(self, conn, status="200 OK", headers=(), keep_alive=False):
        # One answer a connection (but for the redirect loop): a pooled connection must not carry
        # a client into the next test's server mode, nor wait on a request this server never reads.
        close = [] if keep_alive else ["Connection: close"]
        lines = [f"HTTP/1.1 {status}", "Content-Type: application/json", *close, *headers, "", ""]
        conn.sendall("\r\n".join(lines).encode("latin-1"))

    # --- the modes

    def _gzip_gzip(self, conn, path):
        body = stacked_gzip(2)
        self._head(conn, headers=["Content-Encoding: gzip, gzip", f"Content-Length: {len(body)}"])
        conn.sendall(body)

    def _gzip_gzip_gzip(self, conn, path):
        body = stacked_gzip(3)
        self._head(conn, headers=["Content-Encoding: gzip, gzip, gzip", f"Content-Length: {len(body)}"])
        conn.sendall(body)

    def _trickle_body(self, conn, path):
        self._head(conn, headers=["Content-Length: 100000"])
        while not self._wait(_TRICKLE_SECONDS):
            conn.sendall(b" ")

    def _trickle_headers(self, conn, path):
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while not self._wait(_TRICKLE_SECONDS):
            conn.sendall(b"a")

    def _no_answer(self, conn, path):
        self._wait(_LONGEST)

    def _big_declared(self, conn, path):
        self._head(conn, headers=[f"Content-Length: {BIG_BYTES}"])
        self._send_big(conn, lambda chunk: chunk)

    def _big_undeclared(self, conn, path):
        self._head(conn)
        self._send_big(conn, lambda chunk: chunk)

    def _big_chunked(self, conn, path):
        self._head(conn, headers=["Transfer-Encoding: chunked"])
        self._send_big(conn, lambda chunk: b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.sendall(b"0\r\n\r\n")

    def _send_big(self, conn, frame):
        for _ in range(BIG_BYTES // len(_CHUNK)):
            if self._stopping.is_set():
                return
            conn.sendall(frame(_CHUNK))

    def _redirect_loop(self, conn, path):
        location = self.base_url + path
        while True:
            self._head(conn, "301 Moved Permanently", [f"Location: {location}", "Content-Length: 0"], keep_alive=True)
            if self._read_request(conn) is None:
                return

    def _deep_json(self, conn, path):
        # A million opening brackets: 1 MB, under the size cap, and far past any decoder's recursion.
        body = b"[" * 1_000_000
        self._head(conn, headers=["Content-Type: application/json", f"Content-Length: {len(body)}"])
        conn.sendall(body)

    def _billion_laughs(self, conn, path):
        body = BILLION_LAUGHS
        self._head(conn, headers=[f"Content-Length: {len(body)}"])
        conn.sendall(body)


@dataclass
class Measured:
    returncode: int
    seconds: float
    peak_mb: float  # the child's resident set high-water mark
    stdout: str
    stderr: str


# Prefixed to a Python child's script: as it exits it writes its own resident high-water mark
# (VmHWM, which starts afresh with the exec) to stderr. wait4's ru_maxrss cannot be used alone:
# Linux carries the forking process's high-water mark across the exec, so a 100 MB command
# started from a 300 MB test process measured 300 MB.
PEAK_MARK = "\n[run_measured] peak kB: "
_REPORT_PEAK = f"""
import atexit, runpy, sys

def _peak():
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    sys.stderr.write({PEAK_MARK!r} + kb + "\\n")
    sys.stderr.flush()

atexit.register(_peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_measured(args, *, cwd, env, timeout, memory_limit=3_000_000_000):
    """Run ``args`` and measure its wall time and peak RSS (its own, not its parent's or siblings').

    A Python script (``[sys.executable, script, ...]``) reports its own high-water mark as it
    exits; anything else, or a child killed before it could, is measured by wait4 (which
    counts this process's size at the fork too). The child's address space is capped at
    ``memory_limit`` so that a client without a bound on decompression ends in a MemoryError
    instead of taking the machine down; it is killed after ``timeout`` seconds.
    """
    if args[0] == sys.executable and len(args) > 1 and not args[1].startswith("-"):
        args = [sys.executable, "-c", _REPORT_PEAK, *args[1:]]

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    started = time.monotonic()
    child = subprocess.Popen(  # noqa: S603 (the caller's fixed command line)
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit
    )
    killer = threading.Timer(timeout, child.kill)
    killer.start()
    outputs = {}
    readers = [
        threading.Thread(target=lambda name, pipe: outputs.__setitem__(name, pipe.read()), args=(name, pipe))
        for name, pipe in (("stdout", child.stdout), ("stderr", child.stderr))
    ]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - started
    killer.cancel()
    for reader in readers:
        reader.join()
    child.stdout.close()
    child.stderr.close()
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr, _, reported = outputs["stderr"].decode(errors="replace").partition(PEAK_MARK)
    peak_kb = int(reported.split()[0]) if reported.strip() else usage.ru_maxrss  # kilobytes on Linux
    return Measured(
        returncode=child.returncode,
        seconds=seconds,
        peak_mb=peak_kb / 1024,
        stdout=outputs["stdout"].decode(errors="replace"),
        stderr=stderr,
    )


if __name__ == "__main__":
    with HostileServer(sys.argv[1]) as server:
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()

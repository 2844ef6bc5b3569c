#!/usr/bin/python3
"""A Pyroscope-compatible ingest endpoint for test_push.sh, written from
Pyroscope's documented HTTP API: POST /ingest with name, from, until (query
parameters, required), format, sampleRate, spyName; with format=pprof the
body is multipart/form-data and the profile is its "profile" field.

usage: pyroscope_receiver.py PORT DIR
Every request is stored: one JSON line in DIR/requests.jsonl (path, query,
the Authorization and X-Scope-OrgID headers, status given) and the profile in
DIR/PID-N.pprof. DIR/mode, read at each request, says how to answer:
  ok (or no file)  200 for a valid request, 400 for an invalid one
  500              500 to everything
  hang             read the request, never answer
  gone             read the request, close the connection without answering
                   or storing it (a server going away: the test switches to
                   it before killing the receiver, so no request it stored
                   dies unanswered)
Listens on 127.0.0.1 only."""
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, DIR = int(sys.argv[1]), sys.argv[2]
MAX_BODY = 64 << 20
lock = threading.Lock()
count = [0]


def mode():
    try:
        with open(os.path.join(DIR, "mode")) as f:
            return f.read().strip() or "ok"
    except OSError:
        return "ok"


def multipart_field(ctype, body, field):
    """The content of form field `field` of a multipart/form-data body."""
    params = dict(p.strip().split("=", 1) for p in ctype.split(";")[1:] if "=" in p)
    boundary = params.get("boundary", "").strip('"')
    if not ctype.startswith("multipart/form-data") or not boundary:
        return None
    for part in body.split(b"--" + boundary.encode()):
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        for line in head.decode("latin-1").split("\r\n"):
            if line.lower().startswith("content-disposition:") and f'name="{field}"' in line:
                return content[:-2] if content.endswith(b"\r\n") else content
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes

    def log_message(self, *args):
        pass

    def answer(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(min(length, MAX_BODY))
        m = mode()
        if m == "hang":
            time.sleep(3600)
            return
        if m == "gone":
            self.close_connection = True
            return
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        profile = multipart_field(self.headers.get("Content-Type", ""), body, "profile")
        status = 500 if m == "500" else 200
        if status == 200 and (url.path != "/ingest" or not all(k in q for k in ("name", "from", "until"))
                              or q.get("format") != "pprof" or profile is None):
            status = 400
        with lock:
            count[0] += 1
            # unique across restarts of the receiver
            n = f"{os.getpid()}-{count[0]}"
            if profile is not None and status == 200:
                with open(os.path.join(DIR, f"{n}.pprof"), "wb") as f:
                    f.write(profile)
            rec = {"n": n, "t": time.time(), "path": url.path, "query": q, "status": status,
                   "authorization": self.headers.get("Authorization"),
                   "orgid": self.headers.get("X-Scope-OrgID"),
                   "content_type": self.headers.get("Content-Type", "").split(";")[0]}
            with open(os.path.join(DIR, "requests.jsonl"), "a") as f:
                f.write(json.dumps(rec) + "\n")
        self.answer(status, "ok" if status == 200 else "refused")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


Server(("127.0.0.1", PORT), Handler).serve_forever()

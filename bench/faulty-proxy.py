#!/usr/bin/env python3
"""A loopback HTTP/1.1 proxy that answers a share of the requests with 503 and forwards the rest.

    faulty-proxy.py LISTEN_PORT TARGET_PORT [--error-rate 0.2] [--seed 1]

For bench/outage-vs-peers.sh: every tool's Swift traffic goes through it, so each sees the same storm of 503s.
Only 127.0.0.1 is contacted. Bodies are buffered (the bench's files are small). Stops on SIGTERM.
"""
import argparse
import http.client
import http.server
import random
import threading

HOP = {'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade'}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('listen', type=int)
    ap.add_argument('target', type=int)
    ap.add_argument('--error-rate', type=float, default=0.2)
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    lock = threading.Lock()
    local = threading.local()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, *a):
            pass

        def upstream(self):
            if getattr(local, 'conn', None) is None:
                local.conn = http.client.HTTPConnection('127.0.0.1', args.target, timeout=120)
            return local.conn

        def body(self):
            if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
                data = b''
                while True:
                    size = int(self.rfile.readline().split(b';')[0], 16)
                    if size == 0:
                        while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                            pass
                        return data
                    data += self.rfile.read(size)
                    self.rfile.readline()
            n = int(self.headers.get('Content-Length') or 0)
            return self.rfile.read(n) if n else b''

        def handle_any(self):
            data = self.body()
            with lock:
                fail = rng.random() < args.error_rate
            if fail:
                msg = b'<html><h1>Service Unavailable</h1><p>The server is currently unavailable.</p></html>'
                self.send_response(503)
                self.send_header('Content-Type', 'text/html; charset=UTF-8')
                self.send_header('Content-Length', str(len(msg)))
                self.end_headers()
                if self.command != 'HEAD':
                    self.wfile.write(msg)
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            if data or self.command in ('PUT', 'POST'):
                headers['Content-Length'] = str(len(data))
            for attempt in (0, 1):
                try:
                    conn = self.upstream()
                    conn.request(self.command, self.path, body=data, headers=headers)
                    r = conn.getresponse()
                    payload = r.read()
                    break
                except (http.client.HTTPException, OSError):
                    local.conn = None
                    if attempt:
                        self.send_error(502)
                        return
            self.send_response_only(r.status, r.reason)
            head = self.command == 'HEAD'
            for k, v in r.getheaders():
                if k.lower() not in HOP and (head or k.lower() != 'content-length'):
                    self.send_header(k, v)
            if not head:
                self.send_header('Content-Length', str(len(payload)))
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(payload)

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_COPY = do_OPTIONS = handle_any

    server = http.server.ThreadingHTTPServer(('127.0.0.1', args.listen), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == '__main__':
    main()

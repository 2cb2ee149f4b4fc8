#!/usr/bin/python3
"""Fixture servers for t_validate.sh (acmegw-validate), loopback only.

Python 3 standard library, plus python3-cryptography for certificates.

    fixtures.py ports N              print N free TCP ports on 127.0.0.1
    fixtures.py digest KEYAUTH       print base64url(SHA-256(KEYAUTH))
    fixtures.py post URL JSON        POST JSON (pebble-challtestsrv API)
    fixtures.py verdict              check the verdict on stdin, print
                                     "STATUS TYPE" ("-" when valid)
    fixtures.py http DIR THUMB       http-01 server (+ https for redirects)
    fixtures.py tls DIR THUMB        tls-alpn-01 servers, one port per case
    fixtures.py dns DIR ZONE.json    a small DNS server (UDP and TCP) and a
                                     UDP black hole

Every server binds 127.0.0.1 port 0, then writes DIR/<kind>.ports
("case port" lines, written atomically) and DIR/<kind>.log (one line per
connection or query, flushed at once), and runs until killed.  The key
authorization of a case is "<token>.<THUMB>", the token being the case
name (for http, the first path element after acme-challenge/).
"""

import base64
import datetime
import gzip
import hashlib
import http.server
import json
import os
import re
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time

LOCK = threading.Lock()


def log(path, line):
    with LOCK:
        with open(path, "a") as f:
            f.write(line + "\n")
            f.flush()


def write_ports(path, ports):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for k, v in ports.items():
            f.write("%s %d\n" % (k, v))
    os.rename(tmp, path)


def digest(ka):
    d = hashlib.sha256(ka.encode()).digest()
    return base64.urlsafe_b64encode(d).decode().rstrip("=")


def serve_forever():
    while True:
        time.sleep(3600)


# ----------------------------------------------------------------------
# Certificates (python3-cryptography)

def make_cert(sans, exts=(), issuer_key=None, issuer_name=None):
    """Self-signed (or issuer-signed) EC P-256 certificate.

    sans: list of ("dns", name) / ("ip", addr); exts: list of
    (oid or x509 extension object, value bytes or None, critical).
    Returns (cert_pem, key_pem).
    """
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                         "acmegw fixture")])
    now = datetime.datetime.utcnow()
    b = (x509.CertificateBuilder()
         .subject_name(name)
         .issuer_name(issuer_name or name)
         .public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=7)))
    if sans:
        gn = []
        for kind, v in sans:
            if kind == "dns":
                gn.append(x509.DNSName(v))
            else:
                gn.append(x509.IPAddress(ipaddress.ip_address(v)))
        b = b.add_extension(x509.SubjectAlternativeName(gn), critical=False)
    for oid, value, critical in exts:
        if isinstance(oid, str):
            ext = x509.UnrecognizedExtension(x509.ObjectIdentifier(oid),
                                             value)
        else:
            ext = oid
        b = b.add_extension(ext, critical=critical)
    cert = b.sign(issuer_key or key, hashes.SHA256())
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM,
                              serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def write_pair(d, stem, pair):
    cf = os.path.join(d, stem + ".crt")
    kf = os.path.join(d, stem + ".key")
    with open(cf, "wb") as f:
        f.write(pair[0])
    with open(kf, "wb") as f:
        f.write(pair[1])
    return cf, kf


# ----------------------------------------------------------------------
# http-01

class HTTPFixture(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fixture"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        log(self.server.logfile, "conn %s %s" % (self.server.kind,
                                                   self.client_address[0]))

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, status, location):
        self.send(status, b"moved\n", [("Location", location)])

    def do_GET(self):
        srv = self.server
        host = self.headers.get("Host", "")
        hostname = re.sub(r":\d+$", "", host)
        log(srv.logfile, "req %s %s %s" % (srv.kind, host, self.path))
        if self.headers.get("Accept-Encoding") is not None:
            self.send(500, b"Accept-Encoding must not be sent\n")
            return
        thumb = srv.thumb
        m = re.match(r"^/\.well-known/acme-challenge/([A-Za-z0-9_-]+)$",
                     self.path)
        hop = re.match(r"^/hop/([A-Za-z0-9_-]+)(?:/(\d+))?$", self.path)
        if hop:
            tok, n = hop.group(1), hop.group(2)
            if n is not None and int(n) > 0:
                self.redirect(302, "/hop/%s/%d" % (tok, int(n) - 1))
            else:
                self.send(200, ("%s.%s" % (tok, thumb)).encode())
            return
        if not m:
            self.send(404, b"not found\n")
            return
        tok = m.group(1)
        ka = ("%s.%s" % (tok, thumb)).encode()
        case = tok
        if case == "good":
            self.send(200, ka)
        elif case == "wrong":
            self.send(200, ("%s.%s" % (tok, "x" * 43)).encode())
        elif case == "trail":
            self.send(200, ka + b"\r\n \t\n")
        elif case == "lead":
            self.send(200, b" " + ka)
        elif case == "notfound":
            self.send(404, ka)
        elif case == "redirgood":
            self.redirect(302, "http://%s/hop/%s" % (host, tok))
        elif case == "redirother":
            self.redirect(301, "http://other.example.test:%d/hop/%s"
                          % (srv.ports["http"], tok))
        elif case == "redirrel":
            self.redirect(301, "../../hop/%s" % tok)
        elif case == "redirhttps":
            self.redirect(307, "https://%s:%d/hop/%s"
                          % (hostname, srv.ports["https"], tok))
        elif case == "redirschemeport":
            self.redirect(302, "https://%s:%d/hop/%s"
                          % (hostname, srv.ports["http"], tok))
        elif case == "redirport":
            self.redirect(302, "http://%s:22/hop/%s" % (hostname, tok))
        elif case == "redirip":
            self.redirect(302, "http://127.0.0.1:%d/hop/%s"
                          % (srv.ports["http"], tok))
        elif case == "redirip6":
            self.redirect(302, "http://[::1]:%d/hop/%s"
                          % (srv.ports["http"], tok))
        elif case == "redirdecimal":
            self.redirect(302, "http://2130706433:%d/hop/%s"
                          % (srv.ports["http"], tok))
        elif case == "redirftp":
            self.redirect(302, "ftp://%s/hop/%s" % (hostname, tok))
        elif case == "redirfile":
            self.redirect(302, "file:///etc/passwd")
        elif case == "redir303":
            self.redirect(303, "/hop/%s" % tok)
        elif case == "redirlong":
            self.redirect(302, "/hop/" + "a" * 2100)
        elif case == "redirnoloc":
            self.send(302, b"no location\n")
        elif case == "loop":
            self.redirect(302, self.path)
        elif case.startswith("chain"):
            n = int(case[5:])
            self.redirect(302, "/hop/%s/%d" % (tok, n - 1))
        elif case == "huge":
            self.send_response(200)
            size = 10 * 1024 * 1024
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b"a" * 65536
            try:
                for _ in range(size // len(chunk)):
                    self.wfile.write(chunk)
            except OSError:
                pass
        elif case == "drip":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100000):
                    self.wfile.write(b"a")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
        elif case == "hdrbomb":
            self.send_response(200)
            for i in range(2000):
                self.send_header("X-Filler-%d" % i, "y" * 20)
            self.send_header("Content-Length", str(len(ka)))
            self.end_headers()
            try:
                self.wfile.write(ka)
            except OSError:
                pass
        elif case == "gzip":
            self.send(200, gzip.compress(ka), [("Content-Encoding", "gzip")])
        elif case == "multiloc":
            self.send(302, b"", [("Location", "/hop/%s" % tok),
                                 ("Location", "/hop/%s" % tok)])
        else:
            self.send(404, b"unknown case\n")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def run_http(d, thumb):
    logfile = os.path.join(d, "http.log")
    open(logfile, "a").close()
    ports = {}
    servers = []
    for kind in ("http", "https"):
        s = Server(("127.0.0.1", 0), HTTPFixture)
        s.kind = kind
        s.thumb = thumb
        s.logfile = logfile
        s.ports = ports
        ports[kind] = s.server_address[1]
        servers.append(s)
    cf, kf = write_pair(d, "https", make_cert([("dns", "localhost")]))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cf, kf)
    servers[1].socket = ctx.wrap_socket(servers[1].socket, server_side=True)
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    write_ports(os.path.join(d, "http.ports"), ports)
    serve_forever()


# ----------------------------------------------------------------------
# tls-alpn-01

OID_ACME = "1.3.6.1.5.5.7.1.31"
OID_LEGACY = "1.3.6.1.5.5.7.1.30.1"


def acme_ext(ka, critical=True, oid=OID_ACME, wrap=True):
    h = hashlib.sha256(ka.encode()).digest()
    return (oid, (b"\x04\x20" + h) if wrap else h, critical)


def tls_cases(thumb):
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def ka(case):
        return "%s.%s" % (case, thumb)

    def name(case):
        return "%s.tls.example.test" % case

    other_key = ec.generate_private_key(ec.SECP256R1())
    other_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                               "another issuer")])
    c = {}
    c["good"] = ([("dns", name("good"))], [acme_ext(ka("good"))], {})
    c["upper"] = ([("dns", name("upper").upper())],
                  [acme_ext(ka("upper"))], {})
    c["noext"] = ([("dns", name("noext"))], [], {})
    c["noncrit"] = ([("dns", name("noncrit"))],
                    [acme_ext(ka("noncrit"), critical=False)], {})
    c["wrongsan"] = ([("dns", "other.example.test")],
                     [acme_ext(ka("wrongsan"))], {})
    c["twosan"] = ([("dns", name("twosan")), ("dns", "other.example.test")],
                   [acme_ext(ka("twosan"))], {})
    c["nosan"] = ([], [acme_ext(ka("nosan"))], {})
    c["legacy"] = ([("dns", name("legacy"))],
                   [acme_ext(ka("legacy"), oid=OID_LEGACY)], {})
    # An extension outside the usual set (T6).
    c["extra"] = ([("dns", name("extra"))],
                  [acme_ext(ka("extra")),
                   ("1.3.6.1.4.1.99999.1", b"\x05\x00", False)], {})
    # The usual extensions of a self-signed certificate, as lego and
    # others send them: accepted.
    c["stdexts"] = ([("dns", name("stdexts"))],
                    [acme_ext(ka("stdexts")),
                     (x509.BasicConstraints(ca=False, path_length=None),
                      None, True),
                     (x509.KeyUsage(True, False, True, False, False, False,
                                    False, False, False), None, True)], {})
    c["wronghash"] = ([("dns", name("wronghash"))],
                      [acme_ext(ka("someoneelse"))], {})
    c["rawvalue"] = ([("dns", name("rawvalue"))],
                     [acme_ext(ka("rawvalue"), wrap=False)], {})
    c["notself"] = ([("dns", name("notself"))], [acme_ext(ka("notself"))],
                    {"issuer_key": other_key, "issuer_name": other_name})
    c["noalpn"] = ([("dns", name("noalpn"))], [acme_ext(ka("noalpn"))],
                   {"alpn": False})
    c["ip"] = ([("ip", "127.0.0.1")], [acme_ext(ka("ip"))],
               {"sni": "1.0.0.127.in-addr.arpa"})
    c["tls11"] = ([("dns", name("tls11"))], [acme_ext(ka("tls11"))],
                  {"tls11": True})
    return c


def tls_conn(conn, case, opts, ctx, logfile):
    seen = {"sni": None}

    def sni_cb(sslobj, server_name, context):
        seen["sni"] = server_name
        want = opts.get("sni")
        if want is not None and server_name != want:
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        return None

    ctx.sni_callback = sni_cb
    conn.settimeout(10)
    try:
        s = ctx.wrap_socket(conn, server_side=True)
        log(logfile, "tls %s sni=%s alpn=%s version=%s" % (
            case, seen["sni"], s.selected_alpn_protocol(), s.version()))
        try:
            data = s.recv(1)
            log(logfile, "after %s got %d bytes" % (case, len(data)))
        except (OSError, ssl.SSLError):
            pass
        s.close()
    except (OSError, ssl.SSLError) as e:
        log(logfile, "tls %s sni=%s failed %s" % (case, seen["sni"],
                                                 type(e).__name__))
        conn.close()


def tls_listener(sock, case, opts, ctx, logfile):
    while True:
        conn, _ = sock.accept()
        log(logfile, "conn %s" % case)
        threading.Thread(target=tls_conn, args=(conn, case, opts, ctx,
                                                logfile),
                         daemon=True).start()


def stall_listener(sock, logfile):
    held = []
    while True:
        conn, _ = sock.accept()
        log(logfile, "conn stall")
        held.append(conn)


def run_tls(d, thumb):
    logfile = os.path.join(d, "tls.log")
    open(logfile, "a").close()
    ports = {}
    for case, (sans, exts, opts) in tls_cases(thumb).items():
        pair = make_cert(sans, exts, opts.get("issuer_key"),
                         opts.get("issuer_name"))
        cf, kf = write_pair(d, "tls-" + case, pair)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            if opts.get("tls11"):
                ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
                ctx.minimum_version = ssl.TLSVersion.TLSv1
                ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            ctx.load_cert_chain(cf, kf)
        except (ssl.SSLError, ValueError) as e:
            log(logfile, "case %s unavailable: %s" % (case, e))
            continue
        if opts.get("alpn", True):
            ctx.set_alpn_protocols(["acme-tls/1"])
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        ports[case] = sock.getsockname()[1]
        threading.Thread(target=tls_listener,
                         args=(sock, case, opts, ctx, logfile),
                         daemon=True).start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    ports["stall"] = sock.getsockname()[1]
    threading.Thread(target=stall_listener, args=(sock, logfile),
                     daemon=True).start()
    write_ports(os.path.join(d, "tls.ports"), ports)
    serve_forever()


# ----------------------------------------------------------------------
# DNS: a static zone over UDP and TCP, for what pebble-challtestsrv
# cannot serve (CAA flags, multi-string TXT, hundreds of records, loops).

T_A, T_CNAME, T_TXT, T_AAAA, T_OPT, T_CAA = 1, 5, 16, 28, 41, 257
TYPES = {"A": T_A, "CNAME": T_CNAME, "TXT": T_TXT, "AAAA": T_AAAA,
         "CAA": T_CAA}


def dns_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rdata(rtype, value):
    if rtype == T_A:
        return socket.inet_pton(socket.AF_INET, value)
    if rtype == T_AAAA:
        return socket.inet_pton(socket.AF_INET6, value)
    if rtype == T_CNAME:
        return dns_name(value)
    if rtype == T_TXT:
        return b"".join(bytes([len(s)]) + s.encode() for s in value)
    if rtype == T_CAA:
        flags, tag, val = value
        return bytes([flags, len(tag)]) + tag.encode() + val.encode()
    raise ValueError(rtype)


class Zone:
    def __init__(self, path):
        with open(path) as f:
            z = json.load(f)
        self.rr = {}
        self.names = set()
        for name, tname, value in z.get("records", []):
            name = name.rstrip(".").lower()
            t = TYPES[tname]
            self.rr.setdefault((name, t), []).append(rdata(t, value))
            self.names.add(name)
        self.servfail = set(n.rstrip(".").lower()
                            for n in z.get("servfail", []))

    def answer(self, qname, qtype):
        """(rcode, [(owner, type, rdata)])"""
        out = []
        name = qname
        for _ in range(16):
            if name in self.servfail:
                return 2, []
            if (name, qtype) in self.rr:
                out += [(name, qtype, r) for r in self.rr[(name, qtype)]]
                return 0, out
            if qtype != T_CNAME and (name, T_CNAME) in self.rr:
                target = self.rr[(name, T_CNAME)][0]
                out.append((name, T_CNAME, target))
                name = parse_name(target, 0)[0]
                continue
            return (0 if name in self.names else 3), out
        return 0, out


def parse_name(buf, off):
    labels = []
    while True:
        n = buf[off]
        off += 1
        if n == 0:
            break
        labels.append(buf[off:off + n].decode("ascii", "replace"))
        off += n
    return ".".join(labels).lower(), off


def dns_reply(zone, query, udp, logfile):
    qid, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", query[:12])
    qname, off = parse_name(query, 12)
    qtype, qclass = struct.unpack(">HH", query[off:off + 4])
    question = query[12:off + 4]
    edns = 512
    has_opt = False
    p = off + 4
    if ar >= 1 and len(query) >= p + 11 and query[p] == 0:
        t, size = struct.unpack(">HH", query[p + 1:p + 5])
        if t == T_OPT:
            has_opt = True
            edns = max(512, size)
    log(logfile, "query %s %d %s" % (qname, qtype, "udp" if udp else "tcp"))
    rcode, answers = zone.answer(qname, qtype)
    body = b""
    for owner, t, r in answers:
        body += dns_name(owner) + struct.pack(">HHIH", t, 1, 60, len(r)) + r
    opt = dns_name("") + struct.pack(">HHIH", T_OPT, 1232, 0, 0) \
        if has_opt else b""
    rflags = 0x8000 | (flags & 0x0100) | 0x0080 | 0x0400 | rcode
    msg = struct.pack(">HHHHHH", qid, rflags, 1, len(answers), 0,
                      1 if has_opt else 0) + question + body + opt
    if udp and len(msg) > edns:
        msg = struct.pack(">HHHHHH", qid, rflags | 0x0200, 1, 0, 0,
                          1 if has_opt else 0) + question + opt
    return msg


def dns_udp(sock, zone, logfile):
    while True:
        data, peer = sock.recvfrom(4096)
        try:
            sock.sendto(dns_reply(zone, data, True, logfile), peer)
        except (IndexError, struct.error, KeyError):
            pass


def dns_tcp_conn(conn, zone, logfile):
    conn.settimeout(10)
    try:
        while True:
            hdr = conn.recv(2, socket.MSG_WAITALL)
            if len(hdr) < 2:
                break
            n = struct.unpack(">H", hdr)[0]
            data = conn.recv(n, socket.MSG_WAITALL)
            msg = dns_reply(zone, data, False, logfile)
            conn.sendall(struct.pack(">H", len(msg)) + msg)
    except (OSError, IndexError, struct.error):
        pass
    conn.close()


def dns_tcp(sock, zone, logfile):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=dns_tcp_conn, args=(conn, zone, logfile),
                         daemon=True).start()


def dns_blackhole(sock, logfile):
    while True:
        sock.recvfrom(4096)
        log(logfile, "blackhole query")


def run_dns(d, zonefile):
    logfile = os.path.join(d, "dns.log")
    open(logfile, "a").close()
    zone = Zone(zonefile)
    # One port for both UDP and TCP: retry until both are free.
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
            break
        except OSError:
            t.close()
            u.close()
    else:
        sys.exit("no port for DNS")
    t.listen(16)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b.bind(("127.0.0.1", 0))
    threading.Thread(target=dns_udp, args=(u, zone, logfile),
                     daemon=True).start()
    threading.Thread(target=dns_tcp, args=(t, zone, logfile),
                     daemon=True).start()
    threading.Thread(target=dns_blackhole, args=(b, logfile),
                     daemon=True).start()
    write_ports(os.path.join(d, "dns.ports"),
                {"dns": port, "blackhole": b.getsockname()[1]})
    serve_forever()


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    print(" ".join(str(s.getsockname()[1]) for s in socks))
    for s in socks:
        s.close()


def post(url, body):
    import urllib.request
    req = urllib.request.Request(url, data=body.encode(), method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        if r.status != 200:
            sys.exit("%s: HTTP %d" % (url, r.status))


def verdict(text):
    """Check the verdict format strictly; print "STATUS TYPE"."""
    v = json.loads(text)
    assert isinstance(v, dict), "not an object"
    allowed = {"v", "status", "error", "addresses", "method"}
    assert set(v) <= allowed, "unknown members %s" % (set(v) - allowed)
    assert v["v"] == 1 and type(v["v"]) is int, "v"
    assert v["method"] in ("http-01", "dns-01", "tls-alpn-01"), "method"
    assert isinstance(v["addresses"], list), "addresses"
    assert all(isinstance(a, str) for a in v["addresses"]), "addresses"
    if v["status"] == "valid":
        assert "error" not in v, "error in a valid verdict"
        return "valid -"
    assert v["status"] == "invalid", "status"
    e = v["error"]
    assert set(e) == {"type", "detail"}, "error members"
    assert e["type"].startswith("urn:ietf:params:acme:error:"), "type"
    assert isinstance(e["detail"], str) and e["detail"], "detail"
    return "invalid " + e["type"].rsplit(":", 1)[1]


def main(argv):
    if len(argv) >= 3 and argv[1] == "ports":
        free_ports(int(argv[2]))
    elif len(argv) == 3 and argv[1] == "digest":
        print(digest(argv[2]))
    elif len(argv) == 4 and argv[1] == "post":
        post(argv[2], argv[3])
    elif len(argv) == 2 and argv[1] == "verdict":
        try:
            print(verdict(sys.stdin.read()))
        except (ValueError, KeyError, AssertionError, TypeError) as e:
            print("badverdict %s" % e)
    elif len(argv) == 4 and argv[1] == "http":
        run_http(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "tls":
        run_tls(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "dns":
        run_dns(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/python3
#
# acmetest.py: acmegw's own small ACME (RFC 8555) test client.
#
# It speaks to a running acmegw over HTTPS (loopback, a test CA) with the
# standard library (http.client, ssl) and python3-cryptography for keys and
# signatures (RS256, ES256/384/512, EdDSA; HS256/384/512 for EAB).  Unlike a
# real client it can build every malformed request SECURITY.md lists, and it
# checks the exact answer (status, problem type, Replay-Nonce).
#
# It never talks to anything but the URL it is given, never writes outside
# the files named on its command line, and never prints private keys except
# into the --out file of "load" (a throw-away test key store).
#
# Subcommands (all take the directory URL first):
#   badinput DIR [--eab-dir DIR2 --eab-kid K --eab-hmac H] [--stale-dir DIR3]
#   newaccount DIR [--kty p256] [--key-out F] [--contact mailto:..]
#   preregistered DIR KEYFILE          onlyReturnExisting; prints the id
#   keychange DIR                      roll a key, old key refused, U4 cases
#   account-get DIR KEYFILE KID [--expect 200|403:unauthorized ...]
#   register-many DIR N                N parallel registrations
#   load DIR --workers W --duration S --out F
#   verify DIR F                       every acknowledged account exists
#   nonce DIR                          print a fresh nonce
#   stale-nonce DIR NONCE              expect 400 badNonce (N4)
# Exit status: 0 all checks passed, 1 a check failed, 2 usage error.

import argparse
import base64
import hashlib
import hmac as hmaclib
import http.client as httplib
import json
import os
import random
import ssl
import sys
import threading
import time
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature)

ERR = "urn:ietf:params:acme:error:"
JOSE = "application/jose+json"
UA = "acmegw-acmetest/1"
CTX = None          # ssl.SSLContext trusting the test CA
REQ_TIMEOUT = 30    # seconds, per HTTP request
NONCE_LEN = int(os.environ.get("ACMETEST_NONCE_LEN", "32"))
B64CHARS = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
            "0123456789-_")
VERBOSE = False


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64u_dec(s):
    if isinstance(s, str):
        s = s.encode()
    return base64.urlsafe_b64decode(s + b"=" * (-len(s) % 4))


def int2b(n, ln=None):
    if ln is None:
        ln = max(1, (n.bit_length() + 7) // 8)
    return n.to_bytes(ln, "big")


def canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


# ---------------------------------------------------------------- keys

CURVES = {
    "P-256": (ec.SECP256R1, "ES256", hashes.SHA256, 32),
    "P-384": (ec.SECP384R1, "ES384", hashes.SHA384, 48),
    "P-521": (ec.SECP521R1, "ES512", hashes.SHA512, 66),
}


class Key:
    """An account key: the private key, its public JWK and its signer."""

    def __init__(self, priv):
        self.priv = priv
        if isinstance(priv, rsa.RSAPrivateKey):
            pub = priv.public_key().public_numbers()
            self.alg = "RS256"
            self._jwk = {"kty": "RSA", "n": b64u(int2b(pub.n)),
                         "e": b64u(int2b(pub.e))}
        elif isinstance(priv, ec.EllipticCurvePrivateKey):
            name = {"secp256r1": "P-256", "secp384r1": "P-384",
                    "secp521r1": "P-521"}[priv.curve.name]
            _, self.alg, self.hash, self.clen = CURVES[name]
            pub = priv.public_key().public_numbers()
            self._jwk = {"kty": "EC", "crv": name,
                         "x": b64u(int2b(pub.x, self.clen)),
                         "y": b64u(int2b(pub.y, self.clen))}
        elif isinstance(priv, ed25519.Ed25519PrivateKey):
            self.alg = "EdDSA"
            raw = priv.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            self._jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw)}
        else:
            raise ValueError("unsupported key type")

    @classmethod
    def generate(cls, kind="p256"):
        if kind.startswith("rsa"):
            bits = int(kind[3:] or 2048)
            return cls(rsa.generate_private_key(65537, bits))
        if kind == "p256":
            return cls(ec.generate_private_key(ec.SECP256R1()))
        if kind == "p384":
            return cls(ec.generate_private_key(ec.SECP384R1()))
        if kind == "p521":
            return cls(ec.generate_private_key(ec.SECP521R1()))
        if kind == "ed25519":
            return cls(ed25519.Ed25519PrivateKey.generate())
        raise ValueError("unknown key kind " + kind)

    @classmethod
    def load(cls, path):
        """PEM private key, or a private JWK (certbot's private_key.json)."""
        with open(path, "rb") as f:
            data = f.read()
        if data.lstrip().startswith(b"{"):
            return cls(jwk_to_priv(json.loads(data)))
        return cls(serialization.load_pem_private_key(data, None))

    def pem(self):
        return self.priv.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()

    def jwk(self):
        return dict(self._jwk)

    def thumb(self):
        req = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"),
               "OKP": ("crv", "kty", "x")}[self._jwk["kty"]]
        c = canon({k: self._jwk[k] for k in req})
        return b64u(hashlib.sha256(c.encode()).digest())

    def sign(self, data):
        if self.alg == "RS256":
            return self.priv.sign(data, padding.PKCS1v15(), hashes.SHA256())
        if self.alg == "EdDSA":
            return self.priv.sign(data)
        der = self.priv.sign(data, ec.ECDSA(self.hash()))
        r, s = decode_dss_signature(der)
        return int2b(r, self.clen) + int2b(s, self.clen)


def jwk_to_priv(j):
    d = lambda k: int.from_bytes(b64u_dec(j[k]), "big")
    if j["kty"] == "RSA":
        pub = rsa.RSAPublicNumbers(d("e"), d("n"))
        return rsa.RSAPrivateNumbers(d("p"), d("q"), d("d"), d("dp"),
                                     d("dq"), d("qi"), pub).private_key()
    if j["kty"] == "EC":
        curve = CURVES[j["crv"]][0]()
        pub = ec.EllipticCurvePublicNumbers(d("x"), d("y"), curve)
        return ec.EllipticCurvePrivateNumbers(d("d"), pub).private_key()
    if j["kty"] == "OKP":
        return ed25519.Ed25519PrivateKey.from_private_bytes(b64u_dec(j["d"]))
    raise ValueError("unsupported JWK")


# ---------------------------------------------------------------- HTTP

class ConnError(Exception):
    pass


class NonceError(ConnError):
    """newNonce did not answer 200 with a Replay-Nonce."""

    def __init__(self, msg, resp):
        ConnError.__init__(self, msg)
        self.resp = resp


class Resp:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers          # list of (name, value)
        self.body = body
        self.elapsed = elapsed

    def hdr(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def ptype(self):
        j = self.json()
        if isinstance(j, dict) and isinstance(j.get("type"), str):
            t = j["type"]
            return t[len(ERR):] if t.startswith(ERR) else t
        return None

    def summary(self):
        j = self.json()
        det = ""
        if isinstance(j, dict) and "detail" in j:
            det = " (%s)" % str(j.get("detail"))[:160]
        return "%d %s%s" % (self.status, self.ptype() or "-", det)


def http(method, url, body=None, headers=None, timeout=None):
    """One HTTPS request on a fresh connection; ConnError on I/O failure."""
    u = urllib.parse.urlsplit(url)
    path = u.path + ("?" + u.query if u.query else "")
    hdrs = {"User-Agent": UA}
    if headers:
        hdrs.update(headers)
    hdrs = {k: v for k, v in hdrs.items() if v is not None}
    t0 = time.monotonic()
    conn = httplib.HTTPSConnection(u.hostname, u.port or 443, context=CTX,
                                   timeout=timeout or REQ_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        res = Resp(r.status, r.getheaders(), data, time.monotonic() - t0)
    except (OSError, httplib.HTTPException) as e:
        raise ConnError("%s %s: %s: %s" % (method, url, type(e).__name__,
                                           e)) from None
    finally:
        conn.close()
    if VERBOSE:
        print("   > %s %s -> %s" % (method, url, res.summary()))
    return res



def jws(prot, payload, key=None, sig=None):
    """Flattened JWS.  prot: dict or raw JSON text; payload: dict, str,
    bytes, or None (member left out).  sig overrides the signature."""
    ptxt = prot if isinstance(prot, str) else json.dumps(prot)
    pb = b64u(ptxt.encode())
    if payload is None:
        payb = None
    elif isinstance(payload, bytes):
        payb = b64u(payload)
    elif isinstance(payload, str):
        payb = b64u(payload.encode())
    else:
        payb = b64u(json.dumps(payload).encode())
    si = (pb + "." + (payb or "")).encode()
    if sig is None:
        sig = b64u(key.sign(si))
    o = {"protected": pb}
    if payb is not None:
        o["payload"] = payb
    o["signature"] = sig
    return o


def hs_sign(alg, secret, si):
    h = {"HS256": hashlib.sha256, "HS384": hashlib.sha384,
         "HS512": hashlib.sha512}[alg]
    return hmaclib.new(secret, si, h).digest()


def eab_jws(kid, secret, url, jwk, alg="HS256", extra=None, drop=(),
            payload=None, badmac=False):
    prot = {"alg": alg, "kid": kid, "url": url}
    if extra:
        prot.update(extra)
    for k in drop:
        prot.pop(k, None)
    pb = b64u(json.dumps(prot).encode())
    payb = b64u(json.dumps(payload if payload is not None else jwk).encode())
    mac = hs_sign(alg if alg in ("HS256", "HS384", "HS512") else "HS256",
                  secret, (pb + "." + payb).encode())
    if badmac:
        mac = bytes([mac[0] ^ 1]) + mac[1:]
    return {"protected": pb, "payload": payb, "signature": b64u(mac)}


class Acme:
    """A minimal client bound to one directory."""

    def __init__(self, dirurl):
        self.dirurl = dirurl
        self.base = dirurl.rsplit("/", 1)[0]
        r = http("GET", dirurl)
        if r.status != 200 or not isinstance(r.json(), dict):
            raise ConnError("directory %s: %s" % (dirurl, r.summary()))
        self.dir = r.json()
        self.nonces = []
        self.lock = threading.Lock()

    def u(self, name):
        return self.dir[name]

    def nonce(self):
        with self.lock:
            if self.nonces:
                return self.nonces.pop()
        r = http("HEAD", self.u("newNonce"))
        n = r.hdr("Replay-Nonce")
        if r.status != 200 or not n:
            raise NonceError("newNonce: %s, Replay-Nonce %r" %
                             (r.summary(), n), r)
        return n

    def keep(self, r):
        n = r.hdr("Replay-Nonce")
        if n:
            with self.lock:
                self.nonces.append(n)

    def post_raw(self, url, body, ctype=JOSE, headers=None):
        h = {"Content-Type": ctype}
        if headers:
            h.update(headers)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        return http("POST", url, body=body, headers=h)

    def hdr(self, key, url, kid=None, nonce=True):
        h = {"alg": key.alg, "url": url}
        if nonce:
            h["nonce"] = self.nonce() if nonce is True else nonce
        if kid:
            h["kid"] = kid
        else:
            h["jwk"] = key.jwk()
        return h

    def signed(self, url, payload, key, kid=None, tries=5):
        """A correct signed POST, retrying badNonce like a real client."""
        for i in range(tries):
            body = jws(self.hdr(key, url, kid), payload, key)
            r = self.post_raw(url, body)
            self.keep(r)
            if r.status == 400 and r.ptype() == "badNonce" and i < tries - 1:
                continue
            return r
        return r

    def new_account(self, key, contact=None, tos=True, eab=None, ore=None):
        p = {}
        if tos is not None:
            p["termsOfServiceAgreed"] = tos
        if contact:
            p["contact"] = contact
        if ore is not None:
            p["onlyReturnExisting"] = ore
        if eab:
            p["externalAccountBinding"] = eab
        return self.signed(self.u("newAccount"), p, key)


def acct_id(loc):
    return loc.rstrip("/").rsplit("/", 1)[-1] if loc else None


# ---------------------------------------------------------------- checks

class Checker:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def ok(self, rid, desc, msg):
        self.passed += 1
        print("PASS %-5s %s: %s" % (rid, desc, msg))

    def bad(self, rid, desc, msg):
        self.failed += 1
        print("FAIL %-5s %s: %s" % (rid, desc, msg))

    def expect(self, rid, desc, r, status, types=None, post=True,
               allow=None, fresh_from=None, algorithms=False, problem=True):
        """Check one answer.  types: a type or a tuple of accepted types."""
        if isinstance(r, Exception):
            self.bad(rid, desc, "request failed: %s" % r)
            return False
        errs = []
        if isinstance(status, list):
            # alternatives [(status, types), ...]: the one received counts
            alts = status
            status, types = alts[0]
            for st, ty in alts:
                if st == r.status:
                    status, types = st, ty
                    break
        if isinstance(types, str):
            types = (types,)
        if r.status != status:
            errs.append("status %d, want %d" % (r.status, status))
        if problem:
            ct = (r.hdr("Content-Type") or "").split(";")[0].strip()
            if ct != "application/problem+json":
                errs.append("Content-Type %r, want application/problem+json"
                            % ct)
            j = r.json()
            if not isinstance(j, dict):
                errs.append("body is not a JSON object")
            else:
                if types and r.ptype() not in types:
                    errs.append("type %r, want %s" % (j.get("type"),
                                                      "|".join(types)))
                if j.get("status") != r.status:
                    errs.append("problem status member %r" % j.get("status"))
                if algorithms:
                    a = j.get("algorithms")
                    if (not isinstance(a, list) or not a or
                            any(x in ("none", "HS256", "HS384", "HS512")
                                for x in a) or "ES256" not in a):
                        errs.append("algorithms %r, want a list with ES256 "
                                    "and no none/HS*" % (a,))
        if post:
            n = r.hdr("Replay-Nonce")
            if not n or len(n) != NONCE_LEN or n.strip(B64CHARS):
                errs.append("Replay-Nonce %r on a POST error" % n)
            elif fresh_from is not None and n == fresh_from:
                errs.append("Replay-Nonce is the rejected nonce")
        if allow is not None:
            a = r.hdr("Allow") or ""
            if allow not in [x.strip() for x in a.split(",")]:
                errs.append("Allow %r, want it to list %s" % (a, allow))
        if errs:
            self.bad(rid, desc, "got %s: %s" % (r.summary(), "; ".join(errs)))
            return False
        self.ok(rid, desc, r.summary())
        return True


def attempt(fn):
    try:
        return fn()
    except (ConnError, KeyError, ValueError) as e:
        return e


# ---------------------------------------------------------------- badinput

def off_curve_jwk(key):
    j = key.jwk()
    p = 2**256 - 2**224 + 2**192 + 2**96 - 1
    y = int.from_bytes(b64u_dec(j["y"]), "big")
    j["y"] = b64u(int2b((y + 1) % p, 32))
    return j


def cmd_badinput(a):
    c = Acme(a.dir)
    ck = Checker()
    na = c.u("newAccount")
    tos = {"termsOfServiceAgreed": True}

    # The stale nonce (N4) is taken first and used last.
    stale = None
    if a.stale_dir:
        cs = Acme(a.stale_dir)
        stale = (cs, cs.nonce(), time.monotonic())

    # -- positive set-up: accounts used by the kid rows
    k1 = Key.generate("p256")
    r = c.new_account(k1, ["mailto:badinput@example.test"])
    if not ck.expect("OK1", "newAccount (ES256) creates an account", r, 201,
                     problem=False, post=True) or not r.hdr("Location"):
        print("FAIL OK1   no account, cannot go on (Location %r)"
              % (r.hdr("Location") if not isinstance(r, Exception) else r))
        return 1
    kid1 = r.hdr("Location")
    k2 = Key.generate("rsa2048")
    r = c.new_account(k2)
    ck.expect("OK2", "newAccount (RS256) creates an account", r, 201,
              problem=False)
    kid2 = r.hdr("Location")
    r = c.new_account(k1)
    if ck.expect("A1", "newAccount with a known key: 200, same account", r,
                 200, problem=False) and r.hdr("Location") != kid1:
        ck.bad("A1", "same Location", "%r != %r" % (r.hdr("Location"), kid1))
    r = c.signed(kid1, "", k1, kid=kid1)
    ck.expect("OK3", "POST-as-GET own account", r, 200, problem=False)
    if not isinstance(r, Exception) and r.status == 200:
        j = r.json() or {}
        if j.get("status") != "valid":
            ck.bad("OK3", "account status", "status %r" % j.get("status"))
    k3 = Key.generate("ed25519")
    r = c.new_account(k3)
    ck.expect("J30", "newAccount with EdDSA (Ed25519) key", r, 201,
              problem=False)
    k4 = Key.generate("p384")
    r = c.new_account(k4)
    ck.expect("OK4", "newAccount with ES384 key", r, 201, problem=False)
    k5 = Key.generate("p256")
    r = c.new_account(k5)
    ck.expect("OK7", "newAccount with another ES256 key", r, 201,
              problem=False)
    kid5 = r.hdr("Location") if not isinstance(r, Exception) else None
    kd = Key.generate("p256")
    r = c.new_account(kd)
    kidd = r.hdr("Location") if not isinstance(r, Exception) else None
    r = c.signed(kidd, {"status": "deactivated"}, kd, kid=kidd)
    if ck.expect("OK5", "account deactivation", r, 200, problem=False):
        st = (r.json() or {}).get("status")
        if st != "deactivated":
            ck.bad("OK5", "deactivated status", "status %r" % st)
    r = http("GET", c.u("newNonce"))
    if r.status not in (200, 204) or not r.hdr("Replay-Nonce"):
        ck.bad("OK6", "GET newNonce", "%d, Replay-Nonce %r" %
               (r.status, r.hdr("Replay-Nonce")))
    else:
        ck.ok("OK6", "GET newNonce", "%d with Replay-Nonce" % r.status)

    def good(key=k1, url=None, kid=None, payload=None):
        url = url or na
        if payload is None:
            payload = tos if not kid else ""
        return jws(c.hdr(key, url, kid), payload, key)

    rows = []

    def row(rid, desc, status, types, fn, **kw):
        rows.append((rid, desc, status, types, fn, kw))

    # -- P: methods, content types, paths
    row("P2", "Content-Type application/json", 415, "malformed",
        lambda: c.post_raw(na, good(), ctype="application/json"))
    row("P2", "Content-Type missing", 415, "malformed",
        lambda: c.post_raw(na, good(), ctype=None))
    row("P2", "Content-Type application/jose", 415, "malformed",
        lambda: c.post_raw(na, good(), ctype="application/jose"))
    row("X1", "body over max_body_size (100 KiB)", 413, "malformed",
        lambda: c.post_raw(na, json.dumps(dict(good(), pad="A" * 100000))))
    row("P1", "GET on newAccount (POST-only)", 405, "malformed",
        lambda: http("GET", na), post=False, allow="POST")
    row("P1", "GET on an account URL", 405, "malformed",
        lambda: http("GET", kid1), post=False, allow="POST")
    row("P4", "PUT on newAccount", 405, "malformed",
        lambda: http("PUT", na, body=b"{}",
                     headers={"Content-Type": JOSE}), post=False)
    row("P6", "GET unknown path", 404, None,
        lambda: http("GET", c.base + "/no-such-thing"), post=False)
    row("P6", "POST unknown path", 404, None,
        lambda: c.post_raw(c.base + "/no-such-thing",
                           good(url=c.base + "/no-such-thing", kid=kid1)))
    row("K1", "account id of the wrong length", 404, None,
        lambda: c.post_raw(c.base + "/acct/abc",
                           good(url=c.base + "/acct/abc", kid=kid1)))
    row("N7", "Replay-Nonce request header", 400, "malformed",
        lambda: c.post_raw(na, good(),
                           headers={"Replay-Nonce": c.nonce()}))

    # -- J: framing and JSON
    row("J25", "body not JSON", 400, "malformed",
        lambda: c.post_raw(na, b"this is not json"))
    row("J25", "body a JSON array", 400, "malformed",
        lambda: c.post_raw(na, b"[1,2,3]"))
    row("J25", "trailing garbage after the JWS", 400, "malformed",
        lambda: c.post_raw(na, json.dumps(good()) + " xyz"))
    row("J25", "trailing garbage in the protected header", 400, "malformed",
        lambda: c.post_raw(na, jws(json.dumps(c.hdr(k1, na)) + " x", tos,
                                   k1)))
    row("J25", "trailing garbage in the payload", 400, "malformed",
        lambda: c.post_raw(na, jws(c.hdr(k1, na),
                                   json.dumps(tos) + "}", k1)))
    row("J25", "single quotes in the payload", 400, "malformed",
        lambda: c.post_raw(na, jws(c.hdr(k1, na),
                                   "{'termsOfServiceAgreed': true}", k1)))

    def dup_outer():
        g = good()
        t = json.dumps(g)
        return c.post_raw(na, t[:-1] + ', "protected": "%s"}'
                          % g["protected"])
    row("J24", "duplicate member in the JWS object", 400, "malformed",
        dup_outer)

    def dup_prot():
        h = c.hdr(k1, na)
        t = json.dumps(h)[:-1] + ', "url": "%s"}' % (c.base + "/x")
        return c.post_raw(na, jws(t, tos, k1))
    row("J24", "duplicate member in the protected header", 400,
        "malformed", dup_prot)

    def dup_pay():
        return c.post_raw(na, jws(
            c.hdr(k1, na), '{"termsOfServiceAgreed": true, "contact": '
            '["mailto:a@example.test"], "contact": ["mailto:b@example.test"]}',
            k1))
    row("J24", "duplicate member in the payload", 400, "malformed", dup_pay)

    def b64bad(member, how):
        def f():
            g = good()
            if how == "pad":
                g[member] = g[member] + "=" * (-len(g[member]) % 4 or 4)
            elif how == "std":
                g[member] = base64.b64encode(
                    b64u_dec(g[member]) + b"\xfb\xff").decode().rstrip("=")
            else:
                g[member] = g[member][:10] + "!*" + g[member][10:]
            return c.post_raw(na, g)
        return f
    row("J29", "protected not base64url (bad characters)", 400, "malformed",
        b64bad("protected", "chars"))
    row("J29", "protected with '=' padding", 400, "malformed",
        b64bad("protected", "pad"))
    row("J29", "payload in standard base64 ('+' '/')", 400, "malformed",
        b64bad("payload", "std"))
    row("J29", "signature not base64url", 400, "malformed",
        b64bad("signature", "chars"))

    def missing(member):
        def f():
            g = good()
            del g[member]
            return c.post_raw(na, g)
        return f
    row("J14", "protected member missing", 400, "malformed",
        missing("protected"))
    row("J14", "payload member missing", 400, "malformed",
        missing("payload"))
    row("J14", "signature member missing", 400, "malformed",
        missing("signature"))
    row("J13", "unprotected header member", 400, "malformed",
        lambda: c.post_raw(na, dict(good(), header={"kid": "x"})))

    def general():
        g = good()
        return c.post_raw(na, {"payload": g["payload"], "signatures": [
            {"protected": g["protected"], "signature": g["signature"]}]})
    row("J14", "general serialization (signatures array)", 400,
        "malformed", general)

    # -- J: algorithms and keys
    def alg_row(alg, kid=None, key=k1, empty=False):
        def f():
            url = kid or na
            h = c.hdr(key, url, kid)
            h["alg"] = alg
            payload = "" if kid else tos
            if alg.startswith("HS"):
                secret = canon(key.jwk()).encode()
                pb = b64u(json.dumps(h).encode())
                payb = b64u(payload.encode() if isinstance(payload, str)
                            else json.dumps(payload).encode())
                sig = b64u(hs_sign(alg, secret, (pb + "." + payb).encode()))
                return c.post_raw(url, {"protected": pb, "payload": payb,
                                        "signature": sig})
            if alg in ("none", "None", ""):
                # a non-empty signature: an empty one is malformed (J14)
                # before the algorithm is looked at
                return c.post_raw(url, jws(h, payload,
                                           sig="" if empty else
                                           b64u(os.urandom(64))))
            return c.post_raw(url, jws(h, payload, key))
        return f
    row("J1", "alg none", 400, "badSignatureAlgorithm", alg_row("none"),
        algorithms=True)
    row("J1", "alg None (case variant)", 400, "badSignatureAlgorithm",
        alg_row("None"), algorithms=True)
    row("J1", "alg none with an empty signature", 400,
        ("badSignatureAlgorithm", "malformed"), alg_row("none", empty=True))
    row("J2", "alg HS256 on newAccount (jwk)", 400, "badSignatureAlgorithm",
        alg_row("HS256"), algorithms=True)
    row("J2", "alg HS256 on an account (kid) signature", 400,
        "badSignatureAlgorithm", alg_row("HS256", kid=kid1),
        algorithms=True)
    row("J3", "unknown alg XS999", 400, "badSignatureAlgorithm",
        alg_row("XS999"), algorithms=True)
    row("J3", "alg PS256", 400, "badSignatureAlgorithm", alg_row("PS256"),
        algorithms=True)
    row("J3", "alg RS256 with an EC P-256 key", 400, "malformed",
        alg_row("RS256"))
    row("J3", "alg ES384 with a P-256 key", 400, "malformed",
        alg_row("ES384"))

    def both():
        h = c.hdr(k1, kid1, kid1)
        h["jwk"] = k1.jwk()
        return c.post_raw(kid1, jws(h, "", k1))
    row("J5", "both jwk and kid", 400, "malformed", both)

    def neither():
        h = c.hdr(k1, na)
        del h["jwk"]
        return c.post_raw(na, jws(h, tos, k1))
    row("J6", "neither jwk nor kid", 400, "malformed", neither)
    row("J6", "kid on newAccount", 400, "malformed",
        lambda: c.post_raw(na, jws(c.hdr(k1, na, kid1), tos, k1)))
    row("J6", "jwk on an account URL", 400, "malformed",
        lambda: c.post_raw(kid1, jws(c.hdr(k1, kid1), "", k1)))

    def hdr_extra(name, value):
        def f():
            h = c.hdr(k1, na)
            h[name] = value
            return c.post_raw(na, jws(h, tos, k1))
        return f
    row("J11", "crit header", 400, "malformed", hdr_extra("crit", ["exp"]))
    row("J12", "b64 false header", 400, "malformed", hdr_extra("b64", False))
    row("J15", "x5u header", 400, "malformed",
        hdr_extra("x5u", "https://127.0.0.1:1/x"))

    def jwk_private():
        h = c.hdr(k1, na)
        h["jwk"]["d"] = b64u(int2b(k1.priv.private_numbers().private_value,
                                   32))
        return c.post_raw(na, jws(h, tos, k1))
    row("J16", "private member d in the jwk", 400, "malformed", jwk_private)

    def weak_rsa(bits, e):
        def f():
            k = Key(rsa.generate_private_key(e, bits))
            return c.post_raw(na, jws(c.hdr(k, na), tos, k))
        return f
    row("J21", "RSA key of 1024 bits", 400, "badPublicKey",
        weak_rsa(1024, 65537))
    row("J21", "RSA 2048 with e = 3", 400, "badPublicKey", weak_rsa(2048, 3))

    def offcurve():
        h = c.hdr(k1, na)
        h["jwk"] = off_curve_jwk(k1)
        return c.post_raw(na, jws(h, tos, k1))
    row("J18", "EC point not on the curve", 400, "badPublicKey", offcurve)

    def k256():
        k = ec.generate_private_key(ec.SECP256K1())
        n = k.public_key().public_numbers()
        h = c.hdr(k1, na)
        h["jwk"] = {"kty": "EC", "crv": "secp256k1", "x": b64u(int2b(n.x, 32)),
                    "y": b64u(int2b(n.y, 32))}
        der = k.sign(b"x", ec.ECDSA(hashes.SHA256()))
        return c.post_raw(na, jws(h, tos, sig=b64u(der[:64])))
    row("J17", "EC curve secp256k1", 400, "badPublicKey", k256)

    def x33():
        h = c.hdr(k1, na)
        h["jwk"]["x"] = b64u(b"\0" + b64u_dec(h["jwk"]["x"]))
        return c.post_raw(na, jws(h, tos, k1))
    row("J19", "EC x coordinate of 33 bytes (leading zero)", 400,
        ("badPublicKey", "malformed"), x33)

    # -- U: url
    def url_row(u):
        def f():
            h = c.hdr(k1, u)
            return c.post_raw(na, jws(h, tos, k1))
        return f
    row("U1", "url is another endpoint", 403, "unauthorized",
        url_row(c.u("newNonce")))
    row("U1", "url with a trailing slash", 403, "unauthorized",
        url_row(na + "/"))
    row("U1", "url http instead of https", 403, "unauthorized",
        url_row("http" + na[5:]))
    row("U1", "url with a query string", 403, "unauthorized",
        url_row(na + "?x=1"))

    def url_missing():
        h = c.hdr(k1, na)
        del h["url"]
        return c.post_raw(na, jws(h, tos, k1))
    row("U3", "url missing", 400, "malformed", url_missing)

    # -- N: nonces
    def nonce_missing():
        h = c.hdr(k1, na, nonce=False)
        return c.post_raw(na, jws(h, tos, k1))
    row("N1", "nonce missing", 400, "badNonce", nonce_missing)

    def nonce_row(n):
        def f():
            return c.post_raw(na, jws(c.hdr(k1, na, nonce=n), tos, k1))
        return f
    unknown = b64u(int2b(int(time.time()), 8) + os.urandom(16))
    row("N3", "unknown nonce (well-formed, never issued)", 400, "badNonce",
        nonce_row(unknown), fresh=unknown)
    row("N3", "nonce not base64url", 400, ("badNonce", "malformed"),
        nonce_row("not a nonce!"))
    row("N3", "nonce of the wrong length", 400, ("badNonce", "malformed"),
        nonce_row(unknown[:20]))

    def replay():
        body = jws(c.hdr(k1, kid1, kid1), "", k1)
        r1 = c.post_raw(kid1, body)
        if r1.status != 200:
            raise ValueError("first use of the nonce: %s" % r1.summary())
        return c.post_raw(kid1, body)
    row("N2", "nonce reused (same JWS sent twice)", 400, "badNonce", replay)

    def nonce_from_error():
        r0 = c.post_raw(na, jws(c.hdr(k1, na, nonce=False), tos, k1))
        n = r0.hdr("Replay-Nonce")
        if not n:
            raise ValueError("no Replay-Nonce on the badNonce answer")
        return c.post_raw(kid1, jws(c.hdr(k1, kid1, kid1, nonce=n), "", k1))
    rows.append(("N1", "the Replay-Nonce of an error answer is usable", 200,
                 None, nonce_from_error, {"problem": False}))

    # -- signatures and kid
    def badsig():
        g = good(kid=kid1, url=kid1)
        s = bytearray(b64u_dec(g["signature"]))
        s[5] ^= 0x40
        g["signature"] = b64u(bytes(s))
        return c.post_raw(kid1, g)
    row("J7", "bad signature (one bit flipped)", 400, "malformed", badsig)
    row("J7", "kid of another account, signed with my key", 400,
        "malformed", lambda: c.post_raw(kid5, jws(c.hdr(k1, kid5, kid5), "",
                                                  k1)))
    row("J7", "kid of another account (RSA), signed with my EC key", 400,
        "malformed", lambda: c.post_raw(kid2, jws(c.hdr(k1, kid2, kid2), "",
                                                  k1)))
    row("J7", "newAccount signed by another key than its jwk", 400,
        "malformed", lambda: c.post_raw(na, jws(c.hdr(k1, na), tos, k5)))
    unk = c.base + "/acct/" + b64u(os.urandom(16))
    row("J8", "unknown kid (well-formed account URL)", 400,
        "accountDoesNotExist",
        lambda: c.post_raw(unk, jws(c.hdr(k1, unk, unk), "", k1)))
    row("J9", "kid with another prefix", 400,
        ("malformed", "accountDoesNotExist"),
        lambda: c.post_raw(kid1, jws(c.hdr(
            k1, kid1, "https://127.0.0.1:1/acme/acct/" + acct_id(kid1)),
            "", k1)))

    # -- A: accounts
    def ore_unknown():
        k = Key.generate("p256")
        return c.post_raw(na, jws(c.hdr(k, na), {"onlyReturnExisting": True},
                                  k))
    row("A3", "onlyReturnExisting for an unknown key", 400,
        "accountDoesNotExist", ore_unknown)

    def contact(cs):
        def f():
            k = Key.generate("p256")
            return c.post_raw(na, jws(c.hdr(k, na), dict(tos, contact=cs), k))
        return f
    inv = ("invalidContact", "unsupportedContact")
    row("A4", "contact tel:", 400, "unsupportedContact",
        contact(["tel:+15555550100"]))
    row("A4", "contact http:", 400, "unsupportedContact",
        contact(["http://example.test/"]))
    row("A4", "contact mailto with ?cc= hfields", 400, inv,
        contact(["mailto:a@example.test?cc=b@example.test"]))
    row("A4", "contact mailto with two addresses", 400, inv,
        contact(["mailto:a@example.test,b@example.test"]))
    row("A4", "contact mailto without @", 400, inv,
        contact(["mailto:not-an-address"]))
    row("A4", "contact mailto with CR LF", 400, inv,
        contact(["mailto:a@example.test\r\nBcc: x@example.test"]))
    row("A4", "contact over 254 characters", 400, inv,
        contact(["mailto:" + "a" * 250 + "@example.test"]))
    row("A4", "contact not an array", 400, ("malformed",) + inv,
        contact("mailto:a@example.test"))
    row("A9", "POST-as-GET by a deactivated account", 403, "unauthorized",
        lambda: c.post_raw(kidd, jws(c.hdr(kd, kidd, kidd), "", kd)))
    row("A9", "update by a deactivated account", 403, "unauthorized",
        lambda: c.post_raw(kidd, jws(c.hdr(kd, kidd, kidd), {
            "contact": ["mailto:x@example.test"]}, kd)))
    row("A6", "POST to another account's URL",
        [(403, "unauthorized"), (404, None)], None,
        lambda: c.post_raw(kid2, jws(c.hdr(k1, kid2, kid1), "", k1)))

    for rid, desc, status, types, fn, kw in rows:
        fresh = kw.pop("fresh", None)
        r = attempt(fn)
        ck.expect(rid, desc, r, status, types, fresh_from=fresh, **kw)

    # -- E: EAB and terms, on the second server
    if a.eab_dir:
        eab_rows(a, ck)

    # -- N4: the nonce taken at the start, once it is older than the
    # stale server's nonce_lifetime.
    if stale:
        cs, n, t0 = stale
        wait = a.stale_after - (time.monotonic() - t0)
        if wait > 0:
            print("wait   %.0f s for the nonce to expire (N4)" % wait)
            sys.stdout.flush()
            time.sleep(wait)
        k = Key.generate("p256")
        url = cs.u("newAccount")
        r = attempt(lambda: cs.post_raw(url, jws(
            cs.hdr(k, url, nonce=n), {"onlyReturnExisting": True}, k)))
        ck.expect("N4", "expired nonce (older than nonce_lifetime)", r, 400,
                  "badNonce", fresh_from=n)

    print("badinput: %d passed, %d failed" % (ck.passed, ck.failed))
    return 1 if ck.failed else 0


def eab_rows(a, ck):
    c = Acme(a.eab_dir)
    na = c.u("newAccount")
    secret = b64u_dec(a.eab_hmac)
    meta = c.dir.get("meta") or {}
    if meta.get("externalAccountRequired") is True:
        ck.ok("E1", "directory meta.externalAccountRequired", "true")
    else:
        ck.bad("E1", "directory meta.externalAccountRequired",
               "meta %r" % meta)
    if meta.get("termsOfService"):
        ck.ok("A5", "directory meta.termsOfService", meta["termsOfService"])
    else:
        ck.bad("A5", "directory meta.termsOfService", "meta %r" % meta)

    def newacct(key, payload):
        return lambda: c.post_raw(na, jws(c.hdr(key, na), payload, key))

    k = Key.generate("p256")
    eab = lambda **kw: eab_jws(a.eab_kid, secret, na, k.jwk(), **kw)
    E = []
    E.append(("A5", "termsOfServiceAgreed false (ToS required)", 403,
              "userActionRequired",
              newacct(k, {"termsOfServiceAgreed": False,
                          "externalAccountBinding": eab()})))
    E.append(("A5", "termsOfServiceAgreed missing (ToS required)", 403,
              "userActionRequired",
              newacct(k, {"externalAccountBinding": eab()})))
    E.append(("E1", "EAB missing (required)", 403, "externalAccountRequired",
              newacct(k, {"termsOfServiceAgreed": True})))
    E.append(("E5", "EAB kid unknown", 403, "unauthorized",
              newacct(k, {"termsOfServiceAgreed": True,
                          "externalAccountBinding": eab_jws(
                              "no-such-kid-" + b64u(os.urandom(6)), secret,
                              na, k.jwk())})))
    E.append(("E7", "EAB MAC with the wrong key", 403, "unauthorized",
              newacct(k, {"termsOfServiceAgreed": True,
                          "externalAccountBinding": eab_jws(
                              a.eab_kid, os.urandom(32), na, k.jwk())})))
    E.append(("E7", "EAB MAC with one bit flipped", 403, "unauthorized",
              newacct(k, {"termsOfServiceAgreed": True,
                          "externalAccountBinding": eab(badmac=True)})))
    other = Key.generate("p256")
    E.append(("E6", "EAB payload is another key", 403, "unauthorized",
              newacct(k, {"termsOfServiceAgreed": True,
                          "externalAccountBinding": eab(
                              payload=other.jwk())})))
    E.append(("E3", "EAB carrying a nonce", 400, "malformed",
              newacct(k, {"termsOfServiceAgreed": True,
                          "externalAccountBinding": eab(
                              extra={"nonce": c.nonce()})})))
    E.append(("E4", "EAB url not the outer url", 400, "malformed",
              newacct(k, {"termsOfServiceAgreed": True,
                          "externalAccountBinding": eab_jws(
                              a.eab_kid, secret, c.u("newNonce"),
                              k.jwk())})))
    E.append(("E4", "EAB url missing", 400, "malformed",
              newacct(k, {"termsOfServiceAgreed": True,
                          "externalAccountBinding": eab(drop=("url",))})))
    E.append(("E2", "EAB alg ES256", 400, "malformed",
              newacct(k, {"termsOfServiceAgreed": True,
                          "externalAccountBinding": eab(alg="ES256")})))
    E.append(("E2", "EAB alg none", 400, "malformed",
              newacct(k, {"termsOfServiceAgreed": True,
                          "externalAccountBinding": eab(alg="none")})))
    for rid, desc, status, types, fn in E:
        ck.expect(rid, desc, attempt(fn), status, types)

    # the binding itself, then the same EAB key from another account key
    r = attempt(newacct(k, {"termsOfServiceAgreed": True,
                            "contact": ["mailto:eab@example.test"],
                            "externalAccountBinding": eab()}))
    ck.expect("E8", "newAccount with a valid EAB", r, 201, problem=False)
    if not isinstance(r, Exception) and r.status == 201:
        j = r.json() or {}
        if "externalAccountBinding" in j and VERBOSE:
            print("note  account object echoes externalAccountBinding")
    k2 = Key.generate("p256")
    r = attempt(newacct(k2, {"termsOfServiceAgreed": True,
                             "externalAccountBinding": eab_jws(
                                 a.eab_kid, secret, na, k2.jwk())}))
    ck.expect("E8", "same EAB key from another account key", r, 403,
              "unauthorized")
    r = attempt(newacct(k, {"termsOfServiceAgreed": True,
                            "externalAccountBinding": eab()}))
    ck.expect("A1", "the bound key again: 200, existing account", r, 200,
              problem=False)


# ---------------------------------------------------------------- others

def cmd_nonce(a):
    print(Acme(a.dir).nonce())
    return 0


def cmd_stale_nonce(a):
    c = Acme(a.dir)
    k = Key.generate("p256")
    url = c.u("newAccount")
    r = attempt(lambda: c.post_raw(url, jws(c.hdr(k, url, nonce=a.nonce),
                                            {"onlyReturnExisting": True}, k)))
    ck = Checker()
    ck.expect("N4", "expired nonce", r, 400, "badNonce", fresh_from=a.nonce)
    return 1 if ck.failed else 0


def cmd_newaccount(a):
    c = Acme(a.dir)
    k = Key.load(a.key) if a.key else Key.generate(a.kty)
    contact = [a.contact] if a.contact else None
    eab = None
    if a.eab_kid:
        eab = eab_jws(a.eab_kid, b64u_dec(a.eab_hmac), c.u("newAccount"),
                      k.jwk())
    r = c.new_account(k, contact, eab=eab)
    if r.status not in (200, 201) or not r.hdr("Location"):
        print("newaccount: %s" % r.summary(), file=sys.stderr)
        return 1
    if a.key_out:
        with open(a.key_out, "w") as f:
            f.write(k.pem())
    print(r.hdr("Location"))
    return 0


def cmd_preregistered(a):
    c = Acme(a.dir)
    k = Key.load(a.keyfile)
    r = c.new_account(k, tos=True, ore=True)
    if r.status != 200 or not r.hdr("Location"):
        print("FAIL preregistered: onlyReturnExisting answered %s, want 200 "
              "with Location" % r.summary())
        return 1
    loc = r.hdr("Location")
    r2 = c.signed(loc, "", k, kid=loc)
    if r2.status != 200 or (r2.json() or {}).get("status") != "valid":
        print("FAIL preregistered: POST-as-GET %s: %s" % (loc, r2.summary()))
        return 1
    print(acct_id(loc))
    return 0


def parse_expect(s, status):
    """"400:malformed,403:unauthorized" -> (status, types) of the
    alternative whose status is the one received (else the first)."""
    alts = []
    for alt in s.split(","):
        st, _, t = alt.partition(":")
        alts.append((int(st), t or None))
    for st, t in alts:
        if st == status:
            return st, tuple(x for s2, x in alts if s2 == st and x) or None
    return alts[0]


def cmd_account_get(a):
    c = Acme(a.dir)
    k = Key.load(a.keyfile)
    r = c.signed(a.kid, "", k, kid=a.kid)
    st, t = parse_expect(a.expect, r.status)
    ck = Checker()
    ck.expect("ACCT", "POST-as-GET %s" % a.kid, r, st, t,
              problem=st >= 400)
    if st == 200 and r.status == 200:
        print(json.dumps(r.json()))
    return 1 if ck.failed else 0


def cmd_keychange(a):
    c = Acme(a.dir)
    ck = Checker()
    kc = c.u("keyChange")

    def fresh(kind="p256"):
        k = Key.generate(kind)
        r = c.new_account(k, ["mailto:roll@example.test"])
        if r.status != 201 or not r.hdr("Location"):
            raise ConnError("newAccount: %s" % r.summary())
        return k, r.hdr("Location")

    def roll(new, outer_key, outer_kid, inner_url=kc, inner_nonce=False,
             inner_signer=None, account=None, oldkey=None):
        ih = {"alg": new.alg, "jwk": new.jwk(), "url": inner_url}
        if inner_nonce:
            ih["nonce"] = c.nonce()
        if inner_signer == "old":
            inner_signer = outer_key
        inner = jws(ih, {"account": account or outer_kid,
                         "oldKey": (oldkey or outer_key).jwk()},
                    inner_signer or new)
        return c.post_raw(kc, jws(c.hdr(outer_key, kc, outer_kid), inner,
                                  outer_key))

    other, okid = fresh()
    # U4: each bad rollover on an account of its own, so a wrongly
    # accepted one cannot confuse the next row
    for desc, kw, status, types in (
            ("inner url not the outer url", {"inner_url": okid}, 400,
             "malformed"),
            ("inner JWS carrying a nonce", {"inner_nonce": True}, 400,
             "malformed"),
            ("inner JWS not signed by the new key (same curve)",
             {"inner_signer": Key.generate("p384")}, 400, "malformed"),
            ("inner JWS signed by the old key",
             {"inner_signer": "old"}, 400, "malformed"),
            ("oldKey not the account key", {"oldkey": other}, 400,
             ("malformed", "unauthorized")),
            ("account not the kid", {"account": okid}, 400,
             ("malformed", "unauthorized"))):
        old, kid = fresh()
        n1 = Key.generate("p384")
        ck.expect("U4", desc, attempt(lambda: roll(n1, old, kid, **kw)),
                  status, types)
        r = c.signed(kid, "", old, kid=kid)
        if r.status != 200:
            ck.bad("U4", desc + ": old key still works afterwards",
                   r.summary())
    old, kid = fresh()
    ck.expect("U4", "new key equal to the old key", attempt(
        lambda: roll(old, old, kid)), 400, "malformed")
    r = attempt(lambda: roll(other, old, kid))
    if ck.expect("U4", "new key used by another account", r, 409,
                 "conflict"):
        if r.hdr("Location") != okid:
            ck.bad("U4", "409 Location", "%r, want %r" %
                   (r.hdr("Location"), okid))

    # the real thing, on the account of the last two rows
    n1 = Key.generate("p384")
    r = attempt(lambda: roll(n1, old, kid))
    ck.expect("KC1", "keyChange to a P-384 key", r, 200, problem=False)
    r = c.signed(kid, "", n1, kid=kid)
    ck.expect("KC2", "the new key works (POST-as-GET)", r, 200,
              problem=False)
    r = c.signed(kid, "", old, kid=kid)
    ck.expect("KC3", "the old key is refused (kid request)", r, 400,
              ("malformed", "unauthorized", "accountDoesNotExist"))
    if not isinstance(r, Exception):
        print("note  old key on a kid request answered %s" % r.summary())
    r = c.new_account(old, tos=True, ore=True)
    ck.expect("KC4", "old key: onlyReturnExisting", r, 400,
              "accountDoesNotExist")
    r = c.new_account(n1, tos=True, ore=True)
    if ck.expect("KC5", "new key: onlyReturnExisting finds the account", r,
                 200, problem=False) and r.hdr("Location") != kid:
        ck.bad("KC5", "same account", "%r != %r" % (r.hdr("Location"), kid))
    n2 = Key.generate("rsa2048")
    r = attempt(lambda: roll(n2, old, kid))
    ck.expect("KC6", "keyChange signed by the old key", r, 400,
              ("malformed", "unauthorized", "accountDoesNotExist"))
    r = attempt(lambda: roll(n2, n1, kid))
    ck.expect("KC7", "second keyChange to an RSA key", r, 200,
              problem=False)
    r = c.signed(kid, "", n2, kid=kid)
    ck.expect("KC8", "the RSA key works", r, 200, problem=False)
    r = c.signed(kid, "", n1, kid=kid)
    ck.expect("KC9", "the P-384 key is refused now", r, 400,
              ("malformed", "unauthorized", "accountDoesNotExist"))
    n3 = Key.generate("ed25519")
    r = attempt(lambda: roll(n3, n2, kid))
    ck.expect("KC10", "third keyChange to an Ed25519 key", r, 200,
              problem=False)
    r = attempt(lambda: roll(old, n3, kid))
    ck.expect("KC11", "rolling back to a retired key", r, 200,
              problem=False)
    r = c.signed(kid, "", old, kid=kid)
    ck.expect("KC12", "the key rolled back to works again", r, 200,
              problem=False)
    print("keychange: %d passed, %d failed" % (ck.passed, ck.failed))
    return 1 if ck.failed else 0


def pct(xs, p):
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.req_lat = []       # every HTTP request
        self.reg_lat = []       # every registration, retries included
        self.s5xx = []          # (time, status, summary)
        self.conn = []          # (time, message)
        self.bad_nonce = 0
        self.hard = []          # unexpected answers
        self.acked = []         # acknowledged registrations
        self.gave_up = 0
        self.slow = []          # (start, seconds, outcome) of slow requests

    def add_req(self, dt, what=""):
        with self.lock:
            self.req_lat.append(dt)
            if dt >= 2:
                self.slow.append((time.time() - dt, dt, what))


def register_one(c, st, key, idx, deadline_s=30):
    """Register key, retrying connection errors, 5xx and badNonce; returns
    (status, location) or None."""
    t0 = time.monotonic()
    tries = 0
    while time.monotonic() - t0 < deadline_s:
        tries += 1
        t1 = time.monotonic()
        try:
            body = jws(c.hdr(key, c.u("newAccount")),
                       {"termsOfServiceAgreed": True,
                        "contact": ["mailto:load%d@example.test" % idx]}, key)
            r = c.post_raw(c.u("newAccount"), body)
        except NonceError as e:
            r = e.resp
            st.add_req(r.elapsed, "newNonce: " + r.summary())
            with st.lock:
                if r.status >= 500:
                    st.s5xx.append((time.time(), r.status, "newNonce: " +
                                    r.summary(), r.ptype()))
                else:
                    st.hard.append(str(e))
                    return None
            time.sleep(0.2)
            continue
        except ConnError as e:
            st.add_req(time.monotonic() - t1, str(e))
            with st.lock:
                st.conn.append((time.time(), str(e)))
            time.sleep(0.2)
            continue
        st.add_req(r.elapsed, r.summary())
        c.keep(r)
        if r.status >= 500:
            with st.lock:
                st.s5xx.append((time.time(), r.status, r.summary(),
                                r.ptype()))
            time.sleep(0.2)
            continue
        if r.status == 400 and r.ptype() == "badNonce":
            with st.lock:
                st.bad_nonce += 1
            continue
        if r.status in (200, 201) and r.hdr("Location"):
            with st.lock:
                st.reg_lat.append(time.monotonic() - t0)
            return r.status, r.hdr("Location")
        with st.lock:
            st.hard.append(r.summary())
        return None
    with st.lock:
        st.gave_up += 1
    return None


def cmd_register_many(a):
    c = Acme(a.dir)
    st = Stats()
    keys = [Key.generate("p256") for _ in range(a.n)]
    res = [None] * a.n
    barrier = threading.Barrier(a.n)

    def w(i):
        barrier.wait()
        # first attempt without retries, so a 5xx shows up as such
        res[i] = register_one(c, st, keys[i], i)
    t0 = time.monotonic()
    ts = [threading.Thread(target=w, args=(i,)) for i in range(a.n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    el = time.monotonic() - t0
    codes = [r[0] if r else None for r in res]
    locs = set(r[1] for r in res if r)
    print("register-many: %d clients in %.2f s: statuses %s; 5xx %d, "
          "connection errors %d, badNonce retries %d" %
          (a.n, el, codes, len(st.s5xx), len(st.conn), st.bad_nonce))
    print("  latency p50 %.3f s, max %.3f s" % (pct(st.req_lat, 50),
                                               max(st.req_lat or [0])))
    ok = (all(x == 201 for x in codes) and not st.s5xx and not st.conn
          and not st.hard and len(locs) == a.n)
    for h in st.hard:
        print("  unexpected answer: %s" % h)
    for s in st.s5xx:
        print("  5xx: %s" % (s[2],))
    for s in st.conn:
        print("  connection error: %s" % (s[1],))
    print("%s register-many %d" % ("PASS" if ok else "FAIL", a.n))
    return 0 if ok else 1


def cmd_load(a):
    global REQ_TIMEOUT
    REQ_TIMEOUT = a.max_latency + 2
    c = Acme(a.dir)
    st = Stats()
    stop = time.monotonic() + a.duration
    out = open(a.out, "w")
    olock = threading.Lock()
    counter = [0]

    def w(wi):
        while time.monotonic() < stop:
            with olock:
                counter[0] += 1
                idx = counter[0]
            key = Key.generate("p256")
            r = register_one(c, st, key, idx)
            if r:
                with olock:
                    out.write(json.dumps({"status": r[0], "url": r[1],
                                          "t": time.time(),
                                          "key": key.pem()}) + "\n")
                    out.flush()
                with st.lock:
                    st.acked.append(r)
    t0 = time.monotonic()
    ts = [threading.Thread(target=w, args=(i,)) for i in range(a.workers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    el = time.monotonic() - t0
    out.close()
    n = len(st.acked)
    created = sum(1 for x in st.acked if x[0] == 201)
    mx = max(st.req_lat or [0])
    print("load: %d workers, %.1f s: %d registrations acknowledged (%d "
          "created), %.1f registrations/s" % (a.workers, el, n, created,
                                              n / el if el else 0))
    print("  requests %d: latency p50 %.3f s, p99 %.3f s, max %.3f s" %
          (len(st.req_lat), pct(st.req_lat, 50), pct(st.req_lat, 99), mx))
    print("  registration incl. retries: p50 %.3f s, p99 %.3f s, max %.3f s"
          % (pct(st.reg_lat, 50), pct(st.reg_lat, 99),
             max(st.reg_lat or [0])))
    own = [x for x in st.s5xx if x[3]]
    print("  5xx %d (%d of them problem documents from acmegw, the others "
          "from the web server), connection errors %d, badNonce retries %d,"
          " gave up %d" % (len(st.s5xx), len(own), len(st.conn),
                           st.bad_nonce, st.gave_up))
    kills = []
    if a.kill_log and os.path.exists(a.kill_log):
        with open(a.kill_log) as f:
            kills = [float(l.split()[0]) for l in f if l.strip()]
    errs = sorted([x[0] for x in st.s5xx] + [x[0] for x in st.conn])
    maxlag = 0.0
    if errs:
        lag = []
        for t in errs:
            before = [k for k in kills if k <= t + 0.05]
            lag.append(t - max(before) if before else float("inf"))
        maxlag = max(lag)
        print("  failed requests came at most %.2f s after a kill" % maxlag)
    for t, dt, what in sorted(st.slow)[:20]:
        print("  slow request: started %s.%03d, %.2f s, %s" % (
            time.strftime("%H:%M:%S", time.localtime(t)),
            int(t * 1000) % 1000, dt, what))
    for s in own[:10] or st.s5xx[:3]:
        print("  5xx: %s" % (s[2],))
    for s in st.conn[:10]:
        print("  connection error: %s" % (s[1],))
    for h in st.hard[:10]:
        print("  unexpected answer: %s" % h)
    ok = True
    if st.hard:
        print("FAIL load: %d unexpected answers" % len(st.hard))
        ok = False
    if st.gave_up:
        print("FAIL load: %d registrations never succeeded on retry" %
              st.gave_up)
        ok = False
    if mx >= a.max_latency:
        print("FAIL load: a request took %.2f s (limit %.0f s)" %
              (mx, a.max_latency))
        ok = False
    if errs and a.kill_log is not None and maxlag > a.max_error_lag:
        print("FAIL load: a request failed %.2f s after the latest kill "
              "(limit %.0f s): failures must come only at a kill" %
              (maxlag, a.max_error_lag))
        ok = False
    if a.max_errors is not None and len(errs) > a.max_errors:
        print("FAIL load: %d failed requests (5xx or connection), limit %d"
              % (len(errs), a.max_errors))
        ok = False
    if n == 0:
        print("FAIL load: nothing registered")
        ok = False
    print("%s load" % ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


def cmd_verify(a):
    c = Acme(a.dir)
    allrecs = []
    with open(a.file) as f:
        for l in f:
            if l.strip():
                allrecs.append(json.loads(l))
    # every registration acknowledged near a kill, and a sample of the rest
    kills = []
    if a.kill_log and os.path.exists(a.kill_log):
        with open(a.kill_log) as f:
            kills = [float(l.split()[0]) for l in f if l.strip()]
    near = [r for r in allrecs if any(abs(r.get("t", 0) - k) <= a.window
                                      for k in kills)]
    rest = [r for r in allrecs if r not in near]
    if a.sample is not None and len(rest) > a.sample:
        rest = random.sample(rest, a.sample)
    recs = near + rest
    print("verify: checking %d of %d acknowledged accounts over ACME (%d "
          "acknowledged within %.0f s of a kill)" % (len(recs), len(allrecs),
                                                     len(near), a.window))
    bad = []
    seen = {}
    lock = threading.Lock()
    it = iter(list(enumerate(recs)))

    def w():
        while True:
            with lock:
                try:
                    i, rec = next(it)
                except StopIteration:
                    return
            k = Key(serialization.load_pem_private_key(rec["key"].encode(),
                                                       None))
            try:
                r = c.signed(rec["url"], "", k, kid=rec["url"])
                ok = r.status == 200 and (r.json() or {}).get(
                    "status") == "valid"
                msg = r.summary()
                if ok:
                    r2 = c.new_account(k, tos=True, ore=True)
                    if r2.status != 200 or r2.hdr("Location") != rec["url"]:
                        ok = False
                        msg = "onlyReturnExisting: %s Location %r" % (
                            r2.summary(), r2.hdr("Location"))
            except ConnError as e:
                ok, msg = False, str(e)
            with lock:
                if not ok:
                    bad.append((rec["url"], msg))
                seen[rec["url"]] = seen.get(rec["url"], 0) + 1
    ts = [threading.Thread(target=w) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    dups = [u for u, n in seen.items() if n > 1]
    for u, m in bad[:20]:
        print("  LOST %s: %s" % (u, m))
    for u in dups[:20]:
        print("  DUPLICATE Location for two keys: %s" % u)
    ok = not bad and not dups
    print("%s verify: %d acknowledged accounts checked, %d missing or "
          "wrong, %d duplicate" % ("PASS" if ok else "FAIL", len(recs),
                                   len(bad), len(dups)))
    return 0 if ok else 1


def main():
    global CTX, VERBOSE
    ap = argparse.ArgumentParser(description="acmegw test client")
    ap.add_argument("--ca", default=os.environ.get("ACMETEST_CA"),
                    help="PEM file of the test CA")
    ap.add_argument("-v", "--verbose", action="store_true")
    sp = ap.add_subparsers(dest="cmd", required=True)
    p = sp.add_parser("badinput")
    p.add_argument("dir")
    p.add_argument("--eab-dir")
    p.add_argument("--eab-kid")
    p.add_argument("--eab-hmac")
    p.add_argument("--stale-dir")
    p.add_argument("--stale-after", type=float, default=62)
    p = sp.add_parser("nonce")
    p.add_argument("dir")
    p = sp.add_parser("stale-nonce")
    p.add_argument("dir")
    p.add_argument("nonce")
    p = sp.add_parser("newaccount")
    p.add_argument("dir")
    p.add_argument("--kty", default="p256")
    p.add_argument("--key", help="use this private key (PEM or JWK)")
    p.add_argument("--key-out")
    p.add_argument("--contact")
    p.add_argument("--eab-kid")
    p.add_argument("--eab-hmac")
    p = sp.add_parser("preregistered")
    p.add_argument("dir")
    p.add_argument("keyfile")
    p = sp.add_parser("account-get")
    p.add_argument("dir")
    p.add_argument("keyfile")
    p.add_argument("kid")
    p.add_argument("--expect", default="200")
    p = sp.add_parser("keychange")
    p.add_argument("dir")
    p = sp.add_parser("register-many")
    p.add_argument("dir")
    p.add_argument("n", type=int)
    p = sp.add_parser("load")
    p.add_argument("dir")
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--duration", type=float, default=20)
    p.add_argument("--out", required=True)
    p.add_argument("--kill-log")
    p.add_argument("--max-latency", type=float, default=10)
    p.add_argument("--max-errors", type=int)
    p.add_argument("--max-error-lag", type=float, default=5)
    p = sp.add_parser("verify")
    p.add_argument("dir")
    p.add_argument("file")
    p.add_argument("--kill-log")
    p.add_argument("--window", type=float, default=3)
    p.add_argument("--sample", type=int)
    a = ap.parse_args()
    VERBOSE = a.verbose
    if not a.ca:
        ap.error("--ca (or ACMETEST_CA) is required")
    CTX = ssl.create_default_context(cafile=a.ca)
    fn = {"badinput": cmd_badinput, "nonce": cmd_nonce,
          "stale-nonce": cmd_stale_nonce, "newaccount": cmd_newaccount,
          "preregistered": cmd_preregistered,
          "account-get": cmd_account_get, "keychange": cmd_keychange,
          "register-many": cmd_register_many, "load": cmd_load,
          "verify": cmd_verify}[a.cmd]
    try:
        return fn(a)
    except ConnError as e:
        print("FAIL %s: %s" % (a.cmd, e))
        return 1


if __name__ == "__main__":
    sys.exit(main())

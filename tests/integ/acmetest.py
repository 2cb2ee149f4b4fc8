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
#   races DIR [--n 10] [--eab-dir DIR2 --eab-kid K --eab-hmac H]
#   newaccount DIR [--kty p256] [--key-out F] [--contact mailto:..]
#   preregistered DIR KEYFILE          onlyReturnExisting; prints the id
#   keychange DIR                      roll a key, old key refused, U4 cases
#   account-get DIR KEYFILE KID [--expect 200|403:unauthorized ...]
#   register-many DIR N                N parallel registrations
#   load DIR --workers W --duration S --out F
#   verify DIR F                       every acknowledged account exists
#   nonce DIR                          print a fresh nonce
#   stale-nonce DIR NONCE              expect 400 badNonce (N4)
#   responders DIR                     http-01 and tls-alpn-01 responders
#                                      serving DIR/http, DIR/tls (issue 3)
#   orders DIR --resp-dir R --mgmt URL [--eab-dir ...]  the order cases
#   order DIR NAME... --type T --resp-dir R [--mgmt URL]  one order
#   revoke DIR --resp-dir R [--mgmt URL] [--out F]  the revokeCert cases
#                                      (issue 4); serials go to F
#   ari DIR CERTID                     print the suggested renewal window
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

    def hdr_all(self, name):
        """Every value of a header, joined as one list would be."""
        name = name.lower()
        return ", ".join(v for k, v in self.headers if k.lower() == name)

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
    def __init__(self, dirurl=None):
        self.failed = 0
        self.passed = 0
        self.dirurl = dirurl    # set: POST errors must link to it

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
                errs.append("Replay-Nonce %r on a POST answer" % n)
            elif fresh_from is not None and n == fresh_from:
                errs.append("Replay-Nonce is the rejected nonce")
            if problem and self.dirurl:
                # SECURITY.md 2.0: Link rel="index" and no caching
                link = r.hdr_all("Link")
                if ('<%s>' % self.dirurl not in link or
                        'rel="index"' not in link):
                    errs.append("Link %r, want <%s>;rel=\"index\"" %
                                (link, self.dirurl))
                if "no-store" not in (r.hdr("Cache-Control") or ""):
                    errs.append("Cache-Control %r, want no-store" %
                                r.hdr("Cache-Control"))
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
    ck = Checker(a.dir)
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
    for m, want in (("HEAD", 200), ("GET", 204)):
        r = http(m, c.u("newNonce"))
        if (r.status != want or not r.hdr("Replay-Nonce") or
                "no-store" not in (r.hdr("Cache-Control") or "")):
            ck.bad("OK6", "%s newNonce" % m, "%d, Replay-Nonce %r, "
                   "Cache-Control %r; want %d, a nonce, no-store" %
                   (r.status, r.hdr("Replay-Nonce"),
                    r.hdr("Cache-Control"), want))
        else:
            ck.ok("OK6", "%s newNonce" % m, "%d with Replay-Nonce, "
                  "no-store" % r.status)

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
        ck.dirurl = a.stale_dir
        r = attempt(lambda: cs.post_raw(url, jws(
            cs.hdr(k, url, nonce=n), {"onlyReturnExisting": True}, k)))
        ck.expect("N4", "expired nonce (older than nonce_lifetime)", r, 400,
                  "badNonce", fresh_from=n)

    print("badinput: %d passed, %d failed" % (ck.passed, ck.failed))
    return 1 if ck.failed else 0


def eab_rows(a, ck):
    c = Acme(a.eab_dir)
    ck.dirurl = a.eab_dir
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
    tos_url = meta.get("termsOfService")
    for rid, desc, status, types, fn in E:
        r = attempt(fn)
        if (ck.expect(rid, desc, r, status, types) and
                types == "userActionRequired"):
            # RFC 8555 7.3.3: a Link to the terms to agree to
            link = r.hdr_all("Link")
            if ('<%s>' % tos_url not in link or
                    'rel="terms-of-service"' not in link):
                ck.bad(rid, desc + ": Link to the terms", "Link %r" % link)

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


# ---------------------------------------------------------------- races

def parallel(n, fn):
    """Run fn(i) in n threads released together; the answers, in order."""
    res = [None] * n
    barrier = threading.Barrier(n)

    def w(i):
        barrier.wait()
        res[i] = attempt(lambda: fn(i))
    ts = [threading.Thread(target=w, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return res


def cmd_races(a):
    c = Acme(a.dir)
    ck = Checker()
    n = a.n
    na = c.u("newAccount")

    def tally(res):
        return sorted("%s" % (r if isinstance(r, Exception) else
                              "%d %s" % (r.status, r.ptype() or ""))
                      for r in res)

    # N5: one nonce in n parallel requests: exactly one accepted
    k = Key.generate("p256")
    r = c.new_account(k)
    kid = r.hdr("Location")
    nonce = c.nonce()
    body = jws(c.hdr(k, kid, kid, nonce=nonce), "", k)
    res = parallel(n, lambda i: c.post_raw(kid, body))
    ok = sum(1 for r in res if not isinstance(r, Exception) and
             r.status == 200)
    bad = sum(1 for r in res if not isinstance(r, Exception) and
              r.status == 400 and r.ptype() == "badNonce")
    (ck.ok if ok == 1 and bad == n - 1 else ck.bad)(
        "N5", "one nonce in %d parallel requests" % n,
        "%d accepted, %d badNonce: %s" % (ok, bad, tally(res)))

    # A2: one key in n parallel newAccount: one 201, the others 200 to it
    k = Key.generate("p256")
    bodies = [jws(c.hdr(k, na), {"termsOfServiceAgreed": True}, k)
              for _ in range(n)]
    res = parallel(n, lambda i: c.post_raw(na, bodies[i]))
    created = [r for r in res if not isinstance(r, Exception) and
               r.status == 201]
    found = [r for r in res if not isinstance(r, Exception) and
             r.status == 200]
    locs = set(r.hdr("Location") for r in created + found)
    (ck.ok if len(created) == 1 and len(found) == n - 1 and len(locs) == 1
     else ck.bad)("A2", "one key in %d parallel newAccount" % n,
                  "%d created, %d found, %d distinct accounts: %s" %
                  (len(created), len(found), len(locs), tally(res)))

    # E9: one EAB key, n account keys in parallel: one 201, the rest 403
    if a.eab_dir:
        ce = Acme(a.eab_dir)
        nae = ce.u("newAccount")
        secret = b64u_dec(a.eab_hmac)
        keys = [Key.generate("p256") for _ in range(n)]
        bodies = [jws(ce.hdr(keys[i], nae), {
            "termsOfServiceAgreed": True,
            "externalAccountBinding": eab_jws(a.eab_kid, secret, nae,
                                              keys[i].jwk())}, keys[i])
            for i in range(n)]
        res = parallel(n, lambda i: ce.post_raw(nae, bodies[i]))
        created = sum(1 for r in res if not isinstance(r, Exception) and
                      r.status == 201)
        refused = sum(1 for r in res if not isinstance(r, Exception) and
                      r.status == 403 and r.ptype() == "unauthorized")
        (ck.ok if created == 1 and refused == n - 1 else ck.bad)(
            "E9", "one EAB key, %d account keys in parallel" % n,
            "%d created, %d refused: %s" % (created, refused, tally(res)))
    print("races: %d passed, %d failed" % (ck.passed, ck.failed))
    return 1 if ck.failed else 0


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
    ck = Checker(a.dir)
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
          "acknowledged within %.1f s of a kill)" % (len(recs), len(allrecs),
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


# ---------------------------------------------------------------- orders
#
# Issue 3: orders, authorizations and challenges.  The challenge
# responders (subcommand "responders DIR", loopback only) serve what the
# client writes into DIR: http-01 key authorizations in DIR/http/TOKEN and
# tls-alpn-01 certificates in DIR/tls/SNI.crt and .key, or .crt.pem and
# .key.pem as dehydrated writes them (chosen by the SNI of each
# connection), on the port --tls-port names or any free one.  dns-01 TXT records are set through
# pebble-challtestsrv's management API.  Certificates are made with
# fixtures.py (the validator's fixtures, same directory).

# (imports of this section only; "http" is the client function above,
# so http.server is imported by name)
import ipaddress        # noqa: E402
import re               # noqa: E402
import socket           # noqa: E402
import socketserver     # noqa: E402
import urllib.request   # noqa: E402
from http.server import (BaseHTTPRequestHandler,  # noqa: E402
                         HTTPServer)

CHALL_TYPES = ("http-01", "dns-01", "tls-alpn-01")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def fixtures_mod():
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    import fixtures
    return fixtures


def sha256_b64u(text):
    return b64u(hashlib.sha256(text.encode()).digest())


def reverse_name(ip):
    """RFC 8738 section 6: the reverse-DNS name, used as SNI."""
    return ipaddress.ip_address(ip).reverse_pointer


def atomic_write(path, data):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def links(r, rel):
    """The URLs of every Link header of r with that rel."""
    out = []
    for k, v in r.headers:
        if k.lower() != "link":
            continue
        for part in v.split(","):
            m = re.match(r'\s*<([^>]*)>\s*;\s*rel="?([^";]+)"?', part)
            if m and m.group(2) == rel:
                out.append(m.group(1))
    return out


def text(b):
    return b.decode("utf-8", "replace")


def nonce_ok(r):
    n = r.hdr("Replay-Nonce")
    return bool(n) and len(n) == NONCE_LEN and not n.strip(B64CHARS)


# ------------------------------------------------ responders (servers)

def cmd_responders(a):
    fx = fixtures_mod()
    d = a.dir
    for sub in ("http", "tls"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    logf = os.path.join(d, "responders.log")
    lock = threading.Lock()

    def log(line):
        with lock:
            with open(logf, "a") as f:
                f.write("%s %s\n" % (time.strftime("%H:%M:%S"), line))

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"
        server_version = "acmetest-responder"
        sys_version = ""

        def log_message(self, fmt, *args):
            pass

        def do_GET(self):
            m = re.match(r"^/\.well-known/acme-challenge/([A-Za-z0-9_-]"
                         r"{1,128})$", self.path)
            body = None
            if m:
                try:
                    with open(os.path.join(d, "http", m.group(1)),
                              "rb") as f:
                        body = f.read()
                except OSError:
                    pass
            status = 200 if body is not None else 404
            log("http %s host=%s %s -> %d" % (self.client_address[0],
                                              self.headers.get("Host"),
                                              self.path, status))
            if body is None:
                body = b"not found\n"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class S(socketserver.ThreadingMixIn, HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    hs = S(("127.0.0.1", 0), H)
    threading.Thread(target=hs.serve_forever, daemon=True).start()

    dcf, dkf = fx.write_pair(d, "default",
                             fx.make_cert([("dns", "responder.invalid")]))

    def ctx_for(cf, kf):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cf, kf)
        ctx.set_alpn_protocols(["acme-tls/1"])
        return ctx

    def tls_conn(conn, peer):
        seen = {"sni": None}

        def cb(sslobj, name, _ctx):
            seen["sni"] = name
            if not name or not re.match(r"^[a-z0-9.-]{1,253}$", name):
                return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
            p = os.path.join(d, "tls", name)
            # NAME.crt/.key, or dehydrated's NAME.crt.pem/.key.pem
            sfx = next((x for x in ("", ".pem")
                        if os.path.exists(p + ".crt" + x)), None)
            if sfx is None:
                return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
            try:
                sslobj.context = ctx_for(p + ".crt" + sfx, p + ".key" + sfx)
            except (OSError, ssl.SSLError) as e:
                log("tls sni=%s cannot load certificate: %s" % (name, e))
                return ssl.ALERT_DESCRIPTION_INTERNAL_ERROR
            return None

        ctx = ctx_for(dcf, dkf)
        ctx.sni_callback = cb
        conn.settimeout(10)
        try:
            s = ctx.wrap_socket(conn, server_side=True)
            log("tls %s sni=%s alpn=%s ok" % (peer[0], seen["sni"],
                                              s.selected_alpn_protocol()))
            try:
                s.recv(1)
            except (OSError, ssl.SSLError):
                pass
            s.close()
        except (OSError, ssl.SSLError) as e:
            log("tls %s sni=%s failed %s" % (peer[0], seen["sni"],
                                             type(e).__name__))
            conn.close()

    ts = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ts.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ts.bind(("127.0.0.1", a.tls_port))
    ts.listen(64)

    def accept_loop():
        while True:
            conn, peer = ts.accept()
            threading.Thread(target=tls_conn, args=(conn, peer),
                             daemon=True).start()
    threading.Thread(target=accept_loop, daemon=True).start()
    fx.write_ports(os.path.join(d, "responders.ports"),
                   {"http": hs.server_address[1],
                    "tls": ts.getsockname()[1]})
    while True:
        time.sleep(3600)


class Responders:
    """The client side of the responders: write what they serve."""

    def __init__(self, d, mgmt):
        self.d = d
        self.mgmt = mgmt.rstrip("/") if mgmt else None
        for sub in ("http", "tls"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)

    def http01(self, token, body):
        atomic_write(os.path.join(self.d, "http", token), body.encode())

    def cts(self, path, obj):
        req = urllib.request.Request(self.mgmt + "/" + path,
                                     data=json.dumps(obj).encode(),
                                     method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                if r.status != 200:
                    raise ConnError("challtestsrv %s: HTTP %d" %
                                    (path, r.status))
        except OSError as e:
            raise ConnError("challtestsrv %s: %s" % (path, e)) from None

    def dns01(self, name, value):
        self.cts("set-txt", {"host": "_acme-challenge.%s." % name,
                             "value": value})

    def tls01(self, itype, value, ka):
        """A certificate for the identifier carrying SHA-256(ka)."""
        fx = fixtures_mod()
        if itype == "ip":
            sni, sans = reverse_name(value), [("ip", value)]
        else:
            sni, sans = value, [("dns", value)]
        crt, key = fx.make_cert(sans, [fx.acme_ext(ka)])
        p = os.path.join(self.d, "tls", sni)
        atomic_write(p + ".key", key)
        atomic_write(p + ".crt", crt)


# ------------------------------------------------ client side

class Acct:
    """An account: key, kid (account URL) and a log of POST answers
    lacking a Replay-Nonce."""

    def __init__(self, c, key, kid, audit):
        self.c = c
        self.key = key
        self.kid = kid
        self.thumb = key.thumb()
        self.audit = audit

    def post(self, url, payload):
        r = self.c.signed(url, payload, self.key, kid=self.kid)
        self.audit.note(url, r)
        return r

    def get(self, url):
        return self.post(url, "")

    def new_order(self, idents, **extra):
        p = {"identifiers": idents}
        p.update(extra)
        return self.post(self.c.u("newOrder"), p)


class Audit:
    """Every signed POST answer must carry a fresh Replay-Nonce."""

    def __init__(self):
        self.n = 0
        self.bad = []

    def note(self, url, r):
        self.n += 1
        if not nonce_ok(r):
            self.bad.append("%s -> %s, Replay-Nonce %r" %
                            (url, r.summary(), r.hdr("Replay-Nonce")))


def make_acct(c, audit, eab=None):
    """A new account (with an EAB (kid, hmac) pair when given)."""
    k = Key.generate("p256")
    e = None
    if eab:
        e = eab_jws(eab[0], b64u_dec(eab[1]), c.u("newAccount"), k.jwk())
    r = c.new_account(k, ["mailto:orders@example.test"], eab=e)
    audit.note(c.u("newAccount"), r)
    if r.status != 201 or not r.hdr("Location"):
        raise ConnError("newAccount%s: %s" % (" (EAB)" if eab else "",
                                              r.summary()))
    return Acct(c, k, r.hdr("Location"), audit)


def dns(v):
    return {"type": "dns", "value": v}


def ipid(v):
    return {"type": "ip", "value": v}


def offered(ident, allowed=CHALL_TYPES):
    """The challenge types an identifier must get (and no others)."""
    if ident["type"] == "ip":
        s = {"http-01", "tls-alpn-01"}
    elif ident["value"].startswith("*."):
        s = {"dns-01"}
    else:
        s = set(CHALL_TYPES)
    return s & set(allowed)


def ident_key(i):
    return (i.get("type"), i.get("value"))


def authz_ident(i):
    """(type, value without "*.", wildcard) of an order identifier."""
    v = i["value"]
    w = i["type"] == "dns" and v.startswith("*.")
    return (i["type"], v[2:] if w else v, w)


def under(url, base, kind):
    """url is base/KIND/ID (an object id: 22 base64url characters)."""
    return isinstance(url, str) and re.match(
        re.escape(base) + "/" + kind + "/[A-Za-z0-9_-]{22}$", url) is not None


def check_order_json(o, idents, base):
    """Problems with an order object, as a list of strings."""
    errs = []
    if not isinstance(o, dict):
        return ["order body is not a JSON object"]
    if o.get("status") not in ("pending", "ready", "processing", "valid",
                               "invalid"):
        errs.append("status %r" % o.get("status"))
    if not RFC3339.match(str(o.get("expires"))):
        errs.append("expires %r is not RFC 3339 UTC" % o.get("expires"))
    want = set(ident_key(i) for i in idents)
    got = o.get("identifiers")
    if not isinstance(got, list) or set(ident_key(i) for i in got
                                        if isinstance(i, dict)) != want:
        errs.append("identifiers %r, want %r" % (got, sorted(want)))
    elif len(got) != len(want):
        errs.append("identifiers %r: duplicates not folded" % (got,))
    az = o.get("authorizations")
    if (not isinstance(az, list) or len(az) != len(want) or
            len(set(az)) != len(az) or
            not all(under(u, base, "authz")
                    for u in az)):
        errs.append("authorizations %r" % (az,))
    f = o.get("finalize")
    if not under(f, base, "finalize"):
        errs.append("finalize %r" % (f,))
    return errs


def check_authz_json(z, allowed=CHALL_TYPES, want_ident=None, base=None):
    """Problems with a pending authorization object."""
    errs = []
    if not isinstance(z, dict):
        return ["authz body is not a JSON object"]
    i = z.get("identifier")
    if want_ident is not None:
        t, v, w = want_ident
        if not isinstance(i, dict) or ident_key(i) != (t, v):
            errs.append("identifier %r, want %s:%s" % (i, t, v))
        if bool(z.get("wildcard", False)) != w or (
                "wildcard" in z and not isinstance(z["wildcard"], bool)):
            errs.append("wildcard %r, want %s" % (z.get("wildcard"), w))
        wi = {"type": t, "value": ("*." + v) if w else v}
    else:
        wi = i
    if not RFC3339.match(str(z.get("expires"))):
        errs.append("expires %r" % z.get("expires"))
    ch = z.get("challenges")
    if not isinstance(ch, list) or not ch:
        errs.append("challenges %r" % (ch,))
        return errs
    types = [c.get("type") for c in ch if isinstance(c, dict)]
    if isinstance(wi, dict) and set(types) != offered(wi, allowed):
        errs.append("challenge types %s, want %s" %
                    (sorted(types), sorted(offered(wi, allowed))))
    if len(types) != len(set(types)):
        errs.append("a challenge type offered twice: %s" % types)
    for c in ch:
        if not isinstance(c, dict):
            errs.append("challenge %r" % (c,))
            continue
        tok = c.get("token")
        if (not isinstance(tok, str) or len(tok) != 43 or
                tok.strip(B64CHARS)):
            errs.append("%s token %r" % (c.get("type"), tok))
        if base and not under(c.get("url"), base, "chall"):
            errs.append("%s url %r" % (c.get("type"), c.get("url")))
    return errs


def find_chall(z, ctype):
    for c in (z or {}).get("challenges") or []:
        if isinstance(c, dict) and c.get("type") == ctype:
            return c
    return None


def answer(resp, acct, z, ch, good=True):
    """Put the response to challenge ch of authz z where the validator
    looks: right, or wrong (http: another body; dns: no TXT at all; tls:
    a certificate for another key authorization)."""
    tok = ch["token"]
    ka = tok + "." + acct.thumb
    i = z["identifier"]
    if ch["type"] == "http-01":
        resp.http01(tok, ka if good else tok + "." + "x" * 43)
    elif ch["type"] == "dns-01":
        if good:
            resp.dns01(i["value"], sha256_b64u(ka))
    elif ch["type"] == "tls-alpn-01":
        resp.tls01(i["type"], i["value"],
                   ka if good else tok + "." + Key.generate().thumb())
    else:
        raise ValueError("unknown challenge type %r" % ch["type"])


def poll(acct, url, until, timeout, audit_retry=None):
    """POST-as-GET url until its status is not in `until`, at most
    `timeout` seconds.  Returns (last Resp, seconds).  Pending answers
    lacking Retry-After are added to audit_retry."""
    t0 = time.monotonic()
    while True:
        r = acct.get(url)
        j = r.json() if r.status == 200 else None
        st = j.get("status") if isinstance(j, dict) else None
        if st not in until:
            return r, time.monotonic() - t0
        if audit_retry is not None and not r.hdr("Retry-After"):
            audit_retry.append("%s (%s)" % (url, st))
        if time.monotonic() - t0 > timeout:
            return r, time.monotonic() - t0
        time.sleep(0.25)


class OrderRun:
    """The state of one order flow (see order_flow)."""

    def __init__(self):
        self.url = None
        self.order = None
        self.authzs = []        # (url, json)
        self.ok = False


def order_flow(ck, rid, desc, acct, resp, idents, pick, good=True,
               want="ready", err_types=None, allowed=CHALL_TYPES,
               timeout=30, retry_audit=None):
    """newOrder, read every authz, answer the challenge pick(identifier)
    names (right or wrong), POST it, poll the order until it leaves
    pending; check each step.  Returns an OrderRun."""
    run = OrderRun()
    c = acct.c
    r = attempt(lambda: acct.new_order(idents))
    if not ck.expect(rid, desc + ": newOrder", r, 201, problem=False):
        return run
    o = r.json()
    loc = r.hdr("Location")
    errs = check_order_json(o, [i for i in idents], c.base)
    if not under(loc, c.base, "order"):
        errs.append("Location %r" % loc)
    if isinstance(o, dict) and o.get("status") != "pending":
        errs.append("status %r, want pending" % o.get("status"))
    if isinstance(o, dict) and o.get("status") == "pending" and \
            not r.hdr("Retry-After"):
        errs.append("no Retry-After on a pending order")
    if errs:
        ck.bad(rid, desc + ": order object", "; ".join(errs))
        return run
    run.url, run.order = loc, o
    by_ident = {}
    for u in o["authorizations"]:
        g = attempt(lambda: acct.get(u))
        if not ck.expect(rid, desc + ": authz POST-as-GET", g, 200,
                         problem=False):
            return run
        z = g.json()
        i = (z or {}).get("identifier") or {}
        w = bool((z or {}).get("wildcard"))
        e = check_authz_json(z, allowed, (i.get("type"), i.get("value"), w),
                             c.base)
        if isinstance(z, dict) and z.get("status") != "pending":
            e.append("status %r, want pending" % z.get("status"))
        if e:
            ck.bad(rid, desc + ": authz " + u, "; ".join(e))
            return run
        run.authzs.append((u, z))
        by_ident[(i.get("type"), ("*." if w else "") + i.get("value"))] = \
            (u, z)
    want_keys = set(ident_key(i) for i in idents)
    if set(by_ident) != want_keys:
        ck.bad(rid, desc + ": authz identifiers",
               "%s, want %s" % (sorted(by_ident), sorted(want_keys)))
        return run
    ck.ok(rid, desc + ": order and authzs", "%d authz, offered %s" % (
        len(run.authzs), "; ".join(
            "%s:%s" % (k[1], ",".join(sorted(x["type"] for x in
                                             z["challenges"])))
            for k, (u, z) in sorted(by_ident.items()))))
    answered = []
    for k, (u, z) in sorted(by_ident.items()):
        ctype = pick(k) if callable(pick) else (
            pick.get(k[1]) if isinstance(pick, dict) else pick)
        ch = find_chall(z, ctype)
        if ch is None:
            ck.bad(rid, desc + ": %s offered" % ctype,
                   "no %s challenge for %s" % (ctype, k[1]))
            return run
        answer(resp, acct, z, ch, good)
        p = attempt(lambda: acct.post(ch["url"], {}))
        if not ck.expect(rid, desc + ": POST %s {} (%s)" % (ctype, k[1]), p,
                         200, problem=False):
            return run
        cj = p.json() or {}
        e = []
        if cj.get("type") != ctype or cj.get("url") != ch["url"] or \
                cj.get("token") != ch["token"]:
            e.append("challenge %r" % cj)
        if cj.get("status") != "processing":
            e.append("status %r, want processing" % cj.get("status"))
        elif not p.hdr("Retry-After"):
            e.append("no Retry-After on a processing challenge")
        if u not in links(p, "up"):
            e.append("Link rel=up %r, want %s" % (links(p, "up"), u))
        if e:
            ck.bad(rid, desc + ": challenge POST answer", "; ".join(e))
        answered.append((u, ch))
    r, el = poll(acct, run.url, ("pending",), timeout, retry_audit)
    o = r.json() if r.status == 200 else None
    st = o.get("status") if isinstance(o, dict) else None
    if st != want:
        ck.bad(rid, desc + ": order becomes " + want,
               "order %s after %.1f s: %s" % (st, el, text(r.body[:300])))
        # show where it stuck
        for u, ch in answered:
            g = attempt(lambda: acct.get(ch["url"]))
            if not isinstance(g, Exception):
                print("      challenge %s: %s" % (ch["type"],
                                                  text(g.body[:400])))
        return run
    run.order = o
    ck.ok(rid, desc + ": order becomes " + want, "after %.1f s" % el)
    e = []
    el = []
    for u, ch in answered:
        z = (attempt(lambda: acct.get(u)))
        zj = z.json() if not isinstance(z, Exception) else None
        g = attempt(lambda: acct.get(ch["url"]))
        cj = g.json() if not isinstance(g, Exception) else None
        if not isinstance(zj, dict) or not isinstance(cj, dict):
            e.append("cannot read %s / %s" % (u, ch["url"]))
            continue
        if want == "ready":
            if zj.get("status") != "valid":
                e.append("authz %s status %r" % (u, zj.get("status")))
            if cj.get("status") != "valid" or not RFC3339.match(
                    str(cj.get("validated"))):
                e.append("challenge status %r validated %r" % (
                    cj.get("status"), cj.get("validated")))
        else:
            if zj.get("status") != "invalid":
                e.append("authz %s status %r, want invalid" %
                         (u, zj.get("status")))
            er = cj.get("error")
            t = (er or {}).get("type", "") if isinstance(er, dict) else ""
            t = t[len(ERR):] if t.startswith(ERR) else t
            if cj.get("status") != "invalid" or t not in (err_types or ()):
                e.append("challenge status %r error %r, want invalid with "
                         "%s" % (cj.get("status"), er,
                                 "|".join(err_types or ())))
            else:
                print("      challenge error: %s: %s" % (
                    t, str(er.get("detail"))[:200]))
            if "error" not in o:
                e.append("invalid order carries no error")
        if u not in links(g, "up"):
            el.append("%s: Link rel=up %r, want %s" % (ch["url"],
                                                       links(g, "up"), u))
    if e:
        ck.bad(rid, desc + ": authz/challenge objects", "; ".join(e))
    else:
        ck.ok(rid, desc + ": authz/challenge objects", "%s" % (
            "valid, validated set" if want == "ready"
            else "invalid with " + "|".join(err_types or ())))
        run.ok = True
    if el:
        ck.bad(rid, desc + ": challenge POST-as-GET Link up", "; ".join(el))
    return run


def csr_b64(names):
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    k = ec.generate_private_key(ec.SECP256R1())
    b = (x509.CertificateSigningRequestBuilder()
         .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                     names[0])]))
         .add_extension(x509.SubjectAlternativeName(
             [x509.DNSName(n) for n in names]), critical=False))
    return b64u(b.sign(k, hashes.SHA256()).public_bytes(
        serialization.Encoding.DER))


def refuse(ck, rid, desc, acct, idents, types, name=None, url=None,
           payload=None):
    """newOrder (or url with payload) must be refused: 400 with one of
    types, the detail naming `name` when given."""
    if url is None:
        r = attempt(lambda: acct.new_order(idents))
    else:
        r = attempt(lambda: acct.post(url, payload))
    if isinstance(r, Exception) or r.status != 400 or name is None:
        return ck.expect(rid, desc, r, 400, types)
    det = str((r.json() or {}).get("detail", ""))
    subs = json.dumps((r.json() or {}).get("subproblems", ""))
    if name.lower() not in (det + subs).lower():
        ck.bad(rid, desc, "got %s: the detail does not name %r" %
               (r.summary(), name))
        return False
    return ck.expect(rid, desc, r, 400, types)


SYN = ("malformed", "rejectedIdentifier")   # a syntax refusal: either


def order_cases(a, c, ck, resp, audit):
    groups = set(a.groups.split(",")) if a.groups else None
    if groups is not None and not groups - {"eab"}:
        return
    retry = []
    A = make_acct(c, audit)
    B = make_acct(c, audit)
    C = make_acct(c, audit)
    print("note  accounts A %s, B %s, C %s" % (acct_id(A.kid),
                                               acct_id(B.kid),
                                               acct_id(C.kid)))

    def on(g):
        return groups is None or g in groups

    runs = {}
    # -- orders reaching ready, each challenge type
    if on("ready"):
        for t in CHALL_TYPES:
            n = "%s.single.test" % t.split("-")[0]
            runs[t] = order_flow(ck, "O1", "single name by %s" % t, A, resp,
                                 [dns(n)], t, retry_audit=retry)
        order_flow(ck, "O2", "three names, one per challenge type", A, resp,
                   [dns("a.multi.test"), dns("b.multi.test"),
                    dns("c.multi.test")],
                   {"a.multi.test": "http-01", "b.multi.test": "dns-01",
                    "c.multi.test": "tls-alpn-01"}, retry_audit=retry)
        order_flow(ck, "O3", "wildcard *.wild.test (dns-01 only)", A, resp,
                   [dns("*.wild.test")], "dns-01", retry_audit=retry)
        order_flow(ck, "O3", "wildcard and its base name in one order", A,
                   resp, [dns("*.both.test"), dns("both.test")],
                   lambda k: "dns-01", retry_audit=retry)
        order_flow(ck, "O4", "IP 127.0.0.1 by http-01", A, resp,
                   [ipid("127.0.0.1")], "http-01", retry_audit=retry)
        order_flow(ck, "O4", "IP 127.0.0.1 by tls-alpn-01 (reverse-DNS "
                   "SNI)", C, resp, [ipid("127.0.0.1")], "tls-alpn-01",
                   retry_audit=retry)
        r = attempt(lambda: A.new_order([dns("dup.test"), dns("dup.test")]))
        if ck.expect("O5", "duplicate identifiers are folded", r, 201,
                     problem=False):
            e = check_order_json(r.json(), [dns("dup.test")], c.base)
            if e:
                ck.bad("O5", "duplicates folded", "; ".join(e))
        r = attempt(lambda: A.new_order([dns("xn--bcher-kva.test")]))
        ck.expect("O6", "valid A-label xn--bcher-kva.test accepted", r, 201,
                  problem=False)
        r = attempt(lambda: A.new_order([dns("n%d.hundred.test" % i)
                                         for i in range(100)]))
        if ck.expect("X2", "100 identifiers (max_identifiers) accepted", r,
                     201, problem=False):
            n = len((r.json() or {}).get("authorizations") or [])
            if n != 100:
                ck.bad("X2", "100 identifiers", "%d authorizations" % n)

    # -- wrong answers make the authz and the order invalid
    if on("wrong"):
        order_flow(ck, "V1", "wrong http-01 body", A, resp,
                   [dns("wronghttp.single.test")], "http-01", good=False,
                   want="invalid",
                   err_types=("incorrectResponse", "unauthorized"),
                   retry_audit=retry)
        order_flow(ck, "V2", "dns-01 without a TXT record", A, resp,
                   [dns("notxt.single.test")], "dns-01", good=False,
                   want="invalid", err_types=("unauthorized", "dns"),
                   retry_audit=retry)
        order_flow(ck, "V3", "tls-alpn-01 certificate for another key "
                   "authorization", A, resp, [dns("wrongtls.single.test")],
                   "tls-alpn-01", good=False, want="invalid",
                   err_types=("unauthorized",), retry_audit=retry)
        order_flow(ck, "V4", "IP 127.0.0.1, wrong http-01 body", B, resp,
                   [ipid("127.0.0.1")], "http-01", good=False,
                   want="invalid",
                   err_types=("incorrectResponse", "unauthorized"),
                   retry_audit=retry)

    # -- identifier refusals (newOrder answers 400)
    if on("refuse"):
        before = orders_of(A)
        rows = [
            ("I1", "uppercase name", [dns("Upper.Example.test")], SYN,
             "Upper.Example.test"),
            ("I2", "trailing dot", [dns("dot.example.test.")], SYN,
             "dot.example.test."),
            ("I3", "64-octet label", [dns("a" * 64 + ".test")], SYN,
             "a" * 64),
            ("I4", "254 octets in all",
             [dns(".".join(["a" * 63] * 3 + ["b" * 57, "test"]))], SYN,
             None),
            ("I5", "single label", [dns("localname")], SYN, "localname"),
            ("I6", "wildcard of a TLD *.com", [dns("*.com")], SYN, "*.com"),
            ("I6", "wildcard not leftmost a.*.b.test", [dns("a.*.b.test")],
             SYN, "a.*.b.test"),
            ("I6", "double wildcard *.*.b.test", [dns("*.*.b.test")], SYN,
             "*.*.b.test"),
            ("I6", "partial wildcard label a*.b.test", [dns("a*.b.test")],
             SYN, "a*.b.test"),
            ("I6", "bare *", [dns("*")], SYN, None),
            ("I7", "IPv4 address in a dns identifier",
             [dns("127.0.0.1")], SYN, "127.0.0.1"),
            ("I7", "IPv6 address in a dns identifier", [dns("::1")], SYN,
             "::1"),
            ("I8", "non-canonical IPv6 (uppercase)", [ipid("2001:DB8::1")],
             SYN, "2001:DB8::1"),
            ("I8", "non-canonical IPv6 (zeros not compressed)",
             [ipid("2001:db8:0:0:0:0:0:1")], SYN, "2001:db8:0:0:0:0:0:1"),
            ("I8", "non-canonical IPv4 (leading zero)",
             [ipid("127.0.0.01")], SYN, "127.0.0.01"),
            ("I8", "name in an ip identifier", [ipid("ip.example.test")],
             SYN, "ip.example.test"),
            ("I9", "bad punycode xn--zzzzzzzzz",
             [dns("xn--zzzzzzzzz.test")], SYN, "xn--zzzzzzzzz"),
            ("I9", "A-label of a disallowed code point xn--ls8h",
             [dns("xn--ls8h.test")], SYN, "xn--ls8h"),
            ("I10", "U-label (non-ASCII) name", [dns("b\u00fccher.test")],
             SYN, None),
            ("I11", "underscore in a label", [dns("a_b.example.test")],
             SYN, "a_b.example.test"),
            ("I11", "label starting with a hyphen",
             [dns("-a.example.test")], SYN, "-a.example.test"),
            ("I11", "empty label", [dns("a..example.test")], SYN,
             "a..example.test"),
            ("I12", "unsupported type email",
             [{"type": "email", "value": "a@example.test"}],
             "unsupportedIdentifier", "email"),
            ("I13", "101 identifiers (max_identifiers 100)",
             [dns("n%d.many.test" % i) for i in range(101)], SYN, None),
            ("I14", "empty identifiers list", [], "malformed", None),
            ("I14", "identifier without value", [{"type": "dns"}],
             "malformed", None),
            ("I14", "identifier value not a string",
             [{"type": "dns", "value": 7}], "malformed", None),
            ("I15", "one bad name among good ones",
             [dns("good1.example.test"), dns("Bad.example.test")], SYN,
             "Bad.example.test"),
        ]
        for rid, desc, ids, types, name in rows:
            refuse(ck, rid, desc, A, ids, types, name)
        r = attempt(lambda: A.post(c.u("newOrder"), {"identifiers":
                                                      "x.example.test"}))
        ck.expect("I14", "identifiers not an array", r, 400, "malformed")
        r = attempt(lambda: A.post(c.u("newOrder"), ""))
        ck.expect("P3", "POST-as-GET to newOrder", r, 400, "malformed")
        after = orders_of(A)
        if before is None or after is None:
            ck.bad("I0", "refusals leave no order behind",
                   "cannot read the orders list")
        elif set(after) != set(before):
            ck.bad("I0", "refusals leave no order behind",
                   "%d orders before, %d after" % (len(before), len(after)))
        else:
            ck.ok("I0", "refusals leave no order behind",
                  "%d orders before and after" % len(after))
        # notBefore / notAfter
        now = int(time.time()) + 3600

        def ts(t):
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        r = attempt(lambda: A.new_order([dns("nb.example.test")],
                                        notBefore=ts(now),
                                        notAfter=ts(now + 30 * 86400)))
        if ck.expect("O7", "notBefore/notAfter inside max_validity", r, 201,
                     problem=False):
            j = r.json() or {}
            if j.get("notBefore") != ts(now) or \
                    j.get("notAfter") != ts(now + 30 * 86400):
                ck.bad("O7", "notBefore/notAfter echoed",
                       "%r %r" % (j.get("notBefore"), j.get("notAfter")))
        r = attempt(lambda: A.new_order([dns("nb.example.test")],
                                        notBefore=ts(now),
                                        notAfter=ts(now + 100 * 86400)))
        ck.expect("O7", "notAfter beyond max_validity (90d)", r, 400,
                  "malformed")
        r = attempt(lambda: A.new_order([dns("nb.example.test")],
                                        notBefore=ts(now + 86400),
                                        notAfter=ts(now)))
        ck.expect("O7", "notAfter before notBefore", r, 400, "malformed")
        r = attempt(lambda: A.new_order([dns("nb.example.test")],
                                        notAfter="next tuesday"))
        ck.expect("O7", "notAfter not RFC 3339", r, 400, "malformed")

    # -- authz reuse, access control, methods, finalize
    if on("reuse"):
        first = runs.get("http-01")
        if first is None or not first.ok:
            first = order_flow(ck, "O1", "single name by http-01 (for "
                               "reuse)", A, resp,
                               [dns("reuse.single.test")], "http-01",
                               retry_audit=retry)
        if first.ok:
            n = first.order["identifiers"][0]["value"]
            zurl = first.authzs[0][0]
            r = attempt(lambda: A.new_order([dns(n)]))
            if ck.expect("A8", "same account, same name again", r, 201,
                         problem=False):
                j = r.json() or {}
                if j.get("authorizations") != [zurl]:
                    ck.bad("A8", "valid authz reused", "authorizations %r, "
                           "want [%s]" % (j.get("authorizations"), zurl))
                elif j.get("status") != "ready":
                    ck.bad("A8", "order with a reused valid authz is ready",
                           "status %r" % j.get("status"))
                else:
                    ck.ok("A8", "valid authz reused, order ready at once",
                          zurl)
            r = attempt(lambda: A.new_order([dns(n), dns("new.reuse.test")]))
            if ck.expect("A8", "reused name plus a new one", r, 201,
                         problem=False):
                az = (r.json() or {}).get("authorizations") or []
                if zurl not in az or len(az) != 2:
                    ck.bad("A8", "reuse within a bigger order",
                           "authorizations %r" % az)
                elif (r.json() or {}).get("status") != "pending":
                    ck.bad("A8", "bigger order pending",
                           "status %r" % (r.json() or {}).get("status"))
                else:
                    ck.ok("A8", "reuse within a bigger order", "pending, "
                          "one authz reused")
            r = attempt(lambda: B.new_order([dns(n)]))
            if ck.expect("A8", "another account, same name", r, 201,
                         problem=False):
                j = r.json() or {}
                az = j.get("authorizations") or []
                if zurl in az or len(az) != 1:
                    ck.bad("A8", "another account gets a new authz",
                           "authorizations %r" % az)
                elif j.get("status") != "pending":
                    ck.bad("A8", "another account's order pending",
                           "status %r" % j.get("status"))
                else:
                    ck.ok("A8", "another account gets a new authz",
                          az[0])
            # A6: objects of another account
            ourl = first.url
            chu = first.authzs[0][1]["challenges"][0]["url"]
            for what, u, p in (("order", ourl, ""), ("authz", zurl, ""),
                               ("challenge", chu, ""),
                               ("challenge POST {}", chu, {}),
                               ("authz deactivation", zurl,
                                {"status": "deactivated"})):
                r = attempt(lambda: B.post(u, p))
                ck.expect("A6", "%s of another account" % what, r, 403,
                          "unauthorized")
            r = attempt(lambda: A.get(zurl))
            if not isinstance(r, Exception) and \
                    (r.json() or {}).get("status") != "valid":
                ck.bad("A6", "refused deactivation changed nothing",
                       "authz status %r" % (r.json() or {}).get("status"))
            for what, u in (("order", ourl), ("authz", zurl),
                            ("challenge", chu),
                            ("finalize", first.order["finalize"])):
                r = attempt(lambda: http("GET", u))
                ck.expect("P1", "GET on the %s URL" % what, r, 405,
                          "malformed", post=False, allow="POST")
            # A8: a deactivated authz is not reused
            r = attempt(lambda: A.post(zurl, {"status": "deactivated"}))
            if ck.expect("A8", "deactivate the valid authz", r, 200,
                         problem=False):
                r = attempt(lambda: A.new_order([dns(n)]))
                if ck.expect("A8", "same name after deactivation", r, 201,
                             problem=False):
                    az = (r.json() or {}).get("authorizations") or []
                    if zurl in az or len(az) != 1:
                        ck.bad("A8", "a deactivated authz is not reused",
                               "authorizations %r" % az)
                    else:
                        ck.ok("A8", "a deactivated authz is not reused",
                              az[0])
        # finalize before ready
        r = attempt(lambda: A.new_order([dns("notready.example.test")]))
        if ck.expect("R1", "pending order for finalize", r, 201,
                     problem=False):
            o = r.json() or {}
            oloc = r.hdr("Location")
            f = attempt(lambda: A.post(o.get("finalize"), {
                "csr": csr_b64(["notready.example.test"])}))
            ck.expect("R1", "finalize of a pending order", f, 403,
                      "orderNotReady")
            r = attempt(lambda: A.get(oloc))
            if ck.expect("O8", "POST-as-GET own pending order", r, 200,
                         problem=False):
                if (r.json() or {}).get("status") != "pending":
                    ck.bad("O8", "pending", text(r.body[:200]))
                elif not r.hdr("Retry-After"):
                    ck.bad("O8", "Retry-After on a pending order",
                           "missing")
                else:
                    ck.ok("O8", "Retry-After on a pending order",
                          r.hdr("Retry-After"))
            # deactivation of a pending authz invalidates the order
            zu = (o.get("authorizations") or [None])[0]
            r = attempt(lambda: A.post(zu, {"status": "deactivated"}))
            if ck.expect("Z1", "authz deactivation", r, 200, problem=False):
                if (r.json() or {}).get("status") != "deactivated":
                    ck.bad("Z1", "status deactivated", text(r.body[:200]))
                r = attempt(lambda: A.get(oloc))
                if not isinstance(r, Exception) and \
                        (r.json() or {}).get("status") != "invalid":
                    ck.bad("Z1", "order of a deactivated authz is invalid",
                           "status %r" % (r.json() or {}).get("status"))
                else:
                    ck.ok("Z1", "order of a deactivated authz is invalid",
                          "invalid")
            r = attempt(lambda: A.post(zu, {"status": "valid"}))
            ck.expect("Z2", "authz update to status valid", r, 400,
                      "malformed")
        # the account's orders list fills
        lst = orders_of(A)
        if lst is None:
            ck.bad("O9", "account orders list", "cannot read it")
        elif first is not None and first.url and first.url not in lst:
            ck.bad("O9", "account orders list", "%s missing from %d" %
                   (first.url, len(lst)))
        else:
            ck.ok("O9", "account orders list", "%d orders" % len(lst))

    if retry:
        ck.bad("RA", "Retry-After on every pending order read",
               "%d without: %s" % (len(retry), "; ".join(retry[:5])))
    else:
        ck.ok("RA", "Retry-After on every pending order read", "yes")


def orders_of(acct):
    """Every order URL of the account's orders list (all pages), or
    None."""
    r = acct.get(acct.kid)
    if r.status != 200:
        return None
    u = (r.json() or {}).get("orders")
    out = []
    for _ in range(100):
        if not u:
            return out
        g = acct.get(u)
        if g.status != 200 or not isinstance((g.json() or {}).get("orders"),
                                             list):
            return None
        out += g.json()["orders"]
        nxt = links(g, "next")
        u = nxt[0] if nxt else None
    return out


def eab_cases(a, ck, audit):
    """The EAB server: allowed_domains test, forbidden_domains
    forbidden.test, challenge_types http-01 dns-01, pre_authorization
    yes; key K1 restricted to ok.test, key K2 free."""
    c = Acme(a.eab_dir)
    D = make_acct(c, audit, eab=(a.eab_kid_ok, a.eab_hmac_ok))
    E = make_acct(c, audit, eab=(a.eab_kid, a.eab_hmac))
    print("note  EAB accounts D %s (ok.test), E %s" % (acct_id(D.kid),
                                                      acct_id(E.kid)))
    R = "rejectedIdentifier"
    for rid, desc, acct, ids, ok, name in (
            ("E10", "key limited to ok.test: x.ok.test", D,
             [dns("x.ok.test")], True, None),
            ("E10", "key limited to ok.test: ok.test itself", D,
             [dns("ok.test")], True, None),
            ("E10", "key limited to ok.test: *.ok.test", D,
             [dns("*.ok.test")], True, None),
            ("E10", "key limited to ok.test: x.bad.test", D,
             [dns("x.bad.test")], False, "x.bad.test"),
            ("E10", "key limited to ok.test: x.notok.test (label "
             "boundary)", D, [dns("x.notok.test")], False, "x.notok.test"),
            ("E10", "key limited to ok.test: x.ok.test with x.bad.test", D,
             [dns("x.ok.test"), dns("x.bad.test")], False, "x.bad.test"),
            ("E10", "key limited to ok.test: IP 127.0.0.1", D,
             [ipid("127.0.0.1")], False, "127.0.0.1"),
            ("E10", "unrestricted key: x.bad.test", E,
             [dns("x.bad.test")], True, None),
            ("G1", "forbidden_domains: x.forbidden.test", E,
             [dns("x.forbidden.test")], False, "x.forbidden.test"),
            ("G1", "forbidden_domains: forbidden.test itself", E,
             [dns("forbidden.test")], False, "forbidden.test"),
            ("G1", "forbidden_domains: *.forbidden.test", E,
             [dns("*.forbidden.test")], False, "forbidden.test"),
            ("G1", "forbidden_domains: a.b.forbidden.test", E,
             [dns("a.b.forbidden.test")], False, "a.b.forbidden.test"),
            ("G1", "forbidden_domains: x.notforbidden.test allowed", E,
             [dns("x.notforbidden.test")], True, None),
            ("G2", "allowed_domains miss: x.example.org", E,
             [dns("x.example.org")], False, "x.example.org"),
            ("G2", "allowed_domains miss: x.testing (suffix, not label)", E,
             [dns("x.testing")], False, "x.testing")):
        if ok:
            r = attempt(lambda: acct.new_order(ids))
            ck.expect(rid, desc + " accepted", r, 201, problem=False)
        else:
            refuse(ck, rid, desc + " refused", acct, ids, R, name)
    # challenge_types = http-01 dns-01
    r = attempt(lambda: E.new_order([dns("types.bad.test")]))
    if ck.expect("P7", "challenge_types http-01 dns-01: newOrder", r, 201,
                 problem=False):
        u = ((r.json() or {}).get("authorizations") or [None])[0]
        g = attempt(lambda: E.get(u))
        if ck.expect("P7", "authz read", g, 200, problem=False):
            types = sorted(x.get("type") for x in
                           (g.json() or {}).get("challenges") or [])
            if types != ["dns-01", "http-01"]:
                ck.bad("P7", "only the configured challenge types offered",
                       "%s" % types)
            else:
                ck.ok("P7", "only the configured challenge types offered",
                      ",".join(types))
    # pre-authorization (newAuthz)
    na = c.dir.get("newAuthz")
    if not na:
        ck.bad("Z3", "directory newAuthz with pre_authorization = yes",
               "directory %r" % c.dir)
    else:
        ck.ok("Z3", "directory newAuthz with pre_authorization = yes", na)
        r = attempt(lambda: D.post(na, {"identifier": dns("pre.ok.test")}))
        if ck.expect("Z3", "newAuthz pre.ok.test", r, 201, problem=False):
            e = check_authz_json(r.json(), ("http-01", "dns-01"),
                                 ("dns", "pre.ok.test", False), c.base)
            if e:
                ck.bad("Z3", "newAuthz object", "; ".join(e))
        refuse(ck, "Z3", "newAuthz outside the key's domains refused", D,
               None, R, "pre.bad.test", url=na,
               payload={"identifier": dns("pre.bad.test")})
        refuse(ck, "Z3", "newAuthz wildcard refused", D, None, SYN + (
               "unsupportedIdentifier",), None, url=na,
               payload={"identifier": dns("*.ok.test")})


def cmd_orders(a):
    c = Acme(a.dir)
    ck = Checker()
    audit = Audit()
    resp = Responders(a.resp_dir, a.mgmt)
    meta_dir = c.dir
    if "newOrder" not in meta_dir:
        ck.bad("D1", "directory newOrder", "directory %r" % meta_dir)
        return 1
    if "newAuthz" in meta_dir:
        ck.bad("D1", "no newAuthz without pre_authorization",
               meta_dir["newAuthz"])
    else:
        ck.ok("D1", "no newAuthz without pre_authorization", "absent")
    order_cases(a, c, ck, resp, audit)
    if a.eab_dir and (a.groups is None or "eab" in a.groups.split(",")):
        eab_cases(a, ck, audit)
    if audit.bad:
        ck.bad("N1", "Replay-Nonce on every POST answer", "%d of %d "
               "without: %s" % (len(audit.bad), audit.n,
                                "; ".join(audit.bad[:5])))
    else:
        ck.ok("N1", "Replay-Nonce on every POST answer",
              "%d answers" % audit.n)
    print("orders: %d passed, %d failed" % (ck.passed, ck.failed))
    return 1 if ck.failed else 0


def cmd_order(a):
    """One order for one account, every identifier answered with one
    challenge type; prints the order URL; exit 0 when it reaches the
    wanted status."""
    c = Acme(a.dir)
    ck = Checker()
    audit = Audit()
    if a.key and a.kid:
        acct = Acct(c, Key.load(a.key), a.kid, audit)
    else:
        acct = make_acct(c, audit)
    idents = []
    for v in a.ident:
        try:
            ipaddress.ip_address(v)
            idents.append(ipid(v))
        except ValueError:
            idents.append(dns(v))
    errs = ((a.expect_error or "").split("|")) if a.expect_error else None
    run = order_flow(ck, "ORDER", "order %s" % ",".join(a.ident), acct,
                     Responders(a.resp_dir, a.mgmt), idents, a.type,
                     good=not a.wrong, want=a.want, err_types=errs,
                     timeout=a.timeout)
    if run.url:
        print(run.url)
    return 0 if run.ok and not ck.failed else 1


def add_order_parsers(sp):
    p = sp.add_parser("responders", help="http-01/tls-alpn-01 responders")
    p.add_argument("dir")
    p.add_argument("--tls-port", type=int, default=0,
                   help="the tls-alpn-01 port (default: any free one)")
    p = sp.add_parser("orders", help="the issue-3 order cases")
    p.add_argument("dir")
    p.add_argument("--resp-dir", required=True)
    p.add_argument("--mgmt", required=True,
                   help="pebble-challtestsrv management URL")
    p.add_argument("--eab-dir")
    p.add_argument("--eab-kid-ok")
    p.add_argument("--eab-hmac-ok")
    p.add_argument("--eab-kid")
    p.add_argument("--eab-hmac")
    p.add_argument("--groups", help="ready,wrong,refuse,reuse,eab")
    p = sp.add_parser("order", help="one order through to ready/invalid")
    p.add_argument("dir")
    p.add_argument("ident", nargs="+")
    p.add_argument("--type", default="http-01", choices=CHALL_TYPES)
    p.add_argument("--resp-dir", required=True)
    p.add_argument("--mgmt")
    p.add_argument("--key")
    p.add_argument("--kid")
    p.add_argument("--wrong", action="store_true")
    p.add_argument("--want", default="ready")
    p.add_argument("--expect-error")
    p.add_argument("--timeout", type=float, default=30)


ORDER_CMDS = {"responders": cmd_responders, "orders": cmd_orders,
              "order": cmd_order}


# ---------------------------------------------------------------- revoke

def rv_csr(names, priv):
    """base64url DER of a CSR for names (CN = the first) with key priv."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    b = (x509.CertificateSigningRequestBuilder()
         .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                     names[0])]))
         .add_extension(x509.SubjectAlternativeName(
             [x509.DNSName(n) for n in names]), critical=False))
    return b64u(b.sign(priv, hashes.SHA256()).public_bytes(
        serialization.Encoding.DER))


def rv_serial_hex(cert):
    n = cert.serial_number
    return n.to_bytes((n.bit_length() + 8) // 8, "big").hex()


def rv_certid(cert):
    """RFC 9773 certID: b64url(AKI keyIdentifier) "." b64url(serial)."""
    from cryptography import x509
    aki = cert.extensions.get_extension_for_class(
        x509.AuthorityKeyIdentifier).value.key_identifier
    return b64u(aki) + "." + b64u(bytes.fromhex(rv_serial_hex(cert)))


def rv_finalize(ck, rid, desc, acct, order_url, order, priv, timeout=60):
    """Finalize order with a CSR for priv and download the chain.
    Returns the leaf (cryptography x509) or None after a FAIL line."""
    from cryptography import x509
    names = sorted(i["value"] for i in order["identifiers"])
    r = attempt(lambda: acct.post(order["finalize"],
                                  {"csr": rv_csr(names, priv)}))
    if not ck.expect(rid, desc + ": finalize", r, 200, problem=False):
        return None
    r, el = poll(acct, order_url, ("processing", "ready"), timeout)
    o = r.json() if r.status == 200 else None
    if not isinstance(o, dict) or o.get("status") != "valid" or \
            not o.get("certificate"):
        ck.bad(rid, desc + ": order becomes valid", "after %.1f s: %s" %
               (el, text(r.body[:300])))
        return None
    g = attempt(lambda: acct.get(o["certificate"]))
    if not ck.expect(rid, desc + ": certificate download", g, 200,
                     problem=False):
        return None
    m = re.search(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----",
                  g.body, re.S)
    if not m:
        ck.bad(rid, desc + ": certificate download", "no PEM certificate")
        return None
    leaf = x509.load_pem_x509_certificate(m.group(0))
    ck.ok(rid, desc + ": issued", "serial %s" % rv_serial_hex(leaf))
    return leaf


def rv_issue(ck, rid, desc, acct, resp, names, priv=None):
    """newOrder for names, http-01, finalize, download.  Returns
    (leaf, key) or (None, key)."""
    priv = priv or ec.generate_private_key(ec.SECP256R1())
    run = order_flow(ck, rid, desc, acct, resp, [dns(n) for n in names],
                     "http-01")
    if not run.ok:
        return None, priv
    return rv_finalize(ck, rid, desc, acct, run.url, run.order, priv), priv


def rv_der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def rv_forged(cert):
    """A self-signed certificate reusing cert's serial and names (V1)."""
    from cryptography import x509
    k = ec.generate_private_key(ec.SECP256R1())
    b = (x509.CertificateBuilder().subject_name(cert.subject)
         .issuer_name(cert.issuer).public_key(k.public_key())
         .serial_number(cert.serial_number)
         .not_valid_before(cert.not_valid_before)
         .not_valid_after(cert.not_valid_after))
    return b.sign(k, hashes.SHA256())


def rv_ok(ck, rid, desc, r):
    """A revokeCert success: 200, an empty body, a Replay-Nonce."""
    if not ck.expect(rid, desc, r, 200, problem=False):
        return False
    if r.body:
        ck.bad(rid, desc + ": empty body", "%d bytes: %r" %
               (len(r.body), r.body[:80]))
        return False
    return True


def cmd_revoke(a):
    """The revokeCert cases (SECURITY.md V1-V10) on a server that issues
    (lib.sh start_issuer); writes the serials for t_revoke.sh to --out."""
    c = Acme(a.dir)
    ck = Checker(a.dir)
    audit = Audit()
    resp = Responders(a.resp_dir, a.mgmt)
    out = {"revoked": {}, "valid": {}}
    if "revokeCert" not in c.dir:
        ck.bad("V0", "directory revokeCert", "directory %r" % c.dir)
        return 1
    rurl = c.u("revokeCert")
    tag = "%06x" % random.getrandbits(24)
    name = lambda n: "rv%s-%s.test" % (n, tag)
    A = make_acct(c, audit)
    B = make_acct(c, audit)
    C = make_acct(c, audit)

    def by_key(priv, payload):
        return c.signed(rurl, payload, Key(priv))

    # -- certificate 1: refusals, then the issuing account revokes it
    cert1, k1 = rv_issue(ck, "V", "certificate 1", A, resp, [name(1)])
    if cert1 is not None:
        d1 = b64u(rv_der(cert1))
        r = attempt(lambda: B.post(rurl, {"certificate": d1}))
        ck.expect("V2", "another account (no authz) revokes", r, 403,
                  "unauthorized")
        other = ec.generate_private_key(ec.SECP256R1())
        r = attempt(lambda: by_key(other, {"certificate": d1}))
        ck.expect("V3", "a jwk that is not the certificate key", r, 403,
                  "unauthorized")
        r = attempt(lambda: c.post_raw(rurl, jws(
            dict(c.hdr(Key(k1), rurl), kid=A.kid), {"certificate": d1},
            Key(k1))))
        ck.expect("V4", "certificate key with both jwk and kid", r, 400,
                  "malformed")
        r = attempt(lambda: c.post_raw(rurl, jws(
            c.hdr(Key(k1), rurl, kid=A.kid), {"certificate": d1},
            Key(k1))))
        ck.expect("V4", "kid signed by the certificate key", r,
                  [(400, ("malformed",)), (403, ("unauthorized",))])
        for rsn in (2, 6, 7, 8, 9, 10, 11, -1, 2 ** 70, 10 ** 30, 1.5,
                    1.0, "1", True, None, [1], {"r": 1}):
            r = attempt(lambda: A.post(rurl, {"certificate": d1,
                                              "reason": rsn}))
            if ck.expect("V6", "reason %s" % json.dumps(rsn), r, 400,
                         "badRevocationReason"):
                det = str((r.json() or {}).get("detail", ""))
                if "0, 1, 3, 4 and 5" not in det:
                    ck.bad("V6", "reason %s: detail lists the allowed" %
                           json.dumps(rsn), det)
        forged = b64u(rv_der(rv_forged(cert1)))
        r = attempt(lambda: A.post(rurl, {"certificate": forged}))
        ck.expect("V1", "a forged certificate with our serial", r, 404)
        fk = ec.generate_private_key(ec.SECP256R1())
        r = attempt(lambda: by_key(fk, {"certificate": forged}))
        ck.expect("V1", "a forged certificate, signed by its own key", r,
                  404)
        r = attempt(lambda: A.post(rurl, {"certificate": b64u(
            b"\x30\x03\x02\x01\x01")}))
        ck.expect("V1", "DER that is no certificate", r, 400, "malformed")
        r = attempt(lambda: A.post(rurl, {"certificate": d1 + "="}))
        ck.expect("J29", "padded base64url certificate", r, 400,
                  "malformed")
        r = attempt(lambda: A.post(rurl, {"reason": 0}))
        ck.expect("V0", "no certificate member", r, 400, "malformed")
        r = attempt(lambda: A.post(rurl, ""))
        ck.expect("V0", "POST-as-GET to revokeCert", r, 400, "malformed")
        r = attempt(lambda: A.post(rurl, {"certificate": d1, "reason": 4}))
        if rv_ok(ck, "V", "the issuing account revokes (reason 4)", r):
            out["revoked"][rv_serial_hex(cert1)] = 4
        r = attempt(lambda: A.post(rurl, {"certificate": d1}))
        ck.expect("V5", "revoked twice (account)", r, 400, "alreadyRevoked")
        r = attempt(lambda: by_key(k1, {"certificate": d1}))
        ck.expect("V5", "revoked twice (certificate key)", r, 400,
                  "alreadyRevoked")
        r = attempt(lambda: B.post(rurl, {"certificate": d1}))
        ck.expect("V2", "another account, revoked certificate", r, 403,
                  "unauthorized")

    # -- certificate 2: an account holding authzs for every name
    cert2, k2 = rv_issue(ck, "V", "certificate 2", A, resp,
                         [name(2), name("2b")])
    if cert2 is not None:
        d2 = b64u(rv_der(cert2))
        D = make_acct(c, audit)
        run = order_flow(ck, "V", "D validates " + name(2), D, resp,
                         [dns(name(2))], "http-01")
        r = attempt(lambda: D.post(rurl, {"certificate": d2}))
        ck.expect("V2", "an account holding authz for one of two names",
                  r, 403, "unauthorized")
        run = order_flow(ck, "V", "C validates both names", C, resp,
                         [dns(name(2)), dns(name("2b"))], "http-01")
        if run.ok:
            r = attempt(lambda: C.post(rurl, {"certificate": d2}))
            if rv_ok(ck, "V", "an account holding authzs for all names "
                     "revokes (no reason)", r):
                out["revoked"][rv_serial_hex(cert2)] = 0

    # -- certificate 3: the certificate key, keyCompromise; key blocked
    cert3, k3 = rv_issue(ck, "V", "certificate 3", A, resp, [name(3)])
    if cert3 is not None:
        d3 = b64u(rv_der(cert3))
        r = attempt(lambda: by_key(k3, {"certificate": d3, "reason": 1}))
        if rv_ok(ck, "V3", "the certificate key (jwk) revokes, reason 1",
                 r):
            out["revoked"][rv_serial_hex(cert3)] = 1
        run = order_flow(ck, "V10", "order for a CSR with the blocked key",
                         A, resp, [dns(name("3b"))], "http-01")
        if run.ok:
            r = attempt(lambda: A.post(run.order["finalize"], {
                "csr": rv_csr([name("3b")], k3)}))
            ck.expect("V10", "finalize with a key revoked for "
                      "keyCompromise", r, 400, "badCSR")
            r = attempt(lambda: by_key(k3, {"certificate": d3}))
            ck.expect("V5", "revoked twice (blocked key)", r, 400,
                      "alreadyRevoked")

    # -- certificate 4: parallel revocations, one wins
    cert4, k4 = rv_issue(ck, "V8", "certificate 4", A, resp, [name(4)])
    if cert4 is not None:
        d4 = b64u(rv_der(cert4))
        p = {"certificate": d4, "reason": 5}
        fns = [lambda: A.post(rurl, p), lambda: by_key(k4, p),
               lambda: A.post(rurl, p), lambda: by_key(k4, p)]
        res = [None] * len(fns)

        def w(i):
            res[i] = attempt(fns[i])
        ts = [threading.Thread(target=w, args=(i,)) for i in range(len(fns))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        st = sorted((x.status, x.ptype()) if not isinstance(x, Exception)
                    else (0, str(x)) for x in res)
        want = [(200, None)] + [(400, "alreadyRevoked")] * (len(fns) - 1)
        if st == want:
            ck.ok("V8", "%d parallel revocations" % len(fns),
                  "one 200, %d alreadyRevoked" % (len(fns) - 1))
            out["revoked"][rv_serial_hex(cert4)] = 5
        else:
            ck.bad("V8", "%d parallel revocations" % len(fns), repr(st))

    # -- certificates 5 and 6 stay valid for acmegwctl (cert revoke,
    #    renew-early)
    for n in (5, 6):
        cert, k = rv_issue(ck, "V", "certificate %d" % n, A, resp, [name(n)])
        if cert is not None:
            out["valid"][str(n)] = {
                "serial": rv_serial_hex(cert), "certid": rv_certid(cert),
                "not_before": int(cert.not_valid_before.replace(
                    tzinfo=__import__("datetime").timezone.utc)
                    .timestamp()),
                "not_after": int(cert.not_valid_after.replace(
                    tzinfo=__import__("datetime").timezone.utc)
                    .timestamp())}

    if audit.bad:
        ck.bad("N1", "Replay-Nonce on every POST answer", "; ".join(
            audit.bad[:5]))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(out, f)
    print("revoke: %d passed, %d failed" % (ck.passed, ck.failed))
    return 1 if ck.failed else 0


def cmd_ari(a):
    """GET renewalInfo/CERTID; prints start end (epoch seconds) and the
    Retry-After header, or fails."""
    import datetime
    c = Acme(a.dir)
    if "renewalInfo" not in c.dir:
        print("FAIL ari: no renewalInfo in the directory")
        return 1
    r = http("GET", c.u("renewalInfo").rstrip("/") + "/" + a.certid)
    j = r.json()
    if r.status != 200 or not isinstance(j, dict):
        print("FAIL ari: %s" % r.summary())
        return 1
    w = j.get("suggestedWindow") or {}

    def ts(s):
        return int(datetime.datetime.strptime(
            s.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S%z").timestamp())
    print("%d %d %s" % (ts(w["start"]), ts(w["end"]),
                        r.hdr("Retry-After") or "-"))
    return 0


def add_revoke_parsers(sp):
    p = sp.add_parser("revoke", help="the revokeCert cases (issue 4)")
    p.add_argument("dir")
    p.add_argument("--resp-dir", required=True)
    p.add_argument("--mgmt")
    p.add_argument("--out")
    p = sp.add_parser("ari", help="GET renewalInfo for a certID")
    p.add_argument("dir")
    p.add_argument("certid")


REVOKE_CMDS = {"revoke": cmd_revoke, "ari": cmd_ari}


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
    p = sp.add_parser("races")
    p.add_argument("dir")
    p.add_argument("--n", type=int, default=10)
    p.add_argument("--eab-dir")
    p.add_argument("--eab-kid")
    p.add_argument("--eab-hmac")
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
    add_order_parsers(sp)
    add_revoke_parsers(sp)
    a = ap.parse_args()
    VERBOSE = a.verbose
    if not a.ca:
        ap.error("--ca (or ACMETEST_CA) is required")
    CTX = ssl.create_default_context(cafile=a.ca)
    fn = {"badinput": cmd_badinput, "races": cmd_races, "nonce": cmd_nonce,
          "stale-nonce": cmd_stale_nonce, "newaccount": cmd_newaccount,
          "preregistered": cmd_preregistered,
          "account-get": cmd_account_get, "keychange": cmd_keychange,
          "register-many": cmd_register_many, "load": cmd_load,
          "verify": cmd_verify, **ORDER_CMDS,
          **REVOKE_CMDS}[a.cmd]
    try:
        return fn(a)
    except ConnError as e:
        print("FAIL %s: %s" % (a.cmd, e))
        return 1


if __name__ == "__main__":
    sys.exit(main())

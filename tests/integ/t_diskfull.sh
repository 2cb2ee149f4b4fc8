#!/bin/sh
# t_diskfull.sh: a full disk and an unwritable state directory
# (SECURITY.md F7, X8, B21; issue 5), through acmegw.fcgi behind lighttpd
# with real issuance (http-01 against the acmetest.py responders, names in
# .test resolved by pebble-challtestsrv).  Each server's state_dir is a
# tmpfs of its own, mounted inside $T and unmounted on exit whatever the
# outcome (lib.sh CLEANUP_HOOK).  Needs root (mount); CI runs it as root,
# where a failing mount fails the test; as another user it skips.
#  - "guard" (min_free_space = 24m on a 64 MiB tmpfs): accounts and a
#    certificate, then a ballast file leaves less than min_free_space:
#    newNonce, newAccount, newOrder and a POST-as-GET answer 503
#    serverInternal problem documents with Retry-After and a detail naming
#    min_free_space (X8), still carrying a Replay-Nonce (one can be
#    stored); the directory is still served; the refused account does not
#    exist afterwards; acmegw-worker logs a warning, and a line when the
#    space is back; the ballast removed, newAccount succeeds again within
#    30 s (F7).
#  - "full" (min_free_space = 0, no guard, a 32 MiB tmpfs): accounts and a
#    certificate, then the ballast leaves 128 KiB: issuances and then
#    registrations run until the disk is full (ENOSPC from Berkeley DB);
#    every failing answer is a 503 problem document saying the disk is
#    full, never a 2xx without its commit (F7); the ballast removed, the
#    service resumes within 30 s; every acknowledged account answers
#    (acmetest.py verify) and every acknowledged certificate is in the
#    store (acmegwctl cert show).
#  - both servers stopped, db5.3_verify passes on every database (F7).
#  - "guard" again with its tmpfs remounted read-only before lighttpd
#    starts: every request, the directory included, gets a 503 problem
#    document naming the state directory, the user and the fix (the
#    responders stay up instead of exiting in a loop); remounted
#    read-write, the service resumes by itself within 30 s, with the
#    accounts made before.
# Every wait is bounded.

. "$top_srcdir/tests/integ/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to mount a tmpfs for state_dir"
need_cmd pebble-challtestsrv mount umount mountpoint fallocate db5.3_verify
setup
[ -x "$VALIDATE_BIN" ] || fail "$VALIDATE_BIN is not built"

MOUNTS=

# umount_all: the CLEANUP_HOOK: every tmpfs of this test unmounted (its
# contents copied beside it first with KEEP=1); lazily as a last resort.
umount_all()
{
	for _m in $MOUNTS; do
		mountpoint -q "$_m" 2>/dev/null || continue
		[ "${KEEP:-0}" = 1 ] && cp -a "$_m" "$_m.kept" 2>/dev/null
		_i=0
		while ! umount "$_m" 2>/dev/null; do
			_i=$((_i + 1))
			if [ $_i -ge 20 ]; then
				echo "$TEST_NAME: umount $_m: busy; detaching it"
				umount -l "$_m"
				break
			fi
			sleep 0.25
		done
	done
}
CLEANUP_HOOK=umount_all

# mount_state NAME SIZE: a tmpfs of SIZE on $T/NAME/state, before
# start_issuer makes the server there.
mount_state()
{
	mkdir -p "$T/$1/state"
	mount -t tmpfs -o "size=$2,mode=0700" "acmegw-$TEST_NAME" \
	    "$T/$1/state" || fail "mount -t tmpfs on $T/$1/state"
	MOUNTS="$MOUNTS $T/$1/state"
}

# avail_kib DIR: KiB free in the file system of DIR.
avail_kib()
{
	"$PY" -c 'import os, sys
s = os.statvfs(sys.argv[1])
print(s.f_bavail * s.f_frsize // 1024)' "$1"
}

# ballast DIR LEAVE-KIB: fill the file system of DIR with DIR/ballast
# files until at most LEAVE-KIB are left (0: until ENOSPC).
ballast()
{
	_a=$(avail_kib "$1")
	_n=0
	if [ "$_a" -gt "$2" ]; then
		fallocate -l "$(( (_a - $2) * 1024 ))" "$1/ballast.$_n" ||
		    fail "fallocate $1/ballast.$_n"
		_n=$((_n + 1))
	fi
	if [ "$2" = 0 ]; then
		# what fallocate could not take, in small pieces
		while [ "$(avail_kib "$1")" -gt 0 ] && [ $_n -lt 100 ]; do
			dd if=/dev/zero of="$1/ballast.$_n" bs=4k \
			    count=256 2>/dev/null
			_n=$((_n + 1))
		done
	fi
	log "ballast in $1: $(avail_kib "$1") KiB left"
}

# state_pids DIR: the processes with a file under DIR open.
state_pids()
{
	for _d in /proc/[0-9]*; do
		_p=${_d#/proc/}
		[ "$_p" = "$$" ] && continue
		ls -l "$_d/fd" 2>/dev/null | grep -qF "$1/" && echo "$_p"
	done
}

# stop_srv NAME: lighttpd of server NAME stopped, then every process that
# still has its state directory open (the worker), within 10 s.
stop_srv()
{
	[ -f "$T/$1/lighttpd.pid" ] && stop_pid "$(cat "$T/$1/lighttpd.pid")"
	_i=0
	while :; do
		_l=$(state_pids "$T/$1/state")
		[ -z "$_l" ] && break
		[ $_i -ge 20 ] && fail "$1: processes $_l keep $T/$1/state open"
		for _p in $_l; do
			kill "$_p" 2>/dev/null
		done
		sleep 0.5
		_i=$((_i + 1))
	done
}

# wait_log FILE REGEX: 0 once a line of FILE matches (within 10 s; the
# worker checks the free space every 5 s), else 1.
wait_log()
{
	_i=0
	until grep -q -E "$2" "$1" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -lt 50 ] || return 1
		sleep 0.2
	done
	pass "X8 $(grep -E "$2" "$1" | tail -n 1 | cut -c 1-200)"
}

# The client side: acmetest.py's classes, driven by a few subcommands.
cat >"$T/df.py" <<'EOF'
import json, os, sys, time
sys.path.insert(0, os.environ["ACMETEST_DIR"])
import acmetest as at

at.CTX = at.ssl.create_default_context(cafile=os.environ["ACMETEST_CA"])
ck = at.Checker()
cmd, url = sys.argv[1], sys.argv[2]
args = sys.argv[3:]


def rec(out, r, key):
    with open(out, "a") as f:
        f.write(json.dumps({"status": r.status, "url": r.hdr("Location"),
                            "t": time.time(), "key": key.pem()}) + "\n")


def detail(r):
    j = r.json()
    return j.get("detail", "") if isinstance(j, dict) else ""


def refusal(rid, desc, r, words, nonce):
    """A 503 serverInternal problem document with Retry-After whose detail
    holds one of words; with or without a Replay-Nonce (nonce)."""
    errs = []
    if r.status != 503 or (r.body and r.ptype() != "serverInternal"):
        errs.append("want 503 serverInternal")
    ct = (r.hdr("Content-Type") or "").split(";")[0].strip()
    if r.status != 503 or (r.body and ct != "application/problem+json"):
        errs.append("Content-Type %r" % ct)
    if not r.hdr("Retry-After"):
        errs.append("no Retry-After")
    if r.body and not any(w in detail(r) for w in words):
        errs.append("detail does not say %s" % " or ".join(words))
    n = r.hdr("Replay-Nonce")
    if nonce is not None and bool(n) != nonce:
        errs.append("Replay-Nonce %r, want %s" % (n, "one" if nonce else
                                                  "none"))
    if errs:
        ck.bad(rid, desc, "%s: %s" % (r.summary(), "; ".join(errs)))
        return False
    ck.ok(rid, desc, r.summary())
    return True


class Quiet(at.Checker):
    """Steps expected to fail once the disk is full: logged, not failed,
    unless the answer was a 5xx other than 503."""

    def bad(self, rid, desc, msg):
        if at.re.search(r"got 5(?!03)\d\d", msg):
            ck.bad(rid, desc, msg)
        else:
            print("info  %-5s %s: %s" % (rid, desc, msg))


def issue(c, acct, names, out=None, chk=ck):
    resp = at.Responders(os.environ["RESP_DIR"], os.environ["CTS_MGMT"])
    leaf, _ = at.rv_issue(chk, "F7", "issue " + names[0], acct, resp, names)
    if leaf is not None and out:
        with open(out, "a") as f:
            f.write(at.rv_serial_hex(leaf) + "\n")
    return leaf


def new_acct(c, out):
    k = at.Key.generate("p256")
    r = c.new_account(k, tos=True)
    if r.status == 201:
        rec(out, r, k)
        return at.Acct(c, k, r.hdr("Location"), at.Audit()), r
    return None, r


if cmd == "setup":
    # setup URL ACCTS CERTS NAME: two accounts and one certificate
    c = at.Acme(url)
    acct = None
    for i in range(2):
        acct, r = new_acct(c, args[0])
        if acct is None:
            ck.bad("F7", "newAccount", r.summary())
    if acct is not None:
        issue(c, acct, [args[2]], args[1])
        with open(args[0] + ".first", "w") as f:
            f.write(json.dumps({"url": acct.kid, "key": acct.key.pem()}))

elif cmd == "guard":
    # guard URL ACCTS: every write refused below min_free_space (X8)
    c = at.Acme(url)
    words = ("below min_free_space",)
    r = at.http("GET", c.u("newNonce"))
    refusal("X8", "GET newNonce below min_free_space", r, words, True)
    r = at.http("HEAD", c.u("newNonce"))
    refusal("X8", "HEAD newNonce below min_free_space", r, words, True)
    n = r.hdr("Replay-Nonce")
    k = at.Key.generate("p256")
    body = at.jws(c.hdr(k, c.u("newAccount"), nonce=n or "x" * 32),
                  {"termsOfServiceAgreed": True}, k)
    r = c.post_raw(c.u("newAccount"), body)
    refusal("X8", "newAccount below min_free_space", r, words, True)
    with open(args[0] + ".refused", "w") as f:
        f.write(json.dumps({"key": k.pem()}))
    first = json.load(open(args[0] + ".first"))
    fk = at.Key(at.serialization.load_pem_private_key(
        first["key"].encode(), None))
    for what, u, p in (("newOrder", c.u("newOrder"),
                        {"identifiers": [at.dns("refused.test")]}),
                       ("POST-as-GET of the account", first["url"], "")):
        body = at.jws(c.hdr(fk, u, kid=first["url"],
                            nonce=r.hdr("Replay-Nonce") or "x" * 32), p, fk)
        r = c.post_raw(u, body)
        refusal("X8", what + " below min_free_space", r, words, True)
    r = at.http("GET", url)
    if r.status == 200:
        ck.ok("X8", "the directory is still served", r.summary())
    else:
        ck.bad("X8", "the directory is still served", r.summary())

elif cmd == "fill":
    # fill URL ACCTS CERTS NAME: issue, then register, until the disk is
    # full; every refusal a 503 saying so, never a 2xx without commit
    c = at.Acme(url)
    first = json.load(open(args[0] + ".first"))
    fk = at.Key(at.serialization.load_pem_private_key(
        first["key"].encode(), None))
    acct = at.Acct(c, fk, first["url"], at.Audit())
    words = ("disk is full",)
    t0 = time.monotonic()
    refused = other = acked = issued = 0
    for i in range(400):
        if time.monotonic() - t0 > 120 or refused >= 6:
            break
        if i % 4 == 3 and issue(c, acct, ["f%d.%s" % (i, args[2])],
                                args[1], Quiet()) is not None:
            issued += 1
        r = at.http("HEAD", c.u("newNonce"))
        n = r.hdr("Replay-Nonce")
        if r.status != 200 or not n:
            g = at.http("GET", c.u("newNonce"))
            if refusal("F7", "newNonce on a full disk", g, words, False):
                refused += 1
            else:
                other += 1
        k = at.Key.generate("p256")
        body = at.jws(c.hdr(k, c.u("newAccount"), nonce=n or "x" * 32),
                      {"termsOfServiceAgreed": True}, k)
        r = c.post_raw(c.u("newAccount"), body)
        if r.status == 201 and r.hdr("Location"):
            rec(args[0], r, k)
            acked += 1
        elif r.status == 400 and r.ptype() == "badNonce" and not n:
            pass        # our made-up nonce; a fresh one could be stored
        elif refusal("F7", "newAccount on a full disk", r, words, None):
            refused += 1
            if not r.hdr("Replay-Nonce") and \
                    "none can be stored" not in detail(r):
                ck.bad("F7", "an answer without a nonce says why",
                       detail(r))
        else:
            other += 1
    print("fill: %d accounts and %d certificates acknowledged, %d "
          "refusals, %d other answers" % (acked, issued, refused, other))
    if refused < 6:
        ck.bad("F7", "the disk got full", "only %d refusals" % refused)
    if other:
        ck.bad("F7", "every failure is a 503 saying the disk is full",
               "%d other answers" % other)

elif cmd == "resume":
    # resume URL ACCTS SECONDS: newAccount succeeds again within SECONDS
    t0 = time.monotonic()
    last = "no answer"
    while time.monotonic() - t0 < float(args[1]):
        try:
            c = at.Acme(url)
            acct, r = new_acct(c, args[0])
            if acct is not None:
                ck.ok("F7", "service resumed", "newAccount 201 after "
                      "%.1f s" % (time.monotonic() - t0))
                break
            last = r.summary()
        except at.ConnError as e:
            last = str(e)
        time.sleep(0.5)
    else:
        ck.bad("F7", "service resumed", "not within %s s: %s" % (args[1],
                                                                 last))

elif cmd == "gone":
    # gone URL ACCTS: the account refused in "guard" does not exist
    c = at.Acme(url)
    k = at.Key(at.serialization.load_pem_private_key(
        json.load(open(args[0] + ".refused"))["key"].encode(), None))
    r = c.new_account(k, tos=True, ore=True)
    if r.status == 400 and r.ptype() == "accountDoesNotExist":
        ck.ok("F7", "the refused account was not stored", r.summary())
    else:
        ck.bad("F7", "the refused account was not stored", r.summary())

elif cmd == "closed":
    # closed URL STATE: every request 503 naming the directory (open fails)
    words = ("cannot be opened", args[0], "user root", "Read-only")
    for what, r in (("GET directory", at.http("GET", url)),
                    ("POST newAccount", at.http(
                        "POST", url.rsplit("/", 1)[0] + "/new-account",
                        body=b"{}",
                        headers={"Content-Type": at.JOSE}))):
        d = detail(r)
        if refusal("F7", what + " with an unwritable state_dir", r,
                   words[:1], False) and not all(w in d for w in words):
            ck.bad("F7", what + ": the detail names the directory, the "
                   "user and the cause", d)

sys.exit(1 if ck.failed else 0)
EOF
export ACMETEST_DIR="$top_srcdir/tests/integ"
# every client run is bounded: a server that stops answering costs 120 s
df() { timeout 120 "$PY" "$T/df.py" "$@"; }

start_challtestsrv
start_responders "$T/resp"
export RESP_DIR CTS_MGMT
ISSUE_SETTINGS="validator_path = $VALIDATE_BIN
resolver = 127.0.0.1:$CTS_DNS
validate_http_port = $RESP_HTTP
validate_tls_port = $RESP_TLS
allow_private_targets = yes
validation_timeout = 5s"

rc=0

# ---- the guard: min_free_space (X8, B21)
mount_state guard 64m
start_issuer guard open "min_free_space = 24m" "$ISSUE_SETTINGS"
GUARD_URL=$SRV_URL GUARD_CONF=$SRV_CONF GUARD_DIR=$SRV_DIR
df setup "$GUARD_URL" "$T/guard.accts" "$T/guard.certs" guard.test ||
    fail "guard: accounts and a certificate before the ballast"
ballast "$GUARD_DIR/state" 8192
df guard "$GUARD_URL" "$T/guard.accts" || rc=1
wait_log "$GUARD_DIR/lighttpd.out" \
    "acmegw-worker.*below min_free_space 24576 KiB" ||
    { echo "FAIL X8 acmegw-worker logs no free-space warning"; rc=1; }
rm -f "$GUARD_DIR/state"/ballast.*
df resume "$GUARD_URL" "$T/guard.accts" 30 || rc=1
wait_log "$GUARD_DIR/lighttpd.out" "acmegw-worker.*KiB free again" ||
    { echo "FAIL X8 acmegw-worker does not log the space back"; rc=1; }
df gone "$GUARD_URL" "$T/guard.accts" || rc=1

# ---- a real ENOSPC, no guard (F7).  Before store_back_regions() this
# crashed about one run in two: Berkeley DB died with SIGBUS in
# __memp_alloc, touching a page of its memory-mapped cache region that the
# full file system could not back.
mount_state full 32m
start_issuer full open "min_free_space = 0" "$ISSUE_SETTINGS"
FULL_URL=$SRV_URL FULL_CONF=$SRV_CONF FULL_DIR=$SRV_DIR
df setup "$FULL_URL" "$T/full.accts" "$T/full.certs" full.test ||
    fail "full: accounts and a certificate before the ballast"
ballast "$FULL_DIR/state" 256
df fill "$FULL_URL" "$T/full.accts" "$T/full.certs" full.test || rc=1
ballast "$FULL_DIR/state" 0
df fill "$FULL_URL" "$T/full.accts" "$T/full.certs" full.test || rc=1
rm -f "$FULL_DIR/state"/ballast.*
log "ballast removed: $(avail_kib "$FULL_DIR/state") KiB free"
df resume "$FULL_URL" "$T/full.accts" 30 || rc=1

# every acknowledged account and certificate is there (F7)
for s in full guard; do
	eval "u=\$$(echo $s | tr a-z A-Z)_URL c=\$$(echo $s | tr a-z A-Z)_CONF"
	timeout 120 "$PY" "$ACMETEST" --ca "$T/ca/ca.pem" verify "$u" \
	    "$T/$s.accts" || rc=1
	n=0
	for serial in $(cat "$T/$s.certs" 2>/dev/null); do
		st=$(ctl_f "$c" cert show "$serial" 2>&1 | "$PY" -c \
		    'import json, sys; print(json.load(sys.stdin)["status"])' \
		    2>&1)
		if [ "$st" = valid ]; then
			n=$((n + 1))
		else
			echo "FAIL F7 $s: certificate $serial: $st"
			rc=1
		fi
	done
	[ $n -ge 1 ] || { echo "FAIL F7 $s: no certificate checked"; rc=1; }
	pass "F7 $s: $n acknowledged certificates are in the store"
done

# db5.3_verify on every database, servers stopped (F7)
stop_srv full
stop_srv guard
for s in full guard; do
	for f in "$T/$s/state"/*.db; do
		if db5.3_verify -h "$T/$s/state" "$(basename "$f")" \
		    >"$T/verify.out" 2>&1; then
			:
		else
			cat "$T/verify.out"
			echo "FAIL F7 $s: db5.3_verify $f"
			rc=1
		fi
	done
	pass "F7 $s: db5.3_verify passes on $(ls "$T/$s/state"/*.db | wc -l)" \
	    "databases"
done

# ---- an unwritable state directory: read-only, then read-write again
mount -o remount,ro "$GUARD_DIR/state" ||
    fail "mount -o remount,ro $GUARD_DIR/state"
lighttpd -D -f "$GUARD_DIR/lighttpd.conf" >>"$GUARD_DIR/lighttpd.out" 2>&1 &
echo $! >"$GUARD_DIR/lighttpd.pid"
i=0
until curl -s -o /dev/null --max-time 2 --cacert "$T/ca/ca.pem" \
    "$GUARD_URL"; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "guard: lighttpd did not come back"
	sleep 0.2
done
df closed "$GUARD_URL" "$GUARD_DIR/state" || rc=1
# the responders stayed up (no exit loop) and answer again
df closed "$GUARD_URL" "$GUARD_DIR/state" || rc=1
mount -o remount,rw "$GUARD_DIR/state" ||
    fail "mount -o remount,rw $GUARD_DIR/state"
df resume "$GUARD_URL" "$T/guard.accts" 30 || rc=1
timeout 120 "$PY" "$ACMETEST" --ca "$T/ca/ca.pem" verify "$GUARD_URL" \
    "$T/guard.accts" || rc=1

[ $rc -eq 0 ] || fail "some checks failed"
pass "$TEST_NAME"

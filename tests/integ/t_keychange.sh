#!/bin/sh
# t_keychange.sh: account key rollover (RFC 8555 7.3.5, SECURITY.md U4).
# The project's test client rolls a key (and tries the bad rollovers of U4);
# uacme, the one packaged client that does keyChange, rolls its key too.
# After each roll the new key works and the old key is refused.
#
# uacme has no option to trust a CA: it runs in a private mount namespace
# where the system CA bundle plus the test CA is bind-mounted over
# /etc/ssl/certs/ca-certificates.crt (CLIENTS.md).

. "$top_srcdir/tests/integ/lib.sh"
setup
start_server open open

atest keychange "$SRV_URL" || fail "acmetest.py keychange"
pass "keyChange with the test client"

SYSCA=/etc/ssl/certs/ca-certificates.crt
if ! command -v uacme >/dev/null 2>&1; then
	log "uacme is not installed: uacme part skipped"
	exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1 ||
    [ ! -f "$SYSCA" ] || ! unshare -m true 2>/dev/null; then
	log "cannot run uacme in a private mount namespace (needs root," \
	    "unshare and $SYSCA): uacme part skipped"
	exit 0
fi
cat "$SYSCA" "$T/ca/ca.pem" >"$T/bundle.crt"
U="$T/uacme"
mkdir -p "$U"

# uac ARGS...: uacme trusting the test CA, output in $U.out
uac()
{
	unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && exec uacme "$@"' \
	    uac "$T/bundle.crt" "$SYSCA" -v -c "$U" -a "$SRV_URL" -y "$@" \
	    >"$U.out" 2>&1
	_rc=$?
	sed 's/^/  uacme: /' "$U.out"
	return $_rc
}

uac new u1@example.test || fail "uacme new"
[ -f "$U/private/key.pem" ] || fail "uacme made no account key"
cp "$U/private/key.pem" "$T/uacme-old.pem"
id=$(atest preregistered "$SRV_URL" "$T/uacme-old.pem") ||
    fail "uacme's account not found by its key: $id"
url="$SRV_BASE/acct/$id"
pass "uacme new: account $id"

uac newkey || fail "uacme newkey"
cmp -s "$U/private/key.pem" "$T/uacme-old.pem" &&
    fail "uacme newkey left the account key unchanged"
atest account-get "$SRV_URL" "$U/private/key.pem" "$url" >/dev/null ||
    fail "the key uacme rolled to does not work"
id2=$(atest preregistered "$SRV_URL" "$U/private/key.pem") ||
    fail "onlyReturnExisting with the new key: $id2"
[ "$id2" = "$id" ] || fail "the new key finds account $id2, want $id"
pass "uacme newkey: the new key works on account $id"
atest account-get "$SRV_URL" "$T/uacme-old.pem" "$url" \
    --expect "400:malformed,403:unauthorized,400:accountDoesNotExist" ||
    fail "the old key is still accepted after uacme newkey"
atest account-get "$SRV_URL" "$T/uacme-old.pem" "$url" \
    --expect "400:malformed" >/dev/null 2>&1 ||
    log "note: the old key is refused with another answer than 400 malformed"
pass "uacme newkey: the old key is refused"

uac update u2@example.test || fail "uacme update after newkey"
c=$(ctl account show "$id" | "$PY" -c 'import json, sys
print(json.load(sys.stdin)["contact"])')
[ "$c" = "['mailto:u2@example.test']" ] ||
    fail "contact after uacme update: $c"
pass "uacme update with the new key: contact u2@example.test"
uac deactivate || fail "uacme deactivate"
c=$(ctl account show "$id" | "$PY" -c 'import json, sys
print(json.load(sys.stdin)["status"])')
[ "$c" = deactivated ] || fail "status after uacme deactivate: $c"
pass "uacme deactivate: status deactivated"

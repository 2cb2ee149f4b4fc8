#!/bin/sh
# t_certbot.sh: certbot registers, updates its e-mail and deactivates its
# account; acmegwctl sees each change; the deactivated account is refused
# afterwards (403 unauthorized, SECURITY.md A9).

. "$top_srcdir/tests/integ/lib.sh"
need_cmd certbot
setup
start_server open open

CB="$T/certbot"
cb()
{
	REQUESTS_CA_BUNDLE="$T/ca/ca.pem" certbot --config-dir "$CB/etc" \
	    --work-dir "$CB/work" --logs-dir "$CB/logs" --server "$SRV_URL" \
	    --non-interactive "$@" >"$CB.out" 2>&1
	_rc=$?
	sed 's/^/  certbot: /' "$CB.out"
	return $_rc
}

# show_field ID EXPR: a Python expression over the record "r" of
# acmegwctl account show ID.
show_field()
{
	ctl account show "$1" | "$PY" -c 'import json, sys
r = json.load(sys.stdin)
print('"$2"')'
}

cb register -m a@example.test --agree-tos --no-eff-email ||
    fail "certbot register"
regr=$(find "$CB/etc/accounts" -name regr.json | head -n 1)
[ -n "$regr" ] || fail "certbot saved no account (regr.json)"
adir=$(dirname "$regr")
uri=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["uri"])' \
    "$regr") || fail "no uri in $regr"
id=${uri##*/}
case "$uri" in
"$SRV_BASE/acct/$id") ;;
*) fail "certbot's account URL $uri is not under $SRV_BASE/acct/" ;;
esac
cp "$adir/private_key.json" "$T/certbot-key.json"
pass "certbot register: account $id"

c=$(show_field "$id" 'r["contact"], r["status"], r.get("tos")') ||
    fail "acmegwctl account show $id"
[ "$c" = "['mailto:a@example.test'] valid True" ] ||
    fail "account after register: contact, status, tos = $c"
pass "acmegwctl account show: contact a@example.test, valid, tos agreed"

cb update_account -m b@example.test || fail "certbot update_account"
c=$(show_field "$id" 'r["contact"], r["status"]') ||
    fail "acmegwctl account show $id"
[ "$c" = "['mailto:b@example.test'] valid" ] ||
    fail "account after update_account: contact, status = $c"
pass "certbot update_account: contact is now b@example.test"

cb unregister || fail "certbot unregister"
c=$(show_field "$id" 'r["status"]') || fail "acmegwctl account show $id"
[ "$c" = deactivated ] || fail "account after unregister: status $c"
pass "certbot unregister: status deactivated"

atest account-get "$SRV_URL" "$T/certbot-key.json" "$uri" \
    --expect 403:unauthorized ||
    fail "a request by the deactivated account was not refused"
pass "A9: the deactivated account is refused (403 unauthorized)"

cb register -m c@example.test --agree-tos --no-eff-email ||
    fail "certbot register after unregister"
pass "certbot registers a new account after the old one is gone"

#!/bin/sh
# t_orders.sh: orders, authorizations and challenges through acmegw.fcgi
# behind lighttpd, validated for real by acmegw-worker running
# acmegw-validate against responders on loopback:
#  - pebble-challtestsrv: DNS for the .test zone (A -> 127.0.0.1, TXT set
#    by the client through its management API), nothing else;
#  - acmetest.py responders: http-01 (files the client writes) and
#    tls-alpn-01 (a certificate per SNI, made by the client: SAN = the
#    identifier, critical id-pe-acmeIdentifier = SHA-256(key authz)).
# Server "main" (enrollment open) validates against them; there
# acmetest.py orders: one name by each challenge type, three names, a
# wildcard, the IP 127.0.0.1 by http-01 and by tls-alpn-01 (reverse-DNS
# SNI), each to "ready"; wrong answers (http body, no TXT, tls
# certificate) to "invalid" with the error in the challenge; every
# identifier refusal; notBefore/notAfter; authz reuse (same account: same
# authz, another account: a new one); objects of another account (403);
# finalize before ready (403 orderNotReady); GET (405); deactivation;
# Replay-Nonce on every POST answer and Retry-After on pending orders.
# Server "eab" (enrollment eab, allowed_domains test, forbidden_domains
# forbidden.test, challenge_types http-01 dns-01, pre_authorization yes):
# an EAB key made with `acmegwctl eab add --domains ok.test` limits its
# account to names under ok.test; the global lists; newAuthz.
# Every server is stopped on exit (lib.sh trap); every wait is bounded.
# ORDERS_GROUPS=ready,wrong,refuse,reuse,eab runs only those groups.

. "$top_srcdir/tests/integ/lib.sh"
need_cmd pebble-challtestsrv
setup
[ -x "$VALIDATE_BIN" ] || fail "$VALIDATE_BIN is not built"

start_challtestsrv
start_responders "$T/resp"

start_server main open \
    "validator_path = $VALIDATE_BIN" \
    "resolver = 127.0.0.1:$CTS_DNS" \
    "validate_http_port = $RESP_HTTP" \
    "validate_tls_port = $RESP_TLS" \
    "allow_private_targets = yes" \
    "validation_timeout = 5s"
DIR1=$SRV_URL CONF1=$SRV_CONF OUT1="$SRV_DIR/lighttpd.out"
start_server eab eab \
    "validator_path = $VALIDATE_BIN" \
    "resolver = 127.0.0.1:$CTS_DNS" \
    "validate_http_port = $RESP_HTTP" \
    "validate_tls_port = $RESP_TLS" \
    "allow_private_targets = yes" \
    "validation_timeout = 5s" \
    "allowed_domains = test" \
    "forbidden_domains = forbidden.test" \
    "challenge_types = http-01 dns-01" \
    "pre_authorization = yes"
DIR2=$SRV_URL CONF2=$SRV_CONF

rc=0

# eab_key ARGS...: acmegwctl eab add ARGS on the eab server; sets kid and
# hmac_key, or returns 1.
eab_key()
{
	kid= hmac_key=
	_o=$(ctl_f "$CONF2" eab add "$@" 2>&1) || {
		echo "FAIL E10 acmegwctl eab add $*: exit status $?: $_o"
		return 1
	}
	eval "$(printf '%s\n' "$_o" |
	    grep -E '^(kid|hmac_key)=[A-Za-z0-9._-]+$')"
	if [ -z "$kid" ] || [ -z "$hmac_key" ]; then
		echo "FAIL E10 acmegwctl eab add $*: no kid/hmac_key in: $_o"
		return 1
	fi
	return 0
}

eabargs=
if eab_key --domains ok.test --comment "t_orders ok.test"; then
	K1=$kid H1=$hmac_key
	pass "E10 acmegwctl eab add --domains ok.test: $K1"
	if eab_key --comment "t_orders free"; then
		# "=": a kid may start with "-"
		eabargs="--eab-dir=$DIR2 --eab-kid-ok=$K1 --eab-hmac-ok=$H1"
		eabargs="$eabargs --eab-kid=$kid --eab-hmac=$hmac_key"
	else
		rc=1
	fi
else
	rc=1
fi

# P8: a non-default resolver and validation ports are logged at start-up
# (by the responder or the worker, in the server's stderr).
sleep 1
for v in "127.0.0.1:$CTS_DNS" "$RESP_HTTP" "$RESP_TLS"; do
	if grep -q -F -- "$v" "$OUT1"; then
		pass "P8 non-default setting $v logged at start-up"
	else
		echo "FAIL P8 non-default setting $v not logged at start-up" \
		    "(not in $OUT1)"
		rc=1
	fi
done

groups=
[ -n "${ORDERS_GROUPS:-}" ] && groups="--groups=$ORDERS_GROUPS"
# shellcheck disable=SC2086
timeout 600 "$PY" "$ACMETEST" --ca "$T/ca/ca.pem" orders "$DIR1" \
    --resp-dir "$RESP_DIR" --mgmt "$CTS_MGMT" $eabargs $groups || {
	echo "FAIL acmetest.py orders: exit status $?"
	rc=1
}

if [ $rc -ne 0 ]; then
	echo "----- tail of the responders' log"
	tail -n 40 "$RESP_DIR/responders.log" 2>/dev/null
	echo "----- $CONF1"
	cat "$CONF1"
fi
exit $rc

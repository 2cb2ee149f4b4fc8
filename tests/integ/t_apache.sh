#!/bin/sh
# t_apache.sh: acmegw behind a real Apache 2.4 with mod_fcgid (lib.sh
# APACHE=1: a private ServerRoot started by the test with -DFOREGROUND,
# TLS on a free 127.0.0.1 port, four acmegw.fcgi processes, the ACME
# prefix mapped by ScriptAlias with PATH_INFO intact, the settings of
# etc/apache-acmegw.conf).  When run as root, Apache's children and so
# acmegw run as www-data (APACHE_USER), which then owns the state and CA
# directories, and acmegwctl runs as that user too (lib.sh as_srv).
#  - the directory's URLs and certbot's account URL lie under base_url
#    (the JWS "url" of every request matched base_url + PATH_INFO);
#  - certbot: register, http-01 (--standalone on validate_http_port),
#    renew --force-renewal, revoke (keyCompromise), the CRL served by
#    Apache as a static file;
#  - lego: http-01, tls-alpn-01 (validate_tls_port), revoke of both;
#  - the bad-input table and the races of acmetest.py (as t_badinput.sh,
#    two more Apache servers: "open" and "eab"), and no account left by a
#    rejected request.
# Every certificate is verified with certtool --verify against the root
# (lib.sh check_cert).  Apache, the responders and the processes they
# started are stopped on exit (lib.sh trap).  Takes about two minutes.
#
# Needs acmegw to send no "Location" header with a 200 answer: mod_fcgid
# (fcgid_bridge.c handle_request) turns every 200 + absolute Location into
# "302 Found" and drops the body (finalize, existing-account newAccount).

APACHE=1
. "$top_srcdir/tests/integ/lib.sh"
need_cmd pebble-challtestsrv certtool certbot lego
setup
[ -x "$VALIDATE_BIN" ] || fail "$VALIDATE_BIN is not built"

start_challtestsrv
HP=$(free_port) && TP=$(free_port) || fail "no free port"
start_issuer main open \
    "validator_path = $VALIDATE_BIN" \
    "resolver = 127.0.0.1:$CTS_DNS" \
    "validate_http_port = $HP" \
    "validate_tls_port = $TP" \
    "allow_private_targets = yes" \
    "validation_timeout = 5s"
MAIN_URL=$SRV_URL MAIN_CONF=$SRV_CONF
log "validation on http port $HP, tls port $TP"

CTO=${CLIENT_TIMEOUT:-120}
rc=0
bad() { rc=1; echo "FAIL $*"; }

# ---------------------------------------------------------- Apache itself
ct=$(curl -s -o "$T/dir.json" -w '%{content_type}' --noproxy '*' \
    --max-time 5 --cacert "$T/ca/ca.pem" "$SRV_URL")
case "$ct" in
application/json*) ;;
*) fail "GET $SRV_URL through Apache: Content-Type '$ct'" ;;
esac
"$PY" - "$T/dir.json" "$SRV_BASE" <<-'EOF' || fail "the directory's URLs"
import json, sys
d, base = json.load(open(sys.argv[1])), sys.argv[2]
want = {"newNonce": "/new-nonce", "newAccount": "/new-account",
        "newOrder": "/new-order", "revokeCert": "/revoke-cert",
        "keyChange": "/key-change"}
for k, p in want.items():
    if d.get(k) != base + p:
        sys.exit("%s is %r, want %r" % (k, d.get(k), base + p))
EOF
pass "Apache/mod_fcgid: the directory is JSON with every URL under $SRV_BASE"
code=$(curl -s -o /dev/null -w '%{http_code}' --noproxy '*' --max-time 5 \
    --cacert "$T/ca/ca.pem" -I "$SRV_BASE/new-nonce")
[ "$code" = 200 ] || fail "HEAD $SRV_BASE/new-nonce: $code, want 200"
pass "HEAD new-nonce through Apache: 200"

# ----------------------------------------------------------------- certbot
CB="$T/certbot"
cb()
{
	_step=$1
	shift
	log "certbot $_step: certbot $*"
	REQUESTS_CA_BUNDLE="$T/ca/ca.pem" timeout "$CTO" certbot \
	    --config-dir "$CB/etc" --work-dir "$CB/work" \
	    --logs-dir "$CB/logs" --server "$SRV_URL" --non-interactive \
	    "$@" >"$CB.$_step.out" 2>&1
	_rc=$?
	sed 's/^/  certbot: /' "$CB.$_step.out"
	[ $_rc -eq 0 ] || {
		_l=$(ls -t "$CB/logs"/letsencrypt.log* 2>/dev/null | head -n 1)
		[ -n "$_l" ] && grep -E \
		    'urn:ietf:params:acme:error|"detail"|Error|HTTP/1.1" [45]' \
		    "$_l" | tail -n 15 | sed 's/^/  certbot.log: /'
	}
	return $_rc
}

certbot_steps()
{
	if cb register register -m cb@example.test --agree-tos \
	    --no-eff-email; then
		regr=$(find "$CB/etc/accounts" -name regr.json | head -n 1)
		uri=$("$PY" -c 'import json, sys
print(json.load(open(sys.argv[1]))["uri"])' "$regr" 2>/dev/null)
		case "$uri" in
		"$SRV_BASE/acct/"?*)
			pass "certbot register: account $uri (PATH_INFO kept)" ;;
		*)
			bad "certbot's account URL '$uri' is not under" \
			    "$SRV_BASE/acct/"
			return ;;
		esac
	else
		bad "certbot register: exit status $?"
		return
	fi
	if cb http certonly --standalone --http-01-port "$HP" \
	    --http-01-address 127.0.0.1 --cert-name cbhttp \
	    -d cb-http.test -d www.cb-http.test; then
		check_cert "certbot http-01" \
		    "$CB/etc/live/cbhttp/fullchain.pem" \
		    cb-http.test www.cb-http.test || rc=1
		S1=$SERIAL
	else
		bad "certbot certonly --standalone (http-01): exit status $?"
		return
	fi
	if cb renew renew --force-renewal --no-random-sleep-on-renew \
	    --http-01-port "$HP" --http-01-address 127.0.0.1; then
		if check_cert "certbot renew --force-renewal" \
		    "$CB/etc/archive/cbhttp/fullchain2.pem" \
		    cb-http.test www.cb-http.test; then
			[ "$SERIAL" != "$S1" ] ||
			    bad "certbot renewal: the same serial $SERIAL"
			S2=$SERIAL
		else
			rc=1
		fi
	else
		bad "certbot renew --force-renewal: exit status $?"
	fi
	if [ -n "${S2:-}" ]; then
		if cb revoke revoke --cert-path \
		    "$CB/etc/archive/cbhttp/cert2.pem" --reason keycompromise \
		    --no-delete-after-revoke; then
			check_revoked "certbot revoke (keyCompromise)" "$S2" 1 ||
			    rc=1
		else
			bad "certbot revoke: exit status $?"
		fi
	fi
}

# -------------------------------------------------------------------- lego
LG="$T/lego"
lg()
{
	_step=$1
	shift
	log "lego $_step: lego $*"
	LEGO_CA_CERTIFICATES="$T/ca/ca.pem" \
	    timeout "$CTO" lego --server "$SRV_URL" --path "$LG" \
	    --email lego@example.test --accept-tos "$@" \
	    >"$LG.$_step.out" 2>&1
	_rc=$?
	sed 's/^/  lego: /' "$LG.$_step.out"
	return $_rc
}

lego_steps()
{
	C="$LG/certificates"
	if lg http --http --http.port "127.0.0.1:$HP" -d lg-http.test run; then
		check_cert "lego http-01" "$C/lg-http.test.crt" lg-http.test &&
		    L_HTTP=$SERIAL || rc=1
	else
		bad "lego --http run: exit status $?"
	fi
	if lg tls --tls --tls.port "127.0.0.1:$TP" -d lg-tls.test \
	    -d www.lg-tls.test run; then
		check_cert "lego tls-alpn-01" "$C/lg-tls.test.crt" \
		    lg-tls.test www.lg-tls.test && L_TLS=$SERIAL || rc=1
	else
		bad "lego --tls run: exit status $?"
	fi
	if [ -n "${L_HTTP:-}" ]; then
		if lg revoke1 -d lg-http.test revoke --reason 1; then
			check_revoked "lego revoke --reason 1 (http-01)" \
			    "$L_HTTP" 1 || rc=1
		else
			bad "lego revoke (http-01): exit status $?"
		fi
	fi
	if [ -n "${L_TLS:-}" ]; then
		if lg revoke2 -d lg-tls.test revoke; then
			check_revoked "lego revoke (tls-alpn-01, reason 0)" \
			    "$L_TLS" 0 || rc=1
		else
			bad "lego revoke (tls-alpn-01): exit status $?"
		fi
	fi
}

certbot_steps
lego_steps
[ $rc -eq 0 ] || { echo "----- $CONF"; cat "$CONF"; }

# --------------------------------------------- the bad-input table (2.0-2.5)
start_server open open "max_body_size = 16k"
DIR1=$SRV_URL CONF1=$SRV_CONF
start_server eab eab "terms_of_service = https://127.0.0.1/tos.html" \
    "nonce_lifetime = 60"
DIR2=$SRV_URL CONF2=$SRV_CONF

eab_key()
{
	_out=$(ctl_f "$CONF2" eab add --comment "$1") ||
	    fail "acmegwctl eab add: exit $?"
	kid= hmac_key=
	eval "$(printf '%s\n' "$_out" |
	    grep -E '^(kid|hmac_key)=[A-Za-z0-9._-]+$')"
	[ -n "$kid" ] && [ -n "$hmac_key" ] ||
	    fail "acmegwctl eab add printed no kid/hmac_key: $_out"
}
eab_key t_apache
timeout 300 "$PY" "$ACMETEST" --ca "$T/ca/ca.pem" badinput "$DIR1" \
    --eab-dir "$DIR2" --eab-kid="$kid" --eab-hmac="$hmac_key" \
    --stale-dir "$DIR2" || bad "acmetest.py badinput through Apache"
K1=$kid
eab_key "t_apache race"
timeout 120 "$PY" "$ACMETEST" --ca "$T/ca/ca.pem" races "$DIR1" \
    --eab-dir "$DIR2" --eab-kid="$kid" --eab-hmac="$hmac_key" ||
    bad "acmetest.py races through Apache"
n1=$(ctl_f "$CONF1" account list | grep -c .)
n2=$(ctl_f "$CONF2" account list | grep -c .)
if [ "$n1" = 8 ] && [ "$n2" = 2 ]; then
	pass "no state change on errors: 8 and 2 accounts (no orphan account)"
else
	bad "$n1 accounts on the open server (want 8), $n2 on the eab" \
	    "server (want 2)"
fi
ctl_f "$CONF2" eab list | grep -q "^$K1	[^	]*	bound " ||
    bad "E8: acmegwctl eab list does not show $K1 bound"
exit $rc

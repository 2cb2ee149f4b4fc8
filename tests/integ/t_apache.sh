#!/bin/sh
# t_apache.sh: acmegw behind a real Apache 2.4 with mod_fcgid (lib.sh
# APACHE=1: a private ServerRoot started by the test with -DFOREGROUND,
# TLS on a free 127.0.0.1 port, four acmegw.fcgi processes, the ACME
# prefix mapped by ScriptAlias with PATH_INFO intact, the settings of
# etc/apache-acmegw.conf).  When run as root, Apache's children and so
# acmegw run as www-data (APACHE_USER), which then owns the state
# directory, and acmegwctl runs as that user too (lib.sh as_srv).
#  - the directory is JSON and its URLs lie under base_url (the JWS "url"
#    of every request must match base_url + PATH_INFO); HEAD new-nonce
#    answers 200;
#  - the bad-input table and the races of acmetest.py (as t_badinput.sh,
#    two Apache servers: "open" and "eab"), and no account left by a
#    rejected request.
# ACME clients through Apache (certbot, lego, uacme, dehydrated,
# acme-tiny: issuance with every challenge type, EAB, renewal,
# revocation) are the client matrix, t_matrix_apache.sh.  Apache and the
# processes it started are stopped on exit (lib.sh trap).
#
# Needs acmegw to send no "Location" header with a 200 answer: mod_fcgid
# (fcgid_bridge.c handle_request) turns every 200 + absolute Location into
# "302 Found" and drops the body (finalize, existing-account newAccount).

APACHE=1
. "$top_srcdir/tests/integ/lib.sh"
setup

rc=0
bad() { rc=1; echo "FAIL $*"; }

start_server open open "max_body_size = 16k"
DIR1=$SRV_URL CONF1=$SRV_CONF

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

# --------------------------------------------- the bad-input table (2.0-2.5)
start_server eab eab "terms_of_service = https://127.0.0.1/tos.html" \
    "nonce_lifetime = 60"
DIR2=$SRV_URL CONF2=$SRV_CONF

eab_key() { eab_new "$CONF2" "$1"; }
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

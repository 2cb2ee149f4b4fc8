#!/bin/sh
# t_revoke.sh: revocation (RFC 8555 7.6), the CRL, acmegwctl cert/crl/
# renew-early, through acmegw.fcgi behind lighttpd with a CA made by
# `acmegwctl init --ca` (lib.sh start_issuer) and real issuance (http-01
# validated by acmegw-validate against the acmetest.py responders, names
# in .test resolved by pebble-challtestsrv).
#  - acmetest.py revoke: certificates issued through the whole stack, then
#    revokeCert by the issuing account (200, empty body), by another
#    account (V2: 403), by an account holding authzs for one of two names
#    (403) and for all names (200), by the certificate key (jwk, V3) for
#    keyCompromise, after which a CSR with that key is refused (V10:
#    badCSR); a jwk that is not the certificate key (V3), kid signed by
#    the certificate key and jwk+kid (V4); twice (V5: alreadyRevoked);
#    every bad reason (V6: badRevocationReason listing 0, 1, 3, 4 and 5);
#    a forged certificate reusing our serial and non-certificate DER (V1);
#    four revocations of one certificate in parallel (V8: one 200).
#  - every revoked serial is "revoked" with its reason in acmegwctl cert
#    show and in the CRL at crl_file, signed by the issuing CA
#    (lib.sh check_revoked) and listed by certtool --crl-info;
#    acmegwctl crl writes a CRL with a higher number;
#  - acmegwctl cert list / show / revoke (+ --reason, twice, unknown
#    serial, refused reasons), renew-early --serial moves the ARI window
#    to now (GET renewalInfo), --issued-before, usage errors.
# Every server is stopped on exit (lib.sh trap); every wait is bounded.

. "$top_srcdir/tests/integ/lib.sh"
need_cmd pebble-challtestsrv certtool
setup
[ -x "$VALIDATE_BIN" ] || fail "$VALIDATE_BIN is not built"

start_challtestsrv
start_responders "$T/resp"
start_issuer main open \
    "validator_path = $VALIDATE_BIN" \
    "resolver = 127.0.0.1:$CTS_DNS" \
    "validate_http_port = $RESP_HTTP" \
    "validate_tls_port = $RESP_TLS" \
    "allow_private_targets = yes" \
    "validation_timeout = 5s"

rc=0
OUT="$T/revoke.json"

timeout 600 "$PY" "$ACMETEST" --ca "$T/ca/ca.pem" revoke "$SRV_URL" \
    --resp-dir "$RESP_DIR" --mgmt "$CTS_MGMT" --out "$OUT" || {
	echo "FAIL acmetest.py revoke: exit status $?"
	rc=1
}
[ -s "$OUT" ] || fail "acmetest.py revoke wrote no results to $OUT"

# jq-less access to the results: rv_get EXPR (Python, over "o")
rv_get()
{
	"$PY" -c 'import json, sys
o = json.load(open(sys.argv[1]))
r = '"$1"'
print(r if not isinstance(r, list) else "\n".join(map(str, r)))' "$OUT"
}

# normhex HEX: lowercase, colons and leading zero bytes dropped
normhex()
{
	printf '%s\n' "$1" | tr 'A-F' 'a-f' | tr -d ':' | sed 's/^\(00\)*//'
}

# -- every revoked certificate: acmegwctl and the CRL agree (V, CRL)
revoked=$(rv_get '["%s %s" % kv for kv in sorted(o["revoked"].items())]')
nrev=0
for _l in $(printf '%s\n' "$revoked" | tr ' ' ':'); do
	s=${_l%:*} reason=${_l#*:}
	check_revoked "V revoked by ACME, reason $reason" "$s" "$reason" ||
	    rc=1
	nrev=$((nrev + 1))
done
[ $nrev -ge 4 ] || { echo "FAIL only $nrev certificates were revoked"; rc=1; }

crl_serials()
{
	certtool --crl-info --infile "$CRL_FILE" 2>/dev/null |
	    sed -n 's/.*Serial Number (hex): *//p' |
	    while read -r _x; do normhex "$_x"; done
}
crl_number()
{
	certtool --crl-info --infile "$CRL_FILE" 2>/dev/null |
	    sed -n 's/.*CRL Number[^:]*: *//p' | tr -d ': '
}

listed=$(crl_serials)
for _l in $(printf '%s\n' "$revoked" | tr ' ' ':'); do
	s=${_l%:*}
	if printf '%s\n' "$listed" | grep -qx "$(normhex "$s")"; then
		pass "CRL certtool --crl-info lists $s"
	else
		echo "FAIL CRL certtool --crl-info does not list $s: $listed"
		rc=1
	fi
done

# -- acmegwctl crl: a new CRL with a higher number
n1=$(crl_number)
if o=$(ctl crl 2>&1) && n2=$(crl_number) &&
    [ -n "$n1" ] && [ -n "$n2" ] &&
    [ "$(printf '%d' "0x$n2")" -gt "$(printf '%d' "0x$n1")" ]; then
	pass "CRL acmegwctl crl: $o (number 0x$n1 -> 0x$n2)"
else
	echo "FAIL CRL acmegwctl crl: $o (number before '$n1', after '${n2:-}')"
	rc=1
fi
if [ "$(crl_serials | wc -l)" -eq "$nrev" ]; then
	pass "CRL lists exactly the $nrev revoked certificates"
else
	echo "FAIL CRL lists $(crl_serials | wc -l) certificates, want $nrev"
	rc=1
fi

# -- acmegwctl cert list / show
S5=$(rv_get 'o["valid"]["5"]["serial"]') S6=$(rv_get 'o["valid"]["6"]["serial"]')
C6=$(rv_get 'o["valid"]["6"]["certid"]')
list=$(ctl cert list 2>&1) || { echo "FAIL ctl cert list: $list"; rc=1; }
for _l in $(printf '%s\n' "$revoked" | tr ' ' ':'); do
	s=${_l%:*}
	if printf '%s\n' "$list" | awk -F '\t' -v s="$s" \
	    '$1 == s && $2 == "revoked" { f = 1 } END { exit !f }'; then
		pass "ctl cert list shows $s revoked"
	else
		echo "FAIL ctl cert list does not show $s revoked: $list"
		rc=1
	fi
done
if printf '%s\n' "$list" | awk -F '\t' -v s="$S5" \
    '$1 == s && $2 == "valid" && $4 ~ /^rv5-/ && $5 ~ /Z$/ { f = 1 }
    END { exit !f }'; then
	pass "ctl cert list shows $S5 valid with its name and notAfter"
else
	echo "FAIL ctl cert list: no valid line for $S5: $list"
	rc=1
fi
if [ "$(cert_field "$S5" 'r["status"], r["url"].endswith("/cert/'"$S5"'")')" = \
    "valid True" ]; then
	pass "ctl cert show $S5: valid, with its URL"
else
	echo "FAIL ctl cert show $S5: $(ctl cert show "$S5" 2>&1 | head -5)"
	rc=1
fi
# the serial in upper case with colons is the same serial
_colon=$(printf '%s\n' "$S5" | tr 'a-f' 'A-F' | sed 's/../&:/g; s/:$//')
if ctl cert show "$_colon" >/dev/null 2>&1; then
	pass "ctl cert show accepts $_colon"
else
	echo "FAIL ctl cert show $_colon"
	rc=1
fi

# expect_exit WANT WHAT ARGS...: acmegwctl ARGS exits with WANT
expect_exit()
{
	_want=$1 _what=$2
	shift 2
	_o=$(ctl "$@" 2>&1)
	_rc=$?
	if [ $_rc -eq "$_want" ]; then
		pass "$_what: exit $_rc ($(printf '%s' "$_o" | head -1))"
	else
		echo "FAIL $_what: exit $_rc, want $_want: $_o"
		rc=1
	fi
}

expect_exit 3 "ctl cert show of an unknown serial" cert show 0badc0ffee
expect_exit 2 "ctl cert show of a malformed serial" cert show xyz
expect_exit 2 "ctl cert show without a serial" cert show
expect_exit 2 "ctl cert revoke --reason 6 (certificateHold)" \
    cert revoke "$S5" --reason 6
expect_exit 2 "ctl cert revoke --reason 2" cert revoke "$S5" --reason 2
expect_exit 2 "ctl cert revoke --reason x" cert revoke "$S5" --reason x
expect_exit 2 "ctl cert revoke --reason -1" cert revoke "$S5" --reason=-1
expect_exit 3 "ctl cert revoke of an unknown serial" cert revoke 0badc0ffee

# -- acmegwctl renew-early: the ARI window moves to now
ari()
{
	"$PY" "$ACMETEST" --ca "$T/ca/ca.pem" ari "$SRV_URL" -- "$1"
}
now=$(date +%s)
if w=$(ari "$C6"); then
	# shellcheck disable=SC2086 # split "start end retry-after"
	set -- $w
	if [ "$1" -gt $((now + 3600)) ] && [ "$2" -gt "$1" ]; then
		pass "ARI window of a fresh certificate starts later: $w"
	else
		echo "FAIL ARI window of a fresh certificate: $w (now $now)"
		rc=1
	fi
else
	echo "FAIL ARI before renew-early: $w"
	rc=1
fi
if o=$(ctl renew-early --serial "$S6" 2>&1); then
	pass "ctl renew-early --serial $S6: $o"
else
	echo "FAIL ctl renew-early --serial $S6: $o"
	rc=1
fi
now=$(date +%s)
if w=$(ari "$C6"); then
	# shellcheck disable=SC2086 # split "start end retry-after"
	set -- $w
	if [ "$1" -le $((now + 5)) ] && [ "$1" -ge $((now - 120)) ] &&
	    [ "$2" -gt "$1" ]; then
		pass "ARI window after renew-early starts now: $w (now $now)"
	else
		echo "FAIL ARI window after renew-early: $w (now $now)"
		rc=1
	fi
else
	echo "FAIL ARI after renew-early: $w"
	rc=1
fi
if [ -n "$(cert_field "$S6" 'r.get("renew_at") or ""')" ]; then
	pass "ctl cert show $S6 has renew_at"
else
	echo "FAIL ctl cert show $S6 has no renew_at"
	rc=1
fi
tomorrow=$(date -u -d tomorrow +%Y-%m-%d)
if o=$(ctl renew-early --issued-before "$tomorrow" 2>&1) &&
    n=$(printf '%s\n' "$o" | awk '{ print $1 }') && [ "$n" -ge 2 ]; then
	pass "ctl renew-early --issued-before $tomorrow: $o"
else
	echo "FAIL ctl renew-early --issued-before $tomorrow: $o"
	rc=1
fi
if o=$(ctl renew-early --issued-before 2000-01-01 2>&1) &&
    [ "$(printf '%s\n' "$o" | awk '{ print $1 }')" = 0 ]; then
	pass "ctl renew-early --issued-before 2000-01-01: $o"
else
	echo "FAIL ctl renew-early --issued-before 2000-01-01: $o"
	rc=1
fi
expect_exit 2 "ctl renew-early without an option" renew-early
expect_exit 2 "ctl renew-early with both options" renew-early \
    --serial "$S6" --issued-before 2030-01-01
expect_exit 2 "ctl renew-early --issued-before 2030-13-01" renew-early \
    --issued-before 2030-13-01
expect_exit 2 "ctl renew-early --issued-before yesterday" renew-early \
    --issued-before yesterday
expect_exit 3 "ctl renew-early --serial of an unknown serial" renew-early \
    --serial 0badc0ffee
_first=$(printf '%s\n' "$revoked" | head -1 | cut -d' ' -f1)
expect_exit 1 "ctl renew-early --serial of a revoked certificate" \
    renew-early --serial "$_first"

# -- acmegwctl cert revoke: revoked, in the CRL (crl_on_revoke), key
#    blocked for reason 1; twice is an error; then ARI shows the past
if o=$(ctl cert revoke "$S5" --reason 1 2>&1); then
	pass "ctl cert revoke $S5 --reason 1: $(printf '%s' "$o" | tr '\n' ' ')"
	check_revoked "ctl cert revoke" "$S5" 1 || rc=1
else
	echo "FAIL ctl cert revoke $S5 --reason 1: $o"
	rc=1
fi
expect_exit 1 "ctl cert revoke twice" cert revoke "$S5"
if w=$(ari "$C6") && ctl cert revoke "$S6" >/dev/null 2>&1 &&
    w2=$(ari "$C6"); then
	# shellcheck disable=SC2086
	set -- $w2
	now=$(date +%s)
	if [ "$2" -le "$now" ]; then
		pass "ARI window of a revoked certificate is in the past: $w2"
	else
		echo "FAIL ARI window of a revoked certificate: $w2 (now $now)"
		rc=1
	fi
	check_revoked "ctl cert revoke (reason 0)" "$S6" 0 || rc=1
else
	echo "FAIL ctl cert revoke $S6 / ARI"
	rc=1
fi

# -- the CRL timer (crl_interval, 1d by default): a worker that starts
#    with a stale CRL (written 2 days ago) writes a new one within seconds
WORKER_REAL=$(readlink -f "$WORKER_BIN")
# worker_pids: the acmegw-worker processes of this server
worker_pids()
{
	for _d in /proc/[0-9]*; do
		[ "$(readlink "$_d/exe" 2>/dev/null)" = "$WORKER_REAL" ] ||
		    continue
		tr '\0' ' ' <"$_d/cmdline" 2>/dev/null | grep -qF "$CONF" &&
		    echo "${_d#/proc/}"
	done
}
for _w in $(worker_pids); do
	stop_pid "$_w"
done
touch -d '2 days ago' "$CRL_FILE"
n1=$(crl_number)
old=$(stat -c %Y "$CRL_FILE")
"$WORKER_BIN" -f "$CONF" 2>"$T/crl-worker.err" &
cw=$!
_i=0 fresh=0
while [ $_i -lt 150 ]; do
	_m=$(stat -c %Y "$CRL_FILE" 2>/dev/null || echo 0)
	if [ "$_m" -gt $((old + 86400)) ]; then
		fresh=1
		break
	fi
	sleep 0.1
	_i=$((_i + 1))
done
n2=$(crl_number)
if [ $fresh = 1 ] && [ -n "$n1" ] && [ -n "$n2" ] &&
    [ "$(printf '%d' "0x$n2")" -gt "$(printf '%d' "0x$n1")" ] &&
    [ "$(crl_serials | wc -l)" -eq $((nrev + 2)) ]; then
	pass "CRL timer: a worker started with a 2-day-old CRL wrote a new" \
	    "one within $((_i / 10)) s (number 0x$n1 -> 0x$n2)"
else
	echo "FAIL CRL timer: CRL at $CRL_FILE not rewritten (mtime $_m," \
	    "was $old; number '$n1' -> '${n2:-}')"
	cat "$T/crl-worker.err"
	rc=1
fi
if grep -q "worker: CRL timer: the CRL at .* written [0-9]* s ago" \
    "$T/crl-worker.err" "$T/main/lighttpd.out" 2>/dev/null; then
	pass "CRL timer: the worker logged why it wrote the CRL"
else
	echo "FAIL CRL timer: no log line of the worker"
	rc=1
fi
stop_pid "$cw"

exit $rc

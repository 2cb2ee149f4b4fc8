#!/bin/sh
# t_validate.sh: acmegw-validate run alone against real fixture servers on
# loopback: the http-01, https and tls-alpn-01 servers of fixtures.py, a
# small DNS server of fixtures.py, and pebble-challtestsrv (Debian package
# pebble) for A, TXT, CNAME, CAA and SERVFAIL data.  Every case checks the
# verdict status and problem type; the ids are those of SECURITY.md.
# Everything is on loopback, so requests set allow_private, except the
# cases that prove the address policy (no connection may reach a fixture).
set -u

PY=/usr/bin/python3
skip() { echo "SKIP: $*"; exit 77; }
[ -x "$PY" ] || skip "/usr/bin/python3 is missing"
command -v pebble-challtestsrv >/dev/null 2>&1 ||
	skip "pebble-challtestsrv is missing (Debian package pebble)"
"$PY" -c 'import cryptography' 2>/dev/null ||
	skip "python3-cryptography is missing"

: "${top_builddir:?}" "${top_srcdir:?}"
V="$top_builddir/src/acmegw-validate"
# VALIDATE_WRAPPER="valgrind -q --leak-check=full --error-exitcode=3" runs
# every validation under valgrind (a wrapper error fails the case).
WRAP=${VALIDATE_WRAPPER:-}
FIX="$top_srcdir/tests/integ/fixtures.py"
if [ ! -x "$V" ]; then
	echo "FAIL: $V is not built"
	exit 1
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/t_validate.XXXXXX") || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ "$fail" -ne 0 ]; then
		echo "--- acmegw-validate stderr (last lines)"
		tail -n 40 "$W/validate.err" 2>/dev/null
	fi
	rm -rf "$W"
}
fail=0
pass=0
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

THUMB=fixtureThumbprint_0123456789abcdefghijklmnop
ACCT=https://ca.example/acme/acct/Xw4RL5NfRDGvCKqqVFdyXg

# ---------------------------------------------------------------- fixtures
now_ms() { date +%s%3N; }

wait_file() {
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ]; then
			echo "FAIL: fixture did not start: $1"
			cat "$W"/*.err 2>/dev/null
			exit 1
		fi
		sleep 0.1
	done
}

port() { awk -v k="$2" '$1 == k { print $2 }' "$W/$1.ports"; }

post() { "$PY" "$FIX" post "http://127.0.0.1:$MGMT/$1" "$2"; }

digest() { "$PY" "$FIX" digest "$1"; }

# The zone of the fixtures.py DNS server.
TXT_SPLIT=$(digest "split.$THUMB")
TXT_CAA=$(digest "crit.$THUMB")
{
	printf '{"records":[\n'
	printf '["_acme-challenge.split.fx.test","TXT",["%s","%s"]],\n' \
	    "$(printf %s "$TXT_SPLIT" | cut -c1-20)" \
	    "$(printf %s "$TXT_SPLIT" | cut -c21-)"
	i=0
	while [ $i -lt 101 ]; do
		printf '["_acme-challenge.many.fx.test","TXT",["filler-%03d-%s"]],\n' \
		    $i "$TXT_SPLIT"
		i=$((i + 1))
	done
	printf '["_acme-challenge.loop.fx.test","CNAME","l2.fx.test"],\n'
	printf '["l2.fx.test","CNAME","_acme-challenge.loop.fx.test"],\n'
	for n in crit.fx.test critok.fx.test; do
		printf '["_acme-challenge.%s","TXT",["%s"]],\n' "$n" \
		    "$(digest "crit.$THUMB")"
	done
	printf '["crit.fx.test","CAA",[128,"tbs","unknown"]],\n'
	printf '["crit.fx.test","CAA",[0,"issue","ca.example"]],\n'
	printf '["critok.fx.test","CAA",[128,"issue","ca.example"]]\n'
	printf ']}\n'
} >"$W/zone.json"

"$PY" "$FIX" http "$W" "$THUMB" 2>"$W/http.err" &
PIDS="$PIDS $!"
"$PY" "$FIX" tls "$W" "$THUMB" 2>"$W/tls.err" &
PIDS="$PIDS $!"
"$PY" "$FIX" dns "$W" "$W/zone.json" 2>"$W/dns.err" &
PIDS="$PIDS $!"

# pebble-challtestsrv: every listener on loopback, its own challenge
# servers off; A queries answer 127.0.0.1, no AAAA.
cts_up=0
for attempt in 1 2 3; do
	set -- $("$PY" "$FIX" ports 2)
	MGMT=$1
	CDNS=$2
	pebble-challtestsrv -management "127.0.0.1:$MGMT" \
	    -dns01 "127.0.0.1:$CDNS" -http01 "" -https01 "" -tlsalpn01 "" \
	    -defaultIPv4 127.0.0.1 -defaultIPv6 "" >"$W/cts.log" 2>&1 &
	CTS_PID=$!
	i=0
	while [ $i -lt 50 ]; do
		if post set-default-ipv6 '{"ip":""}' 2>/dev/null; then
			cts_up=1
			break
		fi
		kill -0 "$CTS_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	[ $cts_up -eq 1 ] && break
	kill "$CTS_PID" 2>/dev/null
done
if [ $cts_up -ne 1 ]; then
	echo "FAIL: pebble-challtestsrv did not start"
	cat "$W/cts.log"
	exit 1
fi
PIDS="$PIDS $CTS_PID"

wait_file "$W/http.ports"
wait_file "$W/tls.ports"
wait_file "$W/dns.ports"
HTTP=$(port http http)
HTTPS=$(port http https)
FXDNS=$(port dns dns)
BLACKHOLE=$(port dns blackhole)
CLOSED=$("$PY" "$FIX" ports 1)

# ---------------------------------------------------------------- helpers

# mkreq TYPE IDTYPE VALUE TOKEN [hp=.. tp=.. res=.. ap=.. to=.. caa=.. cc=..
#     acct=.. ka=..]: print a request; settings default to the http fixture,
#     pebble-challtestsrv as resolver, allow_private true, CAA off.
mkreq() {
	_type=$1 _idt=$2 _val=$3 _tok=$4
	shift 4
	_hp=$HTTP _tp=443 _res="127.0.0.1:$CDNS" _ap=true _to=5000
	_caa='["ca.example"]' _cc=false _acct=$ACCT _ka="$_tok.$THUMB"
	for kv in "$@"; do
		case $kv in
		hp=*) _hp=${kv#*=} ;;
		tp=*) _tp=${kv#*=} ;;
		res=*) _res=${kv#*=} ;;
		ap=*) _ap=${kv#*=} ;;
		to=*) _to=${kv#*=} ;;
		caa=*) _caa=${kv#*=} ;;
		cc=*) _cc=${kv#*=} ;;
		acct=*) _acct=${kv#*=} ;;
		ka=*) _ka=${kv#*=} ;;
		*) echo "mkreq: bad argument $kv" >&2 ;;
		esac
	done
	printf '{"v":1,"type":"%s","identifier":{"type":"%s","value":"%s"},' \
	    "$_type" "$_idt" "$_val"
	printf '"token":"%s","key_authorization":"%s","account_uri":"%s",' \
	    "$_tok" "$_ka" "$_acct"
	printf '"settings":{"http_port":%s,"tls_port":%s,"resolver":"%s",' \
	    "$_hp" "$_tp" "$_res"
	printf '"allow_private":%s,"timeout_ms":%s,"caa_identities":%s,' \
	    "$_ap" "$_to" "$_caa"
	printf '"check_caa":%s}}' "$_cc"
}

ok() {
	pass=$((pass + 1))
	echo "ok - $1"
}

bad() {
	fail=1
	echo "FAIL - $1: $2"
}

# expect NAME STATUS TYPE MKREQ-ARGS...: run the validator on the request
# and check exit 0, the verdict format, status and problem type ("-" for
# valid).  Sets $OUT (the verdict) and $ELAPSED (ms).
expect() {
	_name=$1 _want="$2 $3"
	shift 3
	_t0=$(now_ms)
	OUT=$(mkreq "$@" | $WRAP "$V" 2>>"$W/validate.err")
	_rc=$?
	ELAPSED=$(($(now_ms) - _t0))
	_got=$(printf '%s' "$OUT" | "$PY" "$FIX" verdict)
	if [ $_rc -ne 0 ]; then
		bad "$_name" "exit $_rc, want 0"
	elif [ "$_got" != "$_want" ]; then
		bad "$_name" "got '$_got', want '$_want': $OUT"
	else
		ok "$_name"
		[ -n "${VERBOSE:-}" ] && echo "    $OUT"
	fi
	return 0
}

# malformed NAME TEXT: the validator must exit 1 and print nothing.
malformed() {
	_out=$(printf '%s' "$2" | $WRAP "$V" 2>>"$W/validate.err")
	_rc=$?
	if [ $_rc -eq 1 ] && [ -z "$_out" ]; then
		ok "$1"
	else
		bad "$1" "exit $_rc, stdout '$_out'"
	fi
}

# within NAME MS: the last run took at most MS milliseconds (not checked
# under a VALIDATE_WRAPPER such as valgrind, which is slow by design).
within() {
	if [ -n "$WRAP" ]; then
		echo "# $1: ${ELAPSED} ms, not checked under $WRAP"
	elif [ "$ELAPSED" -le "$2" ]; then
		ok "$1 (${ELAPSED} ms)"
	else
		bad "$1" "took $ELAPSED ms, more than $2"
	fi
}

conns() { grep -c "^conn $1" "$W/$1.log"; }

detail_has() {
	if printf '%s' "$OUT" | grep -q -- "$2"; then
		ok "$1"
	else
		bad "$1" "detail lacks '$2': $OUT"
	fi
}

# ---------------------------------------------------------------- http-01
echo "# http-01 (fixture http $HTTP, https $HTTPS, DNS $CDNS)"
expect "http01_good_H3_pinned" valid - http-01 dns good.example.test good
expect "http01_H16_trailing_whitespace" valid - \
    http-01 dns a.example.test trail
expect "http01_H16_leading_whitespace" invalid incorrectResponse \
    http-01 dns a.example.test lead
expect "http01_H16_other_thumbprint" invalid incorrectResponse \
    http-01 dns a.example.test wrong
expect "http01_H15_404_with_right_body" invalid unauthorized \
    http-01 dns a.example.test notfound
expect "http01_redirect_good" valid - http-01 dns a.example.test redirgood
expect "http01_redirect_other_name" valid - \
    http-01 dns a.example.test redirother
expect "http01_H9_redirect_relative" valid - \
    http-01 dns a.example.test redirrel
expect "http01_H10_redirect_https_self_signed" valid - \
    http-01 dns a.example.test redirhttps tp="$HTTPS"
expect "http01_H5_redirect_https_on_http_port" invalid connection \
    http-01 dns a.example.test redirschemeport tp="$HTTPS"
expect "http01_H5_redirect_forbidden_port" invalid connection \
    http-01 dns a.example.test redirport
expect "http01_H4_redirect_ipv4_literal" invalid connection \
    http-01 dns a.example.test redirip
expect "http01_H4_redirect_ipv6_literal" invalid connection \
    http-01 dns a.example.test redirip6
expect "http01_H4_redirect_decimal_ip" invalid connection \
    http-01 dns a.example.test redirdecimal
expect "http01_H6_redirect_ftp" invalid connection \
    http-01 dns a.example.test redirftp
expect "http01_H6_redirect_file" invalid connection \
    http-01 dns a.example.test redirfile
expect "http01_H7_redirect_loop" invalid connection \
    http-01 dns a.example.test loop
expect "http01_H7_eleven_redirects" invalid connection \
    http-01 dns a.example.test chain11
expect "http01_H7_ten_redirects" valid - http-01 dns a.example.test chain10
expect "http01_H8_redirect_303" invalid unauthorized \
    http-01 dns a.example.test redir303
expect "http01_H9_redirect_location_too_long" invalid connection \
    http-01 dns a.example.test redirlong
expect "http01_redirect_without_location" invalid unauthorized \
    http-01 dns a.example.test redirnoloc
expect "http01_redirect_two_locations" invalid connection \
    http-01 dns a.example.test multiloc
expect "http01_H11_huge_body" invalid incorrectResponse \
    http-01 dns a.example.test huge
within "http01_H11_huge_body_not_read" 3000
expect "http01_H12_header_bomb" invalid connection \
    http-01 dns a.example.test hdrbomb
expect "http01_H14_gzip_not_decoded" invalid incorrectResponse \
    http-01 dns a.example.test gzip
expect "http01_H13_slow_drip_deadline" invalid connection \
    http-01 dns a.example.test drip to=2000
within "http01_H13_finished_within_timeout_plus_1s" 3000
expect "http01_connection_refused" invalid connection \
    http-01 dns a.example.test good hp="$CLOSED"
post set-servfail '{"host":"sf-http.example.test."}'
expect "http01_D5_servfail_on_A" invalid dns \
    http-01 dns sf-http.example.test good
expect "http01_ip_identifier" valid - http-01 ip 127.0.0.1 good
detail_has "http01_ip_identifier_addresses" '"addresses":\["127.0.0.1"\]'

# H2: with allow_private false nothing may reach the fixture.
before=$(conns http)
expect "http01_H2_name_to_loopback_refused" invalid connection \
    http-01 dns good.example.test good ap=false
detail_has "http01_H2_detail_names_address" "127.0.0.1 (loopback)"
for ip in 127.0.0.1 10.0.0.1 172.16.5.4 192.168.1.1 100.64.0.1 \
    169.254.169.254 0.0.0.0 192.0.2.1 198.18.0.1 ::1 fe80::1 fc00::1 \
    ::ffff:127.0.0.1 ::ffff:8.8.8.8 64:ff9b::7f00:1 2002:7f00:1::1 \
    2001:db8::1 ::; do
	expect "http01_H2_ip_${ip}_refused" invalid connection \
	    http-01 ip "$ip" good ap=false
done
for ip in 224.0.0.1 255.255.255.255 ff02::1 ::ffff:224.0.0.1 \
    2002:e000:1::1; do
	expect "http01_H2_ip_${ip}_refused_even_with_allow_private" \
	    invalid connection http-01 ip "$ip" good ap=true
done
after=$(conns http)
if [ "$before" = "$after" ]; then
	ok "http01_H2_no_connection_made"
else
	bad "http01_H2_no_connection_made" "$before -> $after connections"
fi

# ---------------------------------------------------------------- dns-01
echo "# dns-01"
post set-txt "{\"host\":\"_acme-challenge.d1.example.test.\",\"value\":\"unrelated\"}"
post set-txt "{\"host\":\"_acme-challenge.d1.example.test.\",\"value\":\"$(digest "good.$THUMB")\"}"
expect "dns01_D1_good_among_others" valid - dns-01 dns d1.example.test good
expect "dns01_D6_no_record" invalid unauthorized \
    dns-01 dns none.example.test good
post set-txt "{\"host\":\"_acme-challenge.d2.example.test.\",\"value\":\"$(digest "other.$THUMB")\"}"
expect "dns01_wrong_value" invalid unauthorized \
    dns-01 dns d2.example.test good
post set-cname '{"host":"_acme-challenge.d3.example.test.","target":"_acme-challenge.d1.example.test."}'
expect "dns01_D2_cname_followed" valid - dns-01 dns d3.example.test good
post set-servfail '{"host":"_acme-challenge.d4.example.test."}'
expect "dns01_D5_servfail" invalid dns dns-01 dns d4.example.test good
post set-txt "{\"host\":\"_acme-challenge.wild.example.test.\",\"value\":\"$(digest "good.$THUMB")\"}"
expect "dns01_D10_wildcard_base_name" valid - \
    dns-01 dns '*.wild.example.test' good
expect "dns01_D10_wildcard_stripped_name" valid - \
    dns-01 dns wild.example.test good
expect "dns01_D9_two_character_strings" valid - \
    dns-01 dns split.fx.test split res="127.0.0.1:$FXDNS"
expect "dns01_D3_D7_too_many_records_over_tcp" invalid dns \
    dns-01 dns many.fx.test split res="127.0.0.1:$FXDNS"
if grep -q "query _acme-challenge.many.fx.test 16 tcp" "$W/dns.log"; then
	ok "dns01_D7_truncated_answer_retried_over_tcp"
else
	bad "dns01_D7_truncated_answer_retried_over_tcp" "no TCP query seen"
fi
expect "dns01_D2_cname_loop" invalid dns \
    dns-01 dns loop.fx.test split res="127.0.0.1:$FXDNS"
expect "dns01_D5_resolver_timeout" invalid dns \
    dns-01 dns d1.example.test good res="127.0.0.1:$BLACKHOLE" to=1500
within "dns01_D5_finished_within_timeout_plus_1s" 2500
expect "dns01_D5_resolver_closed" invalid dns \
    dns-01 dns d1.example.test good res="127.0.0.1:$CLOSED" to=3000

# ---------------------------------------------------------------- CAA
echo "# CAA"
# caa NAME RECORDS-JSON: set the TXT for NAME and CAA records at PARENT.
txt() {
	post set-txt "{\"host\":\"_acme-challenge.$1.\",\"value\":\"$(digest "good.$THUMB")\"}"
}
caa() { post add-caa "{\"host\":\"$1.\",\"policies\":$2}"; }

txt a.c0.example.test
expect "caa_none_anywhere" valid - dns-01 dns a.c0.example.test good cc=true
txt a.c1.example.test
caa c1.example.test '[{"tag":"issue","value":"other-ca.example"}]'
expect "caa_C1_C6_parent_names_another_ca" invalid caa \
    dns-01 dns a.c1.example.test good cc=true
detail_has "caa_C1_detail_names_record" 'other-ca.example'
expect "caa_check_off" valid - dns-01 dns a.c1.example.test good cc=false
txt a.c2.example.test
caa c2.example.test '[{"tag":"issue","value":"other-ca.example"},{"tag":"issue","value":"CA.Example"}]'
expect "caa_issuer_listed_case_insensitive" valid - \
    dns-01 dns a.c2.example.test good cc=true
txt c3.example.test
caa c3.example.test "[{\"tag\":\"issue\",\"value\":\"ca.example; accounturi=$ACCT\"}]"
expect "caa_C8_accounturi_matches" valid - \
    dns-01 dns c3.example.test good cc=true
expect "caa_C8_accounturi_other_account" invalid caa \
    dns-01 dns c3.example.test good cc=true \
    acct=https://ca.example/acme/acct/other
txt c4.example.test
caa c4.example.test '[{"tag":"issue","value":"ca.example; validationmethods=http-01,tls-alpn-01"}]'
expect "caa_C8_validationmethods_without_dns01" invalid caa \
    dns-01 dns c4.example.test good cc=true
txt c5.example.test
caa c5.example.test '[{"tag":"issue","value":"ca.example; validationmethods=dns-01"}]'
expect "caa_C8_validationmethods_with_dns01" valid - \
    dns-01 dns c5.example.test good cc=true
txt c6.example.test
caa c6.example.test '[{"tag":"issue","value":"ca.example"},{"tag":"issuewild","value":";"}]'
expect "caa_C2_issuewild_forbids_wildcard" invalid caa \
    dns-01 dns '*.c6.example.test' good cc=true
expect "caa_C2_issuewild_irrelevant_for_plain_name" valid - \
    dns-01 dns c6.example.test good cc=true
txt c7.example.test
caa c7.example.test '[{"tag":"iodef","value":"mailto:sec@example.test"},{"tag":"tbs","value":"x"}]'
expect "caa_only_iodef_and_noncritical_unknown" valid - \
    dns-01 dns c7.example.test good cc=true
txt a.c8.example.test
caa c8.example.test '[{"tag":"issue","value":";"}]'
expect "caa_empty_issue_forbids_all" invalid caa \
    dns-01 dns a.c8.example.test good cc=true
txt a.sf.example.test
post set-servfail '{"host":"sf.example.test."}'
expect "caa_C4_C7_servfail_is_not_permission" invalid caa \
    dns-01 dns a.sf.example.test good cc=true
expect "caa_C3_unknown_critical_tag" invalid caa \
    dns-01 dns crit.fx.test crit cc=true res="127.0.0.1:$FXDNS"
expect "caa_critical_flag_on_known_tag" valid - \
    dns-01 dns critok.fx.test crit cc=true res="127.0.0.1:$FXDNS"

# ---------------------------------------------------------------- tls-alpn-01
echo "# tls-alpn-01"
tls() {
	_case=$1
	shift
	expect "$@" tp="$(port tls "$_case")"
}
tls good "tlsalpn01_T1_good" valid - \
    tls-alpn-01 dns good.tls.example.test good
if grep -q "^tls good sni=good.tls.example.test alpn=acme-tls/1" \
    "$W/tls.log"; then
	ok "tlsalpn01_T1_sni_and_alpn_sent"
else
	bad "tlsalpn01_T1_sni_and_alpn_sent" "$(grep '^tls good' "$W/tls.log")"
fi
if grep -q "^after good got 0 bytes" "$W/tls.log"; then
	ok "tlsalpn01_T11_no_data_after_handshake"
else
	bad "tlsalpn01_T11_no_data_after_handshake" "$(cat "$W/tls.log")"
fi
tls upper "tlsalpn01_T8_san_case_insensitive" valid - \
    tls-alpn-01 dns upper.tls.example.test upper
tls noext "tlsalpn01_T4_missing_extension" invalid unauthorized \
    tls-alpn-01 dns noext.tls.example.test noext
tls noncrit "tlsalpn01_T5_not_critical" invalid unauthorized \
    tls-alpn-01 dns noncrit.tls.example.test noncrit
tls wrongsan "tlsalpn01_T8_wrong_san" invalid unauthorized \
    tls-alpn-01 dns wrongsan.tls.example.test wrongsan
tls twosan "tlsalpn01_T8_two_names" invalid unauthorized \
    tls-alpn-01 dns twosan.tls.example.test twosan
tls nosan "tlsalpn01_T8_no_san" invalid unauthorized \
    tls-alpn-01 dns nosan.tls.example.test nosan
tls legacy "tlsalpn01_T9_legacy_oid_only" invalid unauthorized \
    tls-alpn-01 dns legacy.tls.example.test legacy
tls extra "tlsalpn01_T6_extra_extension" invalid unauthorized \
    tls-alpn-01 dns extra.tls.example.test extra
tls stdexts "tlsalpn01_T6_usual_extensions_accepted" valid - \
    tls-alpn-01 dns stdexts.tls.example.test stdexts
tls wronghash "tlsalpn01_T7_wrong_hash" invalid unauthorized \
    tls-alpn-01 dns wronghash.tls.example.test wronghash
tls rawvalue "tlsalpn01_T7_value_not_octet_string" invalid unauthorized \
    tls-alpn-01 dns rawvalue.tls.example.test rawvalue
tls notself "tlsalpn01_T10_not_self_signed" invalid unauthorized \
    tls-alpn-01 dns notself.tls.example.test notself
tls noalpn "tlsalpn01_T3_server_without_alpn" invalid unauthorized \
    tls-alpn-01 dns noalpn.tls.example.test noalpn
tls ip "tlsalpn01_rfc8738_ip_reverse_sni" valid - \
    tls-alpn-01 ip 127.0.0.1 ip
if [ -n "$(port tls tls11)" ]; then
	tls tls11 "tlsalpn01_T2_tls_1_1_refused" invalid tls \
	    tls-alpn-01 dns tls11.tls.example.test tls11
else
	echo "# tlsalpn01_T2: this OpenSSL cannot serve TLS 1.1; not run"
fi
tls stall "tlsalpn01_T11_stalled_handshake" invalid connection \
    tls-alpn-01 dns stall.tls.example.test stall to=1500
within "tlsalpn01_T11_finished_within_timeout_plus_1s" 2500
expect "tlsalpn01_connection_refused" invalid connection \
    tls-alpn-01 dns good.tls.example.test good tp="$CLOSED"
before=$(grep -c "^conn good" "$W/tls.log")
tls good "tlsalpn01_H2_loopback_refused" invalid connection \
    tls-alpn-01 dns good.tls.example.test good ap=false
if [ "$before" = "$(grep -c "^conn good" "$W/tls.log")" ]; then
	ok "tlsalpn01_H2_no_connection_made"
else
	bad "tlsalpn01_H2_no_connection_made" "a connection was made"
fi

# ---------------------------------------------------------------- protocol
echo "# malformed requests (exit 1, nothing on stdout)"
GOOD=$(mkreq dns-01 dns d1.example.test good)
expect "request_good_baseline" valid - dns-01 dns d1.example.test good
malformed "request_empty" ""
malformed "request_not_json" "hello"
malformed "request_array" "[$GOOD]"
malformed "request_trailing_garbage" "$GOOD x"
malformed "request_unknown_member" \
    "$(printf %s "$GOOD" | sed 's/^{/{"extra":1,/')"
malformed "request_unknown_settings_member" \
    "$(printf %s "$GOOD" | sed 's/"settings":{/"settings":{"proxy":"",/')"
malformed "request_unknown_identifier_member" \
    "$(printf %s "$GOOD" | sed 's/"identifier":{/"identifier":{"x":1,/')"
malformed "request_duplicate_member" \
    "$(printf %s "$GOOD" | sed 's/^{/{"token":"good",/')"
malformed "request_duplicate_settings_member" \
    "$(printf %s "$GOOD" | sed 's/"settings":{/"settings":{"tls_port":1,/')"
malformed "request_missing_token" \
    "$(printf %s "$GOOD" | sed 's/"token":"good",//')"
malformed "request_missing_resolver" \
    "$(printf %s "$GOOD" | sed 's/"resolver":"[^"]*",//')"
malformed "request_port_as_string" \
    "$(printf %s "$GOOD" | sed 's/"http_port":[0-9]*/"http_port":"80"/')"
malformed "request_port_out_of_range" \
    "$(printf %s "$GOOD" | sed 's/"http_port":[0-9]*/"http_port":65536/')"
malformed "request_bool_as_string" \
    "$(printf %s "$GOOD" | sed 's/"allow_private":true/"allow_private":"yes"/')"
malformed "request_version_2" "$(printf %s "$GOOD" | sed 's/"v":1/"v":2/')"
malformed "request_timeout_zero" \
    "$(printf %s "$GOOD" | sed 's/"timeout_ms":[0-9]*/"timeout_ms":0/')"
malformed "request_unknown_type" \
    "$(mkreq http-02 dns d1.example.test good)"
malformed "request_identifier_type" "$(mkreq dns-01 email d1.example.test good)"
malformed "request_token_with_slash" \
    "$(mkreq http-01 dns a.example.test 'a/../b' ka=x.y)"
malformed "request_keyauth_other_token" \
    "$(mkreq http-01 dns a.example.test good ka="bad.$THUMB")"
malformed "request_name_with_slash" "$(mkreq http-01 dns 'a.test/x' good)"
malformed "request_ip_in_dns_identifier" "$(mkreq http-01 dns 127.0.0.1 good)"
malformed "request_bad_ip" "$(mkreq http-01 ip 1.2.3 good)"
malformed "request_H21_wildcard_http01" \
    "$(mkreq http-01 dns '*.a.example.test' good)"
malformed "request_wildcard_tlsalpn01" \
    "$(mkreq tls-alpn-01 dns '*.a.example.test' good)"
malformed "request_dns01_for_ip" "$(mkreq dns-01 ip 127.0.0.1 good)"
malformed "request_bad_resolver" "$(mkreq dns-01 dns a.test good res=nonsense)"
malformed "request_resolver_unbracketed_ipv6" \
    "$(mkreq dns-01 dns a.test good res=::1:53)"
malformed "request_caa_identity_not_a_name" \
    "$(mkreq dns-01 dns a.test good 'caa=["a b"]')"
big=$(head -c 70000 /dev/zero | tr '\0' ' ')
malformed "request_over_64KiB" "$big$GOOD"

echo "# $pass passed"
exit $fail

# matrix.sh: the client matrix of issue 5, sourced by t_matrix_lighttpd.sh
# (lighttpd) and t_matrix_apache.sh (APACHE=1: Apache with mod_fcgid).
#
# Two acmegw servers behind the chosen web server, each with its own CA
# made by `acmegwctl init --ca` (lib.sh start_issuer): "open" (anyone may
# register) and "eab" (newAccount needs an External Account Binding made
# by `acmegwctl eab add`).  pebble-challtestsrv answers DNS for .test
# (A 127.0.0.1; TXT records set by the clients' hooks through mx_txt);
# acmegw-validate connects to 127.0.0.1 on $HP (http-01) and $TP
# (tls-alpn-01), where each client's own server, or the web root server
# (mx_webroot), listens in turn.
#
# Each client lives in tests/integ/mx_CLIENT.sh and defines mx_CLIENT,
# which runs that client's steps and records each with mx_result.  The
# steps (column names of the table printed at the end and of the README's
# compatibility table):
#   register  register an account (open server)
#   eab       register with an EAB key, then issue with it (eab server)
#   http-01   issue a certificate with http-01
#   dns-01    issue a name and its wildcard with dns-01
#   tls-alpn  issue with tls-alpn-01
#   renew     renew a certificate (a new serial, same names)
#   revoke    revoke a certificate (acmegwctl and the CRL agree)
#   keyroll   roll the account key (keyChange); the old key is refused
# A step a client cannot do is recorded "n/a" with the reason (the same
# reason the README's table gives); such a step is never counted a pass.
# A step may be recorded several times (one record per check): a cell
# that failed once shows "fail", otherwise its last record shows.  The
# table is followed by the reason of every n/a and fail cell.
#
# Afterwards, F2 (SECURITY.md: zero 5xx): neither server answered any
# request with a 5xx status during the whole matrix.
#
# MATRIX_CLIENTS (default: all five) picks clients; each is also the name
# of the client's program, which must be installed (else SKIP).  Every
# client run is bounded (CLIENT_TIMEOUT seconds, default 120); every
# server is stopped on exit (lib.sh trap).  The test fails when any step
# fails.

. "$top_srcdir/tests/integ/lib.sh"
MX_STEPS="register eab http-01 dns-01 tls-alpn renew revoke keyroll"
MATRIX_CLIENTS=${MATRIX_CLIENTS:-certbot lego uacme dehydrated acme-tiny}
need_cmd pebble-challtestsrv certtool $MATRIX_CLIENTS
for _c in $MATRIX_CLIENTS; do
	[ -f "$top_srcdir/tests/integ/mx_$_c.sh" ] ||
	    fail "MATRIX_CLIENTS: no tests/integ/mx_$_c.sh"
done
setup
[ -x "$VALIDATE_BIN" ] || fail "$VALIDATE_BIN is not built"

CTO=${CLIENT_TIMEOUT:-120}
MX_RESULTS="$T/matrix.results"
: >"$MX_RESULTS"
rc=0

# bad TEXT...: a FAIL line; the test will fail.
bad() { rc=1; echo "FAIL $*"; }

# mx_result CLIENT STEP pass|fail|n/a TEXT...: record one cell of the
# matrix (the last record of a cell wins) and print it.
mx_result()
{
	_c=$1 _s=$2 _r=$3
	shift 3
	case " $MX_STEPS " in
	*" $_s "*) ;;
	*) fail "mx_result: unknown step $_s" ;;
	esac
	case $_r in
	pass) pass "$_c $_s: $*" ;;
	fail) bad "$_c $_s: $*" ;;
	n/a) log "$_c $_s: not possible: $*" ;;
	*) fail "mx_result: bad result $_r" ;;
	esac
	printf '%s\t%s\t%s\t%s\n' "$_c" "$_s" "$_r" "$*" >>"$MX_RESULTS"
}

# mx_rest CLIENT STATUS TEXT...: record STATUS for every step of CLIENT
# that has no result yet (steps that cannot run once an earlier one
# failed).
mx_rest()
{
	_mrc=$1 _mrs=$2
	shift 2
	for _x in $MX_STEPS; do
		grep -q "^$_mrc	$_x	" "$MX_RESULTS" ||
		    mx_result "$_mrc" "$_x" "$_mrs" "$@"
	done
}

# mx_check CLIENT STEP CHAIN NAME...: check_cert on CHAIN (against the CA
# of the server in use), recorded as CLIENT STEP.  Sets SERIAL.  Returns
# check_cert's status.
mx_check()
{
	_mc=$1 _ms=$2
	shift 2
	if check_cert "$_mc $_ms" "$@"; then
		printf '%s\t%s\tpass\t%s\n' "$_mc" "$_ms" "serial $SERIAL" \
		    >>"$MX_RESULTS"
		return 0
	fi
	mx_result "$_mc" "$_ms" fail "certificate $1 does not check"
	return 1
}

# mx_failed CLIENT STEP: 0 if that cell has a fail record already.
mx_failed()
{
	grep -q "^$1	$2	fail	" "$MX_RESULTS"
}

# run_client NAME OUTFILE CMD...: CMD bounded by CTO seconds, its output
# in OUTFILE and indented on stdout.  Returns CMD's status (124: killed).
run_client()
{
	_n=$1 _o=$2
	shift 2
	log "$_n: $*"
	timeout "$CTO" "$@" >"$_o" 2>&1
	_rc=$?
	sed "s/^/  $_n: /" "$_o"
	[ $_rc -eq 124 ] && echo "  $_n: (killed after $CTO s)"
	return $_rc
}

# mx_txt set|clear NAME VALUE: the TXT record _acme-challenge.NAME
# (a wildcard's base name) in pebble-challtestsrv; set adds VALUE to the
# records already there, clear removes them all.
mx_txt()
{
	_h="_acme-challenge.${2#\*.}."
	case $1 in
	set) cts_post set-txt "{\"host\":\"$_h\",\"value\":\"$3\"}" ;;
	clear) cts_post clear-txt "{\"host\":\"$_h\"}" ;;
	*) fail "mx_txt: $1" ;;
	esac
}

# $MX_TXT set|clear NAME [VALUE]: mx_txt as a program, for the clients'
# DNS hooks (they run outside this shell).  It also takes lego's exec
# provider calls, "present|cleanup FQDN VALUE" (FQDN: _acme-challenge.NAME.).
# Every call is logged in $T/mx-txt.log (printed when the test fails).
MX_TXT="$T/mx-txt.sh"
mx_txt_script()
{
	{
		echo '#!/bin/sh'
		echo '# written by tests/integ/matrix.sh: TXT records in' \
		    'pebble-challtestsrv'
		echo "exec >>\"$T/mx-txt.log\" 2>&1"
		echo "mgmt=$CTS_MGMT"
		cat <<-'EOF'
		n=${2#\*.}
		n=_acme-challenge.${n#_acme-challenge.}
		n=${n%.}.
		case $1 in
		set|present)
			op=set-txt body="{\"host\":\"$n\",\"value\":\"$3\"}" ;;
		clear|cleanup) op=clear-txt body="{\"host\":\"$n\"}" ;;
		*) echo "mx-txt.sh: unknown call $*"; exit 1 ;;
		esac
		echo "$(date +%T) $op $n ${3:-}"
		curl -s -f -o /dev/null --noproxy '*' --max-time 5 -d "$body" \
		    "$mgmt/$op" || { echo "mx-txt.sh: $op $n failed"; exit 1; }
		EOF
	} >"$MX_TXT"
	chmod 755 "$MX_TXT"
}

# mx_webroot start|stop: the static web server on 127.0.0.1:$HP serving
# $MX_WEB (answers written to $MX_ACH) for clients that use a web root.
# Only one of it and a client's own http-01 server can hold $HP.
MX_WEB="$T/webroot"
MX_ACH="$MX_WEB/.well-known/acme-challenge"
mx_webroot()
{
	case $1 in
	start) start_webroot "$MX_WEB" "$HP" ;;
	stop) stop_pid "$WEB_PID"; WEB_PID= ;;
	esac
}

# mx_eab_key COMMENT: a fresh EAB key of the eab server; sets kid and
# hmac_key.
mx_eab_key() { eab_new "$EAB_CONF" "$1"; }

# mx_eab_bound CLIENT ACCOUNT-ID: `acmegwctl eab list` on the eab server
# shows the key of the last mx_eab_key ($kid) bound to ACCOUNT-ID (E*);
# otherwise the CLIENT eab cell fails.  Returns 0 when bound, else 1.
mx_eab_bound()
{
	_eb=$(ctl_f "$EAB_CONF" eab list |
	    awk -F '\t' -v k="$kid" '$1 == k { print $3 }')
	if [ -n "$2" ] && [ "$_eb" = "bound $2" ]; then
		pass "$1 eab: EAB key $kid bound to account $2"
		return 0
	fi
	mx_result "$1" eab fail "acmegwctl eab list: key $kid is" \
	    "\"$_eb\", want bound to account '$2'"
	return 1
}

# use_server open|eab: point SRV_URL, SRV_BASE, SRV_CONF, CONF and the CA
# variables of check_cert / check_revoked (CA_ROOT, CA_CERT, CA_CHAIN,
# CRL_FILE, CRL_URL) at that server.
use_server()
{
	eval "SRV_URL=\$$1_SRV_URL SRV_BASE=\$$1_SRV_BASE" \
	    "SRV_CONF=\$$1_SRV_CONF CONF=\$$1_SRV_CONF" \
	    "CA_ROOT=\$$1_CA_ROOT CA_CERT=\$$1_CA_CERT" \
	    "CA_CHAIN=\$$1_CA_CHAIN CRL_FILE=\$$1_CRL_FILE" \
	    "CRL_URL=\$$1_CRL_URL"
}

# save_server open|eab: remember the server start_issuer made last.
save_server()
{
	for _v in SRV_URL SRV_BASE SRV_CONF CA_ROOT CA_CERT CA_CHAIN \
	    CRL_FILE CRL_URL; do
		eval "$1_$_v=\$$_v"
	done
}

start_challtestsrv
mx_txt_script
HP=$(free_port) && TP=$(free_port) || fail "no free port"
for _srv in eab open; do
	start_issuer "$_srv" "$_srv" \
	    "validator_path = $VALIDATE_BIN" \
	    "resolver = 127.0.0.1:$CTS_DNS" \
	    "validate_http_port = $HP" \
	    "validate_tls_port = $TP" \
	    "allow_private_targets = yes" \
	    "validation_timeout = 5s"
	save_server "$_srv"
done
EAB_CONF=$eab_SRV_CONF EAB_URL=$eab_SRV_URL
use_server open
log "validation on http port $HP, tls port $TP;" \
    "open server $open_SRV_URL, eab server $eab_SRV_URL"

# (mx_client, mx_t0: names no client function uses)
for mx_client in $MATRIX_CLIENTS; do
	. "$top_srcdir/tests/integ/mx_$mx_client.sh"
	use_server open
	mx_t0=$(date +%s)
	"mx_$(printf '%s' "$mx_client" | tr - _)"
	[ -z "${WEB_PID:-}" ] || mx_webroot stop
	log "$mx_client: $(($(date +%s) - mx_t0)) s"
done

# The table: every client has a result for every step; a cell that
# failed once stays "fail".  Then the reasons of the n/a and fail cells.
"$PY" - "$MX_RESULTS" "$MX_STEPS" $MATRIX_CLIENTS <<-'EOF' || rc=1
import sys
res, steps, clients = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
cell, why = {}, {}
for line in open(res):
    c, s, r, text = line.rstrip("\n").split("\t", 3)
    if cell.get((c, s)) != "fail":
        cell[c, s] = r
    if r != "pass":
        why.setdefault((c, s), []).append("%s: %s" % (r, text))
w = max(len(c) for c in clients)
print(("%-*s  %s" % (w, "client",
                     "  ".join("%-8s" % s for s in steps))).rstrip())
missing = []
for c in clients:
    row = []
    for s in steps:
        r = cell.get((c, s))
        if r is None:
            missing.append("%s %s" % (c, s))
            r = "-"
        row.append("%-8s" % r)
    print(("%-*s  %s" % (w, c, "  ".join(row))).rstrip())
for c in clients:
    for s in steps:
        for t in why.get((c, s), []):
            print("  %s %s: %s" % (c, s, t))
if missing:
    sys.exit("FAIL no result for: " + ", ".join(missing))
EOF
grep -q "	fail	" "$MX_RESULTS" && rc=1

# F2: no 5xx.  acmegw logs every request ("ADDR METHOD PATH STATUS
# acct=..."; lighttpd.out, or Apache's error.log), Apache its own answers
# in access.log ("%r" %>s).
for _srv in open eab; do
	if [ "${APACHE:-0}" = 1 ]; then
		_lf="$T/$_srv/apache/error.log"
	else
		_lf="$T/$_srv/lighttpd.out"
	fi
	_n=$(grep -cE ' (GET|HEAD|POST) [^ ]+ [0-9]{3} acct=' "$_lf")
	_n=${_n:-0}
	_x=$(grep -E ' (GET|HEAD|POST) [^ ]+ 5[0-9][0-9] acct=' "$_lf")
	if [ "${APACHE:-0}" = 1 ]; then
		_x="$_x$(grep -E '" 5[0-9][0-9] ' "$T/$_srv/apache/access.log")"
	fi
	if [ "$_n" -eq 0 ]; then
		bad "F2 $_srv server: no request lines in $_lf"
	elif [ -n "$_x" ]; then
		printf '%s\n' "$_x" | sed 's/^/  /'
		bad "F2 $_srv server: 5xx answers during the matrix"
	else
		pass "F2 $_srv server: $_n requests, no 5xx"
	fi
done

if [ $rc -ne 0 ]; then
	echo "----- mx-txt.log (DNS hooks)"
	cat "$T/mx-txt.log" 2>/dev/null
	echo "----- $open_SRV_CONF"
	cat "$open_SRV_CONF"
fi
exit $rc

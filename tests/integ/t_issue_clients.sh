#!/bin/sh
# t_issue_clients.sh: uacme, dehydrated and acme-tiny each get a
# certificate from acmegw behind lighttpd with http-01.  The CA is made by
# `acmegwctl init --ca`; every certificate is checked with certtool
# --verify against the root and for exactly the names requested (lib.sh
# check_cert).
#
# The three clients write their http-01 answers into a web root; a
# python3 http.server serves it on 127.0.0.1:validate_http_port, and
# pebble-challtestsrv answers every .test name with 127.0.0.1.
#  uacme: `new`, then `issue` with a hook script (uacme's interface:
#    METHOD TYPE IDENT TOKEN KEYAUTH) writing the file; uacme trusts the
#    test CA only inside a private mount namespace where the system CA
#    bundle plus the test CA is bind-mounted over
#    /etc/ssl/certs/ca-certificates.crt (CLIENTS.md; needs root).
#  dehydrated: --register, then --cron -d ... with WELLKNOWN = the web root
#    and CURL_OPTS="--cacert ..." in its config.
#  acme-tiny: an RSA account key and a CSR made by openssl,
#    --acme-dir = the web root, --disable-check (its self-check would use
#    port 80), SSL_CERT_FILE = the test CA.
# ISSUE_CLIENTS="uacme dehydrated acme-tiny" (the default) picks clients.
# Each step prints PASS or FAIL; the test fails if one does.  Every client
# run is bounded (CLIENT_TIMEOUT seconds, default 120); every server is
# stopped on exit (lib.sh trap).

. "$top_srcdir/tests/integ/lib.sh"
need_cmd pebble-challtestsrv certtool
setup
[ -x "$VALIDATE_BIN" ] || fail "$VALIDATE_BIN is not built"

start_challtestsrv
HP=$(free_port) || fail "no free port"
start_issuer main open \
    "validator_path = $VALIDATE_BIN" \
    "resolver = 127.0.0.1:$CTS_DNS" \
    "validate_http_port = $HP" \
    "allow_private_targets = yes" \
    "validation_timeout = 5s"
WEB="$T/webroot"
ACH="$WEB/.well-known/acme-challenge"
start_webroot "$WEB" "$HP"

CTO=${CLIENT_TIMEOUT:-120}
CLIENTS=${ISSUE_CLIENTS:-uacme dehydrated acme-tiny}
rc=0
bad() { rc=1; echo "FAIL $*"; }

# run_client NAME OUTFILE CMD...: CMD bounded by CTO seconds, its output
# in OUTFILE and indented on stdout.
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

# ------------------------------------------------------------------- uacme
uacme_steps()
{
	SYSCA=/etc/ssl/certs/ca-certificates.crt
	if ! command -v uacme >/dev/null 2>&1; then
		bad "uacme is not installed"
		return
	fi
	if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1 ||
	    [ ! -f "$SYSCA" ] || ! unshare -m true 2>/dev/null; then
		bad "uacme cannot trust the test CA: it needs a private mount" \
		    "namespace (root, unshare -m, $SYSCA) to see it"
		return
	fi
	cat "$SYSCA" "$T/ca/ca.pem" >"$T/bundle.crt"
	U="$T/uacme"
	mkdir -p "$U"
	cat >"$T/uacme-hook.sh" <<-EOF
	#!/bin/sh
	# uacme hook: METHOD TYPE IDENT TOKEN KEYAUTH; http-01 only
	echo "uacme-hook \$*" >>"$T/uacme-hook.log"
	[ "\$2" = http-01 ] || exit 1
	case "\$1" in
	begin) printf '%s' "\$5" >"$ACH/\$4" ;;
	done|failed) rm -f "$ACH/\$4" ;;
	*) exit 1 ;;
	esac
	EOF
	chmod 755 "$T/uacme-hook.sh"
	# shellcheck disable=SC2016
	_ns='mount --bind "$1" "$2" && shift 2 && exec uacme "$@"'
	if run_client uacme "$U.new.out" unshare -m sh -c "$_ns" uac \
	    "$T/bundle.crt" "$SYSCA" -v -c "$U" -a "$SRV_URL" -y \
	    new ua@example.test; then
		pass "uacme new"
	else
		bad "uacme new: exit status $?"
		return
	fi
	if run_client uacme "$U.issue.out" unshare -m sh -c "$_ns" uac \
	    "$T/bundle.crt" "$SYSCA" -v -c "$U" -a "$SRV_URL" -y \
	    -h "$T/uacme-hook.sh" issue ua.test www.ua.test; then
		check_cert "uacme http-01 (hook)" "$U/ua.test/cert.pem" \
		    ua.test www.ua.test || rc=1
	else
		bad "uacme issue: exit status $?"
	fi
}

# -------------------------------------------------------------- dehydrated
dehydrated_steps()
{
	if ! command -v dehydrated >/dev/null 2>&1; then
		bad "dehydrated is not installed"
		return
	fi
	D="$T/dehydrated"
	mkdir -p "$D"
	cat >"$D/config" <<-EOF
	CA="$SRV_URL"
	BASEDIR="$D"
	WELLKNOWN="$ACH"
	CURL_OPTS="--cacert $T/ca/ca.pem"
	CONTACT_EMAIL=dh@example.test
	CHALLENGETYPE=http-01
	KEY_ALGO=secp384r1
	EOF
	if run_client dehydrated "$D.register.out" dehydrated -f "$D/config" \
	    --register --accept-terms; then
		pass "dehydrated --register"
	else
		bad "dehydrated --register: exit status $?"
		return
	fi
	if run_client dehydrated "$D.cron.out" dehydrated -f "$D/config" \
	    --cron -d dh.test -d www.dh.test; then
		check_cert "dehydrated http-01 (web root)" \
		    "$D/certs/dh.test/fullchain.pem" dh.test www.dh.test || rc=1
	else
		bad "dehydrated --cron: exit status $?"
	fi
}

# --------------------------------------------------------------- acme-tiny
acmetiny_steps()
{
	if ! command -v acme-tiny >/dev/null 2>&1; then
		bad "acme-tiny is not installed"
		return
	fi
	A="$T/acme-tiny"
	mkdir -p "$A"
	if ! openssl genrsa -out "$A/account.key" 2048 >"$A.gen.out" 2>&1 ||
	    ! openssl req -new -newkey rsa:2048 -nodes \
	    -keyout "$A/domain.key" -subj "/CN=at.test" \
	    -addext "subjectAltName = DNS:at.test, DNS:www.at.test" \
	    -out "$A/domain.csr" >>"$A.gen.out" 2>&1; then
		cat "$A.gen.out"
		bad "acme-tiny: openssl could not make the keys and the CSR"
		return
	fi
	if run_client acme-tiny "$A.out" env SSL_CERT_FILE="$T/ca/ca.pem" \
	    sh -c 'acme-tiny "$@" >"$0"' "$A/chain.pem" \
	    --account-key "$A/account.key" --csr "$A/domain.csr" \
	    --acme-dir "$ACH" --directory-url "$SRV_URL" --disable-check \
	    --contact mailto:at@example.test; then
		check_cert "acme-tiny http-01 (web root)" "$A/chain.pem" \
		    at.test www.at.test || rc=1
	else
		bad "acme-tiny: exit status $?"
	fi
}

for c in $CLIENTS; do
	case $c in
	uacme) uacme_steps ;;
	dehydrated) dehydrated_steps ;;
	acme-tiny) acmetiny_steps ;;
	*) fail "ISSUE_CLIENTS: unknown client $c" ;;
	esac
done

if [ $rc -ne 0 ]; then
	echo "----- the web root's log"
	cat "$WEB.log" 2>/dev/null
	echo "----- uacme hook calls"
	cat "$T/uacme-hook.log" 2>/dev/null
	echo "----- $CONF"
	cat "$CONF"
fi
exit $rc

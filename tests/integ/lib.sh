# lib.sh: shared helpers of the acmegw integration tests (sourced, POSIX sh).
#
# It makes a private temporary directory, a throw-away TLS CA and server
# certificate, writes acmegw.conf and a lighttpd configuration, starts
# lighttpd (TLS on a free 127.0.0.1 port, mod_fastcgi running
# acmegw.fcgi with max-procs processes) and waits until the directory
# answers.  On exit, whatever the outcome, it stops every process it
# started (lighttpd, the responders, the acmegw-worker they started, any
# background job) by process id, prints the logs when the test failed,
# and removes the directory (kept when KEEP=1).
#
# It never touches anything outside its temporary directory, never binds
# anything but 127.0.0.1, and never uses the machine's CA store.
#
# Environment: top_srcdir, top_builddir (absolute; set by make check).
# Exit codes of a test: 0 pass, 1 fail, 77 skip (a needed tool is missing).

: "${top_srcdir:?top_srcdir is not set}"
: "${top_builddir:?top_builddir is not set}"

PY=/usr/bin/python3
ACMETEST="$top_srcdir/tests/integ/acmetest.py"
FCGI_BIN="$top_builddir/cgi-bin/acmegw.fcgi"
WORKER_BIN="$top_builddir/src/acmegw-worker"
CTL_BIN="$top_builddir/src/acmegwctl"
LIGHTTPD_MODDIR=/usr/lib/lighttpd
TEST_NAME=$(basename "$0" .sh)
T=
SERVERS=

log() { printf '%s: %s\n' "$TEST_NAME" "$*"; }
pass() { printf 'PASS %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; exit 1; }
skip() { printf 'SKIP %s: %s\n' "$TEST_NAME" "$*"; exit 77; }

# need_cmd CMD...: skip the test when a tool is missing.
need_cmd()
{
	for _c in "$@"; do
		command -v "$_c" >/dev/null 2>&1 || skip "$_c is not installed"
	done
}

# need_base: what every test needs (with APACHE=1, Apache and mod_fcgid
# instead of lighttpd).
need_base()
{
	if [ "${APACHE:-0}" = 1 ]; then
		need_apache
		need_cmd openssl curl
	else
		need_cmd lighttpd openssl curl
	fi
	[ -x "$PY" ] || skip "$PY is not installed"
	"$PY" -c 'import cryptography' 2>/dev/null ||
	    skip "python3-cryptography is not installed"
	[ "${APACHE:-0}" = 1 ] ||
	    [ -f "$LIGHTTPD_MODDIR/mod_openssl.so" ] ||
	    skip "lighttpd mod_openssl is not installed" \
	    "($LIGHTTPD_MODDIR/mod_openssl.so; Debian package" \
	    "lighttpd-mod-openssl)"
	for _b in "$FCGI_BIN" "$WORKER_BIN" "$CTL_BIN"; do
		[ -x "$_b" ] || fail "$_b is not built"
	done
}

# pids_in_tmp: the processes, other than this shell, that have a file
# under $T open or mapped, or $T on their command line: everything this
# test started, directly or not.
pids_in_tmp()
{
	[ -n "$T" ] || return 0
	for _d in /proc/[0-9]*; do
		_p=${_d#/proc/}
		[ "$_p" = "$$" ] && continue
		if { tr '\0' ' ' <"$_d/cmdline"; } 2>/dev/null | grep -qF "$T/" ||
		    ls -l "$_d/fd" 2>/dev/null | grep -qF "$T/" ||
		    grep -qF "$T/" "$_d/maps" 2>/dev/null; then
			echo "$_p"
		fi
	done
}

# stop_pid PID: SIGTERM, wait up to 3 s, then SIGKILL.
stop_pid()
{
	kill "$1" 2>/dev/null || return 0
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 30 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# show_logs: the end of each server's logs; from the responders' and the
# worker's stderr, everything but the lines of successful requests.
show_logs()
{
	for _s in $SERVERS; do
		_f="$T/$_s/apache/error.log"
		if [ -s "$_f" ]; then
			echo "----- $_s/apache/error.log (acmegw stderr" \
			    "included; 2xx request lines left out)"
			grep -v -E ' (GET|HEAD|POST) [^ ]+ 2[0-9][0-9] acct=| created for key ' \
			    "$_f" | tail -n 80
		fi
		_f="$T/$_s/lighttpd.err"
		if [ -s "$_f" ]; then
			echo "----- tail of $_s/lighttpd.err"
			tail -n 40 "$_f"
		fi
		_f="$T/$_s/lighttpd.out"
		if [ -s "$_f" ]; then
			echo "----- tail of $_s/lighttpd.out (acmegw stderr," \
			    "2xx request lines left out)"
			grep -v -E ' (GET|HEAD|POST) [^ ]+ 2[0-9][0-9] acct=| created for key ' \
			    "$_f" | tail -n 80
		fi
	done
}

cleanup()
{
	_rc=$?
	trap - EXIT INT TERM HUP
	[ -n "$T" ] || exit $_rc
	if [ $_rc -ne 0 ] && [ $_rc -ne 77 ]; then
		show_logs
	fi
	for _s in $SERVERS; do
		[ -f "$T/$_s/lighttpd.pid" ] &&
		    stop_pid "$(cat "$T/$_s/lighttpd.pid")"
		[ -f "$T/$_s/apache.pid" ] &&
		    stop_pid "$(cat "$T/$_s/apache.pid")"
	done
	for _p in $(jobs -p); do
		kill -9 "$_p" 2>/dev/null
	done
	# the responders and the worker they started, found by their files
	for _round in 1 2 3; do
		_left=$(pids_in_tmp)
		[ -z "$_left" ] && break
		for _p in $_left; do
			if [ $_round -eq 1 ]; then
				kill "$_p" 2>/dev/null
			else
				kill -9 "$_p" 2>/dev/null
			fi
		done
		sleep 0.5
	done
	# a test's own undoing, once nothing it started runs any more
	# (t_diskfull.sh unmounts its file systems under $T)
	[ -n "${CLEANUP_HOOK:-}" ] && $CLEANUP_HOOK
	if [ "${KEEP:-0}" = 1 ]; then
		log "kept $T"
	else
		rm -rf "$T"
	fi
	exit $_rc
}

# setup: the temporary directory, the exit trap and the test CA.
setup()
{
	need_base
	T=$(mktemp -d "${TMPDIR:-/tmp}/acmegw-$TEST_NAME.XXXXXX") ||
	    fail "mktemp"
	chmod 700 "$T"
	trap cleanup EXIT
	trap 'exit 1' INT TERM HUP
	make_ca
	export ACMETEST_CA="$T/ca/ca.pem"
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port()
{
	"$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# make_ca: $T/ca/ca.pem (a CA) and $T/ca/server.{pem,key} for 127.0.0.1
# and localhost.
make_ca()
{
	mkdir -p "$T/ca"
	(
		cd "$T/ca" || exit 1
		cat >ca.cnf <<-EOF
		[req]
		distinguished_name = dn
		[dn]
		[v3_ca]
		basicConstraints = critical, CA:TRUE
		keyUsage = critical, keyCertSign, cRLSign
		subjectKeyIdentifier = hash
		[srv]
		basicConstraints = critical, CA:FALSE
		keyUsage = critical, digitalSignature
		extendedKeyUsage = serverAuth
		subjectAltName = IP:127.0.0.1, DNS:localhost
		subjectKeyIdentifier = hash
		authorityKeyIdentifier = keyid:always
		EOF
		openssl req -x509 -config ca.cnf -extensions v3_ca \
		    -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout ca.key -out ca.pem -days 2 \
		    -subj "/CN=acmegw integration test CA" &&
		openssl req -new -config ca.cnf -newkey ec \
		    -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout server.key -out server.csr -subj "/CN=localhost" &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
		    -set_serial "0x$(openssl rand -hex 12)" -days 2 \
		    -extfile ca.cnf -extensions srv -out server.pem
	) >"$T/ca/openssl.log" 2>&1 || {
		cat "$T/ca/openssl.log"
		fail "could not make the test CA"
	}
}

# start_server NAME ENROLLMENT [CONF-LINE...]: acmegw behind lighttpd in
# $T/NAME.  Sets SRV_DIR, SRV_CONF, SRV_PORT, SRV_BASE (base_url),
# SRV_URL (directory URL), SRV_PID (lighttpd) and CONF (for ctl).
# MAXPROCS (default 4) is the number of acmegw.fcgi processes.
start_server()
{
	server_conf "$@"
	server_launch
}

# server_conf NAME ENROLLMENT [CONF-LINE...]: the first half of
# start_server: $T/NAME with acmegw.conf and lighttpd.conf written, nothing
# started yet.  Sets SRV_DIR, SRV_CONF, SRV_PORT, SRV_BASE, SRV_URL, CONF.
server_conf()
{
	_name=$1 _enroll=$2
	shift 2
	SRV_NAME=$_name
	SRV_DIR="$T/$_name"
	mkdir -p "$SRV_DIR/www" "$SRV_DIR/state"
	chmod 700 "$SRV_DIR/state"
	SRV_PORT=$(free_port) || fail "no free port"
	SRV_BASE="https://127.0.0.1:$SRV_PORT/acme"
	SRV_URL="$SRV_BASE/directory"
	SRV_CONF="$SRV_DIR/acmegw.conf"
	{
		echo "# written by tests/integ/lib.sh"
		echo "base_url = $SRV_BASE"
		echo "state_dir = $SRV_DIR/state"
		echo "enrollment = $_enroll"
		echo "worker_path = $WORKER_BIN"
		echo "worker_idle_exit = 30s"
		echo "log_level = debug"
		for _l in "$@"; do
			echo "$_l"
		done
	} >"$SRV_CONF"
	CONF=$SRV_CONF
	if [ "${APACHE:-0}" = 1 ]; then
		apache_conf
		return
	fi
	cat >"$SRV_DIR/lighttpd.conf" <<-EOF
	server.modules = ( "mod_fastcgi", "mod_openssl" )
	server.document-root = "$SRV_DIR/www"
	server.bind = "127.0.0.1"
	server.port = $SRV_PORT
	server.errorlog = "$SRV_DIR/lighttpd.err"
	server.pid-file = "$SRV_DIR/lighttpd.pid.lighttpd"
	server.max-request-size = 1024
	ssl.engine = "enable"
	ssl.pemfile = "$T/ca/server.pem"
	ssl.privkey = "$T/ca/server.key"
	fastcgi.server = ( "/acme" => ((
		"bin-path" => "$FCGI_BIN",
		"socket" => "$SRV_DIR/fcgi.sock",
		"check-local" => "disable",
		"max-procs" => ${MAXPROCS:-4},
		"bin-environment" => ( "ACMEGW_CONF" => "$SRV_CONF" )
	)) )
	EOF
	lighttpd -tt -f "$SRV_DIR/lighttpd.conf" >"$SRV_DIR/lighttpd.out" 2>&1 ||
	    { cat "$SRV_DIR/lighttpd.out"; fail "lighttpd refuses its config"; }
	CONF=$SRV_CONF
}

# server_launch: the second half of start_server: lighttpd (and through it
# acmegw.fcgi) started on the server server_conf wrote last, and waited
# for.  Sets SRV_PID.
server_launch()
{
	_name=$SRV_NAME
	SERVERS="$SERVERS $_name"
	if [ "${APACHE:-0}" = 1 ]; then
		apache_launch
		return
	fi
	# the responders' and the worker's stderr, time-stamped
	mkfifo "$SRV_DIR/stderr.fifo" || fail "mkfifo"
	"$PY" -u -c 'import sys, time
for l in sys.stdin:
    t = time.time()
    sys.stdout.write("%s.%03d %s" % (time.strftime("%H:%M:%S",
        time.localtime(t)), int(t * 1000) % 1000, l))' \
	    <"$SRV_DIR/stderr.fifo" >>"$SRV_DIR/lighttpd.out" 2>&1 &
	lighttpd -D -f "$SRV_DIR/lighttpd.conf" >"$SRV_DIR/stderr.fifo" 2>&1 &
	SRV_PID=$!
	echo "$SRV_PID" >"$SRV_DIR/lighttpd.pid"
	CONF=$SRV_CONF
	wait_ready "$SRV_URL" "$SRV_PID" ||
	    fail "$_name: $SRV_URL did not answer 200 within 10 s"
	log "$_name: lighttpd pid $SRV_PID, $SRV_URL ($_enroll)"
}

# wait_ready URL PID: 0 once URL answers 200, 1 after ~10 s or if PID dies.
wait_ready()
{
	_i=0
	while [ $_i -lt 50 ]; do
		kill -0 "$2" 2>/dev/null || return 1
		_code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		    --cacert "$T/ca/ca.pem" "$1" 2>/dev/null)
		[ "$_code" = 200 ] && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	log "last answer of $1: ${_code:-none}"
	return 1
}

# fcgi_pids LIGHTTPD-PID: the acmegw.fcgi processes of that server.
fcgi_pids()
{
	for _d in /proc/[0-9]*; do
		_p=${_d#/proc/}
		[ "$(awk '/^PPid:/ { print $2 }' "$_d/status" 2>/dev/null)" = "$1" ] ||
		    continue
		case "$(readlink "$_d/exe" 2>/dev/null)" in
		*/acmegw.fcgi*) echo "$_p" ;;
		esac
	done
}

# ctl ARGS...: acmegwctl on the last server started ($CONF);
# ctl_f CONF ARGS...: on another one.
ctl() { as_srv "$CTL_BIN" -f "$CONF" "$@"; }
ctl_f() { _cf=$1; shift; as_srv "$CTL_BIN" -f "$_cf" "$@"; }

# as_srv CMD...: CMD as the user acmegw runs as under the web server
# ($SRV_USER, set by apache_conf when the test runs as root; empty: this
# user), since acmegwctl must run as the owner of state_dir.
as_srv()
{
	if [ -n "${SRV_USER:-}" ]; then
		runuser -u "$SRV_USER" -- "$@"
	else
		"$@"
	fi
}

# eab_new CONF COMMENT: a fresh EAB key (`acmegwctl eab add`) of the
# server whose configuration is CONF; sets kid and hmac_key.
eab_new()
{
	_eo=$(ctl_f "$1" eab add --comment "$2") ||
	    fail "acmegwctl eab add: exit $?"
	kid= hmac_key=
	eval "$(printf '%s\n' "$_eo" |
	    grep -E '^(kid|hmac_key)=[A-Za-z0-9._-]+$')"
	[ -n "$kid" ] && [ -n "$hmac_key" ] ||
	    fail "acmegwctl eab add printed no kid/hmac_key: $_eo"
}

# atest ARGS...: the project's test client, trusting the test CA.
atest() { "$PY" "$ACMETEST" --ca "$T/ca/ca.pem" "$@"; }

# ------------------------------------------------------------------ issue 3
# Orders and validation: the validator, a DNS server for the .test zone
# and the challenge responders of acmetest.py.

VALIDATE_BIN="$top_builddir/src/acmegw-validate"

# start_challtestsrv: pebble-challtestsrv on loopback serving only DNS
# (every A query answers 127.0.0.1, no AAAA) and its management API; its
# own challenge servers are off.  Sets CTS_MGMT (management URL), CTS_DNS
# (DNS port) and CTS_PID.  Three tries with fresh ports, 5 s each.
start_challtestsrv()
{
	need_cmd pebble-challtestsrv
	_try=0
	while [ $_try -lt 3 ]; do
		_m=$(free_port) && _d=$(free_port) || fail "no free port"
		pebble-challtestsrv -management "127.0.0.1:$_m" \
		    -dns01 "127.0.0.1:$_d" -http01 "" -https01 "" \
		    -tlsalpn01 "" -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
		    >>"$T/challtestsrv.log" 2>&1 &
		CTS_PID=$!
		_i=0
		while [ $_i -lt 50 ]; do
			if curl -s -f -o /dev/null --noproxy '*' --max-time 2 \
			    -d '{"ip":""}' \
			    "http://127.0.0.1:$_m/set-default-ipv6" 2>/dev/null
			then
				CTS_MGMT="http://127.0.0.1:$_m"
				CTS_DNS=$_d
				log "pebble-challtestsrv pid $CTS_PID: DNS" \
				    "127.0.0.1:$CTS_DNS, management $CTS_MGMT"
				return 0
			fi
			kill -0 "$CTS_PID" 2>/dev/null || break
			sleep 0.1
			_i=$((_i + 1))
		done
		stop_pid "$CTS_PID"
		_try=$((_try + 1))
	done
	cat "$T/challtestsrv.log"
	fail "pebble-challtestsrv did not start"
}

# cts_post PATH JSON: a call of the challtestsrv management API
# (set-txt, clear-txt, set-servfail, add-caa...).
cts_post()
{
	curl -s -f -o /dev/null --noproxy '*' --max-time 5 -d "$2" \
	    "$CTS_MGMT/$1"
}

# start_responders DIR [ARG...]: the http-01 and tls-alpn-01 responders
# of acmetest.py on 127.0.0.1, serving what a client writes under DIR (see
# "acmetest.py responders"; ARGs go to it, e.g. --tls-port PORT).  Sets
# RESP_DIR, RESP_HTTP, RESP_TLS (ports) and RESP_PID.
start_responders()
{
	RESP_DIR=$1
	shift
	mkdir -p "$RESP_DIR"
	"$PY" "$ACMETEST" --ca "$T/ca/ca.pem" responders "$RESP_DIR" "$@" \
	    >"$RESP_DIR/responders.out" 2>&1 &
	RESP_PID=$!
	_i=0
	while [ ! -s "$RESP_DIR/responders.ports" ]; do
		if [ $_i -ge 100 ] || ! kill -0 "$RESP_PID" 2>/dev/null; then
			cat "$RESP_DIR/responders.out"
			fail "the challenge responders did not start"
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	RESP_HTTP=$(awk '$1 == "http" { print $2 }' "$RESP_DIR/responders.ports")
	RESP_TLS=$(awk '$1 == "tls" { print $2 }' "$RESP_DIR/responders.ports")
	log "responders pid $RESP_PID: http-01 127.0.0.1:$RESP_HTTP," \
	    "tls-alpn-01 127.0.0.1:$RESP_TLS"
}

# ------------------------------------------------------------------ issue 4
# Issuance and revocation: an issuing CA made by `acmegwctl init --ca` in
# the server's directory, the signer, the CRL, and the checks of the
# certificates clients get.

SIGN_BIN="$top_builddir/src/acmegw-sign"

# start_issuer NAME ENROLLMENT [CONF-LINE...]: like start_server, with the
# issue-4 settings first: ca_cert, ca_key, ca_chain under $T/NAME/ca,
# signer_path, a CRL written to $T/NAME/www/crl.pem (so lighttpd serves
# it at https://127.0.0.1:PORT/crl.pem, the profile's crl_url) after
# every revocation, and the "default" profile (ISSUE_VALIDITY, default
# 30d, so that a certificate of the built-in 90-day profile shows), then
# the CA made by `acmegwctl init --ca` before lighttpd starts.  Extra
# CONF-LINEs come after, so they can add profiles.  Sets, besides what
# start_server sets: CA_DIR, CA_CERT (issuing CA), CA_CHAIN, CA_ROOT (the
# self-signed root, for certtool --verify), CRL_FILE, CRL_URL, ISSUE_DAYS.
start_issuer()
{
	_iname=$1 _ienroll=$2
	shift 2
	[ -x "$SIGN_BIN" ] || fail "$SIGN_BIN is not built"
	_idir="$T/$_iname"
	CA_DIR="$_idir/ca"
	CA_CERT="$CA_DIR/issuing.pem"
	CA_CHAIN="$CA_DIR/chain.pem"
	CA_ROOT="$CA_DIR/root.pem"
	CRL_FILE="$_idir/www/crl.pem"
	ISSUE_VALIDITY=${ISSUE_VALIDITY:-30d}
	ISSUE_DAYS=${ISSUE_VALIDITY%d}
	mkdir -p "$CA_DIR"
	chmod 700 "$CA_DIR"
	server_conf "$_iname" "$_ienroll" \
	    "ca_cert = $CA_CERT" \
	    "ca_key = $CA_DIR/issuing.key" \
	    "ca_chain = $CA_CHAIN" \
	    "signer_path = $SIGN_BIN" \
	    "signing_timeout = 10s" \
	    "crl_file = $CRL_FILE" \
	    "crl_on_revoke = yes" \
	    "default_profile = default" \
	    "profile.default.validity = $ISSUE_VALIDITY" \
	    "profile.default.key_types = rsa2048 rsa3072 rsa4096 p256 p384" \
	    "profile.default.common_name = yes" \
	    "$@"
	# the port is known now; the CRL is served by this same lighttpd
	CRL_URL="https://127.0.0.1:$SRV_PORT/crl.pem"
	echo "profile.default.crl_url = $CRL_URL" >>"$SRV_CONF"
	make_issuing_ca
	server_launch
}

# make_issuing_ca: `acmegwctl init --ca` on the server server_conf wrote
# last ($CONF): it makes the root and the issuing CA where ca_cert, ca_key
# and ca_chain point.  Then $CA_ROOT is the self-signed certificate of
# the chain.
make_issuing_ca()
{
	ctl init --ca >"$CA_DIR/init.out" 2>&1 || {
		cat "$CA_DIR/init.out"
		fail "acmegwctl init --ca: exit status $?"
	}
	for _f in "$CA_CERT" "$CA_DIR/issuing.key"; do
		[ -s "$_f" ] || {
			cat "$CA_DIR/init.out"
			fail "acmegwctl init --ca made no $_f"
		}
	done
	"$PY" - "$CA_CERT" "$CA_CHAIN" "$CA_ROOT" <<-'EOF' || fail "no root CA"
	import re, sys
	from cryptography import x509
	certs = []
	for f in sys.argv[1:3]:
	    try:
	        pem = open(f, "rb").read()
	    except OSError:
	        continue
	    for m in re.finditer(rb"-----BEGIN CERTIFICATE-----.*?"
	                         rb"-----END CERTIFICATE-----", pem, re.S):
	        certs.append(x509.load_pem_x509_certificate(m.group(0)))
	roots = [c for c in certs if c.issuer == c.subject]
	if len(roots) != 1:
	    sys.exit("%d self-signed certificates in %s and %s" %
	             (len(roots), sys.argv[1], sys.argv[2]))
	from cryptography.hazmat.primitives.serialization import Encoding
	open(sys.argv[3], "wb").write(roots[0].public_bytes(Encoding.PEM))
	EOF
	log "CA made by acmegwctl init --ca: $(sed -n 1p "$CA_DIR/init.out")"
}

# check_cert WHAT CHAIN-FILE NAME...: the chain (leaf first) verifies with
# certtool against $CA_ROOT, the leaf names exactly NAME... (SAN dNSNames;
# a CN, if any, is one of them), is no CA, was issued by $CA_CERT (the
# second certificate of the chain), is valid for ISSUE_DAYS days and
# points at $CRL_URL (when set) as its CRL distribution point.  Sets
# SERIAL (lowercase hex of the DER INTEGER content, the key of acmegwctl
# cert show) and prints a PASS line; returns 1 (after a FAIL line) on any
# mismatch.
check_cert()
{
	_what=$1 _chain=$2
	shift 2
	SERIAL=
	[ -s "$_chain" ] || {
		echo "FAIL $_what: no certificate $_chain"
		return 1
	}
	_v=$(certtool --verify --load-ca-certificate "$CA_ROOT" \
	    --infile "$_chain" 2>&1)
	_vrc=$?
	if [ $_vrc -ne 0 ] ||
	    ! printf '%s\n' "$_v" |
	    grep -q 'Chain verification output: Verified'
	then
		printf '%s\n' "$_v" | sed 's/^/  certtool: /'
		echo "FAIL $_what: certtool --verify against the root" \
		    "(exit $_vrc)"
		return 1
	fi
	SERIAL=$("$PY" - "$_chain" "$CA_CERT" "$ISSUE_DAYS" "${CRL_URL:-}" \
	    "$@" \
	    2>"$T/check_cert.err" <<-'EOF'
	import re, sys
	from cryptography import x509
	from cryptography.x509.oid import NameOID, ExtensionOID
	chain, cafile, days, crlurl, names = sys.argv[1], sys.argv[2], \
	    int(sys.argv[3]), sys.argv[4], sorted(sys.argv[5:])
	certs = [x509.load_pem_x509_certificate(m.group(0)) for m in
	         re.finditer(rb"-----BEGIN CERTIFICATE-----.*?"
	                     rb"-----END CERTIFICATE-----",
	                     open(chain, "rb").read(), re.S)]
	if not certs:
	    sys.exit("no certificate in " + chain)
	leaf = certs[0]
	ca = x509.load_pem_x509_certificate(open(cafile, "rb").read())
	err = []
	try:
	    san = leaf.extensions.get_extension_for_oid(
	        ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
	    got = sorted(n.lower()
	                 for n in san.get_values_for_type(x509.DNSName))
	    other = [n for n in san if not isinstance(n, x509.DNSName)]
	    if other:
	        err.append("SAN holds more than dNSNames: %r" % other)
	except x509.ExtensionNotFound:
	    got = []
	if got != names:
	    err.append("names %s, want %s" % (got, names))
	for cn in leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
	    if cn.value.lower() not in names:
	        err.append("CN %s is not one of the names" % cn.value)
	try:
	    bc = leaf.extensions.get_extension_for_oid(
	        ExtensionOID.BASIC_CONSTRAINTS).value
	    if bc.ca:
	        err.append("the leaf is a CA")
	except x509.ExtensionNotFound:
	    pass
	if crlurl:
	    try:
	        dps = leaf.extensions.get_extension_for_oid(
	            ExtensionOID.CRL_DISTRIBUTION_POINTS).value
	        got = [n.value for dp in dps for n in (dp.full_name or [])]
	    except x509.ExtensionNotFound:
	        got = []
	    if got != [crlurl]:
	        err.append("CRL distribution points %s, want %s" %
	                   (got, crlurl))
	if leaf.issuer != ca.subject:
	    err.append("issuer %s, want %s" % (leaf.issuer.rfc4514_string(),
	                                       ca.subject.rfc4514_string()))
	if len(certs) < 2 or certs[1] != ca:
	    err.append("the second certificate of the chain is not ca_cert")
	life = leaf.not_valid_after - leaf.not_valid_before
	if abs(life.total_seconds() - days * 86400) > 3600:
	    err.append("valid for %s, want %d days" % (life, days))
	if err:
	    sys.exit("; ".join(err))
	n = leaf.serial_number
	print(n.to_bytes((n.bit_length() + 8) // 8, "big").hex())
	EOF
	) || {
		echo "FAIL $_what: $_chain: $(tail -n 3 "$T/check_cert.err")"
		return 1
	}
	pass "$_what: chain verifies against the root, names $*, serial $SERIAL"
	return 0
}

# cert_field SERIAL EXPR: a Python expression over the record "r" printed
# by `acmegwctl cert show SERIAL` (JSON).
cert_field()
{
	ctl cert show "$1" | "$PY" -c 'import json, sys
r = json.load(sys.stdin)
print('"$2"')'
}

# check_revoked WHAT SERIAL REASON: acmegwctl shows the certificate revoked
# for REASON, the CRL in $CRL_FILE (written after the revocation; waited
# for up to 5 s) is signed by the issuing CA and lists SERIAL with that
# reason (no reason entry, or unspecified, for 0), and lighttpd serves
# that file at $CRL_URL (when set).
check_revoked()
{
	_s=$(cert_field "$2" 'r["status"], r.get("reason")' 2>&1)
	[ "$_s" = "revoked $3" ] || {
		echo "FAIL $1: acmegwctl cert show $2: status, reason = $_s," \
		    "want revoked $3"
		return 1
	}
	_i=0
	while :; do
		_c=$("$PY" - "$CRL_FILE" "$CA_CERT" "$2" "$3" <<-'EOF' 2>&1
		import sys
		from cryptography import x509
		crlf, caf, serial, reason = sys.argv[1:5]
		try:
		    crl = x509.load_pem_x509_crl(open(crlf, "rb").read())
		except (OSError, ValueError) as e:
		    sys.exit("no CRL in %s: %s" % (crlf, e))
		ca = x509.load_pem_x509_certificate(open(caf, "rb").read())
		if not crl.is_signature_valid(ca.public_key()):
		    sys.exit("the CRL is not signed by the issuing CA")
		sn = int(serial, 16)
		r = crl.get_revoked_certificate_by_serial_number(sn)
		if r is None:
		    sys.exit("serial %s is not in the CRL (%d entries)" %
		             (serial, len(crl)))
		try:
		    got = r.extensions.get_extension_for_class(
		        x509.CRLReason).value.reason.name
		except x509.ExtensionNotFound:
		    got = None
		want = {"0": None, "1": "key_compromise",
		        "3": "affiliation_changed", "4": "superseded",
		        "5": "cessation_of_operation"}.get(reason, "?")
		if got != want and not (got == "unspecified" and want is None):
		    sys.exit("reason in the CRL %s, want %s" % (got, want))
		EOF
		) && break
		_i=$((_i + 1))
		[ $_i -lt 50 ] || {
			echo "FAIL $1: $_c"
			return 1
		}
		sleep 0.1
	done
	# lighttpd serves that very file at the URL in the certificates
	# (after up to 3 s: its stat cache may hold the CRL written before)
	_i=0
	while [ -n "${CRL_URL:-}" ]; do
		curl -s -f --noproxy '*' --max-time 5 --cacert "$T/ca/ca.pem" \
		    -o "$T/crl.fetched" "$CRL_URL" &&
		    cmp -s "$T/crl.fetched" "$CRL_FILE" && break
		_i=$((_i + 1))
		[ $_i -lt 30 ] || {
			echo "FAIL $1: $CRL_URL does not serve $CRL_FILE"
			return 1
		}
		sleep 0.1
	done
	pass "$1: serial $2 revoked (reason $3) and listed in the signed CRL" \
	    "${CRL_URL:+served at $CRL_URL}"
	return 0
}

# start_webroot DIR PORT: a static web server (python3 http.server) on
# 127.0.0.1:PORT serving DIR, for clients that write http-01 answers into
# a web root.  Sets WEB_PID.  Fails after 5 s without an answer.
start_webroot()
{
	mkdir -p "$1/.well-known/acme-challenge"
	echo ok >"$1/.well-known/acme-challenge/probe"
	"$PY" -m http.server --bind 127.0.0.1 --directory "$1" "$2" \
	    >"$1.log" 2>&1 &
	WEB_PID=$!
	_i=0
	while ! curl -s -f -o /dev/null --noproxy '*' --max-time 1 \
	    "http://127.0.0.1:$2/.well-known/acme-challenge/probe"; do
		if [ $_i -ge 50 ] || ! kill -0 "$WEB_PID" 2>/dev/null; then
			cat "$1.log"
			fail "the web server for $1 did not start on port $2"
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	rm -f "$1/.well-known/acme-challenge/probe"
	log "web root $1 on 127.0.0.1:$2 (pid $WEB_PID)"
}

# ------------------------------------------------------------------ issue 5
# Apache 2.4 with mod_fcgid instead of lighttpd (APACHE=1 before setup):
# server_conf writes $SRV_DIR/apache/apache.conf, a private ServerRoot
# (no /etc/apache2, no system service) with TLS on 127.0.0.1:SRV_PORT,
# the ACME prefix mapped to acmegw.fcgi by ScriptAlias (PATH_INFO kept)
# and $SRV_DIR/www served as static files (the CRL); server_launch runs
# `apache2 -f ... -DFOREGROUND`.  The mod_fcgid settings are those of
# etc/apache-acmegw.conf (SECURITY.md B13, X1) with MAXPROCS processes.
#
# Users: Apache will not run its children (and so mod_fcgid's process
# manager and acmegw.fcgi) as root.  When the test runs as root, the
# children run as APACHE_USER (default www-data): $T becomes mode 0711 so
# that user can reach its files, the state directory, the CA directory,
# the web root and mod_fcgid's socket directory are given to it, and
# acmegwctl runs as it too (ctl, ctl_f through as_srv, SRV_USER), as
# acmegw.fcgi(8) requires.  Not root: everything runs as this user and
# User/Group are left out.

APACHE_BIN=/usr/sbin/apache2
APACHE_MODDIR=/usr/lib/apache2/modules
SRV_USER=

# need_apache: skip unless Apache and the modules the test loads exist.
need_apache()
{
	[ -x "$APACHE_BIN" ] || skip "$APACHE_BIN is not installed (apache2)"
	for _m in mpm_event authz_core mime ssl socache_shmcb alias; do
		[ -f "$APACHE_MODDIR/mod_$_m.so" ] ||
		    skip "$APACHE_MODDIR/mod_$_m.so is missing (apache2)"
	done
	[ -f "$APACHE_MODDIR/mod_fcgid.so" ] ||
	    skip "mod_fcgid is not installed (libapache2-mod-fcgid)"
	if [ "$(id -u)" = 0 ]; then
		id "${APACHE_USER:-www-data}" >/dev/null 2>&1 ||
		    skip "user ${APACHE_USER:-www-data} does not exist"
		need_cmd runuser
	fi
}

# apache_conf: the Apache half of server_conf (see above).
apache_conf()
{
	_ad="$SRV_DIR/apache"
	mkdir -p "$_ad/fcgid" "$_ad/run"
	: >"$_ad/mime.types"
	_user=
	if [ "$(id -u)" = 0 ]; then
		SRV_USER=${APACHE_USER:-www-data}
		_g=$(id -gn "$SRV_USER")
		_user="User $SRV_USER
Group $_g"
		chmod 711 "$T"
		chmod 755 "$SRV_DIR"
		for _d in "$SRV_DIR/state" "$SRV_DIR/www" "$SRV_DIR/ca" \
		    "$_ad/fcgid"; do
			[ -d "$_d" ] && chown -R "$SRV_USER:$_g" "$_d"
		done
		# every directory above $T and the build tree must let it in
		as_srv test -w "$SRV_DIR/state" -a -x "$FCGI_BIN" ||
		    fail "$SRV_USER cannot reach $SRV_DIR/state or run" \
		    "$FCGI_BIN (a parent directory closed to it?)"
	fi
	chmod 700 "$_ad/fcgid"
	# mod_fcgid turns a 200 with a Location into a 302: acmegw sends it
	# as X-Acmegw-Location and mod_headers renames it back.
	echo "location_header = X-Acmegw-Location" >>"$SRV_CONF"
	cat >"$_ad/apache.conf" <<-EOF
	# written by tests/integ/lib.sh (apache_conf)
	ServerRoot "$_ad"
	DefaultRuntimeDir "$_ad/run"
	PidFile "$_ad/httpd.pid"
	Mutex file:$_ad/run default
	ServerName localhost
	Listen 127.0.0.1:$SRV_PORT
	LoadModule mpm_event_module $APACHE_MODDIR/mod_mpm_event.so
	LoadModule authz_core_module $APACHE_MODDIR/mod_authz_core.so
	LoadModule mime_module $APACHE_MODDIR/mod_mime.so
	LoadModule socache_shmcb_module $APACHE_MODDIR/mod_socache_shmcb.so
	LoadModule ssl_module $APACHE_MODDIR/mod_ssl.so
	LoadModule alias_module $APACHE_MODDIR/mod_alias.so
	LoadModule fcgid_module $APACHE_MODDIR/mod_fcgid.so
	LoadModule headers_module $APACHE_MODDIR/mod_headers.so
	$_user
	StartServers 1
	ServerLimit 2
	ThreadsPerChild 25
	MaxRequestWorkers 50
	MinSpareThreads 10
	MaxSpareThreads 50
	ErrorLog "$_ad/error.log"
	LogLevel warn fcgid:info
	LogFormat "%h %t \\"%r\\" %>s %B %Dus" acmegw
	CustomLog "$_ad/access.log" acmegw
	TypesConfig "$_ad/mime.types"
	DocumentRoot "$SRV_DIR/www"
	<Directory />
		AllowOverride None
		Require all denied
	</Directory>
	<Directory "$SRV_DIR/www">
		Require all granted
	</Directory>
	SSLEngine on
	SSLCertificateFile "$T/ca/server.pem"
	SSLCertificateKeyFile "$T/ca/server.key"
	SSLSessionCache "shmcb:$_ad/run/ssl_scache(512000)"

	# mod_fcgid as in etc/apache-acmegw.conf (SECURITY.md B13, X1)
	FcgidIPCDir "$_ad/fcgid"
	FcgidProcessTableFile "$_ad/run/fcgid_shm"
	FcgidInitialEnv ACMEGW_CONF $SRV_CONF
	FcgidMaxProcesses $((${MAXPROCS:-4} * 2))
	FcgidMaxProcessesPerClass ${MAXPROCS:-4}
	FcgidMinProcessesPerClass 1
	FcgidIOTimeout 60
	FcgidBusyTimeout 60
	FcgidMaxRequestLen 131072
	FcgidMaxRequestInMem 131072
	ScriptAlias /acme "$FCGI_BIN"
	<Location /acme>
		SetHandler fcgid-script
		Options +ExecCGI
		Require all granted
		# above acmegw's max_body_size, so acmegw answers 413 (X1)
		LimitRequestBody 131072
		Header always set Location "expr=%{resp:X-Acmegw-Location}" "expr=-n %{resp:X-Acmegw-Location}"
		Header always unset X-Acmegw-Location
	</Location>
	EOF
	"$APACHE_BIN" -t -f "$_ad/apache.conf" >"$_ad/configtest.out" 2>&1 ||
	    { cat "$_ad/configtest.out"; fail "apache2 refuses its config"; }
}

# apache_launch: the Apache half of server_launch.  Sets SRV_PID.
apache_launch()
{
	_ad="$SRV_DIR/apache"
	"$APACHE_BIN" -f "$_ad/apache.conf" -DFOREGROUND \
	    >>"$_ad/error.log" 2>&1 </dev/null &
	SRV_PID=$!
	echo "$SRV_PID" >"$SRV_DIR/apache.pid"
	wait_ready "$SRV_URL" "$SRV_PID" ||
	    fail "$SRV_NAME: $SRV_URL did not answer 200 within 10 s"
	log "$SRV_NAME: apache2 pid $SRV_PID${SRV_USER:+ (children as $SRV_USER)}, $SRV_URL"
}

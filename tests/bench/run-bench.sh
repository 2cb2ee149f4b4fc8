#!/bin/sh
# run-bench.sh: `make bench`: acmegw-bench(1) against acmegw (behind
# lighttpd) and against Pebble on the same machine, at 1, 4 and 16
# concurrent issuance flows, then a side-by-side table with the ratios.
#
# Run from the top build directory (make does that); the source directory
# is two levels above this script.  Everything listens on 127.0.0.1 only
# and lives in one temporary directory, removed at the end (KEEP=1 keeps
# it).  Every run is bounded in count and time: a Pebble that stops
# answering costs its time bound and no more.
#
# Environment: BENCH_LEVELS (default "1 4 16"), BENCH_N (flows per run,
# default 200), BENCH_T (seconds per run, default 60), MAXPROCS (acmegw.fcgi
# processes, default 4).
# A benchmark prints figures; it exits 0 unless it could not run at all.
# For acmegw it also splits the server CPU per certificate by process:
# lighttpd, the responders, the signers they ran, the worker and the
# validators it ran (a helper's CPU is read from its parent's children
# time once it was reaped).

top_builddir=$(pwd)
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
export top_srcdir top_builddir
. "$top_srcdir/tests/integ/lib.sh"

BENCH="$top_builddir/src/acmegw-bench"
LEVELS=${BENCH_LEVELS:-1 4 16}
N=${BENCH_N:-200}
TSEC=${BENCH_T:-60}

[ -x "$BENCH" ] || fail "$BENCH is not built"
need_cmd pebble pebble-challtestsrv timeout
setup
[ -x "$VALIDATE_BIN" ] || fail "$VALIDATE_BIN is not built"
start_challtestsrv
BPORT=$(free_port) || fail "no free port"

# acmegw: start_issuer's steps, with log_level info instead of the
# tests' debug (a benchmark measures the server, not its debug output)
[ -x "$SIGN_BIN" ] || fail "$SIGN_BIN is not built"
CA_DIR="$T/acmegw/ca"
CA_CERT="$CA_DIR/issuing.pem"
CA_CHAIN="$CA_DIR/chain.pem"
CA_ROOT="$CA_DIR/root.pem"
mkdir -p "$CA_DIR"
chmod 700 "$CA_DIR"
server_conf acmegw open \
    "ca_cert = $CA_CERT" \
    "ca_key = $CA_DIR/issuing.key" \
    "ca_chain = $CA_CHAIN" \
    "signer_path = $SIGN_BIN" \
    "validator_path = $VALIDATE_BIN" \
    "resolver = 127.0.0.1:$CTS_DNS" \
    "validate_http_port = $BPORT" \
    "allow_private_targets = yes" \
    "default_profile = default" \
    "profile.default.validity = 30d" \
    "profile.default.key_types = p256 p384 rsa2048" \
    "profile.default.common_name = yes"
sed 's/^log_level = debug$/log_level = info/' "$SRV_CONF" >"$SRV_CONF.new" &&
    mv "$SRV_CONF.new" "$SRV_CONF" || fail "could not edit $SRV_CONF"
make_issuing_ca
server_launch
ACMEGW_URL=$SRV_URL
ACMEGW_PID=$SRV_PID

# Pebble, a fresh one per run (it keeps everything in memory and may hang
# for good under load), with the test CA's server certificate
PEBBLE_DIR="$T/pebble"
mkdir -p "$PEBBLE_DIR"
PEBBLE_PID=
start_pebble()
{
	_pp=$(free_port) && _pm=$(free_port) && _pt=$(free_port) ||
	    fail "no free port"
	cat >"$PEBBLE_DIR/pebble.json" <<-EOF
	{ "pebble": {
	    "listenAddress": "127.0.0.1:$_pp",
	    "managementListenAddress": "127.0.0.1:$_pm",
	    "certificate": "$T/ca/server.pem",
	    "privateKey": "$T/ca/server.key",
	    "httpPort": $BPORT,
	    "tlsPort": $_pt,
	    "ocspResponderURL": "",
	    "externalAccountBindingRequired": false
	} }
	EOF
	PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 \
	    pebble -config "$PEBBLE_DIR/pebble.json" \
	    -dnsserver "127.0.0.1:$CTS_DNS" >>"$PEBBLE_DIR/pebble.log" 2>&1 &
	PEBBLE_PID=$!
	PEBBLE_URL="https://127.0.0.1:$_pp/dir"
	wait_ready "$PEBBLE_URL" "$PEBBLE_PID" || {
		tail -n 20 "$PEBBLE_DIR/pebble.log"
		fail "pebble did not answer at $PEBBLE_URL"
	}
}

# acmegw_pids: lighttpd and every acmegw process it runs (responders, the
# worker, validators and signers alive now)
acmegw_pids()
{
	echo "$ACMEGW_PID"
	for _p in $(pids_in_tmp); do
		case "$(readlink "/proc/$_p/exe" 2>/dev/null)" in
		*/acmegw.fcgi|*/acmegw-worker|*/acmegw-validate|*/acmegw-sign)
			echo "$_p" ;;
		esac
	done
}

# cpu_snap PID...: one line per process: pid, program name, own CPU
# ticks (utime + stime), reaped children's ticks (cutime + cstime)
cpu_snap()
{
	for _p in "$@"; do
		_e=$(readlink "/proc/$_p/exe" 2>/dev/null) || continue
		# the fields after "pid (comm) ": utime is the 12th
		sed 's/^.*) //' "/proc/$_p/stat" 2>/dev/null |
		    awk -v p="$_p" -v e="${_e##*/}" \
		    '{ print p, e, $12 + $13, $14 + $15 }'
	done
}

# run_bench LABEL URL C PID...: one bounded run; its output in
# $T/LABEL-C.out, a FAIL-free summary line on stdout; the CPU of each
# process before and after in $T/LABEL-C.cpu0 and .cpu1
run_bench()
{
	_l=$1 _u=$2 _c=$3
	shift 3
	_pa=
	for _p in "$@"; do
		_pa="$_pa --pid $_p"
	done
	cpu_snap "$@" >"$T/$_l-$_c.cpu0"
	# shellcheck disable=SC2086
	timeout -k 5 $((TSEC + 30)) "$BENCH" -d "$_u" --cafile "$T/ca/ca.pem" \
	    --http-port "$BPORT" -c "$_c" -n "$N" -t "$TSEC" $_pa \
	    >"$T/$_l-$_c.out" 2>"$T/$_l-$_c.err"
	_rc=$?
	cpu_snap "$@" >"$T/$_l-$_c.cpu1"
	[ $_rc -eq 124 ] || [ $_rc -eq 137 ] &&
	    echo "error          killed after $((TSEC + 30)) s" >>"$T/$_l-$_c.out"
	echo "===== $_l, $_c concurrent flows (exit $_rc)"
	cat "$T/$_l-$_c.out"
	sed 's/^/  stderr: /' "$T/$_l-$_c.err" | head -n 5
}

field()
{
	awk -v k="$2" 'index($0, k) == 1 { sub("^" k " *", ""); print $1;
	    exit }' "$T/$1.out" 2>/dev/null
}

# warm-up: the worker starts on the first request, the first validator
# and signer on the first order; their ids are needed for --pid
"$BENCH" -d "$ACMEGW_URL" --cafile "$T/ca/ca.pem" --http-port "$BPORT" \
    -c 1 -n 2 -t 30 >"$T/warmup.out" 2>&1 ||
    { cat "$T/warmup.out"; fail "warm-up run against acmegw failed"; }

for c in $LEVELS; do
	# shellcheck disable=SC2046
	run_bench acmegw "$ACMEGW_URL" "$c" $(acmegw_pids)
	start_pebble
	run_bench pebble "$PEBBLE_URL" "$c" "$PEBBLE_PID"
	stop_pid "$PEBBLE_PID"
	PEBBLE_PID=
done

echo
echo "acmegw-bench: acmegw (lighttpd, ${MAXPROCS:-4} acmegw.fcgi) vs Pebble" \
    "$(dpkg-query -W -f '${Version}' pebble 2>/dev/null)," \
    "-n $N -t $TSEC, $(nproc) CPUs"
printf '%-5s | %-18s %-18s %-6s | %-12s %-12s %-6s\n' flows \
    "acmegw cert/s" "pebble cert/s" ratio "acmegw CPU/c" "pebble CPU/c" \
    ratio
for c in $LEVELS; do
	a=$(field "acmegw-$c" "certs/s")
	p=$(field "pebble-$c" "certs/s")
	acpu=$(field "acmegw-$c" "CPU s/cert")
	pcpu=$(field "pebble-$c" "CPU s/cert")
	an=$(awk '/^flows/ { print $4 "/" $2; exit }' "$T/acmegw-$c.out")
	pn=$(awk '/^flows/ { print $4 "/" $2; exit }' "$T/pebble-$c.out")
	# a run that did not finish its flows within the time bound: usually
	# the server stopped answering (Pebble's known deadlock)
	grep -q 'time bound reached\|killed after' "$T/acmegw-$c.out" && an="$an!"
	grep -q 'time bound reached\|killed after' "$T/pebble-$c.out" && pn="$pn!"
	awk -v c="$c" -v a="${a:--}" -v p="${p:--}" -v ac="${acpu:--}" \
	    -v pc="${pcpu:--}" -v an="${an:--}" -v pn="${pn:--}" 'BEGIN {
		r1 = (a + 0 > 0 && p + 0 > 0) ? sprintf("%.2fx", a / p) : "-"
		r2 = (ac + 0 > 0 && pc + 0 > 0) ? sprintf("%.2fx", ac / pc) : "-"
		printf "%-5s | %-18s %-18s %-6s | %-12s %-12s %-6s\n", c,
		    a " (" an ")", p " (" pn ")", r1, ac, pc, r2 }'
done
echo "(cert/s: certificates per second, in brackets certificates/flows"
echo " started; CPU/c: server CPU seconds per certificate; ratios are"
echo " acmegw/Pebble: above 1 is better for cert/s, below 1 for CPU;"
echo " ! marks a run cut short by the time bound, as when the server stops"
echo " answering: its figures and ratios say little about throughput)"

# acmegw's CPU per certificate by process, in milliseconds
echo
echo "acmegw CPU ms per certificate by process (signers and validators:" \
    "their parents' reaped-children time)"
printf '%-5s | %-8s %-11s %-11s %-13s %-15s %-7s\n' flows lighttpd \
    acmegw.fcgi acmegw-sign acmegw-worker acmegw-validate total
hz=$(getconf CLK_TCK 2>/dev/null) || hz=100
for c in $LEVELS; do
	n=$(awk '/^flows/ { print $4; exit }' "$T/acmegw-$c.out" 2>/dev/null)
	[ -s "$T/acmegw-$c.cpu1" ] && [ "${n:-0}" -gt 0 ] 2>/dev/null ||
	    continue
	awk -v c="$c" -v n="$n" -v hz="$hz" '
	NR == FNR { s[$1] = $3; k[$1] = $4; next }
	($1 in s) {
		ds = $3 - s[$1]; dk = $4 - k[$1]
		if ($2 == "acmegw.fcgi") { f += ds; sg += dk }
		else if ($2 == "acmegw-worker") { w += ds; v += dk }
		else l += ds + dk
	}
	END {
		m = 1000 / hz / n
		printf "%-5s | %-8.2f %-11.2f %-11.2f %-13.2f %-15.2f %-7.2f\n",
		    c, l * m, f * m, sg * m, w * m, v * m,
		    (l + f + sg + w + v) * m
	}' "$T/acmegw-$c.cpu0" "$T/acmegw-$c.cpu1"
done
exit 0

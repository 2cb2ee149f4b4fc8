#!/bin/sh
# t_worker_kill.sh: killing acmegw-worker or acmegw-validate in the middle
# of a validation leaves nothing stuck (issue 3, "Done when").
#
# Full stack: acmegw.fcgi behind lighttpd (lib.sh), acmetest.py's "order"
# client (an order for the IP identifier 127.0.0.1, answered by http-01),
# and, as the http-01 target (validate_http_port), a small server of this
# test that serves what the client writes under $R/http/TOKEN but holds
# the FIRST request for each token open without answering: the
# validation is then in flight for as long as the test wants.
#  W1 kill -9 of the worker while its validator waits: the next responder
#     (worker_ensure, every few seconds) starts a fresh worker, which runs
#     the interrupted job again (attempt 2; the server now answers): the
#     order becomes ready within seconds.
#  W2 kill -9 of acmegw-validate: the worker reaps it at once and the
#     challenge and authorization become invalid (serverInternal).
#  W3 SIGSTOP of acmegw-validate: the worker kills it at its deadline
#     (validation_timeout + 2 s) and the challenge becomes invalid
#     (connection, "did not finish").
#  W4 with validation_attempts = 1, a job interrupted once is failed, not
#     run again (serverInternal "validation was interrupted 1 time").
#  W5 only the job of W1 was fetched twice.
#  W6 with max_validations = 1, a second job waits for the first one to
#     end (the validator's own timeout), then runs: none is dropped.
# After each case no validator is left behind (no zombie either).
# Every process is stopped on exit by lib.sh's trap; every wait is bounded.

. "$top_srcdir/tests/integ/lib.sh"
setup
[ -x "$VALIDATE_BIN" ] || fail "$VALIDATE_BIN is not built"

R="$T/resp"
mkdir -p "$R/http"

# The slow http-01 server: the first GET of each token is held open
# (never answered); the next ones get the key authorization the client
# wrote into $R/http/TOKEN.  One log line per request in $T/slow.log.
cat >"$T/slow.py" <<'EOF'
import http.server, os, re, socketserver, sys, threading, time
d, logf, portf = sys.argv[1], sys.argv[2], sys.argv[3]
seen = {}
lock = threading.Lock()

def log(line):
    with lock:
        with open(logf, "a") as f:
            f.write(line + "\n")

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def log_message(self, *a):
        pass
    def do_GET(self):
        m = re.match(r"^/\.well-known/acme-challenge/([A-Za-z0-9_-]+)$",
                     self.path)
        if not m:
            self.send_error(404)
            return
        tok = m.group(1)
        with lock:
            n = seen.get(tok, 0) + 1
            seen[tok] = n
        log("req %s %d %.3f" % (tok, n, time.time()))
        if n == 1:
            time.sleep(60)          # in flight until someone gives up
            return
        try:
            with open(os.path.join(d, tok), "rb") as f:
                body = f.read()
        except OSError:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

s = S(("127.0.0.1", 0), H)
with open(portf + ".tmp", "w") as f:
    f.write("%d\n" % s.server_address[1])
os.rename(portf + ".tmp", portf)
s.serve_forever()
EOF
"$PY" "$T/slow.py" "$R/http" "$T/slow.log" "$T/slow.port" \
    >"$T/slow.out" 2>&1 &
_i=0
while [ ! -s "$T/slow.port" ]; do
	if [ $_i -ge 100 ]; then
		cat "$T/slow.out"
		fail "the slow http-01 server did not start"
	fi
	sleep 0.1
	_i=$((_i + 1))
done
SLOW_PORT=$(cat "$T/slow.port")
: >"$T/slow.log"
log "slow http-01 server on 127.0.0.1:$SLOW_PORT"

VT=4	# validation_timeout, seconds
start_server main open \
    "validator_path = $VALIDATE_BIN" \
    "validate_http_port = $SLOW_PORT" \
    "allow_private_targets = yes" \
    "validation_timeout = ${VT}s"
DIR1=$SRV_URL CONF1=$SRV_CONF OUT1="$SRV_DIR/lighttpd.out"
start_server once open \
    "validator_path = $VALIDATE_BIN" \
    "validate_http_port = $SLOW_PORT" \
    "allow_private_targets = yes" \
    "validation_timeout = ${VT}s" \
    "validation_attempts = 1"
DIR2=$SRV_URL CONF2=$SRV_CONF OUT2="$SRV_DIR/lighttpd.out"
start_server one open \
    "validator_path = $VALIDATE_BIN" \
    "validate_http_port = $SLOW_PORT" \
    "allow_private_targets = yes" \
    "validation_timeout = ${VT}s" \
    "max_validations = 1"
DIR3=$SRV_URL

WORKER_REAL=$(readlink -f "$WORKER_BIN")
VALIDATE_REAL=$(readlink -f "$VALIDATE_BIN")
rc=0

# pids_of EXE [CONF]: the live processes running EXE (with CONF on their
# command line when given).
pids_of()
{
	for _d in /proc/[0-9]*; do
		[ "$(readlink "$_d/exe" 2>/dev/null)" = "$1" ] || continue
		if [ -n "${2:-}" ]; then
			tr '\0' ' ' <"$_d/cmdline" 2>/dev/null |
			    grep -qF "$2" || continue
		fi
		echo "${_d#/proc/}"
	done
}

# worker_pid CONF: the acmegw-worker of that server, waiting up to 10 s.
worker_pid()
{
	_i=0
	while [ $_i -lt 100 ]; do
		_w=$(pids_of "$WORKER_REAL" "$1" | head -n 1)
		[ -n "$_w" ] && { echo "$_w"; return 0; }
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# validator_of WORKER-PID: the acmegw-validate children of that worker.
validator_of()
{
	for _p in $(pids_of "$VALIDATE_REAL"); do
		[ "$(awk '/^PPid:/ { print $2 }' "/proc/$_p/status" \
		    2>/dev/null)" = "$1" ] && echo "$_p"
	done
}

# wait_in_flight N: wait (at most 20 s) until the slow server has seen N
# first requests, that is N validations are hanging in it.
wait_in_flight()
{
	_i=0
	while [ "$(awk '$3 == 1' "$T/slow.log" | wc -l)" -lt "$1" ]; do
		[ $_i -lt 200 ] || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	return 0
}

# zombies_of PID: children of PID in state Z.
zombies_of()
{
	for _d in /proc/[0-9]*; do
		[ "$(awk '/^PPid:/ { print $2 }' "$_d/status" 2>/dev/null)" = \
		    "$1" ] || continue
		awk '/^State:/ { print $2 }' "$_d/status" 2>/dev/null |
		    grep -q Z && echo "${_d#/proc/}"
	done
}

# now_ms: wall clock milliseconds.
now_ms() { "$PY" -c 'import time; print(int(time.time() * 1000))'; }

# order_bg OUT DIR WANT [ERR]: acmetest order in the background; sets OPID.
order_bg()
{
	_out=$1 _dir=$2 _want=$3 _err=${4:-}
	if [ -n "$_err" ]; then
		atest order "$_dir" 127.0.0.1 --type http-01 --resp-dir "$R" \
		    --want "$_want" --expect-error "$_err" --timeout 40 \
		    >"$_out" 2>&1 &
	else
		atest order "$_dir" 127.0.0.1 --type http-01 --resp-dir "$R" \
		    --want "$_want" --timeout 40 >"$_out" 2>&1 &
	fi
	OPID=$!
}

# finish ID DESC OUT T0 LIMIT: wait for the order client; pass when it
# reached what it wanted within LIMIT seconds after T0 (ms).
finish()
{
	wait "$OPID"
	_st=$?
	_dt=$(( $(now_ms) - $4 ))
	if [ $_st -ne 0 ]; then
		echo "FAIL $1 $2: the order client says:"
		sed 's/^/    /' "$3"
		rc=1
		return 1
	fi
	if [ $_dt -gt $(($5 * 1000)) ]; then
		echo "FAIL $1 $2: took $_dt ms after the kill (limit $5 s)"
		sed 's/^/    /' "$3"
		rc=1
		return 1
	fi
	pass "$1 $2: done $_dt ms after the kill;" \
	    "$(grep -E 'challenge error|becomes' "$3" | tail -n 1 |
	    sed 's/^ *//')"
	return 0
}

# no_leftovers ID WORKER-PID: no validator of that worker is left running
# or unreaped.
no_leftovers()
{
	sleep 0.5
	_v=$(validator_of "$2")
	_z=$(zombies_of "$2")
	if [ -n "$_v" ] || [ -n "$_z" ]; then
		echo "FAIL $1 leftovers of worker $2: validators '$_v'," \
		    "zombies '$_z'"
		rc=1
		return 1
	fi
	pass "$1 nothing left behind by worker $2"
}

# ------------------------------------------------------------------ W1
log "W1: kill -9 the worker mid-validation"
order_bg "$T/w1.out" "$DIR1" ready
wait_in_flight 1 || { cat "$T/w1.out"; fail "W1 no validation in flight"; }
w=$(worker_pid "$CONF1") || fail "W1 no worker for $CONF1"
v=$(validator_of "$w")
[ -n "$v" ] || fail "W1 worker $w runs no acmegw-validate"
t0=$(now_ms)
kill -9 "$w"
log "W1: killed worker $w (its validator $v keeps hanging)"
if finish W1 "worker killed: the job runs again, order ready" \
    "$T/w1.out" "$t0" 12; then
	w2=$(worker_pid "$CONF1") || w2=
	if [ -n "$w2" ] && [ "$w2" != "$w" ] &&
	    grep -q "validation started again after an interruption" "$OUT1"
	then
		pass "W1 a fresh worker ($w2) ran the interrupted job again"
	else
		echo "FAIL W1 no fresh worker ran the job again (worker" \
		    "'$w2')"
		rc=1
	fi
fi

# ------------------------------------------------------------------ W2
log "W2: kill -9 acmegw-validate mid-validation"
order_bg "$T/w2.out" "$DIR1" invalid serverInternal
wait_in_flight 2 || { cat "$T/w2.out"; fail "W2 no validation in flight"; }
w=$(worker_pid "$CONF1") || fail "W2 no worker"
v=$(validator_of "$w")
[ -n "$v" ] || fail "W2 worker $w runs no acmegw-validate"
t0=$(now_ms)
kill -9 $v
log "W2: killed validator $v of worker $w"
finish W2 "validator killed: challenge invalid (serverInternal)" \
    "$T/w2.out" "$t0" 5 && no_leftovers W2 "$w"

# ------------------------------------------------------------------ W3
log "W3: SIGSTOP acmegw-validate: killed at the deadline"
order_bg "$T/w3.out" "$DIR1" invalid connection
wait_in_flight 3 || { cat "$T/w3.out"; fail "W3 no validation in flight"; }
w=$(worker_pid "$CONF1") || fail "W3 no worker"
v=$(validator_of "$w")
[ -n "$v" ] || fail "W3 worker $w runs no acmegw-validate"
t0=$(now_ms)
kill -STOP $v
log "W3: stopped validator $v of worker $w"
if finish W3 "validator stopped: killed at validation_timeout + 2 s" \
    "$T/w3.out" "$t0" $((VT + 2 + 4)); then
	if grep -q "did not finish within $VT s" "$T/w3.out"; then
		pass "W3 the challenge error says it did not finish in $VT s"
	else
		echo "FAIL W3 the error does not say 'did not finish':"
		sed 's/^/    /' "$T/w3.out"
		rc=1
	fi
	no_leftovers W3 "$w"
fi

# ------------------------------------------------------------------ W4
log "W4: validation_attempts = 1: an interrupted job is failed"
order_bg "$T/w4.out" "$DIR2" invalid serverInternal
wait_in_flight 4 || { cat "$T/w4.out"; fail "W4 no validation in flight"; }
w=$(worker_pid "$CONF2") || fail "W4 no worker for $CONF2"
t0=$(now_ms)
kill -9 "$w"
log "W4: killed worker $w"
if finish W4 "worker killed, attempts used up: challenge invalid" \
    "$T/w4.out" "$t0" 12; then
	if grep -q "validation was interrupted 1 time" "$T/w4.out"; then
		pass "W4 the challenge error says it was interrupted once"
	else
		echo "FAIL W4 the error does not say 'interrupted 1 time':"
		sed 's/^/    /' "$T/w4.out"
		rc=1
	fi
fi

# The slow server saw exactly one retry (W1), never one for W2-W4.
n2=$(awk '$3 == 2' "$T/slow.log" | wc -l)
if [ "$n2" -eq 1 ]; then
	pass "W5 only the job of W1 ran twice"
else
	echo "FAIL W5 $n2 tokens were fetched twice, want 1:"
	sed 's/^/    /' "$T/slow.log"
	rc=1
fi

# ------------------------------------------------------------------ W6
log "W6: max_validations = 1: the second job waits its turn"
order_bg "$T/w6a.out" "$DIR3" invalid connection
pa=$OPID
order_bg "$T/w6b.out" "$DIR3" invalid connection
pb=$OPID
w6=0
for _o in "$pa:$T/w6a.out" "$pb:$T/w6b.out"; do
	if ! wait "${_o%%:*}"; then
		echo "FAIL W6 an order did not end as wanted:"
		sed 's/^/    /' "${_o#*:}"
		w6=1
	fi
done
if [ $w6 -eq 0 ]; then
	# the first fetches of the last two tokens: one after the other
	gap=$(awk '$3 == 1 { t[n++] = $4 } END {
	    printf "%d", (t[n - 1] - t[n - 2]) * 1000 }' "$T/slow.log")
	if [ "$gap" -ge $((VT * 1000 - 500)) ]; then
		pass "W6 both jobs ran, the second $gap ms after the first" \
		    "(one at a time)"
	else
		echo "FAIL W6 the second job started $gap ms after the" \
		    "first, although max_validations = 1"
		rc=1
	fi
else
	rc=1
fi

exit $rc

#!/bin/sh
# t_badinput.sh: every bad input of SECURITY.md sections 2.0-2.5 that the
# issue lists gets its exact answer (status, problem type, Replay-Nonce on
# every POST error), through lighttpd and four acmegw.fcgi processes.
#
# Server "open": enrollment open, max_body_size 16k: the JWS, nonce, url,
# key, account and method rows.  Server "eab": enrollment eab with
# terms_of_service and nonce_lifetime = 60: the EAB and terms rows, and the
# expired nonce (N4), which acmetest.py takes at the start and sends once
# it is 62 s old (a nonce carries its issue time and only server-issued
# nonces are in the store, so an old one can only be made by waiting).
# Afterwards no rejected request may have left an account behind.
# Takes about 70 s, most of it waiting for the nonce to expire.

. "$top_srcdir/tests/integ/lib.sh"
setup

start_server open open "max_body_size = 16k"
DIR1=$SRV_URL CONF1=$SRV_CONF
start_server eab eab "terms_of_service = https://127.0.0.1/tos.html" \
    "nonce_lifetime = 60"
DIR2=$SRV_URL CONF2=$SRV_CONF

eab_new "$CONF2" t_badinput

rc=0
atest badinput "$DIR1" --eab-dir "$DIR2" --eab-kid="$kid" \
    --eab-hmac="$hmac_key" --stale-dir "$DIR2" || rc=1
K1=$kid

# the races: N5 (one nonce), A2 (one key), E9 (one EAB key), 10 at once
eab_new "$CONF2" "t_badinput race"
atest races "$DIR1" --eab-dir "$DIR2" --eab-kid="$kid" \
    --eab-hmac="$hmac_key" || rc=1

# No state change on a rejected request: the open server holds exactly the
# six accounts the positive rows made (OK1 OK2 J30 OK4 OK7 and the one
# deactivated) and the two of the races (N5, A2); the eab server exactly
# the one bound by E8 and the one of E9 (no orphan account).
n1=$(ctl_f "$CONF1" account list | grep -c .)
n2=$(ctl_f "$CONF2" account list | grep -c .)
if [ "$n1" = 8 ]; then
	pass "open server: 8 accounts after all rows (no state change on errors)"
else
	echo "FAIL open server: $n1 accounts, want 8:"
	ctl_f "$CONF1" account list
	rc=1
fi
if [ "$n2" = 2 ]; then
	pass "eab server: 2 accounts after all rows (no orphan account)"
else
	echo "FAIL eab server: $n2 accounts, want 2:"
	ctl_f "$CONF2" account list
	rc=1
fi
if ctl_f "$CONF2" eab list | grep -q "^$K1	[^	]*	bound "; then
	pass "E8: acmegwctl eab list shows $K1 bound"
else
	echo "FAIL E8: acmegwctl eab list does not show $K1 bound:"
	ctl_f "$CONF2" eab list
	rc=1
fi
exit $rc

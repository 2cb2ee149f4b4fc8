#!/bin/sh
# t_lego_eab.sh: with enrollment = eab, lego registers with an EAB key made
# by `acmegwctl eab add` (E*); a second lego with another account key and
# the same EAB key is refused (E8, 403 unauthorized) and leaves no account
# behind; an account pre-registered with `acmegwctl account add` is found
# by its key, with and without onlyReturnExisting, and needs no EAB.
#
# lego goes on to newOrder after registering; orders are not part of this
# issue, so the run may fail, but only after the registration.

. "$top_srcdir/tests/integ/lib.sh"
need_cmd lego
setup
start_server eab eab

eab_add() { eab_new "$CONF" "$1"; }

# lg PATH EMAIL KID HMAC: one lego run, output in PATH.out.
lg()
{
	LEGO_CA_CERTIFICATES="$T/ca/ca.pem" lego --server "$SRV_URL" \
	    --path "$1" --email "$2" --accept-tos --eab --kid="$3" \
	    --hmac="$4" --http --http.port "127.0.0.1:$(free_port)" \
	    -d x.example.test run >"$1.out" 2>&1
	_rc=$?
	sed 's/^/  lego: /' "$1.out"
	return $_rc
}

eab_add "lego 1"
K=$kid H=$hmac_key
if lg "$T/lego1" lego1@example.test "$K" "$H"; then
	log "lego run succeeded (orders work already)"
else
	grep -q "Could not complete registration" "$T/lego1.out" &&
	    fail "lego could not register with EAB key $K"
	grep -q "Could not obtain certificates" "$T/lego1.out" ||
	    fail "lego failed before it got to the order"
	log "lego failed after registering (at the order step, expected)"
fi
acct=$(find "$T/lego1/accounts" -name account.json | head -n 1)
[ -n "$acct" ] || fail "lego saved no account under $T/lego1/accounts"
uri=$("$PY" -c 'import json, sys
print(json.load(open(sys.argv[1]))["registration"]["uri"])' "$acct") ||
    fail "no registration uri in $acct"
id=${uri##*/}
[ "$uri" = "$SRV_BASE/acct/$id" ] ||
    fail "lego's account URL $uri is not under $SRV_BASE/acct/"
pass "lego registered with EAB key $K: account $id"

line=$(ctl eab list | grep "^$K	")
case "$line" in
"$K	HS256	bound $id	"*) pass "acmegwctl eab list: $K bound to $id" ;;
*) fail "acmegwctl eab list: want $K bound to $id, got: $line" ;;
esac
e=$(ctl account show "$id" | "$PY" -c 'import json, sys
r = json.load(sys.stdin); print(r.get("eab"), r["status"])') ||
    fail "acmegwctl account show $id"
[ "$e" = "$K valid" ] || fail "account $id: eab, status = $e, want $K valid"
pass "account $id records EAB key $K"

# E8: the same EAB key, another account key
if lg "$T/lego2" lego2@example.test "$K" "$H"; then
	fail "a second account was created with the bound EAB key $K"
fi
grep -q "urn:ietf:params:acme:error:unauthorized" "$T/lego2.out" ||
    fail "second lego: no unauthorized problem in its output"
grep -q "Could not complete registration" "$T/lego2.out" ||
    fail "second lego failed, but not at registration"
[ -z "$(find "$T/lego2/accounts" -name account.json 2>/dev/null)" ] ||
    fail "second lego saved an account"
n=$(ctl account list | grep -c .)
[ "$n" = 1 ] || fail "$n accounts after the refused binding, want 1"
pass "E8: the bound EAB key is refused for another key (403 unauthorized), no orphan account"

# E5/E7 through lego: an unknown kid, a wrong HMAC key
eab_add "lego 3"
if lg "$T/lego3" lego3@example.test "$kid" \
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; then
	fail "lego registered with a wrong EAB HMAC key"
fi
grep -q "urn:ietf:params:acme:error:unauthorized" "$T/lego3.out" ||
    fail "wrong HMAC key: no unauthorized problem in lego's output"
pass "E7: a wrong EAB HMAC key is refused (403 unauthorized)"
line=$(ctl eab list | grep "^$kid	")
case "$line" in
"$kid	HS256	unbound	"*) pass "the EAB key stays unbound after the failure" ;;
*) fail "after a bad MAC, eab list shows: $line" ;;
esac

# Pre-registered accounts: EC (PEM) and RSA (JWK from the PEM)
for alg in EC RSA; do
	k="$T/pre-$alg.key"
	if [ $alg = EC ]; then
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		    -out "$k" 2>/dev/null
	else
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		    -out "$k" 2>/dev/null
	fi || fail "openssl genpkey $alg"
	openssl pkey -in "$k" -pubout -out "$k.pub" 2>/dev/null ||
	    fail "openssl pkey -pubout"
	o=$(ctl account add --key "$k.pub" --contact "mailto:pre@example.test") ||
	    fail "acmegwctl account add --key $k.pub: exit $?"
	pid=$(printf '%s\n' "$o" | sed -n 's/^id=//p')
	purl=$(printf '%s\n' "$o" | sed -n 's/^url=//p')
	[ -n "$pid" ] && [ "$purl" = "$SRV_BASE/acct/$pid" ] ||
	    fail "acmegwctl account add printed: $o"
	got=$(atest preregistered "$SRV_URL" "$k") ||
	    fail "pre-registered $alg account not found by its key: $got"
	[ "$got" = "$pid" ] ||
	    fail "onlyReturnExisting found $got, acmegwctl made $pid"
	pass "pre-registered $alg account $pid found by onlyReturnExisting"
	loc=$(atest newaccount "$SRV_URL" --key "$k") ||
	    fail "newAccount (no EAB) with the pre-registered key: $loc"
	[ "$loc" = "$purl" ] || fail "newAccount returned $loc, want $purl"
	pass "newAccount without EAB returns the pre-registered account"
	o=$(ctl account add --key "$k.pub" 2>&1) &&
	    fail "acmegwctl account add accepted a key registered already"
	pass "acmegwctl refuses to register the key twice"
done

#!/bin/sh
# t_ctl.sh: acmegwctl end to end on a throwaway state directory: usage and
# configuration errors, init, EAB keys (add, list, remove, a race on one
# kid, the domains a key's account may order) and accounts registered from
# PEM and JWK public keys (add, refusals, list, show, deactivate).  Needs
# openssl to make the keys; skips without it.
set -u

command -v openssl >/dev/null 2>&1 || {
	echo "SKIP: openssl not installed (apt-get install openssl)"
	exit 77
}
for tool in base64 mktemp od; do
	command -v $tool >/dev/null 2>&1 || {
		echo "SKIP: $tool not installed (apt-get install coreutils)"
		exit 77
	}
done

: "${top_builddir:?top_builddir must be set}"
: "${top_srcdir:?top_srcdir must be set}"
CTL="$top_builddir/src/acmegwctl"
if [ ! -x "$CTL" ]; then
	echo "FAIL: $CTL is not built"
	exit 1
fi

t=$(mktemp -d "${TMPDIR:-/tmp}/t_ctl.XXXXXX") || exit 1
trap 'rm -rf "$t"' EXIT
trap 'exit 1' HUP INT TERM

state="$t/state"
conf="$t/acmegw.conf"
base="https://127.0.0.1:1/acme"
cat >"$conf" <<EOF
# written by t_ctl.sh
base_url = $base
state_dir = $state
worker_path = $top_builddir/src/acmegw-worker
worker_idle_exit = 10s
profile.tls.validity = 30d
profile.short.validity = 7d
EOF
tab=$(printf '\t')
iso='[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]\{8\}Z'	# ISO 8601 UTC
fail=0
: >"$t/allerr"

ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }

# expect NAME STATUS ARGS...: run acmegwctl with ARGS; its stdout is left
# in $t/out, its stderr in $t/err (and appended to $t/allerr).
expect() {
	_name=$1
	_want=$2
	shift 2
	"$CTL" "$@" >"$t/out" 2>"$t/err"
	_got=$?
	cat "$t/err" >>"$t/allerr"
	if [ "$_got" -eq "$_want" ]; then
		ok "$_name"
	else
		bad "$_name: exit $_got, want $_want"
		sed 's/^/    stdout: /' "$t/out"
		sed 's/^/    stderr: /' "$t/err"
	fi
}

# has NAME FILE PATTERN: FILE has a line matching the basic regex PATTERN.
has() {
	if grep -q -e "$3" "$2"; then ok "$1"; else
		bad "$1: no line matching '$3' in:"
		sed 's/^/    /' "$2"
	fi
}

# hasnt NAME FILE STRING: FILE does not contain the fixed STRING.
hasnt() {
	if grep -q -F -e "$3" "$2"; then
		bad "$1: '$3' found in:"
		sed 's/^/    /' "$2"
	else
		ok "$1"
	fi
}

# b64u: standard input as unpadded base64url on one line.
b64u() { base64 | tr -d '\n=' | tr '+/' '-_'; }

# b64ulen S: the number of bytes base64url S decodes to, -1 if it is not
# canonical unpadded base64url.
b64ulen() {
	case $1 in
	''|*[!A-Za-z0-9_-]*) echo -1; return ;;
	esac
	_s=$1
	case $(( ${#_s} % 4 )) in
	1) echo -1; return ;;
	2) _s="$_s==" ;;
	3) _s="$_s=" ;;
	esac
	printf '%s' "$_s" | tr -- '-_' '+/' | base64 -d 2>/dev/null | wc -c |
	    tr -d ' '
}

# ec_jwk PRIVKEY: the public JWK of a P-256 key (the last 64 bytes of the
# SubjectPublicKeyInfo are x || y).
ec_jwk() {
	openssl pkey -in "$1" -pubout -outform DER -out "$t/spki.der" ||
	    return 1
	tail -c 64 "$t/spki.der" >"$t/xy"
	_x=$(head -c 32 "$t/xy" | b64u)
	_y=$(tail -c 32 "$t/xy" | b64u)
	printf '{\n  "kty": "EC", "crv": "P-256",\n  "x": "%s",\n  "y": "%s"\n}\n' \
	    "$_x" "$_y"
}

# ---------------------------------------------------------------- usage
expect "usage: no command" 2 -f "$conf"
has "usage: the usage line is printed" "$t/err" '^usage: acmegwctl'
expect "usage: unknown command" 2 -f "$conf" frobnicate
has "usage: unknown command named" "$t/err" '^acmegwctl: unknown command "frobnicate"'
expect "usage: unknown option" 2 -x -f "$conf" init
expect "usage: -f without a file" 2 -f
expect "usage: eab without subcommand" 2 -f "$conf" eab
expect "usage: unknown eab subcommand" 2 -f "$conf" eab frob
expect "usage: account show is not an eab command" 2 -f "$conf" eab show x
expect "usage: eab add unknown option" 2 -f "$conf" eab add --bogus
expect "usage: eab add --kid without value" 2 -f "$conf" eab add --kid
expect "usage: eab add --kid twice" 2 -f "$conf" eab add --kid a --kid b
expect "usage: eab add --alg none" 2 -f "$conf" eab add --alg none
expect "usage: eab add --alg ES256 (E2)" 2 -f "$conf" eab add --alg ES256
expect "usage: eab add --kid starting with a dot" 2 -f "$conf" eab add --kid .hidden
expect "usage: eab add --kid .. (E12)" 2 -f "$conf" eab add --kid ..
expect "usage: eab add --kid with a slash (E12)" 2 -f "$conf" eab add --kid a/b
expect "usage: eab add --kid empty" 2 -f "$conf" eab add --kid ''
long=$(printf '%065d' 0)
expect "usage: eab add --kid of 65 characters (E12)" 2 -f "$conf" eab add --kid "$long"
expect "usage: eab add --comment with a newline" 2 -f "$conf" eab add \
    --comment "$(printf 'a\nb')"
expect "usage: eab remove without kid" 2 -f "$conf" eab remove
expect "usage: eab remove two kids" 2 -f "$conf" eab remove a b
expect "usage: eab list with an argument" 2 -f "$conf" eab list extra
expect "usage: account add without --key" 2 -f "$conf" account add
expect "usage: account add --contact without value" 2 -f "$conf" account add \
    --key "$t/x" --contact
expect "usage: account show without id" 2 -f "$conf" account show
expect "usage: account show malformed id" 2 -f "$conf" account show ../../etc
expect "usage: account deactivate without id" 2 -f "$conf" account deactivate
expect "usage: -h prints the usage" 0 -h
has "usage: -h on stdout" "$t/out" '^usage: acmegwctl'
if [ -e "$state" ]; then bad "usage errors created $state"; fi

# ---------------------------------------------------------------- config
expect "config: missing file" 1 -f "$t/nonexistent.conf" init
has "config: missing file named" "$t/err" "nonexistent.conf"
printf 'base_url = %s\nbogus_key = 1\nstate_dir = %s\n' "$base" "$state" \
    >"$t/bad.conf"
expect "config: unknown key" 1 -f "$t/bad.conf" init
has "config: error names file:line" "$t/err" "^acmegwctl: .*bad.conf:2:"
printf 'base_url = %s\n' "$base" >"$t/nostate.conf"
expect "config: state_dir missing" 1 -f "$t/nostate.conf" init
if [ -e "$state" ]; then bad "config errors created $state"; fi

# ---------------------------------------------------------------- init
expect "init" 0 -f "$conf" init
has "init: prints the state directory" "$t/out" "^initialised $state\$"
mode=$(stat -c %a "$state" 2>/dev/null)
if [ "$mode" = 700 ]; then ok "init: state_dir mode 0700"; else
	bad "init: state_dir mode is $mode, want 700"; fi
expect "init: again (idempotent)" 0 -f "$conf" init
ACMEGW_CONF=$conf
export ACMEGW_CONF
expect "init: config from ACMEGW_CONF" 0 init
unset ACMEGW_CONF
has "init: ACMEGW_CONF used" "$t/out" "^initialised $state\$"
expect "eab list: empty store" 0 -f "$conf" eab list
if [ -s "$t/out" ]; then bad "eab list: empty store prints nothing"; fi

# ---------------------------------------------------------------- eab
expect "eab add: defaults" 0 -f "$conf" eab add
cp "$t/out" "$t/eab1"
kid1=$(sed -n 's/^kid=//p' "$t/eab1")
key1=$(sed -n 's/^hmac_key=//p' "$t/eab1")
has "eab add: alg=HS256 by default" "$t/eab1" '^alg=HS256$'
n=$(wc -l <"$t/eab1" | tr -d ' ')
if [ "$n" = 3 ]; then ok "eab add: exactly three lines"; else
	bad "eab add: $n lines on stdout, want 3"; fi
if grep -v -q -e '^kid=' -e '^hmac_key=' -e '^alg=' "$t/eab1"; then
	bad "eab add: unexpected stdout line"; else ok "eab add: only name=value"; fi
if [ "$(b64ulen "$kid1")" = 16 ]; then ok "eab add: default kid is a fresh id"
else bad "eab add: default kid '$kid1' is not 22 base64url characters"; fi
if [ "$(b64ulen "$key1")" = 32 ]; then ok "eab add: HS256 key is 32 bytes (E10)"
else bad "eab add: hmac_key '$key1' does not decode to 32 bytes"; fi
# The output is meant for the shell.
( eval "$(cat "$t/eab1")"; [ "$kid" = "$kid1" ] && [ "$hmac_key" = "$key1" ] ) &&
    ok "eab add: output evaluates in sh" || bad "eab add: output not sh-safe"

expect "eab add: --kid --alg HS384 --comment" 0 -f "$conf" eab add \
    --kid test-1 --alg HS384 --comment 'hello world'
key2=$(sed -n 's/^hmac_key=//p' "$t/out")
has "eab add: kid as given" "$t/out" '^kid=test-1$'
has "eab add: alg=HS384" "$t/out" '^alg=HS384$'
if [ "$(b64ulen "$key2")" = 48 ]; then ok "eab add: HS384 key is 48 bytes (E10)"
else bad "eab add: hmac_key '$key2' does not decode to 48 bytes"; fi
expect "eab add: --alg=HS512 --kid=form" 0 -f "$conf" eab add --alg=HS512 \
    --kid=test.512 --comment="caf$(printf '\303\251')"
key3=$(sed -n 's/^hmac_key=//p' "$t/out")
if [ "$(b64ulen "$key3")" = 64 ]; then ok "eab add: HS512 key is 64 bytes (E10)"
else bad "eab add: hmac_key '$key3' does not decode to 64 bytes"; fi
if [ "$key1" != "$key2" ] && [ "$key2" != "$key3" ]; then
	ok "eab add: every key is fresh"; else bad "eab add: a key repeats"; fi

expect "eab add: existing kid refused" 1 -f "$conf" eab add --kid test-1
has "eab add: existing kid named" "$t/err" "^acmegwctl: .*test-1.*exists"
if [ -s "$t/out" ]; then bad "eab add: refused key printed something"
else ok "eab add: refused key prints nothing"; fi

# A race on one kid: exactly one of the writers wins.
i=0
while [ $i -lt 8 ]; do
	"$CTL" -f "$conf" eab add --kid race >"$t/race.$i" 2>>"$t/allerr" &
	i=$((i + 1))
done
wait
won=$(cat "$t"/race.* | grep -c '^kid=race$')
if [ "$won" = 1 ]; then ok "eab add: 8 racing adds of one kid, one wins"
else bad "eab add: $won of 8 racing adds of one kid won, want 1"; fi

expect "eab list" 0 -f "$conf" eab list
cp "$t/out" "$t/list"
n=$(wc -l <"$t/list" | tr -d ' ')
if [ "$n" = 4 ]; then ok "eab list: one line per key"; else
	bad "eab list: $n lines, want 4"; cat "$t/list"; fi
has "eab list: kid alg unbound created domains profiles comment" "$t/list" \
    "^test-1${tab}HS384${tab}unbound${tab}$iso${tab}-${tab}-${tab}hello world\$"
has "eab list: no domains, profiles or comment shown as -" "$t/list" \
    "^$kid1${tab}HS256${tab}unbound${tab}$iso${tab}-${tab}-${tab}-\$"
has "eab list: comment sanitised" "$t/list" \
    "^test\.512${tab}HS512${tab}.*${tab}caf\\\\xc3\\\\xa9\$"
hasnt "eab list: no HS256 secret" "$t/list" "$key1"
hasnt "eab list: no HS384 secret" "$t/list" "$key2"
hasnt "eab list: no HS512 secret" "$t/list" "$key3"

expect "eab remove" 0 -f "$conf" eab remove test-1
expect "eab remove: again is not found" 3 -f "$conf" eab remove test-1
has "eab remove: not found names the kid" "$t/err" "^acmegwctl: .*test-1"
expect "eab remove: never existed" 3 -f "$conf" eab remove nosuchkey
expect "eab list: after remove" 0 -f "$conf" eab list
if grep -q "^test-1${tab}" "$t/out"; then bad "eab list: removed key listed"
else ok "eab list: removed key gone"; fi
expect "eab add: a removed kid can be made again" 0 -f "$conf" eab add --kid test-1

# ---------------------------------------------------------------- eab domains
# --domains SUFFIX,...: the account made with the key may only order names
# under these suffixes.  Each is checked as an order's dns identifier.
"$CTL" -f "$conf" eab list >"$t/before" 2>>"$t/allerr"
# dombad NAME VALUE [PATTERN]: --domains VALUE is a usage error naming
# PATTERN, and nothing is printed on stdout.
dombad() {
	expect "eab add --domains: $1" 2 -f "$conf" eab add --domains "$2"
	if [ -s "$t/out" ]; then bad "eab add --domains: $1 printed a key"; fi
	if [ $# -ge 3 ]; then
		has "eab add --domains: $1 explained" "$t/err" \
		    "^acmegwctl: invalid --domains: .*$3"
	fi
}
dombad "empty" "" "empty name"
dombad "only a comma" "," "empty name"
dombad "empty element" "a.example,,b.example" "empty name"
dombad "trailing comma" "a.example," "empty name"
dombad "white space only" "  " "empty name"
dombad "wildcard (R4)" "*.example.org" "wildcard"
dombad "wildcard in the middle (R4)" "a.*.example.org" "leftmost label"
dombad "wildcard alone (R4)" "*" "wildcard"
dombad "single label" "localhost" "two labels"
dombad "IPv4 address (R5)" "192.0.2.1" "IP address"
dombad "IPv6 address (R5)" "2001:db8::1" "IP address"
dombad "numeric last label" "example.123" "all-numeric"
dombad "trailing dot" "example.org." "ends with a dot"
dombad "empty label" "a..example" "empty label"
dombad "leading hyphen" "-a.example" "hyphen"
dombad "underscore" "a_b.example" "character other than"
dombad "space inside" "a b.example" "character other than"
dombad "URL" "https://example.org/" "character other than"
dombad "reserved R-LDH label" "ab--cd.example" "xn--"
dombad "bad A-label" "xn--abc.example" "xn--abc"
dombad "U-label names its A-label" "b$(printf '\303\274')cher.example" \
    "xn--bcher-kva.example"
dombad "control character sanitised" "$(printf 'a\033.example')" 'a\\x1b'
dombad "label of 64 bytes" "$(printf '%064d' 0 | tr 0 a).example" "63"
# Labels of 63, 63, 63 and 59 bytes, then ".ex": 254 bytes; one less: 253.
n254="$(printf '%0248d' 0 | tr 0 a | sed 's/\(.\{63\}\)/\1./g').ex"
n253=${n254#a}
if [ ${#n254} = 254 ] && [ ${#n253} = 253 ]; then ok "254/253-byte names made"
else bad "made names of ${#n254} and ${#n253} bytes, want 254 and 253"; fi
dombad "name of 254 bytes (K3)" "$n254" "longer than 253"
dombad "listed twice (case folded)" "a.example,A.EXAMPLE" "listed twice"
doms=$(i=1; while [ $i -le 101 ]; do printf 'd%d.example,' $i; i=$((i + 1));
    done)
dombad "101 names" "${doms%,}" "more than 100"
expect "eab add --domains: given twice" 2 -f "$conf" eab add \
    --domains a.example --domains b.example
expect "eab add --domains: without value" 2 -f "$conf" eab add --domains
"$CTL" -f "$conf" eab list >"$t/after" 2>>"$t/allerr"
if cmp -s "$t/before" "$t/after"; then ok "eab add --domains: refusals made no key"
else bad "eab add --domains: a refused --domains made a key"; fi

expect "eab add --domains: lower-cased, white space ignored" 0 -f "$conf" \
    eab add --kid dom-1 --domains ' Team.Example.COM , lab.example' \
    --comment team
has "eab add --domains: kid" "$t/out" '^kid=dom-1$'
expect "eab add --domains=form, an A-label" 0 -f "$conf" eab add \
    --kid=dom-2 --domains=xn--bcher-kva.example
expect "eab add --domains: name of 253 bytes (K3)" 0 -f "$conf" eab add \
    --kid dom-253 --domains "$n253"
doms=$(i=1; while [ $i -le 100 ]; do printf 'd%d.example,' $i; i=$((i + 1));
    done)
expect "eab add --domains: 100 names" 0 -f "$conf" eab add --kid dom-100 \
    --domains "${doms%,}"
expect "eab list: with domains" 0 -f "$conf" eab list
has "eab list: domains joined by commas" "$t/out" \
    "^dom-1${tab}HS256${tab}unbound${tab}$iso${tab}team\.example\.com,lab\.example${tab}-${tab}team\$"
has "eab list: one domain" "$t/out" \
    "^dom-2${tab}HS256${tab}unbound${tab}$iso${tab}xn--bcher-kva\.example${tab}-${tab}-\$"
has "eab list: 100 domains" "$t/out" \
    "^dom-100${tab}.*${tab}d1\.example,d2\.example,.*,d100\.example${tab}-${tab}-\$"
has "eab list: the 253-byte name" "$t/out" "^dom-253${tab}.*${tab}$n253${tab}-${tab}-\$"
has "eab list: a key without domains" "$t/out" \
    "^test-1${tab}HS256${tab}unbound${tab}$iso${tab}-${tab}-${tab}-\$"

# ------------------------------------------------- eab add --profiles
# The profiles the account made with a key may order with: names of the
# configuration's profiles (default, tls, short here), kept in order.
"$CTL" -f "$conf" eab list >"$t/before" 2>>"$t/allerr"
profbad() {
	expect "eab add --profiles: $1" 2 -f "$conf" eab add --profiles "$2"
	has "eab add --profiles: $1 explained" "$t/err" "$3"
	if [ -s "$t/out" ]; then bad "eab add --profiles: $1 printed a key"; fi
}
profbad "unknown profile" "tls,nope" \
    'no profile "nope" in .*offers: default, tls, short)$'
profbad "empty name" "tls,,short" "an empty name"
profbad "empty list" "" "an empty name"
profbad "trailing comma" "tls," "an empty name"
profbad "listed twice" "tls, short,tls" '"tls" is listed twice'
profbad "case matters" "TLS" 'no profile "TLS"'
profbad "a name too long for any profile" \
    "$(printf 'p%.0s' $(seq 1 80))" "no profile"
profbad "control bytes shown escaped" "$(printf 'a\001b')" \
    'no profile "a\\x01b"'
expect "eab add --profiles: without value" 2 -f "$conf" eab add --profiles
expect "eab add --profiles: given twice" 2 -f "$conf" eab add \
    --profiles tls --profiles short
"$CTL" -f "$conf" eab list >"$t/after" 2>>"$t/allerr"
if cmp -s "$t/before" "$t/after"; then
	ok "eab add --profiles: refusals made no key"
else bad "eab add --profiles: a refused --profiles made a key"; fi

expect "eab add --profiles: two, white space ignored" 0 -f "$conf" eab add \
    --kid prof-1 --profiles ' short , tls' --domains team.example.com
expect "eab add --profiles=form, one" 0 -f "$conf" eab add --kid prof-2 \
    --profiles=default
expect "eab list: with profiles" 0 -f "$conf" eab list
has "eab list: profiles joined by commas, in the given order" "$t/out" \
    "^prof-1${tab}HS256${tab}unbound${tab}$iso${tab}team\.example\.com${tab}short,tls${tab}-\$"
has "eab list: one profile" "$t/out" \
    "^prof-2${tab}HS256${tab}unbound${tab}$iso${tab}-${tab}default${tab}-\$"

# ---------------------------------------------------------------- accounts
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$t/ec1.key" 2>/dev/null &&
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$t/ec2.key" 2>/dev/null &&
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$t/rsa2048.key" 2>/dev/null &&
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 \
    -out "$t/rsa1024.key" 2>/dev/null &&
openssl genpkey -algorithm Ed25519 -out "$t/ed.key" 2>/dev/null || {
	echo "FAIL: openssl genpkey"
	exit 1
}
for k in ec1 ec2 rsa2048 rsa1024 ed; do
	openssl pkey -in "$t/$k.key" -pubout -out "$t/$k.pub" || {
		echo "FAIL: openssl pkey -pubout $k"
		exit 1
	}
done
ec_jwk "$t/ec1.key" >"$t/ec1.jwk" && ec_jwk "$t/ec2.key" >"$t/ec2.jwk" || {
	echo "FAIL: making the JWK files"
	exit 1
}

expect "account add: EC P-256 PEM with a contact" 0 -f "$conf" account add \
    --key "$t/ec1.pub" --contact mailto:admin@example.org
id_ec1=$(sed -n 's/^id=//p' "$t/out")
if [ "$(b64ulen "$id_ec1")" = 16 ]; then ok "account add: id is 22 characters"
else bad "account add: id '$id_ec1' is not 22 base64url characters"; fi
has "account add: url under base_url" "$t/out" "^url=$base/acct/$id_ec1\$"
n=$(wc -l <"$t/out" | tr -d ' ')
if [ "$n" = 2 ]; then ok "account add: two lines"; else
	bad "account add: $n lines, want 2"; fi
expect "account add: RSA 2048 PEM, two contacts" 0 -f "$conf" account add \
    --key "$t/rsa2048.pub" --contact mailto:a@example.org \
    --contact=mailto:b@example.org
id_rsa=$(sed -n 's/^id=//p' "$t/out")
expect "account add: Ed25519 PEM" 0 -f "$conf" account add --key "$t/ed.pub"
id_ed=$(sed -n 's/^id=//p' "$t/out")
expect "account add: EC P-256 JWK file" 0 -f "$conf" account add \
    --key "$t/ec2.jwk"
id_ec2=$(sed -n 's/^id=//p' "$t/out")

expect "account add: same PEM key twice refused (A2)" 1 -f "$conf" account add \
    --key "$t/ec1.pub"
has "account add: refusal names the account" "$t/err" "^acmegwctl: .*$id_ec1"
expect "account add: same key as JWK refused (A2)" 1 -f "$conf" account add \
    --key "$t/ec1.jwk"
has "account add: JWK refusal names the account" "$t/err" "^acmegwctl: .*$id_ec1"
expect "account add: same JWK key as PEM refused (A2)" 1 -f "$conf" account add \
    --key "$t/ec2.pub"
expect "account add: RSA 1024 refused (J21)" 1 -f "$conf" account add \
    --key "$t/rsa1024.pub"
expect "account add: key file missing" 1 -f "$conf" account add \
    --key "$t/nonexistent.pub"
printf 'not a key\n' >"$t/garbage.pub"
expect "account add: garbage key file" 1 -f "$conf" account add \
    --key "$t/garbage.pub"
printf '{"kty":"EC","crv":"P-256","x":"AAAA"' >"$t/broken.jwk"
expect "account add: truncated JWK" 1 -f "$conf" account add \
    --key "$t/broken.jwk"
printf '{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}\n' >"$t/oct.jwk"
expect "account add: symmetric JWK refused (F23)" 1 -f "$conf" account add \
    --key "$t/oct.jwk"
hasnt "account add: symmetric key not echoed" "$t/err" "c2VjcmV0c2VjcmV0"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$t/ec3.key" 2>/dev/null
openssl pkey -in "$t/ec3.key" -pubout -out "$t/ec3.pub"
expect "account add: contact not a URI refused" 1 -f "$conf" account add \
    --key "$t/ec3.pub" --contact 'http://example.org/'
expect "account add: key after refused contact still free" 0 -f "$conf" \
    account add --key "$t/ec3.pub"
id_ec3=$(sed -n 's/^id=//p' "$t/out")

expect "account list" 0 -f "$conf" account list
cp "$t/out" "$t/alist"
n=$(wc -l <"$t/alist" | tr -d ' ')
if [ "$n" = 5 ]; then ok "account list: one line per account"; else
	bad "account list: $n lines, want 5"; cat "$t/alist"; fi
has "account list: id status origin created thumb contact" "$t/alist" \
    "^$id_ec1${tab}valid${tab}admin${tab}$iso${tab}[A-Za-z0-9_-]\{43\}${tab}mailto:admin@example.org\$"
has "account list: two contacts" "$t/alist" \
    "^$id_rsa${tab}.*${tab}mailto:a@example.org,mailto:b@example.org\$"
has "account list: no contact shown as -" "$t/alist" \
    "^$id_ed${tab}valid${tab}.*${tab}-\$"

expect "account show" 0 -f "$conf" account show "$id_ec2"
cp "$t/out" "$t/show"
has "account show: url" "$t/show" "\"url\": \"$base/acct/$id_ec2\""
has "account show: origin admin" "$t/show" '"origin": "admin"'
has "account show: status valid" "$t/show" '"status": "valid"'
has "account show: the key" "$t/show" '"kty": "EC"'
has "account show: not agreed to terms" "$t/show" '"tos": false'
if command -v python3 >/dev/null 2>&1; then
	if python3 -c 'import json,sys; json.load(sys.stdin)' <"$t/show"; then
		ok "account show: valid JSON"; else bad "account show: not JSON"; fi
fi
expect "account show: unknown id" 3 -f "$conf" account show AAAAAAAAAAAAAAAAAAAAAA

expect "account deactivate" 0 -f "$conf" account deactivate "$id_ed"
has "account deactivate: says so" "$t/out" "deactivated"
expect "account deactivate: again is fine" 0 -f "$conf" account deactivate "$id_ed"
has "account deactivate: already" "$t/out" "already"
expect "account deactivate: unknown id" 3 -f "$conf" account deactivate \
    AAAAAAAAAAAAAAAAAAAAAA
expect "account show: deactivated" 0 -f "$conf" account show "$id_ed"
has "account show: status deactivated" "$t/out" '"status": "deactivated"'
expect "account list: after deactivate" 0 -f "$conf" account list
has "account list: deactivated" "$t/out" "^$id_ed${tab}deactivated${tab}"
has "account list: others still valid" "$t/out" "^$id_ec3${tab}valid${tab}"
expect "account add: deactivated account's key refused" 1 -f "$conf" account add \
    --key "$t/ed.pub"

# ---------------------------------------------------------------- secrets
hasnt "secrets: HS256 key never on stderr" "$t/allerr" "$key1"
hasnt "secrets: HS384 key never on stderr" "$t/allerr" "$key2"
hasnt "secrets: HS512 key never on stderr" "$t/allerr" "$key3"
# Our messages, the usage, or a log line of the store ("acmegwctl[pid] ...").
form='^acmegwctl: \|^usage: \|^       acmegwctl \|^acmegwctl\[[0-9]*\] '
if grep -v -q "$form" "$t/allerr"; then
	bad "stderr: a line not in the form 'acmegwctl: ...':"
	grep -v "$form" "$t/allerr" | sed 's/^/    /'
else
	ok "stderr: every message is 'acmegwctl: ...'"
fi

exit $fail

#!/bin/sh
# t_sign.sh: acmegw-sign as the real binary, and `acmegwctl init --ca`.
#
# Makes a CA with `acmegwctl init --ca` (ECDSA, then RSA) in a temporary
# directory, CSRs with certtool, and feeds acmegw-sign: good requests
# (each chain verified with certtool --verify against the root, its SANs
# and profile checked), malformed ones (unknown, duplicate, missing and
# mistyped members, bad serials: exit 1), mismatched ones (names differ,
# account key = CSR key, key type outside the profile: "refused"), and CRL
# requests checked with certtool --crl-info and openssl crl -verify.
# Needs certtool, openssl and python3; skips without them.
set -u

for tool in certtool openssl python3 mktemp; do
	command -v $tool >/dev/null 2>&1 || {
		echo "SKIP: $tool not installed"
		exit 77
	}
done
: "${top_builddir:?top_builddir must be set}"
SIGN="$top_builddir/src/acmegw-sign"
CTL="$top_builddir/src/acmegwctl"
for b in "$SIGN" "$CTL"; do
	[ -x "$b" ] || { echo "FAIL: $b is not built"; exit 1; }
done

t=$(mktemp -d "${TMPDIR:-/tmp}/t_sign.XXXXXX") || exit 1
trap 'rm -rf "$t"' EXIT
trap 'exit 1' HUP INT TERM
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }

# mkconf DIR: a configuration whose CA lives in DIR.
mkconf() {
	mkdir -p "$1/state"
	cat >"$1/acmegw.conf" <<EOF
base_url = https://127.0.0.1:1/acme
state_dir = $1/state
worker_path = $top_builddir/src/acmegw-worker
worker_idle_exit = 10s
ca_cert = $1/ca.pem
ca_key = $1/ca.key
ca_chain = $1/root.pem
profile.default.crl_url = http://127.0.0.1/ca.crl
profile.default.aia_url = http://127.0.0.1/ca.der
profile.short.validity = 7d
profile.short.key_types = p256 ed25519
profile.short.common_name = no
profile.short.ext_key_usage = serverAuth
EOF
}

# --- acmegwctl init --ca ---
d="$t/ec"
mkconf "$d"
if "$CTL" -f "$d/acmegw.conf" init --ca --ca-name "T Sign" >"$t/out" \
    2>&1; then
	ok "init --ca"
else
	bad "init --ca: $(cat "$t/out")"
fi
for f in ca.pem ca.key root.pem root.pem.key; do
	[ -f "$d/$f" ] || bad "init --ca did not write $f"
done
[ "$(stat -c %a "$d/ca.key")" = 640 ] || bad "ca.key mode is not 0640"
[ "$(stat -c %a "$d/root.pem.key")" = 600 ] || bad "root key mode not 0600"
certtool --verify --load-ca-certificate "$d/root.pem" \
    --infile "$d/ca.pem" >"$t/out" 2>&1 && ok "issuing CA chains to root" ||
    bad "issuing CA does not verify: $(cat "$t/out")"
certtool -i --infile "$d/ca.pem" | grep -q "Path Length Constraint: 0" ||
    bad "issuing CA has no pathlen 0"
certtool -i --infile "$d/ca.pem" | grep -q "Subject: CN=T Sign Issuing CA" ||
    bad "issuing CA name"
cp "$d/ca.pem" "$t/ca.before"
if "$CTL" -f "$d/acmegw.conf" init --ca >"$t/out" 2>&1; then
	bad "init --ca overwrote an existing CA"
else
	grep -q "already exists" "$t/out" && ok "init --ca refuses to overwrite" ||
	    bad "init --ca refusal message: $(cat "$t/out")"
fi
cmp -s "$d/ca.pem" "$t/ca.before" || bad "ca.pem changed"
"$CTL" -f "$d/acmegw.conf" init --ca-key-type dsa --ca >/dev/null 2>&1 &&
    bad "init accepted --ca-key-type dsa"
"$CTL" -f "$d/acmegw.conf" init --ca-name x >/dev/null 2>&1 &&
    bad "init accepted --ca-name without --ca"

# --- keys and CSRs ---
certtool --generate-privkey --key-type ecdsa --outfile "$t/leaf.key" \
    >/dev/null 2>&1
certtool --generate-privkey --key-type ecdsa --outfile "$t/acct.key" \
    >/dev/null 2>&1
certtool --generate-privkey --key-type rsa --bits 2048 \
    --outfile "$t/rsa.key" >/dev/null 2>&1
cat >"$t/tmpl" <<EOF
cn = "www.example.com"
dns_name = "www.example.com"
dns_name = "example.com"
ip_address = "192.0.2.1"
EOF
for k in leaf acct rsa; do
	certtool --generate-request --load-privkey "$t/$k.key" \
	    --template "$t/tmpl" --outfile "$t/$k.csr" >/dev/null 2>&1 ||
	    bad "certtool --generate-request $k"
done

# req CSRFILE IDS PROFILE THUMB_KEY [EXTRA_JSON]: a sign request on stdout.
# IDS is "dns:a,ip:b"; THUMB_KEY is the key whose RFC 7638 thumbprint is
# the account's (computed from `certtool --pubkey-info`), or "-" for a
# dummy; EXTRA_JSON is merged over the request.
req() {
	python3 - "$@" <<'EOF'
import base64, json, re, subprocess, sys, time, hashlib
csr, ids, prof, tk = sys.argv[1:5]
extra = json.loads(sys.argv[5]) if len(sys.argv) > 5 else {}
pem = open(csr).read()
m = re.search(r"-----BEGIN [A-Z ]*REQUEST-----(.*?)-----END", pem, re.S)
der = base64.b64decode("".join(m.group(1).split()))
b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
if tk == "-":
    thumb = "A" * 43
else:
    out = subprocess.run(["certtool", "--pubkey-info", "--load-privkey", tk],
        capture_output=True, text=True).stdout
    # EC P-256 only: X and Y as hex dumps after "X:" / "Y:".
    def coord(name):
        mm = re.search(name + r":\n((?:\s+[0-9a-f:]+\n)+)", out)
        h = "".join(mm.group(1).split()).replace(":", "")
        return bytes.fromhex(h)[-32:].rjust(32, b"\0")
    canon = '{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}' % (
        b64(coord("X")), b64(coord("Y")))
    thumb = b64(hashlib.sha256(canon.encode()).digest())
now = int(time.time())
r = {"v": 1, "op": "sign", "csr": b64(der),
     "serial": "0123456789abcdef0123456789abcdef",
     "identifiers": [{"type": t, "value": v} for t, v in
         (x.split(":", 1) for x in ids.split(","))],
     "not_before": now - 60, "not_after": now + 7 * 86400 - 60,
     "profile": prof, "account_thumb": thumb}
r.update(extra)
print(json.dumps(r))
EOF
}

# field FILE NAME: a string member of the JSON answer in FILE.
field() {
	python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))
v=a
for k in sys.argv[2].split("."): v=v[k]
sys.stdout.write(v)' "$1" "$2"
}

# sign NAME CONF: feed stdin to acmegw-sign; answer in $t/ans, exit
# status in $t/rc (the end of a pipeline may run in a subshell: callers
# read it back into $rc).
sign() {
	"$SIGN" -f "$2" >"$t/ans" 2>"$t/err"
	echo $? >"$t/rc"
}

IDS="dns:www.example.com,dns:example.com,ip:192.0.2.1"
conf="$d/acmegw.conf"

# --- good requests ---
for k in leaf rsa; do
	req "$t/$k.csr" "$IDS" default - | sign good "$conf"; rc=$(cat "$t/rc")
	if [ $rc -ne 0 ] || [ "$(field "$t/ans" status)" != ok ]; then
		bad "good $k: rc $rc $(cat "$t/err")"
		continue
	fi
	field "$t/ans" chain >"$t/chain.pem"
	field "$t/ans" cert >"$t/leaf.pem"
	if certtool --verify --load-ca-certificate "$d/root.pem" \
	    --infile "$t/chain.pem" >"$t/out" 2>&1; then
		ok "good $k: chain verifies against the root"
	else
		bad "good $k: chain does not verify: $(tail -3 "$t/out")"
	fi
	certtool -i --infile "$t/leaf.pem" >"$t/info"
	for want in "DNSname: www.example.com" "DNSname: example.com" \
	    "IPAddress: 192.0.2.1" "Subject: CN=www.example.com" \
	    "Certificate Authority (CA): FALSE" "TLS WWW Server" \
	    "TLS WWW Client" "URI: http://127.0.0.1/ca.crl" \
	    "Access Location URI: http://127.0.0.1/ca.der" \
	    "Serial Number (hex): 0123456789abcdef0123456789abcdef" \
	    "Basic Constraints (critical)" "Key Usage (critical)"; do
		grep -qF "$want" "$t/info" || bad "good $k: lacks \"$want\""
	done
	[ "$(grep -c "DNSname:\|IPAddress:" "$t/info")" = 3 ] ||
	    bad "good $k: not exactly 3 SANs"
	if [ $k = leaf ]; then
		grep -q "Key encipherment" "$t/info" &&
		    bad "EC leaf has keyEncipherment"
	else
		grep -q "Key encipherment" "$t/info" ||
		    bad "RSA leaf lacks keyEncipherment"
	fi
	grep -q "issued serial 0123456789abcdef0123456789abcdef profile default" \
	    "$t/err" || bad "good $k: no issuance log line"
	[ "$(grep -c "BEGIN CERTIFICATE" "$t/chain.pem")" = 3 ] ||
	    bad "good $k: chain is not leaf + issuing + root"
done

# The "short" profile: no CN (empty subject, critical SAN), serverAuth.
req "$t/leaf.csr" "$IDS" short - | sign short "$conf"; rc=$(cat "$t/rc")
if [ $rc -eq 0 ] && [ "$(field "$t/ans" status)" = ok ]; then
	field "$t/ans" cert >"$t/leaf.pem"
	certtool -i --infile "$t/leaf.pem" >"$t/info"
	grep -q "Subject Alternative Name (critical)" "$t/info" ||
	    bad "short: SAN not critical with an empty subject"
	grep -q "TLS WWW Client" "$t/info" && bad "short: has clientAuth"
	grep -q "Subject: CN=" "$t/info" && bad "short: has a CN"
	ok "profile short"
else
	bad "profile short: rc $rc $(cat "$t/err")"
fi

# --- mismatched requests: answered "refused" ---
# refused NAME TYPE: the last answer is a refusal of that problem type.
refused() {
	if [ $rc -eq 0 ] && [ "$(field "$t/ans" status)" = refused ] &&
	    [ "$(field "$t/ans" error.type)" = \
	    "urn:ietf:params:acme:error:$2" ]; then
		ok "$1: refused $2"
	else
		bad "$1: want refused $2, rc $rc: $(cat "$t/ans" "$t/err")"
	fi
}
req "$t/leaf.csr" "dns:www.example.com,dns:example.com" default - |
    sign R2 "$conf"; rc=$(cat "$t/rc")
refused "R2 names differ (extra in CSR)" badCSR
req "$t/leaf.csr" "$IDS,dns:more.example.com" default - | sign R2 "$conf"; rc=$(cat "$t/rc")
refused "R2 names differ (missing in CSR)" badCSR
req "$t/leaf.csr" "$IDS" default "$t/leaf.key" | sign R7 "$conf"; rc=$(cat "$t/rc")
refused "R7 account key = CSR key" badCSR
req "$t/leaf.csr" "$IDS" default "$t/acct.key" | sign R7ok "$conf"; rc=$(cat "$t/rc")
[ $rc -eq 0 ] && [ "$(field "$t/ans" status)" = ok ] &&
    ok "another account key is fine" || bad "R7 false positive"
req "$t/rsa.csr" "$IDS" short - | sign R8 "$conf"; rc=$(cat "$t/rc")
refused "R8 RSA outside profile short" badPublicKey
req "$t/leaf.csr" "$IDS" nosuch - | sign prof "$conf"; rc=$(cat "$t/rc")
refused "unknown profile" invalidProfile
req "$t/leaf.csr" "$IDS" default - '{"not_after": 4102444800}' |
    sign S5 "$conf"; rc=$(cat "$t/rc")
refused "S5 validity beyond the profile" serverInternal
req "$t/leaf.csr" "$IDS" default - '{"csr": "MIIB"}' | sign R12 "$conf"; rc=$(cat "$t/rc")
refused "R12 truncated CSR" badCSR

# --- malformed requests: exit 1, nothing on stdout ---
# malformed NAME: the last run exited 1 with no answer.
malformed() {
	if [ $rc -eq 1 ] && [ ! -s "$t/ans" ]; then
		ok "malformed: $1"
	else
		bad "malformed $1: rc $rc, answer $(cat "$t/ans")"
	fi
}
req "$t/leaf.csr" "$IDS" default - '{"extra": 1}' | sign x "$conf"; rc=$(cat "$t/rc")
malformed "unknown member"
req "$t/leaf.csr" "$IDS" default - | sed 's/^{/{"serial": "01", /' |
    sign x "$conf"; rc=$(cat "$t/rc")
malformed "duplicate member"
req "$t/leaf.csr" "$IDS" default - | python3 -c '
import json,sys; r=json.load(sys.stdin); del r["not_before"]; print(json.dumps(r))' |
    sign x "$conf"; rc=$(cat "$t/rc")
malformed "missing member"
req "$t/leaf.csr" "$IDS" default - '{"not_before": "1"}' | sign x "$conf"; rc=$(cat "$t/rc")
malformed "mistyped member (string for int)"
req "$t/leaf.csr" "$IDS" default - '{"identifiers": "x"}' | sign x "$conf"; rc=$(cat "$t/rc")
malformed "mistyped identifiers"
req "$t/leaf.csr" "$IDS" default - '{"v": 2}' | sign x "$conf"; rc=$(cat "$t/rc")
malformed "v 2"
for s in 00 "" 80 0001 ABCD 0g 007f \
    "0102030405060708090a0b0c0d0e0f101112131415"; do
	req "$t/leaf.csr" "$IDS" default - "{\"serial\": \"$s\"}" |
	    sign x "$conf"; rc=$(cat "$t/rc")
	malformed "serial \"$s\""
done
req "$t/leaf.csr" "$IDS" default - '{"csr": "a+b/"}' | sign x "$conf"; rc=$(cat "$t/rc")
malformed "csr not base64url"
echo '{"v":1,"op":"nope"}' | sign x "$conf"; rc=$(cat "$t/rc")
malformed "unknown op"
printf '{"v":1,"op":"sign"} trailing' | sign x "$conf"; rc=$(cat "$t/rc")
malformed "trailing garbage"
head -c 70000 /dev/zero | tr '\0' ' ' | sign x "$conf"; rc=$(cat "$t/rc")
malformed "request over 64 KiB"
: | sign x "$conf"; rc=$(cat "$t/rc")
malformed "empty request"

# --- CRL ---
now=$(date +%s)
next=$((now + 604800))
crlreq='{"v":1,"op":"crl","number":7,"this_update":'$now',"next_update":'$next',"revoked":[{"serial":"0123456789abcdef0123456789abcdef","time":'$now',"reason":1},{"serial":"00ff","time":'$now',"reason":0},{"serial":"0a","time":'$now',"reason":4}]}'
echo "$crlreq" | sign crl "$conf"; rc=$(cat "$t/rc")
if [ $rc -eq 0 ] && [ "$(field "$t/ans" status)" = ok ]; then
	field "$t/ans" crl >"$t/crl.pem"
	certtool --crl-info --infile "$t/crl.pem" >"$t/info" 2>&1 ||
	    bad "certtool --crl-info failed"
	for want in "Version: 2" "CRL Number (not critical): 07" \
	    "Revoked certificates (3)" \
	    "Serial Number (hex): 0123456789abcdef0123456789abcdef" \
	    "Serial Number (hex): 00ff" "Issuer: CN=T Sign Issuing CA"; do
		grep -qF "$want" "$t/info" || bad "CRL lacks \"$want\""
	done
	if openssl crl -in "$t/crl.pem" -CAfile "$d/ca.pem" -noout \
	    -verify >"$t/out" 2>&1 && grep -q "verify OK" "$t/out"; then
		ok "CRL verifies (openssl crl -verify)"
	else
		bad "openssl crl -verify: $(cat "$t/out")"
	fi
	openssl crl -in "$t/crl.pem" -noout -text >"$t/info"
	grep -q "Key Compromise" "$t/info" || bad "CRL lacks reason 1"
	grep -q "Superseded" "$t/info" || bad "CRL lacks reason 4"
	[ "$(grep -c "CRL Reason Code" "$t/info")" = 2 ] ||
	    bad "CRL: reason 0 must not be encoded"
	ok "CRL content"
else
	bad "crl: rc $rc $(cat "$t/err")"
fi
echo '{"v":1,"op":"crl","number":8,"this_update":'$now',"next_update":'$next',"revoked":[]}' |
    sign crl0 "$conf"; rc=$(cat "$t/rc")
[ $rc -eq 0 ] && ok "empty CRL" || bad "empty CRL: $(cat "$t/err")"
echo '{"v":1,"op":"crl","number":8,"this_update":'$now',"next_update":'$now',"revoked":[]}' |
    sign x "$conf"; rc=$(cat "$t/rc")
malformed "CRL next_update not after this_update"
echo '{"v":1,"op":"crl","number":8,"this_update":'$now',"next_update":'$next',"revoked":[{"serial":"0a","time":1,"reason":7}]}' |
    sign x "$conf"; rc=$(cat "$t/rc")
malformed "CRL reason 7"
echo '{"v":1,"op":"crl","number":0,"this_update":'$now',"next_update":'$next',"revoked":[]}' |
    sign x "$conf"; rc=$(cat "$t/rc")
malformed "CRL number 0"

# --- an RSA CA, and a key that does not match the certificate ---
r="$t/rsa"
mkconf "$r"
"$CTL" -f "$r/acmegw.conf" init --ca --ca-key-type rsa >"$t/out" 2>&1 ||
    bad "init --ca --ca-key-type rsa: $(cat "$t/out")"
certtool -i --infile "$r/ca.pem" | grep -q "Subject Public Key Algorithm: RSA" ||
    bad "RSA CA key type"
req "$t/leaf.csr" "$IDS" default - | sign rsa "$r/acmegw.conf"; rc=$(cat "$t/rc")
if [ $rc -eq 0 ] && [ "$(field "$t/ans" status)" = ok ]; then
	field "$t/ans" chain >"$t/chain.pem"
	certtool --verify --load-ca-certificate "$r/root.pem" \
	    --infile "$t/chain.pem" >/dev/null 2>&1 &&
	    ok "RSA CA issues a verifiable chain" || bad "RSA CA chain"
else
	bad "RSA CA sign: $(cat "$t/err")"
fi
echo "$crlreq" | sign rsacrl "$r/acmegw.conf"; rc=$(cat "$t/rc")
if [ $rc -eq 0 ]; then
	field "$t/ans" crl >"$t/crl.pem"
	openssl crl -in "$t/crl.pem" -CAfile "$r/ca.pem" -noout -verify \
	    >/dev/null 2>&1 && ok "RSA CRL verifies" || bad "RSA CRL verify"
else
	bad "RSA CRL: $(cat "$t/err")"
fi
sed "s|^ca_key = .*|ca_key = $d/ca.key|" "$r/acmegw.conf" >"$t/mix.conf"
req "$t/leaf.csr" "$IDS" default - 2>/dev/null | sign mix "$t/mix.conf"; rc=$(cat "$t/rc")
malformed "CA key of another CA"
grep -q "does not belong" "$t/err" || bad "no message for a wrong CA key"

# --- the CA key on a PKCS#11 token (SoftHSM2), when installed ---
if command -v softhsm2-util >/dev/null 2>&1 &&
    command -v p11tool >/dev/null 2>&1; then
	mkdir -p "$t/hsm/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\n' \
	    "$t/hsm/tokens" >"$t/hsm/softhsm2.conf"
	SOFTHSM2_CONF="$t/hsm/softhsm2.conf"
	export SOFTHSM2_CONF
	softhsm2-util --init-token --free --label acmegw --pin 1234 \
	    --so-pin 0000 >/dev/null 2>&1 || bad "softhsm2-util --init-token"
	GNUTLS_PIN=1234 p11tool --login --write --load-privkey "$d/ca.key" \
	    --label issuing "pkcs11:token=acmegw" >/dev/null 2>&1 ||
	    bad "p11tool --write"
	sed "s|^ca_key = .*|ca_key = pkcs11:token=acmegw;object=issuing;type=private;pin-value=1234|" \
	    "$conf" >"$t/hsm.conf"
	req "$t/leaf.csr" "$IDS" default - | sign hsm "$t/hsm.conf"; rc=$(cat "$t/rc")
	if [ $rc -eq 0 ] && [ "$(field "$t/ans" status)" = ok ]; then
		field "$t/ans" chain >"$t/chain.pem"
		certtool --verify --load-ca-certificate "$d/root.pem" \
		    --infile "$t/chain.pem" >/dev/null 2>&1 &&
		    ok "PKCS#11 (SoftHSM2) key signs a verifiable chain" ||
		    bad "PKCS#11 chain does not verify"
	else
		bad "PKCS#11 sign: rc $rc $(cat "$t/err")"
	fi
	echo "$crlreq" | sign hsmcrl "$t/hsm.conf"; rc=$(cat "$t/rc")
	if [ $rc -eq 0 ]; then
		field "$t/ans" crl >"$t/crl.pem"
		openssl crl -in "$t/crl.pem" -CAfile "$d/ca.pem" -noout \
		    -verify >/dev/null 2>&1 && ok "PKCS#11 CRL verifies" ||
		    bad "PKCS#11 CRL verify"
	else
		bad "PKCS#11 CRL: $(cat "$t/err")"
	fi
	sed "s|pin-value=1234|pin-value=9999|" "$t/hsm.conf" >"$t/hsm2.conf"
	req "$t/leaf.csr" "$IDS" default - 2>/dev/null |
	    sign hsmpin "$t/hsm2.conf"; rc=$(cat "$t/rc")
	malformed "PKCS#11 wrong PIN"
else
	# A skipped part would hide a failure: the README's test command
	# installs softhsm2 and gnutls-bin.
	bad "softhsm2-util or p11tool missing: cannot test PKCS#11 signing"
fi


# --- set-gid install (acmegw-sign(8) SECURITY): a copy of the signer
# set-gid to group adm (exists on Debian; nobody is not in it), the CA key
# readable by that group alone, run as nobody.  It signs with the
# administrator's configuration; it refuses a configuration a user wrote,
# never prints a line of the key through -f, and drops the group for good
# (real, effective and saved gid) before it reads the request.
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1 &&
    getent group adm >/dev/null && ! id -nG nobody | grep -qw adm; then
	sg="$t/sg"
	mkdir -p "$sg/nob"
	chmod 755 "$t" "$sg"
	chown nobody "$sg/nob"
	cp "$SIGN" "$sg/acmegw-sign"
	chgrp adm "$sg/acmegw-sign"
	chmod 2755 "$sg/acmegw-sign"
	cp "$d/ca.key" "$sg/ca.key"
	cp "$d/ca.pem" "$sg/ca.pem"
	cp "$d/root.pem" "$sg/root.pem"
	chgrp adm "$sg/ca.key"
	chmod 0640 "$sg/ca.key"
	sed "s|$d/|$sg/|g" "$conf" >"$sg/acmegw.conf"
	chmod 0644 "$sg/acmegw.conf" "$sg/ca.pem" "$sg/root.pem"
	cp "$sg/acmegw.conf" "$sg/nob/acmegw.conf"
	chown nobody "$sg/nob/acmegw.conf"
	cp "$t/leaf.csr" "$sg/leaf.csr"
	chmod 0644 "$sg/leaf.csr"
	sgsign() {
		runuser -u nobody -- "$sg/acmegw-sign" "$@" >"$t/ans" 2>"$t/err"
		echo $? >"$t/rc"
	}
	runuser -u nobody -- cat "$sg/ca.key" >/dev/null 2>&1 &&
	    bad "set-gid: nobody can read the key itself"
	req "$sg/leaf.csr" "$IDS" default - | sgsign -f "$sg/acmegw.conf"
	rc=$(cat "$t/rc")
	if [ $rc -eq 0 ] && [ "$(field "$t/ans" status)" = ok ]; then
		field "$t/ans" chain >"$t/sgchain.pem"
		certtool --verify --load-ca-certificate "$d/root.pem" \
		    --infile "$t/sgchain.pem" >/dev/null 2>&1 &&
		    ok "set-gid: nobody gets a verifiable chain from the signer" ||
		    bad "set-gid: the chain does not verify"
	else
		bad "set-gid sign as nobody: rc $rc $(cat "$t/err")"
	fi
	# While it waits for the request: every gid is nobody's.
	(sleep 3 | runuser -u nobody -- "$sg/acmegw-sign" \
	    -f "$sg/acmegw.conf" >/dev/null 2>&1) &
	gids=
	i=0
	while [ $i -lt 40 ] && [ -z "$gids" ]; do
		sleep 0.05
		for pid in $(pgrep -f "^$sg/acmegw-sign"); do
			gids=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' \
			    "/proc/$pid/status" 2>/dev/null)
		done
		i=$((i + 1))
	done
	wait
	ng=$(id -g nobody)
	[ "$gids" = "$ng $ng $ng $ng" ] &&
	    ok "set-gid: real, effective, saved and fs gid all $ng" ||
	    bad "set-gid: gids of the waiting signer '$gids', want $ng x 4"
	req "$sg/leaf.csr" "$IDS" default - 2>/dev/null |
	    sgsign -f "$sg/nob/acmegw.conf"
	rc=$(cat "$t/rc")
	if [ $rc -eq 1 ] && [ ! -s "$t/ans" ] &&
	    grep -q "owned by root" "$t/err"; then
		ok "set-gid: a configuration in a user's directory is refused"
	else
		bad "set-gid: user's configuration: rc $rc $(cat "$t/err")"
	fi
	echo '{}' | sgsign -f "$sg/ca.key"
	rc=$(cat "$t/rc")
	if [ $rc -eq 1 ] && ! grep -q "BEGIN\|PRIVATE" "$t/err"; then
		ok "set-gid: -f the key file prints none of it"
	else
		bad "set-gid: -f the key: rc $rc $(cat "$t/err")"
	fi
else
	bad "not root, or no runuser / group adm: cannot test the set-gid" \
	    "install (run the test suite as root, as the README says)"
fi

exit $fail

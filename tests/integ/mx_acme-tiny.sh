# mx_acme-tiny.sh: acme-tiny's row of the client matrix (sourced by
# matrix.sh, which see for the steps, mx_result, mx_check and the servers).
#
# acme-tiny 5.0.1 (acme_tiny.py, about 200 lines) does one thing: with an
# RSA account key and a CSR made by openssl it registers the key (or finds
# its account), answers the http-01 challenge of every authorization in
# --acme-dir (the web root, mx_webroot; --disable-check, since its
# self-check would use port 80) and prints the chain.  It trusts the test
# CA through SSL_CERT_FILE (CLIENTS.md).
# Steps: the first run registers (the account is found again with
# onlyReturnExisting, with the --contact given) and issues with http-01;
# running it again is its renewal (a new serial, the same names).  The
# rest is n/a: acme_tiny.py sends no externalAccountBinding, takes only
# the http-01 challenge (so no dns-01, no wildcard, no tls-alpn-01), and
# has no revocation and no keyChange.

# mxa_run OUT CHAIN: acme-tiny for $MXA/domain.csr, the chain into CHAIN.
mxa_run()
{
	# shellcheck disable=SC2016
	run_client acme-tiny "$1" env SSL_CERT_FILE="$T/ca/ca.pem" \
	    sh -c 'acme-tiny "$@" >"$0"' "$2" \
	    --account-key "$MXA/account.key" --csr "$MXA/domain.csr" \
	    --acme-dir "$MX_ACH" --directory-url "$SRV_URL" --disable-check \
	    --contact mailto:at@example.test
}

mx_acme_tiny()
{
	MXA="$T/acme-tiny"
	mkdir -p "$MXA"
	mx_result acme-tiny eab n/a "acme-tiny 5.0.1 cannot send an" \
	    "External Account Binding (no option; its newAccount has only" \
	    "contact and termsOfServiceAgreed)"
	mx_result acme-tiny dns-01 n/a "acme-tiny 5.0.1 answers only" \
	    "http-01 challenges (no dns-01, so no wildcard)"
	mx_result acme-tiny tls-alpn n/a "acme-tiny 5.0.1 answers only" \
	    "http-01 challenges"
	mx_result acme-tiny revoke n/a "acme-tiny 5.0.1 has no revocation" \
	    "(it only issues)"
	mx_result acme-tiny keyroll n/a "acme-tiny 5.0.1 has no key" \
	    "rollover (it never sends keyChange)"
	if ! openssl genrsa -out "$MXA/account.key" 2048 >"$MXA.gen.out" 2>&1 ||
	    ! openssl req -new -newkey rsa:2048 -nodes \
	    -keyout "$MXA/domain.key" -subj "/CN=at.test" \
	    -addext "subjectAltName = DNS:at.test, DNS:www.at.test" \
	    -out "$MXA/domain.csr" >>"$MXA.gen.out" 2>&1; then
		cat "$MXA.gen.out"
		for _x in register http-01 renew; do
			mx_result acme-tiny "$_x" fail "openssl could not make" \
			    "the keys and the CSR"
		done
		return
	fi
	mx_webroot start

	# register and http-01: the first run
	_http=
	if mxa_run "$MXA.run1.out" "$MXA/chain1.pem"; then
		mx_check acme-tiny http-01 "$MXA/chain1.pem" \
		    at.test www.at.test && _http=$SERIAL
	else
		mx_result acme-tiny http-01 fail "acme-tiny: exit status $?"
	fi
	if _id=$(atest preregistered "$SRV_URL" "$MXA/account.key"); then
		_ct=$(ctl account show "$_id" | "$PY" -c 'import json, sys
print(" ".join(json.load(sys.stdin)["contact"]))')
		if [ "$_ct" = mailto:at@example.test ]; then
			mx_result acme-tiny register pass "registered during" \
			    "issuance: account $_id, contact $_ct"
		else
			mx_result acme-tiny register fail "account $_id has" \
			    "contact \"$_ct\", want mailto:at@example.test"
		fi
	else
		mx_result acme-tiny register fail "its account key finds no" \
		    "account: $_id"
	fi

	# renew: run again
	if [ -z "$_http" ]; then
		mx_result acme-tiny renew fail "no first certificate to renew"
	elif mxa_run "$MXA.run2.out" "$MXA/chain2.pem"; then
		if mx_check acme-tiny renew "$MXA/chain2.pem" \
		    at.test www.at.test && [ "$SERIAL" = "$_http" ]; then
			mx_result acme-tiny renew fail "the second run got" \
			    "serial $SERIAL again"
		fi
	else
		mx_result acme-tiny renew fail "acme-tiny (second run):" \
		    "exit status $?"
	fi
	mx_webroot stop
}

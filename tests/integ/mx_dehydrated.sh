# mx_dehydrated.sh: dehydrated's row of the client matrix (sourced by
# matrix.sh, which see for the steps, mx_result, mx_check and the servers).
#
# dehydrated trusts the test CA through CURL_OPTS="--cacert ..." in its
# config (CLIENTS.md).  Challenges:
#   http-01      WELLKNOWN = the web root (mx_webroot);
#   dns-01       a hook (-k) whose deploy_challenge sets the TXT record in
#                pebble-challtestsrv ($MX_TXT, matrix.sh);
#   tls-alpn-01  dehydrated writes the RFC 8737 certificate of each name
#                into ALPNCERTDIR (NAME.crt.pem, NAME.key.pem) and leaves
#                serving it to the web server; here the acmetest.py
#                responders on 127.0.0.1:$TP pick it by SNI and answer
#                ALPN acme-tls/1.
# Steps: --register (found again with onlyReturnExisting); EAB_KID and
# EAB_HMAC_KEY in the config of the eab server (the key is bound to the
# account afterwards); --cron -d with each type, the wildcard by dns-01;
# --cron --force (renew: a new serial, the same names); --revoke of the
# renewed certificate with the account key.  keyroll is n/a: dehydrated
# 0.7.0 sends no keyChange.

# mxd_conf FILE BASEDIR URL [LINE...]: a dehydrated config.
mxd_conf()
{
	_cf=$1 _bd=$2 _url=$3
	shift 3
	mkdir -p "$_bd"
	{
		echo "CA=\"$_url\""
		echo "BASEDIR=\"$_bd\""
		echo "WELLKNOWN=\"$MX_ACH\""
		echo "ALPNCERTDIR=\"$_bd/alpn/tls\""
		echo "CURL_OPTS=\"--cacert $T/ca/ca.pem\""
		echo "CONTACT_EMAIL=dh@example.test"
		echo "CHALLENGETYPE=http-01"
		echo "KEY_ALGO=secp384r1"
		echo "HOOK=\"$T/dehydrated-hook.sh\""
		for _l in "$@"; do
			echo "$_l"
		done
	} >"$_cf"
}

# mxd_key BASEDIR: the account key dehydrated made under BASEDIR (empty:
# none).
mxd_key()
{
	for _f in "$1"/accounts/*/account_key.pem; do
		[ -f "$_f" ] && echo "$_f" && return
	done
}

# mxd OUT ARGS...: dehydrated, output in OUT.
mxd()
{
	_o=$1
	shift
	run_client dehydrated "$_o" dehydrated "$@"
}

mx_dehydrated()
{
	D="$T/dehydrated"
	mxd_conf "$D.conf" "$D" "$SRV_URL"
	cat >"$T/dehydrated-hook.sh" <<-EOF
	#!/bin/sh
	# dehydrated hook (HOOK_CHAIN=no): dns-01 TXT records in challtestsrv
	echo "dehydrated-hook \$*" >>"$T/dehydrated-hook.log"
	case "\$1" in
	deploy_challenge) exec "$MX_TXT" set "\$2" "\$4" ;;
	clean_challenge) exec "$MX_TXT" clear "\$2" ;;
	esac
	exit 0
	EOF
	chmod 755 "$T/dehydrated-hook.sh"
	mx_webroot start

	# register
	if ! mxd "$D.register.out" -f "$D.conf" --register --accept-terms; then
		mx_rest dehydrated fail "dehydrated --register failed: no account"
		mx_webroot stop
		return
	fi
	_key=$(mxd_key "$D")
	if [ -n "$_key" ] && _id=$(atest preregistered "$SRV_URL" "$_key"); then
		mx_result dehydrated register pass "--register: account $_id"
	else
		mx_result dehydrated register fail "--register: the account" \
		    "key ${_key:-(none)} finds no account: $_id"
	fi

	# http-01
	_http=
	if mxd "$D.http.out" -f "$D.conf" --cron -d dh.test -d www.dh.test
	then
		mx_check dehydrated http-01 "$D/certs/dh.test/fullchain.pem" \
		    dh.test www.dh.test && _http=$SERIAL
	else
		mx_result dehydrated http-01 fail "--cron (WELLKNOWN):" \
		    "exit status $?"
	fi

	# dns-01: a name and its wildcard
	if mxd "$D.dns.out" -f "$D.conf" --cron -t dns-01 \
	    -d dw.test -d '*.dw.test'; then
		mx_check dehydrated dns-01 "$D/certs/dw.test/fullchain.pem" \
		    dw.test '*.dw.test'
	else
		mx_result dehydrated dns-01 fail "--cron -t dns-01 (hook):" \
		    "exit status $?"
	fi
	mx_txt clear dw.test

	mxd_tls_alpn

	# renew
	_new=
	if [ -z "$_http" ]; then
		mx_result dehydrated renew fail "no http-01 certificate to renew"
	elif mxd "$D.renew.out" -f "$D.conf" --cron --force \
	    -d dh.test -d www.dh.test; then
		if mx_check dehydrated renew "$D/certs/dh.test/fullchain.pem" \
		    dh.test www.dh.test; then
			_new=$SERIAL
			[ "$SERIAL" != "$_http" ] || {
				_new=
				mx_result dehydrated renew fail "--cron" \
				    "--force kept serial $SERIAL"
			}
		fi
	else
		mx_result dehydrated renew fail "--cron --force: exit status $?"
	fi

	# revoke the renewed certificate with the account key (dehydrated
	# sends no reason: unspecified, 0).  Not by the certificate's key:
	# dehydrated 0.7.0 --revoke --privkey first looks the key up as an
	# account (onlyReturnExisting) and stops at accountDoesNotExist, the
	# right answer (dehydrated-io/dehydrated issue 934).
	if [ -z "$_new" ]; then
		mx_result dehydrated revoke fail "no renewed certificate"
	elif mxd "$D.revoke.out" -f "$D.conf" \
	    --revoke "$D/certs/dh.test/cert.pem"; then
		if check_revoked "dehydrated --revoke" "$_new" 0; then
			mx_result dehydrated revoke pass "--revoke CERT" \
			    "(account key), serial $_new"
		else
			mx_result dehydrated revoke fail "--revoke: serial" \
			    "$_new is not revoked"
		fi
	else
		mx_result dehydrated revoke fail "--revoke: exit status $?"
	fi

	mxd_eab
	mx_result dehydrated keyroll n/a "dehydrated 0.7.0 has no key" \
	    "rollover: it never sends keyChange (no such command or option)"
	mx_webroot stop
}

# mxd_tls_alpn: dehydrated -t tls-alpn-01, its ALPNCERTDIR ($D/alpn/tls)
# served on 127.0.0.1:$TP by the acmetest.py responders (lib.sh
# start_responders), which choose the certificate by SNI.
mxd_tls_alpn()
{
	start_responders "$D/alpn" --tls-port "$TP"
	if mxd "$D.alpn.out" -f "$D.conf" --cron -t tls-alpn-01 -d dt.test
	then
		mx_check dehydrated tls-alpn "$D/certs/dt.test/fullchain.pem" \
		    dt.test
	else
		mx_result dehydrated tls-alpn fail "--cron -t tls-alpn-01:" \
		    "exit status $?"
	fi
	sed 's/^/  alpn: /' "$RESP_DIR/responders.log"
	stop_pid "$RESP_PID"
}

# mxd_eab: EAB_KID / EAB_HMAC_KEY in the config of the eab server:
# --register binds the key to the new account, which gets a certificate.
mxd_eab()
{
	mx_eab_key "dehydrated matrix"
	_e="$T/dehydrated-eab"
	mxd_conf "$_e.conf" "$_e" "$EAB_URL" "EAB_KID=\"$kid\"" \
	    "EAB_HMAC_KEY=\"$hmac_key\""
	mxd "$_e.register.out" -f "$_e.conf" --register --accept-terms || {
		mx_result dehydrated eab fail "--register with EAB_KID:" \
		    "exit status $?"
		return
	}
	_ekey=$(mxd_key "$_e")
	_eid=$(atest preregistered "$EAB_URL" "$_ekey") || {
		mx_result dehydrated eab fail "the EAB account is not found" \
		    "by its key: $_eid"
		return
	}
	mx_eab_bound dehydrated "$_eid" || return
	if mxd "$_e.cron.out" -f "$_e.conf" --cron -d de.test; then
		use_server eab
		mx_check dehydrated eab "$_e/certs/de.test/fullchain.pem" de.test
		use_server open
	else
		mx_result dehydrated eab fail "--cron (EAB account): exit" \
		    "status $?"
	fi
}

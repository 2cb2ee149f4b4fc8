# mx_uacme.sh: uacme's row of the client matrix (sourced by matrix.sh,
# which see for the steps, mx_result, mx_check and the servers).
#
# uacme has no option to trust a CA (CLIENTS.md): every run is inside a
# private mount namespace (unshare -m, root) where the system CA bundle
# plus the test CA is bind-mounted over /etc/ssl/certs/ca-certificates.crt.
# One hook script answers the challenge type in MXU_TYPE and refuses the
# others (uacme then tries the next type the server offers):
#   http-01      the key authorization into the web root (mx_webroot);
#   dns-01       the TXT value (uacme passes the digest) into
#                pebble-challtestsrv ($MX_TXT, matrix.sh);
#   tls-alpn-01  `ualpn` (shipped with uacme, its tls-alpn-01 responder)
#                told over its socket; ualpn listens on 127.0.0.1:$TP.
# Steps: new (register, found again with onlyReturnExisting); -e KID:HMAC
# on the eab server (refused without it; the key is bound to the account
# afterwards); issue with each type, the wildcard by dns-01; -f issue
# (renew: a new serial, the same names); revoke of the superseded
# certificate by the account (reason 4) and of the wildcard one by its
# own key (reason 1); newkey (keyChange: the old key is refused, the new
# key finds the same account and issues).

# mxu TYPE OUT ARGS...: uacme trusting the test CA, hook answering TYPE
# only, output in OUT.  ARGS are uacme's (-c and -a included).
mxu()
{
	_t=$1 _o=$2
	shift 2
	# shellcheck disable=SC2016
	run_client uacme "$_o" env MXU_TYPE="$_t" unshare -m sh -c \
	    'mount --bind "$1" "$2" && shift 2 && exec uacme "$@"' uac \
	    "$MXU_BUNDLE" "$MXU_SYSCA" -v -y -h "$MXU_HOOK" "$@"
}

# mxu_acct URL KEY: the account id found with KEY (onlyReturnExisting).
mxu_acct()
{
	atest preregistered "$1" "$2"
}

mx_uacme()
{
	MXU_SYSCA=/etc/ssl/certs/ca-certificates.crt
	if ! command -v uacme >/dev/null 2>&1; then
		mx_rest uacme fail "uacme is not installed"
		return
	fi
	if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1 ||
	    [ ! -f "$MXU_SYSCA" ] || ! unshare -m true 2>/dev/null; then
		mx_rest uacme fail "uacme cannot trust the test CA: it needs a" \
		    "private mount namespace (root, unshare -m, $MXU_SYSCA)"
		return
	fi
	U="$T/uacme"
	mkdir -p "$U"
	MXU_BUNDLE="$T/uacme-bundle.crt"
	cat "$MXU_SYSCA" "$T/ca/ca.pem" >"$MXU_BUNDLE"
	MXU_HOOK="$T/uacme-hook.sh"
	MXU_SOCK="$T/ualpn.sock"
	cat >"$MXU_HOOK" <<-EOF
	#!/bin/sh
	# uacme hook: METHOD TYPE IDENT TOKEN KEYAUTH; answers \$MXU_TYPE only
	echo "uacme-hook \$* (want \$MXU_TYPE)" >>"$T/uacme-hook.log"
	[ "\$2" = "\$MXU_TYPE" ] || exit 1
	case "\$1:\$2" in
	begin:http-01) printf '%s' "\$5" >"$MX_ACH/\$4" ;;
	begin:dns-01) "$MX_TXT" set "\$3" "\$5" ;;
	begin:tls-alpn-01)
		[ "\$(echo "auth \$3 \$5" | timeout 10 ualpn -s "$MXU_SOCK")" = OK ] ;;
	done:http-01|failed:http-01) rm -f "$MX_ACH/\$4" ;;
	done:dns-01|failed:dns-01) ;;
	done:tls-alpn-01|failed:tls-alpn-01)
		echo "unauth \$3" | timeout 10 ualpn -s "$MXU_SOCK" >/dev/null ;;
	*) exit 1 ;;
	esac
	EOF
	chmod 755 "$MXU_HOOK"
	mx_webroot start

	# register
	if ! mxu http-01 "$U.new.out" -c "$U" -a "$SRV_URL" \
	    new ua@example.test; then
		mx_rest uacme fail "uacme new failed: no account"
		mx_webroot stop
		return
	fi
	if _id=$(mxu_acct "$SRV_URL" "$U/private/key.pem"); then
		mx_result uacme register pass "uacme new: account $_id"
	else
		mx_result uacme register fail "uacme new: its key finds" \
		    "no account: $_id"
	fi

	# http-01
	_http=
	if mxu http-01 "$U.http.out" -c "$U" -a "$SRV_URL" \
	    issue ua.test www.ua.test; then
		mx_check uacme http-01 "$U/ua.test/cert.pem" \
		    ua.test www.ua.test && _http=$SERIAL
	else
		mx_result uacme http-01 fail "uacme issue (http-01 hook):" \
		    "exit status $?"
	fi

	# dns-01: a name and its wildcard
	_dns=
	if mxu dns-01 "$U.dns.out" -c "$U" -a "$SRV_URL" \
	    issue uw.test '*.uw.test'; then
		mx_check uacme dns-01 "$U/uw.test/cert.pem" \
		    uw.test '*.uw.test' && _dns=$SERIAL
	else
		mx_result uacme dns-01 fail "uacme issue (dns-01 hook):" \
		    "exit status $?"
	fi
	mx_txt clear uw.test

	# tls-alpn-01 through ualpn
	mxu_tls_alpn

	# renew: -f issue, a new certificate with the same names
	if [ -z "$_http" ]; then
		mx_result uacme renew fail "no http-01 certificate to renew"
	elif mxu http-01 "$U.renew.out" -c "$U" -a "$SRV_URL" \
	    -f issue ua.test www.ua.test; then
		if mx_check uacme renew "$U/ua.test/cert.pem" \
		    ua.test www.ua.test; then
			[ "$SERIAL" != "$_http" ] ||
			    mx_result uacme renew fail "uacme -f issue" \
			    "kept serial $SERIAL"
		fi
	else
		mx_result uacme renew fail "uacme -f issue: exit status $?"
	fi

	mxu_revoke "$_http" "$_dns"
	mxu_eab
	mxu_keyroll "$_id"
	mx_webroot stop
}

# mxu_tls_alpn: ualpn on 127.0.0.1:$TP (its backend, required by ualpn,
# is a port nothing listens on), uacme issue with the tls-alpn-01 hook.
mxu_tls_alpn()
{
	if ! command -v ualpn >/dev/null 2>&1; then
		mx_result uacme tls-alpn fail "ualpn (package uacme) is" \
		    "not installed"
		return
	fi
	_bp=$(free_port) || fail "no free port"
	ualpn -4 -b "127.0.0.1@$TP" -c "127.0.0.1@$_bp" -s "$MXU_SOCK" \
	    -p "$T/ualpn.pid" -n 1 -m 10 -P 0 -v -v \
	    >"$T/ualpn.log" 2>&1 &
	_upid=$!
	_i=0
	while [ ! -S "$MXU_SOCK" ]; do
		if [ $_i -ge 50 ] || ! kill -0 "$_upid" 2>/dev/null; then
			sed 's/^/  ualpn: /' "$T/ualpn.log"
			mx_result uacme tls-alpn fail "ualpn did not start"
			stop_pid "$_upid"
			return
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	log "ualpn pid $_upid on 127.0.0.1:$TP"
	if mxu tls-alpn-01 "$U.alpn.out" -c "$U" -a "$SRV_URL" \
	    issue ut.test; then
		mx_check uacme tls-alpn "$U/ut.test/cert.pem" ut.test
	else
		mx_result uacme tls-alpn fail "uacme issue (ualpn hook):" \
		    "exit status $?"
		sed 's/^/  ualpn: /' "$T/ualpn.log"
	fi
	stop_pid "$_upid"
}

# mxu_revoke HTTP-SERIAL DNS-SERIAL: revoke the certificate superseded by
# the renewal (uacme kept it as ua.test/cert-TIMESTAMP.pem) with the
# account key, reason 4, and the wildcard one with its own key, reason 1.
mxu_revoke()
{
	_ok=1
	_old=
	for _f in "$U"/ua.test/cert-*.pem; do
		[ -f "$_f" ] && _old=$_f && break
	done
	if [ -z "$1" ] || [ -z "$_old" ]; then
		_ok=0
		mx_result uacme revoke fail "no superseded certificate" \
		    "to revoke"
	elif mxu http-01 "$U.revoke.out" -c "$U" -a "$SRV_URL" -r 4 \
	    revoke "$_old"; then
		check_revoked "uacme revoke (account key)" "$1" 4 || _ok=0
	else
		_ok=0
		mx_result uacme revoke fail "uacme revoke (account key):" \
		    "exit status $?"
	fi
	if [ -z "$2" ]; then
		_ok=0
		mx_result uacme revoke fail "no wildcard certificate to revoke"
	elif mxu http-01 "$U.revoke2.out" -c "$U" -a "$SRV_URL" -r 1 \
	    revoke "$U/uw.test/cert.pem" "$U/private/uw.test/key.pem"; then
		check_revoked "uacme revoke (certificate key)" "$2" 1 || _ok=0
	else
		_ok=0
		mx_result uacme revoke fail "uacme revoke (certificate" \
		    "key): exit status $?"
	fi
	[ $_ok = 1 ] && mx_result uacme revoke pass "revoke CERT -r 4" \
	    "(account key) and revoke CERT KEY -r 1 (certificate key)"
}

# mxu_eab: uacme new on the eab server is refused without a binding; with
# -e KID:HMAC it registers, the key is bound to that account, and the
# account gets a certificate.
mxu_eab()
{
	_e="$T/uacme-eab"
	mkdir -p "$_e.none" "$_e"
	if mxu http-01 "$_e.none.out" -c "$_e.none" -a "$EAB_URL" \
	    new ue@example.test; then
		mx_result uacme eab fail "the eab server registered an" \
		    "account without EAB"
		return
	fi
	grep -q externalAccountRequired "$_e.none.out" ||
	    log "note: uacme's refusal without EAB names no" \
	    "externalAccountRequired"
	mx_eab_key "uacme matrix"
	mxu http-01 "$_e.new.out" -c "$_e" -a "$EAB_URL" \
	    "--eab=$kid:$hmac_key" new ue@example.test || {
		mx_result uacme eab fail "uacme -e KID:HMAC new: exit status $?"
		return
	}
	_eid=$(mxu_acct "$EAB_URL" "$_e/private/key.pem") || {
		mx_result uacme eab fail "the EAB account is not found by" \
		    "its key: $_eid"
		return
	}
	mx_eab_bound uacme "$_eid" || return
	if mxu http-01 "$_e.issue.out" -c "$_e" -a "$EAB_URL" \
	    issue ue.test; then
		use_server eab
		mx_check uacme eab "$_e/ue.test/cert.pem" ue.test
		use_server open
	else
		mx_result uacme eab fail "uacme issue (EAB account): exit" \
		    "status $?"
	fi
}

# mxu_keyroll ACCOUNT-ID: uacme newkey; the old key is refused, the new
# one finds the same account and a certificate is issued with it.
mxu_keyroll()
{
	[ -n "$1" ] || {
		mx_result uacme keyroll fail "no account"
		return
	}
	cp "$U/private/key.pem" "$T/uacme-old.pem"
	mxu http-01 "$U.newkey.out" -c "$U" -a "$SRV_URL" newkey || {
		mx_result uacme keyroll fail "uacme newkey: exit status $?"
		return
	}
	if cmp -s "$U/private/key.pem" "$T/uacme-old.pem"; then
		mx_result uacme keyroll fail "uacme newkey left the key as it was"
		return
	fi
	_url="$SRV_BASE/acct/$1"
	atest account-get "$SRV_URL" "$T/uacme-old.pem" "$_url" \
	    --expect "400:malformed,403:unauthorized,400:accountDoesNotExist" ||
	{
		mx_result uacme keyroll fail "the old key is still accepted"
		return
	}
	_nid=$(mxu_acct "$SRV_URL" "$U/private/key.pem")
	[ "$_nid" = "$1" ] || {
		mx_result uacme keyroll fail "the new key finds account" \
		    "\"$_nid\", want $1"
		return
	}
	if mxu http-01 "$U.keyroll.out" -c "$U" -a "$SRV_URL" \
	    issue uk.test; then
		mx_check uacme keyroll "$U/uk.test/cert.pem" uk.test
	else
		mx_result uacme keyroll fail "uacme issue with the new key:" \
		    "exit status $?"
	fi
}

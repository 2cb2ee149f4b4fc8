# mx_lego.sh: lego (4.9.1) in the client matrix; sourced by
# tests/integ/matrix.sh, which calls mx_lego.
#   http-01   run --http on validate_http_port
#   register  that first run registered: lego saved an account whose URL
#             lies under base_url and acmegwctl shows it valid
#   eab       run --eab --kid --hmac --http on the eab server (acmegwctl
#             eab list shows the key bound to lego's account), the
#             certificate checked against that CA
#   tls-alpn  run --tls on validate_tls_port, two names
#   dns-01    run --dns exec (EXEC_PATH: $MX_TXT) with --dns.resolvers at
#             challtestsrv and --dns.disable-cp: a wildcard and its base
#             name (EXEC_SEQUENCE_INTERVAL=1: 1 s, not 60 s, between
#             their two TXT records)
#   renew     renew --days 400 (more than the 30-day validity) of the
#             http-01 certificate: a new serial, the same name
#   revoke    the renewed certificate with --reason 1, the wildcard one
#             with the default reason 0; both in acmegwctl and the CRL;
#             the replaced first certificate stays valid
#   keyroll   n/a: lego has no account key rollover
# The n/a claim is checked against `lego --help`: if a later lego offers
# a key change, the cell fails so that the step gets driven.  The open
# server's account and certificates in $T/lego, the eab ones in
# $T/lego-eab.

# mx_lg DIR STEP ARGS...: one lego run with its state in DIR, against
# $SRV_URL, trusting the test CA; output in DIR.STEP.out.
mx_lg()
{
	lg_ld=$1 lg_ls=$2
	shift 2
	run_client "lego $lg_ls" "$lg_ld.$lg_ls.out" \
	    env LEGO_CA_CERTIFICATES="$T/ca/ca.pem" EXEC_PATH="$MX_TXT" \
	    EXEC_PROPAGATION_TIMEOUT=10 EXEC_POLLING_INTERVAL=1 \
	    EXEC_SEQUENCE_INTERVAL=1 \
	    lego --server "$SRV_URL" --path "$lg_ld" --email lego@example.test \
	    --accept-tos "$@"
}

# mx_lg_acct DIR: the id of the account lego saved in DIR (its URL must
# be $SRV_BASE/acct/ID); empty, after a FAIL line, if there is none.
mx_lg_acct()
{
	lg_acct=$(find "$1/accounts" -name account.json 2>/dev/null |
	    head -n 1)
	lg_uri=$("$PY" -c 'import json, sys
print(json.load(open(sys.argv[1]))["registration"]["uri"])' "$lg_acct" \
	    2>/dev/null)
	case "$lg_uri" in
	"$SRV_BASE/acct/"?*) echo "${lg_uri##*/}" ;;
	*) echo "FAIL lego: account URL '$lg_uri' (in $1) is not under" \
	    "$SRV_BASE/acct/" >&2 ;;
	esac
}

mx_lego()
{
	lg_dir="$T/lego"
	lg_crt="$T/lego/certificates"

	# ------------------------------------------ http-01 (and register)
	lg_l_http=
	if mx_lg "$lg_dir" http --http --http.port "127.0.0.1:$HP" \
	    -d lg-http.test run; then
		mx_check lego http-01 "$lg_crt/lg-http.test.crt" lg-http.test &&
		    lg_l_http=$SERIAL
	else
		mx_result lego http-01 fail "lego --http run: exit status $?"
	fi
	lg_id=$(mx_lg_acct "$lg_dir")
	lg_st=$(ctl account show "${lg_id:-none}" 2>&1 | "$PY" -c '
import json, sys
print(json.load(sys.stdin)["status"])' 2>&1)
	if [ -n "$lg_id" ] && [ "$lg_st" = valid ]; then
		mx_result lego register pass "first run registered" \
		    "$SRV_BASE/acct/$lg_id, valid in acmegwctl"
	else
		mx_result lego register fail "account '$lg_id', acmegwctl" \
		    "status '$lg_st'"
	fi

	# --------------------------------------------------------------- eab
	use_server eab
	mx_eab_key "matrix lego"
	if mx_lg "$lg_dir-eab" eab --eab --kid="$kid" --hmac="$hmac_key" \
	    --http --http.port "127.0.0.1:$HP" -d lg-eab.test run; then
		lg_id=$(mx_lg_acct "$lg_dir-eab")
		mx_eab_bound lego "$lg_id" &&
		    mx_check lego eab "$lg_dir-eab/certificates/lg-eab.test.crt" \
		    lg-eab.test
	else
		mx_result lego eab fail "lego --eab run: exit status $?"
	fi
	use_server open

	# ---------------------------------------------------------- tls-alpn
	if mx_lg "$lg_dir" tls --tls --tls.port "127.0.0.1:$TP" -d lg-tls.test \
	    -d www.lg-tls.test run; then
		mx_check lego tls-alpn "$lg_crt/lg-tls.test.crt" lg-tls.test \
		    www.lg-tls.test
	else
		mx_result lego tls-alpn fail "lego --tls run: exit status $?"
	fi

	# ------------------------------------------------------------ dns-01
	lg_l_dns=
	if mx_lg "$lg_dir" dns --dns exec --dns.resolvers "127.0.0.1:$CTS_DNS" \
	    --dns.disable-cp -d '*.lg-dns.test' -d lg-dns.test run; then
		mx_check lego dns-01 "$lg_crt/_.lg-dns.test.crt" '*.lg-dns.test' \
		    lg-dns.test && lg_l_dns=$SERIAL
	else
		mx_result lego dns-01 fail "lego --dns exec run: exit status $?"
	fi

	# ------------------------------------------------------------- renew
	lg_l_http2=
	if [ -z "$lg_l_http" ]; then
		mx_result lego renew fail "not run: no http-01 certificate"
	elif mx_lg "$lg_dir" renew --http --http.port "127.0.0.1:$HP" \
	    -d lg-http.test renew --days 400 --no-random-sleep; then
		if mx_check lego renew "$lg_crt/lg-http.test.crt" lg-http.test
		then
			if [ "$SERIAL" = "$lg_l_http" ]; then
				mx_result lego renew fail "the certificate was" \
				    "not replaced (serial $SERIAL)"
			else
				lg_l_http2=$SERIAL
			fi
		fi
	else
		mx_result lego renew fail "lego renew --days 400: exit status $?"
	fi

	# ------------------------------------------------------------ revoke
	if [ -z "$lg_l_http2" ] || [ -z "$lg_l_dns" ]; then
		mx_result lego revoke fail "not run: no renewed or dns-01" \
		    "certificate"
	else
		if mx_lg "$lg_dir" revoke1 -d lg-http.test revoke --reason 1; then
			check_revoked "lego revoke --reason 1" "$lg_l_http2" 1 ||
			    mx_result lego revoke fail "serial $lg_l_http2 is" \
			    "not revoked for keyCompromise"
		else
			mx_result lego revoke fail "lego revoke --reason 1:" \
			    "exit status $?"
		fi
		# lego revokes the certificate of each -d in turn: one -d
		if mx_lg "$lg_dir" revoke2 -d '*.lg-dns.test' revoke; then
			check_revoked "lego revoke (wildcard, reason 0)" \
			    "$lg_l_dns" 0 ||
			    mx_result lego revoke fail "serial $lg_l_dns is not" \
			    "revoked (reason 0)"
		else
			mx_result lego revoke fail "lego revoke: exit status $?"
		fi
		lg_st=$(cert_field "$lg_l_http" 'r["status"]' 2>&1)
		[ "$lg_st" = valid ] || mx_result lego revoke fail \
		    "acmegwctl cert show $lg_l_http: status $lg_st, want valid"
		mx_failed lego revoke || mx_result lego revoke pass \
		    "serial $lg_l_http2 (keyCompromise), $lg_l_dns (wildcard," \
		    "reason 0)"
	fi

	# ----------------------------------------------------------- keyroll
	if lego --help 2>&1 |
	    grep -qiE 'rollover|key-?change|account-key|new-?key'; then
		mx_result lego keyroll fail "lego --help mentions an account" \
		    "key change: this lego may do it; drive it"
	else
		mx_result lego keyroll n/a "lego 4.9.1 has no account key" \
		    "rollover (commands: run, renew, revoke, list; no" \
		    "keyChange)"
	fi
}

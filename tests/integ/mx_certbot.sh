# mx_certbot.sh: certbot (2.1) in the client matrix; sourced by
# tests/integ/matrix.sh, which calls mx_certbot.
#   register  `certbot register`; its account URL lies under base_url
#             (the JWS "url" matched base_url + PATH_INFO) and acmegwctl
#             shows the account valid
#   eab       register on the eab server with --eab-kid/--eab-hmac-key
#             (acmegwctl eab list shows the key bound to that account),
#             then certonly --standalone there, checked against that CA
#   http-01   certonly --standalone on validate_http_port, two names
#   dns-01    certonly --manual, the auth/cleanup hooks set the TXT
#             records through $MX_TXT: a name and its wildcard
#   tls-alpn  n/a: certbot has no tls-alpn-01 authenticator
#   renew     renew --force-renewal of both lineages: new serials, same
#             names
#   revoke    by the account key with reason keyCompromise, after which
#             renew --reuse-key is refused with badCSR (the key is
#             blocked, SECURITY.md V10); by the certificate's own key
#             (--key-path) with reason superseded; both in acmegwctl and
#             the CRL; the first certificates stay valid
#   keyroll   n/a: certbot has no account key rollover
# The two n/a claims are checked against `certbot --help all`: if a later
# certbot offers the feature, the cell fails so that the step gets driven.
# State of the open server's account in $T/certbot, of the eab one in
# $T/certbot-eab (so that `certbot renew` sees only the open lineages).

# mx_cb DIR STEP ARGS...: one certbot run with its state in DIR, against
# $SRV_URL, trusting the test CA; output in DIR.STEP.out.  On failure,
# the server's problem documents from certbot's log.
mx_cb()
{
	cb_cd=$1 cb_cs=$2
	shift 2
	run_client "certbot $cb_cs" "$cb_cd.$cb_cs.out" \
	    env REQUESTS_CA_BUNDLE="$T/ca/ca.pem" certbot \
	    --config-dir "$cb_cd/etc" --work-dir "$cb_cd/work" \
	    --logs-dir "$cb_cd/logs" --server "$SRV_URL" --non-interactive "$@"
	cb_crc=$?
	[ $cb_crc -eq 0 ] || grep -E \
	    'urn:ietf:params:acme:error|"detail"|Error|HTTP/1.1" [45]' \
	    "$cb_cd/logs/letsencrypt.log" 2>/dev/null | tail -n 15 |
	    sed 's/^/  certbot.log: /'
	return $cb_crc
}

# mx_cb_acct DIR: the id of the account certbot saved in DIR (its URL must
# be $SRV_BASE/acct/ID); empty, after a FAIL line, if there is none.
mx_cb_acct()
{
	cb_regr=$(find "$1/etc/accounts" -name regr.json 2>/dev/null | head -n 1)
	cb_uri=$("$PY" -c 'import json, sys
print(json.load(open(sys.argv[1]))["uri"])' "$cb_regr" 2>/dev/null)
	case "$cb_uri" in
	"$SRV_BASE/acct/"?*) echo "${cb_uri##*/}" ;;
	*) echo "FAIL certbot: account URL '$cb_uri' (in $1) is not under" \
	    "$SRV_BASE/acct/" >&2 ;;
	esac
}

# mx_cb_newest DIR PREFIX: N of the newest PREFIXN.pem in a certbot
# archive DIR.
mx_cb_newest()
{
	ls "$1" | sed -n "s/^$2\([0-9]*\)\.pem\$/\1/p" | sort -n | tail -n 1
}

mx_certbot()
{
	cb_dir="$T/certbot"
	cb_hp="--http-01-port $HP --http-01-address 127.0.0.1"
	cb_help=$(certbot --help all 2>&1)

	# ---------------------------------------------------------- register
	if mx_cb "$cb_dir" register register -m cb@example.test --agree-tos \
	    --no-eff-email; then
		cb_id=$(mx_cb_acct "$cb_dir")
		cb_st=$(ctl account show "${cb_id:-none}" 2>&1 | "$PY" -c '
import json, sys
print(json.load(sys.stdin)["status"])' 2>&1)
		if [ -n "$cb_id" ] && [ "$cb_st" = valid ]; then
			mx_result certbot register pass \
			    "account $SRV_BASE/acct/$cb_id, valid in acmegwctl"
		else
			mx_result certbot register fail \
			    "account '$cb_id', acmegwctl status '$cb_st'"
		fi
	else
		mx_result certbot register fail "certbot register: exit status $?"
	fi

	# --------------------------------------------------------------- eab
	use_server eab
	mx_eab_key "matrix certbot"
	if mx_cb "$cb_dir-eab" eab-register register -m cb@example.test \
	    --agree-tos --no-eff-email --eab-kid="$kid" \
	    --eab-hmac-key="$hmac_key"; then
		cb_id=$(mx_cb_acct "$cb_dir-eab")
		if mx_eab_bound certbot "$cb_id"; then
			if mx_cb "$cb_dir-eab" eab certonly --standalone $cb_hp \
			    --cert-name cbeab -d cb-eab.test; then
				mx_check certbot eab \
				    "$cb_dir-eab/etc/live/cbeab/fullchain.pem" \
				    cb-eab.test
			else
				mx_result certbot eab fail \
				    "certbot certonly on the eab server: exit" \
				    "status $?"
			fi
		fi
	else
		mx_result certbot eab fail "certbot register --eab-kid: exit" \
		    "status $?"
	fi
	use_server open

	# ----------------------------------------------------------- http-01
	cb_s_http=
	if mx_cb "$cb_dir" http certonly --standalone $cb_hp --cert-name cbhttp \
	    -d cb-http.test -d www.cb-http.test; then
		mx_check certbot http-01 "$cb_dir/etc/live/cbhttp/fullchain.pem" \
		    cb-http.test www.cb-http.test && cb_s_http=$SERIAL
	else
		mx_result certbot http-01 fail "certbot certonly --standalone:" \
		    "exit status $?"
	fi

	# ------------------------------------------------------------ dns-01
	for cb_h in auth cleanup; do
		case $cb_h in
		auth) cb_op=set ;;
		cleanup) cb_op=clear ;;
		esac
		printf '#!/bin/sh\nexec "%s" %s "$CERTBOT_DOMAIN" "$CERTBOT_VALIDATION"\n' \
		    "$MX_TXT" $cb_op >"$cb_dir-$cb_h.sh"
		chmod 755 "$cb_dir-$cb_h.sh"
	done
	cb_s_dns=
	if mx_cb "$cb_dir" dns certonly --manual --preferred-challenges dns \
	    --manual-auth-hook "$cb_dir-auth.sh" \
	    --manual-cleanup-hook "$cb_dir-cleanup.sh" --cert-name cbdns \
	    -d cb-dns.test -d '*.cb-dns.test'; then
		mx_check certbot dns-01 "$cb_dir/etc/live/cbdns/fullchain.pem" \
		    cb-dns.test '*.cb-dns.test' && cb_s_dns=$SERIAL
	else
		mx_result certbot dns-01 fail "certbot certonly --manual (dns-01):" \
		    "exit status $?"
	fi

	# ---------------------------------------------------------- tls-alpn
	if printf '%s\n' "$cb_help" | grep -qi 'tls-alpn'; then
		mx_result certbot tls-alpn fail "certbot --help all mentions" \
		    "tls-alpn: this certbot may do it; drive it"
	else
		mx_result certbot tls-alpn n/a "certbot has no tls-alpn-01" \
		    "authenticator (standalone and webroot: http-01;" \
		    "manual: http-01, dns-01)"
	fi

	# ------------------------------------------------------------- renew
	cb_s_http2= cb_s_dns2=
	if [ -z "$cb_s_http" ] || [ -z "$cb_s_dns" ]; then
		mx_result certbot renew fail "not run: no http-01 or dns-01" \
		    "certificate to renew"
	elif mx_cb "$cb_dir" renew renew --force-renewal \
	    --no-random-sleep-on-renew $cb_hp; then
		for cb_l in cbhttp cbdns; do
			case $cb_l in
			cbhttp) set -- "$cb_s_http" cb-http.test www.cb-http.test ;;
			cbdns) set -- "$cb_s_dns" cb-dns.test '*.cb-dns.test' ;;
			esac
			cb_old=$1
			shift
			cb_n=$(mx_cb_newest "$cb_dir/etc/archive/$cb_l" fullchain)
			if [ "$cb_n" != 2 ]; then
				mx_result certbot renew fail "$cb_l: newest in the" \
				    "archive fullchain${cb_n:-?}.pem, want" \
				    "fullchain2.pem"
			elif mx_check certbot renew \
			    "$cb_dir/etc/archive/$cb_l/fullchain2.pem" "$@"; then
				if [ "$SERIAL" = "$cb_old" ]; then
					mx_result certbot renew fail "$cb_l: the" \
					    "same serial $SERIAL"
				elif [ $cb_l = cbhttp ]; then
					cb_s_http2=$SERIAL
				else
					cb_s_dns2=$SERIAL
				fi
			fi
		done
	else
		mx_result certbot renew fail "certbot renew --force-renewal:" \
		    "exit status $?"
	fi

	# ------------------------------------------------------------ revoke
	if [ -z "$cb_s_http2" ] || [ -z "$cb_s_dns2" ]; then
		mx_result certbot revoke fail "not run: no renewed certificates"
	else
		# by the account key, keyCompromise
		if mx_cb "$cb_dir" revoke1 revoke \
		    --cert-path "$cb_dir/etc/archive/cbhttp/cert2.pem" \
		    --reason keycompromise --no-delete-after-revoke; then
			check_revoked \
			    "certbot revoke (account key, keyCompromise)" \
			    "$cb_s_http2" 1 ||
			    mx_result certbot revoke fail "serial $cb_s_http2 is" \
			    "not revoked for keyCompromise"
		else
			mx_result certbot revoke fail "certbot revoke --reason" \
			    "keycompromise: exit status $?"
		fi
		# V10: that key is blocked now; a renewal reusing it is
		# refused with badCSR
		if mx_cb "$cb_dir" reuse renew --cert-name cbhttp \
		    --force-renewal --no-random-sleep-on-renew --reuse-key $cb_hp
		then
			mx_result certbot revoke fail "V10 renew --reuse-key" \
			    "after keyCompromise: the blocked key was" \
			    "certified again"
		elif grep -q 'urn:ietf:params:acme:error:badCSR' \
		    "$cb_dir/logs/letsencrypt.log"; then
			pass "certbot V10 renew --reuse-key after" \
			    "keyCompromise: refused with badCSR"
		else
			mx_result certbot revoke fail "V10 renew --reuse-key" \
			    "after keyCompromise failed, but with no badCSR"
		fi
		# by the certificate's own key, superseded
		if mx_cb "$cb_dir" revoke2 revoke \
		    --cert-path "$cb_dir/etc/archive/cbdns/cert2.pem" \
		    --key-path "$cb_dir/etc/archive/cbdns/privkey2.pem" \
		    --reason superseded --no-delete-after-revoke; then
			check_revoked \
			    "certbot revoke (certificate key, superseded)" \
			    "$cb_s_dns2" 4 ||
			    mx_result certbot revoke fail "serial $cb_s_dns2 is" \
			    "not revoked as superseded"
		else
			mx_result certbot revoke fail "certbot revoke --key-path" \
			    "--reason superseded: exit status $?"
		fi
		# the first certificates were never revoked
		for cb_s in $cb_s_http $cb_s_dns; do
			cb_st=$(cert_field "$cb_s" 'r["status"]' 2>&1)
			[ "$cb_st" = valid ] || mx_result certbot revoke fail \
			    "acmegwctl cert show $cb_s: status $cb_st, want valid"
		done
		mx_failed certbot revoke || mx_result certbot revoke pass \
		    "serial $cb_s_http2 by the account key (keyCompromise," \
		    "then its key refused), $cb_s_dns2 by the certificate key" \
		    "(superseded)"
	fi

	# ----------------------------------------------------------- keyroll
	if printf '%s\n' "$cb_help" |
	    grep -qiE 'rollover|key-?change|new-account-key|account-key'; then
		mx_result certbot keyroll fail "certbot --help all mentions an" \
		    "account key change: this certbot may do it; drive it"
	else
		mx_result certbot keyroll n/a "certbot 2.1 has no account key" \
		    "rollover (no keyChange; update_account changes only" \
		    "the e-mail)"
	fi
}

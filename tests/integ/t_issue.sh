#!/bin/sh
# t_issue.sh: certbot and lego get certificates from acmegw behind
# lighttpd, renew and revoke them.  The CA is made by `acmegwctl init
# --ca`; acmegw-sign signs; every certificate is checked with certtool
# --verify against the root and for exactly the names requested
# (lib.sh check_cert); every revocation in `acmegwctl cert show` and in
# the CRL written after it (lib.sh check_revoked).
#
# Validation is real: pebble-challtestsrv answers DNS for .test (A
# 127.0.0.1, TXT records set by the clients' hooks); acmegw-validate
# connects to 127.0.0.1 on validate_http_port (where certbot --standalone
# and lego --http listen in turn) and validate_tls_port (lego --tls).
#  certbot: http-01 (standalone, two names); dns-01 (manual auth and
#    cleanup hooks writing to challtestsrv, a name and its wildcard);
#    renew --force-renewal of both; revoke by the account key (reason
#    keyCompromise), after which renew --reuse-key is refused (badCSR,
#    the key is blocked), and by the certificate key (superseded).
#  lego: http-01; tls-alpn-01; a wildcard with dns-01 (exec provider);
#    renew --days 400 (more than the 30-day validity); revoke (the
#    renewed one with reason 1, the wildcard one with the default 0).
# ISSUE_CLIENTS=certbot or lego runs one of the two.  Each client step
# prints PASS or FAIL; the test fails if one does.  Every wait is bounded
# (CLIENT_TIMEOUT seconds per client run, default 120; lego's exec
# provider waits EXEC_SEQUENCE_INTERVAL = 1 s, not 60 s, between the two
# TXT records of a name and its wildcard); every server is
# stopped on exit (lib.sh trap).

. "$top_srcdir/tests/integ/lib.sh"
need_cmd pebble-challtestsrv certtool certbot lego
setup
[ -x "$VALIDATE_BIN" ] || fail "$VALIDATE_BIN is not built"

start_challtestsrv
HP=$(free_port) && TP=$(free_port) || fail "no free port"
start_issuer main open \
    "validator_path = $VALIDATE_BIN" \
    "resolver = 127.0.0.1:$CTS_DNS" \
    "validate_http_port = $HP" \
    "validate_tls_port = $TP" \
    "allow_private_targets = yes" \
    "validation_timeout = 5s"
log "validation on http port $HP, tls port $TP"

CTO=${CLIENT_TIMEOUT:-120}
CLIENTS=${ISSUE_CLIENTS:-certbot lego}
rc=0
bad() { rc=1; echo "FAIL $*"; }

# $T/dnshook.sh: the dns-01 hook of both clients; lego's exec provider
# calls it with "present"/"cleanup" FQDN VALUE, certbot's manual hooks
# ($T/cb-auth.sh, $T/cb-cleanup.sh) pass CERTBOT_DOMAIN and
# CERTBOT_VALIDATION.  Every call is logged in $T/dnshook.log.
cat >"$T/dnshook.sh" <<EOF
#!/bin/sh
# set or clear _acme-challenge TXT records in pebble-challtestsrv
exec >>"$T/dnshook.log" 2>&1
case "\$1" in
present) host=\$2 value=\$3 op=set-txt ;;
cleanup) host=\$2 value=\$3 op=clear-txt ;;
certbot-auth)
	host=_acme-challenge.\$CERTBOT_DOMAIN. value=\$CERTBOT_VALIDATION
	op=set-txt ;;
certbot-cleanup) host=_acme-challenge.\$CERTBOT_DOMAIN. value= op=clear-txt ;;
*) echo "dnshook: unknown call \$*"; exit 1 ;;
esac
echo "\$(date +%T) \$op \$host \$value"
if [ \$op = set-txt ]; then
	body="{\"host\":\"\$host\",\"value\":\"\$value\"}"
else
	body="{\"host\":\"\$host\"}"
fi
curl -s -f --noproxy '*' --max-time 5 -d "\$body" "$CTS_MGMT/\$op"
EOF
chmod 755 "$T/dnshook.sh"
for h in auth cleanup; do
	printf '#!/bin/sh\nexec "%s" certbot-%s\n' "$T/dnshook.sh" $h \
	    >"$T/cb-$h.sh"
done
chmod 755 "$T/cb-auth.sh" "$T/cb-cleanup.sh"

# newest DIR PREFIX: N of the newest PREFIXN.pem in a certbot archive DIR.
newest()
{
	ls "$1" | sed -n "s/^$2\([0-9]*\)\.pem\$/\1/p" | sort -n | tail -n 1
}

# ----------------------------------------------------------------- certbot
CB="$T/certbot"
# cb STEP ARGS...: one certbot run, bounded, its output indented.
cb()
{
	_step=$1
	shift
	log "certbot $_step: certbot $*"
	REQUESTS_CA_BUNDLE="$T/ca/ca.pem" timeout "$CTO" certbot \
	    --config-dir "$CB/etc" --work-dir "$CB/work" \
	    --logs-dir "$CB/logs" --server "$SRV_URL" --non-interactive \
	    "$@" >"$CB.$_step.out" 2>&1
	_rc=$?
	sed 's/^/  certbot: /' "$CB.$_step.out"
	[ $_rc -eq 0 ] || {
		# certbot's own log holds the server's answers
		_l=$(ls -t "$CB/logs"/letsencrypt.log* 2>/dev/null | head -n 1)
		[ -n "$_l" ] && grep -E \
		    'urn:ietf:params:acme:error|"detail"|Error|HTTP/1.1" [45]' \
		    "$_l" | tail -n 15 | sed 's/^/  certbot.log: /'
	}
	return $_rc
}

certbot_steps()
{
	if cb register register -m cb@example.test --agree-tos \
	    --no-eff-email; then
		pass "certbot register"
	else
		bad "certbot register: exit status $?"
		return
	fi

	# http-01, standalone on the validation port
	if cb http certonly --standalone --http-01-port "$HP" \
	    --http-01-address 127.0.0.1 --cert-name cbhttp \
	    -d cb-http.test -d www.cb-http.test; then
		check_cert "certbot http-01" \
		    "$CB/etc/live/cbhttp/fullchain.pem" \
		    cb-http.test www.cb-http.test || rc=1
		S_HTTP=$SERIAL
	else
		bad "certbot certonly --standalone (http-01): exit status $?"
	fi

	# dns-01, manual hooks: a name and its wildcard
	if cb dns certonly --manual --preferred-challenges dns \
	    --manual-auth-hook "$T/cb-auth.sh" \
	    --manual-cleanup-hook "$T/cb-cleanup.sh" --cert-name cbdns \
	    -d cb-dns.test -d '*.cb-dns.test'; then
		check_cert "certbot dns-01 (hooks, wildcard)" \
		    "$CB/etc/live/cbdns/fullchain.pem" \
		    cb-dns.test '*.cb-dns.test' || rc=1
		S_DNS=$SERIAL
	else
		bad "certbot certonly --manual dns-01: exit status $?"
	fi

	# renew both lineages
	if [ -n "${S_HTTP:-}" ] || [ -n "${S_DNS:-}" ]; then
		# (no random delay: certbot adds one when stdin is no tty)
		if cb renew renew --force-renewal --no-random-sleep-on-renew
		then
			pass "certbot renew --force-renewal"
		else
			bad "certbot renew --force-renewal: exit status $?"
		fi
	fi
	if [ -n "${S_HTTP:-}" ]; then
		n=$(newest "$CB/etc/archive/cbhttp" fullchain)
		if [ "$n" = 2 ] && check_cert "certbot renewal (http-01)" \
		    "$CB/etc/archive/cbhttp/fullchain2.pem" \
		    cb-http.test www.cb-http.test; then
			[ "$SERIAL" != "$S_HTTP" ] || bad "certbot renewal" \
			    "(http-01): the same serial $SERIAL"
			S_HTTP2=$SERIAL
		else
			bad "certbot renewal (http-01): newest in the" \
			    "archive: fullchain${n:-?}.pem, want fullchain2.pem"
		fi
	fi
	if [ -n "${S_DNS:-}" ]; then
		n=$(newest "$CB/etc/archive/cbdns" fullchain)
		if [ "$n" = 2 ] && check_cert "certbot renewal (dns-01)" \
		    "$CB/etc/archive/cbdns/fullchain2.pem" \
		    cb-dns.test '*.cb-dns.test'; then
			[ "$SERIAL" != "$S_DNS" ] || bad "certbot renewal" \
			    "(dns-01): the same serial $SERIAL"
			S_DNS2=$SERIAL
		else
			bad "certbot renewal (dns-01): newest in the" \
			    "archive: fullchain${n:-?}.pem, want fullchain2.pem"
		fi
	fi

	# revoke by the account (keyCompromise), then by the certificate's
	# own key (superseded)
	if [ -n "${S_HTTP2:-}" ]; then
		if cb revoke1 revoke --cert-path \
		    "$CB/etc/archive/cbhttp/cert2.pem" --reason keycompromise \
		    --no-delete-after-revoke; then
			check_revoked \
			    "certbot revoke (account key, keyCompromise)" \
			    "$S_HTTP2" 1 || rc=1
		else
			bad "certbot revoke --reason keycompromise:" \
			    "exit status $?"
		fi
	fi
	# the key of a certificate revoked for keyCompromise is blocked:
	# renewing with the same key is refused (badCSR)
	if [ -n "${S_HTTP2:-}" ]; then
		if cb reuse renew --cert-name cbhttp --force-renewal \
		    --no-random-sleep-on-renew --reuse-key; then
			bad "certbot renew --reuse-key after keyCompromise:" \
			    "the blocked key was certified again"
		elif grep -q 'urn:ietf:params:acme:error:badCSR' \
		    "$CB/logs/letsencrypt.log"; then
			pass "certbot renew --reuse-key after keyCompromise:" \
			    "refused with badCSR (the key is blocked)"
		else
			bad "certbot renew --reuse-key after keyCompromise:" \
			    "failed, but no badCSR in certbot's log"
		fi
	fi
	if [ -n "${S_DNS2:-}" ]; then
		if cb revoke2 revoke --cert-path \
		    "$CB/etc/archive/cbdns/cert2.pem" \
		    --key-path "$CB/etc/archive/cbdns/privkey2.pem" \
		    --reason superseded --no-delete-after-revoke; then
			check_revoked \
			    "certbot revoke (certificate key, superseded)" \
			    "$S_DNS2" 4 || rc=1
		else
			bad "certbot revoke --key-path --reason superseded:" \
			    "exit status $?"
		fi
	fi
	# the first certificates were never revoked
	for s in ${S_HTTP:-} ${S_DNS:-}; do
		st=$(cert_field "$s" 'r["status"]' 2>&1)
		[ "$st" = valid ] ||
		    bad "acmegwctl cert show $s: status $st, want valid"
	done
}

# -------------------------------------------------------------------- lego
LG="$T/lego"
# lg STEP ARGS...: one lego run (account in $LG), bounded, output indented.
lg()
{
	_step=$1
	shift
	log "lego $_step: lego $*"
	LEGO_CA_CERTIFICATES="$T/ca/ca.pem" EXEC_PATH="$T/dnshook.sh" \
	    EXEC_PROPAGATION_TIMEOUT=10 EXEC_POLLING_INTERVAL=1 \
	    EXEC_SEQUENCE_INTERVAL=1 \
	    timeout "$CTO" lego --server "$SRV_URL" --path "$LG" \
	    --email lego@example.test --accept-tos "$@" \
	    >"$LG.$_step.out" 2>&1
	_rc=$?
	sed 's/^/  lego: /' "$LG.$_step.out"
	return $_rc
}

lego_steps()
{
	C="$LG/certificates"
	if lg http --http --http.port "127.0.0.1:$HP" -d lg-http.test run; then
		check_cert "lego http-01" "$C/lg-http.test.crt" lg-http.test ||
		    rc=1
		L_HTTP=$SERIAL
	else
		bad "lego --http run: exit status $?"
	fi

	if lg tls --tls --tls.port "127.0.0.1:$TP" -d lg-tls.test \
	    -d www.lg-tls.test run; then
		check_cert "lego tls-alpn-01" "$C/lg-tls.test.crt" \
		    lg-tls.test www.lg-tls.test || rc=1
		L_TLS=$SERIAL
	else
		bad "lego --tls run: exit status $?"
	fi

	if lg dns --dns exec --dns.resolvers "127.0.0.1:$CTS_DNS" \
	    --dns.disable-cp -d '*.lg-dns.test' -d lg-dns.test run; then
		check_cert "lego dns-01 wildcard (exec provider)" \
		    "$C/_.lg-dns.test.crt" '*.lg-dns.test' lg-dns.test || rc=1
		L_DNS=$SERIAL
	else
		bad "lego --dns exec run (wildcard): exit status $?"
	fi

	if [ -n "${L_HTTP:-}" ]; then
		if lg renew --http --http.port "127.0.0.1:$HP" -d lg-http.test \
		    renew --days 400 --no-random-sleep; then
			if check_cert "lego renew --days 400" \
			    "$C/lg-http.test.crt" lg-http.test; then
				if [ "$SERIAL" = "$L_HTTP" ]; then
					bad "lego renew: the certificate was" \
					    "not replaced (serial $SERIAL)"
				else
					L_HTTP2=$SERIAL
				fi
			else
				rc=1
			fi
		else
			bad "lego renew --days 400: exit status $?"
		fi
	fi

	if [ -n "${L_HTTP2:-}" ]; then
		if lg revoke1 -d lg-http.test revoke --reason 1; then
			check_revoked "lego revoke --reason 1" "$L_HTTP2" 1 ||
			    rc=1
		else
			bad "lego revoke --reason 1: exit status $?"
		fi
	fi
	if [ -n "${L_DNS:-}" ]; then
		# lego revokes the certificate of each -d in turn: one -d
		if lg revoke2 -d '*.lg-dns.test' revoke; then
			check_revoked "lego revoke (wildcard, reason 0)" \
			    "$L_DNS" 0 || rc=1
		else
			bad "lego revoke: exit status $?"
		fi
	fi
}

for c in $CLIENTS; do
	case $c in
	certbot) certbot_steps ;;
	lego) lego_steps ;;
	*) fail "ISSUE_CLIENTS: unknown client $c" ;;
	esac
done

if [ $rc -ne 0 ]; then
	echo "----- the DNS hook's log"
	cat "$T/dnshook.log" 2>/dev/null
	echo "----- $CONF"
	cat "$CONF"
fi
exit $rc

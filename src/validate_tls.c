/*
 * validate_tls.c: tls-alpn-01 (RFC 8737) for acmegw-validate, on GnuTLS.
 *
 * Owns the TLS side of validation, as strict as Boulder's va/tlsalpn.go
 * (SECURITY.md 1.2, T1-T12): a TCP connection to a vetted address on the
 * configured tls_port, a GnuTLS client handshake with TLS 1.2 or 1.3 only,
 * SNI = the name (the reverse-DNS name for an IP identifier, RFC 8738
 * section 6), ALPN "acme-tls/1" as the only and mandatory protocol, no
 * certificate verification; then the checks on the leaf certificate: the
 * server selected acme-tls/1; exactly one subjectAltName entry, equal to
 * the identifier; only the SAN and id-pe-acmeIdentifier extensions, each
 * once; id-pe-acmeIdentifier critical and holding the DER OCTET STRING of
 * SHA-256(key authorization), nothing else; self-signed (issuer = subject
 * and the signature verifies with its own key).  The connection closes
 * right after the handshake; no application data is exchanged.
 *
 * Must never: accept the legacy OID 1.3.6.1.5.5.7.1.30.1, TLS below 1.2,
 * a handshake without acme-tls/1, or wait past the deadline.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "acmegw.h"

#define VTLS_ALPN	"acme-tls/1"
#define OID_SAN		"2.5.29.17"
#define OID_ACME_ID	"1.3.6.1.5.5.7.1.31"
/* Extensions a challenge certificate may carry besides SAN and acmeIdentifier. */
static const char *const vtls_ok_exts[] = {
	"2.5.29.15",	/* keyUsage */
	"2.5.29.37",	/* extKeyUsage */
	"2.5.29.19",	/* basicConstraints */
	"2.5.29.14",	/* subjectKeyIdentifier */
	"2.5.29.35",	/* authorityKeyIdentifier */
};
#define VTLS_OK_EXTS	(sizeof(vtls_ok_exts) / sizeof(vtls_ok_exts[0]))

#define VTLS_PRIORITY	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
/*
 * lego (up to today) makes its tls-alpn-01 certificate with keyUsage
 * keyEncipherment only.  GnuTLS as a client then refuses TLS 1.3 and
 * ECDHE ("Key usage violation"), where Go's TLS stack does not check, so
 * after that one error the handshake is tried once more with TLS 1.2 and
 * RSA key exchange, which is what keyEncipherment allows.  Still TLS 1.2
 * or later (RFC 8737 section 4).
 */
#define VTLS_PRIORITY_RSAKX "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+RSA"

/* Outcome of one connect. */
enum vtls_conn {
	VTLS_CONNECTED = 0,
	VTLS_NOCONNECT,		/* refused or unreachable: try the next one */
	VTLS_FAILED		/* res is set (deadline, internal) */
};

/*
 * Connect a non-blocking TCP socket to a, port, within the deadline.
 */
static enum vtls_conn
vtls_connect(const struct vreq *req, const struct vaddr *a,
    unsigned int port, int *fdp, struct vres *res)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)(void *)&ss;
	struct pollfd		 pfd;
	socklen_t		 sslen, elen;
	char			 addr[VAL_ADDRSTRLEN];
	unsigned int		 left;
	int			 fd = -1, err = 0, n;
	enum vtls_conn		 rc = VTLS_FAILED;

	vaddr_str(a, addr, sizeof(addr));
	memset(&ss, 0, sizeof(ss));
	if (a->v6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		memcpy(&s6->sin6_addr, a->ip, 16);
		sslen = sizeof(*s6);
	} else {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		memcpy(&s4->sin_addr, a->ip, 4);
		sslen = sizeof(*s4);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		vres_fail(res, ACME_PROB_SERVER_INTERNAL, "socket: %s",
		    strerror(errno));
		goto out;
	}
	vres_addr(res, a);
	if (connect(fd, (struct sockaddr *)&ss, sslen) == -1) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto refused;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		for (;;) {
			if ((left = val_left_ms(req)) == 0) {
				vres_fail(res, ACME_PROB_CONNECTION, "Timeout "
				    "connecting to %s port %u", addr, port);
				goto out;
			}
			n = poll(&pfd, 1, (int)left);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				vres_fail(res, ACME_PROB_SERVER_INTERNAL,
				    "poll: %s", strerror(errno));
				goto out;
			}
			if (n == 1)
				break;
		}
		elen = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1)
			err = errno;
		if (err != 0)
			goto refused;
	}
	*fdp = fd;
	fd = -1;
	rc = VTLS_CONNECTED;
	goto out;
refused:
	vres_fail(res, ACME_PROB_CONNECTION, "Cannot connect to %s port %u: "
	    "%s", addr, port, strerror(err));
	rc = VTLS_NOCONNECT;
out:
	if (fd != -1)
		close(fd);
	return rc;
}

/*
 * Run the handshake on non-blocking fd within the deadline; *gerr gets the
 * GnuTLS result.  Returns 0, or -1 with res set: unauthorized when ALPN could not be agreed, tls for
 * another handshake failure, connection on timeout.
 */
static int
vtls_handshake(const struct vreq *req, gnutls_session_t s, int fd,
    const char *addr, int *gerr, struct vres *res)
{
	struct pollfd	 pfd;
	unsigned int	 left;
	int		 r, rc = -1;

	for (;;) {
		r = gnutls_handshake(s);
		if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED &&
		    r != GNUTLS_E_WARNING_ALERT_RECEIVED)
			break;
		if ((left = val_left_ms(req)) == 0) {
			vres_fail(res, ACME_PROB_CONNECTION, "Timeout during "
			    "the TLS handshake with %s port %u", addr,
			    req->tls_port);
			goto out;
		}
		if (r != GNUTLS_E_AGAIN)
			continue;
		pfd.fd = fd;
		pfd.events = gnutls_record_get_direction(s) ? POLLOUT : POLLIN;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR) {
			vres_fail(res, ACME_PROB_SERVER_INTERNAL, "poll: %s",
			    strerror(errno));
			goto out;
		}
	}
	*gerr = r;
	if (r == GNUTLS_E_SUCCESS)
		rc = 0;
	else if (r == GNUTLS_E_NO_APPLICATION_PROTOCOL)
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "Cannot negotiate ALPN "
		    "protocol \"%s\" for tls-alpn-01 challenge with %s port %u",
		    VTLS_ALPN, addr, req->tls_port);
	else
		vres_fail(res, ACME_PROB_TLS, "TLS handshake with %s port %u "
		    "failed: %s", addr, req->tls_port, gnutls_strerror(r));
out:
	return rc;
}

/*
 * Read one DER header at der[0..len): *hdr gets its size, *clen the
 * content length.  Returns 0, or -1 when malformed or longer than len.
 */
static int
vtls_der_header(const unsigned char *der, size_t len, size_t *hdr,
    size_t *clen)
{
	size_t	 n, i, l;

	if (len < 2 || (der[0] & 0x1f) == 0x1f)
		return -1;
	if (der[1] < 0x80) {
		*hdr = 2;
		*clen = der[1];
	} else {
		n = der[1] & 0x7f;
		if (n == 0 || n > 4 || len < 2 + n)
			return -1;
		for (l = 0, i = 0; i < n; i++)
			l = l << 8 | der[2 + i];
		*hdr = 2 + n;
		*clen = l;
	}
	if (*clen > len - *hdr)
		return -1;
	return 0;
}

/*
 * Predicate: crt (whose DER is der) is self-signed: its issuer equals its
 * subject and its signature verifies with its own public key.
 */
static int
vtls_is_self_signed(gnutls_x509_crt_t crt, const gnutls_datum_t *der)
{
	gnutls_pubkey_t		 pub = NULL;
	gnutls_datum_t		 tbs, sig;
	unsigned char		 sigbuf[2048];
	size_t			 hdr, clen, thdr, tlen, sigsz = sizeof(sigbuf);
	int			 alg, ok = 0;

	if (!gnutls_x509_crt_check_issuer(crt, crt))
		goto out;
	/* Certificate ::= SEQUENCE { tbsCertificate, algorithm, signature } */
	if (vtls_der_header(der->data, der->size, &hdr, &clen) == -1 ||
	    vtls_der_header(der->data + hdr, clen, &thdr, &tlen) == -1)
		goto out;
	tbs.data = der->data + hdr;
	tbs.size = (unsigned int)(thdr + tlen);
	if (gnutls_x509_crt_get_signature(crt, (char *)sigbuf, &sigsz) < 0)
		goto out;
	sig.data = sigbuf;
	sig.size = (unsigned int)sigsz;
	if ((alg = gnutls_x509_crt_get_signature_algorithm(crt)) < 0 ||
	    gnutls_pubkey_init(&pub) < 0)
		goto out;
	if (gnutls_pubkey_import_x509(pub, crt, 0) < 0)
		goto out;
	if (gnutls_pubkey_verify_data2(pub, (gnutls_sign_algorithm_t)alg, 0,
	    &tbs, &sig) < 0)
		goto out;
	ok = 1;
out:
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	return ok;
}

/*
 * The checks of RFC 8737 section 3 and Boulder on the leaf certificate
 * of session s.  Returns 0 when it proves the challenge, -1 with res set
 * (unauthorized) otherwise.
 */
static int
vtls_check_cert(const struct vreq *req, gnutls_session_t s,
    const char *addr, struct vres *res)
{
	const gnutls_datum_t	*certs;
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_datum_t		 alpn;
	unsigned char		 want[32], ext[64], san[300];
	char			 oid[128], clean[200];
	size_t			 oidsz, sansz, extsz;
	unsigned int		 ncerts = 0, crit, i, acme_crit = 0;
	unsigned int		 okseen = 0;
	size_t			 j;
	int			 r, san_idx = -1, acme_idx = -1, rc = -1;
	struct vaddr		 ip;

	if (gnutls_alpn_get_selected_protocol(s, &alpn) < 0 ||
	    alpn.size != strlen(VTLS_ALPN) ||
	    memcmp(alpn.data, VTLS_ALPN, alpn.size) != 0) {
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "Cannot negotiate ALPN "
		    "protocol \"%s\" for tls-alpn-01 challenge with %s port %u",
		    VTLS_ALPN, addr, req->tls_port);
		goto out;
	}
	if ((certs = gnutls_certificate_get_peers(s, &ncerts)) == NULL ||
	    ncerts == 0) {
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "No certificate from "
		    "%s port %u", addr, req->tls_port);
		goto out;
	}
	if (gnutls_x509_crt_init(&crt) < 0) {
		vres_fail(res, ACME_PROB_SERVER_INTERNAL,
		    "gnutls_x509_crt_init");
		goto out;
	}
	if ((r = gnutls_x509_crt_import(crt, &certs[0],
	    GNUTLS_X509_FMT_DER)) < 0) {
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "Cannot parse the "
		    "certificate from %s port %u: %s", addr, req->tls_port,
		    gnutls_strerror(r));
		goto out;
	}

	/* Exactly one subjectAltName entry: the identifier itself (T8). */
	sansz = sizeof(san) - 1;
	r = gnutls_x509_crt_get_subject_alt_name(crt, 0, san, &sansz, &crit);
	if (r < 0) {
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "Incorrect validation "
		    "certificate for tls-alpn-01 challenge from %s: no "
		    "subjectAltName for %s", addr, req->name);
		goto out;
	}
	if (req->is_ip) {
		if (vaddr_parse(req->name, &ip) == -1) {
			vres_fail(res, ACME_PROB_SERVER_INTERNAL, "bad IP");
			goto out;
		}
		if (r != GNUTLS_SAN_IPADDRESS || sansz != (ip.v6 ? 16u : 4u) ||
		    memcmp(san, ip.ip, sansz) != 0)
			goto badsan;
	} else {
		if (r != GNUTLS_SAN_DNSNAME || sansz != strlen(req->name) ||
		    memchr(san, '\0', sansz) != NULL ||
		    strncasecmp((char *)san, req->name, sansz) != 0)
			goto badsan;
	}
	sansz = sizeof(san) - 1;
	if (gnutls_x509_crt_get_subject_alt_name(crt, 1, san, &sansz,
	    &crit) != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "Incorrect validation "
		    "certificate for tls-alpn-01 challenge from %s: the "
		    "subjectAltName holds more than %s", addr, req->name);
		goto out;
	}

	/*
	 * SAN and acmeIdentifier, each once (T6, T9), plus the usual
	 * extensions of a self-signed certificate, each once: lego puts
	 * keyUsage into its certificate and other clients add basic
	 * constraints and key identifiers.  RFC 8737 does not forbid them
	 * and Boulder's checkAcceptableExtensions() refuses only duplicates;
	 * SECURITY.md T6's "an extra extension" is narrowed here to one not
	 * in vtls_ok_exts[], so that real clients validate.
	 */
	for (i = 0;; i++) {
		oidsz = sizeof(oid);
		r = gnutls_x509_crt_get_extension_info(crt, i, oid, &oidsz,
		    &crit);
		if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (r < 0) {
			vres_fail(res, ACME_PROB_UNAUTHORIZED, "Cannot read "
			    "the extensions of the certificate from %s", addr);
			goto out;
		}
		if (strcmp(oid, OID_SAN) == 0 || strcmp(oid, OID_ACME_ID) ==
		    0) {
			if ((strcmp(oid, OID_SAN) == 0 ? san_idx : acme_idx) !=
			    -1) {
				vres_fail(res, ACME_PROB_UNAUTHORIZED,
				    "Incorrect validation certificate for "
				    "tls-alpn-01 challenge from %s: extension "
				    "%s seen twice", addr, oid);
				goto out;
			}
			if (strcmp(oid, OID_SAN) == 0)
				san_idx = (int)i;
			else {
				acme_idx = (int)i;
				acme_crit = crit;
			}
			continue;
		}
		for (j = 0; j < VTLS_OK_EXTS; j++)
			if (strcmp(oid, vtls_ok_exts[j]) == 0)
				break;
		if (j < VTLS_OK_EXTS && !(okseen & (1u << j))) {
			okseen |= 1u << j;
			continue;
		}
		log_sanitize(clean, sizeof(clean), oid, strlen(oid));
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "Incorrect validation "
		    "certificate for tls-alpn-01 challenge from %s: %s "
		    "extension %s (allowed: subjectAltName, acmeIdentifier "
		    "%s, key usage, extended key usage, basic constraints "
		    "and key identifiers, each once)", addr,
		    j < VTLS_OK_EXTS ? "repeated" : "unexpected", clean,
		    OID_ACME_ID);
		goto out;
	}
	if (acme_idx == -1) {
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "Incorrect validation "
		    "certificate for tls-alpn-01 challenge from %s: missing "
		    "acmeIdentifier extension %s", addr, OID_ACME_ID);
		goto out;
	}
	if (!acme_crit) {
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "Incorrect validation "
		    "certificate for tls-alpn-01 challenge from %s: the "
		    "acmeIdentifier extension is not critical", addr);
		goto out;
	}

	/* Exactly OCTET STRING (32 bytes) of SHA-256(key authorization). */
	extsz = sizeof(ext);
	if (gnutls_x509_crt_get_extension_data(crt, (unsigned int)acme_idx,
	    ext, &extsz) < 0 || extsz != 34 || ext[0] != 0x04 ||
	    ext[1] != 0x20) {
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "Incorrect validation "
		    "certificate for tls-alpn-01 challenge from %s: malformed "
		    "acmeIdentifier extension value", addr);
		goto out;
	}
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, req->keyauth, req->keyauthsz,
	    want) < 0) {
		vres_fail(res, ACME_PROB_SERVER_INTERNAL, "SHA-256 failed");
		goto out;
	}
	if (gnutls_memcmp(ext + 2, want, sizeof(want)) != 0) {
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "Incorrect validation "
		    "certificate for tls-alpn-01 challenge from %s: the "
		    "acmeIdentifier extension does not hold SHA-256 of this "
		    "challenge's key authorization", addr);
		goto out;
	}

	/* Boulder also demands a self-signed certificate (T10). */
	if (!vtls_is_self_signed(crt, &certs[0])) {
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "Incorrect validation "
		    "certificate for tls-alpn-01 challenge from %s: not "
		    "self-signed", addr);
		goto out;
	}
	rc = 0;
	goto out;
badsan:
	if (r == GNUTLS_SAN_DNSNAME) {
		log_sanitize(clean, 120, (char *)san, sansz);
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "Incorrect validation "
		    "certificate for tls-alpn-01 challenge from %s: requested "
		    "%s, received a certificate for DNS name \"%s\"", addr,
		    req->name, clean);
	} else
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "Incorrect validation "
		    "certificate for tls-alpn-01 challenge from %s: requested "
		    "%s, received a certificate whose subjectAltName does not "
		    "name it", addr, req->name);
out:
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

/*
 * Handshake with the server on connected fd with the GnuTLS priority
 * string prio and check what it presents; *gerr gets the handshake's
 * GnuTLS result (0 when it never ran).
 */
static int
vtls_session(const struct vreq *req, int fd, const char *addr,
    const char *prio, int *gerr, struct vres *res)
{
	gnutls_session_t			 s = NULL;
	gnutls_certificate_credentials_t	 cred = NULL;
	gnutls_datum_t				 proto;
	struct vaddr				 ip;
	char					 sni[300];
	const char				*errpos = NULL;
	int					 rc = -1;

	if (req->is_ip) {
		if (vaddr_parse(req->name, &ip) == -1 ||
		    vaddr_reverse_name(&ip, sni, sizeof(sni)) == -1) {
			vres_fail(res, ACME_PROB_SERVER_INTERNAL,
			    "reverse name of %s", req->name);
			goto out;
		}
	} else
		snprintf(sni, sizeof(sni), "%s", req->name);
	proto.data = (unsigned char *)VTLS_ALPN;
	proto.size = (unsigned int)strlen(VTLS_ALPN);
	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NONBLOCK |
	    GNUTLS_NO_SIGNAL) < 0 ||
	    gnutls_priority_set_direct(s, prio, &errpos) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0 ||
	    gnutls_server_name_set(s, GNUTLS_NAME_DNS, sni, strlen(sni)) < 0 ||
	    gnutls_alpn_set_protocols(s, &proto, 1, GNUTLS_ALPN_MANDATORY) <
	    0) {
		vres_fail(res, ACME_PROB_SERVER_INTERNAL, "GnuTLS set-up");
		goto out;
	}
	gnutls_transport_set_int(s, fd);
	val_set_phase(ACME_PROB_TLS);
	if (vtls_handshake(req, s, fd, addr, gerr, res) == -1)
		goto out;
	log_debug("TLS with %s: %s", addr,
	    gnutls_protocol_get_name(gnutls_protocol_get_version(s)));
	if (vtls_check_cert(req, s, addr, res) == -1)
		goto out;
	rc = 0;
out:
	val_set_phase(ACME_PROB_CONNECTION);
	if (s != NULL) {
		/* Close right after the handshake (RFC 8737 section 4). */
		(void)gnutls_bye(s, GNUTLS_SHUT_WR);
		gnutls_deinit(s);
	}
	if (cred != NULL)
		gnutls_certificate_free_credentials(cred);
	return rc;
}

/*
 * tls-alpn-01 (RFC 8737, RFC 8738 for IP identifiers): connect to the
 * vetted addresses of the identifier on tls_port (the next address only
 * when a connect fails) and check the handshake and certificate as the
 * file header describes.  Returns 0 when the challenge is proved, -1
 * otherwise with res set (connection, dns, tls or unauthorized).
 */
int
val_tlsalpn01(const struct vreq *req, struct vres *res)
{
	struct vaddr	 addrs[VAL_MAX_ADDRS];
	char		 addr[VAL_ADDRSTRLEN];
	size_t		 naddrs, i;
	enum vtls_conn	 c = VTLS_FAILED;
	int		 fd = -1, rc = -1, gerr = 0;

	if (vaddr_targets(req, req->name, addrs, VAL_MAX_ADDRS, &naddrs,
	    res) == -1)
		goto out;
	for (i = 0; i < naddrs; i++)
		if ((c = vtls_connect(req, &addrs[i], req->tls_port, &fd,
		    res)) != VTLS_NOCONNECT)
			break;
	if (c != VTLS_CONNECTED)
		goto out;
	vaddr_str(&addrs[i], addr, sizeof(addr));
	if (vtls_session(req, fd, addr, VTLS_PRIORITY, &gerr, res) == -1) {
		if (gerr != GNUTLS_E_KEY_USAGE_VIOLATION)
			goto out;
		/* Once more with RSA key exchange: see VTLS_PRIORITY_RSAKX. */
		close(fd);
		fd = -1;
		res->prob = ACME_PROB_NONE;
		res->detail[0] = '\0';
		if (vtls_connect(req, &addrs[i], req->tls_port, &fd, res) !=
		    VTLS_CONNECTED ||
		    vtls_session(req, fd, addr, VTLS_PRIORITY_RSAKX, &gerr,
		    res) == -1)
			goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	return rc;
}

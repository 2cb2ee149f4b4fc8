/*
 * revoke.c: certificate revocation (RFC 8555 7.6) and the CRL.
 *
 * Owns revokeCert (who may revoke: the issuing account, an account that
 * holds valid authorizations for every identifier of the certificate, or
 * the certificate's own key), the revocation of a certificate record for
 * the responder and acmegwctl alike (status "revoked", "revoked_at",
 * "reason"; for keyCompromise the key's SPKI hash in SDB_BLOCKED_KEYS in
 * the same transaction, V10), and the CRL: the next CRL number (SDB_META
 * "crl_number") and the list of revoked, unexpired certificates read in one
 * transaction, the signer's "crl" operation run with no transaction open,
 * and crl_file replaced atomically.  CRL builders serialise on a lock
 * file in state_dir, so a CRL with a lower number never replaces one with
 * a higher number.
 *
 * Must never: revoke a certificate whose DER is not byte for byte the
 * stored leaf (V1); let anyone else revoke (V2, V3); accept a reason that
 * is not allowed (V6); revoke twice (V5, V8: the record is read with
 * DB_RMW); run the signer inside a transaction (X11); leave a partial CRL
 * at crl_file; read the CA key (only acmegw-sign does); remove a revoked
 * record (V9).
 */
#define _GNU_SOURCE		/* asprintf, mkostemp */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "acmegw.h"

#define REVOKE_SERIAL_BYTES	21	/* 20 (RFC 5280) + a leading 00 */
#define REVOKE_HEX_MAX		(2 * REVOKE_SERIAL_BYTES)
#define REVOKE_REASON_MAX	10	/* aACompromise, the last one */
#define REVOKE_KEY_COMPROMISE	1
#define REVOKE_SPKI_B64		44	/* 43 characters and a NUL */
#define CRL_NUMBER_KEY		"crl_number"
#define CRL_LOCK_NAME		"/crl.lock"

/* ------------------------------------------------------------------ */
/* Serials, certificates, keys                                          */
/* ------------------------------------------------------------------ */

/* Lowercase hex of s[0..len) into hex (hexsz bytes).  Returns 0 or -1. */
static int
revoke_hex(const unsigned char *s, size_t len, char *hex, size_t hexsz)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	if (len == 0 || len > REVOKE_SERIAL_BYTES || hexsz < 2 * len + 1)
		return -1;
	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[s[i] >> 4];
		hex[2 * i + 1] = digits[s[i] & 0x0f];
	}
	hex[2 * len] = '\0';
	return 0;
}

/*
 * Normalise a serial typed by a person: hex digits of either case,
 * optionally separated by ':' (as openssl and certtool print them), an
 * even number of digits, at most REVOKE_SERIAL_BYTES bytes.  Writes the
 * lowercase digits (the SDB_CERTS key) to out (outsz bytes).  Returns 0,
 * or -1 when in is not such a serial.
 */
int
revoke_serial_norm(const char *in, char *out, size_t outsz)
{
	size_t	 n = 0;
	int	 rc = -1;

	for (; *in != '\0'; in++) {
		if (*in == ':')
			continue;
		if (!((*in >= '0' && *in <= '9') || (*in >= 'a' &&
		    *in <= 'f') || (*in >= 'A' && *in <= 'F')))
			goto out;
		if (n + 1 >= outsz || n >= REVOKE_HEX_MAX)
			goto out;
		out[n++] = (*in >= 'A' && *in <= 'F') ? *in - 'A' + 'a' : *in;
	}
	if (n == 0 || n % 2 != 0)
		goto out;
	out[n] = '\0';
	rc = 0;
out:
	if (rc == -1 && outsz > 0)
		out[0] = '\0';
	return rc;
}

/*
 * The base64url SHA-256 of the SubjectPublicKeyInfo DER of pub into b64
 * (REVOKE_SPKI_B64 bytes), and the DER itself into *der when der is not
 * NULL (caller gnutls_free()s der->data).  Returns 0 or -1.
 */
static int
revoke_spki(gnutls_pubkey_t pub, char *b64, gnutls_datum_t *der)
{
	gnutls_datum_t	 d = { NULL, 0 };
	unsigned char	 h[32];
	int		 rc = -1;

	if (gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &d) != 0 ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, d.data, d.size, h) != 0 ||
	    b64url_encode(h, sizeof(h), b64, REVOKE_SPKI_B64) == -1)
		goto out;
	if (der != NULL) {
		*der = d;
		d.data = NULL;
	}
	rc = 0;
out:
	gnutls_free(d.data);
	return rc;
}

/*
 * A parsed certificate: its serial as the SDB_CERTS key and its key's
 * SPKI (DER and base64url SHA-256).
 */
struct revoke_cert {
	char		 serial[REVOKE_HEX_MAX + 1];	/* "" if unusable */
	gnutls_datum_t	 spki;
	char		 spki_b64[REVOKE_SPKI_B64];
};

static void
revoke_cert_clear(struct revoke_cert *c)
{
	gnutls_free(c->spki.data);
	memset(c, 0, sizeof(*c));
}

/*
 * Parse der[0..dersz) (DER) or the PEM text der (pem non-zero) as one
 * X.509 certificate into c.  A serial too long to be ours leaves
 * c->serial "".  Returns 0, or -1 when it is not a certificate or its key
 * cannot be read.
 */
static int
revoke_cert_parse(const unsigned char *der, size_t dersz, int pem,
    struct revoke_cert *c)
{
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_pubkey_t		 pub = NULL;
	gnutls_datum_t		 d;
	unsigned char		 ser[64];
	size_t			 sersz = sizeof(ser);
	int			 rc = -1;

	memset(c, 0, sizeof(*c));
	if (dersz > UINT_MAX)
		goto out;
	d.data = (unsigned char *)der;
	d.size = (unsigned int)dersz;
	if (gnutls_x509_crt_init(&crt) != 0 ||
	    gnutls_x509_crt_import(crt, &d, pem ? GNUTLS_X509_FMT_PEM :
	    GNUTLS_X509_FMT_DER) != 0)
		goto out;
	if (gnutls_x509_crt_get_serial(crt, ser, &sersz) != 0 ||
	    revoke_hex(ser, sersz, c->serial, sizeof(c->serial)) == -1)
		c->serial[0] = '\0';
	if (gnutls_pubkey_init(&pub) != 0 ||
	    gnutls_pubkey_import_x509(pub, crt, 0) != 0 ||
	    revoke_spki(pub, c->spki_b64, &c->spki) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		revoke_cert_clear(c);
	gnutls_pubkey_deinit(pub);
	gnutls_x509_crt_deinit(crt);
	return rc;
}

/*
 * 1 when der[0..dersz) is byte for byte the leaf certificate stored as
 * PEM in record rec (member "pem"), 0 otherwise (also when the record has
 * no usable "pem").
 */
static int
revoke_is_stored_leaf(struct json_object *rec, const unsigned char *der,
    size_t dersz)
{
	const char	*pem;
	size_t		 pemsz;
	gnutls_datum_t	 in, out = { NULL, 0 };
	int		 same = 0;

	if (json_get_str(rec, "pem", &pem, &pemsz) != 0 || pemsz > UINT_MAX)
		return 0;
	in.data = (unsigned char *)pem;
	in.size = (unsigned int)pemsz;
	if (gnutls_pem_base64_decode2("CERTIFICATE", &in, &out) == 0)
		same = out.size == dersz && memcmp(out.data, der, dersz) == 0;
	gnutls_free(out.data);
	return same;
}

/* "0, 1, 3, 4 and 5": the reasons of mask, into buf (bufsz bytes). */
static const char *
revoke_reason_list(unsigned int mask, char *buf, size_t bufsz)
{
	size_t	 len = 0, n = 0, i, total = 0;

	for (i = 0; i <= REVOKE_REASON_MAX; i++)
		if (mask & (1u << i))
			total++;
	buf[0] = '\0';
	for (i = 0; i <= REVOKE_REASON_MAX && len < bufsz; i++) {
		if (!(mask & (1u << i)))
			continue;
		n++;
		len += (size_t)snprintf(buf + len, bufsz - len, "%s%zu",
		    n == 1 ? "" : n == total ? " and " : ", ", i);
	}
	if (total == 0)
		snprintf(buf, bufsz, "none");
	return buf;
}

/* ------------------------------------------------------------------ */
/* Revoking a record                                                    */
/* ------------------------------------------------------------------ */

/*
 * Add the SPKI hash spki to the blocked keys (V10) for serial at now, in
 * txn.  A key that is blocked already stays blocked by its first record.
 * Returns 0 or a store error code.
 */
static int
revoke_block_key(struct store *st, DB_TXN *txn, const char *spki,
    const char *serial, time_t now)
{
	struct json_object	*b;
	int			 rc = ENOMEM;

	if ((b = json_object_new_object()) == NULL)
		return ENOMEM;
	if (json_object_object_add(b, "v", json_object_new_int(ACMEGW_SCHEMA))
	    || json_object_object_add(b, "serial",
	    json_object_new_string(serial)) ||
	    json_object_object_add(b, "time", json_object_new_int64(now)))
		goto out;
	rc = store_put_json(st, txn, SDB_BLOCKED_KEYS, spki, b,
	    DB_NOOVERWRITE);
	if (rc == DB_KEYEXIST)
		rc = 0;
out:
	json_object_put(b);
	return rc;
}

/*
 * Mark record rec (key serial, read with DB_RMW, status "valid") revoked
 * at now for reason, by whom (a sentence for the record and the log), and
 * for keyCompromise block the key: spki (the hash computed from the
 * certificate) and the record's own "spki" when it differs.  All in txn.
 * Returns 0 or a store error code.
 */
static int
revoke_apply(struct store *st, DB_TXN *txn, const char *serial,
    struct json_object *rec, int reason, time_t now, const char *spki,
    const char *by)
{
	const char	*rspki;
	int		 rc = ENOMEM;

	if (json_object_object_add(rec, "status",
	    json_object_new_string("revoked")) ||
	    json_object_object_add(rec, "revoked_at",
	    json_object_new_int64(now)) ||
	    json_object_object_add(rec, "reason", json_object_new_int(reason))
	    || json_object_object_add(rec, "revoked_by",
	    json_object_new_string(by)))
		goto out;
	if ((rc = store_put_json(st, txn, SDB_CERTS, serial, rec, 0)) != 0)
		goto out;
	if (reason == REVOKE_KEY_COMPROMISE) {
		if ((rc = revoke_block_key(st, txn, spki, serial, now)) != 0)
			goto out;
		if (json_get_str(rec, "spki", &rspki, NULL) == 0 &&
		    strcmp(rspki, spki) != 0 &&
		    strlen(rspki) == ACMEGW_THUMB_LEN) {
			log_warnx("revoke: certificate %s: stored spki differs "
			    "from the certificate's; blocking both", serial);
			rc = revoke_block_key(st, txn, rspki, serial, now);
		}
	}
out:
	return rc;
}

/*
 * Whether the account of ctx holds, in txn, a valid and unexpired
 * authorization for every identifier of certificate record rec (found
 * through the SDB_AUTHZ_REUSE index: account "|" type ":" value).  Sets
 * *ok.  Returns 0 or a store error code.
 */
static int
revoke_holds_authzs(struct ctx *ctx, DB_TXN *txn, struct json_object *rec,
    int *ok)
{
	struct json_object	*ids, *id, *z = NULL, *zi;
	const char		*type, *value, *zacct, *zstatus, *ztype, *zval;
	char			 key[ACMEGW_ID_LEN + 1 + 8 + 260];
	char			 aid[ACMEGW_ID_LEN + 1];
	void			*val = NULL;
	size_t			 i, n, valsz;
	int64_t			 exp;
	int			 rc = 0, n2, wild;

	*ok = 0;
	if (json_get_array(rec, "identifiers", &ids) != 0 ||
	    (n = json_object_array_length(ids)) == 0)
		goto out;
	for (i = 0; i < n; i++) {
		id = json_object_array_get_idx(ids, i);
		if (json_get_str(id, "type", &type, NULL) != 0 ||
		    json_get_str(id, "value", &value, NULL) != 0)
			goto out;
		n2 = snprintf(key, sizeof(key), "%s|%s:%s", ctx->acct_id,
		    type, value);
		if (n2 < 0 || (size_t)n2 >= sizeof(key))
			goto out;
		free(val);
		val = NULL;
		rc = store_get(ctx->store, txn, SDB_AUTHZ_REUSE, key,
		    (size_t)n2, 0, &val, &valsz);
		if (rc == DB_NOTFOUND) {
			rc = 0;
			goto out;
		}
		if (rc != 0)
			goto out;
		if (valsz != ACMEGW_ID_LEN)
			goto out;
		memcpy(aid, val, ACMEGW_ID_LEN);
		aid[ACMEGW_ID_LEN] = '\0';
		json_object_put(z);
		z = NULL;
		rc = authz_load(ctx->store, txn, aid, 0, &z);
		if (rc == DB_NOTFOUND || rc == -1) {
			rc = 0;
			goto out;
		}
		if (rc != 0)
			goto out;
		(void)authz_refresh(z, ctx->now);
		wild = 0;
		if (json_get_str(z, "acct", &zacct, NULL) != 0 ||
		    strcmp(zacct, ctx->acct_id) != 0 ||
		    json_get_str(z, "status", &zstatus, NULL) != 0 ||
		    strcmp(zstatus, "valid") != 0 ||
		    json_get_int(z, "expires", 0, INT64_MAX - 1, &exp) != 0 ||
		    exp <= (int64_t)ctx->now ||
		    json_get_obj(z, "identifier", &zi) != 0 ||
		    json_get_str(zi, "type", &ztype, NULL) != 0 ||
		    json_get_str(zi, "value", &zval, NULL) != 0 ||
		    json_get_bool(z, "wildcard", &wild) != 0 ||
		    strcmp(ztype, type) != 0)
			goto out;
		if (wild) {
			if (strncmp(value, "*.", 2) != 0 ||
			    strcmp(value + 2, zval) != 0)
				goto out;
		} else if (strcmp(value, zval) != 0)
			goto out;
	}
	*ok = 1;
out:
	free(val);
	json_object_put(z);
	return rc;
}

/*
 * POST /revoke-cert (RFC 8555 7.6), inside the request's child
 * transaction.  Payload {"certificate": base64url DER, "reason"?: int}:
 * the reason must be in conf->revocation_reasons (absent means 0) else
 * badRevocationReason naming the allowed ones (V6); the certificate must
 * be one of ours, byte for byte (404 otherwise, V1); signed with a kid,
 * the account must be the issuing one or hold valid authorizations for
 * every identifier, signed with a jwk, the key must be the certificate's
 * (403 unauthorized otherwise, V2, V3); an expired certificate is refused
 * with 403 unauthorized (V7: Boulder's choice); a revoked one gives
 * alreadyRevoked (V5; the record is read with DB_RMW, V8).  On success the
 * record is revoked (keyCompromise blocks the key, V10) and the answer is
 * 200 with no body; revoke_committed() builds the CRL after the commit.
 * Returns 0, -1 (refused, problem set) or a store error code.
 */
int
revoke_post(struct ctx *ctx, DB_TXN *txn)
{
	struct json_object	*rec = NULL;
	struct revoke_cert	 cert;
	unsigned char		*der = NULL;
	gnutls_datum_t		 jspki = { NULL, 0 };
	const char		*b64, *status, *owner;
	char			 list[64], by[64], jb64[REVOKE_SPKI_B64];
	char			 when[32];
	size_t			 b64sz, dersz = 0;
	int64_t			 reason = 0, notafter;
	int			 rc = -1, r, ok = 0;

	memset(&cert, 0, sizeof(cert));
	if (ctx->payload == NULL) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "revokeCert needs a payload with \"certificate\"");
		goto out;
	}
	r = json_get_int(ctx->payload, "reason", 0, REVOKE_REASON_MAX,
	    &reason);
	if (r == -1 || (ctx->conf->revocation_reasons &
	    (1u << reason)) == 0) {
		revoke_reason_list(ctx->conf->revocation_reasons, list,
		    sizeof(list));
		if (r == -1)
			problem_set(ctx->resp,
			    ACME_PROB_BAD_REVOCATION_REASON, "\"reason\" must "
			    "be one of the allowed reason codes: %s", list);
		else
			problem_set(ctx->resp,
			    ACME_PROB_BAD_REVOCATION_REASON, "reason %" PRId64
			    " is not allowed; allowed reason codes: %s",
			    reason, list);
		goto out;
	}
	if (json_get_str(ctx->payload, "certificate", &b64, &b64sz) != 0 ||
	    b64sz == 0) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "\"certificate\" must be the base64url of the "
		    "certificate's DER");
		goto out;
	}
	if (b64url_decode(b64, b64sz, &der, &dersz) == -1) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "\"certificate\" is not canonical unpadded base64url");
		goto out;
	}
	if (revoke_cert_parse(der, dersz, 0, &cert) == -1) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "\"certificate\" is not a DER X.509 certificate");
		goto out;
	}
	if (cert.serial[0] == '\0') {
		problem_set(ctx->resp, ACME_PROB_NOT_FOUND,
		    "no such certificate: this server did not issue it");
		goto out;
	}

	rc = store_get_json(ctx->store, txn, SDB_CERTS, cert.serial, DB_RMW,
	    &rec);
	if (rc == EINVAL) {
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "the certificate record cannot be read");
		rc = -1;
		goto out;
	}
	if (rc != 0 && rc != DB_NOTFOUND)
		goto out;
	rc = -1;
	if (rec == NULL || !revoke_is_stored_leaf(rec, der, dersz)) {
		problem_set(ctx->resp, ACME_PROB_NOT_FOUND,
		    "no such certificate: this server did not issue it");
		goto out;
	}

	/* Who asks (V2, V3). */
	if (ctx->acct != NULL) {
		if (json_get_str(rec, "acct", &owner, NULL) == 0 &&
		    strcmp(owner, ctx->acct_id) == 0)
			ok = 1;
		else if ((r = revoke_holds_authzs(ctx, txn, rec, &ok)) != 0) {
			rc = r;
			goto out;
		}
		if (!ok) {
			problem_set(ctx->resp, ACME_PROB_UNAUTHORIZED,
			    "this account neither requested the certificate "
			    "nor holds valid authorizations for all of its "
			    "identifiers");
			goto out;
		}
		snprintf(by, sizeof(by), "account %s", ctx->acct_id);
	} else {
		if (ctx->jws.jwk == NULL ||
		    revoke_spki(ctx->jws.jwk->pub, jb64, &jspki) == -1 ||
		    jspki.size != cert.spki.size ||
		    memcmp(jspki.data, cert.spki.data, jspki.size) != 0) {
			problem_set(ctx->resp, ACME_PROB_UNAUTHORIZED,
			    "the JWK must be the same public key as the "
			    "certificate's");
			goto out;
		}
		snprintf(by, sizeof(by), "certificate key");
	}

	if (json_get_str(rec, "status", &status, NULL) != 0) {
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "the certificate record has no status");
		goto out;
	}
	if (strcmp(status, "revoked") == 0) {
		problem_set(ctx->resp, ACME_PROB_ALREADY_REVOKED,
		    "certificate %s is revoked already", cert.serial);
		goto out;
	}
	if (strcmp(status, "valid") != 0) {
		problem_set(ctx->resp, ACME_PROB_NOT_FOUND,
		    "no such certificate: this server did not issue it");
		goto out;
	}
	if (json_get_int(rec, "not_after", 0, INT64_MAX - 1, &notafter) != 0 ||
	    notafter <= (int64_t)ctx->now) {
		if (order_time_str((time_t)notafter, when, sizeof(when)) == -1)
			snprintf(when, sizeof(when), "an unknown time");
		problem_set(ctx->resp, ACME_PROB_UNAUTHORIZED,
		    "certificate %s expired at %s; expired certificates are "
		    "not revoked", cert.serial, when);
		goto out;
	}

	if ((rc = revoke_apply(ctx->store, txn, cert.serial, rec, (int)reason,
	    ctx->now, cert.spki_b64, by)) != 0)
		goto out;
	log_info("revoked certificate %s, reason %d, by %s", cert.serial,
	    (int)reason, by);
	resp_reset(ctx->resp);
	ctx->resp->status = 200;
	rc = 0;
out:
	gnutls_free(jspki.data);
	revoke_cert_clear(&cert);
	free(der);
	json_object_put(rec);
	return rc;
}

/*
 * After a revokeCert transaction committed with success: write a new CRL
 * when crl_on_revoke is on and crl_file set.  A failure is logged only;
 * the revocation stands and the next CRL lists it.
 */
void
revoke_committed(struct ctx *ctx)
{
	char	 err[512];
	int64_t	 n;

	if (!ctx->conf->crl_on_revoke || ctx->conf->crl_file == NULL)
		return;
	err[0] = '\0';
	if (crl_update(ctx->conf, ctx->store, ctx->now, &n, err,
	    sizeof(err)) == -1)
		log_warnx("revoke: no new CRL: %s", err);
	else
		log_info("revoke: CRL number %" PRId64 " written", n);
}

/* What revoke_admin's transaction needs. */
struct revoke_adm {
	struct store	*st;
	const char	*serial;
	int		 reason;
	time_t		 now;
	struct perr	*perr;
};

/* Transaction body of revoke_admin(): -1 with perr for a refusal. */
static int
revoke_admin_txn(DB_TXN *txn, void *arg)
{
	struct revoke_adm	*x = arg;
	struct json_object	*rec = NULL;
	struct revoke_cert	 cert;
	const char		*status, *pem;
	size_t			 pemsz;
	int64_t			 notafter;
	char			 when[32];
	int			 rc;

	memset(&cert, 0, sizeof(cert));
	memset(x->perr, 0, sizeof(*x->perr));
	rc = store_get_json(x->st, txn, SDB_CERTS, x->serial, DB_RMW, &rec);
	if (rc == DB_NOTFOUND) {
		perr_set(x->perr, ACME_PROB_NOT_FOUND, "no certificate with "
		    "serial %s", x->serial);
		rc = -1;
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = -1;
	if (json_get_str(rec, "status", &status, NULL) != 0) {
		perr_set(x->perr, ACME_PROB_SERVER_INTERNAL, "the record of "
		    "%s has no status", x->serial);
		goto out;
	}
	if (strcmp(status, "revoked") == 0) {
		perr_set(x->perr, ACME_PROB_ALREADY_REVOKED, "certificate %s "
		    "is revoked already", x->serial);
		goto out;
	}
	if (strcmp(status, "valid") != 0) {
		perr_set(x->perr, ACME_PROB_NOT_FOUND, "certificate %s is "
		    "%s: there is no certificate to revoke", x->serial,
		    status);
		goto out;
	}
	if (json_get_int(rec, "not_after", 0, INT64_MAX - 1, &notafter) != 0 ||
	    notafter <= (int64_t)x->now) {
		if (order_time_str((time_t)notafter, when, sizeof(when)) == -1)
			snprintf(when, sizeof(when), "an unknown time");
		perr_set(x->perr, ACME_PROB_UNAUTHORIZED, "certificate %s "
		    "expired at %s; expired certificates are not revoked",
		    x->serial, when);
		goto out;
	}
	if (json_get_str(rec, "pem", &pem, &pemsz) != 0 ||
	    revoke_cert_parse((const unsigned char *)pem, pemsz, 1,
	    &cert) == -1) {
		perr_set(x->perr, ACME_PROB_SERVER_INTERNAL, "the stored "
		    "certificate %s does not parse", x->serial);
		goto out;
	}
	rc = revoke_apply(x->st, txn, x->serial, rec, x->reason, x->now,
	    cert.spki_b64, "administrator");
out:
	revoke_cert_clear(&cert);
	json_object_put(rec);
	return rc;
}

/*
 * Revoke the certificate with serial (lowercase hex, as
 * revoke_serial_norm() makes it) for reason at now, as the administrator
 * (acmegwctl): in a transaction of its own; reason must be one of
 * REVOKE_ADMIN_REASONS.  Returns 0; -1 with perr: badRevocationReason,
 * notFound (no such serial, or never issued), alreadyRevoked,
 * unauthorized (expired) or serverInternal (damaged record); or a store
 * error code.  The caller builds the CRL afterwards when it wants one.
 */
int
revoke_admin(struct store *st, const char *serial, int reason, time_t now,
    struct perr *perr)
{
	struct revoke_adm	 x;
	char			 list[64];
	int			 rc;

	if (reason < 0 || reason > REVOKE_REASON_MAX ||
	    (REVOKE_ADMIN_REASONS & (1u << reason)) == 0) {
		perr_set(perr, ACME_PROB_BAD_REVOCATION_REASON, "reason %d is "
		    "not allowed; allowed reason codes: %s", reason,
		    revoke_reason_list(REVOKE_ADMIN_REASONS, list,
		    sizeof(list)));
		return -1;
	}
	x.st = st;
	x.serial = serial;
	x.reason = reason;
	x.now = now;
	x.perr = perr;
	rc = store_txn_run(st, 0, revoke_admin_txn, &x);
	if (rc == 0)
		log_info("revoked certificate %s, reason %d, by the "
		    "administrator", serial, reason);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The CRL                                                              */
/* ------------------------------------------------------------------ */

static void	crl_errf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* A sentence into err (errsz bytes), when err is not NULL. */
static void
crl_errf(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* What crl_update's transaction collects. */
struct crl_txn {
	struct store	*st;
	time_t		 now;
	int64_t		 number;
	struct json_object *revoked;	/* [{serial, time, reason}] */
	size_t		 bad;		/* records that do not parse */
};

/*
 * 1 when key[0..keysz) looks like a serial key: lowercase hex, even
 * length, at most REVOKE_HEX_MAX characters.
 */
static int
crl_key_is_serial(const char *key, size_t keysz)
{
	size_t	 i;

	if (keysz == 0 || keysz % 2 != 0 || keysz > REVOKE_HEX_MAX)
		return 0;
	for (i = 0; i < keysz; i++)
		if (!((key[i] >= '0' && key[i] <= '9') ||
		    (key[i] >= 'a' && key[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * Add record rec (key serial) to x->revoked when it is revoked and not
 * expired at x->now.  Returns 0, or ENOMEM.
 */
static int
crl_add(struct crl_txn *x, const char *serial, struct json_object *rec)
{
	struct json_object	*e;
	const char		*status;
	int64_t			 notafter, t, reason;

	if (json_get_str(rec, "status", &status, NULL) != 0 ||
	    strcmp(status, "revoked") != 0)
		return 0;
	if (json_get_int(rec, "not_after", 0, INT64_MAX - 1, &notafter) != 0 ||
	    json_get_int(rec, "revoked_at", 0, INT64_MAX - 1, &t) != 0 ||
	    json_get_int(rec, "reason", 0, REVOKE_REASON_MAX, &reason) != 0) {
		log_warnx("crl: certificate %s: damaged revocation", serial);
		x->bad++;
		return 0;
	}
	if (notafter <= (int64_t)x->now)
		return 0;
	if ((e = json_object_new_object()) == NULL)
		return ENOMEM;
	if (json_object_object_add(e, "serial",
	    json_object_new_string(serial)) ||
	    json_object_object_add(e, "time", json_object_new_int64(t)) ||
	    json_object_object_add(e, "reason", json_object_new_int64(reason))
	    || json_object_array_add(x->revoked, e)) {
		json_object_put(e);
		return ENOMEM;
	}
	return 0;
}

/*
 * Transaction body of crl_update(): take the next CRL number (read with
 * DB_RMW, written back) and collect the revoked, unexpired certificates
 * with a read-committed cursor.  Rebuilds everything on a retry.
 */
static int
crl_txn_body(DB_TXN *txn, void *arg)
{
	struct crl_txn		*x = arg;
	struct json_object	*rec = NULL;
	DB			*db = x->st->db[SDB_CERTS];
	DBC			*cur = NULL;
	DBT			 k, v;
	struct perr		 pe;
	char			 serial[REVOKE_HEX_MAX + 1];
	const char		*data;
	size_t			 datasz;
	int64_t			 n = 0;
	int			 rc, rc2;

	json_object_put(x->revoked);
	x->bad = 0;
	x->number = 0;
	if ((x->revoked = json_object_new_array()) == NULL)
		return ENOMEM;

	rc = store_get_json(x->st, txn, SDB_META, CRL_NUMBER_KEY, DB_RMW,
	    &rec);
	if (rc == 0 && json_get_int(rec, "n", 1, INT64_MAX - 2, &n) != 0)
		rc = EINVAL;
	if (rc == DB_NOTFOUND) {
		n = 0;
		rc = 0;
	}
	if (rc != 0)
		goto out;
	json_object_put(rec);
	if ((rec = json_object_new_object()) == NULL ||
	    json_object_object_add(rec, "v",
	    json_object_new_int(ACMEGW_SCHEMA)) ||
	    json_object_object_add(rec, "n", json_object_new_int64(n + 1))) {
		rc = ENOMEM;
		goto out;
	}
	if ((rc = store_put_json(x->st, txn, SDB_META, CRL_NUMBER_KEY, rec,
	    0)) != 0)
		goto out;
	x->number = n + 1;

	if ((rc = db->cursor(db, txn, &cur, DB_READ_COMMITTED)) != 0)
		goto out;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	while ((rc = cur->get(cur, &k, &v, DB_NEXT)) == 0) {
		struct json_object *r;

		if (!crl_key_is_serial(k.data, k.size)) {
			x->bad++;
			continue;
		}
		memcpy(serial, k.data, k.size);
		serial[k.size] = '\0';
		data = v.data;
		datasz = v.size;
		if (datasz > 0 && data[datasz - 1] == '\0')
			datasz--;
		if ((r = json_parse_strict(data, datasz, &pe)) == NULL) {
			log_warnx("crl: certificate %s: damaged record",
			    serial);
			x->bad++;
			continue;
		}
		rc = crl_add(x, serial, r);
		json_object_put(r);
		if (rc != 0)
			break;
	}
	if (rc == DB_NOTFOUND)
		rc = 0;
	if ((rc2 = cur->close(cur)) != 0 && rc == 0)
		rc = rc2;
out:
	json_object_put(rec);
	return rc;
}

/*
 * Check the signer's answer ans: {"v":1,"status":"ok","crl":PEM} with a
 * CRL that parses, carries CRL number number and, when conf->ca_cert is
 * set, verifies against it.  *pem borrows from *obj (caller puts).
 * Returns 0 or -1 with err.
 */
static int
crl_answer_check(const struct conf *conf, const char *ans, size_t anssz,
    int64_t number, struct json_object **obj, const char **pem,
    size_t *pemsz, char *err, size_t errsz)
{
	struct json_object	*o = NULL, *e;
	struct perr		 pe;
	gnutls_x509_crl_t	 crl = NULL;
	gnutls_x509_crt_t	 ca = NULL;
	gnutls_datum_t		 d, cad = { NULL, 0 };
	unsigned char		 num[32];
	size_t			 numsz = sizeof(num), i;
	unsigned int		 crit = 0, vst = 0;
	const char		*status, *detail = "";
	int64_t			 v, got = 0;
	int			 rc = -1;

	*obj = NULL;
	if ((o = json_parse_strict(ans, anssz, &pe)) == NULL ||
	    json_get_int(o, "v", 1, 1, &v) != 0 ||
	    json_get_str(o, "status", &status, NULL) != 0) {
		crl_errf(err, errsz, "the signer's answer is not valid JSON");
		goto out;
	}
	if (strcmp(status, "ok") != 0) {
		if (json_get_obj(o, "error", &e) == 0)
			(void)json_get_str(e, "detail", &detail, NULL);
		crl_errf(err, errsz, "the signer refused the CRL: %.200s",
		    detail);
		goto out;
	}
	if (json_get_str(o, "crl", pem, pemsz) != 0 || *pemsz > UINT_MAX) {
		crl_errf(err, errsz, "the signer's answer has no \"crl\"");
		goto out;
	}
	d.data = (unsigned char *)*pem;
	d.size = (unsigned int)*pemsz;
	if (gnutls_x509_crl_init(&crl) != 0 ||
	    gnutls_x509_crl_import(crl, &d, GNUTLS_X509_FMT_PEM) != 0) {
		crl_errf(err, errsz, "the signer's CRL does not parse");
		goto out;
	}
	if (gnutls_x509_crl_get_number(crl, num, &numsz, &crit) != 0 ||
	    numsz > 8) {
		crl_errf(err, errsz, "the signer's CRL has no CRL number");
		goto out;
	}
	for (i = 0; i < numsz; i++)
		got = (got << 8) | num[i];
	if (got != number) {
		crl_errf(err, errsz, "the signer's CRL has number %" PRId64
		    ", not %" PRId64, got, number);
		goto out;
	}
	if (conf->ca_cert != NULL) {
		if (gnutls_load_file(conf->ca_cert, &cad) != 0 ||
		    gnutls_x509_crt_init(&ca) != 0 ||
		    gnutls_x509_crt_import(ca, &cad, GNUTLS_X509_FMT_PEM) !=
		    0) {
			crl_errf(err, errsz, "%s: cannot read the CA "
			    "certificate", conf->ca_cert);
			goto out;
		}
		if (gnutls_x509_crl_verify(crl, &ca, 1, 0, &vst) != 0 ||
		    vst != 0) {
			crl_errf(err, errsz, "the signer's CRL does not verify "
			    "against %s", conf->ca_cert);
			goto out;
		}
	}
	*obj = o;
	o = NULL;
	rc = 0;
out:
	gnutls_free(cad.data);
	gnutls_x509_crt_deinit(ca);
	gnutls_x509_crl_deinit(crl);
	json_object_put(o);
	return rc;
}

/*
 * Replace path with data[0..len) atomically: a temporary file in the same
 * directory (mode 0644: the web server serves it), written, synced, and
 * renamed over path.  Returns 0 or -1 with err.
 */
static int
crl_write(const char *path, const char *data, size_t len, char *err,
    size_t errsz)
{
	char	*tmp = NULL;
	size_t	 off = 0;
	ssize_t	 w;
	int	 fd = -1, rc = -1;

	if (asprintf(&tmp, "%s.XXXXXX", path) == -1) {
		tmp = NULL;
		crl_errf(err, errsz, "out of memory");
		goto out;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		crl_errf(err, errsz, "%s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	while (off < len) {
		if ((w = write(fd, data + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			crl_errf(err, errsz, "%s: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, 0644) == -1 || fsync(fd) == -1) {
		crl_errf(err, errsz, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		crl_errf(err, errsz, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		crl_errf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		(void)close(fd);
	if (rc == -1 && tmp != NULL)
		(void)unlink(tmp);
	free(tmp);
	return rc;
}

/*
 * Build and write a new CRL at now: under an exclusive lock on
 * state_dir/crl.lock, take the next CRL number and the revoked unexpired
 * certificates in one transaction, then (no transaction open) run
 * conf->signer_path -f conf->path with the "crl" request (thisUpdate now,
 * nextUpdate now + crl_validity) within signing_timeout, check its answer
 * (number, signature against ca_cert) and replace conf->crl_file
 * atomically.  *number (when not NULL) gets the CRL number.  A number
 * taken is never handed out again, even when signing fails.  Returns 0,
 * or -1 with a sentence in err (errsz bytes).
 */
int
crl_update(const struct conf *conf, struct store *st, time_t now,
    int64_t *number, char *err, size_t errsz)
{
	struct crl_txn		 x;
	struct json_object	*req = NULL, *ans = NULL;
	char			*lockpath = NULL, *out = NULL, herr[256];
	char			*argv[4];
	const char		*text, *pem;
	size_t			 outsz = 0, pemsz;
	int			 lockfd = -1, rc = -1, r, hst;

	memset(&x, 0, sizeof(x));
	if (number != NULL)
		*number = 0;
	if (conf->crl_file == NULL) {
		crl_errf(err, errsz, "crl_file is not set in %s",
		    conf->path != NULL ? conf->path : "the configuration");
		goto out;
	}
	if (asprintf(&lockpath, "%s" CRL_LOCK_NAME, conf->state_dir) == -1) {
		lockpath = NULL;
		crl_errf(err, errsz, "out of memory");
		goto out;
	}
	if ((lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1 || flock(lockfd, LOCK_EX) == -1) {
		crl_errf(err, errsz, "%s: %s", lockpath, strerror(errno));
		goto out;
	}

	x.st = st;
	x.now = now;
	if ((r = store_txn_run(st, 0, crl_txn_body, &x)) != 0) {
		crl_errf(err, errsz, "cannot read the store: %s",
		    store_strerror(r));
		goto out;
	}
	if (x.bad > 0)
		log_warnx("crl: %zu certificate records could not be read",
		    x.bad);

	if ((req = json_object_new_object()) == NULL ||
	    json_object_object_add(req, "v",
	    json_object_new_int(ACMEGW_SCHEMA)) ||
	    json_object_object_add(req, "op", json_object_new_string("crl")) ||
	    json_object_object_add(req, "number",
	    json_object_new_int64(x.number)) ||
	    json_object_object_add(req, "this_update",
	    json_object_new_int64(now)) ||
	    json_object_object_add(req, "next_update",
	    json_object_new_int64((int64_t)now + conf->crl_validity)) ||
	    json_object_object_add(req, "revoked",
	    json_object_get(x.revoked)) ||
	    (text = json_object_to_json_string_ext(req,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) ==
	    NULL) {
		crl_errf(err, errsz, "out of memory");
		goto out;
	}
	if (strlen(text) > HELPER_IO_MAX) {
		crl_errf(err, errsz, "%zu revoked certificates do not fit in "
		    "one signer request", json_object_array_length(x.revoked));
		goto out;
	}
	argv[0] = conf->signer_path;
	argv[1] = conf->path != NULL ? "-f" : NULL;
	argv[2] = conf->path;
	argv[3] = NULL;
	herr[0] = '\0';
	if (helper_run(conf->signer_path, argv, text, strlen(text),
	    conf->signing_timeout, &out, &outsz, &hst, herr,
	    sizeof(herr)) == -1) {
		crl_errf(err, errsz, "the signer failed: %s", herr[0] != '\0' ?
		    herr : "no answer");
		goto out;
	}
	if (crl_answer_check(conf, out, outsz, x.number, &ans, &pem, &pemsz,
	    err, errsz) == -1)
		goto out;
	if (crl_write(conf->crl_file, pem, pemsz, err, errsz) == -1)
		goto out;
	if (number != NULL)
		*number = x.number;
	log_info("crl: number %" PRId64 " with %zu revoked certificates "
	    "written to %s", x.number, json_object_array_length(x.revoked),
	    conf->crl_file);
	rc = 0;
out:
	if (lockfd != -1)
		(void)close(lockfd);	/* releases the lock */
	free(lockpath);
	free(out);
	json_object_put(ans);
	json_object_put(req);
	json_object_put(x.revoked);
	return rc;
}

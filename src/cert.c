/*
 * cert.c: issuance (RFC 8555 7.4 finalize), certificate download (7.4.2,
 * with the alternate chain), serial numbers, and the step the worker's
 * reconciler takes for an issuance that never completed.
 *
 * Owns the SDB_CERTS record (brief4 "Records") and its SDB_CERTS_BY_ACCT
 * entry, and the finalize flow (SECURITY.md S9, write-ahead):
 *   txn 1 (the request's transaction, cert_finalize()): the order must be
 *     ready (read with DB_RMW, so parallel finalizes queue behind it: R14);
 *     the CSR is parsed and checked (csr.c), its key must be no account's
 *     key (R7) and not blocked; a serial is reserved (DB_NOOVERWRITE, S2)
 *     with the planned names, validity and key, and the order becomes
 *     "processing"; commit.
 *   phase 2 (cert_finalize_after(), run by the router with no transaction
 *     open): acmegw-sign starts with its deadline (signing_timeout) and
 *     finalize waits for it at most signing_wait; then
 *   txn 2: the certificate record becomes "valid" (PEM, chain, SPKI, AKI,
 *     dates), the order "valid" with its "cert"; or, when the signer
 *     refused or failed, the record "failed" and the order "invalid"
 *     (cert_abandon()); commit; answer.
 *   When the signer is still running after signing_wait, the answer is
 *   the order as phase 1 left it ("processing", Retry-After), and the
 *   rest (waiting for the signer up to its deadline, then txn 2) is the
 *   response's continuation, which fcgi_run() runs in the same responder
 *   once that answer was sent (struct resp: cont).  A responder that dies
 *   meanwhile leaves the order to the worker's reconciler.
 * Only the transaction that turns the order from ready to processing
 * reserves a serial and runs the signer, so an order is never signed
 * twice; a serial once reserved is never reused ("failed" keeps it).
 *
 * Must never: hold a transaction open while the signer runs; sign for an
 * order that is not its account's; log a CSR, key or certificate body;
 * accept a signer answer that is not exactly the protocol (unknown,
 * missing or mistyped members are a failure) or a certificate whose
 * serial or key is not the one reserved.
 */
#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "acmegw.h"

#define CERT_RESERVE_TRIES	8	/* serial draws before giving up */
#define CERT_PEM_CTYPE		"application/pem-certificate-chain"

/* ------------------------------------------------------------------ */
/* Serials                                                              */
/* ------------------------------------------------------------------ */

/* Lowercase hex of in[0..n) into out (2n + 1 bytes). */
static void
cert_hex(const unsigned char *in, size_t n, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/*
 * Draw a serial (S1): CERT_SERIAL_RAW bytes from gnutls_rnd() at
 * GNUTLS_RND_KEY read as an unsigned number, drawn again if zero, written
 * as the content of a minimal positive DER INTEGER (leading zero bytes
 * dropped, 0x00 prepended when the top bit is set) into der (at least
 * CERT_SERIAL_MAX bytes; *dersz its length) and as lowercase hex into hex
 * (hexsz >= CERT_SERIAL_HEXLEN + 1).  Returns 0, or -1 when the random
 * generator fails (logged).
 */
int
cert_serial_new(unsigned char *der, size_t *dersz, char *hex, size_t hexsz)
{
	unsigned char	 raw[CERT_SERIAL_RAW];
	size_t		 i, n;
	int		 rc = -1;

	if (hexsz < CERT_SERIAL_HEXLEN + 1)
		goto out;
	do {
		if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof(raw)) != 0) {
			log_warnx("cert_serial_new: gnutls_rnd failed");
			goto out;
		}
		for (i = 0; i < sizeof(raw) && raw[i] == 0; i++)
			continue;
	} while (i == sizeof(raw));
	n = 0;
	if (raw[i] & 0x80)
		der[n++] = 0x00;
	memcpy(der + n, raw + i, sizeof(raw) - i);
	n += sizeof(raw) - i;
	*dersz = n;
	cert_hex(der, n, hex);
	rc = 0;
out:
	gnutls_memset(raw, 0, sizeof(raw));
	return rc;
}

/*
 * Predicate: s[0..len) is a serial as SDB_CERTS keys it: lowercase hex of
 * even length, 1 to CERT_SERIAL_MAX bytes, the content of a minimal
 * positive DER INTEGER other than zero.
 */
int
cert_serial_is_valid(const char *s, size_t len)
{
	size_t	 i;
	int	 b0, b1;

	if (len < 2 || len > CERT_SERIAL_HEXLEN || len % 2 != 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	b0 = (s[0] <= '9' ? s[0] - '0' : s[0] - 'a' + 10) << 4 |
	    (s[1] <= '9' ? s[1] - '0' : s[1] - 'a' + 10);
	if (b0 & 0x80)
		return 0;		/* negative */
	if (b0 != 0)
		return 1;
	if (len == 2)
		return 0;		/* zero */
	b1 = (s[2] <= '9' ? s[2] - '0' : s[2] - 'a' + 10);
	return b1 >= 8;			/* 00 only before a top bit */
}

/* ------------------------------------------------------------------ */
/* Records                                                              */
/* ------------------------------------------------------------------ */

/*
 * Reserve a new serial for the certificate record rec (an object holding
 * everything but "serial", which this adds): draw serials until one is
 * stored in txn with DB_NOOVERWRITE (S2; DB_KEYEXIST draws again, at most
 * CERT_RESERVE_TRIES times).  The serial goes to hex (hexsz >=
 * CERT_SERIAL_HEXLEN + 1).  Returns 0, -1 (no randomness, no memory, or
 * every draw existed: logged), or a store error code.
 */
int
cert_reserve(struct store *st, DB_TXN *txn, struct json_object *rec,
    char *hex, size_t hexsz)
{
	unsigned char	 der[CERT_SERIAL_MAX];
	size_t		 dersz;
	unsigned int	 i;
	int		 rc = -1;

	for (i = 0; i < CERT_RESERVE_TRIES; i++) {
		if (cert_serial_new(der, &dersz, hex, hexsz) == -1)
			return -1;
		if (json_object_object_add(rec, "serial",
		    json_object_new_string(hex)) != 0)
			return -1;
		rc = store_put_json(st, txn, SDB_CERTS, hex, rec,
		    DB_NOOVERWRITE);
		if (rc != DB_KEYEXIST)
			break;
		log_warnx("cert_reserve: serial %s exists; drawing again",
		    hex);
	}
	if (rc == DB_KEYEXIST || rc == EINVAL || rc == ENOMEM)
		rc = -1;
	return rc;
}

/*
 * Read certificate record serial in txn (NULL: outside one; flags 0 or
 * DB_RMW) and check its shape: "serial" is serial, "status" and "acct"
 * strings.  Returns 0 with *rec (caller puts), DB_NOTFOUND, -1 for a
 * damaged record (logged), or another store error code.
 */
int
cert_load(struct store *st, DB_TXN *txn, const char *serial, int flags,
    struct json_object **rec)
{
	struct json_object	*r = NULL;
	const char		*s;
	int			 rc;

	*rec = NULL;
	rc = store_get_json(st, txn, SDB_CERTS, serial, flags, &r);
	if (rc == EINVAL)
		rc = -1;
	if (rc != 0)
		goto out;
	if (json_get_str(r, "serial", &s, NULL) != 0 ||
	    strcmp(s, serial) != 0 ||
	    json_get_str(r, "status", &s, NULL) != 0 ||
	    json_get_str(r, "acct", &s, NULL) != 0) {
		log_warnx("cert_load: certificate %s: damaged record", serial);
		rc = -1;
		goto out;
	}
	*rec = r;
	r = NULL;
out:
	json_object_put(r);
	return rc;
}

/*
 * Give up the issuance of reserved serial in txn: its record becomes
 * "failed" (the serial stays taken; a failure after the signer may have
 * signed is "possibly issued", S9) and its order, when still processing,
 * "invalid" with the problem prob and detail.  A record that is no longer
 * "reserved" is left alone.  Returns 0, -1 (damaged record, no memory:
 * logged) or a store error code.
 */
int
cert_abandon(struct store *st, DB_TXN *txn, const char *serial,
    enum acme_prob prob, const char *detail)
{
	struct json_object	*c = NULL, *o = NULL, *err;
	const char		*s, *oid;
	int			 rc;

	if ((rc = cert_load(st, txn, serial, DB_RMW, &c)) != 0)
		goto out;
	(void)json_get_str(c, "status", &s, NULL);
	if (strcmp(s, "reserved") != 0)
		goto out;
	rc = -1;
	if (json_object_object_add(c, "status",
	    json_object_new_string("failed")) != 0)
		goto out;
	if ((rc = store_put_json(st, txn, SDB_CERTS, serial, c, 0)) != 0)
		goto out;
	if (json_get_str(c, "order", &oid, NULL) != 0)
		goto out;
	rc = order_load(st, txn, oid, DB_RMW, &o);
	if (rc == DB_NOTFOUND) {
		rc = 0;
		goto out;
	}
	if (rc != 0)
		goto out;
	if (strcmp(json_object_get_string(json_object_object_get(o,
	    "status")), "processing") != 0)
		goto out;
	rc = -1;
	if ((err = order_problem_obj(prob, detail, NULL)) == NULL)
		goto out;
	if (json_object_object_add(o, "error", err) != 0 ||
	    json_object_object_add(o, "status",
	    json_object_new_string("invalid")) != 0)
		goto out;
	rc = store_put_json(st, txn, SDB_ORDERS, oid, o, 0);
out:
	if (rc == -1)
		log_warnx("cert_abandon: certificate %s could not be marked "
		    "failed", serial);
	json_object_put(o);
	json_object_put(c);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Finalize, phase 1                                                    */
/* ------------------------------------------------------------------ */

/* What phase 2 of one finalize needs; everything owned. */
struct cert_fin {
	char		 order[ACMEGW_ID_LEN + 1];
	char		 acct[ACMEGW_ID_LEN + 1];
	char		 serial[CERT_SERIAL_HEXLEN + 1];
	char		 spki[ACMEGW_THUMB_LEN + 1];
	char		*req;		/* the signer request, JSON text */
	char		*replaces;	/* the order's certID, or NULL */
	const struct conf *conf;	/* phase 2: borrowed */
	struct store	*store;		/* phase 2: borrowed */
	struct helper	*h;		/* the signer, once started */
	char		 herr[256];	/* why it could not start */
};

static void
cert_fin_free(void *arg)
{
	struct cert_fin	*f = arg;

	if (f == NULL)
		return;
	helper_free(f->h);		/* kills a signer still running */
	free(f->req);
	free(f->replaces);
	free(f);
}

static void	cert_finalize_after(struct ctx *, void *);

/* Add member key = integer v to o; 0 or -1. */
static int
cert_add_int(struct json_object *o, const char *key, int64_t v)
{
	return json_object_object_add(o, key, json_object_new_int64(v));
}

/* Add member key = string v to o; 0 or -1. */
static int
cert_add_str(struct json_object *o, const char *key, const char *v)
{
	struct json_object	*s;

	if ((s = json_object_new_string(v)) == NULL)
		return -1;
	return json_object_object_add(o, key, s);
}

/* Add a deep copy of v (borrowed) as member key of o; 0 or -1. */
static int
cert_add_copy(struct json_object *o, const char *key, struct json_object *v)
{
	struct json_object	*c = NULL;

	if (json_object_deep_copy(v, &c, NULL) != 0)
		return -1;
	if (json_object_object_add(o, key, c) != 0) {
		json_object_put(c);
		return -1;
	}
	return 0;
}

/*
 * Whether a key is one of an account (R7) or blocked by a keyCompromise
 * revocation: 1 with the refusal in perr, 0 if neither, or a store error
 * code.
 */
static int
cert_key_refused(struct ctx *ctx, DB_TXN *txn, const struct csr *csr,
    struct perr *perr)
{
	void	*v = NULL;
	size_t	 vsz;
	int	 rc;

	rc = store_get(ctx->store, txn, SDB_ACCTKEYS, csr->key->thumb,
	    strlen(csr->key->thumb), 0, &v, &vsz);
	free(v);
	v = NULL;
	if (rc == 0) {
		perr_set(perr, ACME_PROB_BAD_CSR, "the CSR's public key is "
		    "the key of an ACME account; certificates need a key of "
		    "their own");
		return 1;
	}
	if (rc != DB_NOTFOUND)
		return rc;
	rc = store_get(ctx->store, txn, SDB_BLOCKED_KEYS, csr->spki_b64,
	    strlen(csr->spki_b64), 0, &v, &vsz);
	free(v);
	if (rc == 0) {
		perr_set(perr, ACME_PROB_BAD_CSR, "the CSR's public key was "
		    "reported compromised and is blocked; use a new key");
		return 1;
	}
	return rc == DB_NOTFOUND ? 0 : rc;
}

/*
 * The planned certificate (the reserved record without "serial") and the
 * signer request for it; the request's "serial" is added by the caller.
 * Returns 0 or -1 (no memory).
 */
static int
cert_plan(struct ctx *ctx, struct json_object *order, const struct csr *csr,
    const struct profile *prof, const char *csrb64, struct json_object **recp,
    struct json_object **reqp)
{
	struct json_object	*rec = NULL, *req = NULL, *ids;
	const char		*oid, *thumb = "";
	int64_t			 nb, na;
	int			 rc = -1;

	*recp = *reqp = NULL;
	if (json_get_str(order, "id", &oid, NULL) != 0 ||
	    json_get_array(order, "identifiers", &ids) != 0)
		goto out;
	if (json_get_int(order, "notBefore", 0, INT64_MAX - 1, &nb) != 0)
		nb = (int64_t)ctx->now;
	if (json_get_int(order, "notAfter", 0, INT64_MAX - 1, &na) != 0)
		na = nb + (int64_t)prof->validity;
	if (ctx->acct != NULL)
		(void)json_get_str(ctx->acct, "thumb", &thumb, NULL);
	if ((rec = json_object_new_object()) == NULL ||
	    cert_add_int(rec, "v", ACMEGW_SCHEMA) != 0 ||
	    cert_add_str(rec, "status", "reserved") != 0 ||
	    cert_add_str(rec, "acct", ctx->acct_id) != 0 ||
	    cert_add_str(rec, "order", oid) != 0 ||
	    cert_add_str(rec, "profile", prof->name) != 0 ||
	    cert_add_int(rec, "created", (int64_t)ctx->now) != 0 ||
	    cert_add_int(rec, "not_before", nb) != 0 ||
	    cert_add_int(rec, "not_after", na) != 0 ||
	    cert_add_copy(rec, "identifiers", ids) != 0 ||
	    cert_add_str(rec, "spki", csr->spki_b64) != 0)
		goto out;
	if ((req = json_object_new_object()) == NULL ||
	    cert_add_int(req, "v", ACMEGW_SCHEMA) != 0 ||
	    cert_add_str(req, "op", "sign") != 0 ||
	    cert_add_str(req, "csr", csrb64) != 0 ||
	    cert_add_copy(req, "identifiers", ids) != 0 ||
	    cert_add_int(req, "not_before", nb) != 0 ||
	    cert_add_int(req, "not_after", na) != 0 ||
	    cert_add_str(req, "profile", prof->name) != 0 ||
	    cert_add_str(req, "account_thumb", thumb) != 0)
		goto out;
	*recp = rec;
	*reqp = req;
	rec = req = NULL;
	rc = 0;
out:
	json_object_put(req);
	json_object_put(rec);
	return rc;
}

/*
 * POST /finalize/ID (RFC 8555 7.4), by the order's account, phase 1 (see
 * the file comment).  A processing or valid order is answered as it is
 * (never signed twice: R14); pending or invalid is orderNotReady (R1).
 * The payload is {"csr": unpadded base64url DER} (padding or PEM armour:
 * malformed, R13); CSR refusals are badCSR or badPublicKey (csr.c, R7,
 * blocked keys).  On success the serial is reserved, the order is
 * processing, the response is that order (phase 2 replaces it) and
 * ctx->after is set to run the signer once this transaction committed.
 * Returns 0, -1 (refused, problem set) or a store error code.
 */
int
cert_finalize(struct ctx *ctx, DB_TXN *txn)
{
	const struct conf	*conf = ctx->conf;
	const struct profile	*prof;
	struct json_object	*order = NULL, *rec = NULL, *req = NULL, *ids;
	struct cert_fin		*f = NULL;
	struct csr		 csr;
	struct perr		 e;
	unsigned char		*der = NULL;
	const char		*s, *b64, *pname = NULL, *oid, *text;
	size_t			 b64len, dersz;
	int			 rc, have_csr = 0;

	memset(&e, 0, sizeof(e));
	memset(&csr, 0, sizeof(csr));
	if ((rc = order_own(ctx, txn, &order)) != 0)
		goto out;
	rc = -1;
	s = json_object_get_string(json_object_object_get(order, "status"));
	(void)json_get_str(order, "id", &oid, NULL);
	if (strcmp(s, "processing") == 0 || strcmp(s, "valid") == 0) {
		/* R14: finalized already; answer what there is. */
		/*
		 * No Location on finalize answers (RFC 8555 does not ask for
		 * one): Apache's mod_fcgid and mod_cgi turn any 200 that
		 * carries a Location into a 302 redirect.
		 */
		rc = order_reply(ctx, order, 200, NULL);
		goto out;
	}
	if (strcmp(s, "ready") != 0) {
		problem_set(ctx->resp, ACME_PROB_ORDER_NOT_READY,
		    "order is %s: %s", s, strcmp(s, "pending") == 0 ?
		    "every authorization must be valid before finalize" :
		    "it can no longer be finalized; place a new order");
		goto out;
	}
	if (ctx->payload == NULL ||
	    json_get_str(ctx->payload, "csr", &b64, &b64len) != 0) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED, "finalize needs "
		    "{\"csr\": the base64url DER of a PKCS#10 request}");
		goto out;
	}
	if (b64len == 0 || b64url_decode(b64, b64len, &der, &dersz) == -1) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED, "\"csr\" must be "
		    "the DER request in unpadded base64url, without PEM "
		    "armour, padding or white space");
		goto out;
	}
	have_csr = 1;
	if (csr_parse(der, dersz, &csr, &e) != ACME_PROB_NONE) {
		problem_perr(ctx->resp, &e);
		goto out;
	}
	(void)json_get_str(order, "profile", &pname, NULL);
	if ((prof = conf_profile(conf, pname)) == NULL) {
		problem_set(ctx->resp, ACME_PROB_INVALID_PROFILE, "the "
		    "order's profile is no longer offered; place a new order");
		goto out;
	}
	if (json_get_array(order, "identifiers", &ids) != 0)
		goto nomem;
	if (csr_check(&csr, ids, prof, &e) != ACME_PROB_NONE) {
		problem_perr(ctx->resp, &e);
		goto out;
	}
	if ((rc = cert_key_refused(ctx, txn, &csr, &e)) == 1)
		problem_perr(ctx->resp, &e);
	if (rc != 0) {
		rc = rc == 1 ? -1 : rc;
		goto out;
	}
	rc = -1;

	/* Write-ahead (S9): reserve, then the order is processing. */
	if (cert_plan(ctx, order, &csr, prof, b64, &rec, &req) == -1 ||
	    (f = calloc(1, sizeof(*f))) == NULL)
		goto nomem;
	if ((rc = cert_reserve(ctx->store, txn, rec, f->serial,
	    sizeof(f->serial))) != 0) {
		if (rc == -1)
			goto nomem;
		goto out;
	}
	rc = -1;
	if (json_object_object_add(order, "status",
	    json_object_new_string("processing")) != 0)
		goto nomem;
	if ((rc = store_put_json(ctx->store, txn, SDB_ORDERS, oid, order,
	    0)) != 0)
		goto out;
	rc = -1;
	if (cert_add_str(req, "serial", f->serial) != 0 ||
	    (text = json_compact(req)) == NULL ||
	    (f->req = strdup(text)) == NULL)
		goto nomem;
	if (json_get_str(order, "replaces", &s, NULL) == 0 &&
	    (f->replaces = strdup(s)) == NULL)
		goto nomem;
	snprintf(f->order, sizeof(f->order), "%s", oid);
	snprintf(f->acct, sizeof(f->acct), "%s", ctx->acct_id);
	snprintf(f->spki, sizeof(f->spki), "%s", csr.spki_b64);
	if (order_reply(ctx, order, 200, NULL) == -1)
		goto out;
	log_info("order %s: serial %s reserved; signing", oid, f->serial);
	ctx->after = cert_finalize_after;
	ctx->after_free = cert_fin_free;
	ctx->after_arg = f;
	f = NULL;
	rc = 0;
	goto out;
nomem:
	problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
	    "the issuance could not be prepared");
	rc = -1;
out:
	cert_fin_free(f);
	json_object_put(req);
	json_object_put(rec);
	json_object_put(order);
	if (have_csr)
		csr_clear(&csr);
	free(der);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Finalize, phase 2                                                    */
/* ------------------------------------------------------------------ */

/* The signer's answer, checked; strings borrow json. */
struct cert_ans {
	struct json_object *json;
	int		 ok;		/* 1 "ok", 0 "refused" */
	const char	*cert, *chain, *alt;	/* ok */
	enum acme_prob	 prob;		/* refused */
	const char	*detail;	/* refused */
};

/*
 * Parse the signer's answer text[0..len) strictly (brief4 "Signer
 * protocol"): {"v":1,"status":"ok","cert","chain","alt_chain"?} or
 * {"v":1,"status":"refused","error":{"type","detail"}}; nothing else.
 * A refusal's type must be a problem type this server knows.
 * Returns 0 with *a filled in (json_object_put(a->json) after), or -1
 * with a reason in why (whysz bytes).
 */
static int
cert_answer_parse(const char *text, size_t len, struct cert_ans *a,
    char *why, size_t whysz)
{
	static const char *const ok_m[] = { "v", "status", "cert", "chain",
	    "alt_chain", NULL };
	static const char *const ref_m[] = { "v", "status", "error", NULL };
	static const char *const err_m[] = { "type", "detail", NULL };
	struct json_object	*err;
	const char		*status, *type;
	int64_t			 v;
	int			 r;
	enum acme_prob		 p;

	memset(a, 0, sizeof(*a));
	if ((a->json = json_parse_strict(text, len, NULL)) == NULL) {
		snprintf(why, whysz, "the answer is not one JSON object");
		return -1;
	}
	if (json_get_int(a->json, "v", 1, 1, &v) != 0 ||
	    json_get_str(a->json, "status", &status, NULL) != 0) {
		snprintf(why, whysz, "\"v\" or \"status\" missing or wrong");
		goto bad;
	}
	if (strcmp(status, "ok") == 0) {
		if (json_only_members(a->json, ok_m, NULL) != 0 ||
		    json_get_str(a->json, "cert", &a->cert, NULL) != 0 ||
		    json_get_str(a->json, "chain", &a->chain, NULL) != 0 ||
		    (r = json_get_str(a->json, "alt_chain", &a->alt,
		    NULL)) == -1) {
			snprintf(why, whysz, "an \"ok\" answer with missing, "
			    "unknown or mistyped members");
			goto bad;
		}
		if (r == 1)
			a->alt = NULL;
		a->ok = 1;
		return 0;
	}
	if (strcmp(status, "refused") != 0) {
		snprintf(why, whysz, "unknown \"status\"");
		goto bad;
	}
	if (json_only_members(a->json, ref_m, NULL) != 0 ||
	    json_get_obj(a->json, "error", &err) != 0 ||
	    json_only_members(err, err_m, NULL) != 0 ||
	    json_get_str(err, "type", &type, NULL) != 0 ||
	    json_get_str(err, "detail", &a->detail, NULL) != 0) {
		snprintf(why, whysz, "a refusal with missing, unknown or "
		    "mistyped members");
		goto bad;
	}
	for (p = ACME_PROB_MALFORMED; p < ACME_PROB__MAX; p++)
		if (strcmp(acme_prob_type[p], type) == 0)
			break;
	if (p == ACME_PROB__MAX) {
		snprintf(why, whysz, "a refusal of an unknown type");
		goto bad;
	}
	a->prob = p;
	return 0;
bad:
	json_object_put(a->json);
	a->json = NULL;
	return -1;
}

/* What a signed certificate says, checked against the reservation. */
struct cert_facts {
	int64_t		 not_before, not_after;
	char		 aki[128];	/* base64url of the keyIdentifier */
};

/*
 * Check the leaf PEM the signer returned: one certificate whose serial is
 * serial (hex) and whose key's SPKI SHA-256 is spki (base64url), with an
 * authority key identifier.  Fills in *facts.  Returns 0, or -1 with a
 * reason in why.
 */
static int
cert_inspect(const char *pem, const char *serial, const char *spki,
    struct cert_facts *facts, char *why, size_t whysz)
{
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_pubkey_t		 pub = NULL;
	gnutls_datum_t		 d, der = { NULL, 0 };
	unsigned char		 buf[64], h[32], *sp;
	char			 hex[2 * sizeof(buf) + 1], b64[64];
	size_t			 sz;
	unsigned int		 crit;
	time_t			 t;
	int			 rc = -1;

	d.data = (unsigned char *)(uintptr_t)pem;
	d.size = (unsigned int)strlen(pem);
	if (gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) < 0) {
		snprintf(why, whysz, "the certificate does not parse");
		goto out;
	}
	sz = sizeof(buf);
	if (gnutls_x509_crt_get_serial(crt, buf, &sz) < 0 || sz == 0) {
		snprintf(why, whysz, "the certificate has no serial");
		goto out;
	}
	for (sp = buf; sz > 1 && sp[0] == 0 && (sp[1] & 0x80) == 0; sp++)
		sz--;
	cert_hex(sp, sz, hex);
	if (strcmp(hex, serial) != 0) {
		snprintf(why, whysz, "the certificate has another serial");
		goto out;
	}
	if (gnutls_pubkey_init(&pub) < 0 ||
	    gnutls_pubkey_import_x509(pub, crt, 0) < 0 ||
	    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der) < 0 ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, h) < 0 ||
	    b64url_encode(h, sizeof(h), b64, sizeof(b64)) == -1) {
		snprintf(why, whysz, "the certificate's key cannot be read");
		goto out;
	}
	if (strcmp(b64, spki) != 0) {
		snprintf(why, whysz, "the certificate is for another key");
		goto out;
	}
	sz = sizeof(buf);
	if (gnutls_x509_crt_get_authority_key_id(crt, buf, &sz, &crit) < 0 ||
	    sz == 0 || b64url_encode(buf, sz, facts->aki,
	    sizeof(facts->aki)) == -1) {
		snprintf(why, whysz, "the certificate has no authority key "
		    "identifier");
		goto out;
	}
	if ((t = gnutls_x509_crt_get_activation_time(crt)) == (time_t)-1)
		goto dates;
	facts->not_before = (int64_t)t;
	if ((t = gnutls_x509_crt_get_expiration_time(crt)) == (time_t)-1)
		goto dates;
	facts->not_after = (int64_t)t;
	if (facts->not_after <= facts->not_before)
		goto dates;
	rc = 0;
	goto out;
dates:
	snprintf(why, whysz, "the certificate's validity cannot be read");
out:
	gnutls_free(der.data);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

/*
 * The full chain, leaf first, of leaf and the signer's chain: chain as it
 * is when it begins with the leaf, else leaf followed by chain.  Returns
 * a malloc'd string or NULL.
 */
static char *
cert_chain_join(const char *leaf, const char *chain)
{
	char		*s;
	const char	*nl;
	size_t		 llen = strlen(leaf), sz;

	if (strncmp(chain, leaf, llen) == 0)
		return strdup(chain);
	nl = llen > 0 && leaf[llen - 1] != '\n' ? "\n" : "";
	sz = llen + strlen(nl) + strlen(chain) + 1;
	if ((s = malloc(sz)) != NULL)
		snprintf(s, sz, "%s%s%s", leaf, nl, chain);
	return s;
}

/* Transaction 2 of one finalize: inputs, and the order it leaves. */
struct cert_done {
	struct store		*st;
	const struct cert_fin	*f;
	int			 ok;		/* store the certificate */
	const struct cert_ans	*ans;
	const struct cert_facts	*facts;
	const char		*chain, *alt;	/* full chains */
	enum acme_prob		 prob;		/* !ok */
	const char		*detail;	/* !ok */
	int			 lost;		/* reservation gone */
	struct json_object	*order;		/* after commit */
};

static int
cert_done_txn(DB_TXN *txn, void *arg)
{
	struct cert_done	*d = arg;
	struct store		*st = d->st;
	struct json_object	*c = NULL;
	const struct cert_fin	*f = d->f;
	unsigned char		 key[ACMEGW_ID_LEN + CERT_SERIAL_HEXLEN];
	const char		*s;
	size_t			 slen;
	int			 rc;

	json_object_put(d->order);
	d->order = NULL;
	d->lost = 0;
	if (!d->ok) {
		if ((rc = cert_abandon(st, txn, f->serial, d->prob,
		    d->detail)) != 0)
			goto out;
		goto order;
	}
	if ((rc = cert_load(st, txn, f->serial, DB_RMW, &c)) != 0)
		goto out;
	(void)json_get_str(c, "status", &s, NULL);
	if (strcmp(s, "reserved") != 0) {
		d->lost = 1;
		goto order;
	}
	rc = -1;
	if (cert_add_str(c, "status", "valid") != 0 ||
	    cert_add_int(c, "not_before", d->facts->not_before) != 0 ||
	    cert_add_int(c, "not_after", d->facts->not_after) != 0 ||
	    cert_add_str(c, "aki", d->facts->aki) != 0 ||
	    cert_add_str(c, "pem", d->ans->cert) != 0 ||
	    cert_add_str(c, "chain", d->chain) != 0 ||
	    (d->alt != NULL && cert_add_str(c, "alt_chain", d->alt) != 0))
		goto out;
	if ((rc = store_put_json(st, txn, SDB_CERTS, f->serial, c, 0)) != 0)
		goto out;
	slen = strlen(f->serial);
	memcpy(key, f->acct, ACMEGW_ID_LEN);
	memcpy(key + ACMEGW_ID_LEN, f->serial, slen);
	if ((rc = store_put(st, txn, SDB_CERTS_BY_ACCT, key,
	    ACMEGW_ID_LEN + slen, NULL, 0, 0)) != 0)
		goto out;
	if ((rc = order_load(st, txn, f->order, DB_RMW, &d->order)) != 0)
		goto out;
	rc = -1;
	if (cert_add_str(d->order, "status", "valid") != 0 ||
	    cert_add_str(d->order, "cert", f->serial) != 0)
		goto out;
	if ((rc = store_put_json(st, txn, SDB_ORDERS, f->order, d->order,
	    0)) != 0)
		goto out;
	if (f->replaces != NULL &&
	    (rc = ari_mark_replaced(st, txn, f->replaces, f->order)) != 0) {
		if (rc != -1)
			goto out;
		log_warnx("order %s: the certificate it replaces could not "
		    "be marked", f->order);
	}
	rc = 0;
	goto out;
order:
	rc = order_load(st, txn, f->order, 0, &d->order);
out:
	json_object_put(c);
	return rc;
}

/* Milliseconds of CLOCK_MONOTONIC. */
static uint64_t
cert_clock_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Start the signer for f (f->h), or, when it cannot be started, leave
 * f->h NULL with the reason in f->herr.
 */
static void
cert_sign_start(struct cert_fin *f)
{
	const struct conf	*conf = f->conf;
	char			*argv[4];

	argv[0] = conf->signer_path;
	argv[1] = conf->path != NULL ? "-f" : NULL;
	argv[2] = conf->path;
	argv[3] = NULL;
	f->herr[0] = '\0';
	if (conf->signer_path == NULL)
		snprintf(f->herr, sizeof(f->herr), "no signer_path is "
		    "configured");
	else
		f->h = helper_start(conf->signer_path, argv, f->req,
		    strlen(f->req), conf->signing_timeout, f->herr,
		    sizeof(f->herr));
}

/*
 * Drive the signer h (helper_step() and poll()) for at most ms
 * milliseconds, or, when ms is 0, until it is done: its own deadline
 * (signing_timeout from its start) ends it at the latest.  Returns 1 when
 * h is done, 0 when it still runs after ms.
 */
static int
cert_sign_wait(struct helper *h, unsigned int ms)
{
	struct pollfd	 pfd[HELPER_POLLFDS];
	uint64_t	 now, end;
	size_t		 n;
	int		 w;

	end = cert_clock_ms() + ms;
	while (!helper_step(h)) {
		w = helper_wait_ms(h);
		if (ms != 0) {
			if ((now = cert_clock_ms()) >= end)
				return 0;
			if ((uint64_t)w > end - now)
				w = (int)(end - now);
		}
		n = helper_pollfds(h, pfd, HELPER_POLLFDS);
		if (poll(pfd, n, w) == -1 && errno != EINTR) {
			log_warn("order signer: poll");
			helper_kill(h, "poll failed");
		}
	}
	return 1;
}

/*
 * The end of a finalize once the signer is done (or could not start):
 * check its answer, run transaction 2 (see the file comment) and, when
 * ctx is not NULL (the finalize request still waits), answer: 200 with
 * the valid order and its Location, or the signer's refusal as a problem
 * (the order is invalid), or serverInternal (the order is invalid, the
 * serial "failed").  With ctx NULL (the continuation after a "processing"
 * answer) the outcome is only stored and logged; the client sees it when
 * it polls the order.
 */
static void
cert_complete(struct cert_fin *f, struct ctx *ctx)
{
	struct cert_ans		 ans;
	struct cert_facts	 facts;
	struct cert_done	 d;
	const char		*out = NULL;
	char			 why[256], err[256];
	char			*chain = NULL, *alt = NULL;
	size_t			 outsz = 0;
	int			 rc;

	memset(&ans, 0, sizeof(ans));
	memset(&facts, 0, sizeof(facts));
	memset(&d, 0, sizeof(d));
	d.st = f->store;
	d.f = f;
	d.ans = &ans;
	d.facts = &facts;
	d.prob = ACME_PROB_SERVER_INTERNAL;
	d.detail = "signing did not complete";

	err[0] = why[0] = '\0';
	if (f->h == NULL)
		snprintf(why, sizeof(why), "%s", f->herr);
	else if (helper_answer(f->h, &out, &outsz, NULL, err,
	    sizeof(err)) == -1) {
		snprintf(why, sizeof(why), "the signer failed: %s", err);
		if (helper_is_timed_out(f->h))
			d.detail = "signing did not complete in time";
	} else if (cert_answer_parse(out, outsz, &ans, why, sizeof(why)) == -1)
		;
	else if (!ans.ok) {
		d.prob = ans.prob;
		d.detail = ans.detail;
	} else if (cert_inspect(ans.cert, f->serial, f->spki, &facts, why,
	    sizeof(why)) == -1)
		;
	else if ((chain = cert_chain_join(ans.cert, ans.chain)) == NULL ||
	    (ans.alt != NULL &&
	    (alt = cert_chain_join(ans.cert, ans.alt)) == NULL))
		snprintf(why, sizeof(why), "out of memory");
	else {
		d.ok = 1;
		d.chain = chain;
		d.alt = alt;
	}
	if (why[0] != '\0')
		log_warnx("order %s: serial %s: %s; the serial is possibly "
		    "issued", f->order, f->serial, why);
	else if (!d.ok) {
		log_sanitize(err, sizeof(err), d.detail, strlen(d.detail));
		log_info("order %s: serial %s: the signer refused: %s",
		    f->order, f->serial, err);
	}

	rc = store_txn_run(f->store, 0, cert_done_txn, &d);
	if (rc != 0)
		log_warnx("order %s: serial %s: the outcome could not be "
		    "stored: %s", f->order, f->serial, store_strerror(rc));
	else if (d.lost)
		log_warnx("order %s: serial %s: signed after the reservation "
		    "was given up; the serial is possibly issued", f->order,
		    f->serial);
	else if (d.ok)
		log_info("order %s: certificate %s issued%s", f->order,
		    f->serial, ctx == NULL ? " (after answering processing)" :
		    "");
	if (ctx == NULL)
		goto out;

	resp_reset(ctx->resp);
	if (rc != 0)
		problem_set(ctx->resp, rc == STORE_BUSY || rc == STORE_FATAL ?
		    ACME_PROB_UNAVAILABLE : ACME_PROB_SERVER_INTERNAL,
		    "the issuance could not be recorded; the order will "
		    "become invalid");
	else if (d.lost)
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "signing took too long; place a new order");
	else if (!d.ok)
		problem_set(ctx->resp, d.prob, "%s", d.detail);
	else
		(void)order_reply(ctx, d.order, 200, NULL);
out:
	json_object_put(d.order);
	json_object_put(ans.json);
	free(alt);
	free(chain);
}

/*
 * The continuation of a finalize answered "processing" (struct resp:
 * cont; run by fcgi_run() after the response went out, no transaction
 * open): wait for the signer until it is done or killed at its deadline
 * (signing_timeout from its start), then finish as cert_complete() does.
 */
static void
cert_finalize_cont(void *arg)
{
	struct cert_fin	*f = arg;

	assert(f != NULL && f->h != NULL);
	(void)cert_sign_wait(f->h, 0);
	cert_complete(f, NULL);
}

/*
 * Phase 2 of finalize (ctx->after; no transaction open): start the signer
 * with f->req and its deadline (signing_timeout) and wait for it at most
 * signing_wait.  When it is done by then, finish (cert_complete()) and
 * answer with the outcome.  Otherwise the answer stays the one phase 1
 * built (200, the order "processing", Retry-After) and f moves to the
 * response as its continuation (ctx->after_arg becomes NULL): fcgi_run()
 * finishes the issuance once that answer was sent.
 */
static void
cert_finalize_after(struct ctx *ctx, void *arg)
{
	struct cert_fin	*f = arg;

	f->conf = ctx->conf;
	f->store = ctx->store;
	cert_sign_start(f);
	if (f->h != NULL && !cert_sign_wait(f->h, ctx->conf->signing_wait)) {
		if (ctx->resp->cont == NULL) {
			log_info("order %s: serial %s: still signing after "
			    "%u ms; answering processing", f->order,
			    f->serial, ctx->conf->signing_wait);
			ctx->resp->cont = cert_finalize_cont;
			ctx->resp->cont_free = cert_fin_free;
			ctx->resp->cont_arg = f;
			ctx->after_arg = NULL;	/* the response owns f */
			return;
		}
		/* A response has one continuation: wait here instead. */
		(void)cert_sign_wait(f->h, 0);
	}
	cert_complete(f, ctx);
}

/* ------------------------------------------------------------------ */
/* Certificate download                                                 */
/* ------------------------------------------------------------------ */

/*
 * POST-as-GET /cert/SERIAL and /cert/SERIAL/alt (RFC 8555 7.4.2), by the
 * account the certificate was issued to (others: unauthorized, A6): 200,
 * application/pem-certificate-chain, the chain leaf first (the alternate
 * chain on /alt, 404 when there is none).  When an alternate exists, a
 * Link rel="alternate" names the other URL.  Reserved and failed serials
 * are 404.  Returns 0, -1 (refused, problem set) or a store error code.
 */
int
cert_post(struct ctx *ctx, DB_TXN *txn)
{
	struct json_object	*rec = NULL;
	const char		*serial = ctx->route_id, *s, *body, *alt;
	char			 url[1024];
	int			 is_alt, has_alt, rc = -1;

	is_alt = ctx->route_sub != NULL && strcmp(ctx->route_sub, "alt") == 0;
	if (ctx->payload != NULL) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED, "a certificate "
		    "is fetched with POST-as-GET (an empty payload)");
		goto out;
	}
	if (serial == NULL || !cert_serial_is_valid(serial, strlen(serial)))
		goto notfound;
	rc = cert_load(ctx->store, txn, serial, 0, &rec);
	if (rc == DB_NOTFOUND)
		goto notfound;
	if (rc == -1) {
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "the certificate record cannot be read");
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = -1;
	(void)json_get_str(rec, "status", &s, NULL);
	if (strcmp(s, "valid") != 0 && strcmp(s, "revoked") != 0)
		goto notfound;
	(void)json_get_str(rec, "acct", &s, NULL);
	if (strcmp(s, ctx->acct_id) != 0) {
		problem_set(ctx->resp, ACME_PROB_UNAUTHORIZED,
		    "this certificate belongs to another account");
		goto out;
	}
	has_alt = json_get_str(rec, "alt_chain", &alt, NULL) == 0;
	if (is_alt && !has_alt)
		goto notfound;
	if (is_alt)
		body = alt;
	else if (json_get_str(rec, "chain", &body, NULL) != 0) {
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "the certificate record cannot be read");
		goto out;
	}
	if (has_alt && (url_build(ctx->conf, url, sizeof(url), "/cert/%s%s",
	    serial, is_alt ? "" : "/alt") == -1 ||
	    resp_header(ctx->resp, "Link", "<%s>;rel=\"alternate\"",
	    url) == -1))
		goto nomem;
	free(ctx->resp->body);
	if ((ctx->resp->body = strdup(body)) == NULL)
		goto nomem;
	ctx->resp->bodysz = strlen(body);
	ctx->resp->status = 200;
	ctx->resp->ctype = CERT_PEM_CTYPE;
	ctx->resp->prob = ACME_PROB_NONE;
	rc = 0;
	goto out;
notfound:
	problem_set(ctx->resp, ACME_PROB_NOT_FOUND,
	    "there is no certificate at this URL");
	rc = -1;
	goto out;
nomem:
	problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL, "out of memory");
	rc = -1;
out:
	json_object_put(rec);
	return rc;
}

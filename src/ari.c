/*
 * ari.c: ACME Renewal Information (RFC 9773): the renewalInfo resource,
 * certID parsing, the suggested windows, and newOrder "replaces".
 *
 * Owns the certID syntax (base64url(AKI keyIdentifier) "."
 * base64url(serial DER INTEGER content)), the window policy (the last
 * ari_window percent of the validity; a revoked certificate's window lies
 * in the past; renew_at, set by `acmegwctl renew-early`, pulls the window
 * forward to it) and the "replaced_by" member of certificate records.
 *
 * Must never: answer a malformed certID with anything but 400 malformed
 * (never a 500); tell apart "unknown serial" from "wrong issuer" (both
 * 404); let one account name another account's certificate in
 * "replaces" as if it were its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmegw.h"

#define ARI_AKI_MAX		64	/* keyIdentifier bytes accepted */
#define ARI_SERIAL_MAX		20	/* RFC 5280 4.1.2.2 */
#define ARI_PAST_START		(2 * 86400)	/* revoked: now - this */
#define ARI_PAST_END		86400		/* revoked: now - this */
#define ARI_EARLY_LEN		3600	/* renew_at window length */

/*
 * Parse certID s[0..len) strictly: exactly two non-empty parts of
 * canonical unpadded base64url joined by one ".", the first (the AKI
 * keyIdentifier) at most ARI_AKI_MAX bytes, the second the content of a
 * minimal positive non-zero DER INTEGER of at most ARI_SERIAL_MAX bytes.
 * The serial goes to serial as lowercase hex (serialsz >= 2 *
 * ARI_SERIAL_MAX + 1), the AKI part as it was written (it is canonical)
 * to aki (akisz >= b64url_enclen(ARI_AKI_MAX) + 1).  Returns 0, or -1
 * with perr (malformed) set.
 */
int
ari_certid_parse(const char *s, size_t len, char *serial, size_t serialsz,
    char *aki, size_t akisz, struct perr *perr)
{
	static const char	 digits[] = "0123456789abcdef";
	const char		*dot;
	unsigned char		*a = NULL, *sn = NULL;
	size_t			 alen, asz, slen, snsz, i;
	int			 rc = -1;

	if (len == 0 || len > ARI_CERTID_MAX || memchr(s, '\0', len) != NULL)
		goto bad;
	if ((dot = memchr(s, '.', len)) == NULL)
		goto bad;
	alen = (size_t)(dot - s);
	slen = len - alen - 1;
	if (alen == 0 || slen == 0 || memchr(dot + 1, '.', slen) != NULL)
		goto bad;
	if (b64url_decode(s, alen, &a, &asz) == -1 || asz == 0 ||
	    asz > ARI_AKI_MAX || alen + 1 > akisz)
		goto bad;
	if (b64url_decode(dot + 1, slen, &sn, &snsz) == -1 || snsz == 0 ||
	    snsz > ARI_SERIAL_MAX || 2 * snsz + 1 > serialsz)
		goto bad;
	if ((sn[0] & 0x80) != 0 ||			/* negative */
	    (sn[0] == 0 && (snsz == 1 || (sn[1] & 0x80) == 0)))
		goto bad;				/* zero, not minimal */
	for (i = 0; i < snsz; i++) {
		serial[2 * i] = digits[sn[i] >> 4];
		serial[2 * i + 1] = digits[sn[i] & 0xf];
	}
	serial[2 * snsz] = '\0';
	memcpy(aki, s, alen);
	aki[alen] = '\0';
	rc = 0;
	goto out;
bad:
	if (perr != NULL)
		perr_set(perr, ACME_PROB_MALFORMED, "a certID is "
		    "base64url(authority key identifier) \".\" "
		    "base64url(serial number DER content), unpadded "
		    "(RFC 9773 4.1)");
out:
	free(sn);
	free(a);
	return rc;
}

/*
 * The suggested renewal window of certificate record rec at now, into
 * *start and *end (end > start): the last conf->ari_window percent of
 * [not_before, not_after]; for a revoked certificate a window in the past
 * ([now - 2 days, now - 1 day]: renew at once); when "renew_at" is set
 * and earlier than that window's start, [renew_at, renew_at + 1 hour]
 * (capped at not_after).  Returns 0, or -1 when the record lacks valid
 * dates.
 */
int
ari_window(const struct conf *conf, struct json_object *rec, time_t now,
    time_t *start, time_t *end)
{
	const char	*status;
	int64_t		 nb, na, ra, len, s, e;
	unsigned int	 pct = conf->ari_window;

	if (json_get_int(rec, "not_before", 0, INT64_MAX - 1, &nb) != 0 ||
	    json_get_int(rec, "not_after", 0, INT64_MAX - 1, &na) != 0 ||
	    na <= nb)
		return -1;
	if (json_get_str(rec, "status", &status, NULL) == 0 &&
	    strcmp(status, "revoked") == 0) {
		*start = now - ARI_PAST_START;
		*end = now - ARI_PAST_END;
		return 0;
	}
	if (pct == 0 || pct > 100)
		pct = 33;
	len = (na - nb) / 100 * (int64_t)pct + (na - nb) % 100 *
	    (int64_t)pct / 100;
	if (len < 2)
		len = 2;
	s = na - len;
	e = na;
	if (json_get_int(rec, "renew_at", 0, INT64_MAX - 1, &ra) == 0 &&
	    ra < s) {
		s = ra;
		e = ra + ARI_EARLY_LEN < na ? ra + ARI_EARLY_LEN : na;
	}
	*start = (time_t)s;
	*end = (time_t)e;
	return 0;
}

/*
 * Find the issued certificate certID names (s[0..len)): parse it, load
 * its record (valid or revoked only) and compare the AKI.  Returns 0 with
 * *rec (caller puts) and the serial in serial (2 * ARI_SERIAL_MAX + 1
 * bytes), -1 for a malformed certID (perr set), DB_NOTFOUND when no
 * issued certificate matches, or another store error code (-1 from a
 * damaged record becomes EINVAL).
 */
static int
ari_find(struct store *st, DB_TXN *txn, const char *s, size_t len, int flags,
    struct json_object **rec, char *serial, struct perr *perr)
{
	struct json_object	*r = NULL;
	char			 aki[128];
	const char		*v;
	int			 rc;

	*rec = NULL;
	if (ari_certid_parse(s, len, serial, 2 * ARI_SERIAL_MAX + 1, aki,
	    sizeof(aki), perr) == -1)
		return -1;
	if (strlen(serial) > CERT_SERIAL_HEXLEN)
		return DB_NOTFOUND;
	rc = cert_load(st, txn, serial, flags, &r);
	if (rc == -1)
		rc = EINVAL;
	if (rc != 0)
		goto out;
	rc = DB_NOTFOUND;
	(void)json_get_str(r, "status", &v, NULL);
	if (strcmp(v, "valid") != 0 && strcmp(v, "revoked") != 0)
		goto out;
	if (json_get_str(r, "aki", &v, NULL) != 0 || strcmp(v, aki) != 0)
		goto out;
	*rec = r;
	r = NULL;
	rc = 0;
out:
	json_object_put(r);
	return rc;
}

/*
 * GET /renewal-info/CERTID (RFC 9773 4.2; ctx->route_id is the rest of
 * the path): 200 {"suggestedWindow":{"start","end"}} (RFC 3339) with
 * Retry-After ARI_RETRY_AFTER; 400 malformed for a malformed certID, 404
 * for an unknown one or another issuer's, 503 when the store is busy.
 */
void
ari_get(struct ctx *ctx)
{
	struct json_object	*rec = NULL, *o = NULL, *w = NULL;
	struct perr		 e;
	const char		*id;
	char			 serial[2 * ARI_SERIAL_MAX + 1];
	char			 a[32], b[32];
	time_t			 start, end;
	int			 rc;

	memset(&e, 0, sizeof(e));
	id = ctx->route_id != NULL ? ctx->route_id : "";
	rc = ari_find(ctx->store, NULL, id, strlen(id), 0, &rec, serial, &e);
	if (rc == -1) {
		problem_perr(ctx->resp, &e);
		goto out;
	}
	if (rc == DB_NOTFOUND) {
		problem_set(ctx->resp, ACME_PROB_NOT_FOUND,
		    "no certificate of this server has this certID");
		goto out;
	}
	if (rc != 0) {
		log_warnx("ari_get: %s", store_strerror(rc));
		problem_set(ctx->resp, rc == EINVAL ?
		    ACME_PROB_SERVER_INTERNAL : ACME_PROB_UNAVAILABLE,
		    "the certificate record cannot be read now");
		goto out;
	}
	if (ari_window(ctx->conf, rec, ctx->now, &start, &end) == -1 ||
	    order_time_str(start, a, sizeof(a)) == -1 ||
	    order_time_str(end, b, sizeof(b)) == -1) {
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "the certificate record has no valid dates");
		goto out;
	}
	if ((o = json_object_new_object()) == NULL ||
	    (w = json_object_new_object()) == NULL ||
	    json_object_object_add(w, "start",
	    json_object_new_string(a)) != 0 ||
	    json_object_object_add(w, "end",
	    json_object_new_string(b)) != 0 ||
	    json_object_object_add(o, "suggestedWindow", w) != 0) {
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "out of memory");
		goto out;
	}
	w = NULL;
	if (resp_json(ctx->resp, 200, o) == 0)
		(void)resp_header(ctx->resp, "Retry-After", "%d",
		    ARI_RETRY_AFTER);
out:
	json_object_put(w);
	json_object_put(o);
	json_object_put(rec);
}

/*
 * Check newOrder "replaces" (RFC 9773 5), certID s[0..len), for the
 * request's account ordering identifiers ids[0..n): it must name an
 * issued certificate of this server (else malformed), of this account
 * (else unauthorized), not replaced yet (else alreadyReplaced), sharing
 * at least one identifier with the order (else malformed).  Returns 0,
 * -1 with perr, or a store error code.
 */
int
ari_replaces_check(struct ctx *ctx, DB_TXN *txn, const char *s, size_t len,
    const struct ident *ids, size_t n, struct perr *perr)
{
	struct json_object	*rec = NULL, *list, *el;
	const char		*v, *type, *value;
	char			 serial[2 * ARI_SERIAL_MAX + 1];
	size_t			 i, j, m;
	int			 rc;

	rc = ari_find(ctx->store, txn, s, len, 0, &rec, serial, perr);
	if (rc == -1) {
		perr_set(perr, ACME_PROB_MALFORMED, "\"replaces\" is not a "
		    "certID: base64url(authority key identifier) \".\" "
		    "base64url(serial)");
		goto out;
	}
	if (rc == DB_NOTFOUND || rc == EINVAL) {
		perr_set(perr, ACME_PROB_MALFORMED, "\"replaces\" names no "
		    "certificate issued by this server");
		rc = -1;
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = -1;
	(void)json_get_str(rec, "acct", &v, NULL);
	if (strcmp(v, ctx->acct_id) != 0) {
		perr_set(perr, ACME_PROB_UNAUTHORIZED, "the certificate "
		    "\"replaces\" names was issued to another account");
		goto out;
	}
	if (json_get_str(rec, "replaced_by", &v, NULL) == 0) {
		perr_set(perr, ACME_PROB_ALREADY_REPLACED, "the certificate "
		    "\"replaces\" names was replaced already by order %s", v);
		goto out;
	}
	if (json_get_array(rec, "identifiers", &list) != 0) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL, "the certificate "
		    "record cannot be read");
		goto out;
	}
	m = json_object_array_length(list);
	for (i = 0; i < m; i++) {
		el = json_object_array_get_idx(list, i);
		if (json_get_str(el, "type", &type, NULL) != 0 ||
		    json_get_str(el, "value", &value, NULL) != 0)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(type, ident_type_str(&ids[j])) == 0 &&
			    strcmp(value, ids[j].value) == 0) {
				rc = 0;
				goto out;
			}
	}
	perr_set(perr, ACME_PROB_MALFORMED, "the certificate \"replaces\" "
	    "names shares no identifier with this order");
out:
	json_object_put(rec);
	return rc;
}

/*
 * Record in txn that order order_id replaced the certificate certID names
 * (set its "replaced_by" unless set already).  Returns 0, -1 (certID
 * malformed or unknown, record damaged: nothing written) or a store error
 * code.
 */
int
ari_mark_replaced(struct store *st, DB_TXN *txn, const char *certid,
    const char *order_id)
{
	struct json_object	*rec = NULL;
	char			 serial[2 * ARI_SERIAL_MAX + 1];
	int			 rc;

	rc = ari_find(st, txn, certid, strlen(certid),
	    txn != NULL ? DB_RMW : 0, &rec, serial, NULL);
	if (rc == DB_NOTFOUND || rc == EINVAL)
		rc = -1;
	if (rc != 0)
		goto out;
	if (json_object_object_get_ex(rec, "replaced_by", NULL))
		goto out;
	rc = -1;
	if (json_object_object_add(rec, "replaced_by",
	    json_object_new_string(order_id)) != 0)
		goto out;
	rc = store_put_json(st, txn, SDB_CERTS, serial, rec, 0);
out:
	json_object_put(rec);
	return rc;
}

/*
 * order.c: orders (RFC 8555 7.1.3, 7.1.6, 7.4): newOrder (with
 * draft-aaron-acme-profiles "profile" and RFC 9773 "replaces"), the order
 * resource, the order status machine, and the RFC 3339 times every object
 * shows.  Finalize and issuance live in cert.c.
 *
 * Owns the SDB_ORDERS record format (brief "Records": v, id, acct,
 * status, expires, created, identifiers (normalised, sorted, wildcards
 * keep "*."), authzs (same order), notBefore, notAfter, error; issue 4:
 * profile (when the client named one, or the one its EAB key's
 * "profiles" list imposed), replaces (a certID), cert (the
 * serial, once valid)) and its
 * SDB_ORDERS_BY_ACCT entry (account id || order id, empty value), both
 * written in one transaction.  order_refresh() is the one place that
 * computes an order's status from its authorizations and its expiry; the
 * worker only ever writes challenges and authorizations.
 *
 * Must never: accept a profile that is not configured, or one that the
 * account's EAB key does not list (invalidProfile), or a "replaces"
 * that ari_replaces_check() refused, accept more than max_identifiers
 * identifiers (X2), let an identifier past ident_parse()
 * and ident_is_allowed() unchecked (R4 lives there), let an account read
 * or finalize another account's order (A6), or log identifiers
 * unsanitised.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acmegw.h"

#define ORDER_RETRY_AFTER	3	/* seconds, pending and processing */
#define ORDER_NB_PAST		3600	/* notBefore may be this far back */
#define ORDER_VALUE_ECHO_MAX	255	/* raw identifier values echoed */

/* ------------------------------------------------------------------ */
/* Times                                                                */
/* ------------------------------------------------------------------ */

/*
 * Write t as an RFC 3339 UTC date-time ("2026-11-28T14:00:00Z") into buf
 * (bufsz >= 21).  Returns 0, or -1 when t cannot be shown or buf is too
 * small (buf is then "").
 */
int
order_time_str(time_t t, char *buf, size_t bufsz)
{
	struct tm	 tm;

	if (bufsz > 0)
		buf[0] = '\0';
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		if (bufsz > 0)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}

/* The n decimal digits at s as a number, or -1 if one is not a digit. */
static int
order_digits(const char *s, size_t n)
{
	int	 v = 0;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
order_days(int64_t y, int64_t m, int64_t d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * Parse s (len bytes) as an RFC 3339 date-time, strictly:
 * YYYY-MM-DD "T" hh:mm:ss, optional fraction of 1 to 9 digits (dropped),
 * then "Z" or +hh:mm / -hh:mm ("t" and "z" allowed, as RFC 3339 5.6 says).
 * Every field must be in range (no leap second, day within its month), the
 * year 1970 or later.  Returns 0 with *t, or -1.
 */
int
order_time_parse(const char *s, size_t len, time_t *t)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int	 y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0, dim;
	size_t	 p, f;
	int64_t	 v;

	if (len < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return -1;
	if ((y = order_digits(s, 4)) == -1 ||
	    (mo = order_digits(s + 5, 2)) == -1 ||
	    (d = order_digits(s + 8, 2)) == -1 ||
	    (h = order_digits(s + 11, 2)) == -1 ||
	    (mi = order_digits(s + 14, 2)) == -1 ||
	    (sec = order_digits(s + 17, 2)) == -1)
		return -1;
	p = 19;
	if (s[p] == '.') {
		for (f = 0, p++; p < len && s[p] >= '0' && s[p] <= '9'; p++)
			f++;
		if (f == 0 || f > 9)
			return -1;
	}
	if (p < len && (s[p] == 'Z' || s[p] == 'z') && p + 1 == len)
		p++;
	else if (p < len && (s[p] == '+' || s[p] == '-') && p + 6 == len &&
	    s[p + 3] == ':') {
		sign = s[p] == '-' ? -1 : 1;
		if ((oh = order_digits(s + p + 1, 2)) == -1 ||
		    (om = order_digits(s + p + 4, 2)) == -1 ||
		    oh > 23 || om > 59)
			return -1;
		p += 6;
	} else
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 ||
	    sec > 59)
		return -1;
	dim = mdays[mo - 1];
	if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		dim = 29;
	if (d > dim)
		return -1;
	v = order_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	v -= (int64_t)sign * (oh * 3600 + om * 60);
	if (v < 0)
		return -1;
	*t = (time_t)v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Records                                                              */
/* ------------------------------------------------------------------ */

/*
 * Read order id in txn (flags 0 or DB_RMW) and check its shape: "id" is
 * id, "acct" an id, "status" a string, "expires" an integer,
 * "identifiers" an array of objects and "authzs" an array of as many
 * ids.  Returns 0 with *rec (caller puts), DB_NOTFOUND, -1 for a damaged
 * record (logged), or another store error code.
 */
int
order_load(struct store *st, DB_TXN *txn, const char *id, int flags,
    struct json_object **rec)
{
	struct json_object	*r = NULL, *ids, *azs, *a;
	const char		*s;
	size_t			 len, i, n;
	int64_t			 iv;
	int			 rc;

	*rec = NULL;
	rc = store_get_json(st, txn, SDB_ORDERS, id, flags, &r);
	if (rc == EINVAL)
		rc = -1;
	if (rc != 0)
		goto out;
	rc = -1;
	if (json_get_str(r, "id", &s, NULL) != 0 || strcmp(s, id) != 0 ||
	    json_get_str(r, "acct", &s, &len) != 0 ||
	    len != ACMEGW_ID_LEN ||
	    json_get_str(r, "status", &s, NULL) != 0 ||
	    json_get_int(r, "expires", 0, INT64_MAX - 1, &iv) != 0 ||
	    json_get_array(r, "identifiers", &ids) != 0 ||
	    json_get_array(r, "authzs", &azs) != 0 ||
	    (n = json_object_array_length(azs)) !=
	    json_object_array_length(ids))
		goto bad;
	for (i = 0; i < n; i++) {
		a = json_object_array_get_idx(azs, i);
		if (!json_object_is_type(a, json_type_string) ||
		    json_object_get_string_len(a) != ACMEGW_ID_LEN ||
		    !json_object_is_type(json_object_array_get_idx(ids, i),
		    json_type_object))
			goto bad;
	}
	*rec = r;
	r = NULL;
	rc = 0;
	goto out;
bad:
	log_warnx("order_load: order %s: damaged record", id);
out:
	json_object_put(r);
	return rc;
}

/* The status string of a loaded record (borrowed). */
static const char *
order_status(struct json_object *rec)
{
	const char	*s;

	if (json_get_str(rec, "status", &s, NULL) != 0)
		return "";
	return s;
}

/*
 * A problem object {"type","detail","status"} for p and detail; with the
 * identifier (borrowed, copied) when non-NULL.  Returns it (caller puts)
 * or NULL when memory ran out.
 */
struct json_object *
order_problem_obj(enum acme_prob p, const char *detail,
    struct json_object *ident)
{
	struct json_object	*o = NULL, *ic = NULL;

	if ((o = json_object_new_object()) == NULL ||
	    json_object_object_add(o, "type",
	    json_object_new_string(acme_prob_type[p])) != 0 ||
	    json_object_object_add(o, "detail",
	    json_object_new_string(detail)) != 0 ||
	    json_object_object_add(o, "status",
	    json_object_new_int(acme_prob_status(p))) != 0)
		goto fail;
	if (ident != NULL) {
		if (json_object_deep_copy(ident, &ic, NULL) != 0 ||
		    json_object_object_add(o, "identifier", ic) != 0)
			goto fail;
		ic = NULL;
	}
	return o;
fail:
	json_object_put(ic);
	json_object_put(o);
	return NULL;
}

/*
 * The error of an order that authorization a (status astatus, not valid
 * or pending) made invalid: unauthorized naming the identifier, or, when
 * a challenge failed with an error, that error's type with its detail and
 * the error itself as the one subproblem (RFC 8555 6.7.1).  Returns the
 * object (caller puts), NULL when memory ran out, or NULL with *rc set
 * to a store error code.
 */
static struct json_object *
order_authz_error(struct store *st, DB_TXN *txn, struct json_object *a,
    const char *astatus, int *rc)
{
	struct json_object	*io, *chs, *c = NULL, *cerr, *o = NULL;
	struct json_object	*sub = NULL, *subs = NULL, *ident = NULL;
	const char		*type, *value, *cdet, *ctype;
	char			 detail[512], name[300], cdetbuf[400];
	enum acme_prob		 p = ACME_PROB_UNAUTHORIZED, q;
	size_t			 i, n;
	int			 wildcard = 0;

	*rc = 0;
	cdetbuf[0] = '\0';
	if (json_get_obj(a, "identifier", &io) != 0 ||
	    json_get_str(io, "type", &type, NULL) != 0 ||
	    json_get_str(io, "value", &value, NULL) != 0 ||
	    json_get_array(a, "challenges", &chs) != 0)
		goto out;
	(void)json_get_bool(a, "wildcard", &wildcard);
	snprintf(name, sizeof(name), "%s%s", wildcard ? "*." : "", value);
	if ((ident = json_object_new_object()) == NULL ||
	    json_object_object_add(ident, "type",
	    json_object_new_string(type)) != 0 ||
	    json_object_object_add(ident, "value",
	    json_object_new_string(name)) != 0)
		goto out;
	n = json_object_array_length(chs);
	for (i = 0; strcmp(astatus, "invalid") == 0 && i < n && sub == NULL;
	    i++) {
		*rc = chall_load(st, txn, json_object_get_string(
		    json_object_array_get_idx(chs, i)), 0, &c);
		if (*rc == -1 || *rc == DB_NOTFOUND) {
			*rc = 0;
			continue;
		}
		if (*rc != 0)
			goto out;
		if (json_get_obj(c, "error", &cerr) == 0 &&
		    json_get_str(cerr, "type", &ctype, NULL) == 0) {
			if (json_get_str(cerr, "detail", &cdet, NULL) == 0)
				snprintf(cdetbuf, sizeof(cdetbuf), "%s", cdet);
			for (q = ACME_PROB_MALFORMED; q < ACME_PROB__MAX; q++)
				if (strcmp(acme_prob_type[q], ctype) == 0)
					break;
			/* The first match: malformed, never its aliases. */
			if (q < ACME_PROB__MAX && acme_prob_status(q) < 500)
				p = q;
			if ((sub = order_problem_obj(p, cdetbuf, ident)) ==
			    NULL)
				goto out;
		}
		json_object_put(c);
		c = NULL;
	}
	if (sub != NULL)
		snprintf(detail, sizeof(detail), "the authorization for %s %s "
		    "failed: %s", type, name, cdetbuf);
	else
		snprintf(detail, sizeof(detail), "the authorization for %s %s "
		    "is %s", type, name, astatus);
	if ((o = order_problem_obj(p, detail, NULL)) == NULL)
		goto out;
	if (sub != NULL) {
		if ((subs = json_object_new_array()) == NULL ||
		    json_object_array_add(subs, sub) != 0)
			goto fail;
		sub = NULL;
		if (json_object_object_add(o, "subproblems", subs) != 0)
			goto fail;
		subs = NULL;
	}
	goto out;
fail:
	json_object_put(o);
	o = NULL;
out:
	json_object_put(subs);
	json_object_put(sub);
	json_object_put(ident);
	json_object_put(c);
	return o;
}

/*
 * Recompute the status of order record rec at now (RFC 8555 7.1.6) and
 * write the record back in txn when it changed.  Only a pending or ready
 * order moves: past its "expires" it is invalid; otherwise invalid as soon
 * as one of its authorizations is invalid, deactivated, expired or
 * revoked (with an "error" naming it), ready when all are valid, else
 * pending.  Authorizations found past their expiry are written back as
 * "expired".  processing, valid and invalid orders are left alone.
 * Returns 0, -1 when a record is damaged or memory ran out (logged), or a
 * store error code.
 */
int
order_refresh(struct store *st, DB_TXN *txn, struct json_object *rec,
    time_t now)
{
	struct json_object	*azs, *a = NULL, *err = NULL;
	const char		*status = order_status(rec), *id, *aid;
	const char		*astatus, *want = NULL;
	char			 when[32], detail[128];
	int64_t			 expires;
	size_t			 i, n;
	int			 rc = -1, allvalid = 1;

	if (strcmp(status, "pending") != 0 && strcmp(status, "ready") != 0)
		return 0;
	if (json_get_str(rec, "id", &id, NULL) != 0 ||
	    json_get_int(rec, "expires", 0, INT64_MAX - 1, &expires) != 0 ||
	    json_get_array(rec, "authzs", &azs) != 0)
		goto out;
	if ((int64_t)now >= expires) {
		want = "invalid";
		(void)order_time_str((time_t)expires, when, sizeof(when));
		snprintf(detail, sizeof(detail), "the order expired at %s "
		    "before it was finalized", when);
		if ((err = order_problem_obj(ACME_PROB_UNAUTHORIZED, detail,
		    NULL)) == NULL)
			goto out;
	}
	n = json_object_array_length(azs);
	for (i = 0; want == NULL && i < n; i++) {
		aid = json_object_get_string(json_object_array_get_idx(azs, i));
		rc = authz_load(st, txn, aid, 0, &a);
		if (rc == DB_NOTFOUND) {
			log_warnx("order_refresh: order %s: authorization %s "
			    "is missing", id, aid);
			rc = -1;
		}
		if (rc != 0)
			goto out;
		rc = -1;
		if (authz_refresh(a, now) &&
		    (rc = store_put_json(st, txn, SDB_AUTHZ, aid, a, 0)) != 0)
			goto out;
		rc = -1;
		(void)json_get_str(a, "status", &astatus, NULL);
		if (strcmp(astatus, "pending") == 0)
			allvalid = 0;
		else if (strcmp(astatus, "valid") != 0) {
			want = "invalid";
			err = order_authz_error(st, txn, a, astatus, &rc);
			if (err == NULL) {
				if (rc == 0)
					rc = -1;
				goto out;
			}
		}
		json_object_put(a);
		a = NULL;
	}
	if (want == NULL)
		want = allvalid ? "ready" : "pending";
	rc = 0;
	if (strcmp(want, status) == 0)
		goto out;
	rc = -1;
	if (json_object_object_add(rec, "status",
	    json_object_new_string(want)) != 0)
		goto out;
	if (err != NULL) {
		if (json_object_object_add(rec, "error", err) != 0)
			goto out;
		err = NULL;
	}
	rc = store_put_json(st, txn, SDB_ORDERS, id, rec, 0);
out:
	if (rc == -1)
		log_warnx("order_refresh: the order status could not be "
		    "computed");
	json_object_put(err);
	json_object_put(a);
	return rc;
}

/*
 * The RFC 8555 7.1.3 order object of record rec (borrowed): status,
 * expires, identifiers, notBefore and notAfter when set, authorizations
 * (URLs, in identifier order), finalize, profile when the client named
 * one, certificate (base_url/cert/SERIAL) when valid, and error when
 * invalid.
 * Returns 0 with *out (caller puts), or -1 when memory ran out or the
 * record lacks a member.
 */
int
order_json(struct ctx *ctx, struct json_object *rec, struct json_object **out)
{
	static const char *const times[] = { "notBefore", "notAfter" };
	struct json_object	*o = NULL, *ids, *idc = NULL, *azs;
	struct json_object	*list = NULL, *err, *errc = NULL;
	const char		*id, *status, *prof, *serial;
	char			 url[1024], when[32];
	int64_t			 t;
	size_t			 i, n;
	int			 rc = -1;

	*out = NULL;
	status = order_status(rec);
	if (json_get_str(rec, "id", &id, NULL) != 0 ||
	    json_get_int(rec, "expires", 0, INT64_MAX - 1, &t) != 0 ||
	    json_get_array(rec, "identifiers", &ids) != 0 ||
	    json_get_array(rec, "authzs", &azs) != 0 ||
	    order_time_str((time_t)t, when, sizeof(when)) == -1)
		goto out;
	if ((o = json_object_new_object()) == NULL ||
	    json_object_object_add(o, "status",
	    json_object_new_string(status)) != 0 ||
	    json_object_object_add(o, "expires",
	    json_object_new_string(when)) != 0 ||
	    json_object_deep_copy(ids, &idc, NULL) != 0 ||
	    json_object_object_add(o, "identifiers", idc) != 0)
		goto out;
	idc = NULL;
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		if (json_get_int(rec, times[i], 0, INT64_MAX - 1, &t) == 0 &&
		    (order_time_str((time_t)t, when, sizeof(when)) == -1 ||
		    json_object_object_add(o, times[i],
		    json_object_new_string(when)) != 0))
			goto out;
	if ((list = json_object_new_array()) == NULL)
		goto out;
	n = json_object_array_length(azs);
	for (i = 0; i < n; i++)
		if (url_build(ctx->conf, url, sizeof(url), "/authz/%s",
		    json_object_get_string(json_object_array_get_idx(azs, i)))
		    == -1 || json_object_array_add(list,
		    json_object_new_string(url)) != 0)
			goto out;
	if (json_object_object_add(o, "authorizations", list) != 0)
		goto out;
	list = NULL;
	if (url_build(ctx->conf, url, sizeof(url), "/finalize/%s", id) == -1 ||
	    json_object_object_add(o, "finalize",
	    json_object_new_string(url)) != 0)
		goto out;
	if (json_get_str(rec, "profile", &prof, NULL) == 0 &&
	    json_object_object_add(o, "profile",
	    json_object_new_string(prof)) != 0)
		goto out;
	if (strcmp(status, "valid") == 0 &&
	    json_get_str(rec, "cert", &serial, NULL) == 0 &&
	    (url_build(ctx->conf, url, sizeof(url), "/cert/%s", serial) == -1 ||
	    json_object_object_add(o, "certificate",
	    json_object_new_string(url)) != 0))
		goto out;
	if (strcmp(status, "invalid") == 0 &&
	    json_get_obj(rec, "error", &err) == 0) {
		if (json_object_deep_copy(err, &errc, NULL) != 0 ||
		    json_object_object_add(o, "error", errc) != 0)
			goto out;
		errc = NULL;
	}
	*out = o;
	o = NULL;
	rc = 0;
out:
	json_object_put(errc);
	json_object_put(list);
	json_object_put(idc);
	json_object_put(o);
	return rc;
}

/*
 * Answer with the object of order rec: status, optional Location,
 * Retry-After while pending or processing.  Returns 0 or -1 (problem set).
 */
int
order_reply(struct ctx *ctx, struct json_object *rec, int status,
    const char *location_id)
{
	struct json_object	*o = NULL;
	const char		*s = order_status(rec);
	int			 rc = -1;

	if (order_json(ctx, rec, &o) == -1)
		goto nomem;
	if (location_id != NULL && resp_header(ctx->resp, "Location",
	    "%s/order/%s", ctx->conf->base_url, location_id) == -1)
		goto nomem;
	if ((strcmp(s, "pending") == 0 || strcmp(s, "processing") == 0) &&
	    resp_header(ctx->resp, "Retry-After", "%d",
	    ORDER_RETRY_AFTER) == -1)
		goto nomem;
	if (resp_json(ctx->resp, status, o) == -1)
		goto out;
	rc = 0;
	goto out;
nomem:
	problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
	    "the order object could not be built");
out:
	json_object_put(o);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Policy                                                               */
/* ------------------------------------------------------------------ */

/* Free what order_eab_domains() returned (doms may be NULL). */
void
order_eab_domains_free(char **doms, size_t domsz)
{
	size_t	 i;

	if (doms == NULL)
		return;
	for (i = 0; i < domsz; i++)
		free(doms[i]);
	free(doms);
}

/*
 * The domain suffixes the request's account may order names under
 * because of its external account binding: the "domains" array of the
 * SDB_EAB record named by the account's "eab" member, read in txn.  An
 * account bound without EAB, or a key without a list (or with an empty
 * one), gives *doms NULL and *domsz 0: no restriction beyond the global
 * policy.  An account whose EAB key was deleted since is refused
 * (unauthorized): its list can no longer be checked, and failing open
 * would widen what it may order.  Returns 0 with *doms (free with
 * order_eab_domains_free()), -1 with perr, or a store error code.
 */
int
order_eab_domains(struct ctx *ctx, DB_TXN *txn, char ***doms, size_t *domsz,
    struct perr *perr)
{
	struct json_object	*rec = NULL, *list, *d;
	const char		*kid;
	char		       **v = NULL;
	char			 logk[80];
	size_t			 i, n = 0, kidsz;
	int			 r, rc = -1;

	*doms = NULL;
	*domsz = 0;
	if (ctx->acct == NULL ||
	    json_get_str(ctx->acct, "eab", &kid, &kidsz) != 0) {
		rc = 0;
		goto out;
	}
	log_sanitize(logk, sizeof(logk), kid, kidsz);
	rc = store_get_json(ctx->store, txn, SDB_EAB, kid, 0, &rec);
	if (rc == DB_NOTFOUND) {
		log_warnx("account %s: its EAB key %s no longer exists",
		    ctx->acct_id, logk);
		perr_set(perr, ACME_PROB_UNAUTHORIZED, "the external account "
		    "key this account was bound with no longer exists, so "
		    "the names it may order cannot be checked; ask the "
		    "administrator");
		rc = -1;
		goto out;
	}
	if (rc == EINVAL) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL, "the external "
		    "account binding of this account cannot be read");
		rc = -1;
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = -1;
	if ((r = json_get_array(rec, "domains", &list)) == 1) {
		rc = 0;
		goto out;
	}
	if (r != 0)
		goto bad;
	n = json_object_array_length(list);
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if ((v = calloc(n, sizeof(*v))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		d = json_object_array_get_idx(list, i);
		if (!json_object_is_type(d, json_type_string))
			goto bad;
		if ((v[i] = strdup(json_object_get_string(d))) == NULL)
			goto nomem;
	}
	*doms = v;
	*domsz = n;
	v = NULL;
	rc = 0;
	goto out;
bad:
	log_warnx("EAB key %s: \"domains\" is not an array of strings", logk);
	perr_set(perr, ACME_PROB_SERVER_INTERNAL, "the external account "
	    "binding of this account cannot be read");
	goto out;
nomem:
	perr_set(perr, ACME_PROB_SERVER_INTERNAL, "out of memory");
out:
	order_eab_domains_free(v, n);
	json_object_put(rec);
	return rc;
}

/* ------------------------------------------------------------------ */
/* newOrder                                                             */
/* ------------------------------------------------------------------ */

/* The refusals of one newOrder, as RFC 8555 6.7.1 subproblems. */
struct order_subs {
	struct json_object	*list;
	size_t			 n;
	enum acme_prob		 type;	/* of all of them, or MALFORMED */
	char			 first[320];
};

/*
 * Add one refusal (problem p, detail) for identifier ident (borrowed,
 * copied; NULL when the identifier could not be named) to subs.  Returns
 * 0, or -1 when memory ran out.
 */
static int
order_sub_add(struct order_subs *subs, enum acme_prob p, const char *detail,
    struct json_object *ident)
{
	struct json_object	*o;

	if ((o = order_problem_obj(p, detail, ident)) == NULL)
		return -1;
	(void)json_object_object_del(o, "status");
	if (json_object_array_add(subs->list, o) != 0) {
		json_object_put(o);
		return -1;
	}
	if (subs->n == 0) {
		subs->type = p;
		snprintf(subs->first, sizeof(subs->first), "%s", detail);
	} else if (subs->type != p)
		subs->type = ACME_PROB_MALFORMED;
	subs->n++;
	return 0;
}

/*
 * The identifier a refusal names when ident_parse() refused element el:
 * {"type","value"} when el has two short strings there, else NULL (the
 * refusal then names its position only).  Returns a new object or NULL.
 */
static struct json_object *
order_raw_ident(struct json_object *el)
{
	struct json_object	*o;
	const char		*type, *value;
	size_t			 tlen, vlen;

	if (json_get_str(el, "type", &type, &tlen) != 0 ||
	    json_get_str(el, "value", &value, &vlen) != 0 ||
	    tlen > 16 || vlen > ORDER_VALUE_ECHO_MAX)
		return NULL;
	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (json_object_object_add(o, "type",
	    json_object_new_string_len(type, (int)tlen)) != 0 ||
	    json_object_object_add(o, "value",
	    json_object_new_string_len(value, (int)vlen)) != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* {"type","value"} of a parsed identifier (a new object, or NULL). */
static struct json_object *
order_ident_obj(const struct ident *ident)
{
	struct json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (json_object_object_add(o, "type",
	    json_object_new_string(ident_type_str(ident))) != 0 ||
	    json_object_object_add(o, "value",
	    json_object_new_string(ident->value)) != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/*
 * Make the response the problem of subs (RFC 8555 6.7.1): the type all
 * refusals share (malformed when they differ), a detail that is the one
 * refusal's own or counts them, and the "subproblems" array.
 */
static void
order_problem_subs(struct resp *resp, struct order_subs *subs)
{
	struct json_object	*o = NULL;
	const char		*s;
	char			 detail[512], *body;

	if (subs->n == 1)
		snprintf(detail, sizeof(detail), "%s", subs->first);
	else
		snprintf(detail, sizeof(detail), "%zu identifiers were "
		    "refused (see \"subproblems\"); the first: %s", subs->n,
		    subs->first);
	/* problem_set() sets status, type and headers; add subproblems. */
	problem_set(resp, subs->type, "%s", detail);
	if (resp->prob != subs->type)
		return;
	if ((o = order_problem_obj(subs->type, detail, NULL)) == NULL ||
	    json_object_object_add(o, "subproblems",
	    json_object_get(subs->list)) != 0)
		goto out;
	s = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL || (body = strdup(s)) == NULL)
		goto out;
	free(resp->body);
	resp->body = body;
	resp->bodysz = strlen(body);
out:
	json_object_put(o);
}

/*
 * Refuse profile name[0..len) (not configured) with invalidProfile,
 * naming the profiles this server offers.
 */
static void
order_bad_profile(struct ctx *ctx, const char *name, size_t len)
{
	const struct conf	*conf = ctx->conf;
	char			 list[256], logn[80];
	size_t			 i, off = 0;
	int			 m;

	list[0] = '\0';
	for (i = 0; i < conf->profilessz; i++) {
		m = snprintf(list + off, sizeof(list) - off, "%s%s",
		    i > 0 ? ", " : "", conf->profiles[i].name);
		if (m < 0 || (size_t)m >= sizeof(list) - off)
			break;
		off += (size_t)m;
	}
	log_sanitize(logn, sizeof(logn), name, len);
	problem_set(ctx->resp, ACME_PROB_INVALID_PROFILE, "this server has "
	    "no profile \"%s\"; it offers: %s", logn, list);
}

/*
 * The profiles the request's account may order with because of its
 * external account binding: the "profiles" array of the SDB_EAB record
 * named by the account's "eab" member, read in txn.  An account bound
 * without EAB, a key without the member or with an empty list, and a
 * key deleted since (order_eab_domains() refuses that one) give *list
 * NULL: no restriction.  Returns 0 with *list (a new reference, or
 * NULL), -1 with perr (a damaged record), or a store error code.
 */
static int
order_eab_profiles(struct ctx *ctx, DB_TXN *txn, struct json_object **list,
    struct perr *perr)
{
	struct json_object	*rec = NULL, *arr, *d;
	const char		*kid;
	char			 logk[80];
	size_t			 i, n, kidsz;
	int			 r, rc = -1;

	*list = NULL;
	if (ctx->acct == NULL ||
	    json_get_str(ctx->acct, "eab", &kid, &kidsz) != 0) {
		rc = 0;
		goto out;
	}
	log_sanitize(logk, sizeof(logk), kid, kidsz);
	rc = store_get_json(ctx->store, txn, SDB_EAB, kid, 0, &rec);
	if (rc == DB_NOTFOUND) {
		rc = 0;
		goto out;
	}
	if (rc == EINVAL)
		goto bad;
	if (rc != 0)
		goto out;
	rc = -1;
	if ((r = json_get_array(rec, "profiles", &arr)) == 1) {
		rc = 0;
		goto out;
	}
	if (r != 0)
		goto bad;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		d = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(d, json_type_string))
			goto bad;
	}
	if (n > 0)
		*list = json_object_get(arr);
	rc = 0;
	goto out;
bad:
	log_warnx("EAB key %s: \"profiles\" is not an array of strings",
	    logk);
	perr_set(perr, ACME_PROB_SERVER_INTERNAL, "the external account "
	    "binding of this account cannot be read");
	rc = -1;
out:
	json_object_put(rec);
	return rc;
}

/* 1 when the JSON array of strings list holds name, else 0. */
static int
order_list_has(struct json_object *list, const char *name)
{
	size_t	 i, n = json_object_array_length(list);

	for (i = 0; i < n; i++)
		if (strcmp(json_object_get_string(
		    json_object_array_get_idx(list, i)), name) == 0)
			return 1;
	return 0;
}

/*
 * Apply the EAB key's profile list (non-empty, order_eab_profiles()) to
 * newOrder: a profile the client named (*pname, already a configured
 * one, *prof) must be listed, else invalidProfile naming the listed
 * ones.  When the client named none, the default profile applies if it
 * is listed; otherwise the first listed profile that is configured is
 * used (*pname, *plen and *prof point at it; the name belongs to list),
 * and when none is, invalidProfile.  Returns 0, or -1 with the problem
 * set.
 */
static int
order_profile_pick(struct ctx *ctx, struct json_object *list,
    const char **pname, size_t *plen, const struct profile **prof)
{
	const struct profile	*pr;
	const char		*name;
	char			 allowed[256], logn[80];
	size_t			 i, n = json_object_array_length(list), off = 0;
	int			 m;

	if (order_list_has(list, (*prof)->name))
		return 0;
	if (*pname == NULL) {
		for (i = 0; i < n; i++) {
			name = json_object_get_string(
			    json_object_array_get_idx(list, i));
			if ((pr = conf_profile(ctx->conf, name)) != NULL) {
				*pname = name;
				*plen = strlen(name);
				*prof = pr;
				return 0;
			}
		}
	}
	allowed[0] = '\0';
	for (i = 0; i < n; i++) {
		name = json_object_get_string(json_object_array_get_idx(list,
		    i));
		log_sanitize(logn, sizeof(logn), name, strlen(name));
		m = snprintf(allowed + off, sizeof(allowed) - off, "%s%s",
		    i > 0 ? ", " : "", logn);
		if (m < 0 || (size_t)m >= sizeof(allowed) - off)
			break;
		off += (size_t)m;
	}
	if (*pname == NULL) {
		problem_set(ctx->resp, ACME_PROB_INVALID_PROFILE, "the "
		    "external account key of this account allows only the "
		    "profiles %s, and this server offers none of them; ask "
		    "the administrator", allowed);
		return -1;
	}
	log_sanitize(logn, sizeof(logn), *pname, *plen);
	problem_set(ctx->resp, ACME_PROB_INVALID_PROFILE, "the external "
	    "account key of this account does not allow the profile \"%s\"; "
	    "it allows: %s", logn, allowed);
	return -1;
}

/* qsort() adapter for ident_cmp(). */
static int
order_ident_qcmp(const void *a, const void *b)
{
	return ident_cmp(a, b);
}

/*
 * Parse and check notBefore and notAfter of the payload into *nb / *na
 * (0 when absent): RFC 3339 strings; notBefore no earlier than an hour
 * ago and no later than order_lifetime from now; notAfter later than
 * notBefore (or now) and at most max_validity after it.  Returns 0, or -1
 * with perr (malformed, stating the allowed range).
 */
static int
order_validity(struct ctx *ctx, time_t *nb, time_t *na, struct perr *perr)
{
	const struct conf	*conf = ctx->conf;
	const char		*s;
	size_t			 len;
	time_t			 lo, hi, base;
	char			 a[32], b[32];
	int			 r;

	*nb = *na = 0;
	if ((r = json_get_str(ctx->payload, "notBefore", &s, &len)) == -1 ||
	    (r == 0 && order_time_parse(s, len, nb) == -1)) {
		perr_set(perr, ACME_PROB_MALFORMED, "\"notBefore\" must be an "
		    "RFC 3339 date-time string such as 2026-01-01T00:00:00Z");
		return -1;
	}
	if (r == 0) {
		lo = ctx->now - ORDER_NB_PAST;
		hi = ctx->now + (time_t)conf->order_lifetime;
		if (*nb < lo || *nb > hi) {
			(void)order_time_str(lo, a, sizeof(a));
			(void)order_time_str(hi, b, sizeof(b));
			perr_set(perr, ACME_PROB_MALFORMED, "\"notBefore\" "
			    "must lie between %s and %s", a, b);
			return -1;
		}
	}
	if ((r = json_get_str(ctx->payload, "notAfter", &s, &len)) == -1 ||
	    (r == 0 && order_time_parse(s, len, na) == -1)) {
		perr_set(perr, ACME_PROB_MALFORMED, "\"notAfter\" must be an "
		    "RFC 3339 date-time string such as 2026-01-01T00:00:00Z");
		return -1;
	}
	if (r == 0) {
		base = *nb != 0 ? *nb : ctx->now;
		hi = base + (time_t)conf->max_validity;
		if (*na <= base || *na > hi) {
			(void)order_time_str(base, a, sizeof(a));
			(void)order_time_str(hi, b, sizeof(b));
			perr_set(perr, ACME_PROB_MALFORMED, "\"notAfter\" must "
			    "be later than %s (%s) and no later than %s",
			    a, *nb != 0 ? "notBefore" : "now", b);
			return -1;
		}
	}
	return 0;
}

/*
 * Write order id for the request's account: the record (status pending;
 * order_refresh() then makes it ready when every authorization is valid;
 * profile and replaces when not NULL) and its SDB_ORDERS_BY_ACCT entry,
 * in txn.  *recp gets the record (the
 * caller puts it).  Returns 0, -1 (no memory) or a store error code.
 */
static int
order_store(struct ctx *ctx, DB_TXN *txn, const char *id,
    const struct ident *ids, size_t idsz, char (*azs)[ACMEGW_ID_LEN + 1],
    time_t expires, time_t nb, time_t na, const char *profile,
    const char *replaces, struct json_object **recp)
{
	struct json_object	*rec = NULL, *il = NULL, *al = NULL, *io;
	unsigned char		 key[2 * ACMEGW_ID_LEN];
	size_t			 i;
	int			 rc = -1;

	*recp = NULL;
	if ((il = json_object_new_array()) == NULL ||
	    (al = json_object_new_array()) == NULL)
		goto out;
	for (i = 0; i < idsz; i++) {
		if ((io = order_ident_obj(&ids[i])) == NULL)
			goto out;
		if (json_object_array_add(il, io) != 0) {
			json_object_put(io);
			goto out;
		}
		if (json_object_array_add(al, json_object_new_string(azs[i]))
		    != 0)
			goto out;
	}
	if ((rec = json_object_new_object()) == NULL ||
	    json_object_object_add(rec, "v",
	    json_object_new_int(ACMEGW_SCHEMA)) != 0 ||
	    json_object_object_add(rec, "id",
	    json_object_new_string(id)) != 0 ||
	    json_object_object_add(rec, "acct",
	    json_object_new_string(ctx->acct_id)) != 0 ||
	    json_object_object_add(rec, "status",
	    json_object_new_string("pending")) != 0 ||
	    json_object_object_add(rec, "expires",
	    json_object_new_int64((int64_t)expires)) != 0 ||
	    json_object_object_add(rec, "created",
	    json_object_new_int64((int64_t)ctx->now)) != 0)
		goto out;
	if (json_object_object_add(rec, "identifiers", il) != 0)
		goto out;
	il = NULL;
	if (json_object_object_add(rec, "authzs", al) != 0)
		goto out;
	al = NULL;
	if ((nb != 0 && json_object_object_add(rec, "notBefore",
	    json_object_new_int64((int64_t)nb)) != 0) ||
	    (na != 0 && json_object_object_add(rec, "notAfter",
	    json_object_new_int64((int64_t)na)) != 0) ||
	    (profile != NULL && json_object_object_add(rec, "profile",
	    json_object_new_string(profile)) != 0) ||
	    (replaces != NULL && json_object_object_add(rec, "replaces",
	    json_object_new_string(replaces)) != 0))
		goto out;
	if ((rc = store_put_json(ctx->store, txn, SDB_ORDERS, id, rec,
	    DB_NOOVERWRITE)) != 0)
		goto out;
	memcpy(key, ctx->acct_id, ACMEGW_ID_LEN);
	memcpy(key + ACMEGW_ID_LEN, id, ACMEGW_ID_LEN);
	if ((rc = store_put(ctx->store, txn, SDB_ORDERS_BY_ACCT, key,
	    sizeof(key), NULL, 0, DB_NOOVERWRITE)) != 0)
		goto out;
	*recp = rec;
	rec = NULL;
out:
	json_object_put(al);
	json_object_put(il);
	json_object_put(rec);
	return rc;
}

/*
 * newOrder (RFC 8555 7.4), signed by an account.  Payload: "identifiers"
 * (1 to max_identifiers objects: X2), optional "notBefore" and
 * "notAfter" (order_validity(), and no longer than the profile's
 * validity), optional "profile" (a configured profile's name, else
 * invalidProfile; stored when given, the default profile applies
 * otherwise; when the account's EAB key lists profiles, see
 * order_profile_pick()) and optional "replaces" (a certID that
 * ari_replaces_check() accepts; stored); other members are ignored.
 * Every identifier goes through ident_parse(), the policy (ident_is_allowed() with the
 * account's EAB domain list) and the challenge types; all refusals are
 * answered together as subproblems (RFC 8555 6.7.1).  Duplicates are
 * folded and the identifiers sorted (ident_cmp()).  Each gets an
 * authorization from authz_obtain() (reused or new), then the order is
 * stored, expiring after order_lifetime or with its first authorization,
 * whichever comes first.  The answer is 201, Location and the order.
 * Returns 0, -1 (refused, problem set) or a store error code.
 */
int
order_new(struct ctx *ctx, DB_TXN *txn)
{
	const struct conf	*conf = ctx->conf;
	const struct profile	*prof;
	struct json_object	*list, *el, *io = NULL, *rec = NULL;
	struct json_object	*eabprof = NULL;
	struct order_subs	 subs;
	struct ident		*ids = NULL;
	struct perr		 e;
	enum chall_type		 types[CHALL__MAX];
	char		       **doms = NULL, (*azs)[ACMEGW_ID_LEN + 1] = NULL;
	char			 id[ACMEGW_ID_LEN + 1], logv[96];
	const char		*pname = NULL, *replaces = NULL;
	size_t			 i, n, k = 0, domsz = 0, plen = 0, rlen = 0;
	time_t			 nb, na, exp, aexp;
	int			 r, rc = -1;

	memset(&e, 0, sizeof(e));
	memset(&subs, 0, sizeof(subs));
	if (ctx->payload == NULL) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "newOrder needs a payload object, not POST-as-GET");
		goto out;
	}
	if ((r = json_get_str(ctx->payload, "profile", &pname,
	    &plen)) == -1) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "\"profile\" must be a string naming a profile");
		goto out;
	}
	if ((prof = conf_profile(conf, pname)) == NULL) {
		order_bad_profile(ctx, pname, plen);
		goto out;
	}
	rc = order_eab_profiles(ctx, txn, &eabprof, &e);
	if (rc == -1)
		problem_perr(ctx->resp, &e);
	if (rc != 0)
		goto out;
	rc = -1;
	if (eabprof != NULL && order_profile_pick(ctx, eabprof, &pname, &plen,
	    &prof) == -1)
		goto out;
	if ((r = json_get_str(ctx->payload, "replaces", &replaces,
	    &rlen)) == -1) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "\"replaces\" must be a certID string (RFC 9773)");
		goto out;
	}
	if ((r = json_get_array(ctx->payload, "identifiers", &list)) != 0) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED, "%s", r == 1 ?
		    "newOrder needs \"identifiers\"" :
		    "\"identifiers\" must be an array of identifier objects");
		goto out;
	}
	n = json_object_array_length(list);
	if (n == 0) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "\"identifiers\" is empty: an order names at least one "
		    "identifier");
		goto out;
	}
	if (n > conf->max_identifiers) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "an order may name at most %u identifiers; this one "
		    "names %zu", conf->max_identifiers, n);
		goto out;
	}
	if (order_validity(ctx, &nb, &na, &e) == -1) {
		problem_perr(ctx->resp, &e);
		goto out;
	}
	if (na != 0 && na - (nb != 0 ? nb : ctx->now) >
	    (time_t)prof->validity) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED, "the profile "
		    "\"%s\" issues certificates valid for at most %u seconds; "
		    "ask for an earlier \"notAfter\"", prof->name,
		    prof->validity);
		goto out;
	}
	rc = order_eab_domains(ctx, txn, &doms, &domsz, &e);
	if (rc == -1)
		problem_perr(ctx->resp, &e);
	if (rc != 0)
		goto out;
	rc = -1;

	if ((ids = calloc(n, sizeof(*ids))) == NULL ||
	    (azs = calloc(n, sizeof(*azs))) == NULL ||
	    (subs.list = json_object_new_array()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		el = json_object_array_get_idx(list, i);
		memset(&e, 0, sizeof(e));
		if (ident_parse(el, &ids[k], &e) != ACME_PROB_NONE) {
			io = order_raw_ident(el);
			r = order_sub_add(&subs, e.prob, e.detail, io);
		} else if ((r = ident_is_allowed(conf, &ids[k], doms, domsz,
		    &e)) != 1) {
			if (e.prob == ACME_PROB_NONE)
				perr_set(&e, ACME_PROB_REJECTED_IDENT,
				    "%s is not allowed", ids[k].value);
			io = order_ident_obj(&ids[k]);
			r = order_sub_add(&subs, e.prob, e.detail, io);
		} else if (authz_chall_types(conf, &ids[k], types) == 0) {
			perr_set(&e, ACME_PROB_REJECTED_IDENT, "no enabled "
			    "challenge type can validate %s %s",
			    ident_type_str(&ids[k]), ids[k].value);
			io = order_ident_obj(&ids[k]);
			r = order_sub_add(&subs, e.prob, e.detail, io);
		} else {
			k++;
			continue;
		}
		json_object_put(io);
		io = NULL;
		if (r == -1)
			goto nomem;
	}
	if (subs.n > 0) {
		order_problem_subs(ctx->resp, &subs);
		goto out;
	}

	/* Sorted, duplicates folded. */
	qsort(ids, k, sizeof(*ids), order_ident_qcmp);
	for (i = 1, n = k > 0 ? 1 : 0; i < k; i++)
		if (ident_cmp(&ids[n - 1], &ids[i]) != 0)
			ids[n++] = ids[i];

	if (replaces != NULL) {
		rc = ari_replaces_check(ctx, txn, replaces, rlen, ids, n, &e);
		if (rc == -1)
			problem_perr(ctx->resp, &e);
		if (rc != 0)
			goto out;
		rc = -1;
	}

	exp = ctx->now + (time_t)conf->order_lifetime;
	for (i = 0; i < n; i++) {
		rc = authz_obtain(ctx, txn, &ids[i], azs[i], sizeof(azs[i]),
		    &aexp, &e);
		if (rc == -1)
			problem_perr(ctx->resp, &e);
		if (rc != 0)
			goto out;
		if (aexp < exp)
			exp = aexp;
	}
	rc = -1;
	if (store_new_id(id, sizeof(id)) == -1)
		goto nomem;
	if ((rc = order_store(ctx, txn, id, ids, n, azs, exp, nb, na, pname,
	    replaces, &rec)) != 0 ||
	    (rc = order_refresh(ctx->store, txn, rec, ctx->now)) != 0) {
		if (rc == -1)
			goto nomem;
		goto out;
	}
	rc = -1;
	if (order_reply(ctx, rec, 201, id) == -1)
		goto out;
	log_sanitize(logv, sizeof(logv), ids[0].value, strlen(ids[0].value));
	log_info("order %s created for account %s: %zu identifier%s (%s %s%s)",
	    id, ctx->acct_id, n, n == 1 ? "" : "s", ident_type_str(&ids[0]),
	    logv, n > 1 ? ", ..." : "");
	rc = 0;
	goto out;
nomem:
	problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
	    "the order could not be made");
	rc = -1;
out:
	json_object_put(io);
	json_object_put(rec);
	json_object_put(eabprof);
	json_object_put(subs.list);
	order_eab_domains_free(doms, domsz);
	free(azs);
	free(ids);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The order and finalize resources                                     */
/* ------------------------------------------------------------------ */

/*
 * Load the path's order for the request's account and refresh its status:
 * 404 for an unknown id, 403 for another account's (A6).  Returns 0 with
 * *rec (caller puts), -1 (problem set) or a store error code.
 */
int
order_own(struct ctx *ctx, DB_TXN *txn, struct json_object **rec)
{
	int	 rc;

	if ((rc = ctx_load_own(ctx, txn, order_load, "order", rec)) != 0)
		return rc;
	if ((rc = order_refresh(ctx->store, txn, *rec, ctx->now)) != 0) {
		if (rc == -1)
			problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
			    "the order status cannot be computed");
		json_object_put(*rec);
		*rec = NULL;
	}
	return rc;
}

/*
 * POST-as-GET /order/ID (RFC 8555 7.1.3, 7.4), by the order's account:
 * the order with its status recomputed (order_refresh()), Retry-After
 * while pending or processing.  A payload is malformed.  Returns 0, -1
 * (refused, problem set) or a store error code.
 */
int
order_post(struct ctx *ctx, DB_TXN *txn)
{
	struct json_object	*rec = NULL;
	int			 rc;

	if ((rc = order_own(ctx, txn, &rec)) != 0)
		goto out;
	if (ctx->payload != NULL) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "an order is fetched with POST-as-GET (an empty payload)");
		rc = -1;
		goto out;
	}
	rc = order_reply(ctx, rec, 200, NULL);
out:
	json_object_put(rec);
	return rc;
}

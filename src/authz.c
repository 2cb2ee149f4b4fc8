/*
 * authz.c: authorizations (RFC 8555 7.1.4, 7.4.1, 7.5, 7.5.2): the
 * authorization record, its reuse, its JSON object, the authorization
 * resource (read, deactivate) and newAuthz (pre-authorization).
 *
 * Owns the SDB_AUTHZ record format (brief "Records": v, id, acct,
 * identifier without "*.", wildcard, status, expires, created, challenges,
 * validated) and the reuse index SDB_AUTHZ_REUSE (account id "|" type ":"
 * value, "*." kept -> the latest authorization made for it).  Which
 * challenges an identifier gets lives here: http-01, dns-01 and
 * tls-alpn-01 for a name, dns-01 only for a wildcard (H21, D10), http-01
 * and tls-alpn-01 for an IP address (RFC 8738 7), each only when
 * challenge_types allows it (P7).
 *
 * Must never: reuse an authorization across accounts (A8), reuse a valid
 * one outside the authz_reuse window or once its challenge type was
 * switched off, offer http-01 or tls-alpn-01 for a wildcard, let an
 * account read or change another account's authorization (A6), or log an
 * identifier unsanitised.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmegw.h"

#define AUTHZ_RETRY_AFTER	3	/* seconds, while pending */
#define AUTHZ_REUSE_MARGIN	3600	/* reused ones live an hour more */
#define AUTHZ_REUSE_KEYMAX	(ACMEGW_ID_LEN + 1 + 8 + 256)

/* Which challenges each kind of identifier may have, in offer order. */
static const enum chall_type authz_types_name[] = {
	CHALL_HTTP01, CHALL_DNS01, CHALL_TLSALPN01
};
static const enum chall_type authz_types_wildcard[] = { CHALL_DNS01 };
static const enum chall_type authz_types_ip[] = {
	CHALL_HTTP01, CHALL_TLSALPN01
};

/*
 * The challenge types identifier ident can be offered under conf: the
 * kind's list (see the file comment) filtered by conf->challenge_types,
 * written to types (room for CHALL__MAX).  Returns how many; 0 means no
 * enabled type can validate it.
 */
size_t
authz_chall_types(const struct conf *conf, const struct ident *ident,
    enum chall_type *types)
{
	const enum chall_type	*list;
	size_t			 i, n, k = 0;

	if (ident->is_ip) {
		list = authz_types_ip;
		n = sizeof(authz_types_ip) / sizeof(authz_types_ip[0]);
	} else if (ident->wildcard) {
		list = authz_types_wildcard;
		n = sizeof(authz_types_wildcard) /
		    sizeof(authz_types_wildcard[0]);
	} else {
		list = authz_types_name;
		n = sizeof(authz_types_name) / sizeof(authz_types_name[0]);
	}
	for (i = 0; i < n; i++)
		if (conf->challenge_types & (1u << list[i]))
			types[k++] = list[i];
	return k;
}

/*
 * Read authorization id in txn (flags 0 or DB_RMW) and check its shape:
 * "id" is id, "acct" an id, "identifier" an object with "type" "dns" or
 * "ip" and a string "value", "wildcard" a boolean, "status" a string,
 * "expires" an integer and "challenges" an array of ids.  Returns 0 with
 * *rec (caller puts), DB_NOTFOUND, -1 for a damaged record (logged), or
 * another store error code; *rec is NULL on failure.
 */
int
authz_load(struct store *st, DB_TXN *txn, const char *id, int flags,
    struct json_object **rec)
{
	struct json_object	*r = NULL, *ident, *chs, *c;
	const char		*s;
	size_t			 len, i, n;
	int64_t			 iv;
	int			 rc, b;

	*rec = NULL;
	rc = store_get_json(st, txn, SDB_AUTHZ, id, flags, &r);
	if (rc == EINVAL)
		rc = -1;
	if (rc != 0)
		goto out;
	rc = -1;
	if (json_get_str(r, "id", &s, NULL) != 0 || strcmp(s, id) != 0 ||
	    json_get_str(r, "acct", &s, &len) != 0 ||
	    len != ACMEGW_ID_LEN ||
	    json_get_obj(r, "identifier", &ident) != 0 ||
	    json_get_str(ident, "type", &s, NULL) != 0 ||
	    (strcmp(s, "dns") != 0 && strcmp(s, "ip") != 0) ||
	    json_get_str(ident, "value", &s, &len) != 0 || len == 0 ||
	    json_get_bool(r, "wildcard", &b) != 0 ||
	    json_get_str(r, "status", &s, NULL) != 0 ||
	    json_get_int(r, "expires", 0, INT64_MAX - 1, &iv) != 0 ||
	    json_get_array(r, "challenges", &chs) != 0)
		goto bad;
	n = json_object_array_length(chs);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(chs, i);
		if (!json_object_is_type(c, json_type_string) ||
		    json_object_get_string_len(c) != ACMEGW_ID_LEN)
			goto bad;
	}
	*rec = r;
	r = NULL;
	rc = 0;
	goto out;
bad:
	log_warnx("authz_load: authorization %s: damaged record", id);
out:
	json_object_put(r);
	return rc;
}

/*
 * Apply expiry to record rec at now (RFC 8555 7.1.6): a pending or valid
 * authorization whose "expires" is not in the future becomes "expired".
 * Returns 1 when the record changed (the caller writes it back when
 * convenient), 0 otherwise.
 */
int
authz_refresh(struct json_object *rec, time_t now)
{
	const char	*status;
	int64_t		 expires;

	if (json_get_str(rec, "status", &status, NULL) != 0 ||
	    json_get_int(rec, "expires", 0, INT64_MAX - 1, &expires) != 0)
		return 0;
	if ((strcmp(status, "pending") != 0 && strcmp(status, "valid") != 0) ||
	    (int64_t)now < expires)
		return 0;
	return json_object_object_add(rec, "status",
	    json_object_new_string("expired")) == 0;
}

/* The status string of a loaded record (borrowed). */
static const char *
authz_status(struct json_object *rec)
{
	const char	*s;

	if (json_get_str(rec, "status", &s, NULL) != 0)
		return "";
	return s;
}

/*
 * The reuse index key of ident for account acct: acct "|" type ":" value
 * (wildcards keep "*.") into buf (AUTHZ_REUSE_KEYMAX bytes).  Returns its
 * length, or 0 when it does not fit.
 */
static size_t
authz_reuse_key(const char *acct, const struct ident *ident, char *buf,
    size_t bufsz)
{
	int	 n;

	n = snprintf(buf, bufsz, "%s|%s:%s", acct, ident_type_str(ident),
	    ident->value);
	if (n < 0 || (size_t)n >= bufsz)
		return 0;
	return (size_t)n;
}

/*
 * Whether record rec names identifier ident: same type, the value without
 * "*." and the wildcard flag.
 */
static int
authz_is_for(struct json_object *rec, const struct ident *ident)
{
	struct json_object	*io;
	const char		*type, *value, *want;
	int			 wildcard = 0;

	if (json_get_obj(rec, "identifier", &io) != 0 ||
	    json_get_str(io, "type", &type, NULL) != 0 ||
	    json_get_str(io, "value", &value, NULL) != 0 ||
	    json_get_bool(rec, "wildcard", &wildcard) != 0)
		return 0;
	want = ident->value;
	if (ident->wildcard) {
		if (strncmp(want, "*.", 2) != 0)
			return 0;
		want += 2;
	}
	return strcmp(type, ident_type_str(ident)) == 0 &&
	    strcmp(value, want) == 0 && wildcard == (ident->wildcard != 0);
}

/*
 * Whether the challenges of record rec still allow it to be used under
 * conf: a pending authorization needs one challenge of an enabled type,
 * a valid one must have been validated by a challenge of an enabled type
 * (a type switched off after an incident no longer vouches: P7).  Sets
 * *ok.  Returns 0, -1 for a damaged challenge, or a store error code.
 */
static int
authz_challs_usable(struct ctx *ctx, DB_TXN *txn, struct json_object *rec,
    int *ok)
{
	struct json_object	*chs, *c = NULL;
	const char		*type, *status;
	int			 valid, t, rc = 0;
	size_t			 i, n;

	*ok = 0;
	valid = strcmp(authz_status(rec), "valid") == 0;
	if (json_get_array(rec, "challenges", &chs) != 0)
		return -1;
	n = json_object_array_length(chs);
	for (i = 0; i < n && !*ok; i++) {
		rc = chall_load(ctx->store, txn, json_object_get_string(
		    json_object_array_get_idx(chs, i)), 0, &c);
		if (rc != 0)
			break;
		(void)json_get_str(c, "type", &type, NULL);
		(void)json_get_str(c, "status", &status, NULL);
		t = chall_type_parse(type);
		if ((ctx->conf->challenge_types & (1u << t)) != 0 &&
		    (!valid || strcmp(status, "valid") == 0))
			*ok = 1;
		json_object_put(c);
		c = NULL;
	}
	return rc;
}

/*
 * Whether authorization rec (already refreshed) may be reused for this
 * request: the same account (never across accounts: A8) and identifier;
 * pending ones always, valid ones only when authz_reuse is on, inside its
 * window as configured now (validated + authz_reuse in the future); each
 * with at least AUTHZ_REUSE_MARGIN seconds (or half its lifetime, when
 * that is shorter) left before it expires, and with a usable challenge.
 * Sets *ok.  Returns 0, -1 (damaged challenge) or a store error code.
 */
static int
authz_is_reusable(struct ctx *ctx, DB_TXN *txn, struct json_object *rec,
    const struct ident *ident, int *ok)
{
	const struct conf	*conf = ctx->conf;
	const char		*acct, *status = authz_status(rec);
	int64_t			 expires, validated, margin, life;

	*ok = 0;
	if (json_get_str(rec, "acct", &acct, NULL) != 0 ||
	    strcmp(acct, ctx->acct_id) != 0 || !authz_is_for(rec, ident) ||
	    json_get_int(rec, "expires", 0, INT64_MAX - 1, &expires) != 0)
		return 0;
	if (strcmp(status, "pending") == 0)
		life = conf->authz_lifetime;
	else if (strcmp(status, "valid") == 0 && conf->authz_reuse > 0) {
		if (json_get_int(rec, "validated", 0, INT64_MAX - 1,
		    &validated) != 0 ||
		    validated + (int64_t)conf->authz_reuse <=
		    (int64_t)ctx->now)
			return 0;
		life = conf->authz_reuse;
	} else
		return 0;
	margin = life / 2 < AUTHZ_REUSE_MARGIN ? life / 2 : AUTHZ_REUSE_MARGIN;
	if (expires - (int64_t)ctx->now <= margin)
		return 0;
	return authz_challs_usable(ctx, txn, rec, ok);
}

/*
 * Make a pending authorization of ident for the request's account: its
 * challenges (authz_chall_types(), at least one), the record (expires =
 * now + authz_lifetime) and the reuse index entry, all in txn.  The id
 * goes to id (idsz bytes) and the expiry to *expires.  Returns 0, -1
 * (perr set: serverInternal) or a store error code.
 */
static int
authz_create(struct ctx *ctx, DB_TXN *txn, const struct ident *ident,
    const char *rkey, size_t rkeysz, char *id, size_t idsz,
    time_t *expires, struct perr *perr)
{
	struct json_object	*rec = NULL, *io = NULL, *chs = NULL;
	enum chall_type		 types[CHALL__MAX];
	char			 cid[ACMEGW_ID_LEN + 1];
	const char		*value = ident->value;
	size_t			 i, n;
	time_t			 exp;
	int			 rc = -1;

	exp = ctx->now + (time_t)ctx->conf->authz_lifetime;
	n = authz_chall_types(ctx->conf, ident, types);
	assert(n > 0);
	if (ident->wildcard)
		value += 2;	/* the record keeps the name without "*." */
	if (store_new_id(id, idsz) == -1)
		goto fail;
	if ((chs = json_object_new_array()) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		rc = chall_new(ctx->store, txn, ctx->acct_id, id, types[i],
		    cid, sizeof(cid));
		if (rc == -1)
			goto fail;
		if (rc != 0)
			goto out;
		rc = -1;
		if (json_object_array_add(chs, json_object_new_string(cid))
		    != 0)
			goto fail;
	}
	if ((io = json_object_new_object()) == NULL ||
	    json_object_object_add(io, "type",
	    json_object_new_string(ident_type_str(ident))) != 0 ||
	    json_object_object_add(io, "value",
	    json_object_new_string(value)) != 0)
		goto fail;
	if ((rec = json_object_new_object()) == NULL ||
	    json_object_object_add(rec, "v",
	    json_object_new_int(ACMEGW_SCHEMA)) != 0 ||
	    json_object_object_add(rec, "id",
	    json_object_new_string(id)) != 0 ||
	    json_object_object_add(rec, "acct",
	    json_object_new_string(ctx->acct_id)) != 0)
		goto fail;
	if (json_object_object_add(rec, "identifier", io) != 0)
		goto fail;
	io = NULL;
	if (json_object_object_add(rec, "wildcard",
	    json_object_new_boolean(ident->wildcard != 0)) != 0 ||
	    json_object_object_add(rec, "status",
	    json_object_new_string("pending")) != 0 ||
	    json_object_object_add(rec, "expires",
	    json_object_new_int64((int64_t)exp)) != 0 ||
	    json_object_object_add(rec, "created",
	    json_object_new_int64((int64_t)ctx->now)) != 0)
		goto fail;
	if (json_object_object_add(rec, "challenges", chs) != 0)
		goto fail;
	chs = NULL;
	if ((rc = store_put_json(ctx->store, txn, SDB_AUTHZ, id, rec,
	    DB_NOOVERWRITE)) != 0 ||
	    (rc = store_put(ctx->store, txn, SDB_AUTHZ_REUSE, rkey, rkeysz,
	    id, ACMEGW_ID_LEN, 0)) != 0)
		goto out;
	*expires = exp;
	goto out;
fail:
	perr_set(perr, ACME_PROB_SERVER_INTERNAL,
	    "the authorization could not be made");
	rc = -1;
out:
	json_object_put(chs);
	json_object_put(io);
	json_object_put(rec);
	return rc;
}

/*
 * An authorization of ident (normalised by ident_parse(), allowed by
 * policy) for the request's account, in txn: the one the reuse index
 * names when authz_is_reusable() says so, otherwise a new pending one
 * (which the index then names).  The index entry is read with DB_RMW, so
 * that two requests for one identifier serialise.  The id goes to id
 * (idsz >= ACMEGW_ID_LEN + 1), its expiry to *expires.  Returns 0; -1
 * with perr (rejectedIdentifier when no enabled challenge type can
 * validate ident, serverInternal otherwise); or a store error code.
 */
int
authz_obtain(struct ctx *ctx, DB_TXN *txn, const struct ident *ident,
    char *id, size_t idsz, time_t *expires, struct perr *perr)
{
	struct json_object	*rec = NULL;
	enum chall_type		 types[CHALL__MAX];
	char			 rkey[AUTHZ_REUSE_KEYMAX];
	char			 old[ACMEGW_ID_LEN + 1];
	void			*val = NULL;
	size_t			 rkeysz, valsz = 0;
	int64_t			 exp;
	int			 rc = -1, ok = 0;

	assert(idsz >= ACMEGW_ID_LEN + 1);
	if (authz_chall_types(ctx->conf, ident, types) == 0) {
		perr_set(perr, ACME_PROB_REJECTED_IDENT,
		    "no enabled challenge type can validate %s %s",
		    ident_type_str(ident), ident->value);
		goto out;
	}
	if ((rkeysz = authz_reuse_key(ctx->acct_id, ident, rkey,
	    sizeof(rkey))) == 0) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL,
		    "the identifier is too long to index");
		goto out;
	}
	rc = store_get(ctx->store, txn, SDB_AUTHZ_REUSE, rkey, rkeysz,
	    DB_RMW, &val, &valsz);
	if (rc != 0 && rc != DB_NOTFOUND)
		goto out;
	if (rc == 0 && valsz == ACMEGW_ID_LEN) {
		memcpy(old, val, ACMEGW_ID_LEN);
		old[ACMEGW_ID_LEN] = '\0';
		rc = authz_load(ctx->store, txn, old, DB_RMW, &rec);
		if (rc != 0 && rc != DB_NOTFOUND && rc != -1)
			goto out;
		if (rc == 0) {
			if (authz_refresh(rec, ctx->now) &&
			    (rc = store_put_json(ctx->store, txn, SDB_AUTHZ,
			    old, rec, 0)) != 0)
				goto out;
			rc = authz_is_reusable(ctx, txn, rec, ident, &ok);
			if (rc != 0 && rc != -1)
				goto out;
		}
	} else if (rc == 0)
		log_warnx("authz_obtain: damaged reuse index entry");
	if (ok) {
		(void)json_get_int(rec, "expires", 0, INT64_MAX - 1, &exp);
		memcpy(id, old, ACMEGW_ID_LEN + 1);
		*expires = (time_t)exp;
		rc = 0;
		goto out;
	}
	rc = authz_create(ctx, txn, ident, rkey, rkeysz, id, idsz, expires,
	    perr);
out:
	free(val);
	json_object_put(rec);
	return rc;
}

/*
 * Whether a challenge of status cstatus and type ctype belongs in the
 * object of an authorization of status astatus (RFC 8555 7.1.4): a pending
 * authorization lists the challenges of enabled types; a valid one the
 * challenge that validated it, an invalid one the challenge that failed.
 */
static int
authz_shows(const struct conf *conf, const char *astatus, const char *ctype,
    const char *cstatus)
{
	int	 t = chall_type_parse(ctype);

	if (strcmp(astatus, "valid") == 0)
		return strcmp(cstatus, "valid") == 0;
	if (strcmp(astatus, "invalid") == 0)
		return strcmp(cstatus, "invalid") == 0;
	return t != -1 && (conf->challenge_types & (1u << t)) != 0;
}

/*
 * The RFC 8555 7.1.4 authorization object of record rec (borrowed):
 * identifier (without "*."), status, expires (RFC 3339), challenges (see
 * authz_shows(); when that leaves none of a final authorization, all of
 * them) and wildcard when true.  Reads the challenges in txn.  Returns 0
 * with *out (caller puts), -1 when memory ran out or a record is damaged,
 * or a store error code.
 */
int
authz_json(struct ctx *ctx, DB_TXN *txn, struct json_object *rec,
    struct json_object **out)
{
	struct json_object	*o = NULL, *io, *ioc = NULL, *chs, *list = NULL;
	struct json_object	*c = NULL, *cj = NULL;
	const char		*status, *ctype, *cstatus;
	char			 when[32];
	int64_t			 expires;
	size_t			 i, n;
	int			 wildcard = 0, rc = -1, pass;

	*out = NULL;
	status = authz_status(rec);
	if (json_get_obj(rec, "identifier", &io) != 0 ||
	    json_get_int(rec, "expires", 0, INT64_MAX - 1, &expires) != 0 ||
	    json_get_array(rec, "challenges", &chs) != 0 ||
	    order_time_str((time_t)expires, when, sizeof(when)) == -1)
		goto out;
	(void)json_get_bool(rec, "wildcard", &wildcard);
	if ((o = json_object_new_object()) == NULL ||
	    json_object_deep_copy(io, &ioc, NULL) != 0 ||
	    json_object_object_add(o, "identifier", ioc) != 0)
		goto out;
	ioc = NULL;
	if (json_object_object_add(o, "status",
	    json_object_new_string(status)) != 0 ||
	    json_object_object_add(o, "expires",
	    json_object_new_string(when)) != 0)
		goto out;
	n = json_object_array_length(chs);
	/* Pass 0 filters; pass 1 (a final one with no match) lists all. */
	for (pass = 0; pass < 2; pass++) {
		json_object_put(list);
		if ((list = json_object_new_array()) == NULL)
			goto out;
		for (i = 0; i < n; i++) {
			rc = chall_load(ctx->store, txn, json_object_get_string(
			    json_object_array_get_idx(chs, i)), 0, &c);
			if (rc != 0)
				goto out;
			rc = -1;
			(void)json_get_str(c, "type", &ctype, NULL);
			(void)json_get_str(c, "status", &cstatus, NULL);
			if (pass == 0 && !authz_shows(ctx->conf, status, ctype,
			    cstatus)) {
				json_object_put(c);
				c = NULL;
				continue;
			}
			if (chall_json(ctx->conf, c, &cj) == -1 ||
			    json_object_array_add(list, cj) != 0)
				goto out;
			cj = NULL;
			json_object_put(c);
			c = NULL;
		}
		if (json_object_array_length(list) > 0 ||
		    strcmp(status, "pending") == 0)
			break;
	}
	if (json_object_object_add(o, "challenges", list) != 0)
		goto out;
	list = NULL;
	if (wildcard && json_object_object_add(o, "wildcard",
	    json_object_new_boolean(1)) != 0)
		goto out;
	*out = o;
	o = NULL;
	rc = 0;
out:
	json_object_put(cj);
	json_object_put(c);
	json_object_put(list);
	json_object_put(ioc);
	json_object_put(o);
	return rc;
}

/*
 * Answer with the object of authorization rec: status, optional Location,
 * Retry-After while pending.  Returns 0, -1 (problem set) or a store code.
 */
static int
authz_reply(struct ctx *ctx, DB_TXN *txn, struct json_object *rec,
    int status, const char *location_id)
{
	struct json_object	*o = NULL;
	int			 rc;

	if ((rc = authz_json(ctx, txn, rec, &o)) != 0) {
		if (rc == -1)
			problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
			    "the authorization object could not be built");
		goto out;
	}
	rc = -1;
	if (location_id != NULL && resp_header(ctx->resp, "Location",
	    "%s/authz/%s", ctx->conf->base_url, location_id) == -1)
		goto nomem;
	if (strcmp(authz_status(rec), "pending") == 0 &&
	    resp_header(ctx->resp, "Retry-After", "%d",
	    AUTHZ_RETRY_AFTER) == -1)
		goto nomem;
	if (resp_json(ctx->resp, status, o) == -1)
		goto out;
	rc = 0;
	goto out;
nomem:
	problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL, "out of memory");
out:
	json_object_put(o);
	return rc;
}

/*
 * Deactivation ends any validation still running (RFC 8555 7.5.2): each
 * processing challenge of rec becomes invalid with an unauthorized error,
 * so that none stays processing once the worker drops its job.  Returns
 * 0, -1 (damaged record or no memory) or a store error code.
 */
static int
authz_stop_challs(struct ctx *ctx, DB_TXN *txn, struct json_object *rec)
{
	struct json_object	*chs, *c = NULL, *err = NULL;
	const char		*cid, *cstatus;
	size_t			 i, n;
	int			 rc = 0;

	if (json_get_array(rec, "challenges", &chs) != 0)
		return -1;
	n = json_object_array_length(chs);
	for (i = 0; i < n; i++) {
		cid = json_object_get_string(json_object_array_get_idx(chs, i));
		if ((rc = chall_load(ctx->store, txn, cid, DB_RMW, &c)) != 0)
			break;
		(void)json_get_str(c, "status", &cstatus, NULL);
		if (strcmp(cstatus, "processing") == 0) {
			rc = -1;
			if ((err = json_object_new_object()) == NULL ||
			    json_object_object_add(err, "type",
			    json_object_new_string(
			    acme_prob_type[ACME_PROB_UNAUTHORIZED])) != 0 ||
			    json_object_object_add(err, "detail",
			    json_object_new_string("the authorization was "
			    "deactivated during validation")) != 0 ||
			    json_object_object_add(err, "status",
			    json_object_new_int(acme_prob_status(
			    ACME_PROB_UNAUTHORIZED))) != 0 ||
			    json_object_object_add(c, "status",
			    json_object_new_string("invalid")) != 0 ||
			    json_object_object_add(c, "error", err) != 0)
				break;
			err = NULL;
			if ((rc = store_put_json(ctx->store, txn, SDB_CHALLS,
			    cid, c, 0)) != 0)
				break;
		}
		json_object_put(c);
		c = NULL;
	}
	json_object_put(err);
	json_object_put(c);
	return rc;
}

/*
 * POST /authz/ID (RFC 8555 7.5, 7.5.2), signed by the authorization's
 * account: 404 for an unknown id, 403 for another account's (A6).
 * POST-as-GET (or a payload without "status") reads it; an authorization
 * past its expiry reads, and is written back, as "expired".
 * {"status":"deactivated"} deactivates a pending or valid one (its
 * processing challenges become invalid); deactivating one in another
 * state, or any other status value, is malformed.  Other members are
 * ignored.  Answers 200 with the authorization.  Returns 0, -1 (refused,
 * problem set) or a store error code.
 */
int
authz_post(struct ctx *ctx, DB_TXN *txn)
{
	struct json_object	*rec = NULL;
	const char		*want = NULL, *status;
	int			 rc = -1, r;

	if ((rc = ctx_load_own(ctx, txn, authz_load, "authorization",
	    &rec)) != 0)
		goto out;
	rc = -1;
	if (ctx->payload != NULL && (r = json_get_str(ctx->payload, "status",
	    &want, NULL)) != 1) {
		if (r == -1) {
			problem_set(ctx->resp, ACME_PROB_MALFORMED,
			    "\"status\" must be a string");
			goto out;
		}
		if (strcmp(want, "deactivated") != 0) {
			problem_set(ctx->resp, ACME_PROB_MALFORMED,
			    "the only status a client can set on an "
			    "authorization is \"deactivated\"");
			goto out;
		}
	}
	if (authz_refresh(rec, ctx->now) &&
	    (rc = store_put_json(ctx->store, txn, SDB_AUTHZ, ctx->route_id,
	    rec, 0)) != 0)
		goto out;
	rc = -1;
	status = authz_status(rec);
	if (want != NULL) {
		if (strcmp(status, "pending") != 0 &&
		    strcmp(status, "valid") != 0) {
			problem_set(ctx->resp, ACME_PROB_MALFORMED,
			    "this authorization is %s; only a pending or valid "
			    "authorization can be deactivated", status);
			goto out;
		}
		if (json_object_object_add(rec, "status",
		    json_object_new_string("deactivated")) != 0) {
			problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
			    "out of memory");
			goto out;
		}
		if ((rc = authz_stop_challs(ctx, txn, rec)) != 0 ||
		    (rc = store_put_json(ctx->store, txn, SDB_AUTHZ,
		    ctx->route_id, rec, 0)) != 0) {
			if (rc == -1)
				problem_set(ctx->resp,
				    ACME_PROB_SERVER_INTERNAL,
				    "the authorization could not be "
				    "deactivated");
			goto out;
		}
		log_info("authorization %s deactivated", ctx->route_id);
	}
	rc = authz_reply(ctx, txn, rec, 200, NULL);
out:
	json_object_put(rec);
	return rc;
}

/* authz_deactivate_account()'s walk of the reuse index. */
struct authz_deact {
	struct ctx	*ctx;
	DB_TXN		*txn;
	unsigned int	*n;
};

/*
 * One entry of the reuse index (value: an authorization id): deactivate
 * that authorization if it is pending.  0 (go on), -1 or a store code.
 */
static int
authz_deact_one(const void *key, size_t keysz, const void *val,
    size_t valsz, void *arg)
{
	struct authz_deact	*ad = arg;
	struct json_object	*rec = NULL;
	char			 aid[ACMEGW_ID_LEN + 1];
	int			 rc;

	(void)key;
	(void)keysz;
	if (valsz != ACMEGW_ID_LEN)
		return -1;
	memcpy(aid, val, ACMEGW_ID_LEN);
	aid[ACMEGW_ID_LEN] = '\0';
	rc = authz_load(ad->ctx->store, ad->txn, aid, DB_RMW, &rec);
	if (rc == DB_NOTFOUND)
		return 0;	/* pruned: nothing to stop */
	if (rc != 0)
		goto out;
	(void)authz_refresh(rec, ad->ctx->now);
	if (strcmp(authz_status(rec), "pending") != 0)
		goto out;
	rc = -1;
	if (json_object_object_add(rec, "status",
	    json_object_new_string("deactivated")) != 0)
		goto out;
	if ((rc = authz_stop_challs(ad->ctx, ad->txn, rec)) != 0 ||
	    (rc = store_put_json(ad->ctx->store, ad->txn, SDB_AUTHZ, aid, rec,
	    0)) != 0)
		goto out;
	(*ad->n)++;
out:
	json_object_put(rec);
	return rc;
}

/*
 * SECURITY.md A9: when account acct_id is deactivated, every pending
 * authorization the reuse index names for it (SDB_AUTHZ_REUSE, keys
 * acct_id "|" ...) becomes "deactivated" too, and its processing
 * challenges invalid (authz_stop_challs()), in txn, so that no
 * validation of a dead account can still succeed.  Valid ones are left:
 * nothing can use them once the account is deactivated, and a
 * certificate already issued stays revocable through them.  How many
 * were deactivated goes to *n.  Returns 0, -1 (damaged record or no
 * memory) or a store error code.
 */
int
authz_deactivate_account(struct ctx *ctx, DB_TXN *txn, unsigned int *n)
{
	struct authz_deact	 ad;
	char			 prefix[ACMEGW_ID_LEN + 1];

	*n = 0;
	memcpy(prefix, ctx->acct_id, ACMEGW_ID_LEN);
	prefix[ACMEGW_ID_LEN] = '|';
	ad.ctx = ctx;
	ad.txn = txn;
	ad.n = n;
	return store_scan_prefix(ctx->store, txn, SDB_AUTHZ_REUSE, prefix,
	    sizeof(prefix), sizeof(prefix), 1, authz_deact_one, &ad);
}

/*
 * newAuthz (RFC 8555 7.4.1), only when pre_authorization is on (the
 * router answers 404 otherwise): payload {"identifier": {...}}, other
 * members ignored.  The identifier goes through ident_parse() and the
 * policy (global and the account's EAB domain list); a wildcard is a
 * rejectedIdentifier (the RFC forbids pre-authorizing one).  The
 * authorization is reused or made as for newOrder (authz_obtain()), and
 * the answer is 201 with its Location.  Returns 0, -1 (refused, problem
 * set) or a store error code.
 */
int
authz_new(struct ctx *ctx, DB_TXN *txn)
{
	struct json_object	*io, *rec = NULL;
	struct ident		 ident;
	struct perr		 e;
	char			 id[ACMEGW_ID_LEN + 1], logv[96];
	char		       **doms = NULL;
	size_t			 domsz = 0;
	time_t			 expires;
	int			 rc = -1;

	memset(&e, 0, sizeof(e));
	memset(&ident, 0, sizeof(ident));
	if (!ctx->conf->pre_authorization) {
		problem_set(ctx->resp, ACME_PROB_NOT_FOUND,
		    "this server does not offer pre-authorization");
		goto out;
	}
	if (ctx->payload == NULL) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "newAuthz needs a payload object, not POST-as-GET");
		goto out;
	}
	if (json_get_obj(ctx->payload, "identifier", &io) != 0) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "newAuthz needs an \"identifier\" object");
		goto out;
	}
	if (ident_parse(io, &ident, &e) != ACME_PROB_NONE) {
		problem_perr(ctx->resp, &e);
		goto out;
	}
	if (ident.wildcard) {
		problem_set(ctx->resp, ACME_PROB_REJECTED_IDENT,
		    "%s cannot be pre-authorized: a wildcard is authorized "
		    "only through newOrder (RFC 8555 7.4.1)", ident.value);
		goto out;
	}
	rc = order_eab_domains(ctx, txn, &doms, &domsz, &e);
	if (rc == -1)
		problem_perr(ctx->resp, &e);
	if (rc != 0)
		goto out;
	rc = -1;
	if (ident_is_allowed(ctx->conf, &ident, doms, domsz, &e) != 1) {
		problem_perr(ctx->resp, &e);
		goto out;
	}
	rc = authz_obtain(ctx, txn, &ident, id, sizeof(id), &expires, &e);
	if (rc == -1)
		problem_perr(ctx->resp, &e);
	if (rc != 0)
		goto out;
	rc = authz_load(ctx->store, txn, id, 0, &rec);
	if (rc == -1 || rc == DB_NOTFOUND) {
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "the authorization cannot be read back");
		rc = -1;
	}
	if (rc != 0)
		goto out;
	if ((rc = authz_reply(ctx, txn, rec, 201, id)) != 0)
		goto out;
	log_sanitize(logv, sizeof(logv), ident.value, strlen(ident.value));
	log_info("newAuthz: authorization %s for %s %s (account %s)", id,
	    ident_type_str(&ident), logv, ctx->acct_id);
out:
	order_eab_domains_free(doms, domsz);
	json_object_put(rec);
	return rc;
}

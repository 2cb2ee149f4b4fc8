/*
 * router.c: (method, path) -> handler, and the POST pipeline.
 *
 * Owns the route table (default deny: an unknown path is 404, a known
 * path with another method 405 with Allow), the checks every POST goes
 * through in SECURITY.md 2.0 order, the one store transaction a POST runs
 * in, and the headers every response carries (Replay-Nonce, Link index,
 * Cache-Control).  It also builds URLs under base_url for the handlers.
 *
 * Must never: decide anything from unauthenticated data beyond routing and
 * framing; consume a nonce before the signature verified; leave a refused
 * request's writes in the store; build a URL from Host or X-Forwarded-*.
 *
 * Nonces and refusals: the nonce is consumed in the request's transaction
 * once the signature verified ("nonce consumed once the signature
 * verified").  The handler then runs in a child transaction: when it
 * refuses, its writes are aborted with the child, but the parent commits
 * and the nonce stays consumed, so a signed request can never be replayed,
 * whether it was answered or refused.  Refusals before the signature check
 * write nothing.  A handler that queued a validation job sets
 * ctx->poke_worker; the worker is poked only once the transaction
 * committed (a job it cannot see yet would wait for the next rescan).
 *
 * Second phase: a handler whose work must happen with no transaction
 * open (finalize runs the signer, which may take seconds; holding locks
 * that long would stall every other request on the order and the serial
 * table) does the checks and the write-ahead in the request's transaction
 * and sets ctx->after, ctx->after_free and ctx->after_arg.  Only when the
 * whole transaction committed does router_post() call
 * after(ctx, after_arg), which opens its own transactions and replaces
 * the response.  A refused handler (child aborted), a retried attempt or
 * a failed commit discards the arg unrun (router_after_drop()), so the
 * second phase runs exactly once per committed first phase.  A second
 * phase may leave work for after the response was sent (finalize still
 * signing after signing_wait): it moves after_arg into the response's
 * continuation (struct resp: cont, run by fcgi_run()) and clears
 * ctx->after_arg.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmegw.h"

#define ROUTE_M_GET	(1u << METHOD_GET)
#define ROUTE_M_HEAD	(1u << METHOD_HEAD)
#define ROUTE_M_POST	(1u << METHOD_POST)

enum route_kind {
	ROUTE_DIRECTORY = 0,
	ROUTE_NEW_NONCE,
	ROUTE_NEW_ACCOUNT,
	ROUTE_NEW_ORDER,
	ROUTE_REVOKE_CERT,
	ROUTE_KEY_CHANGE,
	ROUTE_ACCT,
	ROUTE_ACCT_ORDERS,
	ROUTE_NEW_AUTHZ,
	ROUTE_ORDER,
	ROUTE_AUTHZ,
	ROUTE_CHALL,
	ROUTE_FINALIZE,
	ROUTE_CERT,
	ROUTE_RENEWAL_INFO,
	ROUTE__MAX
};

/* Room for a path id: an object id or a serial in hex. */
#define ROUTER_ID_MAX	(CERT_SERIAL_HEXLEN + 1)

/* Which key a route's JWS must name (RFC 8555 6.2). */
enum route_key {
	RKEY_NONE = 0,		/* not a POST resource */
	RKEY_JWK,		/* newAccount */
	RKEY_KID,		/* everything with an account */
	RKEY_EITHER		/* revokeCert: account key or certificate key */
};

struct route {
	const char	*name;		/* for details and logs */
	unsigned int	 methods;
	const char	*allow;
	enum route_key	 key;
	int		(*handler)(struct ctx *, DB_TXN *);
};

static const struct route routes[ROUTE__MAX] = {
	{ "directory", ROUTE_M_GET | ROUTE_M_HEAD, "GET, HEAD", RKEY_NONE,
	    NULL },
	{ "newNonce", ROUTE_M_GET | ROUTE_M_HEAD, "GET, HEAD", RKEY_NONE,
	    NULL },
	{ "newAccount", ROUTE_M_POST, "POST", RKEY_JWK, account_new },
	{ "newOrder", ROUTE_M_POST, "POST", RKEY_KID, order_new },
	{ "revokeCert", ROUTE_M_POST, "POST", RKEY_EITHER, revoke_post },
	{ "keyChange", ROUTE_M_POST, "POST", RKEY_KID, keychange_post },
	{ "account", ROUTE_M_POST, "POST", RKEY_KID, account_post },
	{ "orders", ROUTE_M_POST, "POST", RKEY_KID, account_orders },
	{ "newAuthz", ROUTE_M_POST, "POST", RKEY_KID, authz_new },
	{ "order", ROUTE_M_POST, "POST", RKEY_KID, order_post },
	{ "authorization", ROUTE_M_POST, "POST", RKEY_KID, authz_post },
	{ "challenge", ROUTE_M_POST, "POST", RKEY_KID, chall_post },
	{ "finalize", ROUTE_M_POST, "POST", RKEY_KID, cert_finalize },
	{ "certificate", ROUTE_M_POST, "POST", RKEY_KID, cert_post },
	{ "renewalInfo", ROUTE_M_GET | ROUTE_M_HEAD, "GET, HEAD", RKEY_NONE,
	    NULL },
};

/* One POST in flight: what the transaction body needs and resets. */
struct router_txn {
	struct ctx		*ctx;
	const struct route	*rt;
	struct jwk		*acct_key;	/* the kid account's key */
};

/*
 * Load the record the path names (ctx->route_id) with load() under DB_RMW
 * and check that it belongs to the request's account: an unknown id is 404
 * ("there is no <what> at this URL"), a damaged record 500, another
 * account's record 403 unauthorized (A6).  Returns 0 with *rec (the caller
 * puts it), -1 with the problem set, or a store error code (for the
 * caller's retry); *rec is NULL unless 0.
 */
int
ctx_load_own(struct ctx *ctx, DB_TXN *txn,
    int (*load)(struct store *, DB_TXN *, const char *, int,
    struct json_object **), const char *what, struct json_object **rec)
{
	const char	*acct;
	int		 rc;

	*rec = NULL;
	if (ctx->route_id == NULL) {
		problem_set(ctx->resp, ACME_PROB_NOT_FOUND,
		    "there is no %s at this URL", what);
		return -1;
	}
	rc = load(ctx->store, txn, ctx->route_id, DB_RMW, rec);
	if (rc == DB_NOTFOUND) {
		problem_set(ctx->resp, ACME_PROB_NOT_FOUND,
		    "there is no %s at this URL", what);
		return -1;
	}
	if (rc == -1) {
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "the %s record cannot be read", what);
		return -1;
	}
	if (rc != 0)
		return rc;
	if (json_get_str(*rec, "acct", &acct, NULL) != 0 ||
	    strcmp(acct, ctx->acct_id) != 0) {
		problem_set(ctx->resp, ACME_PROB_UNAUTHORIZED,
		    "this %s belongs to another account", what);
		json_object_put(*rec);
		*rec = NULL;
		return -1;
	}
	return 0;
}

/*
 * Build base_url followed by the formatted path into buf (bufsz bytes).
 * Returns 0, or -1 when the result does not fit (buf is then "").
 */
int
url_build(const struct conf *conf, char *buf, size_t bufsz, const char *fmt,
    ...)
{
	va_list	 ap;
	int	 n, m;

	n = snprintf(buf, bufsz, "%s", conf->base_url);
	if (n < 0 || (size_t)n >= bufsz)
		goto fail;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, bufsz - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= bufsz - (size_t)n)
		goto fail;
	return 0;
fail:
	if (bufsz > 0)
		buf[0] = '\0';
	return -1;
}

/*
 * 1 if s[0..len) is an object id: exactly ACMEGW_ID_LEN characters of
 * canonical base64url (K1).
 */
static int
router_is_id(const char *s, size_t len)
{
	return len == ACMEGW_ID_LEN && b64url_is_canonical(s, len);
}

/*
 * Map a path to a route.  Only the fixed endpoints,
 * /acct/ID, /acct/ID/orders, /acct/ID/orders/CURSOR and /order/ID,
 * /authz/ID, /chall/ID, /finalize/ID, /cert/SERIAL, /cert/SERIAL/alt and
 * /renewal-info/CERTID are known; ids and serials go to id and cursors
 * (and "alt") to cursor (ROUTER_ID_MAX bytes each, "" when absent).  The
 * certID is not copied: *rest points at it inside path (ari.c parses it,
 * so that a malformed one is a 400, not a 404).  Returns 0 and sets
 * *kind, or -1 for an unknown path.
 */
static int
router_match(const char *path, enum route_kind *kind, char *id, char *cursor,
    const char **rest)
{
	static const struct {
		const char	*path;
		enum route_kind	 kind;
	} fixed[] = {
		{ "/directory",		ROUTE_DIRECTORY },
		{ "/new-nonce",		ROUTE_NEW_NONCE },
		{ "/new-account",	ROUTE_NEW_ACCOUNT },
		{ "/new-order",		ROUTE_NEW_ORDER },
		{ "/revoke-cert",	ROUTE_REVOKE_CERT },
		{ "/key-change",	ROUTE_KEY_CHANGE },
		{ "/new-authz",		ROUTE_NEW_AUTHZ },
	};
	static const struct {
		const char	*prefix;
		size_t		 len;
		enum route_kind	 kind;
	} byid[] = {
		{ "/order/",	7,	ROUTE_ORDER },
		{ "/authz/",	7,	ROUTE_AUTHZ },
		{ "/chall/",	7,	ROUTE_CHALL },
		{ "/finalize/",	10,	ROUTE_FINALIZE },
	};
	const char	*p;
	size_t		 i;

	id[0] = cursor[0] = '\0';
	*rest = NULL;
	if (strncmp(path, "/renewal-info/", 14) == 0) {
		*rest = path + 14;
		*kind = ROUTE_RENEWAL_INFO;
		return 0;
	}
	if (strncmp(path, "/cert/", 6) == 0) {
		p = path + 6;
		i = strcspn(p, "/");
		if (!cert_serial_is_valid(p, i))
			return -1;
		if (p[i] != '\0' && strcmp(p + i, "/alt") != 0)
			return -1;
		memcpy(id, p, i);
		id[i] = '\0';
		if (p[i] != '\0')
			memcpy(cursor, "alt", 4);
		*kind = ROUTE_CERT;
		return 0;
	}
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(path, fixed[i].path) == 0) {
			*kind = fixed[i].kind;
			return 0;
		}
	for (i = 0; i < sizeof(byid) / sizeof(byid[0]); i++)
		if (strncmp(path, byid[i].prefix, byid[i].len) == 0) {
			p = path + byid[i].len;
			if (strlen(p) != ACMEGW_ID_LEN ||
			    !router_is_id(p, ACMEGW_ID_LEN))
				return -1;
			memcpy(id, p, ACMEGW_ID_LEN + 1);
			*kind = byid[i].kind;
			return 0;
		}
	if (strncmp(path, "/acct/", 6) != 0)
		return -1;
	p = path + 6;
	if (strlen(p) < ACMEGW_ID_LEN || !router_is_id(p, ACMEGW_ID_LEN))
		return -1;
	memcpy(id, p, ACMEGW_ID_LEN);
	id[ACMEGW_ID_LEN] = '\0';
	p += ACMEGW_ID_LEN;
	if (*p == '\0') {
		*kind = ROUTE_ACCT;
		return 0;
	}
	if (strcmp(p, "/orders") == 0) {
		*kind = ROUTE_ACCT_ORDERS;
		return 0;
	}
	if (strncmp(p, "/orders/", 8) != 0)
		return -1;
	p += 8;
	if (strlen(p) != ACMEGW_ID_LEN || !router_is_id(p, ACMEGW_ID_LEN))
		return -1;
	memcpy(cursor, p, ACMEGW_ID_LEN + 1);
	*kind = ROUTE_ACCT_ORDERS;
	return 0;
}

/*
 * Parse a kid: exactly base_url "/acct/" followed by an id (J9).  Copies
 * the id into id (ACMEGW_ID_LEN + 1 bytes).  Returns 0 or -1.
 */
static int
router_kid_parse(const struct conf *conf, const char *kid, char *id)
{
	size_t	 blen = strlen(conf->base_url);

	if (strncmp(kid, conf->base_url, blen) != 0 ||
	    strncmp(kid + blen, "/acct/", 6) != 0)
		return -1;
	kid += blen + 6;
	if (strlen(kid) != ACMEGW_ID_LEN || !router_is_id(kid, ACMEGW_ID_LEN))
		return -1;
	memcpy(id, kid, ACMEGW_ID_LEN + 1);
	return 0;
}

/*
 * 1 if the JWS url is exactly the request URL: base_url + PATH_INFO, plus
 * "?" QUERY_STRING when there is one (U1).  Never built from Host.
 */
static int
router_url_is_request(const struct ctx *ctx, const char *url)
{
	const char	*b = ctx->conf->base_url, *p = ctx->req->path;
	const char	*q = ctx->req->query;
	size_t		 blen = strlen(b), plen = strlen(p);

	if (strncmp(url, b, blen) != 0)
		return 0;
	url += blen;
	if (strncmp(url, p, plen) != 0)
		return 0;
	url += plen;
	if (*q == '\0')
		return *url == '\0';
	return url[0] == '?' && strcmp(url + 1, q) == 0;
}

/* Discard a second phase that will not run (see the file comment). */
static void
router_after_drop(struct ctx *ctx)
{
	if (ctx->after_free != NULL && ctx->after_arg != NULL)
		ctx->after_free(ctx->after_arg);
	ctx->after = NULL;
	ctx->after_free = NULL;
	ctx->after_arg = NULL;
}

/* Forget what one transaction attempt built (it may run several times). */
static void
router_attempt_reset(struct router_txn *x)
{
	struct ctx	*ctx = x->ctx;

	router_after_drop(ctx);
	resp_reset(ctx->resp);
	json_object_put(ctx->acct);
	ctx->acct = NULL;
	json_object_put(ctx->payload);
	ctx->payload = NULL;
	ctx->acct_id[0] = '\0';
	ctx->poke_worker = 0;
	jwk_free(x->acct_key);
	x->acct_key = NULL;
}

/* The handler, inside its child transaction. */
static int
router_child(DB_TXN *txn, void *arg)
{
	struct router_txn	*x = arg;

	return x->rt->handler(x->ctx, txn);
}

/*
 * The body of a POST's transaction, SECURITY.md 2.0 steps 7 to 13: key
 * lookup, signature, nonce, url, payload, account status, handler.
 * Returns 0 to commit (the response may be a refusal: the consumed nonce
 * must stay consumed), or a store error code to abort (retryable codes
 * make store_txn_run() run it again).  It owns nothing itself: what it
 * loads hangs off x and ctx and is freed by the next attempt or the
 * caller, so each refusal returns at once.
 */
static int
router_txn_body(DB_TXN *txn, void *arg)
{
	struct router_txn	*x = arg;
	struct ctx		*ctx = x->ctx;
	const struct jwk	*key;
	const char		*status = NULL;
	struct perr		 e;
	char			 id[ACMEGW_ID_LEN + 1];
	size_t			 statuslen;
	int			 rc;

	router_attempt_reset(x);
	memset(&e, 0, sizeof(e));

	/* Step 7: the key, from the kid's account or the jwk (J5-J9). */
	if (ctx->jws.kid != NULL) {
		if (x->rt->key == RKEY_JWK) {
			problem_set(ctx->resp, ACME_PROB_MALFORMED,
			    "%s must be signed with a \"jwk\", not a \"kid\"",
			    x->rt->name);
			return 0;
		}
		if (router_kid_parse(ctx->conf, ctx->jws.kid, id) == -1) {
			problem_set(ctx->resp, ACME_PROB_MALFORMED,
			    "\"kid\" is not an account URL of this server");
			return 0;
		}
		rc = account_load(ctx, txn, id, &ctx->acct, &x->acct_key);
		if (rc == DB_NOTFOUND) {
			problem_set(ctx->resp, ACME_PROB_ACCT_DNE,
			    "no account is known by this \"kid\"");
			return 0;
		}
		if (rc == -1) {
			problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
			    "the account record cannot be read");
			return 0;
		}
		if (rc != 0)
			return rc;
		memcpy(ctx->acct_id, id, sizeof(ctx->acct_id));
		key = x->acct_key;
	} else {
		if (x->rt->key == RKEY_KID) {
			problem_set(ctx->resp, ACME_PROB_MALFORMED,
			    "%s must be signed with the account's \"kid\", "
			    "not a \"jwk\"", x->rt->name);
			return 0;
		}
		key = ctx->jws.jwk;
	}
	if (key == NULL) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "the JWS names no key");
		return 0;
	}

	/* Step 8: the signature; nothing was written so far. */
	if (jws_verify(&ctx->jws, key, &e) != ACME_PROB_NONE) {
		problem_perr(ctx->resp, &e);
		return 0;
	}

	/* Step 9: the nonce (N1-N5). */
	if (ctx->jws.nonce == NULL) {
		problem_set(ctx->resp, ACME_PROB_BAD_NONCE,
		    "the JWS protected header has no \"nonce\"");
		return 0;
	}
	rc = nonce_consume(ctx->store, txn, ctx->jws.nonce, ctx->now,
	    ctx->conf->nonce_lifetime, &e);
	if (rc == -1) {
		problem_perr(ctx->resp, &e);
		return 0;
	}
	if (rc != 0)
		return rc;

	/* Step 10: the url (U1). */
	if (ctx->jws.url == NULL ||
	    !router_url_is_request(ctx, ctx->jws.url)) {
		problem_set(ctx->resp, ACME_PROB_UNAUTHORIZED,
		    "the JWS \"url\" is not the URL this request was sent to");
		return 0;
	}

	/* Step 11: the payload; empty means POST-as-GET. */
	if (ctx->jws.payloadsz > 0) {
		ctx->payload = json_parse_strict((const char *)ctx->jws.payload,
		    ctx->jws.payloadsz, &e);
		if (ctx->payload == NULL) {
			problem_perr(ctx->resp, &e);
			return 0;
		}
		if (!json_object_is_type(ctx->payload, json_type_object)) {
			problem_set(ctx->resp, ACME_PROB_MALFORMED,
			    "the JWS payload must be a JSON object");
			return 0;
		}
	}

	/* Step 12: only a valid account may act (J10, A9). */
	if (ctx->acct != NULL) {
		if (json_get_str(ctx->acct, "status", &status,
		    &statuslen) != 0 ||
		    strcmp(status, "valid") != 0) {
			problem_set(ctx->resp, ACME_PROB_UNAUTHORIZED,
			    "this account is %s and can no longer be used",
			    status != NULL ? status : "not valid");
			return 0;
		}
	}

	/* Step 13: the handler; its writes are undone if it refuses. */
	rc = store_txn_child(ctx->store, txn, router_child, x);
	if (rc != 0) {
		ctx->poke_worker = 0;	/* nothing it queued survives */
		router_after_drop(ctx);
	}
	if (rc == -1)
		return 0;
	return rc;
}

/* Log a refusal: the problem type and its detail, sanitised. */
static void
router_log_problem(const struct resp *resp)
{
	char		 buf[400];
	const char	*d = "";
	struct json_object *o = NULL, *v;

	if (resp->prob == ACME_PROB_NONE || resp->body == NULL)
		return;
	if ((o = json_tokener_parse(resp->body)) != NULL &&
	    json_object_object_get_ex(o, "detail", &v))
		d = json_object_get_string(v);
	log_sanitize(buf, sizeof(buf), d, strlen(d));
	log_info("problem %s: %s", strrchr(acme_prob_type[resp->prob], ':') +
	    1, buf);
	json_object_put(o);
}

/*
 * A sentence for a store error that the administrator must fix on the
 * state directory: a full file system (store_err_is_space()) or one this
 * process cannot write (store_err_is_access()), naming the directory and,
 * for the latter, the user.  Writes it into buf (bufsz bytes).  Returns 1,
 * or 0 (buf "") for any other code.
 */
static int
router_store_detail(const struct conf *conf, int rc, char *buf, size_t bufsz)
{
	char	 user[128];

	buf[0] = '\0';
	if (store_err_is_space(rc))
		snprintf(buf, bufsz, "the server's disk is full: its state "
		    "directory %s cannot grow (%s); nothing was stored; "
		    "retry once space was freed there", conf->state_dir,
		    strerror(rc));
	else if (store_err_is_access(rc))
		snprintf(buf, bufsz, "the state directory %s cannot be "
		    "written by user %s (%s); nothing was stored; its "
		    "administrator must make it writable by that user",
		    conf->state_dir, store_user(user, sizeof(user)),
		    strerror(rc));
	return buf[0] != '\0';
}

/*
 * The free-space guard (SECURITY.md X8, B21, F7): when the file system of
 * state_dir has less than min_free_space left, answer 503 before any
 * transaction, so that the store never gets to ENOSPC in the middle of
 * its log or pages.  It runs here, in the responder, not in the worker
 * as ARCHITECTURE.md has it: one statvfs() per request is cheap, the
 * answer is exact at each request, and there is no flag to write on a
 * file system that is filling up (the worker may not even run: it is
 * started on demand); the worker only logs a warning.  Returns 1 with the
 * problem set, or 0.
 */
static int
router_space_guard(struct ctx *ctx)
{
	unsigned long long	 avail;

	if (store_space_low(ctx->conf, &avail) != 1)
		return 0;
	problem_set(ctx->resp, ACME_PROB_UNAVAILABLE, "the state "
	    "directory's file system has %.1f MiB free, below "
	    "min_free_space %.1f MiB: nothing was stored; its administrator "
	    "must free space there or move state_dir",
	    (double)avail / 1024, (double)ctx->conf->min_free_space / 1024);
	return 1;
}

/*
 * Answer a request while the store cannot be opened (store_retry()
 * failed): 503 naming the state directory, the user and what to do.
 */
static void
router_store_closed(const struct store *store, struct resp *resp)
{
	const char	*fix;
	char		 user[128];
	int		 rc = store->open_rc;

	if (store_err_is_access(rc))
		fix = "make it writable by that user (its owner, mode 0700) "
		    "on a file system mounted read-write";
	else if (store_err_is_space(rc))
		fix = "free space in its file system";
	else if (rc == ENOENT)
		fix = "create its parent directory";
	else
		fix = "see the server's log";
	problem_set(resp, ACME_PROB_UNAVAILABLE, "the state directory "
	    "cannot be opened by user %s: %s; its administrator must %s; "
	    "the service resumes by itself", store_user(user, sizeof(user)),
	    store_open_error(store), fix);
}

/*
 * Run the POST pipeline for route kind on ctx: Content-Type, size,
 * framing, the Replay-Nonce request header, the JWS syntax, then one
 * transaction for the rest.  Returns 0, or -1 when the store reported
 * that it needs recovery (the response is then a 503).
 */
static int
router_post(struct ctx *ctx, enum route_kind kind)
{
	struct router_txn	 x;
	struct perr		 e;
	const struct req	*req = ctx->req;
	char			 detail[512];
	int			 rc, ret = 0;

	memset(&x, 0, sizeof(x));
	memset(&e, 0, sizeof(e));
	x.ctx = ctx;
	x.rt = &routes[kind];

	/* P2: exactly application/jose+json. */
	if (req->ctype == NULL || strcmp(req->ctype,
	    "application/jose+json") != 0) {
		problem_set(ctx->resp, ACME_PROB_MEDIA_TYPE,
		    "the Content-Type of an ACME POST must be "
		    "application/jose+json");
		goto out;
	}
	if (req->body_too_large) {
		problem_set(ctx->resp, ACME_PROB_TOO_LARGE,
		    "the request body is larger than %zu bytes",
		    ctx->conf->max_body_size);
		goto out;
	}
	if (req->body_short || req->body == NULL) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED, "%s",
		    req->body == NULL ? "the request's Content-Length is not a "
		    "decimal number" : "the request body is shorter than its "
		    "Content-Length");
		goto out;
	}
	if (req->has_nonce_hdr) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "Replay-Nonce is a response header; put the nonce in the "
		    "JWS protected header");
		goto out;
	}
	if (jws_parse(req->body, req->bodysz, JWS_OUTER, &ctx->jws, &e) !=
	    ACME_PROB_NONE) {
		problem_perr(ctx->resp, &e);
		goto out;
	}

	if (router_space_guard(ctx))
		goto out;

	rc = store_txn_run(ctx->store, 0, router_txn_body, &x);
	if (rc == 0 && ctx->poke_worker)
		(void)chall_poke_worker(ctx->conf);	/* after the commit */
	if (rc == 0 && ctx->after != NULL)
		ctx->after(ctx, ctx->after_arg);	/* no txn open */
	router_after_drop(ctx);
	if (rc == 0 && kind == ROUTE_REVOKE_CERT &&
	    ctx->resp->prob == ACME_PROB_NONE)
		revoke_committed(ctx);		/* the CRL, no txn open */
	ctx->poke_worker = 0;
	if (rc != 0) {
		resp_reset(ctx->resp);
		ctx->acct_id[0] = '\0';
		if (router_store_detail(ctx->conf, rc, detail,
		    sizeof(detail))) {
			/* Never a 2xx without its commit (F7). */
			log_warnx("router_post: %s", store_strerror(rc));
			problem_set(ctx->resp, ACME_PROB_UNAVAILABLE, "%s",
			    detail);
		} else if (rc == STORE_BUSY) {
			log_warnx("router_post: %s", store_strerror(rc));
			problem_set(ctx->resp, ACME_PROB_UNAVAILABLE,
			    "the server is busy; retry in a few seconds");
		} else if (rc == STORE_FATAL) {
			log_warnx("router_post: %s", store_strerror(rc));
			problem_set(ctx->resp, ACME_PROB_UNAVAILABLE,
			    "the server is recovering; retry in a few seconds");
			ret = -1;
		} else {
			log_warnx("router_post: %s", store_strerror(rc));
			problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
			    "the request could not be stored");
		}
	}
out:
	jwk_free(x.acct_key);
	json_object_put(ctx->acct);
	ctx->acct = NULL;
	json_object_put(ctx->payload);
	ctx->payload = NULL;
	jws_clear(&ctx->jws);
	return ret;
}

/*
 * Answer one request: route (method, path) with default deny, run the
 * resource (POSTs through the full pipeline and one transaction), then add
 * the common headers: Link rel="index" on everything but the directory, a
 * fresh Replay-Nonce and Cache-Control: no-store on every POST response
 * (errors included) and on newNonce.  A store that store_open(STORE_RETRY)
 * left closed is opened first (store_retry()); while that fails, every
 * request is answered 503 naming the state directory and the fix.  Below
 * min_free_space, newNonce and every POST get 503 before any write (the
 * free-space guard); an error answer that no nonce could be stored for
 * says why (F7).  The account id the request acted as
 * (or "-") goes to acct (acctsz bytes) for the log line.  resp must be
 * initialised and empty.  Returns 0, or -1 when the store needs recovery:
 * the caller sends the response (a 503) and then exits.
 */
int
router_handle(const struct conf *conf, struct store *store,
    const struct req *req, struct resp *resp, char *acct, size_t acctsz)
{
	struct ctx	 ctx;
	enum route_kind	 kind;
	char		 id[ROUTER_ID_MAX], cursor[ROUTER_ID_MAX];
	char		 nonce[ACMEGW_NONCE_LEN + 1], url[1024];
	char		 detail[512];
	const char	*rest = NULL;
	int		 ret = 0, rc, known = 0, want_nonce;

	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = conf;
	ctx.store = store;
	ctx.req = req;
	ctx.resp = resp;
	ctx.now = req->now;

	if (!store_is_open(store) && store_retry(store, conf) == -1) {
		/* Every request, until the state directory is fixed. */
		router_store_closed(store, resp);
		goto done;
	}

	known = router_match(req->path, &kind, id, cursor, &rest) == 0;
	/* newAuthz exists only when pre-authorization is on (7.4.1). */
	if (known && kind == ROUTE_NEW_AUTHZ && !conf->pre_authorization)
		known = 0;
	want_nonce = req->method == METHOD_POST ||
	    (known && kind == ROUTE_NEW_NONCE);

	if (!known) {
		problem_set(resp, ACME_PROB_NOT_FOUND,
		    "there is no ACME resource at this URL");
	} else if ((routes[kind].methods & (1u << req->method)) == 0) {
		problem_set(resp, ACME_PROB_METHOD,
		    "%s accepts only %s", routes[kind].name,
		    routes[kind].allow);
		(void)resp_header(resp, "Allow", "%s", routes[kind].allow);
	} else if (kind == ROUTE_DIRECTORY) {
		directory_get(&ctx);
	} else if (kind == ROUTE_NEW_NONCE) {
		if (!router_space_guard(&ctx))
			nonce_get(&ctx);
	} else if (kind == ROUTE_RENEWAL_INFO) {
		ctx.route_id = rest;
		ari_get(&ctx);
	} else {
		ctx.route_id = id[0] != '\0' ? id : NULL;
		ctx.route_sub = cursor[0] != '\0' ? cursor : NULL;
		ret = router_post(&ctx, kind);
	}

	if (want_nonce) {
		rc = ret == 0 ? nonce_issue(store, req->now, nonce,
		    sizeof(nonce)) : STORE_FATAL;
		if (rc == 0)
			(void)resp_header(resp, "Replay-Nonce", "%s", nonce);
		else {
			log_warnx("router_handle: no nonce could be issued: "
			    "%s", store_strerror(rc));
			if (rc == STORE_FATAL || store->panic)
				ret = -1;
			if (ret != -1 && router_store_detail(conf, rc, detail,
			    sizeof(detail)) && (req->method != METHOD_POST ||
			    resp->prob != ACME_PROB_NONE)) {
				/*
				 * No nonce can be stored: say so rather than
				 * send a bare answer without one.  A POST
				 * that committed keeps its 2xx answer: the
				 * client must learn that it was done.
				 */
				resp_reset(resp);
				problem_set(resp, ACME_PROB_UNAVAILABLE,
				    "%s; this answer carries no Replay-Nonce "
				    "because none can be stored", detail);
			} else if (req->method != METHOD_POST || ret == -1) {
				/* A newNonce answer without a nonce is no
				 * answer; nor is a POST answer once the store
				 * needs recovery. */
				resp_reset(resp);
				problem_set(resp, ACME_PROB_UNAVAILABLE,
				    "the server cannot issue nonces right "
				    "now; retry in a few seconds");
			}
		}
		(void)resp_header(resp, "Cache-Control", "no-store");
	}
	if (store->panic)
		ret = -1;
done:
	if (!(known && kind == ROUTE_DIRECTORY && resp->prob ==
	    ACME_PROB_NONE) && url_build(conf, url, sizeof(url),
	    "/directory") == 0) {
		/*
		 * A header of its own: resp_header() adds Link headers
		 * beside a handler's (up, next, alternate).
		 */
		(void)resp_header(resp, "Link", "<%s>;rel=\"index\"", url);
	}

	if (req->method == METHOD_POST)
		router_log_problem(resp);
	snprintf(acct, acctsz, "%s", ctx.acct_id[0] != '\0' ?
	    ctx.acct_id : "-");
	return ret;
}

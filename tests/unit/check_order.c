/*
 * check_order.c: unit tests for order.c, authz.c and chall.c (newOrder,
 * the order status machine, authorization reuse, the authorization and
 * challenge resources, newAuthz, the worker poke) and the routes and
 * directory entries they add to router.c and directory.c.
 *
 * Every store test gets a fresh environment under /tmp; the time is
 * injected (NOW).  Handlers run as the router runs them: in a child
 * transaction of a request transaction.  SECURITY.md ids are in the test
 * names.
 */
#define _GNU_SOURCE		/* nftw() */

#include <sys/types.h>
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acmegw.h"

#define BASE	"https://ca.example.test/acme"
#define NOW	((time_t)1700000000)	/* 2023-11-14T22:13:20Z */
#define DAY	86400
#define ACCT_A	"AAAAAAAAAAAAAAAAAAAAAA"
#define ACCT_B	"BBBBBBBBBBBBBBBBBBBBBA"
#define ACCT_E	"EEEEEEEEEEEEEEEEEEEEEA"	/* bound by EAB key "kid1" */

/* RFC 7515 A.3: an EC P-256 public key. */
static const char *const p256_jwk =
    "{\"kty\":\"EC\",\"crv\":\"P-256\","
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";

static struct conf	 tconf;
static char		 tdir[64];
static struct store	*tst;

/* ------------------------------------------------------------------ */
/* Fixtures                                                             */
/* ------------------------------------------------------------------ */

static void
setup(void)
{
	log_init("check_order", 0);
	conf_init(&tconf);
	free(tconf.base_url);
	tconf.base_url = strdup(BASE);
	ck_assert_ptr_nonnull(tconf.base_url);
	tconf.max_identifiers = 100;
	tconf.authz_reuse = 30 * DAY;
	tconf.pre_authorization = 0;
	tconf.challenge_types = (1u << CHALL__MAX) - 1;
	tconf.order_lifetime = 7 * DAY;
	tconf.authz_lifetime = 7 * DAY;
	tconf.max_validity = 90 * DAY;
	tdir[0] = '\0';
	tst = NULL;
}

static int
rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
teardown(void)
{
	store_close(tst);
	tst = NULL;
	if (tdir[0] != '\0')
		nftw(tdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	conf_clear(&tconf);
}

static struct jwk *
test_jwk(void)
{
	struct json_object	*o;
	struct jwk		*k;
	struct perr		 e;

	o = json_tokener_parse(p256_jwk);
	ck_assert_ptr_nonnull(o);
	k = jwk_from_json(o, &e);
	ck_assert_msg(k != NULL, "jwk_from_json: %s", e.detail);
	json_object_put(o);
	return k;
}

/* Write an account record (no key index: handlers do not need it). */
static void
acct_put(const char *id, const char *eab)
{
	struct json_object	*rec;
	struct jwk		*k = test_jwk();

	rec = account_record_new(id, k, NULL, 1, eab, NOW);
	ck_assert_ptr_nonnull(rec);
	ck_assert_int_eq(store_put_json(tst, NULL, SDB_ACCOUNTS, id, rec, 0),
	    0);
	json_object_put(rec);
	jwk_free(k);
}

/*
 * The EAB record "kid1" with the given "domains" and "profiles" JSON
 * (NULL: none).
 */
static void
eab_put_profiles(const char *domains, const char *profiles)
{
	char			 text[512];
	struct json_object	*rec;

	snprintf(text, sizeof(text), "{\"v\":1,\"kid\":\"kid1\","
	    "\"alg\":\"HS256\",\"key\":\"AAAA\",\"comment\":\"\","
	    "\"created\":1,\"account\":\"%s\",\"bound\":2%s%s%s%s}", ACCT_E,
	    domains != NULL ? ",\"domains\":" : "",
	    domains != NULL ? domains : "",
	    profiles != NULL ? ",\"profiles\":" : "",
	    profiles != NULL ? profiles : "");
	rec = json_tokener_parse(text);
	ck_assert_ptr_nonnull(rec);
	ck_assert_int_eq(store_put_json(tst, NULL, SDB_EAB, "kid1", rec, 0),
	    0);
	json_object_put(rec);
}

/* The EAB record "kid1" with the given "domains" JSON (NULL: none). */
static void
eab_put(const char *domains)
{
	eab_put_profiles(domains, NULL);
}

/* A fresh store under /tmp with accounts A, B and E. */
static void
store_setup(void)
{
	char	 err[512], path[128];

	setup();
	snprintf(tdir, sizeof(tdir), "/tmp/check_order.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tdir));
	snprintf(path, sizeof(path), "%s/state", tdir);
	free(tconf.state_dir);
	tconf.state_dir = strdup(path);
	ck_assert_ptr_nonnull(tconf.state_dir);
	tst = store_open(&tconf, 0, err, sizeof(err));
	ck_assert_msg(tst != NULL, "store_open: %s", err);
	acct_put(ACCT_A, NULL);
	acct_put(ACCT_B, NULL);
	acct_put(ACCT_E, "kid1");
}

/* ------------------------------------------------------------------ */
/* Running handlers                                                     */
/* ------------------------------------------------------------------ */

struct hrun {
	struct ctx	*ctx;
	int		(*fn)(struct ctx *, DB_TXN *);
	int		 rc;
};

static int
hrun_child(DB_TXN *txn, void *arg)
{
	struct hrun	*h = arg;

	return h->fn(h->ctx, txn);
}

/* As router_txn_body() step 13 does it. */
static int
hrun_body(DB_TXN *txn, void *arg)
{
	struct hrun	*h = arg;
	int		 rc;

	resp_reset(h->ctx->resp);
	h->ctx->poke_worker = 0;
	rc = store_txn_child(h->ctx->store, txn, hrun_child, h);
	if (rc != 0)
		h->ctx->poke_worker = 0;
	h->rc = rc;
	return rc == -1 ? 0 : rc;
}

struct tctx {
	struct ctx	 ctx;
	struct resp	 resp;
	struct json_object *body;	/* the parsed response body */
	char		 route[ACMEGW_ID_LEN + 1];
};

/* ctx acting as account acct, its record loaded. */
static void
tctx_init(struct tctx *t, const char *acct)
{
	memset(t, 0, sizeof(*t));
	resp_init(&t->resp);
	t->ctx.conf = &tconf;
	t->ctx.store = tst;
	t->ctx.resp = &t->resp;
	t->ctx.now = NOW;
	ck_assert_int_eq(account_load(&t->ctx, NULL, acct, &t->ctx.acct,
	    NULL), 0);
	snprintf(t->ctx.acct_id, sizeof(t->ctx.acct_id), "%s", acct);
}

static void
tctx_done(struct tctx *t)
{
	json_object_put(t->ctx.acct);
	json_object_put(t->ctx.payload);
	json_object_put(t->body);
	resp_clear(&t->resp);
}

/*
 * Run fn as acct would through the router: payload is the JSON text (NULL:
 * POST-as-GET), route the path id (NULL: none).  Returns the handler's
 * code; t->body holds the parsed response.
 */
static int
run(struct tctx *t, int (*fn)(struct ctx *, DB_TXN *), const char *route,
    const char *payload)
{
	struct hrun	 h;

	json_object_put(t->ctx.payload);
	t->ctx.payload = NULL;
	if (payload != NULL) {
		t->ctx.payload = json_tokener_parse(payload);
		ck_assert_msg(t->ctx.payload != NULL, "bad test JSON: %s",
		    payload);
	}
	if (route != NULL) {
		snprintf(t->route, sizeof(t->route), "%s", route);
		t->ctx.route_id = t->route;
	} else
		t->ctx.route_id = NULL;
	h.ctx = &t->ctx;
	h.fn = fn;
	h.rc = 0;
	ck_assert_int_eq(store_txn_run(tst, 0, hrun_body, &h), 0);
	json_object_put(t->body);
	t->body = NULL;
	if (t->resp.body != NULL) {
		t->body = json_tokener_parse(t->resp.body);
		ck_assert_ptr_nonnull(t->body);
	}
	if (h.rc == 0)
		ck_assert_int_eq(t->resp.prob, ACME_PROB_NONE);
	else
		ck_assert_int_ne(t->resp.prob, ACME_PROB_NONE);
	return h.rc;
}

/* String member of the response body (borrowed; "" when absent). */
static const char *
bstr(struct tctx *t, const char *key)
{
	struct json_object	*v;

	if (t->body == NULL || !json_object_object_get_ex(t->body, key, &v))
		return "";
	return json_object_get_string(v);
}

/* Assert a refusal of type p whose detail contains want (NULL: any). */
static void
assert_prob(struct tctx *t, enum acme_prob p, const char *want)
{
	ck_assert_msg(t->resp.prob == p, "problem %d, want %d (%s)",
	    t->resp.prob, p, bstr(t, "detail"));
	ck_assert_int_eq(t->resp.status, acme_prob_status(p));
	ck_assert_str_eq(bstr(t, "type"), acme_prob_type[p]);
	if (want != NULL)
		ck_assert_msg(strstr(bstr(t, "detail"), want) != NULL,
		    "detail \"%s\" lacks \"%s\"", bstr(t, "detail"), want);
}

/* The id at the end of a URL (borrowed from a static buffer). */
static const char *
url_id(const char *url)
{
	static char	 id[ACMEGW_ID_LEN + 1];
	size_t		 len = strlen(url);

	ck_assert_uint_ge(len, ACMEGW_ID_LEN);
	memcpy(id, url + len - ACMEGW_ID_LEN, ACMEGW_ID_LEN + 1);
	return id;
}

/*
 * Place an order for the identifiers (a JSON array text) as t's account;
 * asserts 201 and copies the order id into oid.
 */
static void
order_ok(struct tctx *t, const char *idents, char *oid)
{
	char		 payload[4096];
	const char	*loc;

	snprintf(payload, sizeof(payload), "{\"identifiers\":%s}", idents);
	ck_assert_msg(run(t, order_new, NULL, payload) == 0,
	    "newOrder %s refused: %s", idents, bstr(t, "detail"));
	ck_assert_int_eq(t->resp.status, 201);
	loc = resp_header_get(&t->resp, "Location");
	ck_assert_ptr_nonnull(loc);
	ck_assert_int_eq(strncmp(loc, BASE "/order/", strlen(BASE) + 7), 0);
	memcpy(oid, url_id(loc), ACMEGW_ID_LEN + 1);
}

/* Refuse: newOrder with payload must fail with p (and detail want). */
static void
order_bad(struct tctx *t, const char *payload, enum acme_prob p,
    const char *want)
{
	ck_assert_msg(run(t, order_new, NULL, payload) == -1,
	    "newOrder %s accepted", payload);
	assert_prob(t, p, want);
}

static struct json_object *
rec_get(enum store_db db, const char *id)
{
	struct json_object	*o = NULL;

	ck_assert_int_eq(store_get_json(tst, NULL, db, id, 0, &o), 0);
	return o;
}

static void
rec_put(enum store_db db, const char *id, struct json_object *o)
{
	ck_assert_int_eq(store_put_json(tst, NULL, db, id, o, 0), 0);
}

/* Number of entries in db. */
static size_t
db_count(enum store_db db)
{
	DB	*d = tst->db[db];
	DBC	*cur = NULL;
	DBT	 k, v;
	size_t	 n = 0;
	int	 rc;

	ck_assert_int_eq(d->cursor(d, NULL, &cur, 0), 0);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	while ((rc = cur->get(cur, &k, &v, DB_NEXT)) == 0)
		n++;
	ck_assert_int_eq(rc, DB_NOTFOUND);
	ck_assert_int_eq(cur->close(cur), 0);
	return n;
}

/* Member key of rec as a string (borrowed). */
static const char *
mstr(struct json_object *rec, const char *key)
{
	struct json_object	*v;

	ck_assert_msg(json_object_object_get_ex(rec, key, &v), "no %s", key);
	return json_object_get_string(v);
}

/* Element i of array member key of rec as a string (borrowed). */
static const char *
astr(struct json_object *rec, const char *key, size_t i)
{
	struct json_object	*a;

	ck_assert(json_object_object_get_ex(rec, key, &a));
	ck_assert_uint_gt(json_object_array_length(a), i);
	return json_object_get_string(json_object_array_get_idx(a, i));
}

static size_t
alen(struct json_object *rec, const char *key)
{
	struct json_object	*a;

	if (!json_object_object_get_ex(rec, key, &a))
		return 0;
	return json_object_array_length(a);
}

/* Authorization i of stored order oid (its id, static buffer). */
static const char *
order_authz(const char *oid, size_t i)
{
	static char		 id[ACMEGW_ID_LEN + 1];
	struct json_object	*o = rec_get(SDB_ORDERS, oid);

	snprintf(id, sizeof(id), "%s", astr(o, "authzs", i));
	json_object_put(o);
	return id;
}

/* Set a stored authorization's status (and "validated" when >= 0). */
static void
authz_set(const char *aid, const char *status, int64_t validated,
    int64_t expires)
{
	struct json_object	*a = rec_get(SDB_AUTHZ, aid);

	json_object_object_add(a, "status", json_object_new_string(status));
	if (validated >= 0)
		json_object_object_add(a, "validated",
		    json_object_new_int64(validated));
	if (expires >= 0)
		json_object_object_add(a, "expires",
		    json_object_new_int64(expires));
	rec_put(SDB_AUTHZ, aid, a);
	json_object_put(a);
}

/* Set a stored challenge's status; error is JSON text or NULL. */
static void
chall_set(const char *cid, const char *status, const char *error)
{
	struct json_object	*c = rec_get(SDB_CHALLS, cid);

	json_object_object_add(c, "status", json_object_new_string(status));
	if (error != NULL)
		json_object_object_add(c, "error", json_tokener_parse(error));
	rec_put(SDB_CHALLS, cid, c);
	json_object_put(c);
}

/* Challenge id of type of authorization aid, or NULL (static buffer). */
static const char *
authz_chall(const char *aid, const char *type)
{
	static char		 id[ACMEGW_ID_LEN + 1];
	struct json_object	*a = rec_get(SDB_AUTHZ, aid), *c;
	size_t			 i, n = alen(a, "challenges");
	const char		*found = NULL;

	for (i = 0; i < n && found == NULL; i++) {
		c = rec_get(SDB_CHALLS, astr(a, "challenges", i));
		if (strcmp(mstr(c, "type"), type) == 0) {
			snprintf(id, sizeof(id), "%s", astr(a, "challenges",
			    i));
			found = id;
		}
		json_object_put(c);
	}
	json_object_put(a);
	return found;
}

/* The challenge types of authorization aid, joined by " ". */
static void
authz_types(const char *aid, char *buf, size_t bufsz)
{
	struct json_object	*a = rec_get(SDB_AUTHZ, aid), *c;
	size_t			 i, n = alen(a, "challenges");

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		c = rec_get(SDB_CHALLS, astr(a, "challenges", i));
		if (i > 0)
			strncat(buf, " ", bufsz - strlen(buf) - 1);
		strncat(buf, mstr(c, "type"), bufsz - strlen(buf) - 1);
		json_object_put(c);
	}
	json_object_put(a);
}

/* ------------------------------------------------------------------ */
/* order_time_parse, order_time_str                                     */
/* ------------------------------------------------------------------ */

static int
tparse(const char *s, time_t *t)
{
	return order_time_parse(s, strlen(s), t);
}

START_TEST(test_order_time_parse_ok)
{
	time_t	 t;

	ck_assert_int_eq(tparse("2023-11-14T22:13:20Z", &t), 0);
	ck_assert_int_eq(t, NOW);
	ck_assert_int_eq(tparse("2023-11-14t22:13:20z", &t), 0);
	ck_assert_int_eq(t, NOW);
	ck_assert_int_eq(tparse("2023-11-14T22:13:20.123456789Z", &t), 0);
	ck_assert_int_eq(t, NOW);
	ck_assert_int_eq(tparse("2023-11-15T00:13:20+02:00", &t), 0);
	ck_assert_int_eq(t, NOW);
	ck_assert_int_eq(tparse("2023-11-14T20:43:20-01:30", &t), 0);
	ck_assert_int_eq(t, NOW);
	ck_assert_int_eq(tparse("1970-01-01T00:00:00Z", &t), 0);
	ck_assert_int_eq(t, 0);
	ck_assert_int_eq(tparse("2024-02-29T00:00:00Z", &t), 0);
	ck_assert_int_eq(t, 1709164800);
	ck_assert_int_eq(tparse("2000-02-29T12:00:00Z", &t), 0);
	ck_assert_int_eq(t, 951825600);
}
END_TEST

START_TEST(test_order_time_parse_bad)
{
	static const char *const bad[] = {
		"",
		"2023-11-14",
		"2023-11-14 22:13:20Z",
		"2023-11-14T22:13:20",
		"2023-11-14T22:13:20ZZ",
		"2023-11-14T22:13:20Z ",
		" 2023-11-14T22:13:20Z",
		"2023-11-14T22:13Z",
		"2023-1-14T22:13:20Z",
		"+2023-11-14T22:13:20Z",
		"2023-13-14T22:13:20Z",
		"2023-00-14T22:13:20Z",
		"2023-11-00T22:13:20Z",
		"2023-11-31T22:13:20Z",
		"2023-02-29T22:13:20Z",
		"1900-02-29T00:00:00Z",
		"2023-11-14T24:00:00Z",
		"2023-11-14T22:60:20Z",
		"2023-11-14T22:13:60Z",
		"2023-11-14T22:13:20.Z",
		"2023-11-14T22:13:20.1234567890Z",
		"2023-11-14T22:13:20+0200",
		"2023-11-14T22:13:20+24:00",
		"2023-11-14T22:13:20+02:60",
		"2023-11-14T22:13:20+02",
		"1969-12-31T23:59:59Z",
		"1970-01-01T00:00:00+00:01",
		"2O23-11-14T22:13:20Z",
		"2023-11-14T22:13:2OZ",
		"2023-11-14T22:13:20,5Z",
		"1700000000",
	};
	time_t	 t;
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(tparse(bad[i], &t) == -1, "accepted \"%s\"",
		    bad[i]);
	/* Length is explicit: an embedded NUL does not end the string. */
	ck_assert_int_eq(order_time_parse("2023-11-14T22:13:20Z\0x", 22, &t),
	    -1);
}
END_TEST

START_TEST(test_order_time_str_format)
{
	char	 buf[32];
	time_t	 t;

	ck_assert_int_eq(order_time_str(NOW, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2023-11-14T22:13:20Z");
	ck_assert_int_eq(tparse(buf, &t), 0);
	ck_assert_int_eq(t, NOW);
	ck_assert_int_eq(order_time_str(NOW, buf, 10), -1);
	ck_assert_str_eq(buf, "");
}
END_TEST

/* ------------------------------------------------------------------ */
/* newOrder                                                             */
/* ------------------------------------------------------------------ */

START_TEST(test_order_new_single)
{
	struct tctx		 t;
	struct json_object	*o, *a, *ids;
	char			 oid[ACMEGW_ID_LEN + 1], types[64], when[32];
	char			 key[2 * ACMEGW_ID_LEN + 1];
	void			*val;
	size_t			 valsz;
	const char		*aid;

	tctx_init(&t, ACCT_A);
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"www.example.com\"}]",
	    oid);
	ck_assert_str_eq(bstr(&t, "status"), "pending");
	(void)order_time_str(NOW + 7 * DAY, when, sizeof(when));
	ck_assert_str_eq(bstr(&t, "expires"), when);
	ck_assert_int_eq(strncmp(bstr(&t, "finalize"), BASE "/finalize/",
	    strlen(BASE) + 10), 0);
	ck_assert_str_eq(url_id(bstr(&t, "finalize")), oid);
	ck_assert(json_object_object_get_ex(t.body, "identifiers", &ids));
	ck_assert_str_eq(json_object_to_json_string_ext(ids,
	    JSON_C_TO_STRING_PLAIN),
	    "[{\"type\":\"dns\",\"value\":\"www.example.com\"}]");
	ck_assert_uint_eq(alen(t.body, "authorizations"), 1);
	ck_assert_ptr_null(strstr(t.resp.body, "notBefore"));
	ck_assert_ptr_null(strstr(t.resp.body, "\"error\""));
	ck_assert_str_eq(resp_header_get(&t.resp, "Retry-After"), "3");

	/* The records, the account index and the reuse index. */
	o = rec_get(SDB_ORDERS, oid);
	ck_assert_str_eq(mstr(o, "acct"), ACCT_A);
	ck_assert_str_eq(mstr(o, "status"), "pending");
	aid = order_authz(oid, 0);
	ck_assert_str_eq(url_id(astr(t.body, "authorizations", 0)), aid);
	ck_assert_int_eq(strncmp(astr(t.body, "authorizations", 0),
	    BASE "/authz/", strlen(BASE) + 7), 0);
	memcpy(key, ACCT_A, ACMEGW_ID_LEN);
	memcpy(key + ACMEGW_ID_LEN, oid, ACMEGW_ID_LEN);
	ck_assert_int_eq(store_get(tst, NULL, SDB_ORDERS_BY_ACCT, key,
	    2 * ACMEGW_ID_LEN, 0, &val, &valsz), 0);
	ck_assert_uint_eq(valsz, 0);
	free(val);
	ck_assert_int_eq(store_get(tst, NULL, SDB_AUTHZ_REUSE,
	    ACCT_A "|dns:www.example.com", strlen(ACCT_A) + 20, 0, &val,
	    &valsz), 0);
	ck_assert_uint_eq(valsz, ACMEGW_ID_LEN);
	ck_assert_int_eq(memcmp(val, aid, ACMEGW_ID_LEN), 0);
	free(val);

	a = rec_get(SDB_AUTHZ, aid);
	ck_assert_str_eq(mstr(a, "acct"), ACCT_A);
	ck_assert_str_eq(mstr(a, "status"), "pending");
	ck_assert_str_eq(mstr(a, "wildcard"), "false");
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(a,
	    "expires")), NOW + 7 * DAY);
	authz_types(aid, types, sizeof(types));
	ck_assert_str_eq(types, "http-01 dns-01 tls-alpn-01");
	json_object_put(a);
	json_object_put(o);
	ck_assert_uint_eq(db_count(SDB_CHALLS), 3);
	ck_assert_uint_eq(db_count(SDB_JOBS), 0);
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_new_several_sorted_duplicates_folded)
{
	struct tctx		 t;
	struct json_object	*o;
	struct ident		 a, b;
	struct perr		 e;
	char			 oid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"b.example.com\"},"
	    "{\"type\":\"ip\",\"value\":\"192.0.2.7\"},"
	    "{\"type\":\"dns\",\"value\":\"a.example.com\"},"
	    "{\"type\":\"dns\",\"value\":\"b.example.com\"},"
	    "{\"type\":\"ip\",\"value\":\"192.0.2.7\"}]", oid);
	ck_assert_uint_eq(alen(t.body, "identifiers"), 3);
	ck_assert_uint_eq(alen(t.body, "authorizations"), 3);
	o = rec_get(SDB_ORDERS, oid);
	ck_assert_uint_eq(alen(o, "identifiers"), 3);
	ck_assert_uint_eq(alen(o, "authzs"), 3);
	/* Sorted as ident_cmp() sorts, and the same in the answer. */
	ck_assert_int_eq(ident_parse(json_object_array_get_idx(
	    json_object_object_get(o, "identifiers"), 0), &a, &e),
	    ACME_PROB_NONE);
	ck_assert_int_eq(ident_parse(json_object_array_get_idx(
	    json_object_object_get(o, "identifiers"), 1), &b, &e),
	    ACME_PROB_NONE);
	ck_assert_int_lt(ident_cmp(&a, &b), 0);
	ck_assert_int_eq(ident_parse(json_object_array_get_idx(
	    json_object_object_get(o, "identifiers"), 2), &a, &e),
	    ACME_PROB_NONE);
	ck_assert_int_lt(ident_cmp(&b, &a), 0);
	ck_assert_str_eq(json_object_to_json_string_ext(json_object_object_get(
	    o, "identifiers"), JSON_C_TO_STRING_PLAIN),
	    json_object_to_json_string_ext(json_object_object_get(t.body,
	    "identifiers"), JSON_C_TO_STRING_PLAIN));
	/* Three distinct authorizations, each with its own challenges. */
	ck_assert_str_ne(astr(o, "authzs", 0), astr(o, "authzs", 1));
	ck_assert_str_ne(astr(o, "authzs", 1), astr(o, "authzs", 2));
	ck_assert_uint_eq(db_count(SDB_AUTHZ), 3);
	ck_assert_uint_eq(db_count(SDB_CHALLS), 3 + 3 + 2);
	json_object_put(o);
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_new_H21_D10_wildcard_dns01_only)
{
	struct tctx		 t;
	struct json_object	*a;
	char			 oid[ACMEGW_ID_LEN + 1], types[64];
	char			 wa[ACMEGW_ID_LEN + 1], na[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"*.example.com\"},"
	    "{\"type\":\"dns\",\"value\":\"example.com\"}]", oid);
	ck_assert_ptr_nonnull(strstr(t.resp.body, "\"*.example.com\""));
	a = rec_get(SDB_ORDERS, oid);
	/* Two authorizations: the wildcard and the name are not the same. */
	snprintf(wa, sizeof(wa), "%s", strcmp(mstr(json_object_array_get_idx(
	    json_object_object_get(a, "identifiers"), 0), "value"),
	    "*.example.com") == 0 ? astr(a, "authzs", 0) : astr(a, "authzs",
	    1));
	snprintf(na, sizeof(na), "%s", strcmp(astr(a, "authzs", 0), wa) == 0 ?
	    astr(a, "authzs", 1) : astr(a, "authzs", 0));
	json_object_put(a);
	ck_assert_str_ne(wa, na);

	a = rec_get(SDB_AUTHZ, wa);
	ck_assert_str_eq(mstr(json_object_object_get(a, "identifier"),
	    "value"), "example.com");
	ck_assert_str_eq(mstr(a, "wildcard"), "true");
	json_object_put(a);
	authz_types(wa, types, sizeof(types));
	ck_assert_str_eq(types, "dns-01");
	authz_types(na, types, sizeof(types));
	ck_assert_str_eq(types, "http-01 dns-01 tls-alpn-01");

	/* The authorization object: no "*.", wildcard true, one challenge. */
	ck_assert_int_eq(run(&t, authz_post, wa, NULL), 0);
	ck_assert_str_eq(mstr(json_object_object_get(t.body, "identifier"),
	    "value"), "example.com");
	ck_assert_str_eq(bstr(&t, "wildcard"), "true");
	ck_assert_uint_eq(alen(t.body, "challenges"), 1);
	ck_assert_str_eq(mstr(json_object_array_get_idx(json_object_object_get(
	    t.body, "challenges"), 0), "type"), "dns-01");
	ck_assert_int_eq(run(&t, authz_post, na, NULL), 0);
	ck_assert_ptr_null(strstr(t.resp.body, "wildcard"));
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_new_ip_challenges)
{
	struct tctx	 t;
	char		 oid[ACMEGW_ID_LEN + 1], types[64];

	tctx_init(&t, ACCT_A);
	order_ok(&t, "[{\"type\":\"ip\",\"value\":\"2001:db8::1\"}]", oid);
	authz_types(order_authz(oid, 0), types, sizeof(types));
	ck_assert_str_eq(types, "http-01 tls-alpn-01");
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_new_P7_challenge_types_filter)
{
	struct tctx	 t;
	char		 oid[ACMEGW_ID_LEN + 1], types[64];

	tconf.challenge_types = 1u << CHALL_DNS01;
	tctx_init(&t, ACCT_A);
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"www.example.com\"}]",
	    oid);
	authz_types(order_authz(oid, 0), types, sizeof(types));
	ck_assert_str_eq(types, "dns-01");
	/* Nothing can validate an IP address with dns-01 alone. */
	order_bad(&t, "{\"identifiers\":[{\"type\":\"ip\","
	    "\"value\":\"192.0.2.1\"}]}", ACME_PROB_REJECTED_IDENT,
	    "no enabled challenge type can validate ip 192.0.2.1");

	tconf.challenge_types = (1u << CHALL_HTTP01) | (1u << CHALL_TLSALPN01);
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"www.example.net\"}]",
	    oid);
	authz_types(order_authz(oid, 0), types, sizeof(types));
	ck_assert_str_eq(types, "http-01 tls-alpn-01");
	/* A wildcard needs dns-01, which is off. */
	order_bad(&t, "{\"identifiers\":[{\"type\":\"dns\","
	    "\"value\":\"*.example.net\"}]}", ACME_PROB_REJECTED_IDENT,
	    "no enabled challenge type");
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_new_validity_window)
{
	struct tctx		 t;
	struct json_object	*o;
	char			 oid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(run(&t, order_new, NULL, "{\"identifiers\":"
	    "[{\"type\":\"dns\",\"value\":\"www.example.com\"}],"
	    "\"notBefore\":\"2023-11-15T00:00:00Z\","
	    "\"notAfter\":\"2023-12-15T00:00:00+00:00\"}"), 0);
	ck_assert_str_eq(bstr(&t, "notBefore"), "2023-11-15T00:00:00Z");
	ck_assert_str_eq(bstr(&t, "notAfter"), "2023-12-15T00:00:00Z");
	snprintf(oid, sizeof(oid), "%s", url_id(resp_header_get(&t.resp,
	    "Location")));
	o = rec_get(SDB_ORDERS, oid);
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(o,
	    "notBefore")), 1700006400);
	json_object_put(o);
	/* notAfter alone counts from now; notBefore an hour back is fine. */
	ck_assert_int_eq(run(&t, order_new, NULL, "{\"identifiers\":"
	    "[{\"type\":\"dns\",\"value\":\"www.example.com\"}],"
	    "\"notAfter\":\"2023-11-20T00:00:00Z\"}"), 0);
	ck_assert_ptr_null(strstr(t.resp.body, "notBefore"));
	ck_assert_int_eq(run(&t, order_new, NULL, "{\"identifiers\":"
	    "[{\"type\":\"dns\",\"value\":\"www.example.com\"}],"
	    "\"notBefore\":\"2023-11-14T21:13:20Z\"}"), 0);
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_new_P6_validity_refused)
{
	struct tctx	 t;

	tctx_init(&t, ACCT_A);
#define IDS "\"identifiers\":[{\"type\":\"dns\",\"value\":\"a.example.com\"}]"
	order_bad(&t, "{" IDS ",\"notBefore\":\"tomorrow\"}",
	    ACME_PROB_MALFORMED, "RFC 3339");
	order_bad(&t, "{" IDS ",\"notBefore\":1700000000}",
	    ACME_PROB_MALFORMED, "RFC 3339");
	order_bad(&t, "{" IDS ",\"notAfter\":null}",
	    ACME_PROB_MALFORMED, "RFC 3339");
	order_bad(&t, "{" IDS ",\"notAfter\":\"2023-12-01\"}",
	    ACME_PROB_MALFORMED, "RFC 3339");
	/* More than an hour back. */
	order_bad(&t, "{" IDS ",\"notBefore\":\"2023-11-14T21:13:19Z\"}",
	    ACME_PROB_MALFORMED, "must lie between 2023-11-14T21:13:20Z and "
	    "2023-11-21T22:13:20Z");
	/* Beyond the order's lifetime. */
	order_bad(&t, "{" IDS ",\"notBefore\":\"2023-11-21T22:13:21Z\"}",
	    ACME_PROB_MALFORMED, "notBefore");
	/* notAfter not after notBefore. */
	order_bad(&t, "{" IDS ",\"notBefore\":\"2023-11-15T00:00:00Z\","
	    "\"notAfter\":\"2023-11-15T00:00:00Z\"}", ACME_PROB_MALFORMED,
	    "later than 2023-11-15T00:00:00Z (notBefore)");
	order_bad(&t, "{" IDS ",\"notAfter\":\"2023-11-14T22:13:20Z\"}",
	    ACME_PROB_MALFORMED, "(now)");
	/* Longer than max_validity (90 days). */
	order_bad(&t, "{" IDS ",\"notBefore\":\"2023-11-15T00:00:00Z\","
	    "\"notAfter\":\"2024-02-13T00:00:01Z\"}", ACME_PROB_MALFORMED,
	    "no later than 2024-02-13T00:00:00Z");
	ck_assert_int_eq(run(&t, order_new, NULL, "{" IDS ",\"notBefore\":"
	    "\"2023-11-15T00:00:00Z\",\"notAfter\":"
	    "\"2024-02-13T00:00:00Z\"}"), 0);
#undef IDS
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_new_P6_profile_replaces)
{
	struct tctx	 t;

	tctx_init(&t, ACCT_A);
	/* An unknown profile (draft-aaron-acme-profiles). */
	order_bad(&t, "{\"identifiers\":[{\"type\":\"dns\",\"value\":"
	    "\"a.example.com\"}],\"profile\":\"tlsserver\"}",
	    ACME_PROB_INVALID_PROFILE, "tlsserver");
	/* "replaces" naming no certificate of this server (RFC 9773). */
	order_bad(&t, "{\"identifiers\":[{\"type\":\"dns\",\"value\":"
	    "\"a.example.com\"}],\"replaces\":\"aYhba4dGQEHhs3uEe6CuLN4"
	    "ByNQ.AIdlQyE\"}", ACME_PROB_MALFORMED, "replaces");
	/* Informational unknown members are ignored. */
	ck_assert_int_eq(run(&t, order_new, NULL, "{\"identifiers\":"
	    "[{\"type\":\"dns\",\"value\":\"a.example.com\"}],"
	    "\"comment\":\"hello\"}"), 0);
	ck_assert_uint_eq(db_count(SDB_ORDERS), 1);
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_new_identifiers_shape)
{
	struct tctx	 t;

	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(run(&t, order_new, NULL, NULL), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, "POST-as-GET");
	order_bad(&t, "{}", ACME_PROB_MALFORMED, "needs \"identifiers\"");
	order_bad(&t, "{\"identifiers\":{\"type\":\"dns\"}}",
	    ACME_PROB_MALFORMED, "must be an array");
	order_bad(&t, "{\"identifiers\":null}", ACME_PROB_MALFORMED,
	    "must be an array");
	order_bad(&t, "{\"identifiers\":[]}", ACME_PROB_MALFORMED,
	    "at least one");
	order_bad(&t, "{\"identifiers\":[\"a.example.com\"]}",
	    ACME_PROB_MALFORMED, NULL);
	order_bad(&t, "{\"identifiers\":[{\"type\":\"dns\"}]}",
	    ACME_PROB_MALFORMED, NULL);
	order_bad(&t, "{\"identifiers\":[{\"type\":\"email\","
	    "\"value\":\"a@example.com\"}]}", ACME_PROB_UNSUPPORTED_IDENT,
	    NULL);
	ck_assert_uint_eq(db_count(SDB_ORDERS), 0);
	ck_assert_uint_eq(db_count(SDB_AUTHZ), 0);
	tctx_done(&t);
}
END_TEST

/* n identifiers n0.example.com ... as a payload. */
static char *
many_idents(size_t n)
{
	size_t	 i, sz = 64 + n * 64, len;
	char	*p = malloc(sz);

	ck_assert_ptr_nonnull(p);
	len = (size_t)snprintf(p, sz, "{\"identifiers\":[");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(p + len, sz - len,
		    "%s{\"type\":\"dns\",\"value\":\"n%zu.example.com\"}",
		    i > 0 ? "," : "", i);
	snprintf(p + len, sz - len, "]}");
	return p;
}

START_TEST(test_order_new_X2_too_many_identifiers)
{
	struct tctx	 t;
	char		*p;

	tctx_init(&t, ACCT_A);
	p = many_idents(101);
	order_bad(&t, p, ACME_PROB_MALFORMED, "at most 100 identifiers");
	free(p);
	p = many_idents(10000);
	order_bad(&t, p, ACME_PROB_MALFORMED, "names 10000");
	free(p);
	ck_assert_uint_eq(db_count(SDB_AUTHZ), 0);
	/* Exactly the limit is fine (smaller limit: the test stays fast). */
	tconf.max_identifiers = 5;
	p = many_idents(6);
	order_bad(&t, p, ACME_PROB_MALFORMED, "at most 5 identifiers");
	free(p);
	p = many_idents(5);
	ck_assert_int_eq(run(&t, order_new, NULL, p), 0);
	ck_assert_uint_eq(alen(t.body, "authorizations"), 5);
	free(p);
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_new_subproblems)
{
	struct tctx		 t;
	struct json_object	*subs, *s0, *s1;

	tctx_init(&t, ACCT_A);
	/* One bad among good ones: nothing is written. */
	order_bad(&t, "{\"identifiers\":["
	    "{\"type\":\"dns\",\"value\":\"good.example.com\"},"
	    "{\"type\":\"dns\",\"value\":\"bad..example.com\"}]}",
	    ACME_PROB_MALFORMED, NULL);
	ck_assert_str_eq(t.resp.ctype, "application/problem+json");
	ck_assert(json_object_object_get_ex(t.body, "subproblems", &subs));
	ck_assert_uint_eq(json_object_array_length(subs), 1);
	s0 = json_object_array_get_idx(subs, 0);
	ck_assert_str_eq(mstr(s0, "type"), acme_prob_type[ACME_PROB_MALFORMED]);
	ck_assert_str_eq(mstr(json_object_object_get(s0, "identifier"),
	    "value"), "bad..example.com");
	ck_assert_str_eq(bstr(&t, "detail"), mstr(s0, "detail"));
	ck_assert_uint_eq(db_count(SDB_ORDERS), 0);
	ck_assert_uint_eq(db_count(SDB_AUTHZ), 0);
	ck_assert_uint_eq(db_count(SDB_CHALLS), 0);

	/* Two of different kinds: malformed on top, both listed in order. */
	order_bad(&t, "{\"identifiers\":["
	    "{\"type\":\"dns\",\"value\":\"UPPER.example.com\"},"
	    "{\"type\":\"dns\",\"value\":\"ok.example.com\"},"
	    "{\"type\":\"email\",\"value\":\"a@example.com\"}]}",
	    ACME_PROB_MALFORMED, "2 identifiers were refused");
	ck_assert(json_object_object_get_ex(t.body, "subproblems", &subs));
	ck_assert_uint_eq(json_object_array_length(subs), 2);
	s0 = json_object_array_get_idx(subs, 0);
	s1 = json_object_array_get_idx(subs, 1);
	ck_assert_str_eq(mstr(json_object_object_get(s0, "identifier"),
	    "value"), "UPPER.example.com");
	ck_assert_str_eq(mstr(s1, "type"),
	    acme_prob_type[ACME_PROB_UNSUPPORTED_IDENT]);
	ck_assert_str_eq(mstr(json_object_object_get(s1, "identifier"),
	    "type"), "email");

	/* All of one kind: that kind on top. */
	order_bad(&t, "{\"identifiers\":["
	    "{\"type\":\"email\",\"value\":\"a@example.com\"},"
	    "{\"type\":\"uri\",\"value\":\"https://example.com/\"}]}",
	    ACME_PROB_UNSUPPORTED_IDENT, "2 identifiers");
	/* An identifier that is not an object is listed without one. */
	order_bad(&t, "{\"identifiers\":[42]}", ACME_PROB_MALFORMED, NULL);
	ck_assert(json_object_object_get_ex(t.body, "subproblems", &subs));
	ck_assert(!json_object_object_get_ex(json_object_array_get_idx(subs,
	    0), "identifier", NULL));
	ck_assert_uint_eq(db_count(SDB_ORDERS), 0);
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_new_R4_wildcard_misuse)
{
	static const char *const bad[] = {
		"*.*.example.com", "foo.*.example.com", "*", "*.com",
		"*example.com", "*.", "**.example.com",
	};
	struct tctx	 t;
	char		 p[256];
	size_t		 i;

	tctx_init(&t, ACCT_A);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(p, sizeof(p), "{\"identifiers\":[{\"type\":\"dns\","
		    "\"value\":\"%s\"}]}", bad[i]);
		ck_assert_msg(run(&t, order_new, NULL, p) == -1,
		    "accepted %s", bad[i]);
		ck_assert_msg(t.resp.prob == ACME_PROB_MALFORMED ||
		    t.resp.prob == ACME_PROB_REJECTED_IDENT, "%s: problem %d",
		    bad[i], t.resp.prob);
	}
	ck_assert_uint_eq(db_count(SDB_AUTHZ), 0);
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_new_policy_forbidden)
{
	struct tctx	 t;
	char		 oid[ACMEGW_ID_LEN + 1];

	tconf.forbidden_domains = calloc(1, sizeof(char *));
	ck_assert_ptr_nonnull(tconf.forbidden_domains);
	tconf.forbidden_domains[0] = strdup("internal.example.com");
	tconf.forbidden_domainssz = 1;
	tctx_init(&t, ACCT_A);
	order_bad(&t, "{\"identifiers\":[{\"type\":\"dns\",\"value\":"
	    "\"db.internal.example.com\"}]}", ACME_PROB_REJECTED_IDENT,
	    "db.internal.example.com");
	order_bad(&t, "{\"identifiers\":[{\"type\":\"dns\",\"value\":"
	    "\"*.example.com\"}]}", ACME_PROB_REJECTED_IDENT, NULL);
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"www.example.com\"}]",
	    oid);
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_new_eab_domains)
{
	struct tctx	 t;
	char		 oid[ACMEGW_ID_LEN + 1];

	eab_put("[\"example.org\"]");
	tctx_init(&t, ACCT_E);
	order_bad(&t, "{\"identifiers\":[{\"type\":\"dns\",\"value\":"
	    "\"www.example.com\"}]}", ACME_PROB_REJECTED_IDENT,
	    "external account binding");
	order_bad(&t, "{\"identifiers\":[{\"type\":\"dns\",\"value\":"
	    "\"www.example.org\"},{\"type\":\"dns\",\"value\":"
	    "\"badexample.org\"}]}", ACME_PROB_REJECTED_IDENT,
	    "badexample.org");
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"www.example.org\"},"
	    "{\"type\":\"dns\",\"value\":\"*.example.org\"}]", oid);
	/* Other accounts are not bound by that key's list. */
	tctx_done(&t);
	tctx_init(&t, ACCT_A);
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"www.example.com\"}]",
	    oid);
	tctx_done(&t);

	/* A key without a list (or an empty one) restricts nothing. */
	eab_put("[]");
	tctx_init(&t, ACCT_E);
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"www.example.com\"}]",
	    oid);
	eab_put(NULL);
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"www.example.net\"}]",
	    oid);

	/* A damaged list is an internal error, not "no restriction". */
	eab_put("\"example.org\"");
	order_bad(&t, "{\"identifiers\":[{\"type\":\"dns\",\"value\":"
	    "\"www.example.com\"}]}", ACME_PROB_SERVER_INTERNAL, NULL);
	eab_put("[\"example.org\",7]");
	order_bad(&t, "{\"identifiers\":[{\"type\":\"dns\",\"value\":"
	    "\"www.example.org\"}]}", ACME_PROB_SERVER_INTERNAL, NULL);

	/* The key was deleted: fail closed. */
	ck_assert_int_eq(store_del(tst, NULL, SDB_EAB, "kid1", 4), 0);
	order_bad(&t, "{\"identifiers\":[{\"type\":\"dns\",\"value\":"
	    "\"www.example.org\"}]}", ACME_PROB_UNAUTHORIZED, "no longer "
	    "exists");
	tctx_done(&t);
}
END_TEST

/*
 * Give tconf the profiles "default" (built in), "tls" and "short", as a
 * configuration file defining the last two would.
 */
static void
profiles_add(void)
{
	static const char	 text[] = "base_url = " BASE "\n"
	    "state_dir = /tmp\n"
	    "profile.tls.validity = 30d\n"
	    "profile.short.validity = 7d\n";
	struct conf		 c;
	struct profile		*p;
	size_t			 n;
	char			 err[512];

	conf_init(&c);
	ck_assert_msg(conf_parse_buf(&c, "t.conf", text, sizeof(text) - 1,
	    err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c.profilessz, 3);
	p = tconf.profiles;
	n = tconf.profilessz;
	tconf.profiles = c.profiles;
	tconf.profilessz = c.profilessz;
	c.profiles = p;
	c.profilessz = n;
	conf_clear(&c);
}

/* The "profile" member of order oid's record, or "" when it has none. */
static void
assert_order_profile(const char *oid, const char *want)
{
	struct json_object	*rec = NULL;
	const char		*got;

	ck_assert_int_eq(store_get_json(tst, NULL, SDB_ORDERS, oid, 0, &rec),
	    0);
	if (json_get_str(rec, "profile", &got, NULL) != 0)
		got = "";
	ck_assert_str_eq(got, want);
	json_object_put(rec);
}

#define ORD_WWW	"[{\"type\":\"dns\",\"value\":\"www.example.org\"}]"

/* newOrder with "profile": PROF and the www.example.org identifier. */
static int
order_prof(struct tctx *t, const char *prof, char *oid)
{
	char		 payload[256];
	const char	*loc;

	snprintf(payload, sizeof(payload), "{\"identifiers\":" ORD_WWW
	    ",\"profile\":\"%s\"}", prof);
	if (run(t, order_new, NULL, payload) != 0)
		return -1;
	loc = resp_header_get(&t->resp, "Location");
	ck_assert_ptr_nonnull(loc);
	ck_assert_ptr_nonnull(strrchr(loc, '/'));
	snprintf(oid, ACMEGW_ID_LEN + 1, "%s", strrchr(loc, '/') + 1);
	return 0;
}

START_TEST(test_order_new_eab_profiles)
{
	struct tctx	 t;
	char		 oid[ACMEGW_ID_LEN + 1];

	profiles_add();
	/* The key allows tls and short; the default is not among them. */
	eab_put_profiles(NULL, "[\"tls\",\"short\"]");
	tctx_init(&t, ACCT_E);
	ck_assert_int_eq(order_prof(&t, "default", oid), -1);
	assert_prob(&t, ACME_PROB_INVALID_PROFILE,
	    "does not allow the profile \"default\"; it allows: tls, short");
	ck_assert_int_eq(order_prof(&t, "short", oid), 0);
	assert_order_profile(oid, "short");
	/* No profile named: the first listed one. */
	order_ok(&t, ORD_WWW, oid);
	assert_order_profile(oid, "tls");
	ck_assert_str_eq(bstr(&t, "profile"), "tls");
	/* Unknown to the server: the server's own answer first. */
	ck_assert_int_eq(order_prof(&t, "nope", oid), -1);
	assert_prob(&t, ACME_PROB_INVALID_PROFILE, "no profile \"nope\"");
	tctx_done(&t);

	/* Other accounts are not bound by that key's list. */
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(order_prof(&t, "default", oid), 0);
	assert_order_profile(oid, "default");
	tctx_done(&t);

	/* The default is listed: it applies when no profile is named. */
	eab_put_profiles("[\"example.org\"]", "[\"short\",\"default\"]");
	tctx_init(&t, ACCT_E);
	order_ok(&t, ORD_WWW, oid);
	assert_order_profile(oid, "");
	ck_assert_int_eq(order_prof(&t, "tls", oid), -1);
	assert_prob(&t, ACME_PROB_INVALID_PROFILE, "it allows: short, "
	    "default");
	ck_assert_int_eq(order_prof(&t, "default", oid), 0);

	/* No list, or an empty one: every profile. */
	eab_put_profiles(NULL, "[]");
	ck_assert_int_eq(order_prof(&t, "tls", oid), 0);
	eab_put_profiles(NULL, NULL);
	ck_assert_int_eq(order_prof(&t, "short", oid), 0);
	order_ok(&t, ORD_WWW, oid);
	assert_order_profile(oid, "");

	/* Listed profiles the server no longer offers. */
	eab_put_profiles(NULL, "[\"gone\",\"short\"]");
	order_ok(&t, ORD_WWW, oid);
	assert_order_profile(oid, "short");
	eab_put_profiles(NULL, "[\"gone\"]");
	order_bad(&t, "{\"identifiers\":" ORD_WWW "}",
	    ACME_PROB_INVALID_PROFILE, "offers none of them");
	ck_assert_int_eq(order_prof(&t, "gone", oid), -1);
	assert_prob(&t, ACME_PROB_INVALID_PROFILE, "no profile \"gone\"");

	/* A damaged list is an internal error, not "every profile". */
	eab_put_profiles(NULL, "\"tls\"");
	order_bad(&t, "{\"identifiers\":" ORD_WWW "}",
	    ACME_PROB_SERVER_INTERNAL, NULL);
	eab_put_profiles(NULL, "[\"tls\",7]");
	ck_assert_int_eq(order_prof(&t, "tls", oid), -1);
	assert_prob(&t, ACME_PROB_SERVER_INTERNAL, NULL);
	eab_put_profiles(NULL, "{}");
	ck_assert_int_eq(order_prof(&t, "tls", oid), -1);
	assert_prob(&t, ACME_PROB_SERVER_INTERNAL, NULL);
	tctx_done(&t);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Authorization reuse (authz_obtain through newOrder)                  */
/* ------------------------------------------------------------------ */

#define WWW	"[{\"type\":\"dns\",\"value\":\"www.example.com\"}]"

START_TEST(test_authz_obtain_pending_reused)
{
	struct tctx	 t;
	char		 o1[ACMEGW_ID_LEN + 1], o2[ACMEGW_ID_LEN + 1];
	char		 a1[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, o1);
	snprintf(a1, sizeof(a1), "%s", order_authz(o1, 0));
	order_ok(&t, WWW, o2);
	ck_assert_str_ne(o1, o2);
	ck_assert_str_eq(order_authz(o2, 0), a1);
	/* Pending ones are shared even with reuse of valid ones off. */
	tconf.authz_reuse = 0;
	order_ok(&t, WWW, o2);
	ck_assert_str_eq(order_authz(o2, 0), a1);
	ck_assert_uint_eq(db_count(SDB_AUTHZ), 1);
	ck_assert_uint_eq(db_count(SDB_ORDERS), 3);
	ck_assert_uint_eq(db_count(SDB_ORDERS_BY_ACCT), 3);
	tctx_done(&t);
}
END_TEST

START_TEST(test_authz_obtain_valid_reused_when_on)
{
	struct tctx	 t;
	char		 o1[ACMEGW_ID_LEN + 1], o2[ACMEGW_ID_LEN + 1];
	char		 a1[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, o1);
	snprintf(a1, sizeof(a1), "%s", order_authz(o1, 0));
	authz_set(a1, "valid", NOW - 60, NOW - 60 + 30 * DAY);
	chall_set(authz_chall(a1, "http-01"), "valid", NULL);
	order_ok(&t, WWW, o2);
	ck_assert_str_eq(order_authz(o2, 0), a1);
	/* All its authorizations are valid: ready at once. */
	ck_assert_str_eq(bstr(&t, "status"), "ready");
	ck_assert_ptr_null(resp_header_get(&t.resp, "Retry-After"));
	/* The order expires with the authorization at the latest. */
	{
		char	 when[32];

		(void)order_time_str(NOW + 7 * DAY, when, sizeof(when));
		ck_assert_str_eq(bstr(&t, "expires"), when);
	}
	tctx_done(&t);
}
END_TEST

START_TEST(test_authz_obtain_valid_not_reused_when_off)
{
	struct tctx	 t;
	char		 o1[ACMEGW_ID_LEN + 1], o2[ACMEGW_ID_LEN + 1];
	char		 a1[ACMEGW_ID_LEN + 1];

	tconf.authz_reuse = 0;
	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, o1);
	snprintf(a1, sizeof(a1), "%s", order_authz(o1, 0));
	authz_set(a1, "valid", NOW - 60, NOW + 6 * DAY);
	chall_set(authz_chall(a1, "dns-01"), "valid", NULL);
	order_ok(&t, WWW, o2);
	ck_assert_str_ne(order_authz(o2, 0), a1);
	ck_assert_str_eq(bstr(&t, "status"), "pending");
	tctx_done(&t);
}
END_TEST

START_TEST(test_authz_obtain_A8_window_and_expiry)
{
	struct tctx	 t;
	char		 o1[ACMEGW_ID_LEN + 1], o2[ACMEGW_ID_LEN + 1];
	char		 a1[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, o1);
	snprintf(a1, sizeof(a1), "%s", order_authz(o1, 0));
	/* Validated longer ago than the window allows now (lowered). */
	tconf.authz_reuse = DAY;
	authz_set(a1, "valid", NOW - DAY, NOW + 29 * DAY);
	chall_set(authz_chall(a1, "http-01"), "valid", NULL);
	order_ok(&t, WWW, o2);
	ck_assert_str_ne(order_authz(o2, 0), a1);

	/* An expired pending one is not reused, and reads expired. */
	snprintf(a1, sizeof(a1), "%s", order_authz(o2, 0));
	authz_set(a1, "pending", -1, NOW);
	order_ok(&t, WWW, o2);
	ck_assert_str_ne(order_authz(o2, 0), a1);
	{
		struct json_object *a = rec_get(SDB_AUTHZ, a1);

		ck_assert_str_eq(mstr(a, "status"), "expired");
		json_object_put(a);
	}
	/* Nor one about to expire (within the margin). */
	snprintf(a1, sizeof(a1), "%s", order_authz(o2, 0));
	authz_set(a1, "pending", -1, NOW + 60);
	order_ok(&t, WWW, o2);
	ck_assert_str_ne(order_authz(o2, 0), a1);
	/* Nor an invalid or a deactivated one. */
	snprintf(a1, sizeof(a1), "%s", order_authz(o2, 0));
	authz_set(a1, "invalid", -1, -1);
	order_ok(&t, WWW, o2);
	ck_assert_str_ne(order_authz(o2, 0), a1);
	snprintf(a1, sizeof(a1), "%s", order_authz(o2, 0));
	authz_set(a1, "deactivated", -1, -1);
	order_ok(&t, WWW, o2);
	ck_assert_str_ne(order_authz(o2, 0), a1);
	ck_assert_uint_eq(db_count(SDB_AUTHZ), 6);
	tctx_done(&t);
}
END_TEST

START_TEST(test_authz_obtain_A8_never_across_accounts)
{
	struct tctx	 t;
	char		 o1[ACMEGW_ID_LEN + 1], o2[ACMEGW_ID_LEN + 1];
	char		 a1[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, o1);
	snprintf(a1, sizeof(a1), "%s", order_authz(o1, 0));
	authz_set(a1, "valid", NOW - 60, NOW + 20 * DAY);
	chall_set(authz_chall(a1, "http-01"), "valid", NULL);
	tctx_done(&t);

	tctx_init(&t, ACCT_B);
	order_ok(&t, WWW, o2);
	ck_assert_str_ne(order_authz(o2, 0), a1);
	ck_assert_str_eq(bstr(&t, "status"), "pending");
	tctx_done(&t);

	/* A reuse index entry that names another account's is ignored. */
	ck_assert_int_eq(store_put(tst, NULL, SDB_AUTHZ_REUSE,
	    ACCT_B "|dns:www.example.com", strlen(ACCT_B) + 20, a1,
	    ACMEGW_ID_LEN, 0), 0);
	tctx_init(&t, ACCT_B);
	order_ok(&t, WWW, o2);
	ck_assert_str_ne(order_authz(o2, 0), a1);
	tctx_done(&t);
}
END_TEST

START_TEST(test_authz_obtain_P7_switched_off_type_not_reused)
{
	struct tctx	 t;
	char		 o1[ACMEGW_ID_LEN + 1], o2[ACMEGW_ID_LEN + 1];
	char		 a1[ACMEGW_ID_LEN + 1], types[64];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, o1);
	snprintf(a1, sizeof(a1), "%s", order_authz(o1, 0));
	authz_set(a1, "valid", NOW - 60, NOW + 20 * DAY);
	chall_set(authz_chall(a1, "tls-alpn-01"), "valid", NULL);
	tconf.challenge_types &= ~(1u << CHALL_TLSALPN01);
	order_ok(&t, WWW, o2);
	ck_assert_str_ne(order_authz(o2, 0), a1);
	authz_types(order_authz(o2, 0), types, sizeof(types));
	ck_assert_str_eq(types, "http-01 dns-01");

	/* A pending one whose only challenge type is off is replaced. */
	tconf.challenge_types = 1u << CHALL_DNS01;
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"*.example.com\"}]", o1);
	snprintf(a1, sizeof(a1), "%s", order_authz(o1, 0));
	tconf.challenge_types = (1u << CHALL__MAX) - 1;
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"*.example.com\"}]", o2);
	ck_assert_str_eq(order_authz(o2, 0), a1);
	tctx_done(&t);
}
END_TEST

/* ------------------------------------------------------------------ */
/* order_refresh, order_post, cert_finalize                            */
/* ------------------------------------------------------------------ */

static const char *
order_read(struct tctx *t, const char *oid)
{
	ck_assert_msg(run(t, order_post, oid, NULL) == 0, "order read: %s",
	    bstr(t, "detail"));
	return bstr(t, "status");
}

START_TEST(test_order_refresh_pending_to_ready)
{
	struct tctx		 t;
	struct json_object	*o;
	char			 oid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"a.example.com\"},"
	    "{\"type\":\"dns\",\"value\":\"b.example.com\"}]", oid);
	ck_assert_str_eq(order_read(&t, oid), "pending");
	ck_assert_str_eq(resp_header_get(&t.resp, "Retry-After"), "3");
	authz_set(order_authz(oid, 0), "valid", NOW, NOW + 30 * DAY);
	ck_assert_str_eq(order_read(&t, oid), "pending");
	authz_set(order_authz(oid, 1), "valid", NOW, NOW + 30 * DAY);
	ck_assert_str_eq(order_read(&t, oid), "ready");
	ck_assert_ptr_null(resp_header_get(&t.resp, "Retry-After"));
	/* Written back. */
	o = rec_get(SDB_ORDERS, oid);
	ck_assert_str_eq(mstr(o, "status"), "ready");
	json_object_put(o);
	/* A ready order takes a CSR: a bad one is malformed (R13). */
	ck_assert_int_eq(run(&t, cert_finalize, oid, "{\"csr\":\"x\"}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, "\"csr\"");
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_refresh_invalid_authz)
{
	struct tctx		 t;
	struct json_object	*err, *sub;
	char			 oid[ACMEGW_ID_LEN + 1];
	const char		*aid;

	tctx_init(&t, ACCT_A);
	/* "*" sorts before letters: the wildcard is the first. */
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"z.example.com\"},"
	    "{\"type\":\"dns\",\"value\":\"*.b.example.com\"}]", oid);
	authz_set(order_authz(oid, 1), "valid", NOW, NOW + 30 * DAY);
	aid = order_authz(oid, 0);
	chall_set(authz_chall(aid, "dns-01"), "invalid",
	    "{\"type\":\"urn:ietf:params:acme:error:incorrectResponse\","
	    "\"detail\":\"TXT record mismatch at _acme-challenge.b.example.com"
	    "\",\"status\":400}");
	authz_set(aid, "invalid", -1, -1);
	ck_assert_str_eq(order_read(&t, oid), "invalid");
	ck_assert_ptr_null(resp_header_get(&t.resp, "Retry-After"));
	ck_assert(json_object_object_get_ex(t.body, "error", &err));
	ck_assert_str_eq(mstr(err, "type"),
	    acme_prob_type[ACME_PROB_INCORRECT_RESPONSE]);
	ck_assert_ptr_nonnull(strstr(mstr(err, "detail"), "*.b.example.com"));
	ck_assert_ptr_nonnull(strstr(mstr(err, "detail"), "TXT record"));
	sub = json_object_array_get_idx(json_object_object_get(err,
	    "subproblems"), 0);
	ck_assert_ptr_nonnull(sub);
	ck_assert_str_eq(mstr(json_object_object_get(sub, "identifier"),
	    "value"), "*.b.example.com");
	/* Invalid stays invalid, even when the authorization is mended. */
	authz_set(aid, "valid", NOW, NOW + DAY);
	ck_assert_str_eq(order_read(&t, oid), "invalid");
	ck_assert_int_eq(run(&t, cert_finalize, oid, "{}"), -1);
	assert_prob(&t, ACME_PROB_ORDER_NOT_READY, "order is invalid: ");
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_refresh_deactivated_authz)
{
	struct tctx		 t;
	struct json_object	*err;
	char			 oid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, oid);
	ck_assert_int_eq(run(&t, authz_post, order_authz(oid, 0),
	    "{\"status\":\"deactivated\"}"), 0);
	ck_assert_str_eq(order_read(&t, oid), "invalid");
	ck_assert(json_object_object_get_ex(t.body, "error", &err));
	ck_assert_str_eq(mstr(err, "type"),
	    acme_prob_type[ACME_PROB_UNAUTHORIZED]);
	ck_assert_ptr_nonnull(strstr(mstr(err, "detail"), "deactivated"));
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_refresh_expired)
{
	struct tctx		 t;
	struct json_object	*o, *a;
	char			 oid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, oid);
	authz_set(order_authz(oid, 0), "valid", NOW, NOW + 30 * DAY);
	/* At expiry (7 days), even a ready order turns invalid. */
	t.ctx.now = NOW + 7 * DAY - 1;
	ck_assert_str_eq(order_read(&t, oid), "ready");
	t.ctx.now = NOW + 7 * DAY;
	ck_assert_str_eq(order_read(&t, oid), "invalid");
	ck_assert_ptr_nonnull(strstr(t.resp.body, "expired"));
	o = rec_get(SDB_ORDERS, oid);
	ck_assert_str_eq(mstr(o, "status"), "invalid");
	json_object_put(o);

	/* An authorization past its expiry makes the order invalid. */
	t.ctx.now = NOW;
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"x.example.com\"}]", oid);
	o = rec_get(SDB_ORDERS, oid);
	json_object_object_add(o, "expires", json_object_new_int64(NOW +
	    20 * DAY));
	rec_put(SDB_ORDERS, oid, o);
	json_object_put(o);
	t.ctx.now = NOW + 7 * DAY;
	ck_assert_str_eq(order_read(&t, oid), "invalid");
	ck_assert_ptr_nonnull(strstr(t.resp.body, "expired"));
	a = rec_get(SDB_AUTHZ, order_authz(oid, 0));
	ck_assert_str_eq(mstr(a, "status"), "expired");
	json_object_put(a);
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_refresh_leaves_final_states)
{
	struct tctx		 t;
	struct json_object	*o;
	char			 oid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, oid);
	o = rec_get(SDB_ORDERS, oid);
	json_object_object_add(o, "status", json_object_new_string("valid"));
	ck_assert_int_eq(order_refresh(tst, NULL, o, NOW + 100 * DAY), 0);
	ck_assert_str_eq(mstr(o, "status"), "valid");
	json_object_object_add(o, "status",
	    json_object_new_string("processing"));
	ck_assert_int_eq(order_refresh(tst, NULL, o, NOW), 0);
	ck_assert_str_eq(mstr(o, "status"), "processing");
	rec_put(SDB_ORDERS, oid, o);
	json_object_put(o);
	ck_assert_str_eq(order_read(&t, oid), "processing");
	ck_assert_str_eq(resp_header_get(&t.resp, "Retry-After"), "3");
	/* Finalize of a processing order returns it as it is (R14). */
	ck_assert_int_eq(run(&t, cert_finalize, oid, "{}"), 0);
	ck_assert_int_eq(t.resp.status, 200);
	ck_assert_ptr_nonnull(strstr(t.resp.body, "\"processing\""));
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_post_A6_ownership)
{
	struct tctx	 t;
	char		 oid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, oid);
	ck_assert_int_eq(run(&t, order_post, oid, "{}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, "POST-as-GET");
	ck_assert_int_eq(run(&t, cert_finalize, oid, "{}"), -1);
	assert_prob(&t, ACME_PROB_ORDER_NOT_READY, "order is pending: ");
	ck_assert_int_eq(run(&t, order_post, "AAAAAAAAAAAAAAAAAAAAAQ",
	    NULL), -1);
	assert_prob(&t, ACME_PROB_NOT_FOUND, NULL);
	ck_assert_int_eq(run(&t, cert_finalize, "AAAAAAAAAAAAAAAAAAAAAQ",
	    "{}"), -1);
	assert_prob(&t, ACME_PROB_NOT_FOUND, NULL);
	tctx_done(&t);

	tctx_init(&t, ACCT_B);
	ck_assert_int_eq(run(&t, order_post, oid, NULL), -1);
	assert_prob(&t, ACME_PROB_UNAUTHORIZED, "another account");
	ck_assert_int_eq(run(&t, cert_finalize, oid, "{}"), -1);
	assert_prob(&t, ACME_PROB_UNAUTHORIZED, "another account");
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_new_listed_in_account_orders)
{
	struct tctx	 t;
	char		 o1[ACMEGW_ID_LEN + 1], o2[ACMEGW_ID_LEN + 1];
	char		 u1[256], u2[256];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, o1);
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"x.example.com\"}]", o2);
	t.ctx.route_id = NULL;
	ck_assert_int_eq(run(&t, account_orders, ACCT_A, NULL), 0);
	ck_assert_uint_eq(alen(t.body, "orders"), 2);
	snprintf(u1, sizeof(u1), BASE "/order/%s", o1);
	snprintf(u2, sizeof(u2), BASE "/order/%s", o2);
	ck_assert(strcmp(astr(t.body, "orders", 0), u1) == 0 ||
	    strcmp(astr(t.body, "orders", 1), u1) == 0);
	ck_assert(strcmp(astr(t.body, "orders", 0), u2) == 0 ||
	    strcmp(astr(t.body, "orders", 1), u2) == 0);
	tctx_done(&t);
	/* B's list stays empty. */
	tctx_init(&t, ACCT_B);
	ck_assert_int_eq(run(&t, account_orders, ACCT_B, NULL), 0);
	ck_assert_uint_eq(alen(t.body, "orders"), 0);
	tctx_done(&t);
}
END_TEST

/* ------------------------------------------------------------------ */
/* authz_post                                                           */
/* ------------------------------------------------------------------ */

START_TEST(test_authz_post_read)
{
	struct tctx		 t;
	struct json_object	*c;
	char			 oid[ACMEGW_ID_LEN + 1], when[32], url[256];
	const char		*aid;
	size_t			 i;

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, oid);
	aid = order_authz(oid, 0);
	ck_assert_int_eq(run(&t, authz_post, aid, NULL), 0);
	ck_assert_int_eq(t.resp.status, 200);
	ck_assert_str_eq(json_object_to_json_string_ext(json_object_object_get(
	    t.body, "identifier"), JSON_C_TO_STRING_PLAIN),
	    "{\"type\":\"dns\",\"value\":\"www.example.com\"}");
	ck_assert_str_eq(bstr(&t, "status"), "pending");
	(void)order_time_str(NOW + 7 * DAY, when, sizeof(when));
	ck_assert_str_eq(bstr(&t, "expires"), when);
	ck_assert_str_eq(resp_header_get(&t.resp, "Retry-After"), "3");
	ck_assert_uint_eq(alen(t.body, "challenges"), 3);
	for (i = 0; i < 3; i++) {
		c = json_object_array_get_idx(json_object_object_get(t.body,
		    "challenges"), i);
		ck_assert_str_eq(mstr(c, "status"), "pending");
		ck_assert_uint_eq(strlen(mstr(c, "token")), 43);
		ck_assert(b64url_is_canonical(mstr(c, "token"), 43));
		snprintf(url, sizeof(url), BASE "/chall/%s",
		    url_id(mstr(c, "url")));
		ck_assert_str_eq(mstr(c, "url"), url);
		ck_assert(!json_object_object_get_ex(c, "validated", NULL));
		ck_assert(!json_object_object_get_ex(c, "error", NULL));
	}
	/* Tokens differ. */
	ck_assert_str_ne(mstr(json_object_array_get_idx(json_object_object_get(
	    t.body, "challenges"), 0), "token"),
	    mstr(json_object_array_get_idx(json_object_object_get(t.body,
	    "challenges"), 1), "token"));
	/* A payload without "status" reads too; other members ignored. */
	ck_assert_int_eq(run(&t, authz_post, aid, "{\"foo\":1}"), 0);
	ck_assert_str_eq(bstr(&t, "status"), "pending");

	/* A valid one lists the challenge that validated it. */
	authz_set(aid, "valid", NOW, NOW + 30 * DAY);
	chall_set(authz_chall(aid, "dns-01"), "valid", NULL);
	ck_assert_int_eq(run(&t, authz_post, aid, NULL), 0);
	ck_assert_uint_eq(alen(t.body, "challenges"), 1);
	ck_assert_str_eq(mstr(json_object_array_get_idx(json_object_object_get(
	    t.body, "challenges"), 0), "type"), "dns-01");
	ck_assert_ptr_null(resp_header_get(&t.resp, "Retry-After"));
	tctx_done(&t);
}
END_TEST

START_TEST(test_authz_post_P7_hides_switched_off)
{
	struct tctx	 t;
	char		 oid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, oid);
	tconf.challenge_types &= ~(1u << CHALL_HTTP01);
	ck_assert_int_eq(run(&t, authz_post, order_authz(oid, 0), NULL), 0);
	ck_assert_uint_eq(alen(t.body, "challenges"), 2);
	ck_assert_ptr_null(strstr(t.resp.body, "http-01"));
	tctx_done(&t);
}
END_TEST

START_TEST(test_authz_post_expired)
{
	struct tctx		 t;
	struct json_object	*a;
	char			 oid[ACMEGW_ID_LEN + 1];
	char			 aid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, oid);
	snprintf(aid, sizeof(aid), "%s", order_authz(oid, 0));
	t.ctx.now = NOW + 7 * DAY;
	ck_assert_int_eq(run(&t, authz_post, aid, NULL), 0);
	ck_assert_str_eq(bstr(&t, "status"), "expired");
	a = rec_get(SDB_AUTHZ, aid);
	ck_assert_str_eq(mstr(a, "status"), "expired");
	json_object_put(a);
	/* An expired one cannot be deactivated. */
	ck_assert_int_eq(run(&t, authz_post, aid,
	    "{\"status\":\"deactivated\"}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, "is expired");
	tctx_done(&t);
}
END_TEST

/*
 * A9: deactivating an account deactivates its pending authorizations (a
 * validation in flight ends invalid); valid ones, and another account's,
 * are left alone.
 */
START_TEST(test_account_post_A9_pending_authzs)
{
	struct tctx		 t, tb;
	struct json_object	*a, *c;
	char			 oid[ACMEGW_ID_LEN + 1], ob[ACMEGW_ID_LEN + 1];
	char			 a0[ACMEGW_ID_LEN + 1], a1[ACMEGW_ID_LEN + 1];
	char			 av[ACMEGW_ID_LEN + 1], cid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	tctx_init(&tb, ACCT_B);
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"p.example.com\"},"
	    "{\"type\":\"dns\",\"value\":\"*.p.example.com\"}]", oid);
	snprintf(a0, sizeof(a0), "%s", order_authz(oid, 0));
	snprintf(a1, sizeof(a1), "%s", order_authz(oid, 1));
	snprintf(cid, sizeof(cid), "%s", authz_chall(a0, "dns-01"));
	ck_assert_int_eq(run(&t, chall_post, cid, "{}"), 0);
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"v.example.com\"}]", oid);
	snprintf(av, sizeof(av), "%s", order_authz(oid, 0));
	authz_set(av, "valid", NOW, NOW + 30 * DAY);
	order_ok(&tb, "[{\"type\":\"dns\",\"value\":\"p.example.com\"}]", ob);

	ck_assert_int_eq(run(&t, account_post, ACCT_A,
	    "{\"status\":\"deactivated\"}"), 0);
	ck_assert_str_eq(bstr(&t, "status"), "deactivated");
	a = rec_get(SDB_AUTHZ, a0);
	ck_assert_str_eq(mstr(a, "status"), "deactivated");
	json_object_put(a);
	a = rec_get(SDB_AUTHZ, a1);
	ck_assert_str_eq(mstr(a, "status"), "deactivated");
	json_object_put(a);
	c = rec_get(SDB_CHALLS, cid);
	ck_assert_str_eq(mstr(c, "status"), "invalid");
	json_object_put(c);
	a = rec_get(SDB_AUTHZ, av);
	ck_assert_str_eq(mstr(a, "status"), "valid");
	json_object_put(a);
	a = rec_get(SDB_AUTHZ, order_authz(ob, 0));
	ck_assert_str_eq(mstr(a, "status"), "pending");
	json_object_put(a);
	tctx_done(&tb);
	tctx_done(&t);
}
END_TEST

START_TEST(test_authz_post_deactivate)
{
	struct tctx		 t;
	struct json_object	*a, *c;
	char			 oid[ACMEGW_ID_LEN + 1];
	char			 aid[ACMEGW_ID_LEN + 1], cid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, oid);
	snprintf(aid, sizeof(aid), "%s", order_authz(oid, 0));
	/* A validation in flight ends invalid, not processing for ever. */
	snprintf(cid, sizeof(cid), "%s", authz_chall(aid, "http-01"));
	ck_assert_int_eq(run(&t, chall_post, cid, "{}"), 0);
	ck_assert_int_eq(run(&t, authz_post, aid,
	    "{\"status\":\"deactivated\"}"), 0);
	ck_assert_str_eq(bstr(&t, "status"), "deactivated");
	a = rec_get(SDB_AUTHZ, aid);
	ck_assert_str_eq(mstr(a, "status"), "deactivated");
	json_object_put(a);
	c = rec_get(SDB_CHALLS, cid);
	ck_assert_str_eq(mstr(c, "status"), "invalid");
	ck_assert_str_eq(mstr(json_object_object_get(c, "error"), "type"),
	    acme_prob_type[ACME_PROB_UNAUTHORIZED]);
	json_object_put(c);
	/* Twice: malformed, and nothing changes. */
	ck_assert_int_eq(run(&t, authz_post, aid,
	    "{\"status\":\"deactivated\"}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, "is deactivated");

	/* A valid one can be deactivated; an invalid one cannot. */
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"v.example.com\"}]", oid);
	snprintf(aid, sizeof(aid), "%s", order_authz(oid, 0));
	authz_set(aid, "valid", NOW, NOW + 30 * DAY);
	ck_assert_int_eq(run(&t, authz_post, aid,
	    "{\"status\":\"deactivated\"}"), 0);
	ck_assert_str_eq(bstr(&t, "status"), "deactivated");
	order_ok(&t, "[{\"type\":\"dns\",\"value\":\"i.example.com\"}]", oid);
	snprintf(aid, sizeof(aid), "%s", order_authz(oid, 0));
	authz_set(aid, "invalid", -1, -1);
	ck_assert_int_eq(run(&t, authz_post, aid,
	    "{\"status\":\"deactivated\"}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, "is invalid");
	tctx_done(&t);
}
END_TEST

START_TEST(test_authz_post_bad_status)
{
	struct tctx		 t;
	struct json_object	*a;
	char			 oid[ACMEGW_ID_LEN + 1];
	char			 aid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, oid);
	snprintf(aid, sizeof(aid), "%s", order_authz(oid, 0));
	ck_assert_int_eq(run(&t, authz_post, aid, "{\"status\":\"valid\"}"),
	    -1);
	assert_prob(&t, ACME_PROB_MALFORMED, "only status");
	ck_assert_int_eq(run(&t, authz_post, aid, "{\"status\":true}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, "must be a string");
	ck_assert_int_eq(run(&t, authz_post, aid, "{\"status\":null}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, NULL);
	ck_assert_int_eq(run(&t, authz_post, aid,
	    "{\"status\":\"Deactivated\"}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, NULL);
	a = rec_get(SDB_AUTHZ, aid);
	ck_assert_str_eq(mstr(a, "status"), "pending");
	json_object_put(a);
	tctx_done(&t);
}
END_TEST

START_TEST(test_authz_post_A6_ownership)
{
	struct tctx		 t;
	struct json_object	*a;
	char			 oid[ACMEGW_ID_LEN + 1];
	char			 aid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, oid);
	snprintf(aid, sizeof(aid), "%s", order_authz(oid, 0));
	ck_assert_int_eq(run(&t, authz_post, "AAAAAAAAAAAAAAAAAAAAAQ", NULL),
	    -1);
	assert_prob(&t, ACME_PROB_NOT_FOUND, NULL);
	tctx_done(&t);
	tctx_init(&t, ACCT_B);
	ck_assert_int_eq(run(&t, authz_post, aid, NULL), -1);
	assert_prob(&t, ACME_PROB_UNAUTHORIZED, "another account");
	ck_assert_int_eq(run(&t, authz_post, aid,
	    "{\"status\":\"deactivated\"}"), -1);
	assert_prob(&t, ACME_PROB_UNAUTHORIZED, "another account");
	a = rec_get(SDB_AUTHZ, aid);
	ck_assert_str_eq(mstr(a, "status"), "pending");
	json_object_put(a);
	tctx_done(&t);
}
END_TEST

/* ------------------------------------------------------------------ */
/* chall_post                                                           */
/* ------------------------------------------------------------------ */

/* The one job in SDB_JOBS: asserts it is for cid, queued at when. */
static void
assert_one_job(const char *cid, time_t when)
{
	DB			*d = tst->db[SDB_JOBS];
	DBC			*cur = NULL;
	DBT			 k, v;
	unsigned char		 want[8 + ACMEGW_ID_LEN];
	struct json_object	*job;
	int			 i;
	uint64_t		 tv = (uint64_t)when;

	ck_assert_uint_eq(db_count(SDB_JOBS), 1);
	for (i = 7; i >= 0; i--) {
		want[i] = (unsigned char)(tv & 0xff);
		tv >>= 8;
	}
	memcpy(want + 8, cid, ACMEGW_ID_LEN);
	ck_assert_int_eq(d->cursor(d, NULL, &cur, 0), 0);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(cur->get(cur, &k, &v, DB_FIRST), 0);
	ck_assert_uint_eq(k.size, sizeof(want));
	ck_assert_int_eq(memcmp(k.data, want, sizeof(want)), 0);
	{
		char	*text = strndup(v.data, v.size), exp[128];

		ck_assert_ptr_nonnull(text);
		job = json_tokener_parse(text);
		ck_assert_ptr_nonnull(job);
		snprintf(exp, sizeof(exp), "{\"v\":1,\"chall\":\"%s\","
		    "\"attempts\":0,\"started\":0}", cid);
		ck_assert_str_eq(json_object_to_json_string_ext(job,
		    JSON_C_TO_STRING_PLAIN), exp);
		json_object_put(job);
		free(text);
	}
	ck_assert_int_eq(cur->close(cur), 0);
}

START_TEST(test_chall_post_queues_one_job)
{
	struct tctx		 t;
	struct json_object	*c, *a;
	char			 oid[ACMEGW_ID_LEN + 1], aid[ACMEGW_ID_LEN + 1];
	char			 cid[ACMEGW_ID_LEN + 1], up[256], url[256];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, oid);
	snprintf(aid, sizeof(aid), "%s", order_authz(oid, 0));
	snprintf(cid, sizeof(cid), "%s", authz_chall(aid, "http-01"));
	snprintf(up, sizeof(up), "<" BASE "/authz/%s>;rel=\"up\"", aid);
	snprintf(url, sizeof(url), BASE "/chall/%s", cid);

	/* POST-as-GET reads and queues nothing. */
	ck_assert_int_eq(run(&t, chall_post, cid, NULL), 0);
	ck_assert_str_eq(bstr(&t, "status"), "pending");
	ck_assert_str_eq(bstr(&t, "type"), "http-01");
	ck_assert_str_eq(bstr(&t, "url"), url);
	ck_assert_str_eq(resp_header_get(&t.resp, "Link"), up);
	ck_assert_ptr_null(resp_header_get(&t.resp, "Retry-After"));
	ck_assert_int_eq(t.ctx.poke_worker, 0);
	ck_assert_uint_eq(db_count(SDB_JOBS), 0);

	/* {} starts the validation: processing, one job, a poke. */
	t.ctx.now = NOW + 5;
	ck_assert_int_eq(run(&t, chall_post, cid, "{}"), 0);
	ck_assert_int_eq(t.resp.status, 200);
	ck_assert_str_eq(bstr(&t, "status"), "processing");
	ck_assert_str_eq(resp_header_get(&t.resp, "Retry-After"), "2");
	ck_assert_str_eq(resp_header_get(&t.resp, "Link"), up);
	ck_assert_int_eq(t.ctx.poke_worker, 1);
	assert_one_job(cid, NOW + 5);
	c = rec_get(SDB_CHALLS, cid);
	ck_assert_str_eq(mstr(c, "status"), "processing");
	json_object_put(c);
	a = rec_get(SDB_AUTHZ, aid);
	ck_assert_str_eq(mstr(a, "status"), "pending");
	json_object_put(a);

	/* Again: returned as is, no second job. */
	t.ctx.now = NOW + 6;
	ck_assert_int_eq(run(&t, chall_post, cid, "{}"), 0);
	ck_assert_str_eq(bstr(&t, "status"), "processing");
	ck_assert_int_eq(t.ctx.poke_worker, 0);
	assert_one_job(cid, NOW + 5);
	tctx_done(&t);
}
END_TEST

START_TEST(test_chall_post_members_ignored)
{
	struct tctx	 t;
	char		 oid[ACMEGW_ID_LEN + 1], cid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, oid);
	snprintf(cid, sizeof(cid), "%s", authz_chall(order_authz(oid, 0),
	    "dns-01"));
	ck_assert_int_eq(run(&t, chall_post, cid,
	    "{\"keyAuthorization\":\"x.y\",\"status\":\"valid\"}"), 0);
	ck_assert_str_eq(bstr(&t, "status"), "processing");
	assert_one_job(cid, NOW);
	tctx_done(&t);
}
END_TEST

START_TEST(test_chall_post_not_pending)
{
	struct tctx		 t;
	struct json_object	*c;
	char			 oid[ACMEGW_ID_LEN + 1], aid[ACMEGW_ID_LEN + 1];
	char			 cid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, oid);
	snprintf(aid, sizeof(aid), "%s", order_authz(oid, 0));
	snprintf(cid, sizeof(cid), "%s", authz_chall(aid, "http-01"));

	/* A valid challenge stays valid, with "validated". */
	c = rec_get(SDB_CHALLS, cid);
	json_object_object_add(c, "status", json_object_new_string("valid"));
	json_object_object_add(c, "validated", json_object_new_int64(NOW));
	rec_put(SDB_CHALLS, cid, c);
	json_object_put(c);
	ck_assert_int_eq(run(&t, chall_post, cid, "{}"), 0);
	ck_assert_str_eq(bstr(&t, "status"), "valid");
	ck_assert_str_eq(bstr(&t, "validated"), "2023-11-14T22:13:20Z");
	ck_assert_ptr_null(resp_header_get(&t.resp, "Retry-After"));

	/* An invalid one shows its error. */
	chall_set(cid, "invalid", "{\"type\":\"urn:ietf:params:acme:error:"
	    "connection\",\"detail\":\"192.0.2.1: connection refused\","
	    "\"status\":400}");
	ck_assert_int_eq(run(&t, chall_post, cid, "{}"), 0);
	ck_assert_str_eq(bstr(&t, "status"), "invalid");
	ck_assert_str_eq(mstr(json_object_object_get(t.body, "error"),
	    "detail"), "192.0.2.1: connection refused");

	/* A pending challenge of a deactivated authorization: as is. */
	snprintf(cid, sizeof(cid), "%s", authz_chall(aid, "dns-01"));
	authz_set(aid, "deactivated", -1, -1);
	ck_assert_int_eq(run(&t, chall_post, cid, "{}"), 0);
	ck_assert_str_eq(bstr(&t, "status"), "pending");
	/* Or of an expired one (H22). */
	authz_set(aid, "pending", -1, NOW);
	ck_assert_int_eq(run(&t, chall_post, cid, "{}"), 0);
	ck_assert_str_eq(bstr(&t, "status"), "pending");
	c = rec_get(SDB_AUTHZ, aid);
	ck_assert_str_eq(mstr(c, "status"), "expired");
	json_object_put(c);
	ck_assert_uint_eq(db_count(SDB_JOBS), 0);
	ck_assert_int_eq(t.ctx.poke_worker, 0);
	tctx_done(&t);
}
END_TEST

START_TEST(test_chall_post_A6_P7_refusals)
{
	struct tctx		 t;
	struct json_object	*c;
	char			 oid[ACMEGW_ID_LEN + 1], cid[ACMEGW_ID_LEN + 1];

	tctx_init(&t, ACCT_A);
	order_ok(&t, WWW, oid);
	snprintf(cid, sizeof(cid), "%s", authz_chall(order_authz(oid, 0),
	    "tls-alpn-01"));
	ck_assert_int_eq(run(&t, chall_post, "AAAAAAAAAAAAAAAAAAAAAQ", "{}"),
	    -1);
	assert_prob(&t, ACME_PROB_NOT_FOUND, NULL);
	/* Switched off since the order was made (P7). */
	tconf.challenge_types &= ~(1u << CHALL_TLSALPN01);
	ck_assert_int_eq(run(&t, chall_post, cid, "{}"), -1);
	assert_prob(&t, ACME_PROB_UNAUTHORIZED, "tls-alpn-01 challenges are "
	    "switched off");
	tconf.challenge_types = (1u << CHALL__MAX) - 1;
	tctx_done(&t);

	tctx_init(&t, ACCT_B);
	ck_assert_int_eq(run(&t, chall_post, cid, "{}"), -1);
	assert_prob(&t, ACME_PROB_UNAUTHORIZED, "another account");
	ck_assert_int_eq(run(&t, chall_post, cid, NULL), -1);
	assert_prob(&t, ACME_PROB_UNAUTHORIZED, "another account");
	tctx_done(&t);
	c = rec_get(SDB_CHALLS, cid);
	ck_assert_str_eq(mstr(c, "status"), "pending");
	json_object_put(c);
	ck_assert_uint_eq(db_count(SDB_JOBS), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* chall_poke_worker                                                    */
/* ------------------------------------------------------------------ */

START_TEST(test_chall_poke_worker_fifo)
{
	char	 path[256], b[4];
	int	 rfd, fd;

	snprintf(path, sizeof(path), "%s/worker.fifo", tconf.state_dir);
	/* No FIFO yet, no reader: both fine. */
	ck_assert_int_eq(chall_poke_worker(&tconf), 0);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(chall_poke_worker(&tconf), 0);
	/* A reader gets one byte per poke. */
	rfd = open(path, O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(rfd, 0);
	ck_assert_int_eq(chall_poke_worker(&tconf), 0);
	ck_assert_int_eq(read(rfd, b, sizeof(b)), 1);
	ck_assert_int_eq(read(rfd, b, sizeof(b)), 0);	/* writer gone */
	close(rfd);
	/* Something else at that path is never written to. */
	ck_assert_int_eq(unlink(path), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(chall_poke_worker(&tconf), -1);
	{
		struct stat sb;

		ck_assert_int_eq(stat(path, &sb), 0);
		ck_assert_int_eq(sb.st_size, 0);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* authz_new (newAuthz), directory, routes                              */
/* ------------------------------------------------------------------ */

START_TEST(test_authz_new_pre_authorization)
{
	struct tctx	 t;
	char		 aid[ACMEGW_ID_LEN + 1], oid[ACMEGW_ID_LEN + 1];
	char		 types[64];
	const char	*loc;

	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(run(&t, authz_new, NULL, "{\"identifier\":"
	    "{\"type\":\"dns\",\"value\":\"www.example.com\"}}"), -1);
	assert_prob(&t, ACME_PROB_NOT_FOUND, NULL);

	tconf.pre_authorization = 1;
	ck_assert_int_eq(run(&t, authz_new, NULL, "{\"identifier\":"
	    "{\"type\":\"dns\",\"value\":\"www.example.com\"}}"), 0);
	ck_assert_int_eq(t.resp.status, 201);
	loc = resp_header_get(&t.resp, "Location");
	ck_assert_ptr_nonnull(loc);
	ck_assert_int_eq(strncmp(loc, BASE "/authz/", strlen(BASE) + 7), 0);
	snprintf(aid, sizeof(aid), "%s", url_id(loc));
	ck_assert_str_eq(bstr(&t, "status"), "pending");
	authz_types(aid, types, sizeof(types));
	ck_assert_str_eq(types, "http-01 dns-01 tls-alpn-01");
	/* Asked again: the same one; and newOrder reuses it. */
	ck_assert_int_eq(run(&t, authz_new, NULL, "{\"identifier\":"
	    "{\"type\":\"dns\",\"value\":\"www.example.com\"}}"), 0);
	ck_assert_str_eq(url_id(resp_header_get(&t.resp, "Location")), aid);
	order_ok(&t, WWW, oid);
	ck_assert_str_eq(order_authz(oid, 0), aid);
	ck_assert_uint_eq(db_count(SDB_AUTHZ), 1);
	tctx_done(&t);
}
END_TEST

START_TEST(test_authz_new_refusals)
{
	struct tctx	 t;

	tconf.pre_authorization = 1;
	eab_put("[\"example.org\"]");
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(run(&t, authz_new, NULL, NULL), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, "POST-as-GET");
	ck_assert_int_eq(run(&t, authz_new, NULL, "{}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, "\"identifier\"");
	ck_assert_int_eq(run(&t, authz_new, NULL, "{\"identifier\":[]}"),
	    -1);
	assert_prob(&t, ACME_PROB_MALFORMED, "\"identifier\"");
	ck_assert_int_eq(run(&t, authz_new, NULL, "{\"identifier\":"
	    "{\"type\":\"dns\",\"value\":\"*.example.com\"}}"), -1);
	assert_prob(&t, ACME_PROB_REJECTED_IDENT, "wildcard");
	ck_assert_int_eq(run(&t, authz_new, NULL, "{\"identifier\":"
	    "{\"type\":\"dns\",\"value\":\"a..example.com\"}}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, NULL);
	tconf.challenge_types = 1u << CHALL_DNS01;
	ck_assert_int_eq(run(&t, authz_new, NULL, "{\"identifier\":"
	    "{\"type\":\"ip\",\"value\":\"192.0.2.1\"}}"), -1);
	assert_prob(&t, ACME_PROB_REJECTED_IDENT, "no enabled challenge");
	tctx_done(&t);
	tctx_init(&t, ACCT_E);
	ck_assert_int_eq(run(&t, authz_new, NULL, "{\"identifier\":"
	    "{\"type\":\"dns\",\"value\":\"www.example.com\"}}"), -1);
	assert_prob(&t, ACME_PROB_REJECTED_IDENT, NULL);
	tctx_done(&t);
	ck_assert_uint_eq(db_count(SDB_AUTHZ), 0);
}
END_TEST

START_TEST(test_directory_get_new_authz)
{
	struct ctx		 ctx;
	struct resp		 resp;
	struct json_object	*d;

	memset(&ctx, 0, sizeof(ctx));
	resp_init(&resp);
	ctx.conf = &tconf;
	ctx.resp = &resp;
	directory_get(&ctx);
	d = json_tokener_parse(resp.body);
	ck_assert_ptr_nonnull(d);
	ck_assert(!json_object_object_get_ex(d, "newAuthz", NULL));
	ck_assert_str_eq(mstr(d, "newOrder"), BASE "/new-order");
	json_object_put(d);
	resp_clear(&resp);

	tconf.pre_authorization = 1;
	directory_get(&ctx);
	d = json_tokener_parse(resp.body);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(mstr(d, "newAuthz"), BASE "/new-authz");
	json_object_put(d);
	resp_clear(&resp);
}
END_TEST

/* router_handle() for a GET of path: the status it answers. */
static int
route_status(const char *path)
{
	struct req	 req;
	struct resp	 resp;
	char		 acct[32];
	int		 status;

	memset(&req, 0, sizeof(req));
	req.method = METHOD_GET;
	req.method_str = (char *)"GET";
	req.path = (char *)path;
	req.query = (char *)"";
	req.remote_addr = (char *)"127.0.0.1";
	req.now = NOW;
	resp_init(&resp);
	ck_assert_int_eq(router_handle(&tconf, tst, &req, &resp, acct,
	    sizeof(acct)), 0);
	status = resp.status;
	resp_clear(&resp);
	return status;
}

START_TEST(test_router_handle_P6_routes)
{
	/* Known resources: a GET is 405, as for every POST resource. */
	ck_assert_int_eq(route_status("/new-order"), 405);
	ck_assert_int_eq(route_status("/order/AAAAAAAAAAAAAAAAAAAAAQ"), 405);
	ck_assert_int_eq(route_status("/authz/AAAAAAAAAAAAAAAAAAAAAQ"), 405);
	ck_assert_int_eq(route_status("/chall/AAAAAAAAAAAAAAAAAAAAAQ"), 405);
	ck_assert_int_eq(route_status("/finalize/AAAAAAAAAAAAAAAAAAAAAQ"),
	    405);
	/* Not ids, extra segments, unknown prefixes: 404. */
	ck_assert_int_eq(route_status("/order/AAAA"), 404);
	ck_assert_int_eq(route_status("/order/AAAAAAAAAAAAAAAAAAAAAB"), 404);
	ck_assert_int_eq(route_status("/order/AAAAAAAAAAAAAAAAAAAAAQ/"), 404);
	ck_assert_int_eq(route_status("/order/AAAAAAAAAAAAAAAAAAAAAQA"), 404);
	ck_assert_int_eq(route_status("/chall/AAAAAAAAAAAAAAAAAAAA+Q"), 404);
	ck_assert_int_eq(route_status("/order/"), 404);
	ck_assert_int_eq(route_status("/orders/AAAAAAAAAAAAAAAAAAAAAQ"), 404);
	ck_assert_int_eq(route_status("/cert/AAAAAAAAAAAAAAAAAAAAAQ"), 404);
	/* newAuthz exists only with pre-authorization. */
	ck_assert_int_eq(route_status("/new-authz"), 404);
	tconf.pre_authorization = 1;
	ck_assert_int_eq(route_status("/new-authz"), 405);
}
END_TEST

static Suite *
order_suite(void)
{
	Suite	*s = suite_create("order");
	TCase	*tc;

	tc = tcase_create("order_time_parse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_order_time_parse_ok);
	tcase_add_test(tc, test_order_time_parse_bad);
	tcase_add_test(tc, test_order_time_str_format);
	suite_add_tcase(s, tc);

	tc = tcase_create("order_new");
	tcase_add_checked_fixture(tc, store_setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_order_new_single);
	tcase_add_test(tc, test_order_new_several_sorted_duplicates_folded);
	tcase_add_test(tc, test_order_new_H21_D10_wildcard_dns01_only);
	tcase_add_test(tc, test_order_new_ip_challenges);
	tcase_add_test(tc, test_order_new_P7_challenge_types_filter);
	tcase_add_test(tc, test_order_new_validity_window);
	tcase_add_test(tc, test_order_new_P6_validity_refused);
	tcase_add_test(tc, test_order_new_P6_profile_replaces);
	tcase_add_test(tc, test_order_new_identifiers_shape);
	tcase_add_test(tc, test_order_new_X2_too_many_identifiers);
	tcase_add_test(tc, test_order_new_subproblems);
	tcase_add_test(tc, test_order_new_R4_wildcard_misuse);
	tcase_add_test(tc, test_order_new_policy_forbidden);
	tcase_add_test(tc, test_order_new_eab_domains);
	tcase_add_test(tc, test_order_new_eab_profiles);
	tcase_add_test(tc, test_order_new_listed_in_account_orders);
	suite_add_tcase(s, tc);

	tc = tcase_create("authz_obtain");
	tcase_add_checked_fixture(tc, store_setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_authz_obtain_pending_reused);
	tcase_add_test(tc, test_authz_obtain_valid_reused_when_on);
	tcase_add_test(tc, test_authz_obtain_valid_not_reused_when_off);
	tcase_add_test(tc, test_authz_obtain_A8_window_and_expiry);
	tcase_add_test(tc, test_authz_obtain_A8_never_across_accounts);
	tcase_add_test(tc, test_authz_obtain_P7_switched_off_type_not_reused);
	suite_add_tcase(s, tc);

	tc = tcase_create("order_refresh");
	tcase_add_checked_fixture(tc, store_setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_order_refresh_pending_to_ready);
	tcase_add_test(tc, test_order_refresh_invalid_authz);
	tcase_add_test(tc, test_order_refresh_deactivated_authz);
	tcase_add_test(tc, test_order_refresh_expired);
	tcase_add_test(tc, test_order_refresh_leaves_final_states);
	suite_add_tcase(s, tc);

	tc = tcase_create("order_post");
	tcase_add_checked_fixture(tc, store_setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_order_post_A6_ownership);
	suite_add_tcase(s, tc);

	tc = tcase_create("authz_post");
	tcase_add_checked_fixture(tc, store_setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_authz_post_read);
	tcase_add_test(tc, test_authz_post_P7_hides_switched_off);
	tcase_add_test(tc, test_authz_post_expired);
	tcase_add_test(tc, test_authz_post_deactivate);
	tcase_add_test(tc, test_account_post_A9_pending_authzs);
	tcase_add_test(tc, test_authz_post_bad_status);
	tcase_add_test(tc, test_authz_post_A6_ownership);
	suite_add_tcase(s, tc);

	tc = tcase_create("authz_new");
	tcase_add_checked_fixture(tc, store_setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_authz_new_pre_authorization);
	tcase_add_test(tc, test_authz_new_refusals);
	suite_add_tcase(s, tc);

	tc = tcase_create("chall_post");
	tcase_add_checked_fixture(tc, store_setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_chall_post_queues_one_job);
	tcase_add_test(tc, test_chall_post_members_ignored);
	tcase_add_test(tc, test_chall_post_not_pending);
	tcase_add_test(tc, test_chall_post_A6_P7_refusals);
	suite_add_tcase(s, tc);

	tc = tcase_create("chall_poke_worker");
	tcase_add_checked_fixture(tc, store_setup, teardown);
	tcase_add_test(tc, test_chall_poke_worker_fifo);
	suite_add_tcase(s, tc);

	tc = tcase_create("directory_get");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_directory_get_new_authz);
	suite_add_tcase(s, tc);

	tc = tcase_create("router_handle");
	tcase_add_checked_fixture(tc, store_setup, teardown);
	tcase_add_test(tc, test_router_handle_P6_routes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(order_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

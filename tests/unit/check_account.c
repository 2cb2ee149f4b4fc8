/*
 * check_account.c: unit tests for account.c (contact policy, the account
 * record and object, the account resource and its orders list) and the
 * record maker of eab.c.
 *
 * Handlers that need the store get a fresh environment under /tmp; the
 * time is injected.  SECURITY.md ids are in the test names.
 */
#define _GNU_SOURCE		/* nftw() */

#include <sys/types.h>
#include <sys/stat.h>

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acmegw.h"

#define BASE	"https://ca.example.test/acme"
#define NOW	((time_t)1700000000)

/* RFC 7515 A.3: an EC P-256 public key. */
static const char *const p256_jwk =
    "{\"kty\":\"EC\",\"crv\":\"P-256\","
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";

static struct conf	 tconf;
static char		 tdir[64];
static struct store	*tst;

static void
setup(void)
{
	log_init("check_account", 0);
	conf_init(&tconf);
	tconf.base_url = strdup(BASE);
	ck_assert_ptr_nonnull(tconf.base_url);
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

/* A fresh store under /tmp for this test. */
static void
store_setup(void)
{
	char	 err[512], path[128];

	setup();
	snprintf(tdir, sizeof(tdir), "/tmp/check_account.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tdir));
	snprintf(path, sizeof(path), "%s/state", tdir);
	free(tconf.state_dir);
	tconf.state_dir = strdup(path);
	ck_assert_ptr_nonnull(tconf.state_dir);
	tst = store_open(&tconf, 0, err, sizeof(err));
	ck_assert_msg(tst != NULL, "store_open: %s", err);
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

/*
 * Run account_contacts_check on the JSON array text; return its result and
 * the problem in *prob.
 */
static int
contacts(const char *json, enum acme_prob *prob)
{
	struct json_object	*a;
	struct perr		 e;
	int			 rc;

	memset(&e, 0, sizeof(e));
	a = json_tokener_parse(json);
	ck_assert_msg(a != NULL, "test JSON does not parse: %s", json);
	rc = account_contacts_check(&tconf, a, &e);
	*prob = e.prob;
	json_object_put(a);
	return rc;
}

/* One contact string (may hold any byte, NUL included). */
static int
contact1(const char *s, size_t len, enum acme_prob *prob)
{
	struct json_object	*a;
	struct perr		 e;
	int			 rc;

	memset(&e, 0, sizeof(e));
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string_len(s, (int)len));
	rc = account_contacts_check(&tconf, a, &e);
	*prob = e.prob;
	json_object_put(a);
	return rc;
}

#define CONTACT_OK(json) do {						\
	enum acme_prob p_ = ACME_PROB_NONE;				\
	ck_assert_msg(contacts((json), &p_) == 0,			\
	    "refused: %s", (json));					\
} while (0)

#define CONTACT_BAD(json, want) do {					\
	enum acme_prob p_ = ACME_PROB_NONE;				\
	ck_assert_msg(contacts((json), &p_) == -1,			\
	    "accepted: %s", (json));					\
	ck_assert_msg(p_ == (want), "%s: problem %d, want %d",		\
	    (json), p_, (want));					\
} while (0)

/* ------------------------------------------------------------------ */
/* account_contacts_check                                              */
/* ------------------------------------------------------------------ */

START_TEST(test_account_contacts_check_ok)
{
	CONTACT_OK("[]");
	CONTACT_OK("[\"mailto:admin@example.org\"]");
	CONTACT_OK("[\"mailto:first.last+acme@mail.example.co.uk\"]");
	CONTACT_OK("[\"mailto:a@b.example\",\"mailto:c@d.example\"]");
	CONTACT_OK("[\"mailto:o'brien@xn--bcher-kva.example\"]");
}
END_TEST

START_TEST(test_account_contacts_check_A4_tel)
{
	CONTACT_BAD("[\"tel:+12025550123\"]", ACME_PROB_UNSUPPORTED_CONTACT);
}
END_TEST

START_TEST(test_account_contacts_check_A4_http)
{
	CONTACT_BAD("[\"http://example.org/contact\"]",
	    ACME_PROB_UNSUPPORTED_CONTACT);
	CONTACT_BAD("[\"https://example.org/\"]",
	    ACME_PROB_UNSUPPORTED_CONTACT);
}
END_TEST

START_TEST(test_account_contacts_check_A4_other_schemes)
{
	CONTACT_BAD("[\"MAILTO:a@example.org\"]",
	    ACME_PROB_UNSUPPORTED_CONTACT);
	CONTACT_BAD("[\"a@example.org\"]", ACME_PROB_UNSUPPORTED_CONTACT);
	CONTACT_BAD("[\"\"]", ACME_PROB_UNSUPPORTED_CONTACT);
	CONTACT_BAD("[\"mailto\"]", ACME_PROB_UNSUPPORTED_CONTACT);
	/* The second one is bad: the first must not hide it. */
	CONTACT_BAD("[\"mailto:a@example.org\",\"tel:+1\"]",
	    ACME_PROB_UNSUPPORTED_CONTACT);
}
END_TEST

START_TEST(test_account_contacts_check_A4_hfields)
{
	CONTACT_BAD("[\"mailto:a@example.org?cc=b@example.org\"]",
	    ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a@example.org?subject=hi\"]",
	    ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:?to=a@example.org\"]",
	    ACME_PROB_INVALID_CONTACT);
}
END_TEST

START_TEST(test_account_contacts_check_A4_several_addresses)
{
	CONTACT_BAD("[\"mailto:a@example.org,b@example.org\"]",
	    ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a@example.org;b@example.org\"]",
	    ACME_PROB_INVALID_CONTACT);
}
END_TEST

START_TEST(test_account_contacts_check_A4_too_many)
{
	char	 buf[4096];
	size_t	 i, o = 0;

	tconf.max_contacts = 3;
	CONTACT_OK("[\"mailto:a@x.example\",\"mailto:b@x.example\","
	    "\"mailto:c@x.example\"]");
	CONTACT_BAD("[\"mailto:a@x.example\",\"mailto:b@x.example\","
	    "\"mailto:c@x.example\",\"mailto:d@x.example\"]",
	    ACME_PROB_INVALID_CONTACT);
	tconf.max_contacts = 10;
	o += snprintf(buf + o, sizeof(buf) - o, "[");
	for (i = 0; i < 11; i++)
		o += snprintf(buf + o, sizeof(buf) - o,
		    "%s\"mailto:u%zu@x.example\"", i ? "," : "", i);
	snprintf(buf + o, sizeof(buf) - o, "]");
	CONTACT_BAD(buf, ACME_PROB_INVALID_CONTACT);
}
END_TEST

/* "mailto:" + 64 characters + "@" + a domain of dlen3 + 133 characters. */
static size_t
long_contact(char *s, size_t sz, int dlen3)
{
	return (size_t)snprintf(s, sz, "mailto:%s@%s.%s.%.*s.test",
	    "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll",
	    "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
	    "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
	    dlen3,
	    "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
}

START_TEST(test_account_contacts_check_A4_length)
{
	char		 s[400];
	enum acme_prob	 p;
	size_t		 n;

	/* Exactly 254 characters of address. */
	n = long_contact(s, sizeof(s), 56);
	ck_assert_uint_eq(n, 7 + 254);
	ck_assert_int_eq(contact1(s, n, &p), 0);
	/* 255. */
	n = long_contact(s, sizeof(s), 57);
	ck_assert_uint_eq(n, 7 + 255);
	ck_assert_int_eq(contact1(s, n, &p), -1);
	ck_assert_int_eq(p, ACME_PROB_INVALID_CONTACT);
}
END_TEST

START_TEST(test_account_contacts_check_A4_crlf)
{
	enum acme_prob	 p;
	const char	*cases[] = {
		"mailto:a@example.org\r\nBcc: x@evil.example",
		"mailto:a@example.org\n",
		"mailto:a\r@example.org",
		"mailto:a b@example.org",
		"mailto: a@example.org",
		"mailto:a@example.org ",
		"mailto:a\t@example.org",
		"mailto:a\x7f@example.org",
		"mailto:\xc3\xa9@example.org",
	};
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(contact1(cases[i], strlen(cases[i]), &p) == -1,
		    "accepted case %zu", i);
		ck_assert_int_eq(p, ACME_PROB_INVALID_CONTACT);
	}
}
END_TEST

START_TEST(test_account_contacts_check_A4_nul)
{
	enum acme_prob	 p;
	const char	 s[] = "mailto:a@example.org\0@evil.example";

	ck_assert_int_eq(contact1(s, sizeof(s) - 1, &p), -1);
	ck_assert_int_eq(p, ACME_PROB_INVALID_CONTACT);
}
END_TEST

START_TEST(test_account_contacts_check_A4_address_shape)
{
	CONTACT_BAD("[\"mailto:\"]", ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:example.org\"]", ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:@example.org\"]", ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a@\"]", ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a@b@example.org\"]",
	    ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:.a@example.org\"]", ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a.@example.org\"]", ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a..b@example.org\"]",
	    ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a%40b@example.org\"]",
	    ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a#b@example.org\"]",
	    ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:\\\"a\\\"@example.org\"]",
	    ACME_PROB_INVALID_CONTACT);
	/* 65 characters before the "@". */
	CONTACT_BAD("[\"mailto:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaa@example.org\"]", ACME_PROB_INVALID_CONTACT);
}
END_TEST

START_TEST(test_account_contacts_check_A4_domain)
{
	CONTACT_BAD("[\"mailto:root@localhost\"]", ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a@192.0.2.1\"]", ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a@[192.0.2.1]\"]", ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a@example..org\"]", ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a@.example.org\"]", ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a@example.org.\"]", ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a@-example.org\"]", ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a@example-.org\"]", ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a@ex_ample.org\"]", ACME_PROB_INVALID_CONTACT);
	CONTACT_BAD("[\"mailto:a@example.org/x\"]", ACME_PROB_INVALID_CONTACT);
	/* A 64-character label. */
	CONTACT_BAD("[\"mailto:a@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaa.example\"]", ACME_PROB_INVALID_CONTACT);
}
END_TEST

START_TEST(test_account_contacts_check_types)
{
	CONTACT_BAD("[1]", ACME_PROB_MALFORMED);
	CONTACT_BAD("[null]", ACME_PROB_MALFORMED);
	CONTACT_BAD("[[\"mailto:a@example.org\"]]", ACME_PROB_MALFORMED);
	CONTACT_BAD("{\"a\":\"mailto:a@example.org\"}", ACME_PROB_MALFORMED);
	CONTACT_BAD("\"mailto:a@example.org\"", ACME_PROB_MALFORMED);
}
END_TEST

/* ------------------------------------------------------------------ */
/* account_record_new, account_json                                     */
/* ------------------------------------------------------------------ */

START_TEST(test_account_record_new_fields)
{
	struct jwk		*k = test_jwk();
	struct json_object	*c, *rec, *v;
	const char		*s;
	int64_t			 n;
	int			 b;

	c = json_tokener_parse("[\"mailto:a@example.org\"]");
	rec = account_record_new("AAAAAAAAAAAAAAAAAAAAAA", k, c, 1, NULL, NOW);
	ck_assert_ptr_nonnull(rec);
	/* The contacts are copied: changing the caller's array is harmless. */
	json_object_array_add(c, json_object_new_string("mailto:x@y.example"));
	json_object_put(c);

	ck_assert_int_eq(json_get_int(rec, "v", 1, 1, &n), 0);
	ck_assert_int_eq(json_get_str(rec, "id", &s, NULL), 0);
	ck_assert_str_eq(s, "AAAAAAAAAAAAAAAAAAAAAA");
	ck_assert_int_eq(json_get_str(rec, "status", &s, NULL), 0);
	ck_assert_str_eq(s, "valid");
	ck_assert_int_eq(json_get_array(rec, "contact", &v), 0);
	ck_assert_uint_eq(json_object_array_length(v), 1);
	ck_assert_int_eq(json_get_bool(rec, "tos", &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(json_get_obj(rec, "jwk", &v), 0);
	ck_assert_str_eq(json_compact(v), k->canon);
	ck_assert_int_eq(json_get_str(rec, "thumb", &s, NULL), 0);
	ck_assert_str_eq(s, k->thumb);
	ck_assert_int_eq(json_get_int(rec, "created", 0, INT64_MAX - 1, &n),
	    0);
	ck_assert_int_eq(n, NOW);
	ck_assert_int_eq(json_get_str(rec, "origin", &s, NULL), 0);
	ck_assert_str_eq(s, "acme");
	ck_assert_int_eq(json_get_str(rec, "eab", &s, NULL), 1);
	json_object_put(rec);

	rec = account_record_new("AAAAAAAAAAAAAAAAAAAAAA", k, NULL, 0, "kid-1",
	    NOW);
	ck_assert_ptr_nonnull(rec);
	ck_assert_int_eq(json_get_array(rec, "contact", &v), 0);
	ck_assert_uint_eq(json_object_array_length(v), 0);
	ck_assert_int_eq(json_get_bool(rec, "tos", &b), 0);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(json_get_str(rec, "eab", &s, NULL), 0);
	ck_assert_str_eq(s, "kid-1");
	json_object_put(rec);
	jwk_free(k);
}
END_TEST

START_TEST(test_account_json_shape)
{
	static const char *const allowed[] = {
		"status", "contact", "termsOfServiceAgreed", "orders", NULL
	};
	struct ctx		 ctx;
	struct jwk		*k = test_jwk();
	struct json_object	*c, *rec, *o = NULL, *v;
	const char		*s;
	int			 b;

	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = &tconf;
	c = json_tokener_parse("[\"mailto:a@example.org\"]");
	rec = account_record_new("BBBBBBBBBBBBBBBBBBBBBA", k, c, 1, "kid-1",
	    NOW);
	json_object_put(c);
	ck_assert_ptr_nonnull(rec);
	ck_assert_int_eq(account_json(&ctx, rec, &o), 0);
	ck_assert_ptr_nonnull(o);
	/* E14, and never the key: only the RFC members. */
	ck_assert_int_eq(json_only_members(o, allowed, NULL), 0);
	ck_assert_int_eq(json_get_str(o, "status", &s, NULL), 0);
	ck_assert_str_eq(s, "valid");
	ck_assert_int_eq(json_get_array(o, "contact", &v), 0);
	ck_assert_str_eq(json_object_get_string(
	    json_object_array_get_idx(v, 0)), "mailto:a@example.org");
	ck_assert_int_eq(json_get_bool(o, "termsOfServiceAgreed", &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(json_get_str(o, "orders", &s, NULL), 0);
	ck_assert_str_eq(s, BASE "/acct/BBBBBBBBBBBBBBBBBBBBBA/orders");
	ck_assert_ptr_null(strstr(json_compact(o), "kid-1"));
	ck_assert_ptr_null(strstr(json_compact(o), k->thumb));
	json_object_put(o);
	json_object_put(rec);

	/* termsOfServiceAgreed only when true. */
	rec = account_record_new("BBBBBBBBBBBBBBBBBBBBBA", k, NULL, 0, NULL,
	    NOW);
	ck_assert_int_eq(account_json(&ctx, rec, &o), 0);
	ck_assert_int_eq(json_get_bool(o, "termsOfServiceAgreed", &b), 1);
	json_object_put(o);

	/* A record without an id cannot make an object. */
	json_object_object_del(rec, "id");
	ck_assert_int_eq(account_json(&ctx, rec, &o), -1);
	ck_assert_ptr_null(o);
	json_object_put(rec);
	jwk_free(k);
}
END_TEST

/* ------------------------------------------------------------------ */
/* account_post, account_orders, account_load (with a store)            */
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

static int
hrun_body(DB_TXN *txn, void *arg)
{
	struct hrun	*h = arg;
	int		 rc;

	resp_reset(h->ctx->resp);
	rc = store_txn_child(h->ctx->store, txn, hrun_child, h);
	h->rc = rc;
	return rc == -1 ? 0 : rc;
}

static int
handler_run(struct ctx *ctx, int (*fn)(struct ctx *, DB_TXN *))
{
	struct hrun	 h;

	h.ctx = ctx;
	h.fn = fn;
	h.rc = 0;
	ck_assert_int_eq(store_txn_run(ctx->store, 0, hrun_body, &h), 0);
	return h.rc;
}

/* Write an account record and its key index; the id goes to id. */
static void
acct_put(const struct jwk *k, const char *id)
{
	struct json_object	*rec;

	rec = account_record_new(id, k, NULL, 1, NULL, NOW);
	ck_assert_ptr_nonnull(rec);
	ck_assert_int_eq(store_put_json(tst, NULL, SDB_ACCOUNTS, id, rec,
	    DB_NOOVERWRITE), 0);
	ck_assert_int_eq(store_put(tst, NULL, SDB_ACCTKEYS, k->thumb,
	    ACMEGW_THUMB_LEN, id, ACMEGW_ID_LEN, DB_NOOVERWRITE), 0);
	json_object_put(rec);
}

/* ctx for account id: its record loaded, acting as itself. */
static void
ctx_for(struct ctx *ctx, struct resp *resp, const char *id)
{
	struct jwk	*k = NULL;

	memset(ctx, 0, sizeof(*ctx));
	ctx->conf = &tconf;
	ctx->store = tst;
	ctx->resp = resp;
	ctx->now = NOW;
	ck_assert_int_eq(account_load(ctx, NULL, id, &ctx->acct, &k), 0);
	ck_assert_ptr_nonnull(k);
	jwk_free(k);
	snprintf(ctx->acct_id, sizeof(ctx->acct_id), "%s", id);
	ctx->route_id = ctx->acct_id;
}

static void
ctx_done(struct ctx *ctx)
{
	json_object_put(ctx->acct);
	json_object_put(ctx->payload);
	resp_clear(ctx->resp);
}

START_TEST(test_account_load_notfound_and_damaged)
{
	struct ctx		 ctx;
	struct resp		 resp;
	struct json_object	*rec = NULL, *bad;
	struct jwk		*k = NULL, *key = test_jwk();

	resp_init(&resp);
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = &tconf;
	ctx.store = tst;
	ctx.resp = &resp;
	ck_assert_int_eq(account_load(&ctx, NULL, "CCCCCCCCCCCCCCCCCCCCCA",
	    &rec, &k), DB_NOTFOUND);
	ck_assert_ptr_null(rec);
	ck_assert_ptr_null(k);

	/* A record whose key does not match its thumbprint is damaged. */
	bad = account_record_new("CCCCCCCCCCCCCCCCCCCCCA", key, NULL, 0, NULL,
	    NOW);
	json_object_object_add(bad, "thumb", json_object_new_string(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	ck_assert_int_eq(store_put_json(tst, NULL, SDB_ACCOUNTS,
	    "CCCCCCCCCCCCCCCCCCCCCA", bad, 0), 0);
	ck_assert_int_eq(account_load(&ctx, NULL, "CCCCCCCCCCCCCCCCCCCCCA",
	    &rec, &k), -1);
	ck_assert_ptr_null(rec);
	ck_assert_ptr_null(k);
	/* Without the key the record still loads. */
	ck_assert_int_eq(account_load(&ctx, NULL, "CCCCCCCCCCCCCCCCCCCCCA",
	    &rec, NULL), 0);
	json_object_put(rec);
	json_object_put(bad);
	jwk_free(key);
}
END_TEST

START_TEST(test_account_post_get_and_contact)
{
	struct ctx		 ctx;
	struct resp		 resp;
	struct jwk		*k = test_jwk();
	struct json_object	*rec = NULL, *v;
	const char		*id = "DDDDDDDDDDDDDDDDDDDDDA";

	acct_put(k, id);
	resp_init(&resp);
	ctx_for(&ctx, &resp, id);
	ck_assert_int_eq(handler_run(&ctx, account_post), 0);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_ptr_nonnull(strstr(resp.body, "\"valid\""));

	ctx.payload = json_tokener_parse("{\"contact\":"
	    "[\"mailto:new@example.org\"],\"status\":\"valid\","
	    "\"unknown\":1}");
	ck_assert_int_eq(handler_run(&ctx, account_post), 0);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_ptr_nonnull(strstr(resp.body, "mailto:new@example.org"));
	ck_assert_int_eq(account_load(&ctx, NULL, id, &rec, NULL), 0);
	ck_assert_int_eq(json_get_array(rec, "contact", &v), 0);
	ck_assert_str_eq(json_object_get_string(
	    json_object_array_get_idx(v, 0)), "mailto:new@example.org");
	json_object_put(rec);
	ctx_done(&ctx);
	jwk_free(k);
}
END_TEST

START_TEST(test_account_post_A4_contact_refused_unchanged)
{
	struct ctx		 ctx;
	struct resp		 resp;
	struct jwk		*k = test_jwk();
	struct json_object	*rec = NULL, *v;
	const char		*id = "EEEEEEEEEEEEEEEEEEEEEA";

	acct_put(k, id);
	resp_init(&resp);
	ctx_for(&ctx, &resp, id);
	ctx.payload = json_tokener_parse("{\"contact\":[\"tel:+1555\"]}");
	ck_assert_int_eq(handler_run(&ctx, account_post), -1);
	ck_assert_int_eq(resp.status, 400);
	ck_assert_int_eq(resp.prob, ACME_PROB_UNSUPPORTED_CONTACT);
	ck_assert_int_eq(account_load(&ctx, NULL, id, &rec, NULL), 0);
	ck_assert_int_eq(json_get_array(rec, "contact", &v), 0);
	ck_assert_uint_eq(json_object_array_length(v), 0);
	json_object_put(rec);
	ctx_done(&ctx);
	jwk_free(k);
}
END_TEST

START_TEST(test_account_post_bad_status)
{
	struct ctx	 ctx;
	struct resp	 resp;
	struct jwk	*k = test_jwk();
	const char	*id = "FFFFFFFFFFFFFFFFFFFFFA";

	acct_put(k, id);
	resp_init(&resp);
	ctx_for(&ctx, &resp, id);
	ctx.payload = json_tokener_parse("{\"status\":\"revoked\"}");
	ck_assert_int_eq(handler_run(&ctx, account_post), -1);
	ck_assert_int_eq(resp.prob, ACME_PROB_MALFORMED);
	json_object_put(ctx.payload);
	ctx.payload = json_tokener_parse("{\"status\":true}");
	ck_assert_int_eq(handler_run(&ctx, account_post), -1);
	ck_assert_int_eq(resp.prob, ACME_PROB_MALFORMED);
	json_object_put(ctx.payload);
	ctx.payload = json_tokener_parse(
	    "{\"contact\":\"mailto:a@b.example\"}");
	ck_assert_int_eq(handler_run(&ctx, account_post), -1);
	ck_assert_int_eq(resp.prob, ACME_PROB_MALFORMED);
	ctx_done(&ctx);
	jwk_free(k);
}
END_TEST

START_TEST(test_account_post_A9_deactivate)
{
	struct ctx		 ctx;
	struct resp		 resp;
	struct jwk		*k = test_jwk();
	struct json_object	*rec = NULL;
	const char		*id = "GGGGGGGGGGGGGGGGGGGGGA", *s;

	acct_put(k, id);
	resp_init(&resp);
	ctx_for(&ctx, &resp, id);
	ctx.payload = json_tokener_parse("{\"status\":\"deactivated\","
	    "\"contact\":[\"mailto:ignored@example.org\"]}");
	ck_assert_int_eq(handler_run(&ctx, account_post), 0);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_ptr_nonnull(strstr(resp.body, "deactivated"));
	ck_assert_int_eq(account_load(&ctx, NULL, id, &rec, NULL), 0);
	ck_assert_int_eq(json_get_str(rec, "status", &s, NULL), 0);
	ck_assert_str_eq(s, "deactivated");
	ck_assert_ptr_null(strstr(json_compact(rec), "ignored@"));
	json_object_put(rec);
	ctx_done(&ctx);
	jwk_free(k);
}
END_TEST

START_TEST(test_account_post_A6_other_account)
{
	struct ctx	 ctx;
	struct resp	 resp;
	struct jwk	*k = test_jwk();
	const char	*id = "HHHHHHHHHHHHHHHHHHHHHA";

	acct_put(k, id);
	resp_init(&resp);
	ctx_for(&ctx, &resp, id);
	ctx.route_id = "IIIIIIIIIIIIIIIIIIIIIA";
	ck_assert_int_eq(handler_run(&ctx, account_post), -1);
	ck_assert_int_eq(resp.status, 403);
	ck_assert_int_eq(resp.prob, ACME_PROB_UNAUTHORIZED);
	ck_assert_int_eq(handler_run(&ctx, account_orders), -1);
	ck_assert_int_eq(resp.prob, ACME_PROB_UNAUTHORIZED);
	ctx_done(&ctx);
	jwk_free(k);
}
END_TEST

/* Add order ids "<acct><c * 21>A" for the letters in cs. */
static void
orders_put(const char *acct, const char *cs)
{
	unsigned char	 key[2 * ACMEGW_ID_LEN];

	for (; *cs != '\0'; cs++) {
		memcpy(key, acct, ACMEGW_ID_LEN);
		memset(key + ACMEGW_ID_LEN, *cs, ACMEGW_ID_LEN - 1);
		key[2 * ACMEGW_ID_LEN - 1] = 'A';
		ck_assert_int_eq(store_put(tst, NULL, SDB_ORDERS_BY_ACCT, key,
		    sizeof(key), NULL, 0, 0), 0);
	}
}

/* The orders array of the last response. */
static struct json_object *
orders_of(const struct resp *resp)
{
	struct json_object	*o, *a;

	ck_assert_ptr_nonnull(resp->body);
	o = json_tokener_parse(resp->body);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_get_array(o, "orders", &a), 0);
	json_object_get(a);
	json_object_put(o);
	return a;
}

START_TEST(test_account_orders_pages)
{
	struct ctx		 ctx;
	struct resp		 resp;
	struct jwk		*k = test_jwk();
	struct json_object	*a;
	const char		*id = "JJJJJJJJJJJJJJJJJJJJJA", *link;
	char			 cursor[ACMEGW_ID_LEN + 1];

	acct_put(k, id);
	orders_put(id, "abcde");
	/* Neighbours that must never show. */
	orders_put("JJJJJJJJJJJJJJJJJJJJIA", "xy");
	orders_put("JJJJJJJJJJJJJJJJJJJJKA", "xy");
	tconf.orders_per_page = 2;
	resp_init(&resp);
	ctx_for(&ctx, &resp, id);

	ck_assert_int_eq(handler_run(&ctx, account_orders), 0);
	ck_assert_int_eq(resp.status, 200);
	a = orders_of(&resp);
	ck_assert_uint_eq(json_object_array_length(a), 2);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(a,
	    0)), BASE "/order/aaaaaaaaaaaaaaaaaaaaaA");
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(a,
	    1)), BASE "/order/bbbbbbbbbbbbbbbbbbbbbA");
	json_object_put(a);
	link = resp_header_get(&resp, "Link");
	ck_assert_ptr_nonnull(link);
	ck_assert_str_eq(link, "<" BASE "/acct/JJJJJJJJJJJJJJJJJJJJJA/orders/"
	    "bbbbbbbbbbbbbbbbbbbbbA>;rel=\"next\"");

	snprintf(cursor, sizeof(cursor), "bbbbbbbbbbbbbbbbbbbbbA");
	ctx.route_sub = cursor;
	ck_assert_int_eq(handler_run(&ctx, account_orders), 0);
	a = orders_of(&resp);
	ck_assert_uint_eq(json_object_array_length(a), 2);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(a,
	    0)), BASE "/order/cccccccccccccccccccccA");
	json_object_put(a);
	ck_assert_ptr_nonnull(resp_header_get(&resp, "Link"));

	snprintf(cursor, sizeof(cursor), "dddddddddddddddddddddA");
	ck_assert_int_eq(handler_run(&ctx, account_orders), 0);
	a = orders_of(&resp);
	ck_assert_uint_eq(json_object_array_length(a), 1);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(a,
	    0)), BASE "/order/eeeeeeeeeeeeeeeeeeeeeA");
	json_object_put(a);
	ck_assert_ptr_null(resp_header_get(&resp, "Link"));

	/* Exactly a full last page: no next link. */
	snprintf(cursor, sizeof(cursor), "cccccccccccccccccccccA");
	ck_assert_int_eq(handler_run(&ctx, account_orders), 0);
	a = orders_of(&resp);
	ck_assert_uint_eq(json_object_array_length(a), 2);
	json_object_put(a);
	ck_assert_ptr_null(resp_header_get(&resp, "Link"));
	ctx_done(&ctx);
	jwk_free(k);
}
END_TEST

START_TEST(test_account_orders_empty_and_P3)
{
	struct ctx		 ctx;
	struct resp		 resp;
	struct jwk		*k = test_jwk();
	struct json_object	*a;
	const char		*id = "KKKKKKKKKKKKKKKKKKKKKA";

	acct_put(k, id);
	resp_init(&resp);
	ctx_for(&ctx, &resp, id);
	ck_assert_int_eq(handler_run(&ctx, account_orders), 0);
	a = orders_of(&resp);
	ck_assert_uint_eq(json_object_array_length(a), 0);
	json_object_put(a);

	/* P3: the list is fetched with POST-as-GET only. */
	ctx.payload = json_tokener_parse("{}");
	ck_assert_int_eq(handler_run(&ctx, account_orders), -1);
	ck_assert_int_eq(resp.prob, ACME_PROB_MALFORMED);
	ctx_done(&ctx);
	jwk_free(k);
}
END_TEST

/* ------------------------------------------------------------------ */
/* eab_record_new                                                       */
/* ------------------------------------------------------------------ */

/* Make a record for alg; check it and the secret's length in bytes. */
static void
eab_check_alg(const char *alg, size_t bytes)
{
	struct json_object	*rec = NULL, *v;
	unsigned char		*raw = NULL;
	char			 key[128];
	const char		*s;
	size_t			 rawsz = 0;
	int64_t			 n;

	ck_assert_int_eq(eab_record_new("kid-1", alg, "a test", NOW, key,
	    sizeof(key), &rec), 0);
	ck_assert_ptr_nonnull(rec);
	ck_assert_uint_eq(strlen(key), b64url_enclen(bytes));
	ck_assert_int_eq(b64url_decode(key, strlen(key), &raw, &rawsz), 0);
	ck_assert_uint_eq(rawsz, bytes);
	free(raw);
	ck_assert_int_eq(json_get_int(rec, "v", 1, 1, &n), 0);
	ck_assert_int_eq(json_get_str(rec, "kid", &s, NULL), 0);
	ck_assert_str_eq(s, "kid-1");
	ck_assert_int_eq(json_get_str(rec, "alg", &s, NULL), 0);
	ck_assert_str_eq(s, alg);
	ck_assert_int_eq(json_get_str(rec, "key", &s, NULL), 0);
	ck_assert_str_eq(s, key);
	ck_assert_int_eq(json_get_str(rec, "comment", &s, NULL), 0);
	ck_assert_str_eq(s, "a test");
	ck_assert_int_eq(json_get_int(rec, "created", 0, INT64_MAX - 1, &n),
	    0);
	ck_assert_int_eq(n, NOW);
	ck_assert(json_object_object_get_ex(rec, "account", &v));
	ck_assert_ptr_null(v);
	ck_assert(!json_object_object_get_ex(rec, "bound", NULL));
	json_object_put(rec);
}

START_TEST(test_eab_record_new_HS256)
{
	eab_check_alg("HS256", 32);
}
END_TEST

START_TEST(test_eab_record_new_HS384)
{
	eab_check_alg("HS384", 48);
}
END_TEST

START_TEST(test_eab_record_new_HS512)
{
	eab_check_alg("HS512", 64);
}
END_TEST

START_TEST(test_eab_record_new_E10_random)
{
	struct json_object	*r1 = NULL, *r2 = NULL;
	char			 k1[64], k2[64];

	ck_assert_int_eq(eab_record_new("a", "HS256", "", NOW, k1,
	    sizeof(k1), &r1), 0);
	ck_assert_int_eq(eab_record_new("a", "HS256", "", NOW, k2,
	    sizeof(k2), &r2), 0);
	ck_assert_str_ne(k1, k2);
	json_object_put(r1);
	json_object_put(r2);
}
END_TEST

START_TEST(test_eab_record_new_E2_bad_alg)
{
	const char		*algs[] = { "none", "ES256", "HS1", "hs256",
	    "HS256 ", "" };
	struct json_object	*rec;
	char			 key[128];
	size_t			 i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		rec = (struct json_object *)1;
		memset(key, 'x', sizeof(key));
		ck_assert_int_eq(eab_record_new("kid", algs[i], "", NOW, key,
		    sizeof(key), &rec), -1);
		ck_assert_ptr_null(rec);
		ck_assert_int_eq(key[0], '\0');
	}
}
END_TEST

START_TEST(test_eab_record_new_small_keyout)
{
	struct json_object	*rec = NULL;
	char			 key[86];	/* HS512 needs 87 */

	ck_assert_int_eq(eab_record_new("kid", "HS512", "", NOW, key,
	    sizeof(key), &rec), -1);
	ck_assert_ptr_null(rec);
	ck_assert_int_eq(key[0], '\0');
	ck_assert_int_eq(eab_record_new("kid", "HS256", "", NOW, key, 43,
	    &rec), -1);
	ck_assert_ptr_null(rec);
}
END_TEST

static Suite *
account_suite(void)
{
	Suite	*s = suite_create("account");
	TCase	*tc;

	tc = tcase_create("account_contacts_check");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_account_contacts_check_ok);
	tcase_add_test(tc, test_account_contacts_check_A4_tel);
	tcase_add_test(tc, test_account_contacts_check_A4_http);
	tcase_add_test(tc, test_account_contacts_check_A4_other_schemes);
	tcase_add_test(tc, test_account_contacts_check_A4_hfields);
	tcase_add_test(tc, test_account_contacts_check_A4_several_addresses);
	tcase_add_test(tc, test_account_contacts_check_A4_too_many);
	tcase_add_test(tc, test_account_contacts_check_A4_length);
	tcase_add_test(tc, test_account_contacts_check_A4_crlf);
	tcase_add_test(tc, test_account_contacts_check_A4_nul);
	tcase_add_test(tc, test_account_contacts_check_A4_address_shape);
	tcase_add_test(tc, test_account_contacts_check_A4_domain);
	tcase_add_test(tc, test_account_contacts_check_types);
	suite_add_tcase(s, tc);

	tc = tcase_create("account_record_new");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_account_record_new_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("account_json");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_account_json_shape);
	suite_add_tcase(s, tc);

	tc = tcase_create("account_load");
	tcase_add_checked_fixture(tc, store_setup, teardown);
	tcase_add_test(tc, test_account_load_notfound_and_damaged);
	suite_add_tcase(s, tc);

	tc = tcase_create("account_post");
	tcase_add_checked_fixture(tc, store_setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_account_post_get_and_contact);
	tcase_add_test(tc, test_account_post_A4_contact_refused_unchanged);
	tcase_add_test(tc, test_account_post_bad_status);
	tcase_add_test(tc, test_account_post_A9_deactivate);
	tcase_add_test(tc, test_account_post_A6_other_account);
	suite_add_tcase(s, tc);

	tc = tcase_create("account_orders");
	tcase_add_checked_fixture(tc, store_setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_account_orders_pages);
	tcase_add_test(tc, test_account_orders_empty_and_P3);
	suite_add_tcase(s, tc);

	tc = tcase_create("eab_record_new");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_eab_record_new_HS256);
	tcase_add_test(tc, test_eab_record_new_HS384);
	tcase_add_test(tc, test_eab_record_new_HS512);
	tcase_add_test(tc, test_eab_record_new_E10_random);
	tcase_add_test(tc, test_eab_record_new_E2_bad_alg);
	tcase_add_test(tc, test_eab_record_new_small_keyout);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(account_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

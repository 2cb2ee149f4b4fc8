/*
 * check_cert.c: unit tests for cert.c (finalize, certificate download,
 * serials), ari.c (certID parsing, windows, renewalInfo, "replaces"), the
 * issue-4 parts of order.c (newOrder "profile"), directory.c (meta.profiles,
 * renewalInfo) and the issuance reconciler in worker.c.
 *
 * Every store test gets a fresh environment under /tmp; the time is
 * injected (NOW).  Handlers run as the router runs them: in a child
 * transaction of a request transaction, then the second phase
 * (ctx->after) with no transaction open; a finalize answered "processing"
 * leaves a continuation in the response (struct resp: cont), which the
 * tests run as fcgi_run() does.  The signer is this very program:
 * run with "-f FILE" it acts as a fake acmegw-sign whose behaviour is the
 * word in FILE ("ok", "alt", "refuse", "badtype", "garbage", "extra",
 * "wrongserial", "fail"; "slow" signs after 0.6 s, "hang" after 3 s),
 * signing with a CA made in the test directory.
 * SECURITY.md ids are in the test names.
 */
#define _GNU_SOURCE		/* nftw() */

#include <sys/types.h>
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "acmegw.h"

#define BASE	"https://ca.example.test/acme"
#define NOW	((time_t)1700000000)	/* 2023-11-14T22:13:20Z */
#define DAY	86400
#define ACCT_A	"AAAAAAAAAAAAAAAAAAAAAA"
#define ACCT_B	"BBBBBBBBBBBBBBBBBBBBBA"
#define ORDER1	"OOOOOOOOOOOOOOOOOOOOOA"
#define AUTHZ1	"ZZZZZZZZZZZZZZZZZZZZZA"
#define AUTHZ2	"ZZZZZZZZZZZZZZZZZZZZZQ"
#define NAME1	"a.example.com"

/* RFC 7515 A.3: an EC P-256 public key (the accounts' key). */
static const char *const p256_jwk =
    "{\"kty\":\"EC\",\"crv\":\"P-256\","
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";

static struct conf	 tconf;
static char		 tdir[64];
static char		 self[PATH_MAX];
static struct store	*tst;

/* ------------------------------------------------------------------ */
/* The fake signer                                                      */
/* ------------------------------------------------------------------ */

static char *
slurp(const char *path)
{
	gnutls_datum_t	 d;
	char		*s;

	if (gnutls_load_file(path, &d) < 0)
		return NULL;
	s = strndup((char *)d.data, d.size);
	gnutls_free(d.data);
	return s;
}

static int
hexval(int c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

/* Sign the request on stdin as mode says; the CA lives next to cfg. */
static int
fake_signer(const char *cfg)
{
	static char		 in[HELPER_IO_MAX + 1];
	char			*mode, dir[PATH_MAX], path[PATH_MAX + 16];
	char			*chain = NULL, *slash;
	struct json_object	*req, *ans, *err;
	gnutls_x509_crt_t	 ca, crt;
	gnutls_x509_privkey_t	 key;
	gnutls_x509_crq_t	 crq;
	gnutls_datum_t		 d, pem;
	unsigned char		*der, serial[32], ski[64];
	const char		*b64, *hex;
	size_t			 n = 0, dersz, i, skisz = sizeof(ski);
	ssize_t			 r;
	int64_t			 nb, na;

	if ((mode = slurp(cfg)) == NULL)
		return 1;
	mode[strcspn(mode, "\n")] = '\0';
	snprintf(dir, sizeof(dir), "%s", cfg);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	while ((r = read(0, in + n, sizeof(in) - 1 - n)) > 0)
		n += (size_t)r;
	in[n] = '\0';
	if (strcmp(mode, "slow") == 0 || strcmp(mode, "hang") == 0) {
		/* slow: past signing_wait; hang: past signing_timeout. */
		usleep(strcmp(mode, "slow") == 0 ? 600000 : 3000000);
		snprintf(mode, strlen(mode) + 1, "ok");
	}
	if (strcmp(mode, "fail") == 0)
		return 1;
	if (strcmp(mode, "garbage") == 0) {
		printf("hello");
		return 0;
	}
	ans = json_object_new_object();
	json_object_object_add(ans, "v", json_object_new_int(1));
	if (strcmp(mode, "refuse") == 0 || strcmp(mode, "badtype") == 0) {
		err = json_object_new_object();
		json_object_object_add(err, "type", json_object_new_string(
		    strcmp(mode, "refuse") == 0 ?
		    "urn:ietf:params:acme:error:badCSR" : "urn:x:nope"));
		json_object_object_add(err, "detail",
		    json_object_new_string("the signer says no"));
		json_object_object_add(ans, "status",
		    json_object_new_string("refused"));
		json_object_object_add(ans, "error", err);
		goto print;
	}
	if ((req = json_tokener_parse(in)) == NULL ||
	    json_get_str(req, "csr", &b64, NULL) != 0 ||
	    json_get_str(req, "serial", &hex, NULL) != 0 ||
	    json_get_int(req, "not_before", 0, INT64_MAX - 1, &nb) != 0 ||
	    json_get_int(req, "not_after", 0, INT64_MAX - 1, &na) != 0 ||
	    b64url_decode(b64, strlen(b64), &der, &dersz) != 0)
		return 1;
	for (i = 0; hex[2 * i] != '\0'; i++)
		serial[i] = (unsigned char)(hexval(hex[2 * i]) << 4 |
		    hexval(hex[2 * i + 1]));
	if (strcmp(mode, "wrongserial") == 0) {
		serial[0] = 0x01;
		i = 1;
	}
	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	gnutls_load_file(path, &d);
	gnutls_x509_crt_init(&ca);
	gnutls_x509_crt_import(ca, &d, GNUTLS_X509_FMT_PEM);
	gnutls_free(d.data);
	snprintf(path, sizeof(path), "%s/ca.key", dir);
	gnutls_load_file(path, &d);
	gnutls_x509_privkey_init(&key);
	gnutls_x509_privkey_import(key, &d, GNUTLS_X509_FMT_PEM);
	gnutls_free(d.data);
	d.data = der;
	d.size = (unsigned int)dersz;
	gnutls_x509_crq_init(&crq);
	if (gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_DER) < 0)
		return 1;
	gnutls_x509_crt_init(&crt);
	gnutls_x509_crt_set_crq(crt, crq);
	gnutls_x509_crt_set_version(crt, 3);
	gnutls_x509_crt_set_serial(crt, serial, i);
	gnutls_x509_crt_set_activation_time(crt, (time_t)nb);
	gnutls_x509_crt_set_expiration_time(crt, (time_t)na);
	gnutls_x509_crt_get_subject_key_id(ca, ski, &skisz, NULL);
	gnutls_x509_crt_set_authority_key_id(crt, ski, skisz);
	if (gnutls_x509_crt_sign2(crt, ca, key, GNUTLS_DIG_SHA256, 0) < 0 ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem) < 0)
		return 1;
	gnutls_x509_crt_export2(ca, GNUTLS_X509_FMT_PEM, &d);
	if (asprintf(&chain, "%.*s%.*s", (int)pem.size, pem.data,
	    (int)d.size, d.data) == -1)
		return 1;
	json_object_object_add(ans, "status", json_object_new_string("ok"));
	json_object_object_add(ans, "cert",
	    json_object_new_string_len((char *)pem.data, (int)pem.size));
	json_object_object_add(ans, "chain", json_object_new_string(chain));
	if (strcmp(mode, "alt") == 0)
		json_object_object_add(ans, "alt_chain",
		    json_object_new_string_len((char *)pem.data,
		    (int)pem.size));
	if (strcmp(mode, "extra") == 0)
		json_object_object_add(ans, "x", json_object_new_int(1));
print:
	printf("%s", json_object_to_json_string_ext(ans,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}

/* Tell the fake signer what to do next. */
static void
signer_mode(const char *mode)
{
	char	 path[128];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/signer.mode", tdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n", mode);
	fclose(f);
}

/* A self-signed ECDSA CA in tdir (ca.pem, ca.key) with an SKI. */
static void
make_ca(void)
{
	gnutls_x509_privkey_t	 k;
	gnutls_x509_crt_t	 c;
	gnutls_datum_t		 d;
	unsigned char		 id[64], one = 1;
	size_t			 idsz = sizeof(id);
	char			 path[128];
	FILE			*f;

	ck_assert_int_eq(gnutls_x509_privkey_init(&k), 0);
	ck_assert_int_eq(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	ck_assert_int_eq(gnutls_x509_crt_init(&c), 0);
	gnutls_x509_crt_set_key(c, k);
	gnutls_x509_crt_set_version(c, 3);
	gnutls_x509_crt_set_serial(c, &one, 1);
	gnutls_x509_crt_set_activation_time(c, NOW - 10 * DAY);
	gnutls_x509_crt_set_expiration_time(c, NOW + 3650 * DAY);
	ck_assert_int_eq(gnutls_x509_crt_set_dn(c, "CN=Test CA", NULL), 0);
	gnutls_x509_crt_set_basic_constraints(c, 1, -1);
	gnutls_x509_crt_set_key_usage(c, GNUTLS_KEY_KEY_CERT_SIGN);
	ck_assert_int_eq(gnutls_x509_crt_get_key_id(c, 0, id, &idsz), 0);
	gnutls_x509_crt_set_subject_key_id(c, id, idsz);
	ck_assert_int_eq(gnutls_x509_crt_sign2(c, c, k, GNUTLS_DIG_SHA256, 0),
	    0);
	snprintf(path, sizeof(path), "%s/ca.pem", tdir);
	ck_assert_int_eq(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM, &d),
	    0);
	f = fopen(path, "w");
	fwrite(d.data, 1, d.size, f);
	fclose(f);
	gnutls_free(d.data);
	snprintf(path, sizeof(path), "%s/ca.key", tdir);
	ck_assert_int_eq(gnutls_x509_privkey_export2(k, GNUTLS_X509_FMT_PEM,
	    &d), 0);
	f = fopen(path, "w");
	fwrite(d.data, 1, d.size, f);
	fclose(f);
	gnutls_free(d.data);
	gnutls_x509_crt_deinit(c);
	gnutls_x509_privkey_deinit(k);
}

/*
 * A CSR (base64url DER, malloc'd) for the names, with a fresh P-256 key;
 * *spki (when not NULL, 44 bytes) gets its SPKI hash as csr.c computes it.
 */
static char *
make_csr(const char *const *names, size_t n, char *spki, char *thumb)
{
	gnutls_x509_privkey_t	 k;
	gnutls_x509_crq_t	 q;
	gnutls_datum_t		 d;
	struct csr		 c;
	struct perr		 e;
	char			*b64;
	size_t			 i;

	ck_assert_int_eq(gnutls_x509_privkey_init(&k), 0);
	ck_assert_int_eq(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	ck_assert_int_eq(gnutls_x509_crq_init(&q), 0);
	gnutls_x509_crq_set_version(q, 1);
	ck_assert_int_eq(gnutls_x509_crq_set_key(q, k), 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(gnutls_x509_crq_set_subject_alt_name(q,
		    GNUTLS_SAN_DNSNAME, names[i], strlen(names[i]),
		    GNUTLS_FSAN_APPEND), 0);
	ck_assert_int_eq(gnutls_x509_crq_sign2(q, k, GNUTLS_DIG_SHA256, 0), 0);
	ck_assert_int_eq(gnutls_x509_crq_export2(q, GNUTLS_X509_FMT_DER, &d),
	    0);
	b64 = malloc(b64url_enclen(d.size) + 1);
	ck_assert_ptr_nonnull(b64);
	ck_assert_int_eq(b64url_encode(d.data, d.size, b64,
	    b64url_enclen(d.size) + 1), 0);
	memset(&c, 0, sizeof(c));
	ck_assert_msg(csr_parse(d.data, d.size, &c, &e) == ACME_PROB_NONE,
	    "csr_parse: %s", e.detail);
	if (spki != NULL)
		snprintf(spki, 44, "%s", c.spki_b64);
	if (thumb != NULL)
		snprintf(thumb, ACMEGW_THUMB_LEN + 1, "%s", c.key->thumb);
	csr_clear(&c);
	gnutls_free(d.data);
	gnutls_x509_crq_deinit(q);
	gnutls_x509_privkey_deinit(k);
	return b64;
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                             */
/* ------------------------------------------------------------------ */

static void
setup(void)
{
	char	 err[512], text[1024];
	int	 n;

	log_init("check_cert", 0);
	snprintf(tdir, sizeof(tdir), "/tmp/check_cert.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tdir));
	conf_init(&tconf);
	n = snprintf(text, sizeof(text),
	    "base_url = " BASE "\n"
	    "state_dir = %s/state\n"
	    "profile.default.validity = 90d\n"
	    "profile.short.validity = 7d\n", tdir);
	ck_assert_msg(conf_parse_buf(&tconf, "test.conf", text, (size_t)n,
	    err, sizeof(err)) == 0, "conf: %s", err);
	free(tconf.signer_path);
	tconf.signer_path = strdup(self);
	free(tconf.path);
	snprintf(text, sizeof(text), "%s/signer.mode", tdir);
	tconf.path = strdup(text);
	tconf.signing_timeout = 5000;
	tconf.ari_window = 33;
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
	tdir[0] = '\0';
	conf_clear(&tconf);
}

static struct json_object *
parse(const char *text)
{
	struct json_object	*o = json_tokener_parse(text);

	ck_assert_msg(o != NULL, "bad test JSON: %s", text);
	return o;
}

static void
put_text(enum store_db db, const char *key, const char *text)
{
	struct json_object	*o = parse(text);

	ck_assert_int_eq(store_put_json(tst, NULL, db, key, o, 0), 0);
	json_object_put(o);
}

static struct json_object *
rec_get(enum store_db db, const char *key)
{
	struct json_object	*o = NULL;

	ck_assert_int_eq(store_get_json(tst, NULL, db, key, 0, &o), 0);
	return o;
}

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return "";
	return json_object_get_string(v);
}

static void
acct_put(const char *id)
{
	struct json_object	*rec, *o;
	struct jwk		*k;
	struct perr		 e;

	o = parse(p256_jwk);
	k = jwk_from_json(o, &e);
	ck_assert_ptr_nonnull(k);
	json_object_put(o);
	rec = account_record_new(id, k, NULL, 1, NULL, NOW);
	ck_assert_ptr_nonnull(rec);
	ck_assert_int_eq(store_put_json(tst, NULL, SDB_ACCOUNTS, id, rec, 0),
	    0);
	json_object_put(rec);
	jwk_free(k);
}

/* A store with accounts A and B, the CA and a ready order ORDER1 of A. */
static void
store_setup(void)
{
	char	 err[512];

	setup();
	tst = store_open(&tconf, 0, err, sizeof(err));
	ck_assert_msg(tst != NULL, "store_open: %s", err);
	acct_put(ACCT_A);
	acct_put(ACCT_B);
	make_ca();
	signer_mode("ok");
}

/* Write order ORDER1 for NAME1 with status (and authz status). */
static void
order_put(const char *status, const char *astatus, const char *extra)
{
	char	 text[1024];

	snprintf(text, sizeof(text), "{\"v\":1,\"id\":\"" AUTHZ1 "\","
	    "\"acct\":\"" ACCT_A "\",\"identifier\":{\"type\":\"dns\","
	    "\"value\":\"" NAME1 "\"},\"wildcard\":false,\"status\":\"%s\","
	    "\"expires\":%lld,\"challenges\":[]}", astatus,
	    (long long)(NOW + 30 * DAY));
	put_text(SDB_AUTHZ, AUTHZ1, text);
	snprintf(text, sizeof(text), "{\"v\":1,\"id\":\"" ORDER1 "\","
	    "\"acct\":\"" ACCT_A "\",\"status\":\"%s\",\"expires\":%lld,"
	    "\"created\":%lld,\"identifiers\":[{\"type\":\"dns\","
	    "\"value\":\"" NAME1 "\"}],\"authzs\":[\"" AUTHZ1 "\"]%s}",
	    status, (long long)(NOW + 7 * DAY), (long long)NOW,
	    extra != NULL ? extra : "");
	put_text(SDB_ORDERS, ORDER1, text);
}

/* ------------------------------------------------------------------ */
/* Running handlers                                                     */
/* ------------------------------------------------------------------ */

struct tctx {
	struct ctx	 ctx;
	struct resp	 resp;
	struct json_object *body;
	char		 route[64];
	char		 sub[8];
	int		 hrc;
	int		 ran_after;
};

static void
tctx_init(struct tctx *t, const char *acct)
{
	memset(t, 0, sizeof(*t));
	resp_init(&t->resp);
	t->ctx.conf = &tconf;
	t->ctx.store = tst;
	t->ctx.resp = &t->resp;
	t->ctx.now = NOW;
	if (acct != NULL) {
		ck_assert_int_eq(account_load(&t->ctx, NULL, acct,
		    &t->ctx.acct, NULL), 0);
		snprintf(t->ctx.acct_id, sizeof(t->ctx.acct_id), "%s", acct);
	}
}

static void
tctx_done(struct tctx *t)
{
	json_object_put(t->ctx.acct);
	json_object_put(t->ctx.payload);
	json_object_put(t->body);
	resp_clear(&t->resp);
}

struct hrun {
	struct tctx	*t;
	int		(*fn)(struct ctx *, DB_TXN *);
};

static int
hrun_child(DB_TXN *txn, void *arg)
{
	struct hrun	*h = arg;

	return h->fn(&h->t->ctx, txn);
}

/* As router_txn_body() step 13 and router_post() do it. */
static int
hrun_body(DB_TXN *txn, void *arg)
{
	struct hrun	*h = arg;
	struct ctx	*ctx = &h->t->ctx;
	int		 rc;

	resp_reset(ctx->resp);
	if (ctx->after_free != NULL)
		ctx->after_free(ctx->after_arg);
	ctx->after = NULL;
	ctx->after_free = NULL;
	ctx->after_arg = NULL;
	rc = store_txn_child(ctx->store, txn, hrun_child, h);
	if (rc != 0 && ctx->after_free != NULL) {
		ctx->after_free(ctx->after_arg);
		ctx->after = NULL;
		ctx->after_free = NULL;
		ctx->after_arg = NULL;
	}
	h->t->hrc = rc;
	return rc == -1 ? 0 : rc;
}

/*
 * Run fn as the router would (payload NULL: POST-as-GET; route the path
 * id; sub the second segment), then the second phase.  Returns the
 * handler's code; t->body holds the parsed JSON body (if JSON).
 */
static int
run(struct tctx *t, int (*fn)(struct ctx *, DB_TXN *), const char *route,
    const char *sub, const char *payload)
{
	struct hrun	 h;

	json_object_put(t->ctx.payload);
	t->ctx.payload = payload != NULL ? parse(payload) : NULL;
	snprintf(t->route, sizeof(t->route), "%s", route != NULL ? route : "");
	t->ctx.route_id = route != NULL ? t->route : NULL;
	snprintf(t->sub, sizeof(t->sub), "%s", sub != NULL ? sub : "");
	t->ctx.route_sub = sub != NULL ? t->sub : NULL;
	h.t = t;
	h.fn = fn;
	ck_assert_int_eq(store_txn_run(tst, 0, hrun_body, &h), 0);
	t->ran_after = 0;
	if (t->ctx.after != NULL) {
		t->ctx.after(&t->ctx, t->ctx.after_arg);
		t->ran_after = 1;
	}
	if (t->ctx.after_free != NULL)
		t->ctx.after_free(t->ctx.after_arg);
	t->ctx.after = NULL;
	t->ctx.after_free = NULL;
	t->ctx.after_arg = NULL;
	json_object_put(t->body);
	t->body = NULL;
	if (t->resp.body != NULL && t->resp.ctype != NULL &&
	    strstr(t->resp.ctype, "json") != NULL)
		t->body = parse(t->resp.body);
	return t->hrc;
}

static void
assert_prob(struct tctx *t, enum acme_prob p, const char *want)
{
	ck_assert_msg(t->resp.prob == p, "problem %d, want %d (%s)",
	    t->resp.prob, p, jstr(t->body, "detail"));
	ck_assert_int_eq(t->resp.status, acme_prob_status(p));
	if (want != NULL)
		ck_assert_msg(strstr(jstr(t->body, "detail"), want) != NULL,
		    "detail \"%s\" lacks \"%s\"", jstr(t->body, "detail"),
		    want);
}

/* Count the records of db. */
static size_t
count_db(enum store_db db)
{
	DB	*d = tst->db[db];
	DBC	*c;
	DBT	 k, v;
	size_t	 n = 0;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(d->cursor(d, NULL, &c, 0), 0);
	while (c->get(c, &k, &v, DB_NEXT) == 0)
		n++;
	c->close(c);
	return n;
}

/* The serial of the only certificate record. */
static void
only_serial(char *serial, size_t sz)
{
	DB	*d = tst->db[SDB_CERTS];
	DBC	*c;
	DBT	 k, v;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(count_db(SDB_CERTS), 1);
	ck_assert_int_eq(d->cursor(d, NULL, &c, 0), 0);
	ck_assert_int_eq(c->get(c, &k, &v, DB_FIRST), 0);
	ck_assert_uint_lt(k.size, sz);
	memcpy(serial, k.data, k.size);
	serial[k.size] = '\0';
	c->close(c);
}

/* finalize ORDER1 as A with a good CSR for NAME1; returns the code. */
static int
finalize_good(struct tctx *t, char *spki)
{
	static const char *const names[] = { NAME1 };
	char	*csr, payload[2048];
	int	 rc;

	csr = make_csr(names, 1, spki, NULL);
	snprintf(payload, sizeof(payload), "{\"csr\":\"%s\"}", csr);
	free(csr);
	rc = run(t, cert_finalize, ORDER1, NULL, payload);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Serials                                                              */
/* ------------------------------------------------------------------ */

START_TEST(test_cert_serial_new_S1_format)
{
	unsigned char	 der[CERT_SERIAL_MAX];
	char		 hex[CERT_SERIAL_HEXLEN + 1];
	size_t		 dersz, i;

	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(cert_serial_new(der, &dersz, hex,
		    sizeof(hex)), 0);
		ck_assert_uint_ge(dersz, 1);
		ck_assert_uint_le(dersz, CERT_SERIAL_MAX);
		ck_assert_int_eq(der[0] & 0x80, 0);	/* positive */
		if (der[0] == 0)			/* minimal */
			ck_assert_int_ne(der[1] & 0x80, 0);
		ck_assert_uint_eq(strlen(hex), 2 * dersz);
		ck_assert(cert_serial_is_valid(hex, strlen(hex)));
	}
}
END_TEST

START_TEST(test_cert_serial_new_S1_bits)
{
	unsigned char	 der[CERT_SERIAL_MAX], v[CERT_SERIAL_RAW];
	char		 hex[CERT_SERIAL_HEXLEN + 1];
	unsigned int	 ones[8 * CERT_SERIAL_RAW];
	size_t		 dersz, i, b;

	memset(ones, 0, sizeof(ones));
	for (i = 0; i < 2000; i++) {
		ck_assert_int_eq(cert_serial_new(der, &dersz, hex,
		    sizeof(hex)), 0);
		/* Back to the 128-bit number, right-aligned. */
		memset(v, 0, sizeof(v));
		ck_assert_uint_le(dersz - (der[0] == 0), sizeof(v));
		memcpy(v + sizeof(v) - (dersz - (der[0] == 0)),
		    der + (der[0] == 0), dersz - (der[0] == 0));
		for (b = 0; b < 8 * sizeof(v); b++)
			ones[b] += (v[b / 8] >> (7 - b % 8)) & 1;
	}
	/* Every one of the 128 bits is random: 2000 draws, 1000 +- 150. */
	for (b = 0; b < 8 * CERT_SERIAL_RAW; b++)
		ck_assert_msg(ones[b] > 850 && ones[b] < 1150,
		    "bit %zu set %u times in 2000", b, ones[b]);
}
END_TEST

START_TEST(test_cert_serial_is_valid_bad)
{
	static const char *const bad[] = {
		"", "0", "00", "0a0", "80", "ff", "0001", "007f", "AB", "zz",
		"0x12", "12 ", "1234567890123456789012345678901234ab",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!cert_serial_is_valid(bad[i], strlen(bad[i])),
		    "\"%s\" accepted", bad[i]);
	ck_assert(cert_serial_is_valid("01", 2));
	ck_assert(cert_serial_is_valid("0080", 4));
	ck_assert(cert_serial_is_valid("7f00", 4));
}
END_TEST

START_TEST(test_cert_reserve_S2_unique_1000)
{
	struct json_object	*rec, *got;
	char			 hex[CERT_SERIAL_HEXLEN + 1];
	size_t			 i;

	store_setup();
	for (i = 0; i < 1000; i++) {
		rec = parse("{\"v\":1,\"status\":\"reserved\",\"acct\":\""
		    ACCT_A "\",\"order\":\"" ORDER1 "\",\"created\":1}");
		ck_assert_int_eq(cert_reserve(tst, NULL, rec, hex,
		    sizeof(hex)), 0);
		ck_assert_str_eq(jstr(rec, "serial"), hex);
		json_object_put(rec);
	}
	/* DB_NOOVERWRITE: 1000 distinct keys. */
	ck_assert_uint_eq(count_db(SDB_CERTS), 1000);
	ck_assert_int_eq(cert_load(tst, NULL, hex, 0, &got), 0);
	ck_assert_str_eq(jstr(got, "status"), "reserved");
	json_object_put(got);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Finalize                                                             */
/* ------------------------------------------------------------------ */

START_TEST(test_cert_finalize_R1_pending)
{
	struct tctx	 t;

	store_setup();
	order_put("pending", "pending", NULL);
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(finalize_good(&t, NULL), -1);
	assert_prob(&t, ACME_PROB_ORDER_NOT_READY, "order is pending");
	ck_assert_uint_eq(count_db(SDB_CERTS), 0);
	tctx_done(&t);
}
END_TEST

START_TEST(test_cert_finalize_R1_invalid)
{
	struct tctx	 t;

	store_setup();
	order_put("invalid", "invalid", NULL);
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(finalize_good(&t, NULL), -1);
	assert_prob(&t, ACME_PROB_ORDER_NOT_READY, "order is invalid");
	tctx_done(&t);
}
END_TEST

START_TEST(test_cert_finalize_R14_processing_as_is)
{
	struct tctx	 t;

	store_setup();
	order_put("processing", "valid", NULL);
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(finalize_good(&t, NULL), 0);
	ck_assert_int_eq(t.ran_after, 0);
	ck_assert_int_eq(t.resp.status, 200);
	ck_assert_str_eq(jstr(t.body, "status"), "processing");
	ck_assert_ptr_nonnull(resp_header_get(&t.resp, "Retry-After"));
	ck_assert_uint_eq(count_db(SDB_CERTS), 0);
	tctx_done(&t);
}
END_TEST

START_TEST(test_cert_finalize_A6_other_account)
{
	struct tctx	 t;

	store_setup();
	order_put("ready", "valid", NULL);
	tctx_init(&t, ACCT_B);
	ck_assert_int_eq(finalize_good(&t, NULL), -1);
	assert_prob(&t, ACME_PROB_UNAUTHORIZED, "another account");
	tctx_done(&t);
}
END_TEST

START_TEST(test_cert_finalize_R13_encoding)
{
	static const char *const names[] = { NAME1 };
	static const char *const bad[] = {
		NULL, "{}", "{\"csr\":1}", "{\"csr\":\"\"}",
		"{\"csr\":\"%s=\"}", "{\"csr\":\"%s==\"}",
		"{\"csr\":\"-----BEGIN CERTIFICATE REQUEST-----\\n%s\\n"
		"-----END CERTIFICATE REQUEST-----\\n\"}",
		"{\"csr\":\" %s\"}", "{\"csr\":\"%s\\n\"}",
		"{\"csr\":\"%s+/\"}",
	};
	struct tctx	 t;
	char		*csr, payload[4096];
	size_t		 i;

	store_setup();
	order_put("ready", "valid", NULL);
	csr = make_csr(names, 1, NULL, NULL);
	tctx_init(&t, ACCT_A);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bad[i] != NULL)
			snprintf(payload, sizeof(payload), bad[i], csr);
		ck_assert_int_eq(run(&t, cert_finalize, ORDER1, NULL,
		    bad[i] != NULL ? payload : NULL), -1);
		assert_prob(&t, ACME_PROB_MALFORMED, "csr");
	}
	ck_assert_uint_eq(count_db(SDB_CERTS), 0);
	free(csr);
	tctx_done(&t);
}
END_TEST

START_TEST(test_cert_finalize_R12_bad_der)
{
	struct tctx	 t;

	store_setup();
	order_put("ready", "valid", NULL);
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(run(&t, cert_finalize, ORDER1, NULL,
	    "{\"csr\":\"MIIBAAAA\"}"), -1);
	assert_prob(&t, ACME_PROB_BAD_CSR, NULL);
	ck_assert_uint_eq(count_db(SDB_CERTS), 0);
	tctx_done(&t);
}
END_TEST

START_TEST(test_cert_finalize_R2_names)
{
	static const char *const extra[] = { NAME1, "b.example.com" };
	static const char *const other[] = { "b.example.com" };
	struct tctx	 t;
	char		*csr, payload[4096];

	store_setup();
	order_put("ready", "valid", NULL);
	tctx_init(&t, ACCT_A);
	csr = make_csr(extra, 2, NULL, NULL);
	snprintf(payload, sizeof(payload), "{\"csr\":\"%s\"}", csr);
	free(csr);
	ck_assert_int_eq(run(&t, cert_finalize, ORDER1, NULL, payload), -1);
	assert_prob(&t, ACME_PROB_BAD_CSR, NULL);
	csr = make_csr(other, 1, NULL, NULL);
	snprintf(payload, sizeof(payload), "{\"csr\":\"%s\"}", csr);
	free(csr);
	ck_assert_int_eq(run(&t, cert_finalize, ORDER1, NULL, payload), -1);
	assert_prob(&t, ACME_PROB_BAD_CSR, NULL);
	ck_assert_uint_eq(count_db(SDB_CERTS), 0);
	tctx_done(&t);
}
END_TEST

START_TEST(test_cert_finalize_R7_account_key)
{
	static const char *const names[] = { NAME1 };
	struct tctx	 t;
	char		*csr, payload[4096], thumb[ACMEGW_THUMB_LEN + 1];

	store_setup();
	order_put("ready", "valid", NULL);
	csr = make_csr(names, 1, NULL, thumb);
	/* The CSR's key is account B's key: any account's key is refused. */
	ck_assert_int_eq(store_put(tst, NULL, SDB_ACCTKEYS, thumb,
	    strlen(thumb), ACCT_B, ACMEGW_ID_LEN, 0), 0);
	snprintf(payload, sizeof(payload), "{\"csr\":\"%s\"}", csr);
	free(csr);
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(run(&t, cert_finalize, ORDER1, NULL, payload), -1);
	assert_prob(&t, ACME_PROB_BAD_CSR, "ACME account");
	ck_assert_uint_eq(count_db(SDB_CERTS), 0);
	tctx_done(&t);
}
END_TEST

START_TEST(test_cert_finalize_blocked_key)
{
	static const char *const names[] = { NAME1 };
	struct tctx	 t;
	struct json_object *o;
	char		*csr, payload[4096], spki[44];

	store_setup();
	order_put("ready", "valid", NULL);
	csr = make_csr(names, 1, spki, NULL);
	put_text(SDB_BLOCKED_KEYS, spki, "{\"v\":1,\"serial\":\"01\","
	    "\"time\":1}");
	snprintf(payload, sizeof(payload), "{\"csr\":\"%s\"}", csr);
	free(csr);
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(run(&t, cert_finalize, ORDER1, NULL, payload), -1);
	assert_prob(&t, ACME_PROB_BAD_CSR, "compromised");
	o = rec_get(SDB_ORDERS, ORDER1);
	ck_assert_str_eq(jstr(o, "status"), "ready");
	json_object_put(o);
	tctx_done(&t);
}
END_TEST

START_TEST(test_cert_finalize_ok)
{
	struct tctx	 t;
	struct json_object *o, *c;
	char		 serial[64], spki[44], url[256], key[128];
	void		*v;
	size_t		 vsz;

	store_setup();
	order_put("ready", "valid", NULL);
	tctx_init(&t, ACCT_A);
	ck_assert_msg(finalize_good(&t, spki) == 0, "refused: %s",
	    jstr(t.body, "detail"));
	ck_assert_int_eq(t.ran_after, 1);
	ck_assert_msg(t.resp.status == 200, "status %d: %s", t.resp.status,
	    t.resp.body);
	ck_assert_str_eq(jstr(t.body, "status"), "valid");
	only_serial(serial, sizeof(serial));
	snprintf(url, sizeof(url), BASE "/cert/%s", serial);
	ck_assert_str_eq(jstr(t.body, "certificate"), url);
	/* No Location on a 200: mod_fcgid would make it a 302. */
	ck_assert_ptr_null(resp_header_get(&t.resp, "Location"));
	fprintf(stderr, "valid order: %s\n", t.resp.body);

	o = rec_get(SDB_ORDERS, ORDER1);
	ck_assert_str_eq(jstr(o, "status"), "valid");
	ck_assert_str_eq(jstr(o, "cert"), serial);
	json_object_put(o);
	c = rec_get(SDB_CERTS, serial);
	ck_assert_str_eq(jstr(c, "status"), "valid");
	ck_assert_str_eq(jstr(c, "spki"), spki);
	ck_assert_str_eq(jstr(c, "acct"), ACCT_A);
	ck_assert_str_eq(jstr(c, "order"), ORDER1);
	ck_assert_str_eq(jstr(c, "profile"), "default");
	ck_assert_int_eq(strncmp(jstr(c, "pem"), "-----BEGIN CERTIFICATE",
	    22), 0);
	ck_assert_int_eq(strncmp(jstr(c, "chain"), jstr(c, "pem"),
	    strlen(jstr(c, "pem"))), 0);
	ck_assert_uint_gt(strlen(jstr(c, "chain")), strlen(jstr(c, "pem")));
	ck_assert_uint_gt(strlen(jstr(c, "aki")), 20);
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(c,
	    "not_before")), NOW);
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(c,
	    "not_after")), NOW + 90 * DAY);
	json_object_put(c);
	snprintf(key, sizeof(key), "%s%s", ACCT_A, serial);
	ck_assert_int_eq(store_get(tst, NULL, SDB_CERTS_BY_ACCT, key,
	    strlen(key), 0, &v, &vsz), 0);
	free(v);

	/* R14: again, and no second certificate. */
	ck_assert_int_eq(finalize_good(&t, NULL), 0);
	ck_assert_int_eq(t.ran_after, 0);
	ck_assert_str_eq(jstr(t.body, "status"), "valid");
	ck_assert_str_eq(jstr(t.body, "certificate"), url);
	ck_assert_uint_eq(count_db(SDB_CERTS), 1);
	tctx_done(&t);
}
END_TEST

START_TEST(test_cert_finalize_refused)
{
	struct tctx	 t;
	struct json_object *o, *c, *e;
	char		 serial[64];

	store_setup();
	order_put("ready", "valid", NULL);
	signer_mode("refuse");
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(finalize_good(&t, NULL), 0);
	ck_assert_int_eq(t.ran_after, 1);
	assert_prob(&t, ACME_PROB_BAD_CSR, "the signer says no");
	only_serial(serial, sizeof(serial));
	c = rec_get(SDB_CERTS, serial);
	ck_assert_str_eq(jstr(c, "status"), "failed");
	json_object_put(c);
	o = rec_get(SDB_ORDERS, ORDER1);
	ck_assert_str_eq(jstr(o, "status"), "invalid");
	ck_assert(json_object_object_get_ex(o, "error", &e));
	ck_assert_str_eq(jstr(e, "type"), acme_prob_type[ACME_PROB_BAD_CSR]);
	json_object_put(o);
	/* R1: an invalid order cannot be finalized again. */
	ck_assert_int_eq(finalize_good(&t, NULL), -1);
	assert_prob(&t, ACME_PROB_ORDER_NOT_READY, NULL);
	ck_assert_uint_eq(count_db(SDB_CERTS), 1);
	tctx_done(&t);
}
END_TEST

/* Each bad signer outcome: serverInternal, order invalid, cert failed. */
START_TEST(test_cert_finalize_signer_bad)
{
	static const char *const modes[] = {
		"fail", "garbage", "extra", "wrongserial", "badtype",
	};
	struct tctx	 t;
	struct json_object *o, *c;
	char		 serial[64];
	const char	*mode = modes[_i];

	store_setup();
	order_put("ready", "valid", NULL);
	signer_mode(mode);
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(finalize_good(&t, NULL), 0);
	ck_assert_int_eq(t.ran_after, 1);
	assert_prob(&t, ACME_PROB_SERVER_INTERNAL, NULL);
	only_serial(serial, sizeof(serial));
	c = rec_get(SDB_CERTS, serial);
	ck_assert_msg(strcmp(jstr(c, "status"), "failed") == 0,
	    "mode %s: cert %s", mode, jstr(c, "status"));
	json_object_put(c);
	o = rec_get(SDB_ORDERS, ORDER1);
	ck_assert_str_eq(jstr(o, "status"), "invalid");
	json_object_put(o);
	tctx_done(&t);
}
END_TEST

/* Run the continuation a "processing" answer registered, as fcgi_run(). */
static void
run_cont(struct tctx *t)
{
	ck_assert_ptr_nonnull(t->resp.cont);
	t->resp.cont(t->resp.cont_arg);
	t->resp.cont_free(t->resp.cont_arg);
	t->resp.cont = NULL;
	t->resp.cont_free = NULL;
	t->resp.cont_arg = NULL;
}

/* The signer outlasts signing_wait: processing now, valid afterwards. */
START_TEST(test_cert_finalize_slow_processing)
{
	struct tctx	 t;
	struct json_object *o, *c;
	char		 serial[64];

	store_setup();
	order_put("ready", "valid", NULL);
	signer_mode("slow");
	tconf.signing_wait = 100;
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(finalize_good(&t, NULL), 0);
	ck_assert_int_eq(t.ran_after, 1);
	ck_assert_msg(t.resp.status == 200, "status %d: %s", t.resp.status,
	    t.resp.body);
	ck_assert_str_eq(jstr(t.body, "status"), "processing");
	ck_assert_ptr_nonnull(resp_header_get(&t.resp, "Retry-After"));
	ck_assert_int_ge(atoi(resp_header_get(&t.resp, "Retry-After")), 1);
	ck_assert_ptr_null(resp_header_get(&t.resp, "Location"));
	ck_assert(json_object_object_get(t.body, "certificate") == NULL);
	only_serial(serial, sizeof(serial));
	c = rec_get(SDB_CERTS, serial);
	ck_assert_str_eq(jstr(c, "status"), "reserved");
	json_object_put(c);
	o = rec_get(SDB_ORDERS, ORDER1);
	ck_assert_str_eq(jstr(o, "status"), "processing");
	json_object_put(o);

	/*
	 * R14 meanwhile: answered as it is, no second signer.  (Reusing the
	 * response discards the first one's continuation unrun: see
	 * test_cert_finalize_slow_dropped.)
	 */
	ck_assert_int_eq(finalize_good(&t, NULL), 0);
	ck_assert_int_eq(t.ran_after, 0);
	ck_assert_str_eq(jstr(t.body, "status"), "processing");
	ck_assert_ptr_null(t.resp.cont);
	ck_assert_uint_eq(count_db(SDB_CERTS), 1);
	tctx_done(&t);
}
END_TEST

/* As the responder runs it: the continuation finishes the issuance. */
START_TEST(test_cert_finalize_slow_continuation)
{
	struct tctx	 t;
	struct json_object *o, *c;
	char		 serial[64];

	store_setup();
	order_put("ready", "valid", NULL);
	signer_mode("slow");
	tconf.signing_wait = 100;
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(finalize_good(&t, NULL), 0);
	ck_assert_str_eq(jstr(t.body, "status"), "processing");
	run_cont(&t);
	/* The answer already went out: the continuation leaves it alone. */
	ck_assert_int_eq(t.resp.status, 200);
	only_serial(serial, sizeof(serial));
	o = rec_get(SDB_ORDERS, ORDER1);
	ck_assert_str_eq(jstr(o, "status"), "valid");
	ck_assert_str_eq(jstr(o, "cert"), serial);
	json_object_put(o);
	c = rec_get(SDB_CERTS, serial);
	ck_assert_str_eq(jstr(c, "status"), "valid");
	ck_assert_int_eq(strncmp(jstr(c, "pem"), "-----BEGIN CERTIFICATE",
	    22), 0);
	json_object_put(c);
	tctx_done(&t);

	/* The client polls again: the order is valid with its certificate. */
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(finalize_good(&t, NULL), 0);
	ck_assert_str_eq(jstr(t.body, "status"), "valid");
	ck_assert_ptr_nonnull(strstr(jstr(t.body, "certificate"), serial));
	ck_assert_uint_eq(count_db(SDB_CERTS), 1);
	tctx_done(&t);
}
END_TEST

/* The signer outlasts signing_timeout too: killed, order invalid. */
START_TEST(test_cert_finalize_slow_timeout)
{
	struct tctx	 t;
	struct json_object *o, *c, *e;
	char		 serial[64];

	store_setup();
	order_put("ready", "valid", NULL);
	signer_mode("hang");
	tconf.signing_wait = 100;
	tconf.signing_timeout = 1000;
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(finalize_good(&t, NULL), 0);
	ck_assert_int_eq(t.resp.status, 200);
	ck_assert_str_eq(jstr(t.body, "status"), "processing");
	ck_assert_ptr_nonnull(resp_header_get(&t.resp, "Retry-After"));
	run_cont(&t);
	only_serial(serial, sizeof(serial));
	c = rec_get(SDB_CERTS, serial);
	ck_assert_str_eq(jstr(c, "status"), "failed");
	json_object_put(c);
	o = rec_get(SDB_ORDERS, ORDER1);
	ck_assert_str_eq(jstr(o, "status"), "invalid");
	ck_assert(json_object_object_get_ex(o, "error", &e));
	ck_assert_str_eq(jstr(e, "type"),
	    acme_prob_type[ACME_PROB_SERVER_INTERNAL]);
	json_object_put(o);
	tctx_done(&t);
}
END_TEST

/*
 * A response thrown away before it was sent (the responder's store
 * failed): the continuation is freed unrun, the signer killed, and the
 * order stays processing for the reconciler (S9).
 */
START_TEST(test_cert_finalize_slow_dropped)
{
	struct tctx	 t;
	struct json_object *o;
	char		 serial[64];

	store_setup();
	order_put("ready", "valid", NULL);
	signer_mode("hang");
	tconf.signing_wait = 100;
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(finalize_good(&t, NULL), 0);
	ck_assert_ptr_nonnull(t.resp.cont);
	resp_reset(&t.resp);
	ck_assert_ptr_null(t.resp.cont);
	only_serial(serial, sizeof(serial));
	o = rec_get(SDB_ORDERS, ORDER1);
	ck_assert_str_eq(jstr(o, "status"), "processing");
	json_object_put(o);
	tctx_done(&t);
}
END_TEST

START_TEST(test_cert_finalize_no_signer)
{
	struct tctx	 t;
	struct json_object *o;

	store_setup();
	order_put("ready", "valid", NULL);
	free(tconf.signer_path);
	tconf.signer_path = strdup("/bin/false");
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(finalize_good(&t, NULL), 0);
	assert_prob(&t, ACME_PROB_SERVER_INTERNAL, NULL);
	o = rec_get(SDB_ORDERS, ORDER1);
	ck_assert_str_eq(jstr(o, "status"), "invalid");
	json_object_put(o);
	tctx_done(&t);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Certificate download                                                 */
/* ------------------------------------------------------------------ */

START_TEST(test_cert_post_download)
{
	struct tctx	 t;
	struct json_object *c;
	char		 serial[64], want[512];
	const char	*link;

	store_setup();
	order_put("ready", "valid", NULL);
	signer_mode("alt");
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(finalize_good(&t, NULL), 0);
	only_serial(serial, sizeof(serial));
	c = rec_get(SDB_CERTS, serial);

	ck_assert_int_eq(run(&t, cert_post, serial, NULL, NULL), 0);
	ck_assert_int_eq(t.resp.status, 200);
	ck_assert_str_eq(t.resp.ctype, "application/pem-certificate-chain");
	ck_assert_str_eq(t.resp.body, jstr(c, "chain"));
	link = resp_header_get(&t.resp, "Link");
	ck_assert_ptr_nonnull(link);
	snprintf(want, sizeof(want), "<" BASE "/cert/%s/alt>;"
	    "rel=\"alternate\"", serial);
	ck_assert_str_eq(link, want);

	ck_assert_int_eq(run(&t, cert_post, serial, "alt", NULL), 0);
	ck_assert_str_eq(t.resp.body, jstr(c, "alt_chain"));
	snprintf(want, sizeof(want), "<" BASE "/cert/%s>;rel=\"alternate\"",
	    serial);
	ck_assert_str_eq(resp_header_get(&t.resp, "Link"), want);

	/* A payload is malformed; an unknown serial 404. */
	ck_assert_int_eq(run(&t, cert_post, serial, NULL, "{}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, NULL);
	ck_assert_int_eq(run(&t, cert_post, "0123", NULL, NULL), -1);
	assert_prob(&t, ACME_PROB_NOT_FOUND, NULL);
	json_object_put(c);
	tctx_done(&t);

	/* A6: another account. */
	tctx_init(&t, ACCT_B);
	ck_assert_int_eq(run(&t, cert_post, serial, NULL, NULL), -1);
	assert_prob(&t, ACME_PROB_UNAUTHORIZED, NULL);
	tctx_done(&t);
}
END_TEST

START_TEST(test_cert_post_reserved_404)
{
	struct tctx	 t;

	store_setup();
	put_text(SDB_CERTS, "0123", "{\"v\":1,\"serial\":\"0123\","
	    "\"status\":\"reserved\",\"acct\":\"" ACCT_A "\"}");
	put_text(SDB_CERTS, "0124", "{\"v\":1,\"serial\":\"0124\","
	    "\"status\":\"valid\",\"acct\":\"" ACCT_A "\",\"chain\":\"X\"}");
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(run(&t, cert_post, "0123", NULL, NULL), -1);
	assert_prob(&t, ACME_PROB_NOT_FOUND, NULL);
	/* No alternate chain: /alt is 404, no Link alternate. */
	ck_assert_int_eq(run(&t, cert_post, "0124", "alt", NULL), -1);
	assert_prob(&t, ACME_PROB_NOT_FOUND, NULL);
	ck_assert_int_eq(run(&t, cert_post, "0124", NULL, NULL), 0);
	ck_assert_ptr_null(resp_header_get(&t.resp, "Link"));
	tctx_done(&t);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The reconciler (worker.c)                                            */
/* ------------------------------------------------------------------ */

/*
 * worker_crl_is_due(): the CRL timer writes a CRL when there is none, or
 * when the last one is crl_interval old; never without crl_file or with
 * crl_interval 0; an mtime far in the future (clock went back) is due.
 */
START_TEST(test_worker_crl_is_due)
{
	struct conf	 c;

	conf_init(&c);
	ck_assert_uint_eq(c.crl_interval, 86400);
	/* no crl_file: never due, not even without a file */
	ck_assert_int_eq(worker_crl_is_due(&c, NOW, (time_t)-1), 0);
	ck_assert_int_eq(worker_crl_is_due(&c, NOW, NOW - 30 * 86400), 0);
	c.crl_file = strdup("/nonexistent/crl.pem");
	ck_assert_ptr_nonnull(c.crl_file);
	/* no CRL yet */
	ck_assert_int_eq(worker_crl_is_due(&c, NOW, (time_t)-1), 1);
	/* fresh, one second short, exactly crl_interval, older */
	ck_assert_int_eq(worker_crl_is_due(&c, NOW, NOW), 0);
	ck_assert_int_eq(worker_crl_is_due(&c, NOW, NOW - 86399), 0);
	ck_assert_int_eq(worker_crl_is_due(&c, NOW, NOW - 86400), 1);
	ck_assert_int_eq(worker_crl_is_due(&c, NOW, NOW - 2 * 86400), 1);
	/* slightly ahead (coarse clocks): not due; far ahead: due */
	ck_assert_int_eq(worker_crl_is_due(&c, NOW, NOW + 2), 0);
	ck_assert_int_eq(worker_crl_is_due(&c, NOW, NOW + 86400), 1);
	/* the minimum interval */
	c.crl_interval = 3600;
	ck_assert_int_eq(worker_crl_is_due(&c, NOW, NOW - 3599), 0);
	ck_assert_int_eq(worker_crl_is_due(&c, NOW, NOW - 3600), 1);
	/* crl_interval 0: the timer is off */
	c.crl_interval = 0;
	ck_assert_int_eq(worker_crl_is_due(&c, NOW, (time_t)-1), 0);
	ck_assert_int_eq(worker_crl_is_due(&c, NOW, NOW - 365 * 86400), 0);
	conf_clear(&c);
}
END_TEST

START_TEST(test_worker_reconcile_S9)
{
	struct json_object *o;
	char		 text[512];
	size_t		 n;

	store_setup();
	order_put("processing", "valid", NULL);
	/* Stuck: reserved 36 s ago with a 5 s timeout (5 + 30 < 36). */
	snprintf(text, sizeof(text), "{\"v\":1,\"serial\":\"0a\","
	    "\"status\":\"reserved\",\"acct\":\"" ACCT_A "\",\"order\":\""
	    ORDER1 "\",\"created\":%lld}", (long long)(NOW - 36));
	put_text(SDB_CERTS, "0a", text);
	/* Young: 20 s. */
	snprintf(text, sizeof(text), "{\"v\":1,\"serial\":\"0b\","
	    "\"status\":\"reserved\",\"acct\":\"" ACCT_A "\",\"order\":\""
	    "OOOOOOOOOOOOOOOOOOOOOQ\",\"created\":%lld}",
	    (long long)(NOW - 20));
	put_text(SDB_CERTS, "0b", text);
	/* Valid and old: not touched. */
	put_text(SDB_CERTS, "0c", "{\"v\":1,\"serial\":\"0c\","
	    "\"status\":\"valid\",\"acct\":\"" ACCT_A "\",\"created\":1}");

	ck_assert_int_eq(worker_reconcile(tst, 5000, NOW, &n), 0);
	ck_assert_uint_eq(n, 1);
	o = rec_get(SDB_CERTS, "0a");
	ck_assert_str_eq(jstr(o, "status"), "failed");
	json_object_put(o);
	o = rec_get(SDB_CERTS, "0b");
	ck_assert_str_eq(jstr(o, "status"), "reserved");
	json_object_put(o);
	o = rec_get(SDB_CERTS, "0c");
	ck_assert_str_eq(jstr(o, "status"), "valid");
	json_object_put(o);
	o = rec_get(SDB_ORDERS, ORDER1);
	ck_assert_str_eq(jstr(o, "status"), "invalid");
	ck_assert_str_eq(jstr(json_object_object_get(o, "error"), "detail"),
	    "signing did not complete");
	json_object_put(o);

	/* Later the young one is stuck too; the failed one stays failed. */
	ck_assert_int_eq(worker_reconcile(tst, 5000, NOW + 20, &n), 0);
	ck_assert_uint_eq(n, 1);
	o = rec_get(SDB_CERTS, "0b");
	ck_assert_str_eq(jstr(o, "status"), "failed");
	json_object_put(o);
	ck_assert_int_eq(worker_reconcile(tst, 5000, NOW + 100, &n), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* ARI                                                                  */
/* ------------------------------------------------------------------ */

START_TEST(test_ari_certid_parse_good)
{
	char		 serial[64], aki[128];
	struct perr	 e;
	const char	*id = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";

	ck_assert_int_eq(ari_certid_parse(id, strlen(id), serial,
	    sizeof(serial), aki, sizeof(aki), &e), 0);
	ck_assert_str_eq(serial, "0087654321");
	ck_assert_str_eq(aki, "aYhba4dGQEHhs3uEe6CuLN4ByNQ");
	ck_assert_int_eq(ari_certid_parse("AQ.AQ", 5, serial, sizeof(serial),
	    aki, sizeof(aki), &e), 0);
	ck_assert_str_eq(serial, "01");
}
END_TEST

START_TEST(test_ari_certid_parse_malformed)
{
	static const char *const bad[] = {
		"", ".", "AQ.", ".AQ", "AQ", "AQ.AQ.AQ", "AQ..AQ",
		"AQ==.AQ", "AQ.AQ==", "AQ.AQ=", "A.AQ", "AQ.A",
		"AQ.AA",			/* zero */
		"AQ.gA",			/* negative */
		"AQ.AAE",			/* 00 01: not minimal */
		"AQ.AAAAAQ",			/* 00 00 00 01 */
		"A+.AQ", "AQ.A/", "AQ.A Q", "AQ.AQ\n", " AQ.AQ",
		"AQ%2EAQ", "AQ.AQ?", "AQ/AQ",
		/* 21 serial bytes */
		"AQ.AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ",
	};
	char		 serial[64], aki[128], big[400];
	struct perr	 e;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		ck_assert_msg(ari_certid_parse(bad[i], strlen(bad[i]), serial,
		    sizeof(serial), aki, sizeof(aki), &e) == -1,
		    "\"%s\" accepted", bad[i]);
		ck_assert_int_eq(e.prob, ACME_PROB_MALFORMED);
	}
	/* Too long, and an embedded NUL. */
	memset(big, 'A', sizeof(big));
	big[100] = '.';
	ck_assert_int_eq(ari_certid_parse(big, sizeof(big), serial,
	    sizeof(serial), aki, sizeof(aki), &e), -1);
	ck_assert_int_eq(ari_certid_parse("AQ.A\0Q", 6, serial,
	    sizeof(serial), aki, sizeof(aki), &e), -1);
}
END_TEST

static struct json_object *
window_rec(const char *status, const char *extra)
{
	char	 text[512];

	snprintf(text, sizeof(text), "{\"v\":1,\"status\":\"%s\","
	    "\"not_before\":%lld,\"not_after\":%lld%s}", status,
	    (long long)NOW, (long long)(NOW + 90 * DAY), extra);
	return parse(text);
}

START_TEST(test_ari_window_normal)
{
	struct json_object *r = window_rec("valid", "");
	time_t		 s, e;

	setup();
	ck_assert_int_eq(ari_window(&tconf, r, NOW + DAY, &s, &e), 0);
	/* The last 33 % of 90 days: 29.7 days before the end. */
	ck_assert_int_eq(e, NOW + 90 * DAY);
	ck_assert_int_eq(s, NOW + 90 * DAY - (90 * DAY) * 33 / 100);
	tconf.ari_window = 50;
	ck_assert_int_eq(ari_window(&tconf, r, NOW, &s, &e), 0);
	ck_assert_int_eq(s, NOW + 45 * DAY);
	json_object_put(r);
	r = parse("{\"v\":1,\"status\":\"valid\",\"not_before\":5,"
	    "\"not_after\":5}");
	ck_assert_int_eq(ari_window(&tconf, r, NOW, &s, &e), -1);
	json_object_put(r);
	teardown();
}
END_TEST

START_TEST(test_ari_window_revoked_past)
{
	struct json_object *r = window_rec("revoked",
	    ",\"revoked_at\":1700000100,\"reason\":1");
	time_t		 s, e;

	setup();
	ck_assert_int_eq(ari_window(&tconf, r, NOW + 10 * DAY, &s, &e), 0);
	ck_assert_int_lt(s, e);
	ck_assert_int_lt(e, NOW + 10 * DAY);
	json_object_put(r);
	teardown();
}
END_TEST

START_TEST(test_ari_window_renew_at)
{
	struct json_object *r = window_rec("valid",
	    ",\"renew_at\":1700864000");	/* NOW + 10 days */
	time_t		 s, e;

	setup();
	ck_assert_int_eq(ari_window(&tconf, r, NOW + 10 * DAY, &s, &e), 0);
	ck_assert_int_eq(s, NOW + 10 * DAY);
	ck_assert_int_gt(e, s);
	ck_assert_int_le(e, NOW + 10 * DAY + 3600);
	json_object_put(r);
	/* A renew_at later than the normal window changes nothing. */
	r = window_rec("valid", ",\"renew_at\":1707000000");
	ck_assert_int_eq(ari_window(&tconf, r, NOW, &s, &e), 0);
	ck_assert_int_eq(e, NOW + 90 * DAY);
	json_object_put(r);
	teardown();
}
END_TEST

/* A valid certificate 0087654321 of A with AKI aYhba4dGQEHhs3uEe6CuLN4ByNQ. */
#define ARI_ID	"aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"
static void
ari_cert_put(const char *extra)
{
	char	 text[512];

	snprintf(text, sizeof(text), "{\"v\":1,\"serial\":\"0087654321\","
	    "\"status\":\"valid\",\"acct\":\"" ACCT_A "\",\"not_before\":%lld,"
	    "\"not_after\":%lld,\"aki\":\"aYhba4dGQEHhs3uEe6CuLN4ByNQ\","
	    "\"identifiers\":[{\"type\":\"dns\",\"value\":\"" NAME1 "\"}]%s}",
	    (long long)NOW, (long long)(NOW + 90 * DAY), extra);
	put_text(SDB_CERTS, "0087654321", text);
}

START_TEST(test_ari_get)
{
	struct tctx	 t;
	struct json_object *w;

	store_setup();
	ari_cert_put("");
	tctx_init(&t, NULL);
	t.ctx.route_id = ARI_ID;
	ari_get(&t.ctx);
	ck_assert_int_eq(t.resp.status, 200);
	ck_assert_str_eq(resp_header_get(&t.resp, "Retry-After"), "21600");
	fprintf(stderr, "ARI answer: %s\n", t.resp.body);
	t.body = parse(t.resp.body);
	ck_assert(json_object_object_get_ex(t.body, "suggestedWindow", &w));
	ck_assert_str_eq(jstr(w, "start"), "2024-01-14T05:25:20Z");
	ck_assert_str_eq(jstr(w, "end"), "2024-02-12T22:13:20Z");
	json_object_put(t.body);
	t.body = NULL;

	/* Unknown serial, other AKI: 404; malformed: 400 (never 500). */
	resp_reset(&t.resp);
	t.ctx.route_id = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyI";
	ari_get(&t.ctx);
	ck_assert_int_eq(t.resp.status, 404);
	resp_reset(&t.resp);
	t.ctx.route_id = "aYhba4dGQEHhs3uEe6CuLN4ByNA.AIdlQyE";
	ari_get(&t.ctx);
	ck_assert_int_eq(t.resp.status, 404);
	resp_reset(&t.resp);
	t.ctx.route_id = "aYhba4dGQEHhs3uEe6CuLN4ByNQ=.AIdlQyE";
	ari_get(&t.ctx);
	ck_assert_int_eq(t.resp.status, 400);
	ck_assert_int_eq(t.resp.prob, ACME_PROB_MALFORMED);
	resp_reset(&t.resp);
	t.ctx.route_id = "";
	ari_get(&t.ctx);
	ck_assert_int_eq(t.resp.status, 400);
	tctx_done(&t);
}
END_TEST

/* ------------------------------------------------------------------ */
/* newOrder: profile and replaces                                       */
/* ------------------------------------------------------------------ */

START_TEST(test_order_new_profile)
{
	struct tctx	 t;
	struct json_object *o;
	const char	*loc;

	store_setup();
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(run(&t, order_new, NULL, NULL, "{\"identifiers\":"
	    "[{\"type\":\"dns\",\"value\":\"" NAME1 "\"}],"
	    "\"profile\":\"nope\"}"), -1);
	assert_prob(&t, ACME_PROB_INVALID_PROFILE, "default, short");
	ck_assert_int_eq(run(&t, order_new, NULL, NULL, "{\"identifiers\":"
	    "[{\"type\":\"dns\",\"value\":\"" NAME1 "\"}],\"profile\":7}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, NULL);
	/* notAfter beyond the profile's 7 days. */
	ck_assert_int_eq(run(&t, order_new, NULL, NULL, "{\"identifiers\":"
	    "[{\"type\":\"dns\",\"value\":\"" NAME1 "\"}],\"profile\":"
	    "\"short\",\"notAfter\":\"2023-12-01T00:00:00Z\"}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, "short");
	ck_assert_int_eq(run(&t, order_new, NULL, NULL, "{\"identifiers\":"
	    "[{\"type\":\"dns\",\"value\":\"" NAME1 "\"}],"
	    "\"profile\":\"short\"}"), 0);
	ck_assert_int_eq(t.resp.status, 201);
	ck_assert_str_eq(jstr(t.body, "profile"), "short");
	loc = resp_header_get(&t.resp, "Location");
	o = rec_get(SDB_ORDERS, loc + strlen(loc) - ACMEGW_ID_LEN);
	ck_assert_str_eq(jstr(o, "profile"), "short");
	json_object_put(o);
	tctx_done(&t);
}
END_TEST

START_TEST(test_order_new_replaces)
{
	struct tctx	 t;
	struct json_object *o;
	const char	*loc;

	store_setup();
	ari_cert_put("");
	tctx_init(&t, ACCT_B);
	ck_assert_int_eq(run(&t, order_new, NULL, NULL, "{\"identifiers\":"
	    "[{\"type\":\"dns\",\"value\":\"" NAME1 "\"}],"
	    "\"replaces\":\"" ARI_ID "\"}"), -1);
	assert_prob(&t, ACME_PROB_UNAUTHORIZED, "another account");
	tctx_done(&t);

	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(run(&t, order_new, NULL, NULL, "{\"identifiers\":"
	    "[{\"type\":\"dns\",\"value\":\"b.example.com\"}],"
	    "\"replaces\":\"" ARI_ID "\"}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, "shares no identifier");
	ck_assert_int_eq(run(&t, order_new, NULL, NULL, "{\"identifiers\":"
	    "[{\"type\":\"dns\",\"value\":\"" NAME1 "\"}],"
	    "\"replaces\":\"AQ.AQ==\"}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, "certID");
	ck_assert_int_eq(run(&t, order_new, NULL, NULL, "{\"identifiers\":"
	    "[{\"type\":\"dns\",\"value\":\"" NAME1 "\"}],"
	    "\"replaces\":\"aYhba4dGQEHhs3uEe6CuLN4ByNQ.AQ\"}"), -1);
	assert_prob(&t, ACME_PROB_MALFORMED, "no certificate");
	ck_assert_int_eq(run(&t, order_new, NULL, NULL, "{\"identifiers\":"
	    "[{\"type\":\"dns\",\"value\":\"" NAME1 "\"}],"
	    "\"replaces\":\"" ARI_ID "\"}"), 0);
	loc = resp_header_get(&t.resp, "Location");
	o = rec_get(SDB_ORDERS, loc + strlen(loc) - ACMEGW_ID_LEN);
	ck_assert_str_eq(jstr(o, "replaces"), ARI_ID);
	json_object_put(o);

	/* Once replaced: alreadyReplaced. */
	ck_assert_int_eq(ari_mark_replaced(tst, NULL, ARI_ID, ORDER1), 0);
	o = rec_get(SDB_CERTS, "0087654321");
	ck_assert_str_eq(jstr(o, "replaced_by"), ORDER1);
	json_object_put(o);
	ck_assert_int_eq(run(&t, order_new, NULL, NULL, "{\"identifiers\":"
	    "[{\"type\":\"dns\",\"value\":\"" NAME1 "\"}],"
	    "\"replaces\":\"" ARI_ID "\"}"), -1);
	assert_prob(&t, ACME_PROB_ALREADY_REPLACED, ORDER1);
	tctx_done(&t);
}
END_TEST

START_TEST(test_cert_finalize_replaces_marks)
{
	struct tctx	 t;
	struct json_object *o;

	store_setup();
	ari_cert_put("");
	order_put("ready", "valid", ",\"replaces\":\"" ARI_ID "\"");
	tctx_init(&t, ACCT_A);
	ck_assert_int_eq(finalize_good(&t, NULL), 0);
	ck_assert_str_eq(jstr(t.body, "status"), "valid");
	o = rec_get(SDB_CERTS, "0087654321");
	ck_assert_str_eq(jstr(o, "replaced_by"), ORDER1);
	json_object_put(o);
	tctx_done(&t);
}
END_TEST

START_TEST(test_directory_profiles_renewal_info)
{
	struct tctx		 t;
	struct req		 req;
	struct json_object	*meta, *p;

	setup();
	tctx_init(&t, NULL);
	memset(&req, 0, sizeof(req));
	req.method = METHOD_GET;
	t.ctx.req = &req;
	directory_get(&t.ctx);
	ck_assert_int_eq(t.resp.status, 200);
	t.body = parse(t.resp.body);
	ck_assert_str_eq(jstr(t.body, "renewalInfo"), BASE "/renewal-info");
	ck_assert(json_object_object_get_ex(t.body, "meta", &meta));
	ck_assert(json_object_object_get_ex(meta, "profiles", &p));
	ck_assert(strstr(jstr(p, "default"), "90-day") != NULL);
	ck_assert(strstr(jstr(p, "short"), "7-day") != NULL);
	tctx_done(&t);
	teardown();
}
END_TEST


/* GET path through router_handle(): the status, and *resp kept. */
static int
route_get(const char *path, struct resp *resp)
{
	struct req	 req;
	char		 acct[32];

	memset(&req, 0, sizeof(req));
	req.method = METHOD_GET;
	req.method_str = "GET";
	req.path = (char *)path;
	req.query = "";
	req.remote_addr = "-";
	req.now = NOW;
	resp_reset(resp);
	ck_assert_int_eq(router_handle(&tconf, tst, &req, resp, acct,
	    sizeof(acct)), 0);
	return resp->status;
}

START_TEST(test_router_cert_and_renewal_info_routes)
{
	struct resp	 r;

	store_setup();
	ari_cert_put("");
	resp_init(&r);
	ck_assert_int_eq(route_get("/renewal-info/" ARI_ID, &r), 200);
	ck_assert_str_eq(resp_header_get(&r, "Retry-After"), "21600");
	ck_assert_str_eq(resp_header_get(&r, "Link"),
	    "<" BASE "/directory>;rel=\"index\"");
	ck_assert_int_eq(route_get("/renewal-info/AQ.AA", &r), 400);
	ck_assert_int_eq(route_get("/renewal-info/", &r), 400);
	ck_assert_int_eq(route_get("/renewal-info", &r), 404);
	/* Certificates: POST-as-GET only; bad serials are unknown paths. */
	ck_assert_int_eq(route_get("/cert/0087654321", &r), 405);
	ck_assert_str_eq(resp_header_get(&r, "Allow"), "POST");
	ck_assert_int_eq(route_get("/cert/0087654321/alt", &r), 405);
	ck_assert_int_eq(route_get("/cert/0087654321/x", &r), 404);
	ck_assert_int_eq(route_get("/cert/0g", &r), 404);
	ck_assert_int_eq(route_get("/cert/00", &r), 404);
	ck_assert_int_eq(route_get("/cert/", &r), 404);
	ck_assert_int_eq(route_get("/cert/0087654321/", &r), 404);
	resp_clear(&r);
}
END_TEST

/* ------------------------------------------------------------------ */

static Suite *
cert_suite(void)
{
	Suite	*s = suite_create("cert");
	TCase	*tc;

	tc = tcase_create("cert_serial_new");
	tcase_add_test(tc, test_cert_serial_new_S1_format);
	tcase_add_test(tc, test_cert_serial_new_S1_bits);
	tcase_add_test(tc, test_cert_serial_is_valid_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("cert_reserve");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cert_reserve_S2_unique_1000);
	suite_add_tcase(s, tc);

	tc = tcase_create("cert_finalize");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cert_finalize_R1_pending);
	tcase_add_test(tc, test_cert_finalize_R1_invalid);
	tcase_add_test(tc, test_cert_finalize_R14_processing_as_is);
	tcase_add_test(tc, test_cert_finalize_A6_other_account);
	tcase_add_test(tc, test_cert_finalize_R13_encoding);
	tcase_add_test(tc, test_cert_finalize_R12_bad_der);
	tcase_add_test(tc, test_cert_finalize_R2_names);
	tcase_add_test(tc, test_cert_finalize_R7_account_key);
	tcase_add_test(tc, test_cert_finalize_blocked_key);
	tcase_add_test(tc, test_cert_finalize_ok);
	tcase_add_test(tc, test_cert_finalize_refused);
	tcase_add_loop_test(tc, test_cert_finalize_signer_bad, 0, 5);
	tcase_add_test(tc, test_cert_finalize_no_signer);
	tcase_add_test(tc, test_cert_finalize_slow_processing);
	tcase_add_test(tc, test_cert_finalize_slow_continuation);
	tcase_add_test(tc, test_cert_finalize_slow_timeout);
	tcase_add_test(tc, test_cert_finalize_slow_dropped);
	tcase_add_test(tc, test_cert_finalize_replaces_marks);
	suite_add_tcase(s, tc);

	tc = tcase_create("cert_post");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cert_post_download);
	tcase_add_test(tc, test_cert_post_reserved_404);
	suite_add_tcase(s, tc);

	tc = tcase_create("worker_reconcile");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_worker_reconcile_S9);
	suite_add_tcase(s, tc);

	tc = tcase_create("worker_crl_is_due");
	tcase_add_test(tc, test_worker_crl_is_due);
	suite_add_tcase(s, tc);

	tc = tcase_create("ari");
	tcase_add_test(tc, test_ari_certid_parse_good);
	tcase_add_test(tc, test_ari_certid_parse_malformed);
	tcase_add_test(tc, test_ari_window_normal);
	tcase_add_test(tc, test_ari_window_revoked_past);
	tcase_add_test(tc, test_ari_window_renew_at);
	suite_add_tcase(s, tc);

	tc = tcase_create("ari_get");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_ari_get);
	tcase_add_test(tc, test_order_new_profile);
	tcase_add_test(tc, test_order_new_replaces);
	tcase_add_test(tc, test_router_cert_and_renewal_info_routes);
	suite_add_tcase(s, tc);

	tc = tcase_create("directory_get");
	tcase_add_test(tc, test_directory_profiles_renewal_info);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char *argv[])
{
	SRunner	*sr;
	int	 nfail;

	if (argc == 3 && strcmp(argv[1], "-f") == 0)
		return fake_signer(argv[2]);
	if (realpath("/proc/self/exe", self) == NULL) {
		perror("realpath");
		return 1;
	}
	sr = srunner_create(cert_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? 0 : 1;
}

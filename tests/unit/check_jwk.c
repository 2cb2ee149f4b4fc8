/*
 * check_jwk.c: unit tests for jwk.c (key policy, canonical JSON, RFC 7638
 * thumbprints, PEM import).  Ids in test names are SECURITY.md rows.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <gnutls/crypto.h>

#include "acmegw.h"
#include "vectors.h"

/* Usable outside a running test too (key generation in main()). */
#define T_REQUIRE(x) do {						\
	if (!(x)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x);	\
		abort();						\
	}								\
} while (0)

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* Our own base64url encoder, so the tests do not trust b64.c to build
 * their inputs. */
static char *
t_b64(const unsigned char *p, size_t n)
{
	static const char	 a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	char			*s, *o;
	size_t			 i;

	s = o = malloc(n * 4 / 3 + 4);
	T_REQUIRE(s != NULL);
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = a[p[i] >> 2];
		*o++ = a[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = a[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = a[p[i + 2] & 63];
	}
	if (n - i == 1) {
		*o++ = a[p[i] >> 2];
		*o++ = a[(p[i] & 3) << 4];
	} else if (n - i == 2) {
		*o++ = a[p[i] >> 2];
		*o++ = a[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = a[(p[i + 1] & 15) << 2];
	}
	*o = '\0';
	return s;
}

static char *
t_printf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 rc;

	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	T_REQUIRE(rc >= 0);
	return s;
}

static struct json_object *
t_json(const char *text)
{
	struct json_object	*o;

	o = json_tokener_parse(text);
	ck_assert_msg(o != NULL, "test JSON does not parse: %s", text);
	return o;
}

/* jwk_from_json on JSON text; returns the key and fills perr. */
static struct jwk *
t_jwk(const char *text, struct perr *perr)
{
	struct json_object	*o;
	struct jwk		*k;

	memset(perr, 0, sizeof(*perr));
	o = t_json(text);
	k = jwk_from_json(o, perr);
	json_object_put(o);
	if (k == NULL)
		ck_assert_int_ne(perr->prob, ACME_PROB_NONE);
	return k;
}

/* Expect text to be refused with prob; detail must contain want if set. */
static void
t_refused(const char *text, enum acme_prob prob, const char *want)
{
	struct perr	 perr;
	struct jwk	*k;

	k = t_jwk(text, &perr);
	ck_assert_msg(k == NULL, "JWK accepted: %.200s", text);
	ck_assert_msg(perr.prob == prob, "prob %d, wanted %d (%s) for %.200s",
	    perr.prob, prob, perr.detail, text);
	ck_assert_msg(perr.detail[0] != '\0', "no detail");
	if (want != NULL)
		ck_assert_msg(strstr(perr.detail, want) != NULL,
		    "detail \"%s\" lacks \"%s\"", perr.detail, want);
}

/* A generated key pair and its public JWK JSON. */
struct tkey {
	gnutls_privkey_t	 priv;
	gnutls_pubkey_t		 pub;
	char			*jwk;
	char			*pem;
};

static char *
t_pub_jwk(gnutls_pubkey_t pub)
{
	gnutls_datum_t		 a = { NULL, 0 }, b = { NULL, 0 };
	gnutls_ecc_curve_t	 curve;
	unsigned char		 xb[66], yb[66];
	const char		*crv = NULL;
	char			*x, *y, *s;
	size_t			 len = 0;
	int			 pk;

	pk = gnutls_pubkey_get_pk_algorithm(pub, NULL);
	if (pk == GNUTLS_PK_RSA) {
		T_REQUIRE(gnutls_pubkey_export_rsa_raw2(pub, &a, &b,
		    GNUTLS_EXPORT_FLAG_NO_LZ) == 0);
		x = t_b64(a.data, a.size);
		y = t_b64(b.data, b.size);
		s = t_printf("{\"kty\":\"RSA\",\"n\":\"%s\","
		    "\"e\":\"%s\"}", x, y);
	} else {
		T_REQUIRE(gnutls_pubkey_export_ecc_raw2(pub, &curve, &a,
		    &b, GNUTLS_EXPORT_FLAG_NO_LZ) == 0);
		switch (curve) {
		case GNUTLS_ECC_CURVE_SECP256R1:
			crv = "P-256", len = 32;
			break;
		case GNUTLS_ECC_CURVE_SECP384R1:
			crv = "P-384", len = 48;
			break;
		case GNUTLS_ECC_CURVE_SECP521R1:
			crv = "P-521", len = 66;
			break;
		case GNUTLS_ECC_CURVE_ED25519:
			crv = "Ed25519", len = 32;
			break;
		default:
			T_REQUIRE(!"unexpected curve");
		}
		T_REQUIRE(a.size <= len);
		memset(xb, 0, sizeof(xb));
		memcpy(xb + len - a.size, a.data, a.size);
		x = t_b64(xb, len);
		if (curve == GNUTLS_ECC_CURVE_ED25519) {
			y = NULL;
			s = t_printf("{\"kty\":\"OKP\",\"crv\":\"%s\","
			    "\"x\":\"%s\"}", crv, x);
		} else {
			T_REQUIRE(b.size <= len);
			memset(yb, 0, sizeof(yb));
			memcpy(yb + len - b.size, b.data, b.size);
			y = t_b64(yb, len);
			s = t_printf("{\"kty\":\"EC\",\"crv\":\"%s\","
			    "\"x\":\"%s\",\"y\":\"%s\"}", crv, x, y);
		}
	}
	free(x);
	free(y);
	gnutls_free(a.data);
	gnutls_free(b.data);
	return s;
}

static void
t_keygen(struct tkey *k, gnutls_pk_algorithm_t pk, unsigned int bits)
{
	gnutls_datum_t	 d = { NULL, 0 };

	memset(k, 0, sizeof(*k));
	T_REQUIRE(gnutls_privkey_init(&k->priv) == 0);
	T_REQUIRE(gnutls_privkey_generate(k->priv, pk, bits, 0) == 0);
	T_REQUIRE(gnutls_pubkey_init(&k->pub) == 0);
	T_REQUIRE(gnutls_pubkey_import_privkey(k->pub, k->priv, 0, 0) ==
	    0);
	k->jwk = t_pub_jwk(k->pub);
	T_REQUIRE(gnutls_pubkey_export2(k->pub, GNUTLS_X509_FMT_PEM,
	    &d) == 0);
	k->pem = strndup((char *)d.data, d.size);
	gnutls_free(d.data);
}

static void
t_keyfree(struct tkey *k)
{
	gnutls_privkey_deinit(k->priv);
	gnutls_pubkey_deinit(k->pub);
	free(k->jwk);
	free(k->pem);
}

/* Keys made once in main() (forked tests inherit them). */
static struct tkey	 k_rsa, k_p256, k_p384, k_p521, k_ed, k_rsa1024;

/* Replace the first occurrence of from in s by to; new string. */
static char *
t_subst(const char *s, const char *from, const char *to)
{
	const char	*p;

	p = strstr(s, from);
	ck_assert_msg(p != NULL, "\"%s\" not in the test input", from);
	return t_printf("%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
}

/* The value of member name ("x", "n", ...) in JWK text as raw bytes. */
static unsigned char *
t_member_bytes(const char *jwk, const char *name, size_t *sz)
{
	struct json_object	*o, *v;
	unsigned char		*out = NULL;
	const char		*s;

	o = t_json(jwk);
	ck_assert(json_object_object_get_ex(o, name, &v));
	s = json_object_get_string(v);
	ck_assert_int_eq(b64url_decode(s, strlen(s), &out, sz), 0);
	json_object_put(o);
	return out;
}

/* JWK text with member name replaced by the base64url of buf. */
static char *
t_with_member(const char *jwk, const char *name, const unsigned char *buf,
    size_t sz)
{
	struct json_object	*o;
	char			*b, *s;

	o = t_json(jwk);
	b = t_b64(buf, sz);
	json_object_object_add(o, name, json_object_new_string(b));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	free(b);
	json_object_put(o);
	return s;
}

/* JWK text with member name set to the raw JSON value text. */
static char *
t_with_raw(const char *jwk, const char *name, const char *value)
{
	struct json_object	*o;
	char			*s;

	o = t_json(jwk);
	/* "null" parses to NULL, which is what json-c stores for null */
	json_object_object_add(o, name, strcmp(value, "null") == 0 ? NULL :
	    t_json(value));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/* ------------------------------------------------------------------ */
/* jwk_from_json: good keys                                             */
/* ------------------------------------------------------------------ */

START_TEST(test_jwk_from_json_rfc7638_rsa)
{
	struct perr	 perr;
	struct jwk	*k;

	k = t_jwk(RFC7638_JWK, &perr);
	ck_assert_msg(k != NULL, "%s", perr.detail);
	ck_assert_int_eq(k->kty, JWK_RSA);
	ck_assert_uint_eq(k->bits, 2048);
	ck_assert_ptr_nonnull(k->pub);
	ck_assert_str_eq(k->canon, RFC7638_CANON);
	ck_assert_str_eq(k->thumb, RFC7638_THUMB);
	jwk_free(k);
}
END_TEST

START_TEST(test_jwk_from_json_rfc7515_p256)
{
	struct perr	 perr;
	struct jwk	*k;

	k = t_jwk(RFC7515_A3_JWK, &perr);
	ck_assert_msg(k != NULL, "%s", perr.detail);
	ck_assert_int_eq(k->kty, JWK_EC_P256);
	ck_assert_uint_eq(k->bits, 256);
	ck_assert_str_eq(k->canon, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\""
	    RFC7515_A3_X "\",\"y\":\"" RFC7515_A3_Y "\"}");
	jwk_free(k);
}
END_TEST

START_TEST(test_jwk_from_json_rfc8037_ed25519)
{
	struct perr	 perr;
	struct jwk	*k;

	k = t_jwk(RFC8037_JWK, &perr);
	ck_assert_msg(k != NULL, "%s", perr.detail);
	ck_assert_int_eq(k->kty, JWK_ED25519);
	ck_assert_str_eq(k->canon, "{\"crv\":\"Ed25519\",\"kty\":\"OKP\","
	    "\"x\":\"" RFC8037_X "\"}");
	ck_assert_str_eq(k->thumb, RFC8037_THUMB);
	jwk_free(k);
}
END_TEST

START_TEST(test_jwk_from_json_generated)
{
	const struct {
		struct tkey	*k;
		enum jwk_kty	 kty;
		unsigned int	 bits;
	} t[] = {
		{ &k_rsa, JWK_RSA, 2048 },
		{ &k_p256, JWK_EC_P256, 256 },
		{ &k_p384, JWK_EC_P384, 384 },
		{ &k_p521, JWK_EC_P521, 521 },
		{ &k_ed, JWK_ED25519, 256 },
	};
	struct perr	 perr;
	struct jwk	*k, *k2;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		k = t_jwk(t[i].k->jwk, &perr);
		ck_assert_msg(k != NULL, "%s: %s", t[i].k->jwk, perr.detail);
		ck_assert_int_eq(k->kty, t[i].kty);
		ck_assert_uint_eq(k->bits, t[i].bits);
		ck_assert_uint_eq(strlen(k->thumb), ACMEGW_THUMB_LEN);
		/* the canonical form imports to the same key */
		k2 = jwk_from_canon(k->canon);
		ck_assert_ptr_nonnull(k2);
		ck_assert_str_eq(k2->canon, k->canon);
		ck_assert(jwk_is_same(k, k2));
		jwk_free(k2);
		jwk_free(k);
	}
}
END_TEST

START_TEST(test_jwk_from_json_alg_and_use_ok)
{
	struct perr	 perr;
	struct jwk	*k;
	char		*s;

	s = t_printf("{\"use\":\"sig\",\"e\":\"AQAB\",\"alg\":\"RS256\","
	    "\"n\":\"%s\",\"kty\":\"RSA\"}", RFC7638_N);
	k = t_jwk(s, &perr);
	ck_assert_msg(k != NULL, "%s", perr.detail);
	/* optional members and member order do not change the thumbprint */
	ck_assert_str_eq(k->thumb, RFC7638_THUMB);
	ck_assert_str_eq(k->canon, RFC7638_CANON);
	jwk_free(k);
	free(s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* jwk_from_json: refused keys                                          */
/* ------------------------------------------------------------------ */

START_TEST(test_jwk_from_json_not_object)
{
	struct perr	 perr;

	t_refused("[]", ACME_PROB_MALFORMED, NULL);
	t_refused("\"RSA\"", ACME_PROB_MALFORMED, NULL);
	memset(&perr, 0, sizeof(perr));
	ck_assert_ptr_null(jwk_from_json(NULL, &perr));
	ck_assert_int_eq(perr.prob, ACME_PROB_MALFORMED);
}
END_TEST

START_TEST(test_jwk_from_json_kty_missing)
{
	t_refused("{\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\"}",
	    ACME_PROB_MALFORMED, "kty");
	t_refused("{\"kty\":7,\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\"}",
	    ACME_PROB_MALFORMED, "kty");
	t_refused("{\"kty\":null}", ACME_PROB_MALFORMED, "kty");
}
END_TEST

START_TEST(test_jwk_from_json_J16_kty_oct)
{
	t_refused("{\"kty\":\"oct\",\"k\":\"" RFC7515_A1_KEY "\"}",
	    ACME_PROB_BAD_PUBKEY, "oct");
	t_refused("{\"kty\":\"oct\"}", ACME_PROB_BAD_PUBKEY, NULL);
}
END_TEST

START_TEST(test_jwk_from_json_unknown_kty)
{
	t_refused("{\"kty\":\"DSA\"}", ACME_PROB_BAD_PUBKEY, "DSA");
	t_refused("{\"kty\":\"rsa\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\"}",
	    ACME_PROB_BAD_PUBKEY, NULL);
	t_refused("{\"kty\":\"\"}", ACME_PROB_BAD_PUBKEY, NULL);
}
END_TEST

START_TEST(test_jwk_from_json_J16_private_members)
{
	static const char *const priv[] = {
		"d", "p", "q", "dp", "dq", "qi", "oth", "k"
	};
	char	*s;
	size_t	 i;

	for (i = 0; i < sizeof(priv) / sizeof(priv[0]); i++) {
		s = t_with_raw(RFC7638_JWK, priv[i], "\"AQAB\"");
		t_refused(s, ACME_PROB_MALFORMED, "private");
		free(s);
		s = t_with_raw(RFC7515_A3_JWK, priv[i], "\"AQAB\"");
		t_refused(s, ACME_PROB_MALFORMED, "private");
		free(s);
	}
	s = t_with_raw(RFC8037_JWK, "d",
	    "\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\"");
	t_refused(s, ACME_PROB_MALFORMED, "private");
	free(s);
}
END_TEST

START_TEST(test_jwk_from_json_J15_kid_x5c)
{
	static const char *const mem[] = {
		"kid", "x5c", "x5u", "x5t", "x5t#S256", "jku"
	};
	char	*s;
	size_t	 i;

	t_refused(RFC7638_JWK_WITH_KID, ACME_PROB_MALFORMED, "kid");
	for (i = 0; i < sizeof(mem) / sizeof(mem[0]); i++) {
		s = t_with_raw(RFC7515_A3_JWK, mem[i], "\"x\"");
		t_refused(s, ACME_PROB_MALFORMED, mem[i]);
		free(s);
	}
}
END_TEST

START_TEST(test_jwk_from_json_unknown_member)
{
	char	*s;

	s = t_with_raw(RFC7638_JWK, "key_ops", "[\"verify\"]");
	t_refused(s, ACME_PROB_MALFORMED, "key_ops");
	free(s);
	/* members of another key type */
	s = t_with_raw(RFC7638_JWK, "crv", "\"P-256\"");
	t_refused(s, ACME_PROB_MALFORMED, "crv");
	free(s);
	s = t_with_raw(RFC7515_A3_JWK, "n", "\"AQAB\"");
	t_refused(s, ACME_PROB_MALFORMED, "\"n\"");
	free(s);
	s = t_with_raw(RFC8037_JWK, "y", "\"" RFC8037_X "\"");
	t_refused(s, ACME_PROB_MALFORMED, "\"y\"");
	free(s);
}
END_TEST

START_TEST(test_jwk_from_json_missing_members)
{
	t_refused("{\"kty\":\"RSA\",\"e\":\"AQAB\"}", ACME_PROB_MALFORMED,
	    "n is missing");
	t_refused("{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\"}",
	    ACME_PROB_MALFORMED, "e is missing");
	t_refused("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" RFC7515_A3_X
	    "\"}", ACME_PROB_MALFORMED, "y is missing");
	t_refused("{\"kty\":\"EC\",\"x\":\"" RFC7515_A3_X "\",\"y\":\""
	    RFC7515_A3_Y "\"}", ACME_PROB_MALFORMED, "crv");
	t_refused("{\"kty\":\"OKP\",\"crv\":\"Ed25519\"}", ACME_PROB_MALFORMED,
	    "x is missing");
}
END_TEST

START_TEST(test_jwk_from_json_member_not_string)
{
	char	*s;

	s = t_with_raw(RFC7638_JWK, "e", "65537");
	t_refused(s, ACME_PROB_MALFORMED, "not a string");
	free(s);
	s = t_with_raw(RFC7515_A3_JWK, "x", "[1]");
	t_refused(s, ACME_PROB_MALFORMED, "not a string");
	free(s);
	s = t_with_raw(RFC7515_A3_JWK, "crv", "256");
	t_refused(s, ACME_PROB_MALFORMED, "not a string");
	free(s);
	s = t_with_raw(RFC7638_JWK, "alg", "null");
	t_refused(s, ACME_PROB_MALFORMED, "not a string");
	free(s);
}
END_TEST

START_TEST(test_jwk_from_json_J28_nul_in_member)
{
	t_refused("{\"kty\":\"RSA\\u0000\",\"n\":\"" RFC7638_N "\","
	    "\"e\":\"AQAB\"}", ACME_PROB_MALFORMED, NULL);
	t_refused("{\"kty\":\"EC\",\"crv\":\"P-256\\u0000x\",\"x\":\""
	    RFC7515_A3_X "\",\"y\":\"" RFC7515_A3_Y "\"}",
	    ACME_PROB_MALFORMED, NULL);
}
END_TEST

START_TEST(test_jwk_from_json_J29_noncanonical_b64)
{
	char	*s;

	/* padding */
	t_refused("{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB=\"}",
	    ACME_PROB_MALFORMED, "base64url");
	s = t_subst(RFC7515_A3_JWK, RFC7515_A3_X, RFC7515_A3_X "=");
	t_refused(s, ACME_PROB_MALFORMED, "base64url");
	free(s);
	/* standard alphabet instead of the URL one */
	s = t_subst(RFC7515_A3_JWK, "x_FEz", "x/FEz");
	t_refused(s, ACME_PROB_MALFORMED, "base64url");
	free(s);
	s = t_subst(RFC7638_JWK, "-kEgU", "+kEgU");
	t_refused(s, ACME_PROB_MALFORMED, "base64url");
	free(s);
	/* whitespace */
	s = t_subst(RFC7638_JWK, "0vx7ag", "0vx7 ag");
	t_refused(s, ACME_PROB_MALFORMED, "base64url");
	free(s);
	/* non-zero trailing bits: "AQAC" is fine base64 but "AQAB" -> "AQAC"
	 * decodes to 01 00 02; use a 43-char x with a non-zero last bit */
	s = t_subst(RFC8037_JWK, RFC8037_X,
	    "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURp");
	t_refused(s, ACME_PROB_MALFORMED, "base64url");
	free(s);
	/* empty */
	t_refused("{\"kty\":\"RSA\",\"n\":\"\",\"e\":\"AQAB\"}",
	    ACME_PROB_MALFORMED, NULL);
}
END_TEST

START_TEST(test_jwk_from_json_J4_alg_mismatch)
{
	char	*s;

	s = t_with_raw(RFC7638_JWK, "alg", "\"ES256\"");
	t_refused(s, ACME_PROB_MALFORMED, "RS256 expected");
	free(s);
	s = t_with_raw(RFC7638_JWK, "alg", "\"PS256\"");
	t_refused(s, ACME_PROB_MALFORMED, NULL);
	free(s);
	s = t_with_raw(RFC7515_A3_JWK, "alg", "\"ES384\"");
	t_refused(s, ACME_PROB_MALFORMED, "ES256 expected");
	free(s);
	s = t_with_raw(RFC8037_JWK, "alg", "\"Ed25519\"");
	t_refused(s, ACME_PROB_MALFORMED, "EdDSA expected");
	free(s);
	s = t_with_raw(RFC7515_A3_JWK, "alg", "\"none\"");
	t_refused(s, ACME_PROB_MALFORMED, NULL);
	free(s);
}
END_TEST

START_TEST(test_jwk_from_json_use_enc)
{
	char	*s;

	s = t_with_raw(RFC7638_JWK, "use", "\"enc\"");
	t_refused(s, ACME_PROB_MALFORMED, "use");
	free(s);
}
END_TEST

START_TEST(test_jwk_from_json_J20_rsa_n_leading_zero)
{
	unsigned char	*n, *p;
	size_t		 nsz;
	char		*s;

	n = t_member_bytes(RFC7638_JWK, "n", &nsz);
	p = calloc(1, nsz + 3);
	memcpy(p + 3, n, nsz);
	s = t_with_member(RFC7638_JWK, "n", p, nsz + 3);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "leading zero");
	free(s);
	s = t_with_member(RFC7638_JWK, "n", p + 2, nsz + 1);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "leading zero");
	free(s);
	free(p);
	free(n);
}
END_TEST

START_TEST(test_jwk_from_json_J20_rsa_e_leading_zero)
{
	t_refused("{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AAEAAQ\"}",
	    ACME_PROB_BAD_PUBKEY, "65537");
}
END_TEST

START_TEST(test_jwk_from_json_J21_rsa_1024)
{
	t_refused(k_rsa1024.jwk, ACME_PROB_BAD_PUBKEY,
	    "RSA modulus is 1024 bits; 2048 to 8192 required");
}
END_TEST

START_TEST(test_jwk_from_json_J21_rsa_512)
{
	unsigned char	 n[64];
	char		*s;

	memset(n, 0xc5, sizeof(n));
	n[63] = 0x01;
	s = t_with_member(RFC7638_JWK, "n", n, sizeof(n));
	t_refused(s, ACME_PROB_BAD_PUBKEY, "512 bits");
	free(s);
}
END_TEST

START_TEST(test_jwk_from_json_J21_rsa_e_small)
{
	/* e = 3, 1, 2 (even), 65539, and 2^16+1 with extra bytes */
	static const char *const e[] = {
		"Aw", "AQ", "Ag", "AQAD", "AQABAA", "AAAAAQAB"
	};
	char	*s;
	size_t	 i;

	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		s = t_printf("{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"}",
		    RFC7638_N, e[i]);
		t_refused(s, ACME_PROB_BAD_PUBKEY, "65537");
		free(s);
	}
}
END_TEST

START_TEST(test_jwk_from_json_J21_rsa_not_multiple_of_8)
{
	unsigned char	*n, *p;
	size_t		 nsz;
	char		*s;

	/* 2049 bits: 0x01 followed by the 2048-bit RFC modulus */
	n = t_member_bytes(RFC7638_JWK, "n", &nsz);
	p = malloc(nsz + 1);
	p[0] = 0x01;
	memcpy(p + 1, n, nsz);
	s = t_with_member(RFC7638_JWK, "n", p, nsz + 1);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "2049 bits, not a multiple of 8");
	free(s);
	/* 2047 bits: the modulus shifted right by one */
	n[0] >>= 1;
	s = t_with_member(RFC7638_JWK, "n", n, nsz);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "2047 bits");
	free(s);
	free(p);
	free(n);
}
END_TEST

START_TEST(test_jwk_from_json_J21_rsa_too_large)
{
	unsigned char	*n;
	char		*s;

	n = malloc(1025);
	memset(n, 0xab, 1025);
	s = t_with_member(RFC7638_JWK, "n", n, 1025);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "8192");
	free(s);
	free(n);
}
END_TEST

START_TEST(test_jwk_from_json_J21_rsa_even_or_small_factor)
{
	unsigned char	*n;
	size_t		 nsz;
	char		*s;

	n = t_member_bytes(RFC7638_JWK, "n", &nsz);
	n[nsz - 1] &= 0xfe;		/* even modulus */
	s = t_with_member(RFC7638_JWK, "n", n, nsz);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "small prime factor");
	free(s);
	memset(n, 0xff, nsz);		/* 2^2048 - 1: divisible by 3 */
	s = t_with_member(RFC7638_JWK, "n", n, nsz);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "small prime factor");
	free(s);
	free(n);
}
END_TEST

/* An odd 8192-bit number without prime factors below 752 is accepted. */
START_TEST(test_jwk_from_json_rsa_8192_bits_ok)
{
	unsigned char	 n[1024];
	unsigned int	 p, d, r, bad;
	struct perr	 perr;
	struct jwk	*k;
	size_t		 i;
	char		*s;

	ck_assert_int_eq(gnutls_rnd(GNUTLS_RND_NONCE, n, sizeof(n)), 0);
	n[0] |= 0x80;
	n[sizeof(n) - 1] |= 1;
	do {
		bad = 0;
		for (p = 3; p < 752 && !bad; p += 2) {
			for (d = 3; d * d <= p; d += 2)
				if (p % d == 0)
					break;
			if (d * d <= p)
				continue;
			for (r = 0, i = 0; i < sizeof(n); i++)
				r = (r * 256 + n[i]) % p;
			bad = r == 0;
		}
		if (bad)
			n[sizeof(n) - 2]++;
	} while (bad);
	s = t_with_member(RFC7638_JWK, "n", n, sizeof(n));
	k = t_jwk(s, &perr);
	ck_assert_msg(k != NULL, "%s", perr.detail);
	ck_assert_uint_eq(k->bits, 8192);
	jwk_free(k);
	free(s);
}
END_TEST

START_TEST(test_jwk_from_json_J17_unsupported_curves)
{
	static const char *const crv[] = {
		"P-192", "P-224", "secp256k1", "brainpoolP256r1", "p-256", ""
	};
	char	*s;
	size_t	 i;

	for (i = 0; i < sizeof(crv) / sizeof(crv[0]); i++) {
		s = t_printf("{\"kty\":\"EC\",\"crv\":\"%s\",\"x\":\"%s\","
		    "\"y\":\"%s\"}", crv[i], RFC7515_A3_X, RFC7515_A3_Y);
		t_refused(s, ACME_PROB_BAD_PUBKEY, "curve");
		free(s);
	}
}
END_TEST

START_TEST(test_jwk_from_json_J17_okp_ed448_x25519)
{
	t_refused("{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\"" RFC8037_X
	    "\"}", ACME_PROB_BAD_PUBKEY, "Ed448");
	t_refused("{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"" RFC8037_X
	    "\"}", ACME_PROB_BAD_PUBKEY, "X25519");
	/* Ed25519 is an OKP curve, not an EC one */
	t_refused("{\"kty\":\"EC\",\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X
	    "\",\"y\":\"" RFC8037_X "\"}", ACME_PROB_BAD_PUBKEY, NULL);
}
END_TEST

START_TEST(test_jwk_from_json_J18_off_curve)
{
	unsigned char	*y;
	size_t		 ysz;
	char		*s;

	y = t_member_bytes(RFC7515_A3_JWK, "y", &ysz);
	y[ysz - 1] ^= 0x01;
	s = t_with_member(RFC7515_A3_JWK, "y", y, ysz);
	/* GnuTLS imports it; only gnutls_pubkey_verify_params() objects */
	t_refused(s, ACME_PROB_BAD_PUBKEY, "not a point on P-256");
	free(s);
	free(y);
}
END_TEST

START_TEST(test_jwk_from_json_J18_zero_point)
{
	unsigned char	 z[66];
	char		*s, *t;

	memset(z, 0, sizeof(z));
	s = t_with_member(RFC7515_A3_JWK, "x", z, 32);
	t = t_with_member(s, "y", z, 32);
	t_refused(t, ACME_PROB_BAD_PUBKEY, NULL);
	free(s);
	free(t);
	s = t_printf("{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"%s\","
	    "\"y\":\"%s\"}", "", "");
	t_refused(s, ACME_PROB_MALFORMED, NULL);
	free(s);
}
END_TEST

START_TEST(test_jwk_from_json_J18_off_curve_generated)
{
	struct tkey	*ks[] = { &k_p256, &k_p384, &k_p521 };
	unsigned char	*x;
	size_t		 i, xsz;
	char		*s;

	for (i = 0; i < 3; i++) {
		x = t_member_bytes(ks[i]->jwk, "x", &xsz);
		x[xsz / 2] ^= 0x10;
		s = t_with_member(ks[i]->jwk, "x", x, xsz);
		t_refused(s, ACME_PROB_BAD_PUBKEY, NULL);
		free(s);
		free(x);
	}
}
END_TEST

START_TEST(test_jwk_from_json_J19_coordinate_length)
{
	unsigned char	*x, *p;
	size_t		 xsz;
	char		*s;

	x = t_member_bytes(RFC7515_A3_JWK, "x", &xsz);
	ck_assert_uint_eq(xsz, 32);
	p = calloc(1, xsz + 1);
	memcpy(p + 1, x, xsz);
	/* 33 bytes with a leading zero: GnuTLS alone takes it */
	s = t_with_member(RFC7515_A3_JWK, "x", p, xsz + 1);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "x is 33 bytes");
	free(s);
	/* 31 bytes */
	s = t_with_member(RFC7515_A3_JWK, "x", x + 1, xsz - 1);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "x is 31 bytes");
	free(s);
	/* y short */
	s = t_with_member(RFC7515_A3_JWK, "y", x + 1, xsz - 1);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "y is 31 bytes");
	free(s);
	/* P-256 coordinates under crv P-384 */
	s = t_subst(RFC7515_A3_JWK, "P-256", "P-384");
	t_refused(s, ACME_PROB_BAD_PUBKEY, "P-384 requires exactly 48");
	free(s);
	free(p);
	free(x);
}
END_TEST

START_TEST(test_jwk_from_json_J19_p521_short)
{
	unsigned char	*x;
	size_t		 xsz;
	char		*s;

	/* P-521 coordinates are 66 bytes even when the top one is zero */
	x = t_member_bytes(k_p521.jwk, "x", &xsz);
	ck_assert_uint_eq(xsz, 66);
	s = t_with_member(k_p521.jwk, "x", x + 1, 65);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "66");
	free(s);
	free(x);
}
END_TEST

START_TEST(test_jwk_from_json_J30_ed25519_length)
{
	unsigned char	*x, *p;
	size_t		 xsz;
	char		*s;

	x = t_member_bytes(RFC8037_JWK, "x", &xsz);
	s = t_with_member(RFC8037_JWK, "x", x, 31);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "31 bytes");
	free(s);
	p = calloc(1, 33);
	memcpy(p, x, 32);
	s = t_with_member(RFC8037_JWK, "x", p, 33);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "33 bytes");
	free(s);
	free(p);
	free(x);
}
END_TEST

START_TEST(test_jwk_from_json_J30_ed25519_small_order)
{
	static const unsigned char order8[32] = {
		0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3,
		0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05,
		0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
		0xfc, 0x05
	};
	unsigned char	 x[32];
	char		*s;

	memset(x, 0, sizeof(x));		/* y = 0 */
	s = t_with_member(RFC8037_JWK, "x", x, 32);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "small order");
	free(s);
	x[0] = 1;				/* the neutral element */
	s = t_with_member(RFC8037_JWK, "x", x, 32);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "small order");
	free(s);
	x[31] = 0x80;				/* same, sign bit set */
	s = t_with_member(RFC8037_JWK, "x", x, 32);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "small order");
	free(s);
	s = t_with_member(RFC8037_JWK, "x", order8, 32);
	t_refused(s, ACME_PROB_BAD_PUBKEY, "small order");
	free(s);
	memset(x, 0xff, sizeof(x));		/* y = 2^255 - 1 >= p */
	x[31] = 0x7f;
	s = t_with_member(RFC8037_JWK, "x", x, 32);
	t_refused(s, ACME_PROB_BAD_PUBKEY, NULL);
	free(s);
	x[0] = 0xed;				/* y = p */
	s = t_with_member(RFC8037_JWK, "x", x, 32);
	t_refused(s, ACME_PROB_BAD_PUBKEY, NULL);
	free(s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* jwk_from_canon                                                       */
/* ------------------------------------------------------------------ */

START_TEST(test_jwk_from_canon_roundtrip)
{
	struct jwk	*k;

	k = jwk_from_canon(RFC7638_CANON);
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->thumb, RFC7638_THUMB);
	ck_assert_str_eq(k->canon, RFC7638_CANON);
	jwk_free(k);
}
END_TEST

START_TEST(test_jwk_from_canon_bad)
{
	ck_assert_ptr_null(jwk_from_canon(NULL));
	ck_assert_ptr_null(jwk_from_canon(""));
	ck_assert_ptr_null(jwk_from_canon("{"));
	ck_assert_ptr_null(jwk_from_canon("{\"kty\":\"oct\"}"));
	ck_assert_ptr_null(jwk_from_canon(RFC7638_CANON " x"));
	ck_assert_ptr_null(jwk_from_canon("{\"e\":\"AQAB\",\"e\":\"AQAB\","
	    "\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\"}"));
	ck_assert_ptr_null(jwk_from_canon(k_rsa1024.jwk));
}
END_TEST

/* ------------------------------------------------------------------ */
/* jwk_from_pem                                                         */
/* ------------------------------------------------------------------ */

START_TEST(test_jwk_from_pem_generated)
{
	struct tkey	*ks[] = { &k_rsa, &k_p256, &k_p384, &k_p521, &k_ed };
	struct perr	 perr;
	struct jwk	*a, *b;
	size_t		 i;

	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		memset(&perr, 0, sizeof(perr));
		a = jwk_from_pem(ks[i]->pem, strlen(ks[i]->pem), &perr);
		ck_assert_msg(a != NULL, "%s", perr.detail);
		b = t_jwk(ks[i]->jwk, &perr);
		ck_assert_ptr_nonnull(b);
		ck_assert_str_eq(a->canon, b->canon);
		ck_assert(jwk_is_same(a, b));
		jwk_free(a);
		jwk_free(b);
	}
}
END_TEST

START_TEST(test_jwk_from_pem_J21_rsa_1024)
{
	struct perr	 perr;

	memset(&perr, 0, sizeof(perr));
	ck_assert_ptr_null(jwk_from_pem(k_rsa1024.pem, strlen(k_rsa1024.pem),
	    &perr));
	ck_assert_int_eq(perr.prob, ACME_PROB_BAD_PUBKEY);
	ck_assert_ptr_nonnull(strstr(perr.detail, "1024 bits"));
}
END_TEST

START_TEST(test_jwk_from_pem_garbage)
{
	static const char *const bad[] = {
		"",
		"not a key",
		"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
		"-----BEGIN CERTIFICATE-----\nMIIB\n"
		    "-----END CERTIFICATE-----\n",
	};
	struct perr	 perr;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&perr, 0, sizeof(perr));
		ck_assert_ptr_null(jwk_from_pem(bad[i], strlen(bad[i]),
		    &perr));
		ck_assert_int_eq(perr.prob, ACME_PROB_BAD_PUBKEY);
	}
	memset(&perr, 0, sizeof(perr));
	ck_assert_ptr_null(jwk_from_pem(NULL, 0, &perr));
	ck_assert_int_eq(perr.prob, ACME_PROB_BAD_PUBKEY);
}
END_TEST

START_TEST(test_jwk_from_pem_private_key)
{
	struct perr	 perr;
	gnutls_x509_privkey_t xk;
	gnutls_datum_t	 d = { NULL, 0 };

	/* A PEM private key is not a public key file */
	ck_assert_int_eq(gnutls_privkey_export_x509(k_p256.priv, &xk), 0);
	ck_assert_int_eq(gnutls_x509_privkey_export2(xk, GNUTLS_X509_FMT_PEM,
	    &d), 0);
	memset(&perr, 0, sizeof(perr));
	ck_assert_ptr_null(jwk_from_pem((char *)d.data, d.size, &perr));
	ck_assert_int_eq(perr.prob, ACME_PROB_BAD_PUBKEY);
	gnutls_free(d.data);
	gnutls_x509_privkey_deinit(xk);
}
END_TEST

START_TEST(test_jwk_from_pem_J17_ed448)
{
	struct tkey	 k;
	struct perr	 perr;
	gnutls_datum_t	 d = { NULL, 0 };

	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(gnutls_privkey_init(&k.priv), 0);
	ck_assert_int_eq(gnutls_privkey_generate(k.priv,
	    GNUTLS_PK_EDDSA_ED448, GNUTLS_CURVE_TO_BITS(
	    GNUTLS_ECC_CURVE_ED448), 0), 0);
	ck_assert_int_eq(gnutls_pubkey_init(&k.pub), 0);
	ck_assert_int_eq(gnutls_pubkey_import_privkey(k.pub, k.priv, 0, 0), 0);
	ck_assert_int_eq(gnutls_pubkey_export2(k.pub, GNUTLS_X509_FMT_PEM, &d),
	    0);
	memset(&perr, 0, sizeof(perr));
	ck_assert_ptr_null(jwk_from_pem((char *)d.data, d.size, &perr));
	ck_assert_int_eq(perr.prob, ACME_PROB_BAD_PUBKEY);
	gnutls_free(d.data);
	t_keyfree(&k);
}
END_TEST

/* ------------------------------------------------------------------ */
/* jwk_thumbprint, jwk_is_same, jwk_free                                */
/* ------------------------------------------------------------------ */

START_TEST(test_jwk_thumbprint_rfc7638)
{
	char	 out[ACMEGW_THUMB_LEN + 1];

	ck_assert_int_eq(jwk_thumbprint(RFC7638_CANON, out, sizeof(out)), 0);
	ck_assert_str_eq(out, RFC7638_THUMB);
	ck_assert_int_eq(jwk_thumbprint("{\"crv\":\"Ed25519\",\"kty\":\"OKP\","
	    "\"x\":\"" RFC8037_X "\"}", out, sizeof(out)), 0);
	ck_assert_str_eq(out, RFC8037_THUMB);
}
END_TEST

START_TEST(test_jwk_thumbprint_small_buffer)
{
	char	 out[ACMEGW_THUMB_LEN];

	ck_assert_int_eq(jwk_thumbprint(RFC7638_CANON, out, sizeof(out)), -1);
	ck_assert_int_eq(jwk_thumbprint(NULL, out, sizeof(out)), -1);
}
END_TEST

START_TEST(test_jwk_is_same)
{
	struct perr	 perr;
	struct jwk	*a, *b, *c;

	a = t_jwk(RFC7638_JWK, &perr);
	b = t_jwk("{\"n\":\"" RFC7638_N "\",\"kty\":\"RSA\",\"e\":\"AQAB\"}",
	    &perr);
	c = t_jwk(RFC7515_A2_JWK, &perr);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(jwk_is_same(a, b), 1);
	ck_assert_int_eq(jwk_is_same(a, c), 0);
	ck_assert_int_eq(jwk_is_same(a, NULL), 0);
	ck_assert_int_eq(jwk_is_same(NULL, NULL), 0);
	jwk_free(a);
	jwk_free(b);
	jwk_free(c);
	jwk_free(NULL);
}
END_TEST

START_TEST(test_jwk_kty_alg_table)
{
	ck_assert_str_eq(jwk_kty_alg[JWK_RSA], "RS256");
	ck_assert_str_eq(jwk_kty_alg[JWK_EC_P256], "ES256");
	ck_assert_str_eq(jwk_kty_alg[JWK_EC_P384], "ES384");
	ck_assert_str_eq(jwk_kty_alg[JWK_EC_P521], "ES512");
	ck_assert_str_eq(jwk_kty_alg[JWK_ED25519], "EdDSA");
}
END_TEST

static Suite *
jwk_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("jwk");

	tc = tcase_create("jwk_from_json");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_jwk_from_json_rfc7638_rsa);
	tcase_add_test(tc, test_jwk_from_json_rfc7515_p256);
	tcase_add_test(tc, test_jwk_from_json_rfc8037_ed25519);
	tcase_add_test(tc, test_jwk_from_json_generated);
	tcase_add_test(tc, test_jwk_from_json_alg_and_use_ok);
	tcase_add_test(tc, test_jwk_from_json_rsa_8192_bits_ok);
	tcase_add_test(tc, test_jwk_from_json_not_object);
	tcase_add_test(tc, test_jwk_from_json_kty_missing);
	tcase_add_test(tc, test_jwk_from_json_J16_kty_oct);
	tcase_add_test(tc, test_jwk_from_json_unknown_kty);
	tcase_add_test(tc, test_jwk_from_json_J16_private_members);
	tcase_add_test(tc, test_jwk_from_json_J15_kid_x5c);
	tcase_add_test(tc, test_jwk_from_json_unknown_member);
	tcase_add_test(tc, test_jwk_from_json_missing_members);
	tcase_add_test(tc, test_jwk_from_json_member_not_string);
	tcase_add_test(tc, test_jwk_from_json_J28_nul_in_member);
	tcase_add_test(tc, test_jwk_from_json_J29_noncanonical_b64);
	tcase_add_test(tc, test_jwk_from_json_J4_alg_mismatch);
	tcase_add_test(tc, test_jwk_from_json_use_enc);
	tcase_add_test(tc, test_jwk_from_json_J20_rsa_n_leading_zero);
	tcase_add_test(tc, test_jwk_from_json_J20_rsa_e_leading_zero);
	tcase_add_test(tc, test_jwk_from_json_J21_rsa_1024);
	tcase_add_test(tc, test_jwk_from_json_J21_rsa_512);
	tcase_add_test(tc, test_jwk_from_json_J21_rsa_e_small);
	tcase_add_test(tc, test_jwk_from_json_J21_rsa_not_multiple_of_8);
	tcase_add_test(tc, test_jwk_from_json_J21_rsa_too_large);
	tcase_add_test(tc, test_jwk_from_json_J21_rsa_even_or_small_factor);
	tcase_add_test(tc, test_jwk_from_json_J17_unsupported_curves);
	tcase_add_test(tc, test_jwk_from_json_J17_okp_ed448_x25519);
	tcase_add_test(tc, test_jwk_from_json_J18_off_curve);
	tcase_add_test(tc, test_jwk_from_json_J18_zero_point);
	tcase_add_test(tc, test_jwk_from_json_J18_off_curve_generated);
	tcase_add_test(tc, test_jwk_from_json_J19_coordinate_length);
	tcase_add_test(tc, test_jwk_from_json_J19_p521_short);
	tcase_add_test(tc, test_jwk_from_json_J30_ed25519_length);
	tcase_add_test(tc, test_jwk_from_json_J30_ed25519_small_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("jwk_from_canon");
	tcase_add_test(tc, test_jwk_from_canon_roundtrip);
	tcase_add_test(tc, test_jwk_from_canon_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("jwk_from_pem");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_jwk_from_pem_generated);
	tcase_add_test(tc, test_jwk_from_pem_J21_rsa_1024);
	tcase_add_test(tc, test_jwk_from_pem_garbage);
	tcase_add_test(tc, test_jwk_from_pem_private_key);
	tcase_add_test(tc, test_jwk_from_pem_J17_ed448);
	suite_add_tcase(s, tc);

	tc = tcase_create("jwk_thumbprint");
	tcase_add_test(tc, test_jwk_thumbprint_rfc7638);
	tcase_add_test(tc, test_jwk_thumbprint_small_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("jwk_is_same");
	tcase_add_test(tc, test_jwk_is_same);
	tcase_add_test(tc, test_jwk_kty_alg_table);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	t_keygen(&k_rsa, GNUTLS_PK_RSA, 2048);
	t_keygen(&k_rsa1024, GNUTLS_PK_RSA, 1024);
	t_keygen(&k_p256, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1));
	t_keygen(&k_p384, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1));
	t_keygen(&k_p521, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP521R1));
	t_keygen(&k_ed, GNUTLS_PK_EDDSA_ED25519,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519));

	sr = srunner_create(jwk_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);

	t_keyfree(&k_rsa);
	t_keyfree(&k_rsa1024);
	t_keyfree(&k_p256);
	t_keyfree(&k_p384);
	t_keyfree(&k_p521);
	t_keyfree(&k_ed);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

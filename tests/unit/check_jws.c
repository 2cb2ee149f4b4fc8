/*
 * check_jws.c: unit tests for jws.c (flattened JWS parsing, header policy,
 * signature and EAB MAC checks).  Ids in test names are SECURITY.md rows.
 * Good requests are signed here with keys GnuTLS generates at start-up;
 * every bad variant is derived from them.
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

#define URL	"https://acme.test/acme/new-account"
#define NONCE	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define KID	"https://acme.test/acme/acct/AAAAAAAAAAAAAAAAAAAAAA"
#define PAYLOAD	"{\"termsOfServiceAgreed\":true}"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

static const char b64a[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Our own base64url, so the tests do not trust b64.c for their inputs. */
static char *
t_b64(const void *v, size_t n)
{
	const unsigned char	*p = v;
	char			*s, *o;
	size_t			 i;

	s = o = malloc(n * 4 / 3 + 4);
	T_REQUIRE(s != NULL);
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = b64a[p[i] >> 2];
		*o++ = b64a[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = b64a[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = b64a[p[i + 2] & 63];
	}
	if (n - i == 1) {
		*o++ = b64a[p[i] >> 2];
		*o++ = b64a[(p[i] & 3) << 4];
	} else if (n - i == 2) {
		*o++ = b64a[p[i] >> 2];
		*o++ = b64a[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = b64a[(p[i + 1] & 15) << 2];
	}
	*o = '\0';
	return s;
}

static unsigned char *
t_unb64(const char *s, size_t *outsz)
{
	unsigned char	*out;
	unsigned int	 acc = 0, bits = 0;
	const char	*c;
	size_t		 n = 0;

	out = malloc(strlen(s) + 1);
	ck_assert_ptr_nonnull(out);
	for (; *s != '\0'; s++) {
		c = strchr(b64a, *s);
		ck_assert_msg(c != NULL, "bad test base64url");
		acc = (acc << 6) | (unsigned int)(c - b64a);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	*outsz = n;
	return out;
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

/* A generated key pair, its public JWK JSON and its JOSE alg. */
struct tkey {
	gnutls_privkey_t	 priv;
	gnutls_pubkey_t		 pub;
	char			*jwk;
	enum jwk_kty		 kty;
	size_t			 clen;	/* ECDSA coordinate size */
};

static struct tkey	 keys[JWK__MAX], k_rsa2, k_rsa1024;

static const gnutls_sign_algorithm_t t_sign_default[JWK__MAX] = {
	GNUTLS_SIGN_RSA_SHA256, GNUTLS_SIGN_ECDSA_SHA256,
	GNUTLS_SIGN_ECDSA_SHA384, GNUTLS_SIGN_ECDSA_SHA512,
	GNUTLS_SIGN_EDDSA_ED25519,
};

/* Big-endian integer d left-padded (or stripped of zeros) to len bytes. */
static void
t_fixed(const gnutls_datum_t *d, unsigned char *out, size_t len)
{
	const unsigned char	*p = d->data;
	size_t			 n = d->size;

	while (n > len && *p == 0)
		p++, n--;
	T_REQUIRE(n <= len);
	memset(out, 0, len - n);
	memcpy(out + len - n, p, n);
}

static char *
t_pub_jwk(struct tkey *k)
{
	gnutls_datum_t		 a = { NULL, 0 }, b = { NULL, 0 };
	gnutls_ecc_curve_t	 curve;
	unsigned char		 xb[66], yb[66];
	char			*x, *y, *s;
	const char		*crv;

	if (k->kty == JWK_RSA) {
		T_REQUIRE(gnutls_pubkey_export_rsa_raw2(k->pub, &a, &b,
		    GNUTLS_EXPORT_FLAG_NO_LZ) == 0);
		x = t_b64(a.data, a.size);
		y = t_b64(b.data, b.size);
		s = t_printf("{\"kty\":\"RSA\",\"n\":\"%s\","
		    "\"e\":\"%s\"}", x, y);
		free(y);
	} else if (k->kty == JWK_ED25519) {
		T_REQUIRE(gnutls_pubkey_export_ecc_raw2(k->pub, &curve,
		    &a, NULL, 0) == 0);
		x = t_b64(a.data, a.size);
		s = t_printf("{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
		    "\"x\":\"%s\"}", x);
	} else {
		T_REQUIRE(gnutls_pubkey_export_ecc_raw2(k->pub, &curve,
		    &a, &b, GNUTLS_EXPORT_FLAG_NO_LZ) == 0);
		crv = k->kty == JWK_EC_P256 ? "P-256" :
		    k->kty == JWK_EC_P384 ? "P-384" : "P-521";
		t_fixed(&a, xb, k->clen);
		t_fixed(&b, yb, k->clen);
		x = t_b64(xb, k->clen);
		y = t_b64(yb, k->clen);
		s = t_printf("{\"kty\":\"EC\",\"crv\":\"%s\",\"x\":\"%s\","
		    "\"y\":\"%s\"}", crv, x, y);
		free(y);
	}
	free(x);
	gnutls_free(a.data);
	gnutls_free(b.data);
	return s;
}

static void
t_keygen(struct tkey *k, enum jwk_kty kty, unsigned int rsabits)
{
	static const size_t	 clen[JWK__MAX] = { 0, 32, 48, 66, 0 };
	gnutls_pk_algorithm_t	 pk;
	unsigned int		 bits;

	memset(k, 0, sizeof(*k));
	k->kty = kty;
	k->clen = clen[kty];
	switch (kty) {
	case JWK_RSA:
		pk = GNUTLS_PK_RSA;
		bits = rsabits;
		break;
	case JWK_EC_P256:
		pk = GNUTLS_PK_ECDSA;
		bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1);
		break;
	case JWK_EC_P384:
		pk = GNUTLS_PK_ECDSA;
		bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1);
		break;
	case JWK_EC_P521:
		pk = GNUTLS_PK_ECDSA;
		bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP521R1);
		break;
	default:
		pk = GNUTLS_PK_EDDSA_ED25519;
		bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519);
		break;
	}
	T_REQUIRE(gnutls_privkey_init(&k->priv) == 0);
	T_REQUIRE(gnutls_privkey_generate(k->priv, pk, bits, 0) == 0);
	T_REQUIRE(gnutls_pubkey_init(&k->pub) == 0);
	T_REQUIRE(gnutls_pubkey_import_privkey(k->pub, k->priv, 0, 0) ==
	    0);
	k->jwk = t_pub_jwk(k);
}

static void
t_keyfree(struct tkey *k)
{
	gnutls_privkey_deinit(k->priv);
	gnutls_pubkey_deinit(k->pub);
	free(k->jwk);
}

/*
 * Sign input with k using sign algorithm sa (0: the JOSE one for the key).
 * ECDSA comes back as raw r || s unless der is set.  Returns a new buffer.
 */
static unsigned char *
t_sign(struct tkey *k, gnutls_sign_algorithm_t sa, const char *input,
    size_t *sz, int der)
{
	gnutls_datum_t	 d, sig = { NULL, 0 }, r = { NULL, 0 },
			 s = { NULL, 0 };
	unsigned char	*out;

	if (sa == 0)
		sa = t_sign_default[k->kty];
	d.data = (unsigned char *)input;
	d.size = (unsigned int)strlen(input);
	ck_assert_int_eq(gnutls_privkey_sign_data2(k->priv, sa, 0, &d, &sig),
	    0);
	if (k->clen == 0 || der) {
		out = malloc(sig.size);
		memcpy(out, sig.data, sig.size);
		*sz = sig.size;
	} else {
		ck_assert_int_eq(gnutls_decode_rs_value(&sig, &r, &s), 0);
		out = malloc(2 * k->clen);
		t_fixed(&r, out, k->clen);
		t_fixed(&s, out + k->clen, k->clen);
		*sz = 2 * k->clen;
	}
	gnutls_free(sig.data);
	gnutls_free(r.data);
	gnutls_free(s.data);
	return out;
}

static char *
t_body(const char *p64, const char *pl64, const char *s64)
{
	return t_printf("{\"protected\":\"%s\",\"payload\":\"%s\","
	    "\"signature\":\"%s\"}", p64, pl64, s64);
}

/* The three base64url parts of a JWS over hdr and payload signed by k. */
static void
t_parts(const char *hdr, const char *payload, struct tkey *k,
    gnutls_sign_algorithm_t sa, int der, char **p64, char **pl64, char **s64)
{
	unsigned char	*sig;
	size_t		 sigsz;
	char		*input;

	*p64 = t_b64(hdr, strlen(hdr));
	*pl64 = t_b64(payload, strlen(payload));
	input = t_printf("%s.%s", *p64, *pl64);
	sig = t_sign(k, sa, input, &sigsz, der);
	*s64 = t_b64(sig, sigsz);
	free(sig);
	free(input);
}

/* A flattened JWS body over hdr and payload signed by k. */
static char *
t_jws(const char *hdr, const char *payload, struct tkey *k)
{
	char	*p64, *pl64, *s64, *b;

	t_parts(hdr, payload, k, 0, 0, &p64, &pl64, &s64);
	b = t_body(p64, pl64, s64);
	free(p64);
	free(pl64);
	free(s64);
	return b;
}

/* A body with a raw signature sig (sigsz bytes) over hdr and payload. */
static char *
t_jws_rawsig(const char *hdr, const char *payload, const unsigned char *sig,
    size_t sigsz)
{
	char	*p64, *pl64, *s64, *b;

	p64 = t_b64(hdr, strlen(hdr));
	pl64 = t_b64(payload, strlen(payload));
	s64 = t_b64(sig, sigsz);
	b = t_body(p64, pl64, s64);
	free(p64);
	free(pl64);
	free(s64);
	return b;
}

/* The signing input of hdr and payload, as jws.c must rebuild it. */
static char *
t_input(const char *hdr, const char *payload)
{
	char	*p64, *pl64, *s;

	p64 = t_b64(hdr, strlen(hdr));
	pl64 = t_b64(payload, strlen(payload));
	s = t_printf("%s.%s", p64, pl64);
	free(p64);
	free(pl64);
	return s;
}

/* An EAB JWS: hdr and payload MACed with key under hash mac. */
static char *
t_eab(const char *hdr, const char *payload, const unsigned char *key,
    size_t keysz, gnutls_mac_algorithm_t mac, size_t cut)
{
	unsigned char	 md[64];
	char		*input, *b;

	input = t_input(hdr, payload);
	ck_assert_int_eq(gnutls_hmac_fast(mac, key, keysz, input,
	    strlen(input), md), 0);
	b = t_jws_rawsig(hdr, payload, md, gnutls_hmac_get_len(mac) - cut);
	free(input);
	return b;
}

/* Standard headers. */
static char *
t_hdr_jwk(const char *alg, const struct tkey *k)
{
	return t_printf("{\"alg\":\"%s\",\"jwk\":%s,\"nonce\":\"" NONCE
	    "\",\"url\":\"" URL "\"}", alg, k->jwk);
}

static char *
t_hdr_kid(const char *alg)
{
	return t_printf("{\"alg\":\"%s\",\"kid\":\"" KID "\",\"nonce\":\""
	    NONCE "\",\"url\":\"" URL "\"}", alg);
}

static int
t_is_zero(const struct jws *jws)
{
	static const struct jws	 zero;

	return memcmp(jws, &zero, sizeof(zero)) == 0;
}

/* Expect jws_parse(body) to fail with want, detail containing sub. */
static void
t_bad(const char *body, enum jws_mode mode, enum acme_prob want,
    const char *sub)
{
	struct jws	 jws;
	struct perr	 perr;
	enum acme_prob	 got;

	memset(&perr, 0, sizeof(perr));
	got = jws_parse(body, body == NULL ? 0 : strlen(body), mode, &jws,
	    &perr);
	ck_assert_msg(got == want, "got %d (%s), wanted %d for %.300s", got,
	    perr.detail, want, body == NULL ? "(null)" : body);
	ck_assert_int_eq(perr.prob, want);
	ck_assert_msg(perr.detail[0] != '\0', "no detail");
	if (sub != NULL)
		ck_assert_msg(strstr(perr.detail, sub) != NULL,
		    "detail \"%s\" lacks \"%s\"", perr.detail, sub);
	ck_assert_msg(t_is_zero(&jws), "jws not cleared after failure");
	jws_clear(&jws);
}

/* Same, for a header signed by k (header-only variants). */
static void
t_bad_hdr(const char *hdr, struct tkey *k, enum jws_mode mode,
    enum acme_prob want, const char *sub)
{
	char	*b;

	b = t_jws(hdr, PAYLOAD, k);
	t_bad(b, mode, want, sub);
	free(b);
}

/* Parse body, which must succeed, into jws. */
static void
t_good(const char *body, enum jws_mode mode, struct jws *jws)
{
	struct perr	 perr;
	enum acme_prob	 got;

	memset(&perr, 0, sizeof(perr));
	got = jws_parse(body, strlen(body), mode, jws, &perr);
	ck_assert_msg(got == ACME_PROB_NONE, "refused (%d): %s -- %.300s", got,
	    perr.detail, body);
}

/* Parse body (must succeed) and verify with key (NULL: the header jwk). */
static void
t_verify(const char *body, enum jws_mode mode, const struct jwk *key,
    enum acme_prob want, const char *sub)
{
	struct jws	 jws;
	struct perr	 perr;
	enum acme_prob	 got;

	t_good(body, mode, &jws);
	memset(&perr, 0, sizeof(perr));
	got = jws_verify(&jws, key != NULL ? key : jws.jwk, &perr);
	ck_assert_msg(got == want, "verify got %d (%s), wanted %d", got,
	    perr.detail, want);
	if (want != ACME_PROB_NONE) {
		ck_assert_int_eq(perr.prob, want);
		if (sub != NULL)
			ck_assert_msg(strstr(perr.detail, sub) != NULL,
			    "detail \"%s\" lacks \"%s\"", perr.detail, sub);
	}
	jws_clear(&jws);
}

static struct jwk *
t_key(const struct tkey *k)
{
	struct json_object	*o;
	struct perr		 perr;
	struct jwk		*key;

	o = json_tokener_parse(k->jwk);
	ck_assert_ptr_nonnull(o);
	key = jwk_from_json(o, &perr);
	ck_assert_msg(key != NULL, "%s", perr.detail);
	json_object_put(o);
	return key;
}

/* A jws built by hand from RFC parts (no protected-header policy). */
static void
t_manual(struct jws *jws, const char *alg, const char *prot, const char *pay,
    const char *sig64)
{
	memset(jws, 0, sizeof(*jws));
	jws->alg = alg;
	jws->signing_input = t_printf("%s.%s", prot, pay);
	jws->signing_inputsz = strlen(jws->signing_input);
	jws->sig = t_unb64(sig64, &jws->sigsz);
}

/* ------------------------------------------------------------------ */
/* jws_parse: good requests                                             */
/* ------------------------------------------------------------------ */

START_TEST(test_jws_parse_outer_jwk_every_key)
{
	struct jws	 jws;
	struct jwk	*key;
	char		*hdr, *b, *input;
	int		 i;

	for (i = 0; i < JWK__MAX; i++) {
		hdr = t_hdr_jwk(jwk_kty_alg[i], &keys[i]);
		b = t_jws(hdr, PAYLOAD, &keys[i]);
		t_good(b, JWS_OUTER, &jws);
		ck_assert_str_eq(jws.alg, jwk_kty_alg[i]);
		ck_assert_str_eq(jws.url, URL);
		ck_assert_str_eq(jws.nonce, NONCE);
		ck_assert_ptr_null(jws.kid);
		ck_assert_ptr_nonnull(jws.jwk);
		ck_assert_int_eq(jws.jwk->kty, i);
		key = t_key(&keys[i]);
		ck_assert_str_eq(jws.jwk->thumb, key->thumb);
		ck_assert_uint_eq(jws.payloadsz, strlen(PAYLOAD));
		ck_assert_str_eq((char *)jws.payload, PAYLOAD);
		input = t_input(hdr, PAYLOAD);
		ck_assert_str_eq(jws.signing_input, input);
		ck_assert_uint_eq(jws.signing_inputsz, strlen(input));
		ck_assert_int_eq(jws_verify(&jws, jws.jwk, NULL),
		    ACME_PROB_NONE);
		ck_assert_int_eq(jws_verify(&jws, key, NULL), ACME_PROB_NONE);
		jws_clear(&jws);
		ck_assert(t_is_zero(&jws));
		jwk_free(key);
		free(input);
		free(hdr);
		free(b);
	}
}
END_TEST

START_TEST(test_jws_parse_outer_kid_every_key)
{
	struct jws	 jws;
	struct jwk	*key;
	char		*hdr, *b;
	int		 i;

	for (i = 0; i < JWK__MAX; i++) {
		hdr = t_hdr_kid(jwk_kty_alg[i]);
		b = t_jws(hdr, PAYLOAD, &keys[i]);
		t_good(b, JWS_OUTER, &jws);
		ck_assert_str_eq(jws.kid, KID);
		ck_assert_ptr_null(jws.jwk);
		key = t_key(&keys[i]);
		ck_assert_int_eq(jws_verify(&jws, key, NULL), ACME_PROB_NONE);
		jws_clear(&jws);
		jwk_free(key);
		free(hdr);
		free(b);
	}
}
END_TEST

START_TEST(test_jws_parse_post_as_get)
{
	struct jws	 jws;
	struct jwk	*key;
	char		*hdr, *b;

	hdr = t_hdr_kid("ES256");
	b = t_jws(hdr, "", &keys[JWK_EC_P256]);
	ck_assert_ptr_nonnull(strstr(b, "\"payload\":\"\""));
	t_good(b, JWS_OUTER, &jws);
	ck_assert_uint_eq(jws.payloadsz, 0);
	ck_assert_ptr_nonnull(jws.payload);
	ck_assert_int_eq(jws.payload[0], '\0');
	key = t_key(&keys[JWK_EC_P256]);
	ck_assert_int_eq(jws_verify(&jws, key, NULL), ACME_PROB_NONE);
	jws_clear(&jws);
	jwk_free(key);
	free(hdr);
	free(b);
}
END_TEST

START_TEST(test_jws_parse_nonce_absent)
{
	struct jws	 jws;
	char		*b;

	/* the router answers badNonce; parsing itself succeeds */
	b = t_jws("{\"alg\":\"RS256\",\"kid\":\"" KID "\",\"url\":\"" URL "\"}",
	    PAYLOAD, &keys[JWK_RSA]);
	t_good(b, JWS_OUTER, &jws);
	ck_assert_ptr_null(jws.nonce);
	jws_clear(&jws);
	free(b);
}
END_TEST

START_TEST(test_jws_parse_keychange_inner_ok)
{
	struct jws	 jws;
	char		*hdr, *b;
	int		 i;

	for (i = 0; i < JWK__MAX; i++) {
		hdr = t_printf("{\"alg\":\"%s\",\"jwk\":%s,\"url\":\"" URL
		    "\"}", jwk_kty_alg[i], keys[i].jwk);
		b = t_jws(hdr, "{\"account\":\"" KID "\",\"oldKey\":{}}",
		    &keys[i]);
		t_good(b, JWS_KEYCHANGE_INNER, &jws);
		ck_assert_ptr_nonnull(jws.jwk);
		ck_assert_ptr_null(jws.nonce);
		ck_assert_int_eq(jws_verify(&jws, jws.jwk, NULL),
		    ACME_PROB_NONE);
		jws_clear(&jws);
		free(hdr);
		free(b);
	}
}
END_TEST

START_TEST(test_jws_parse_eab_ok)
{
	static const struct {
		const char		*alg;
		gnutls_mac_algorithm_t	 mac;
	} t[] = {
		{ "HS256", GNUTLS_MAC_SHA256 },
		{ "HS384", GNUTLS_MAC_SHA384 },
		{ "HS512", GNUTLS_MAC_SHA512 },
	};
	unsigned char	 key[64];
	struct jws	 jws;
	char		*hdr, *b;
	size_t		 i;

	memset(key, 0x5a, sizeof(key));
	for (i = 0; i < 3; i++) {
		hdr = t_printf("{\"alg\":\"%s\",\"kid\":\"eab-1\",\"url\":\""
		    URL "\"}", t[i].alg);
		b = t_eab(hdr, keys[JWK_RSA].jwk, key,
		    gnutls_hmac_get_len(t[i].mac), t[i].mac, 0);
		t_good(b, JWS_EAB, &jws);
		ck_assert_str_eq(jws.kid, "eab-1");
		ck_assert_ptr_null(jws.jwk);
		ck_assert_str_eq((char *)jws.payload, keys[JWK_RSA].jwk);
		ck_assert_int_eq(jws_verify_mac(&jws, key,
		    gnutls_hmac_get_len(t[i].mac), NULL), ACME_PROB_NONE);
		/* a longer key is fine too */
		jws_clear(&jws);
		free(hdr);
		free(b);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* jws_parse: the algorithm (J1-J4)                                     */
/* ------------------------------------------------------------------ */

START_TEST(test_jws_parse_J1_alg_none)
{
	static const char *const algs[] = { "none", "None", "NONE", "" };
	char	*hdr;
	size_t	 i;

	for (i = 0; i < 4; i++) {
		hdr = t_hdr_kid(algs[i]);
		t_bad_hdr(hdr, &keys[JWK_RSA], JWS_OUTER,
		    ACME_PROB_BAD_SIG_ALG, "RS256 ES256 ES384 ES512 EdDSA");
		free(hdr);
		hdr = t_hdr_jwk(algs[i], &keys[JWK_EC_P256]);
		t_bad_hdr(hdr, &keys[JWK_EC_P256], JWS_OUTER,
		    ACME_PROB_BAD_SIG_ALG, NULL);
		free(hdr);
	}
}
END_TEST

START_TEST(test_jws_parse_J1_alg_none_empty_signature)
{
	char	*p64, *pl64, *b, *hdr;

	/* the classic unsigned token: alg none and no signature: the alg is
	 * what is refused (badSignatureAlgorithm), before the empty signature */
	hdr = t_hdr_kid("none");
	p64 = t_b64(hdr, strlen(hdr));
	pl64 = t_b64(PAYLOAD, strlen(PAYLOAD));
	b = t_body(p64, pl64, "");
	t_bad(b, JWS_OUTER, ACME_PROB_BAD_SIG_ALG, "none");
	free(b);
	free(p64);
	free(pl64);
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_J2_hs256_outer)
{
	struct jwk	*key;
	char		*hdr, *b;

	/* "signed" with the account key's public JSON as the HMAC secret */
	key = t_key(&keys[JWK_RSA]);
	hdr = t_hdr_kid("HS256");
	b = t_eab(hdr, PAYLOAD, (unsigned char *)key->canon,
	    strlen(key->canon), GNUTLS_MAC_SHA256, 0);
	t_bad(b, JWS_OUTER, ACME_PROB_BAD_SIG_ALG, "HS256");
	free(b);
	free(hdr);
	hdr = t_hdr_jwk("HS512", &keys[JWK_RSA]);
	b = t_eab(hdr, PAYLOAD, (unsigned char *)key->canon,
	    strlen(key->canon), GNUTLS_MAC_SHA512, 0);
	t_bad(b, JWS_OUTER, ACME_PROB_BAD_SIG_ALG, NULL);
	free(b);
	free(hdr);
	jwk_free(key);
}
END_TEST

START_TEST(test_jws_parse_J3_unsupported_algs)
{
	static const char *const algs[] = {
		"PS256", "RS384", "RS512", "RS1", "ES256K", "rs256", "es256",
		"Ed25519", "EdDSA ", "HS1"
	};
	char	*hdr;
	size_t	 i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		hdr = t_hdr_kid(algs[i]);
		t_bad_hdr(hdr, &keys[JWK_RSA], JWS_OUTER,
		    ACME_PROB_BAD_SIG_ALG, NULL);
		free(hdr);
	}
}
END_TEST

START_TEST(test_jws_parse_J3_alg_does_not_fit_jwk)
{
	static const struct {
		const char	*alg;
		enum jwk_kty	 kty;
	} t[] = {
		{ "ES256", JWK_RSA },
		{ "RS256", JWK_EC_P256 },
		{ "ES384", JWK_EC_P256 },
		{ "ES256", JWK_EC_P384 },
		{ "ES512", JWK_EC_P384 },
		{ "EdDSA", JWK_EC_P256 },
		{ "RS256", JWK_ED25519 },
	};
	char	*hdr;
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		hdr = t_hdr_jwk(t[i].alg, &keys[t[i].kty]);
		t_bad_hdr(hdr, &keys[t[i].kty], JWS_OUTER,
		    ACME_PROB_MALFORMED, jwk_kty_alg[t[i].kty]);
		free(hdr);
	}
}
END_TEST

START_TEST(test_jws_verify_J3_alg_does_not_fit_account_key)
{
	struct jwk	*rsa, *p384;
	char		*hdr, *b;

	rsa = t_key(&keys[JWK_RSA]);
	p384 = t_key(&keys[JWK_EC_P384]);
	hdr = t_hdr_kid("ES256");
	b = t_jws(hdr, PAYLOAD, &keys[JWK_EC_P256]);
	t_verify(b, JWS_OUTER, rsa, ACME_PROB_MALFORMED,
	    "JWS alg ES256 does not match the account key (RS256 expected)");
	t_verify(b, JWS_OUTER, p384, ACME_PROB_MALFORMED, "(ES384 expected)");
	free(b);
	free(hdr);
	hdr = t_hdr_kid("ES384");
	b = t_jws(hdr, PAYLOAD, &keys[JWK_EC_P384]);
	t_verify(b, JWS_OUTER, p384, ACME_PROB_NONE, NULL);
	t_verify(b, JWS_OUTER, rsa, ACME_PROB_MALFORMED, "RS256 expected");
	free(b);
	free(hdr);
	jwk_free(rsa);
	jwk_free(p384);
}
END_TEST

START_TEST(test_jws_verify_J3_hash_not_from_signature)
{
	static const struct {
		enum jwk_kty		 kty;
		gnutls_sign_algorithm_t	 sa;
	} t[] = {
		{ JWK_EC_P256, GNUTLS_SIGN_ECDSA_SHA1 },
		{ JWK_EC_P256, GNUTLS_SIGN_ECDSA_SHA384 },
		{ JWK_EC_P256, GNUTLS_SIGN_ECDSA_SHA512 },
		{ JWK_EC_P384, GNUTLS_SIGN_ECDSA_SHA256 },
		{ JWK_EC_P521, GNUTLS_SIGN_ECDSA_SHA256 },
		{ JWK_RSA, GNUTLS_SIGN_RSA_SHA1 },
		{ JWK_RSA, GNUTLS_SIGN_RSA_SHA512 },
		{ JWK_RSA, GNUTLS_SIGN_RSA_PSS_RSAE_SHA256 },
	};
	char	*hdr, *p64, *pl64, *s64, *b;
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		hdr = t_hdr_jwk(jwk_kty_alg[t[i].kty], &keys[t[i].kty]);
		t_parts(hdr, PAYLOAD, &keys[t[i].kty], t[i].sa, 0, &p64,
		    &pl64, &s64);
		b = t_body(p64, pl64, s64);
		t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED,
		    "JWS signature is invalid");
		free(b);
		free(p64);
		free(pl64);
		free(s64);
		free(hdr);
	}
}
END_TEST

START_TEST(test_jws_parse_J4_jwk_alg_differs)
{
	struct json_object	*o;
	char			*hdr;

	o = json_tokener_parse(keys[JWK_EC_P256].jwk);
	json_object_object_add(o, "alg", json_object_new_string("ES384"));
	hdr = t_printf("{\"alg\":\"ES256\",\"jwk\":%s,\"nonce\":\"" NONCE
	    "\",\"url\":\"" URL "\"}", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	t_bad_hdr(hdr, &keys[JWK_EC_P256], JWS_OUTER, ACME_PROB_MALFORMED,
	    "alg");
	free(hdr);
	json_object_put(o);
}
END_TEST

START_TEST(test_jws_parse_J4_jwk_alg_same_ok)
{
	struct json_object	*o;
	struct jws		 jws;
	char			*hdr, *b;

	o = json_tokener_parse(keys[JWK_EC_P256].jwk);
	json_object_object_add(o, "alg", json_object_new_string("ES256"));
	hdr = t_printf("{\"alg\":\"ES256\",\"jwk\":%s,\"nonce\":\"" NONCE
	    "\",\"url\":\"" URL "\"}", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	b = t_jws(hdr, PAYLOAD, &keys[JWK_EC_P256]);
	t_good(b, JWS_OUTER, &jws);
	jws_clear(&jws);
	free(b);
	free(hdr);
	json_object_put(o);
}
END_TEST

START_TEST(test_jws_parse_alg_not_string)
{
	t_bad_hdr("{\"alg\":256,\"kid\":\"" KID "\",\"url\":\"" URL "\"}",
	    &keys[JWK_RSA], JWS_OUTER, ACME_PROB_MALFORMED, "alg");
	t_bad_hdr("{\"alg\":null,\"kid\":\"" KID "\",\"url\":\"" URL "\"}",
	    &keys[JWK_RSA], JWS_OUTER, ACME_PROB_MALFORMED, "alg");
	t_bad_hdr("{\"alg\":[\"RS256\"],\"kid\":\"" KID "\",\"url\":\"" URL
	    "\"}", &keys[JWK_RSA], JWS_OUTER, ACME_PROB_MALFORMED, "alg");
}
END_TEST

START_TEST(test_jws_parse_alg_missing)
{
	t_bad_hdr("{\"kid\":\"" KID "\",\"nonce\":\"" NONCE "\",\"url\":\""
	    URL "\"}", &keys[JWK_RSA], JWS_OUTER, ACME_PROB_MALFORMED, "alg");
}
END_TEST

/* ------------------------------------------------------------------ */
/* jws_parse: jwk / kid, nonce, url (J5, J6, U3)                        */
/* ------------------------------------------------------------------ */

START_TEST(test_jws_parse_J5_jwk_and_kid)
{
	char	*hdr;

	hdr = t_printf("{\"alg\":\"ES256\",\"jwk\":%s,\"kid\":\"" KID "\","
	    "\"nonce\":\"" NONCE "\",\"url\":\"" URL "\"}",
	    keys[JWK_EC_P256].jwk);
	t_bad_hdr(hdr, &keys[JWK_EC_P256], JWS_OUTER, ACME_PROB_MALFORMED,
	    "both jwk and kid");
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_J6_neither_jwk_nor_kid)
{
	t_bad_hdr("{\"alg\":\"RS256\",\"nonce\":\"" NONCE "\",\"url\":\"" URL
	    "\"}", &keys[JWK_RSA], JWS_OUTER, ACME_PROB_MALFORMED,
	    "neither jwk nor kid");
}
END_TEST

START_TEST(test_jws_parse_J6_kid_bad_type)
{
	t_bad_hdr("{\"alg\":\"RS256\",\"kid\":12,\"nonce\":\"" NONCE "\","
	    "\"url\":\"" URL "\"}", &keys[JWK_RSA], JWS_OUTER,
	    ACME_PROB_MALFORMED, "kid");
	t_bad_hdr("{\"alg\":\"RS256\",\"kid\":\"\",\"nonce\":\"" NONCE "\","
	    "\"url\":\"" URL "\"}", &keys[JWK_RSA], JWS_OUTER,
	    ACME_PROB_MALFORMED, "kid");
}
END_TEST

START_TEST(test_jws_parse_J6_jwk_not_object)
{
	t_bad_hdr("{\"alg\":\"RS256\",\"jwk\":\"key\",\"nonce\":\"" NONCE
	    "\",\"url\":\"" URL "\"}", &keys[JWK_RSA], JWS_OUTER,
	    ACME_PROB_MALFORMED, NULL);
	t_bad_hdr("{\"alg\":\"RS256\",\"jwk\":null,\"nonce\":\"" NONCE
	    "\",\"url\":\"" URL "\"}", &keys[JWK_RSA], JWS_OUTER,
	    ACME_PROB_MALFORMED, NULL);
}
END_TEST

START_TEST(test_jws_parse_U3_url_missing)
{
	t_bad_hdr("{\"alg\":\"RS256\",\"kid\":\"" KID "\",\"nonce\":\"" NONCE
	    "\"}", &keys[JWK_RSA], JWS_OUTER, ACME_PROB_MALFORMED, "url");
}
END_TEST

START_TEST(test_jws_parse_U3_url_not_string)
{
	t_bad_hdr("{\"alg\":\"RS256\",\"kid\":\"" KID "\",\"nonce\":\"" NONCE
	    "\",\"url\":42}", &keys[JWK_RSA], JWS_OUTER, ACME_PROB_MALFORMED,
	    "url");
	t_bad_hdr("{\"alg\":\"RS256\",\"kid\":\"" KID "\",\"nonce\":\"" NONCE
	    "\",\"url\":[\"" URL "\"]}", &keys[JWK_RSA], JWS_OUTER,
	    ACME_PROB_MALFORMED, "url");
}
END_TEST

START_TEST(test_jws_parse_nonce_not_string)
{
	t_bad_hdr("{\"alg\":\"RS256\",\"kid\":\"" KID "\",\"nonce\":1234,"
	    "\"url\":\"" URL "\"}", &keys[JWK_RSA], JWS_OUTER,
	    ACME_PROB_MALFORMED, "nonce");
	t_bad_hdr("{\"alg\":\"RS256\",\"kid\":\"" KID "\",\"nonce\":null,"
	    "\"url\":\"" URL "\"}", &keys[JWK_RSA], JWS_OUTER,
	    ACME_PROB_MALFORMED, "nonce");
}
END_TEST

/* ------------------------------------------------------------------ */
/* jws_parse: header members and serialization (J11-J15, J24-J29)       */
/* ------------------------------------------------------------------ */

START_TEST(test_jws_parse_J11_crit)
{
	t_bad_hdr("{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1,\"kid\":\""
	    KID "\",\"nonce\":\"" NONCE "\",\"url\":\"" URL "\"}",
	    &keys[JWK_RSA], JWS_OUTER, ACME_PROB_MALFORMED, "crit");
	t_bad_hdr("{\"alg\":\"RS256\",\"crit\":[],\"kid\":\"" KID "\","
	    "\"nonce\":\"" NONCE "\",\"url\":\"" URL "\"}", &keys[JWK_RSA],
	    JWS_OUTER, ACME_PROB_MALFORMED, "crit");
}
END_TEST

START_TEST(test_jws_parse_J12_b64)
{
	t_bad_hdr("{\"alg\":\"RS256\",\"b64\":false,\"crit\":[\"b64\"],"
	    "\"kid\":\"" KID "\",\"nonce\":\"" NONCE "\",\"url\":\"" URL "\"}",
	    &keys[JWK_RSA], JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	t_bad_hdr("{\"alg\":\"RS256\",\"b64\":false,\"kid\":\"" KID "\","
	    "\"nonce\":\"" NONCE "\",\"url\":\"" URL "\"}", &keys[JWK_RSA],
	    JWS_OUTER, ACME_PROB_MALFORMED, "b64");
	t_bad_hdr("{\"alg\":\"RS256\",\"b64\":true,\"kid\":\"" KID "\","
	    "\"nonce\":\"" NONCE "\",\"url\":\"" URL "\"}", &keys[JWK_RSA],
	    JWS_OUTER, ACME_PROB_MALFORMED, "b64");
}
END_TEST

START_TEST(test_jws_parse_J13_unprotected_header)
{
	char	*hdr, *p64, *pl64, *s64, *b;

	hdr = t_hdr_kid("RS256");
	t_parts(hdr, PAYLOAD, &keys[JWK_RSA], 0, 0, &p64, &pl64, &s64);
	b = t_printf("{\"protected\":\"%s\",\"header\":{},\"payload\":\"%s\","
	    "\"signature\":\"%s\"}", p64, pl64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "unprotected");
	free(b);
	b = t_printf("{\"protected\":\"%s\",\"payload\":\"%s\","
	    "\"signature\":\"%s\",\"header\":{\"kid\":\"x\"}}", p64, pl64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "unprotected");
	free(b);
	free(p64);
	free(pl64);
	free(s64);
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_J14_general_serialization)
{
	char	*hdr, *p64, *pl64, *s64, *b;

	hdr = t_hdr_kid("RS256");
	t_parts(hdr, PAYLOAD, &keys[JWK_RSA], 0, 0, &p64, &pl64, &s64);
	b = t_printf("{\"payload\":\"%s\",\"signatures\":[{\"protected\":"
	    "\"%s\",\"signature\":\"%s\"}]}", pl64, p64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "general serialization");
	free(b);
	/* flattened plus a second signature */
	b = t_printf("{\"protected\":\"%s\",\"payload\":\"%s\","
	    "\"signature\":\"%s\",\"signatures\":[]}", p64, pl64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	free(b);
	free(p64);
	free(pl64);
	free(s64);
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_J14_compact_serialization)
{
	char	*hdr, *p64, *pl64, *s64, *b;

	hdr = t_hdr_kid("RS256");
	t_parts(hdr, PAYLOAD, &keys[JWK_RSA], 0, 0, &p64, &pl64, &s64);
	b = t_printf("%s.%s.%s", p64, pl64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	free(b);
	b = t_printf("\"%s.%s.%s\"", p64, pl64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	free(b);
	free(p64);
	free(pl64);
	free(s64);
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_J14_missing_members)
{
	char	*hdr, *p64, *pl64, *s64, *b;

	hdr = t_hdr_kid("RS256");
	t_parts(hdr, PAYLOAD, &keys[JWK_RSA], 0, 0, &p64, &pl64, &s64);
	b = t_printf("{\"protected\":\"%s\",\"signature\":\"%s\"}", p64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "payload");
	free(b);
	b = t_printf("{\"payload\":\"%s\",\"signature\":\"%s\"}", pl64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "protected");
	free(b);
	b = t_printf("{\"protected\":\"%s\",\"payload\":\"%s\"}", p64, pl64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "signature");
	free(b);
	b = t_body(p64, pl64, "");
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "signature is empty");
	free(b);
	b = t_body("", pl64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "protected");
	free(b);
	t_bad("{}", JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	free(p64);
	free(pl64);
	free(s64);
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_members_not_strings)
{
	char	*hdr, *p64, *pl64, *s64, *b;

	hdr = t_hdr_kid("RS256");
	t_parts(hdr, PAYLOAD, &keys[JWK_RSA], 0, 0, &p64, &pl64, &s64);
	b = t_printf("{\"protected\":\"%s\",\"payload\":null,"
	    "\"signature\":\"%s\"}", p64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "payload");
	free(b);
	b = t_printf("{\"protected\":{\"alg\":\"RS256\"},\"payload\":\"%s\","
	    "\"signature\":\"%s\"}", pl64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "protected");
	free(b);
	b = t_printf("{\"protected\":\"%s\",\"payload\":\"%s\","
	    "\"signature\":[\"%s\"]}", p64, pl64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "signature");
	free(b);
	b = t_printf("{\"protected\":\"%s\",\"payload\":{},"
	    "\"signature\":\"%s\"}", p64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "payload");
	free(b);
	free(p64);
	free(pl64);
	free(s64);
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_unknown_outer_member)
{
	char	*hdr, *p64, *pl64, *s64, *b;

	hdr = t_hdr_kid("RS256");
	t_parts(hdr, PAYLOAD, &keys[JWK_RSA], 0, 0, &p64, &pl64, &s64);
	b = t_printf("{\"protected\":\"%s\",\"payload\":\"%s\","
	    "\"signature\":\"%s\",\"x\":1}", p64, pl64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "\"x\"");
	free(b);
	free(p64);
	free(pl64);
	free(s64);
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_J15_header_members)
{
	static const char *const mem[] = {
		"\"x5u\":\"http://127.0.0.1/k\"",
		"\"jku\":\"http://127.0.0.1/\"",
		"\"x5c\":[\"MIIB\"]", "\"x5t\":\"AAAA\"", "\"typ\":\"JWT\"",
		"\"cty\":\"json\"", "\"zip\":\"DEF\"", "\"ALG\":\"RS256\""
	};
	char	*hdr;
	size_t	 i;

	for (i = 0; i < sizeof(mem) / sizeof(mem[0]); i++) {
		hdr = t_printf("{\"alg\":\"RS256\",%s,\"kid\":\"" KID "\","
		    "\"nonce\":\"" NONCE "\",\"url\":\"" URL "\"}", mem[i]);
		t_bad_hdr(hdr, &keys[JWK_RSA], JWS_OUTER,
		    ACME_PROB_MALFORMED, "not allowed");
		free(hdr);
	}
}
END_TEST

START_TEST(test_jws_parse_J15_kid_inside_jwk)
{
	struct json_object	*o;
	char			*hdr;

	o = json_tokener_parse(keys[JWK_EC_P256].jwk);
	json_object_object_add(o, "kid", json_object_new_string("k1"));
	hdr = t_printf("{\"alg\":\"ES256\",\"jwk\":%s,\"nonce\":\"" NONCE
	    "\",\"url\":\"" URL "\"}", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	t_bad_hdr(hdr, &keys[JWK_EC_P256], JWS_OUTER, ACME_PROB_MALFORMED,
	    "kid");
	free(hdr);
	json_object_put(o);
}
END_TEST

START_TEST(test_jws_parse_J16_private_jwk)
{
	struct json_object	*o;
	char			*hdr;

	o = json_tokener_parse(keys[JWK_EC_P256].jwk);
	json_object_object_add(o, "d", json_object_new_string(
	    "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"));
	hdr = t_printf("{\"alg\":\"ES256\",\"jwk\":%s,\"nonce\":\"" NONCE
	    "\",\"url\":\"" URL "\"}", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	t_bad_hdr(hdr, &keys[JWK_EC_P256], JWS_OUTER, ACME_PROB_MALFORMED,
	    "private");
	free(hdr);
	json_object_put(o);
}
END_TEST

START_TEST(test_jws_parse_J16_oct_jwk)
{
	t_bad_hdr("{\"alg\":\"RS256\",\"jwk\":{\"kty\":\"oct\",\"k\":\""
	    RFC7515_A1_KEY "\"},\"nonce\":\"" NONCE "\",\"url\":\"" URL "\"}",
	    &keys[JWK_RSA], JWS_OUTER, ACME_PROB_BAD_PUBKEY, NULL);
}
END_TEST

START_TEST(test_jws_parse_J17_unsupported_curve)
{
	t_bad_hdr("{\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\",\"crv\":"
	    "\"secp256k1\",\"x\":\"" RFC7515_A3_X "\",\"y\":\"" RFC7515_A3_Y
	    "\"},\"nonce\":\"" NONCE "\",\"url\":\"" URL "\"}",
	    &keys[JWK_EC_P256], JWS_OUTER, ACME_PROB_BAD_PUBKEY, NULL);
	t_bad_hdr("{\"alg\":\"EdDSA\",\"jwk\":{\"kty\":\"OKP\",\"crv\":"
	    "\"Ed448\",\"x\":\"" RFC8037_X "\"},\"nonce\":\"" NONCE "\","
	    "\"url\":\"" URL "\"}", &keys[JWK_ED25519], JWS_OUTER,
	    ACME_PROB_BAD_PUBKEY, "Ed448");
}
END_TEST

START_TEST(test_jws_parse_J18_off_curve_jwk)
{
	char	*hdr;

	/* RFC 7515 A.3 key with the last y character changed */
	hdr = t_printf("{\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\",\"crv\":"
	    "\"P-256\",\"x\":\"" RFC7515_A3_X "\",\"y\":\"%.*sA\"},\"nonce\":\""
	    NONCE "\",\"url\":\"" URL "\"}", (int)strlen(RFC7515_A3_Y) - 1,
	    RFC7515_A3_Y);
	t_bad_hdr(hdr, &keys[JWK_EC_P256], JWS_OUTER, ACME_PROB_BAD_PUBKEY,
	    NULL);
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_J19_long_coordinate)
{
	/* "AA" + 43 chars would be misaligned; a 33-byte x with a leading
	 * zero is base64url of 00 || x: build it from the raw bytes */
	unsigned char	*x, p[33];
	size_t		 xsz;
	char		*x64, *hdr;

	x = t_unb64(RFC7515_A3_X, &xsz);
	ck_assert_uint_eq(xsz, 32);
	p[0] = 0;
	memcpy(p + 1, x, 32);
	x64 = t_b64(p, 33);
	hdr = t_printf("{\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\",\"crv\":"
	    "\"P-256\",\"x\":\"%s\",\"y\":\"" RFC7515_A3_Y "\"},\"nonce\":\""
	    NONCE "\",\"url\":\"" URL "\"}", x64);
	t_bad_hdr(hdr, &keys[JWK_EC_P256], JWS_OUTER, ACME_PROB_BAD_PUBKEY,
	    "33 bytes");
	free(hdr);
	free(x64);
	free(x);
}
END_TEST

START_TEST(test_jws_parse_J20_zero_padded_n)
{
	struct json_object	*o, *v;
	unsigned char		*n, *p;
	size_t			 nsz;
	char			*n64, *hdr;

	o = json_tokener_parse(keys[JWK_RSA].jwk);
	ck_assert(json_object_object_get_ex(o, "n", &v));
	n = t_unb64(json_object_get_string(v), &nsz);
	p = calloc(1, nsz + 3);
	memcpy(p + 3, n, nsz);
	n64 = t_b64(p, nsz + 3);
	json_object_object_add(o, "n", json_object_new_string(n64));
	hdr = t_printf("{\"alg\":\"RS256\",\"jwk\":%s,\"nonce\":\"" NONCE
	    "\",\"url\":\"" URL "\"}", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	/* GnuTLS alone would verify this signature (SECURITY.md 5.2) */
	t_bad_hdr(hdr, &keys[JWK_RSA], JWS_OUTER, ACME_PROB_BAD_PUBKEY,
	    "leading zero");
	free(hdr);
	free(n64);
	free(p);
	free(n);
	json_object_put(o);
}
END_TEST

START_TEST(test_jws_parse_J21_rsa_1024)
{
	char	*hdr;

	hdr = t_hdr_jwk("RS256", &k_rsa1024);
	t_bad_hdr(hdr, &k_rsa1024, JWS_OUTER, ACME_PROB_BAD_PUBKEY,
	    "RSA modulus is 1024 bits; 2048 to 8192 required");
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_J21_rsa_e3)
{
	struct json_object	*o;
	char			*hdr;

	o = json_tokener_parse(keys[JWK_RSA].jwk);
	json_object_object_add(o, "e", json_object_new_string("Aw"));
	hdr = t_printf("{\"alg\":\"RS256\",\"jwk\":%s,\"nonce\":\"" NONCE
	    "\",\"url\":\"" URL "\"}", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	t_bad_hdr(hdr, &keys[JWK_RSA], JWS_OUTER, ACME_PROB_BAD_PUBKEY,
	    "65537");
	free(hdr);
	json_object_put(o);
}
END_TEST

START_TEST(test_jws_parse_J24_duplicate_header_member)
{
	t_bad_hdr("{\"alg\":\"RS256\",\"kid\":\"" KID "\",\"nonce\":\"" NONCE
	    "\",\"url\":\"https://evil.test/\",\"url\":\"" URL "\"}",
	    &keys[JWK_RSA], JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	t_bad_hdr("{\"alg\":\"none\",\"alg\":\"RS256\",\"kid\":\"" KID "\","
	    "\"url\":\"" URL "\"}", &keys[JWK_RSA], JWS_OUTER,
	    ACME_PROB_MALFORMED, NULL);
}
END_TEST

START_TEST(test_jws_parse_J24_duplicate_in_jwk)
{
	char	*hdr;

	hdr = t_printf("{\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\",\"crv\":"
	    "\"P-256\",\"x\":\"" RFC7515_A3_X "\",\"x\":\"" RFC7515_A3_X "\","
	    "\"y\":\"" RFC7515_A3_Y "\"},\"nonce\":\"" NONCE "\",\"url\":\""
	    URL "\"}");
	t_bad_hdr(hdr, &keys[JWK_EC_P256], JWS_OUTER, ACME_PROB_MALFORMED,
	    NULL);
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_J24_duplicate_outer_member)
{
	char	*hdr, *p64, *pl64, *s64, *b;

	hdr = t_hdr_kid("RS256");
	t_parts(hdr, PAYLOAD, &keys[JWK_RSA], 0, 0, &p64, &pl64, &s64);
	b = t_printf("{\"protected\":\"%s\",\"payload\":\"e30\","
	    "\"payload\":\"%s\",\"signature\":\"%s\"}", p64, pl64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	free(b);
	free(p64);
	free(pl64);
	free(s64);
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_J25_bad_body_json)
{
	char	*good, *b;

	good = t_jws("{\"alg\":\"RS256\",\"kid\":\"" KID "\",\"url\":\"" URL
	    "\"}", PAYLOAD, &keys[JWK_RSA]);
	b = t_printf("%s xyz", good);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	free(b);
	b = t_printf("%s%s", good, good);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	free(b);
	b = t_printf("/* c */ %s", good);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	free(b);
	b = t_printf("[%s]", good);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	free(b);
	t_bad("\"protected\"", JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	t_bad("42", JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	t_bad("{\"protected\":'e30',\"payload\":\"\",\"signature\":\"AA\"}",
	    JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	t_bad("", JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	t_bad(NULL, JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	free(good);
}
END_TEST

START_TEST(test_jws_parse_J25_bad_header_json)
{
	static const char *const hdrs[] = {
		"{\"alg\":\"RS256\",\"kid\":\"" KID "\",\"url\":\"" URL "\"} x",
		"{'alg':'RS256','kid':'" KID "','url':'" URL "'}",
		"{\"alg\":\"RS256\",\"kid\":\"" KID "\",\"url\":\"" URL "\",}",
		"[\"alg\",\"RS256\"]",
		"\"RS256\"",
		"",
		"{\"alg\":\"RS256\",\"kid\":\"" KID "\",\"url\":\"" URL "\"",
		"{\"alg\":\"RS256\",\"kid\":\"" KID "\",\"url\":\"" URL "\","
		    "\"nonce\":NaN}",
	};
	size_t	 i;

	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
		t_bad_hdr(hdrs[i], &keys[JWK_RSA], JWS_OUTER,
		    ACME_PROB_MALFORMED, NULL);
}
END_TEST

START_TEST(test_jws_parse_J26_deep_nesting)
{
	char	*hdr, *open, *close;
	size_t	 i, n = 200;

	open = malloc(n + 1);
	close = malloc(n + 1);
	for (i = 0; i < n; i++) {
		open[i] = '[';
		close[i] = ']';
	}
	open[n] = close[n] = '\0';
	hdr = t_printf("{\"alg\":\"RS256\",\"jwk\":%s%s,\"url\":\"" URL "\"}",
	    open, close);
	t_bad_hdr(hdr, &keys[JWK_RSA], JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	free(hdr);
	free(open);
	free(close);
}
END_TEST

START_TEST(test_jws_parse_J28_bad_utf8_and_nul)
{
	t_bad_hdr("{\"alg\":\"RS256\",\"kid\":\"" KID "\xff\xfe\",\"url\":\""
	    URL "\"}", &keys[JWK_RSA], JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	t_bad_hdr("{\"alg\":\"RS256\",\"kid\":\"" KID "\",\"url\":\"" URL
	    "\xc0\xaf\"}", &keys[JWK_RSA], JWS_OUTER, ACME_PROB_MALFORMED,
	    NULL);
	t_bad_hdr("{\"alg\":\"RS256\",\"kid\":\"" KID "\",\"url\":\"" URL
	    "\\u0000.evil\"}", &keys[JWK_RSA], JWS_OUTER, ACME_PROB_MALFORMED,
	    NULL);
	t_bad_hdr("{\"alg\":\"RS256\\u0000\",\"kid\":\"" KID "\",\"url\":\""
	    URL "\"}", &keys[JWK_RSA], JWS_OUTER, ACME_PROB_MALFORMED, NULL);
}
END_TEST

START_TEST(test_jws_parse_J28_raw_nul_in_header)
{
	static const char hdr[] = "{\"alg\":\"RS256\",\"kid\":\"" KID "\","
	    "\"url\":\"" URL "\"}\0";
	char	*p64, *pl64, *b;

	/* the decoded protected header holds a NUL after the object */
	p64 = t_b64(hdr, sizeof(hdr) - 1);
	pl64 = t_b64(PAYLOAD, strlen(PAYLOAD));
	b = t_body(p64, pl64, "AAAA");
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	free(b);
	free(p64);
	free(pl64);
}
END_TEST

START_TEST(test_jws_parse_J29_noncanonical_base64url)
{
	char	*hdr, *p64, *pl64, *s64, *b, *t;
	size_t	 n;

	hdr = t_hdr_kid("RS256");
	t_parts(hdr, PAYLOAD, &keys[JWK_RSA], 0, 0, &p64, &pl64, &s64);

	/* padding on each part (the lengths make '=' possible or not;
	 * either way it is not base64url) */
	b = t_printf("{\"protected\":\"%s=\",\"payload\":\"%s\","
	    "\"signature\":\"%s\"}", p64, pl64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "base64url");
	free(b);
	b = t_printf("{\"protected\":\"%s\",\"payload\":\"%s==\","
	    "\"signature\":\"%s\"}", p64, pl64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "base64url");
	free(b);
	b = t_printf("{\"protected\":\"%s\",\"payload\":\"%s\","
	    "\"signature\":\"%s=\"}", p64, pl64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "base64url");
	free(b);
	/* whitespace */
	b = t_printf("{\"protected\":\" %s\",\"payload\":\"%s\","
	    "\"signature\":\"%s\"}", p64, pl64, s64);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "base64url");
	free(b);
	b = t_printf("{\"protected\":\"%s\",\"payload\":\"%s\","
	    "\"signature\":\"%.10s\\n%s\"}", p64, pl64, s64, s64 + 10);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "base64url");
	free(b);
	/* the standard alphabet */
	t = strdup(s64);
	t[0] = '+';
	b = t_body(p64, pl64, t);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "base64url");
	free(b);
	t[0] = '/';
	b = t_body(p64, pl64, t);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "base64url");
	free(b);
	free(t);
	/* length 1 mod 4 */
	b = t_printf("{\"protected\":\"%s\",\"payload\":\"%sA\","
	    "\"signature\":\"%s\"}", p64, pl64, s64);
	n = strlen(pl64) + 1;
	if (n % 4 == 1)
		t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "base64url");
	free(b);
	b = t_body(p64, pl64, "A");
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "base64url");
	free(b);
	/* non-zero trailing bits: a 2048-bit signature is 342 chars, the
	 * last one carrying 4 padding bits */
	ck_assert_uint_eq(strlen(s64), 342);
	t = strdup(s64);
	t[341] = b64a[(strchr(b64a, t[341]) - b64a) | 1];
	b = t_body(p64, pl64, t);
	t_bad(b, JWS_OUTER, ACME_PROB_MALFORMED, "base64url");
	free(b);
	free(t);

	free(p64);
	free(pl64);
	free(s64);
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_J30_ed25519_bad_key)
{
	unsigned char	 x[32];
	char		*x64, *hdr;

	memset(x, 0, sizeof(x));
	x[0] = 1;				/* the neutral element */
	x64 = t_b64(x, sizeof(x));
	hdr = t_printf("{\"alg\":\"EdDSA\",\"jwk\":{\"kty\":\"OKP\",\"crv\":"
	    "\"Ed25519\",\"x\":\"%s\"},\"nonce\":\"" NONCE "\",\"url\":\"" URL
	    "\"}", x64);
	t_bad_hdr(hdr, &keys[JWK_ED25519], JWS_OUTER, ACME_PROB_BAD_PUBKEY,
	    NULL);
	free(hdr);
	free(x64);
	x64 = t_b64(x, 31);
	hdr = t_printf("{\"alg\":\"EdDSA\",\"jwk\":{\"kty\":\"OKP\",\"crv\":"
	    "\"Ed25519\",\"x\":\"%s\"},\"nonce\":\"" NONCE "\",\"url\":\"" URL
	    "\"}", x64);
	t_bad_hdr(hdr, &keys[JWK_ED25519], JWS_OUTER, ACME_PROB_BAD_PUBKEY,
	    "31 bytes");
	free(hdr);
	free(x64);
}
END_TEST

START_TEST(test_jws_parse_rfc7515_a2_flattened)
{
	/* the RFC's headers have no url and no jwk/kid: not ACME */
	t_bad("{\"protected\":\"" RFC7515_A2_PROTECTED "\",\"payload\":\""
	    RFC7515_PAYLOAD "\",\"signature\":\"" RFC7515_A2_SIG "\"}",
	    JWS_OUTER, ACME_PROB_MALFORMED, NULL);
	t_bad("{\"protected\":\"" RFC7515_A3_PROTECTED "\",\"payload\":\""
	    RFC7515_PAYLOAD "\",\"signature\":\"" RFC7515_A3_SIG "\"}",
	    JWS_KEYCHANGE_INNER, ACME_PROB_MALFORMED, NULL);
	/* A.1 has "typ", which the allow-list refuses */
	t_bad("{\"protected\":\"" RFC7515_A1_PROTECTED "\",\"payload\":\""
	    RFC7515_PAYLOAD "\",\"signature\":\"" RFC7515_A1_SIG "\"}",
	    JWS_EAB, ACME_PROB_MALFORMED, "typ");
}
END_TEST

START_TEST(test_jws_parse_obj_not_object)
{
	struct json_object	*o;
	struct jws		 jws;
	struct perr		 perr;

	o = json_object_new_array();
	ck_assert_int_eq(jws_parse_obj(o, JWS_EAB, &jws, &perr),
	    ACME_PROB_MALFORMED);
	ck_assert(t_is_zero(&jws));
	json_object_put(o);
	ck_assert_int_eq(jws_parse_obj(NULL, JWS_EAB, &jws, &perr),
	    ACME_PROB_MALFORMED);
}
END_TEST

START_TEST(test_jws_parse_obj_ok)
{
	struct json_object	*o;
	struct jws		 jws;
	struct perr		 perr;
	char			*hdr, *b;

	hdr = t_hdr_kid("EdDSA");
	b = t_jws(hdr, PAYLOAD, &keys[JWK_ED25519]);
	o = json_tokener_parse(b);
	ck_assert_int_eq(jws_parse_obj(o, JWS_OUTER, &jws, &perr),
	    ACME_PROB_NONE);
	json_object_put(o);		/* jws owns its own copies */
	ck_assert_str_eq(jws.url, URL);
	jws_clear(&jws);
	free(b);
	free(hdr);
}
END_TEST

/* ------------------------------------------------------------------ */
/* JWS_KEYCHANGE_INNER and JWS_EAB header rules                         */
/* ------------------------------------------------------------------ */

START_TEST(test_jws_parse_keychange_inner_kid)
{
	char	*hdr;

	hdr = t_printf("{\"alg\":\"ES256\",\"jwk\":%s,\"kid\":\"" KID "\","
	    "\"url\":\"" URL "\"}", keys[JWK_EC_P256].jwk);
	t_bad_hdr(hdr, &keys[JWK_EC_P256], JWS_KEYCHANGE_INNER,
	    ACME_PROB_MALFORMED, "kid");
	free(hdr);
	t_bad_hdr("{\"alg\":\"ES256\",\"kid\":\"" KID "\",\"url\":\"" URL "\"}",
	    &keys[JWK_EC_P256], JWS_KEYCHANGE_INNER, ACME_PROB_MALFORMED,
	    "jwk");
}
END_TEST

START_TEST(test_jws_parse_keychange_inner_nonce)
{
	char	*hdr;

	hdr = t_hdr_jwk("ES256", &keys[JWK_EC_P256]);
	t_bad_hdr(hdr, &keys[JWK_EC_P256], JWS_KEYCHANGE_INNER,
	    ACME_PROB_MALFORMED, "nonce");
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_keychange_inner_no_jwk)
{
	t_bad_hdr("{\"alg\":\"ES256\",\"url\":\"" URL "\"}",
	    &keys[JWK_EC_P256], JWS_KEYCHANGE_INNER, ACME_PROB_MALFORMED,
	    "jwk");
}
END_TEST

START_TEST(test_jws_parse_keychange_inner_no_url)
{
	char	*hdr;

	hdr = t_printf("{\"alg\":\"ES256\",\"jwk\":%s}", keys[JWK_EC_P256].jwk);
	t_bad_hdr(hdr, &keys[JWK_EC_P256], JWS_KEYCHANGE_INNER,
	    ACME_PROB_MALFORMED, "url");
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_keychange_inner_J1_J2_alg)
{
	char	*hdr;

	hdr = t_printf("{\"alg\":\"HS256\",\"jwk\":%s,\"url\":\"" URL "\"}",
	    keys[JWK_EC_P256].jwk);
	t_bad_hdr(hdr, &keys[JWK_EC_P256], JWS_KEYCHANGE_INNER,
	    ACME_PROB_BAD_SIG_ALG, NULL);
	free(hdr);
	hdr = t_printf("{\"alg\":\"none\",\"jwk\":%s,\"url\":\"" URL "\"}",
	    keys[JWK_EC_P256].jwk);
	t_bad_hdr(hdr, &keys[JWK_EC_P256], JWS_KEYCHANGE_INNER,
	    ACME_PROB_BAD_SIG_ALG, NULL);
	free(hdr);
}
END_TEST

static unsigned char	 eabkey[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
    31, 32 };

static void
t_bad_eab(const char *hdr, enum acme_prob want, const char *sub)
{
	char	*b;

	b = t_eab(hdr, keys[JWK_RSA].jwk, eabkey, sizeof(eabkey),
	    GNUTLS_MAC_SHA256, 0);
	t_bad(b, JWS_EAB, want, sub);
	free(b);
}

START_TEST(test_jws_parse_E2_eab_alg)
{
	static const char *const algs[] = {
		"none", "ES256", "RS256", "HS1", "hs256", "HS256 ", ""
	};
	char	*hdr;
	size_t	 i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		hdr = t_printf("{\"alg\":\"%s\",\"kid\":\"eab-1\",\"url\":\""
		    URL "\"}", algs[i]);
		t_bad_eab(hdr, ACME_PROB_MALFORMED, "HS256");
		free(hdr);
	}
}
END_TEST

START_TEST(test_jws_parse_E3_eab_nonce)
{
	t_bad_eab("{\"alg\":\"HS256\",\"kid\":\"eab-1\",\"nonce\":\"" NONCE
	    "\",\"url\":\"" URL "\"}", ACME_PROB_MALFORMED, "nonce");
}
END_TEST

START_TEST(test_jws_parse_E3_eab_jwk)
{
	char	*hdr;

	hdr = t_printf("{\"alg\":\"HS256\",\"jwk\":%s,\"kid\":\"eab-1\","
	    "\"url\":\"" URL "\"}", keys[JWK_RSA].jwk);
	t_bad_eab(hdr, ACME_PROB_MALFORMED, "jwk");
	free(hdr);
}
END_TEST

START_TEST(test_jws_parse_E4_eab_url_missing)
{
	t_bad_eab("{\"alg\":\"HS256\",\"kid\":\"eab-1\"}", ACME_PROB_MALFORMED,
	    "url");
	t_bad_eab("{\"alg\":\"HS256\",\"kid\":\"eab-1\",\"url\":null}",
	    ACME_PROB_MALFORMED, "url");
}
END_TEST

START_TEST(test_jws_parse_eab_kid_missing)
{
	t_bad_eab("{\"alg\":\"HS256\",\"url\":\"" URL "\"}",
	    ACME_PROB_MALFORMED, "kid");
	t_bad_eab("{\"alg\":\"HS256\",\"kid\":\"\",\"url\":\"" URL "\"}",
	    ACME_PROB_MALFORMED, "kid");
	t_bad_eab("{\"alg\":\"HS256\",\"kid\":7,\"url\":\"" URL "\"}",
	    ACME_PROB_MALFORMED, "kid");
}
END_TEST

/* ------------------------------------------------------------------ */
/* jws_verify                                                           */
/* ------------------------------------------------------------------ */

START_TEST(test_jws_verify_rfc7515_a2_rs256)
{
	struct json_object	*o;
	struct perr		 perr;
	struct jwk		*key;
	struct jws		 jws;

	o = json_tokener_parse(RFC7515_A2_JWK);
	key = jwk_from_json(o, &perr);
	json_object_put(o);
	ck_assert_msg(key != NULL, "%s", perr.detail);
	t_manual(&jws, "RS256", RFC7515_A2_PROTECTED, RFC7515_PAYLOAD,
	    RFC7515_A2_SIG);
	ck_assert_int_eq(jws_verify(&jws, key, &perr), ACME_PROB_NONE);
	/* one flipped bit */
	jws.sig[100] ^= 0x04;
	ck_assert_int_eq(jws_verify(&jws, key, &perr), ACME_PROB_MALFORMED);
	ck_assert_str_eq(perr.detail, "JWS signature is invalid");
	jws.sig[100] ^= 0x04;
	/* another payload */
	jws.signing_input[jws.signing_inputsz - 1] ^= 0x01;
	ck_assert_int_eq(jws_verify(&jws, key, &perr), ACME_PROB_MALFORMED);
	jws_clear(&jws);
	jwk_free(key);
}
END_TEST

START_TEST(test_jws_verify_rfc7515_a3_es256)
{
	struct json_object	*o;
	struct perr		 perr;
	struct jwk		*key;
	struct jws		 jws;

	o = json_tokener_parse(RFC7515_A3_JWK);
	key = jwk_from_json(o, &perr);
	json_object_put(o);
	ck_assert_msg(key != NULL, "%s", perr.detail);
	t_manual(&jws, "ES256", RFC7515_A3_PROTECTED, RFC7515_PAYLOAD,
	    RFC7515_A3_SIG);
	ck_assert_uint_eq(jws.sigsz, 64);
	ck_assert_int_eq(jws_verify(&jws, key, &perr), ACME_PROB_NONE);
	jws.sig[63] ^= 0x01;
	ck_assert_int_eq(jws_verify(&jws, key, &perr), ACME_PROB_MALFORMED);
	jws_clear(&jws);
	jwk_free(key);
}
END_TEST

START_TEST(test_jws_verify_rfc8037_a4_ed25519)
{
	struct json_object	*o;
	struct perr		 perr;
	struct jwk		*key;
	struct jws		 jws;

	o = json_tokener_parse(RFC8037_JWK);
	key = jwk_from_json(o, &perr);
	json_object_put(o);
	ck_assert_msg(key != NULL, "%s", perr.detail);
	t_manual(&jws, "EdDSA", RFC8037_PROTECTED, RFC8037_PAYLOAD,
	    RFC8037_SIG);
	ck_assert_int_eq(jws_verify(&jws, key, &perr), ACME_PROB_NONE);
	jws.sig[0] ^= 0x80;
	ck_assert_int_eq(jws_verify(&jws, key, &perr), ACME_PROB_MALFORMED);
	jws.sig[0] ^= 0x80;
	jws.sigsz = 63;			/* J30: truncated signature */
	ck_assert_int_eq(jws_verify(&jws, key, &perr), ACME_PROB_MALFORMED);
	jws_clear(&jws);
	jwk_free(key);
}
END_TEST

START_TEST(test_jws_verify_J3_rfc_vector_wrong_key_type)
{
	struct json_object	*o;
	struct perr		 perr;
	struct jwk		*key;
	struct jws		 jws;

	/* the RS256 vector checked against the RFC's P-256 key */
	o = json_tokener_parse(RFC7515_A3_JWK);
	key = jwk_from_json(o, &perr);
	json_object_put(o);
	ck_assert_ptr_nonnull(key);
	t_manual(&jws, "RS256", RFC7515_A2_PROTECTED, RFC7515_PAYLOAD,
	    RFC7515_A2_SIG);
	ck_assert_int_eq(jws_verify(&jws, key, &perr), ACME_PROB_MALFORMED);
	ck_assert_str_eq(perr.detail, "JWS alg RS256 does not match the "
	    "account key (ES256 expected)");
	jws_clear(&jws);
	jwk_free(key);
}
END_TEST

START_TEST(test_jws_verify_tampered_payload)
{
	char	*hdr, *p64, *pl64, *s64, *b, *pl2;
	int	 i;

	for (i = 0; i < JWK__MAX; i++) {
		hdr = t_hdr_jwk(jwk_kty_alg[i], &keys[i]);
		t_parts(hdr, PAYLOAD, &keys[i], 0, 0, &p64, &pl64, &s64);
		pl2 = t_b64("{\"termsOfServiceAgreed\":false}",
		    strlen("{\"termsOfServiceAgreed\":false}"));
		b = t_body(p64, pl2, s64);
		t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED,
		    "JWS signature is invalid");
		free(b);
		free(pl2);
		/* the same signature as POST-as-GET */
		b = t_body(p64, "", s64);
		t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED,
		    "JWS signature is invalid");
		free(b);
		free(p64);
		free(pl64);
		free(s64);
		free(hdr);
	}
}
END_TEST

START_TEST(test_jws_verify_J7_other_key)
{
	struct jwk	*other;
	char		*hdr, *b;

	/* kid names an account whose key did not sign */
	other = t_key(&k_rsa2);
	hdr = t_hdr_kid("RS256");
	b = t_jws(hdr, PAYLOAD, &keys[JWK_RSA]);
	t_verify(b, JWS_OUTER, other, ACME_PROB_MALFORMED,
	    "JWS signature is invalid");
	free(b);
	free(hdr);
	jwk_free(other);
}
END_TEST

START_TEST(test_jws_verify_J22_der_signature)
{
	char	*hdr, *p64, *pl64, *s64, *b;
	int	 i;

	for (i = JWK_EC_P256; i <= JWK_EC_P521; i++) {
		hdr = t_hdr_jwk(jwk_kty_alg[i], &keys[i]);
		t_parts(hdr, PAYLOAD, &keys[i], 0, 1, &p64, &pl64, &s64);
		b = t_body(p64, pl64, s64);
		t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED, "not DER");
		free(b);
		free(p64);
		free(pl64);
		free(s64);
		free(hdr);
	}
}
END_TEST

START_TEST(test_jws_verify_J22_wrong_length)
{
	struct tkey	*k = &keys[JWK_EC_P256];
	unsigned char	*sig, big[140];
	char		*hdr, *input, *b;
	size_t		 sigsz;

	hdr = t_hdr_jwk("ES256", k);
	input = t_input(hdr, PAYLOAD);
	sig = t_sign(k, 0, input, &sigsz, 0);
	ck_assert_uint_eq(sigsz, 64);
	b = t_jws_rawsig(hdr, PAYLOAD, sig, 63);
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED, "64");
	free(b);
	memset(big, 0, sizeof(big));
	memcpy(big + 1, sig, 32);
	memcpy(big + 34, sig + 32, 32);
	b = t_jws_rawsig(hdr, PAYLOAD, big, 66);	/* 0||r, 0||s */
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED, "64");
	free(b);
	memcpy(big, sig, 64);
	b = t_jws_rawsig(hdr, PAYLOAD, big, 65);
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED, "64");
	free(b);
	b = t_jws_rawsig(hdr, PAYLOAD, big, 96);
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED, "64");
	free(b);
	free(sig);
	free(input);
	free(hdr);
}
END_TEST

START_TEST(test_jws_verify_J22_p521_length)
{
	struct tkey	*k = &keys[JWK_EC_P521];
	unsigned char	*sig;
	char		*hdr, *input, *b;
	size_t		 sigsz;

	hdr = t_hdr_jwk("ES512", k);
	input = t_input(hdr, PAYLOAD);
	sig = t_sign(k, 0, input, &sigsz, 0);
	ck_assert_uint_eq(sigsz, 132);
	b = t_jws_rawsig(hdr, PAYLOAD, sig, 132);
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_NONE, NULL);
	free(b);
	b = t_jws_rawsig(hdr, PAYLOAD, sig, 130);
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED, "132");
	free(b);
	free(sig);
	free(input);
	free(hdr);
}
END_TEST

START_TEST(test_jws_verify_J22_r_s_zero_or_large)
{
	struct tkey	*k = &keys[JWK_EC_P256];
	unsigned char	*sig, s2[64];
	char		*hdr, *input, *b;
	size_t		 sigsz;

	hdr = t_hdr_jwk("ES256", k);
	input = t_input(hdr, PAYLOAD);
	sig = t_sign(k, 0, input, &sigsz, 0);
	memcpy(s2, sig, 64);
	memset(s2, 0, 32);				/* r = 0 */
	b = t_jws_rawsig(hdr, PAYLOAD, s2, 64);
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED, "invalid");
	free(b);
	memcpy(s2, sig, 64);
	memset(s2 + 32, 0, 32);				/* s = 0 */
	b = t_jws_rawsig(hdr, PAYLOAD, s2, 64);
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED, "invalid");
	free(b);
	memset(s2, 0, 64);				/* both */
	b = t_jws_rawsig(hdr, PAYLOAD, s2, 64);
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED, "invalid");
	free(b);
	memcpy(s2, sig, 64);
	memset(s2, 0xff, 32);				/* r >= n */
	b = t_jws_rawsig(hdr, PAYLOAD, s2, 64);
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED, "invalid");
	free(b);
	memcpy(s2, sig, 64);
	memset(s2 + 32, 0xff, 32);			/* s >= n */
	b = t_jws_rawsig(hdr, PAYLOAD, s2, 64);
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED, "invalid");
	free(b);
	free(sig);
	free(input);
	free(hdr);
}
END_TEST

START_TEST(test_jws_verify_J23_malleable_s_verifies)
{
	/* the order of P-256 */
	static const unsigned char n[32] = {
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad,
		0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
		0x25, 0x51
	};
	struct tkey	*k = &keys[JWK_EC_P256];
	unsigned char	*sig, s2[64];
	char		*hdr, *input, *b;
	size_t		 sigsz;
	int		 i, borrow, d;

	hdr = t_hdr_jwk("ES256", k);
	input = t_input(hdr, PAYLOAD);
	sig = t_sign(k, 0, input, &sigsz, 0);
	memcpy(s2, sig, 32);
	for (borrow = 0, i = 31; i >= 0; i--) {
		d = n[i] - sig[32 + i] - borrow;
		borrow = d < 0;
		s2[32 + i] = (unsigned char)(d + (borrow ? 256 : 0));
	}
	ck_assert_int_eq(borrow, 0);
	/* (r, n - s) is also valid: harmless because nothing is keyed on
	 * the signature bytes (J23) */
	b = t_jws_rawsig(hdr, PAYLOAD, s2, 64);
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_NONE, NULL);
	free(b);
	free(sig);
	free(input);
	free(hdr);
}
END_TEST

START_TEST(test_jws_verify_rsa_signature_length)
{
	struct tkey	*k = &keys[JWK_RSA];
	unsigned char	*sig, *p;
	char		*hdr, *input, *b;
	size_t		 sigsz;

	hdr = t_hdr_jwk("RS256", k);
	input = t_input(hdr, PAYLOAD);
	sig = t_sign(k, 0, input, &sigsz, 0);
	ck_assert_uint_eq(sigsz, 256);
	b = t_jws_rawsig(hdr, PAYLOAD, sig, 255);
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED, "256");
	free(b);
	p = calloc(1, 257);
	memcpy(p + 1, sig, 256);
	b = t_jws_rawsig(hdr, PAYLOAD, p, 257);
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED, "256");
	free(b);
	free(p);
	free(sig);
	free(input);
	free(hdr);
}
END_TEST

START_TEST(test_jws_verify_ed25519_signature_length)
{
	struct tkey	*k = &keys[JWK_ED25519];
	unsigned char	*sig, p[65];
	char		*hdr, *input, *b;
	size_t		 sigsz;

	hdr = t_hdr_jwk("EdDSA", k);
	input = t_input(hdr, PAYLOAD);
	sig = t_sign(k, 0, input, &sigsz, 0);
	ck_assert_uint_eq(sigsz, 64);
	memcpy(p, sig, 64);
	p[64] = 0;
	b = t_jws_rawsig(hdr, PAYLOAD, p, 65);
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED, "64");
	free(b);
	b = t_jws_rawsig(hdr, PAYLOAD, p, 32);
	t_verify(b, JWS_OUTER, NULL, ACME_PROB_MALFORMED, "64");
	free(b);
	free(sig);
	free(input);
	free(hdr);
}
END_TEST

START_TEST(test_jws_verify_bad_arguments)
{
	struct jws	 jws;
	struct perr	 perr;
	struct jwk	*key;

	key = t_key(&keys[JWK_RSA]);
	memset(&jws, 0, sizeof(jws));
	ck_assert_int_eq(jws_verify(&jws, key, &perr), ACME_PROB_MALFORMED);
	ck_assert_int_eq(jws_verify(NULL, key, &perr), ACME_PROB_MALFORMED);
	ck_assert_int_eq(jws_verify(&jws, NULL, &perr), ACME_PROB_MALFORMED);
	jwk_free(key);
}
END_TEST

/* ------------------------------------------------------------------ */
/* jws_verify_mac                                                       */
/* ------------------------------------------------------------------ */

START_TEST(test_jws_verify_mac_rfc7515_a1)
{
	unsigned char	*key;
	size_t		 keysz;
	struct jws	 jws;
	struct perr	 perr;

	key = t_unb64(RFC7515_A1_KEY, &keysz);
	t_manual(&jws, "HS256", RFC7515_A1_PROTECTED, RFC7515_PAYLOAD,
	    RFC7515_A1_SIG);
	ck_assert_int_eq(jws_verify_mac(&jws, key, keysz, &perr),
	    ACME_PROB_NONE);
	/* E7: the wrong key */
	key[0] ^= 1;
	ck_assert_int_eq(jws_verify_mac(&jws, key, keysz, &perr),
	    ACME_PROB_UNAUTHORIZED);
	ck_assert_str_eq(perr.detail, "external account binding MAC is "
	    "invalid");
	key[0] ^= 1;
	/* E7: a truncated MAC */
	jws.sigsz = 16;
	ck_assert_int_eq(jws_verify_mac(&jws, key, keysz, &perr),
	    ACME_PROB_UNAUTHORIZED);
	jws.sigsz = 32;
	/* the alg says SHA-384: the 32-byte MAC is the wrong length */
	jws.alg = "HS384";
	ck_assert_int_eq(jws_verify_mac(&jws, key, keysz, &perr),
	    ACME_PROB_UNAUTHORIZED);
	jws_clear(&jws);
	free(key);
}
END_TEST

static void
t_mac(const char *body, const unsigned char *key, size_t keysz,
    enum acme_prob want)
{
	struct jws	 jws;
	struct perr	 perr;

	t_good(body, JWS_EAB, &jws);
	memset(&perr, 0, sizeof(perr));
	ck_assert_int_eq(jws_verify_mac(&jws, key, keysz, &perr), want);
	if (want != ACME_PROB_NONE) {
		ck_assert_int_eq(perr.prob, want);
		ck_assert(perr.detail[0] != '\0');
	}
	jws_clear(&jws);
}

START_TEST(test_jws_verify_mac_E7_wrong_key)
{
	unsigned char	 other[32];
	char		*b;

	memcpy(other, eabkey, sizeof(other));
	other[31] ^= 0x80;
	b = t_eab("{\"alg\":\"HS256\",\"kid\":\"eab-1\",\"url\":\"" URL "\"}",
	    keys[JWK_RSA].jwk, other, sizeof(other), GNUTLS_MAC_SHA256, 0);
	t_mac(b, eabkey, sizeof(eabkey), ACME_PROB_UNAUTHORIZED);
	t_mac(b, other, sizeof(other), ACME_PROB_NONE);
	free(b);
}
END_TEST

START_TEST(test_jws_verify_mac_E7_truncated)
{
	char	*b;

	b = t_eab("{\"alg\":\"HS256\",\"kid\":\"eab-1\",\"url\":\"" URL "\"}",
	    keys[JWK_RSA].jwk, eabkey, sizeof(eabkey), GNUTLS_MAC_SHA256, 16);
	t_mac(b, eabkey, sizeof(eabkey), ACME_PROB_UNAUTHORIZED);
	free(b);
	b = t_eab("{\"alg\":\"HS256\",\"kid\":\"eab-1\",\"url\":\"" URL "\"}",
	    keys[JWK_RSA].jwk, eabkey, sizeof(eabkey), GNUTLS_MAC_SHA256, 1);
	t_mac(b, eabkey, sizeof(eabkey), ACME_PROB_UNAUTHORIZED);
	free(b);
}
END_TEST

START_TEST(test_jws_verify_mac_E7_wrong_hash)
{
	unsigned char	 key[64];
	char		*b;

	memset(key, 7, sizeof(key));
	/* header says HS512, MAC made with SHA-256 */
	b = t_eab("{\"alg\":\"HS512\",\"kid\":\"eab-1\",\"url\":\"" URL "\"}",
	    keys[JWK_RSA].jwk, key, sizeof(key), GNUTLS_MAC_SHA256, 0);
	t_mac(b, key, sizeof(key), ACME_PROB_UNAUTHORIZED);
	free(b);
	/* header says HS256, MAC made with SHA-512 truncated to 32 bytes */
	b = t_eab("{\"alg\":\"HS256\",\"kid\":\"eab-1\",\"url\":\"" URL "\"}",
	    keys[JWK_RSA].jwk, key, sizeof(key), GNUTLS_MAC_SHA512, 32);
	t_mac(b, key, sizeof(key), ACME_PROB_UNAUTHORIZED);
	free(b);
}
END_TEST

START_TEST(test_jws_verify_mac_E7_other_payload)
{
	char	*hdr, *good, *b;
	char	*p64, *pl64, *s64;
	struct json_object *o, *v;

	hdr = "{\"alg\":\"HS256\",\"kid\":\"eab-1\",\"url\":\"" URL "\"}";
	good = t_eab(hdr, keys[JWK_RSA].jwk, eabkey, sizeof(eabkey),
	    GNUTLS_MAC_SHA256, 0);
	o = json_tokener_parse(good);
	ck_assert(json_object_object_get_ex(o, "protected", &v));
	p64 = strdup(json_object_get_string(v));
	ck_assert(json_object_object_get_ex(o, "signature", &v));
	s64 = strdup(json_object_get_string(v));
	json_object_put(o);
	/* the MAC of one account key reused for another (E6 at this level) */
	pl64 = t_b64(keys[JWK_EC_P256].jwk, strlen(keys[JWK_EC_P256].jwk));
	b = t_body(p64, pl64, s64);
	t_mac(b, eabkey, sizeof(eabkey), ACME_PROB_UNAUTHORIZED);
	free(b);
	free(pl64);
	free(p64);
	free(s64);
	free(good);
}
END_TEST

START_TEST(test_jws_verify_mac_E10_short_key)
{
	char	*b;

	b = t_eab("{\"alg\":\"HS256\",\"kid\":\"eab-1\",\"url\":\"" URL "\"}",
	    keys[JWK_RSA].jwk, eabkey, 8, GNUTLS_MAC_SHA256, 0);
	t_mac(b, eabkey, 8, ACME_PROB_UNAUTHORIZED);
	free(b);
	b = t_eab("{\"alg\":\"HS384\",\"kid\":\"eab-1\",\"url\":\"" URL "\"}",
	    keys[JWK_RSA].jwk, eabkey, 32, GNUTLS_MAC_SHA384, 0);
	t_mac(b, eabkey, 32, ACME_PROB_UNAUTHORIZED);
	free(b);
}
END_TEST

START_TEST(test_jws_verify_mac_not_hmac)
{
	struct jws	 jws;
	struct perr	 perr;
	unsigned char	 key[32];

	memset(key, 1, sizeof(key));
	t_manual(&jws, "RS256", RFC7515_A2_PROTECTED, RFC7515_PAYLOAD,
	    RFC7515_A2_SIG);
	ck_assert_int_ne(jws_verify_mac(&jws, key, sizeof(key), &perr),
	    ACME_PROB_NONE);
	jws_clear(&jws);
	memset(&jws, 0, sizeof(jws));
	ck_assert_int_ne(jws_verify_mac(&jws, key, sizeof(key), &perr),
	    ACME_PROB_NONE);
	ck_assert_int_ne(jws_verify_mac(NULL, key, sizeof(key), &perr),
	    ACME_PROB_NONE);
}
END_TEST

/* ------------------------------------------------------------------ */
/* jws_clear, jws_algorithms                                            */
/* ------------------------------------------------------------------ */

START_TEST(test_jws_clear_twice)
{
	struct jws	 jws;
	char		*hdr, *b;

	memset(&jws, 0, sizeof(jws));
	jws_clear(&jws);
	jws_clear(NULL);
	hdr = t_hdr_jwk("ES384", &keys[JWK_EC_P384]);
	b = t_jws(hdr, PAYLOAD, &keys[JWK_EC_P384]);
	t_good(b, JWS_OUTER, &jws);
	jws_clear(&jws);
	ck_assert(t_is_zero(&jws));
	jws_clear(&jws);
	ck_assert(t_is_zero(&jws));
	free(b);
	free(hdr);
}
END_TEST

START_TEST(test_jws_algorithms_list)
{
	char	 buf[64];
	int	 i;

	buf[0] = '\0';
	for (i = 0; i < JWK__MAX; i++) {
		if (i > 0)
			strcat(buf, " ");
		strcat(buf, jwk_kty_alg[i]);
	}
	ck_assert_str_eq(jws_algorithms(), buf);
	ck_assert_str_eq(jws_algorithms(), "RS256 ES256 ES384 ES512 EdDSA");
}
END_TEST

static Suite *
jws_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("jws");

	tc = tcase_create("jws_parse");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_jws_parse_outer_jwk_every_key);
	tcase_add_test(tc, test_jws_parse_outer_kid_every_key);
	tcase_add_test(tc, test_jws_parse_post_as_get);
	tcase_add_test(tc, test_jws_parse_nonce_absent);
	tcase_add_test(tc, test_jws_parse_keychange_inner_ok);
	tcase_add_test(tc, test_jws_parse_eab_ok);
	tcase_add_test(tc, test_jws_parse_obj_ok);
	tcase_add_test(tc, test_jws_parse_J4_jwk_alg_same_ok);
	tcase_add_test(tc, test_jws_parse_J1_alg_none);
	tcase_add_test(tc, test_jws_parse_J1_alg_none_empty_signature);
	tcase_add_test(tc, test_jws_parse_J2_hs256_outer);
	tcase_add_test(tc, test_jws_parse_J3_unsupported_algs);
	tcase_add_test(tc, test_jws_parse_J3_alg_does_not_fit_jwk);
	tcase_add_test(tc, test_jws_parse_J4_jwk_alg_differs);
	tcase_add_test(tc, test_jws_parse_alg_not_string);
	tcase_add_test(tc, test_jws_parse_alg_missing);
	tcase_add_test(tc, test_jws_parse_J5_jwk_and_kid);
	tcase_add_test(tc, test_jws_parse_J6_neither_jwk_nor_kid);
	tcase_add_test(tc, test_jws_parse_J6_kid_bad_type);
	tcase_add_test(tc, test_jws_parse_J6_jwk_not_object);
	tcase_add_test(tc, test_jws_parse_U3_url_missing);
	tcase_add_test(tc, test_jws_parse_U3_url_not_string);
	tcase_add_test(tc, test_jws_parse_nonce_not_string);
	tcase_add_test(tc, test_jws_parse_J11_crit);
	tcase_add_test(tc, test_jws_parse_J12_b64);
	tcase_add_test(tc, test_jws_parse_J13_unprotected_header);
	tcase_add_test(tc, test_jws_parse_J14_general_serialization);
	tcase_add_test(tc, test_jws_parse_J14_compact_serialization);
	tcase_add_test(tc, test_jws_parse_J14_missing_members);
	tcase_add_test(tc, test_jws_parse_members_not_strings);
	tcase_add_test(tc, test_jws_parse_unknown_outer_member);
	tcase_add_test(tc, test_jws_parse_J15_header_members);
	tcase_add_test(tc, test_jws_parse_J15_kid_inside_jwk);
	tcase_add_test(tc, test_jws_parse_J16_private_jwk);
	tcase_add_test(tc, test_jws_parse_J16_oct_jwk);
	tcase_add_test(tc, test_jws_parse_J17_unsupported_curve);
	tcase_add_test(tc, test_jws_parse_J18_off_curve_jwk);
	tcase_add_test(tc, test_jws_parse_J19_long_coordinate);
	tcase_add_test(tc, test_jws_parse_J20_zero_padded_n);
	tcase_add_test(tc, test_jws_parse_J21_rsa_1024);
	tcase_add_test(tc, test_jws_parse_J21_rsa_e3);
	tcase_add_test(tc, test_jws_parse_J24_duplicate_header_member);
	tcase_add_test(tc, test_jws_parse_J24_duplicate_in_jwk);
	tcase_add_test(tc, test_jws_parse_J24_duplicate_outer_member);
	tcase_add_test(tc, test_jws_parse_J25_bad_body_json);
	tcase_add_test(tc, test_jws_parse_J25_bad_header_json);
	tcase_add_test(tc, test_jws_parse_J26_deep_nesting);
	tcase_add_test(tc, test_jws_parse_J28_bad_utf8_and_nul);
	tcase_add_test(tc, test_jws_parse_J28_raw_nul_in_header);
	tcase_add_test(tc, test_jws_parse_J29_noncanonical_base64url);
	tcase_add_test(tc, test_jws_parse_J30_ed25519_bad_key);
	tcase_add_test(tc, test_jws_parse_rfc7515_a2_flattened);
	tcase_add_test(tc, test_jws_parse_obj_not_object);
	tcase_add_test(tc, test_jws_parse_keychange_inner_kid);
	tcase_add_test(tc, test_jws_parse_keychange_inner_nonce);
	tcase_add_test(tc, test_jws_parse_keychange_inner_no_jwk);
	tcase_add_test(tc, test_jws_parse_keychange_inner_no_url);
	tcase_add_test(tc, test_jws_parse_keychange_inner_J1_J2_alg);
	tcase_add_test(tc, test_jws_parse_E2_eab_alg);
	tcase_add_test(tc, test_jws_parse_E3_eab_nonce);
	tcase_add_test(tc, test_jws_parse_E3_eab_jwk);
	tcase_add_test(tc, test_jws_parse_E4_eab_url_missing);
	tcase_add_test(tc, test_jws_parse_eab_kid_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("jws_verify");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_jws_verify_rfc7515_a2_rs256);
	tcase_add_test(tc, test_jws_verify_rfc7515_a3_es256);
	tcase_add_test(tc, test_jws_verify_rfc8037_a4_ed25519);
	tcase_add_test(tc, test_jws_verify_J23_malleable_s_verifies);
	tcase_add_test(tc, test_jws_verify_J3_rfc_vector_wrong_key_type);
	tcase_add_test(tc, test_jws_verify_J3_alg_does_not_fit_account_key);
	tcase_add_test(tc, test_jws_verify_J3_hash_not_from_signature);
	tcase_add_test(tc, test_jws_verify_tampered_payload);
	tcase_add_test(tc, test_jws_verify_J7_other_key);
	tcase_add_test(tc, test_jws_verify_J22_der_signature);
	tcase_add_test(tc, test_jws_verify_J22_wrong_length);
	tcase_add_test(tc, test_jws_verify_J22_p521_length);
	tcase_add_test(tc, test_jws_verify_J22_r_s_zero_or_large);
	tcase_add_test(tc, test_jws_verify_rsa_signature_length);
	tcase_add_test(tc, test_jws_verify_ed25519_signature_length);
	tcase_add_test(tc, test_jws_verify_bad_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("jws_verify_mac");
	tcase_add_test(tc, test_jws_verify_mac_rfc7515_a1);
	tcase_add_test(tc, test_jws_verify_mac_E7_wrong_key);
	tcase_add_test(tc, test_jws_verify_mac_E7_truncated);
	tcase_add_test(tc, test_jws_verify_mac_E7_wrong_hash);
	tcase_add_test(tc, test_jws_verify_mac_E7_other_payload);
	tcase_add_test(tc, test_jws_verify_mac_E10_short_key);
	tcase_add_test(tc, test_jws_verify_mac_not_hmac);
	suite_add_tcase(s, tc);

	tc = tcase_create("jws_clear");
	tcase_add_test(tc, test_jws_clear_twice);
	tcase_add_test(tc, test_jws_algorithms_list);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed, i;

	for (i = 0; i < JWK__MAX; i++)
		t_keygen(&keys[i], (enum jwk_kty)i, 2048);
	t_keygen(&k_rsa2, JWK_RSA, 2048);
	t_keygen(&k_rsa1024, JWK_RSA, 1024);

	sr = srunner_create(jws_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);

	for (i = 0; i < JWK__MAX; i++)
		t_keyfree(&keys[i]);
	t_keyfree(&k_rsa2);
	t_keyfree(&k_rsa1024);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

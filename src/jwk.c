/*
 * jwk.c: client public keys (RFC 7517 JWK) and their RFC 7638 thumbprints.
 *
 * Owns the key policy: which JWKs become a struct jwk at all.  GnuTLS 3.7
 * imports far too much on its own (512-bit e=3 RSA, zero-padded moduli,
 * off-curve points, 33-byte coordinates; SECURITY.md J16-J21, J30), so every
 * check is made here before and after the import, and every key in the
 * program, whether it came from a JWS header, a stored record or a PEM file,
 * passes through jwk_from_json().
 *
 * Must never: import private key material, accept a key whose JSON has more
 * than one encoding (the thumbprint is the account index), fetch anything
 * (x5u, jku), or log key bytes.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "acmegw.h"

/* The only JWS algorithm for each key type (RFC 7518, RFC 8037). */
const char *const jwk_kty_alg[JWK__MAX] = {
	"RS256",	/* JWK_RSA */
	"ES256",	/* JWK_EC_P256 */
	"ES384",	/* JWK_EC_P384 */
	"ES512",	/* JWK_EC_P521 */
	"EdDSA",	/* JWK_ED25519 */
};

#define JWK_RSA_MINBITS	2048
#define JWK_RSA_MAXBITS	8192
#define JWK_SMALLPRIME	752	/* Boulder: no prime factor below this */

/* Private members: present means someone sent us a private key (J16). */
static const char *const jwk_private[] = {
	"d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL
};

/* Members that point at other keys or certificates (J15). */
static const char *const jwk_foreign[] = {
	"kid", "x5c", "x5u", "x5t", "x5t#S256", "jku", NULL
};

static const char *const jwk_rsa_members[] = {
	"kty", "n", "e", "alg", "use", NULL
};
static const char *const jwk_ec_members[] = {
	"kty", "crv", "x", "y", "alg", "use", NULL
};
static const char *const jwk_okp_members[] = {
	"kty", "crv", "x", "alg", "use", NULL
};

/* The EC curves we take: JWK name, GnuTLS curve, coordinate size. */
static const struct jwk_curve {
	const char		*crv;
	enum jwk_kty		 kty;
	gnutls_ecc_curve_t	 curve;
	size_t			 len;
	unsigned int		 bits;
} jwk_curves[] = {
	{ "P-256", JWK_EC_P256, GNUTLS_ECC_CURVE_SECP256R1, 32, 256 },
	{ "P-384", JWK_EC_P384, GNUTLS_ECC_CURVE_SECP384R1, 48, 384 },
	{ "P-521", JWK_EC_P521, GNUTLS_ECC_CURVE_SECP521R1, 66, 521 },
};

/*
 * Ed25519 encodings of the eight points of small order (the torsion
 * subgroup), sign bit cleared.  A key equal to one of them would accept
 * signatures that say nothing about who made them (J30).
 */
static const unsigned char jwk_ed25519_small[][32] = {
	{ 0x00 },	/* y = 0, order 4 */
	{ 0x01 },	/* y = 1, the neutral element */
	{ 0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
	  0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
	  0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05 },
	{ 0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
	  0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
	  0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a },
	{ 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
};

/*
 * Look up string member name: 1 and *s, *len when present, 0 when absent,
 * -1 with perr filled when it is not a string of valid UTF-8 without NUL.
 */
static int
jwk_get_str(struct json_object *obj, const char *name, const char **s,
    size_t *len, struct perr *perr)
{
	*s = NULL;
	*len = 0;
	switch (json_get_str(obj, name, s, len)) {
	case 0:
		return 1;
	case 1:
		return 0;
	default:
		perr_set(perr, ACME_PROB_MALFORMED, "JWK member %s is not a "
		    "string of valid UTF-8 without NUL characters", name);
		return -1;
	}
}

/*
 * Fetch required base64url member name and decode it strictly into a new
 * buffer (*out, *outsz; caller frees).  Returns 0, or -1 with perr filled.
 */
static int
jwk_get_b64(struct json_object *obj, const char *name, unsigned char **out,
    size_t *outsz, struct perr *perr)
{
	const char	*s;
	size_t		 len;
	int		 rc;

	*out = NULL;
	*outsz = 0;
	if ((rc = jwk_get_str(obj, name, &s, &len, perr)) == -1)
		return -1;
	if (rc == 0) {
		perr_set(perr, ACME_PROB_MALFORMED,
		    "JWK member %s is missing", name);
		return -1;
	}
	if (len == 0 || b64url_decode(s, len, out, outsz) == -1 ||
	    *outsz == 0) {
		free(*out);
		*out = NULL;
		*outsz = 0;
		perr_set(perr, ACME_PROB_MALFORMED,
		    "JWK member %s is not canonical base64url", name);
		return -1;
	}
	return 0;
}

/* Encode buf into a new NUL-terminated base64url string, or NULL. */
static char *
jwk_b64_dup(const unsigned char *buf, size_t bufsz)
{
	char	*s;
	size_t	 sz;

	sz = b64url_enclen(bufsz) + 1;
	if ((s = malloc(sz)) == NULL)
		return NULL;
	if (b64url_encode(buf, bufsz, s, sz) == -1) {
		free(s);
		return NULL;
	}
	return s;
}

/*
 * Build the RFC 7638 canonical JSON from up to three (name, value) pairs
 * already in lexicographic order.  The values are our own base64url or
 * fixed names, so nothing needs escaping.  Returns a new string or NULL.
 */
static char *
jwk_canon_build(const char *n1, const char *v1, const char *n2,
    const char *v2, const char *n3, const char *v3, const char *n4,
    const char *v4)
{
	char	*s = NULL;
	size_t	 sz;
	int	 len;

	sz = strlen(n1) + strlen(v1) + strlen(n2) + strlen(v2) +
	    strlen(n3) + strlen(v3) + 32;
	if (n4 != NULL)
		sz += strlen(n4) + strlen(v4) + 8;
	if ((s = malloc(sz)) == NULL)
		return NULL;
	if (n4 == NULL)
		len = snprintf(s, sz, "{\"%s\":\"%s\",\"%s\":\"%s\","
		    "\"%s\":\"%s\"}", n1, v1, n2, v2, n3, v3);
	else
		len = snprintf(s, sz, "{\"%s\":\"%s\",\"%s\":\"%s\","
		    "\"%s\":\"%s\",\"%s\":\"%s\"}", n1, v1, n2, v2, n3, v3,
		    n4, v4);
	if (len < 0 || (size_t)len >= sz) {
		free(s);
		return NULL;
	}
	return s;
}

static int
jwk_is_small_prime(unsigned int p)
{
	unsigned int	 d;

	if (p < 2)
		return 0;
	for (d = 2; d * d <= p; d++)
		if (p % d == 0)
			return 0;
	return 1;
}

/* 1 when the big-endian number n has a prime factor below 752. */
static int
jwk_rsa_has_small_factor(const unsigned char *n, size_t nsz)
{
	unsigned int	 p, r;
	size_t		 i;

	for (p = 2; p < JWK_SMALLPRIME; p++) {
		if (!jwk_is_small_prime(p))
			continue;
		for (r = 0, i = 0; i < nsz; i++)
			r = (r * 256 + n[i]) % p;
		if (r == 0)
			return 1;
	}
	return 0;
}

/* RSA: n and e, under the policy; fills k or perr.  0 / -1. */
static int
jwk_rsa(struct json_object *obj, struct jwk *k, struct perr *perr)
{
	static const unsigned char	 f4[] = { 0x01, 0x00, 0x01 };
	unsigned char			*n = NULL, *e = NULL;
	size_t				 nsz, esz;
	unsigned int			 bits, top;
	char				*ns = NULL, *es = NULL;
	gnutls_datum_t			 dn, de;
	int				 rc = -1;

	if (jwk_get_b64(obj, "n", &n, &nsz, perr) == -1 ||
	    jwk_get_b64(obj, "e", &e, &esz, perr) == -1)
		goto out;
	if (esz != sizeof(f4) || memcmp(e, f4, sizeof(f4)) != 0) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY,
		    "RSA public exponent must be 65537 (\"AQAB\")");
		goto out;
	}
	if (n[0] == 0) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY,
		    "RSA modulus has leading zero octets; "
		    "the minimal encoding is required");
		goto out;
	}
	for (top = 0; (n[0] >> top) != 0; top++)
		continue;
	if (nsz > JWK_RSA_MAXBITS / 8 + 1)
		bits = JWK_RSA_MAXBITS + 8;	/* only for the message */
	else
		bits = (unsigned int)(nsz - 1) * 8 + top;
	if (bits < JWK_RSA_MINBITS || bits > JWK_RSA_MAXBITS) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY,
		    "RSA modulus is %s%u bits; %d to %d required",
		    bits > JWK_RSA_MAXBITS ? "over " : "",
		    bits > JWK_RSA_MAXBITS ? JWK_RSA_MAXBITS : bits,
		    JWK_RSA_MINBITS, JWK_RSA_MAXBITS);
		goto out;
	}
	if (bits % 8 != 0) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY,
		    "RSA modulus is %u bits, not a multiple of 8", bits);
		goto out;
	}
	if (jwk_rsa_has_small_factor(n, nsz)) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY,
		    "RSA modulus has a small prime factor");
		goto out;
	}
	dn.data = n;
	dn.size = (unsigned int)nsz;
	de.data = e;
	de.size = (unsigned int)esz;
	if (gnutls_pubkey_import_rsa_raw(k->pub, &dn, &de) < 0) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY,
		    "RSA public key could not be imported");
		goto out;
	}
	if ((ns = jwk_b64_dup(n, nsz)) == NULL ||
	    (es = jwk_b64_dup(e, esz)) == NULL ||
	    (k->canon = jwk_canon_build("e", es, "kty", "RSA", "n", ns,
	    NULL, NULL)) == NULL) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL,
		    "out of memory while importing a key");
		goto out;
	}
	k->kty = JWK_RSA;
	k->bits = bits;
	rc = 0;
out:
	free(n);
	free(e);
	free(ns);
	free(es);
	return rc;
}

/* EC P-256/384/521: crv, x, y under the policy.  0 / -1. */
static int
jwk_ec(struct json_object *obj, struct jwk *k, struct perr *perr)
{
	const struct jwk_curve	*c = NULL;
	const char		*crv;
	char			 san[64];
	unsigned char		*x = NULL, *y = NULL;
	size_t			 i, crvsz, xsz, ysz;
	char			*xs = NULL, *ys = NULL;
	gnutls_datum_t		 dx, dy;
	int			 rc = -1, r;

	if ((r = jwk_get_str(obj, "crv", &crv, &crvsz, perr)) == -1)
		goto out;
	if (r == 0) {
		perr_set(perr, ACME_PROB_MALFORMED,
		    "JWK member crv is missing");
		goto out;
	}
	for (i = 0; i < sizeof(jwk_curves) / sizeof(jwk_curves[0]); i++)
		if (strcmp(crv, jwk_curves[i].crv) == 0)
			c = &jwk_curves[i];
	if (c == NULL) {
		log_sanitize(san, sizeof(san), crv, crvsz);
		perr_set(perr, ACME_PROB_BAD_PUBKEY, "EC curve \"%s\" is not "
		    "supported; use P-256, P-384 or P-521", san);
		goto out;
	}
	if (jwk_get_b64(obj, "x", &x, &xsz, perr) == -1 ||
	    jwk_get_b64(obj, "y", &y, &ysz, perr) == -1)
		goto out;
	if (xsz != c->len || ysz != c->len) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY, "EC coordinate %s is %zu "
		    "bytes; %s requires exactly %zu", xsz != c->len ? "x" : "y",
		    xsz != c->len ? xsz : ysz, c->crv, c->len);
		goto out;
	}
	dx.data = x;
	dx.size = (unsigned int)xsz;
	dy.data = y;
	dy.size = (unsigned int)ysz;
	if (gnutls_pubkey_import_ecc_raw(k->pub, c->curve, &dx, &dy) < 0) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY,
		    "EC public key is not a valid %s point", c->crv);
		goto out;
	}
	/* The only check that catches an off-curve point (J18). */
	if (gnutls_pubkey_verify_params(k->pub) < 0) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY,
		    "EC public key is not a point on %s", c->crv);
		goto out;
	}
	if ((xs = jwk_b64_dup(x, xsz)) == NULL ||
	    (ys = jwk_b64_dup(y, ysz)) == NULL ||
	    (k->canon = jwk_canon_build("crv", c->crv, "kty", "EC", "x", xs,
	    "y", ys)) == NULL) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL,
		    "out of memory while importing a key");
		goto out;
	}
	k->kty = c->kty;
	k->bits = c->bits;
	rc = 0;
out:
	free(x);
	free(y);
	free(xs);
	free(ys);
	return rc;
}

/* 1 when the 32-byte Ed25519 encoding is of small order or y >= p. */
static int
jwk_ed25519_is_weak(const unsigned char *x)
{
	unsigned char	 v[32];
	size_t		 i;
	int		 all_ff = 1;

	memcpy(v, x, sizeof(v));
	v[31] &= 0x7f;			/* the sign bit of the x coordinate */
	for (i = 0; i < sizeof(jwk_ed25519_small) /
	    sizeof(jwk_ed25519_small[0]); i++)
		if (memcmp(v, jwk_ed25519_small[i], sizeof(v)) == 0)
			return 1;
	/* Non-canonical: y >= p = 2^255 - 19. */
	for (i = 1; i < 31; i++)
		if (v[i] != 0xff)
			all_ff = 0;
	if (all_ff && v[31] == 0x7f && v[0] >= 0xed)
		return 1;
	return 0;
}

/* OKP Ed25519: crv and x.  0 / -1. */
static int
jwk_okp(struct json_object *obj, struct jwk *k, struct perr *perr)
{
	const char	*crv;
	char		 san[64];
	unsigned char	*x = NULL;
	size_t		 crvsz, xsz;
	char		*xs = NULL;
	gnutls_datum_t	 dx;
	int		 rc = -1, r;

	if ((r = jwk_get_str(obj, "crv", &crv, &crvsz, perr)) == -1)
		goto out;
	if (r == 0) {
		perr_set(perr, ACME_PROB_MALFORMED,
		    "JWK member crv is missing");
		goto out;
	}
	if (strcmp(crv, "Ed25519") != 0) {
		log_sanitize(san, sizeof(san), crv, crvsz);
		perr_set(perr, ACME_PROB_BAD_PUBKEY, "OKP curve \"%s\" is not "
		    "supported; use Ed25519", san);
		goto out;
	}
	if (jwk_get_b64(obj, "x", &x, &xsz, perr) == -1)
		goto out;
	if (xsz != 32) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY, "Ed25519 public key is "
		    "%zu bytes; exactly 32 required", xsz);
		goto out;
	}
	if (jwk_ed25519_is_weak(x)) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY, "Ed25519 public key is a "
		    "point of small order or not canonically encoded");
		goto out;
	}
	dx.data = x;
	dx.size = (unsigned int)xsz;
	if (gnutls_pubkey_import_ecc_raw(k->pub, GNUTLS_ECC_CURVE_ED25519,
	    &dx, NULL) < 0 || gnutls_pubkey_verify_params(k->pub) < 0) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY,
		    "Ed25519 public key is invalid");
		goto out;
	}
	if ((xs = jwk_b64_dup(x, xsz)) == NULL ||
	    (k->canon = jwk_canon_build("crv", "Ed25519", "kty", "OKP",
	    "x", xs, NULL, NULL)) == NULL) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL,
		    "out of memory while importing a key");
		goto out;
	}
	k->kty = JWK_ED25519;
	k->bits = 256;
	rc = 0;
out:
	free(x);
	free(xs);
	return rc;
}

/*
 * Import a client JWK (a json-c object, borrowed) under our key policy:
 * RSA with e = 65537 and a minimally encoded 2048..8192-bit modulus that is
 * a multiple of 8 bits and has no prime factor below 752; EC P-256/384/521
 * with full-length coordinates on the curve; Ed25519 with a 32-byte key not
 * of small order.  Members allowed: kty, n, e / crv, x, y, alg ("sig" keys
 * only through use), all strings.
 * Returns a new struct jwk (jwk_free()) with its canonical JSON and
 * thumbprint, or NULL with perr filled: MALFORMED for bad JSON shapes,
 * private members (J16), kid/x5* (J15) and an alg that does not fit the key
 * (J4); BAD_PUBKEY for unsupported types and curves and for weak keys.
 */
struct jwk *
jwk_from_json(struct json_object *obj, struct perr *perr)
{
	struct perr		 lperr;
	struct jwk		*k = NULL, *ret = NULL;
	const char *const	*allowed;
	const char		*kty, *alg, *use;
	char			 san[64];
	size_t			 ktysz, algsz, usesz;
	int			 r;

	if (perr == NULL)
		perr = &lperr;
	if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
		perr_set(perr, ACME_PROB_MALFORMED, "JWK is not a JSON object");
		goto out;
	}
	if ((r = jwk_get_str(obj, "kty", &kty, &ktysz, perr)) == -1)
		goto out;
	if (r == 0) {
		perr_set(perr, ACME_PROB_MALFORMED,
		    "JWK member kty is missing");
		goto out;
	}
	if (strcmp(kty, "RSA") == 0)
		allowed = jwk_rsa_members;
	else if (strcmp(kty, "EC") == 0)
		allowed = jwk_ec_members;
	else if (strcmp(kty, "OKP") == 0)
		allowed = jwk_okp_members;
	else {
		log_sanitize(san, sizeof(san), kty, ktysz);
		perr_set(perr, ACME_PROB_BAD_PUBKEY, "JWK key type \"%s\" is "
		    "not supported; use RSA, EC or OKP", san);
		goto out;
	}

	{
		json_object_object_foreach(obj, name, val) {
			(void)val;
			if (json_name_is_listed(name, allowed))
				continue;
			log_sanitize(san, sizeof(san), name, strlen(name));
			if (json_name_is_listed(name, jwk_private))
				perr_set(perr, ACME_PROB_MALFORMED,
				    "JWK carries the private key member "
				    "\"%s\"; send the public key only", san);
			else if (json_name_is_listed(name, jwk_foreign))
				perr_set(perr, ACME_PROB_MALFORMED,
				    "JWK member \"%s\" is not allowed in ACME",
				    san);
			else
				perr_set(perr, ACME_PROB_MALFORMED,
				    "JWK member \"%s\" is not allowed for "
				    "key type %s", san, kty);
			goto out;
		}
	}

	if ((r = jwk_get_str(obj, "use", &use, &usesz, perr)) == -1)
		goto out;
	if (r == 1 && strcmp(use, "sig") != 0) {
		perr_set(perr, ACME_PROB_MALFORMED,
		    "JWK member use must be \"sig\"");
		goto out;
	}
	if (jwk_get_str(obj, "alg", &alg, &algsz, perr) == -1)
		goto out;

	if ((k = calloc(1, sizeof(*k))) == NULL ||
	    gnutls_pubkey_init(&k->pub) < 0) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL,
		    "out of memory while importing a key");
		goto out;
	}
	if (allowed == jwk_rsa_members)
		r = jwk_rsa(obj, k, perr);
	else if (allowed == jwk_ec_members)
		r = jwk_ec(obj, k, perr);
	else
		r = jwk_okp(obj, k, perr);
	if (r == -1)
		goto out;

	if (alg != NULL && strcmp(alg, jwk_kty_alg[k->kty]) != 0) {
		log_sanitize(san, sizeof(san), alg, algsz);
		perr_set(perr, ACME_PROB_MALFORMED, "JWK alg \"%s\" does not "
		    "fit the key (%s expected)", san, jwk_kty_alg[k->kty]);
		goto out;
	}
	if (jwk_thumbprint(k->canon, k->thumb, sizeof(k->thumb)) == -1) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL,
		    "cannot compute the key thumbprint");
		goto out;
	}
	ret = k;
	k = NULL;
out:
	jwk_free(k);
	return ret;
}

/*
 * Rebuild a key from its stored RFC 7638 canonical JSON (NUL-terminated).
 * The full policy applies again.  Returns a new struct jwk or NULL.
 */
struct jwk *
jwk_from_canon(const char *text)
{
	struct json_object	*obj = NULL;
	struct jwk		*k = NULL;
	struct perr		 perr;

	if (text == NULL)
		goto out;
	memset(&perr, 0, sizeof(perr));
	if ((obj = json_parse_strict(text, strlen(text), &perr)) == NULL)
		goto out;
	k = jwk_from_json(obj, &perr);
out:
	if (obj != NULL)
		json_object_put(obj);
	return k;
}

/* Left-pad the integer in d to exactly len bytes; 0, or -1 if too long. */
static int
jwk_pad(const gnutls_datum_t *d, unsigned char *out, size_t len)
{
	if (d->size > len)
		return -1;
	memset(out, 0, len - d->size);
	memcpy(out + (len - d->size), d->data, d->size);
	return 0;
}

/* Add member name with the base64url of buf to obj.  0 / -1. */
static int
jwk_add_b64(struct json_object *obj, const char *name,
    const unsigned char *buf, size_t bufsz)
{
	char	*s;
	int	 rc;

	if ((s = jwk_b64_dup(buf, bufsz)) == NULL)
		return -1;
	rc = json_object_object_add(obj, name, json_object_new_string(s));
	free(s);
	return rc == 0 ? 0 : -1;
}

/*
 * Import a PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----"; RSA,
 * EC P-256/384/521 or Ed25519) of len bytes.  The raw parameters are turned
 * into a JWK and go through jwk_from_json(), so the same policy applies.
 * Returns a new struct jwk, or NULL with perr filled (BAD_PUBKEY when the
 * PEM cannot be read or holds another kind of key).
 */
struct jwk *
jwk_from_pem(const char *pem, size_t len, struct perr *perr)
{
	struct perr		 lperr;
	struct jwk		*k = NULL;
	struct json_object	*obj = NULL;
	gnutls_pubkey_t		 pub = NULL;
	gnutls_datum_t		 in, a = { NULL, 0 }, b = { NULL, 0 };
	gnutls_ecc_curve_t	 curve;
	unsigned char		 xb[66], yb[66];
	const char		*crv;
	size_t			 clen;
	unsigned int		 bits;
	int			 pk;

	if (perr == NULL)
		perr = &lperr;
	if (pem == NULL || len == 0 || len > 65536) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY, "no PEM public key given");
		goto out;
	}
	if (gnutls_pubkey_init(&pub) < 0 ||
	    (obj = json_object_new_object()) == NULL) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL, "out of memory");
		goto out;
	}
	in.data = (unsigned char *)(uintptr_t)pem;
	in.size = (unsigned int)len;
	if (gnutls_pubkey_import(pub, &in, GNUTLS_X509_FMT_PEM) < 0) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY, "not a PEM public key "
		    "(-----BEGIN PUBLIC KEY-----)");
		goto out;
	}
	pk = gnutls_pubkey_get_pk_algorithm(pub, &bits);
	switch (pk) {
	case GNUTLS_PK_RSA:
		if (gnutls_pubkey_export_rsa_raw2(pub, &a, &b,
		    GNUTLS_EXPORT_FLAG_NO_LZ) < 0)
			goto bad;
		if (json_object_object_add(obj, "kty",
		    json_object_new_string("RSA")) != 0 ||
		    jwk_add_b64(obj, "n", a.data, a.size) == -1 ||
		    jwk_add_b64(obj, "e", b.data, b.size) == -1)
			goto nomem;
		break;
	case GNUTLS_PK_ECDSA:
	case GNUTLS_PK_EDDSA_ED25519:
		if (gnutls_pubkey_export_ecc_raw2(pub, &curve, &a,
		    pk == GNUTLS_PK_ECDSA ? &b : NULL,
		    GNUTLS_EXPORT_FLAG_NO_LZ) < 0)
			goto bad;
		switch (curve) {
		case GNUTLS_ECC_CURVE_SECP256R1:
			crv = "P-256";
			clen = 32;
			break;
		case GNUTLS_ECC_CURVE_SECP384R1:
			crv = "P-384";
			clen = 48;
			break;
		case GNUTLS_ECC_CURVE_SECP521R1:
			crv = "P-521";
			clen = 66;
			break;
		case GNUTLS_ECC_CURVE_ED25519:
			crv = "Ed25519";
			clen = 32;
			break;
		default:
			perr_set(perr, ACME_PROB_BAD_PUBKEY, "the PEM key's "
			    "curve is not supported; use P-256, P-384, P-521 "
			    "or Ed25519");
			goto out;
		}
		if (jwk_pad(&a, xb, clen) == -1 ||
		    (pk == GNUTLS_PK_ECDSA && jwk_pad(&b, yb, clen) == -1))
			goto bad;
		if (json_object_object_add(obj, "kty", json_object_new_string(
		    pk == GNUTLS_PK_ECDSA ? "EC" : "OKP")) != 0 ||
		    json_object_object_add(obj, "crv",
		    json_object_new_string(crv)) != 0 ||
		    jwk_add_b64(obj, "x", xb, clen) == -1 ||
		    (pk == GNUTLS_PK_ECDSA &&
		    jwk_add_b64(obj, "y", yb, clen) == -1))
			goto nomem;
		break;
	default:
		perr_set(perr, ACME_PROB_BAD_PUBKEY, "the PEM key type is not "
		    "supported; use RSA, EC P-256/384/521 or Ed25519");
		goto out;
	}
	k = jwk_from_json(obj, perr);
	goto out;
bad:
	perr_set(perr, ACME_PROB_BAD_PUBKEY,
	    "the PEM public key parameters cannot be read");
	goto out;
nomem:
	perr_set(perr, ACME_PROB_SERVER_INTERNAL, "out of memory");
out:
	gnutls_free(a.data);
	gnutls_free(b.data);
	if (obj != NULL)
		json_object_put(obj);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	return k;
}

/* Free a key made by this file; NULL is fine. */
void
jwk_free(struct jwk *k)
{
	if (k == NULL)
		return;
	if (k->pub != NULL)
		gnutls_pubkey_deinit(k->pub);
	free(k->canon);
	free(k);
}

/*
 * Write the RFC 7638 thumbprint of canonical JSON canon (base64url of its
 * SHA-256, 43 characters and a NUL) into out of outsz bytes.
 * Returns 0, or -1 when out is too small or hashing fails.
 */
int
jwk_thumbprint(const char *canon, char *out, size_t outsz)
{
	unsigned char	 md[32];
	char		 buf[64];

	if (canon == NULL || out == NULL || outsz < ACMEGW_THUMB_LEN + 1)
		return -1;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, canon, strlen(canon), md) < 0)
		return -1;
	if (b64url_encode(md, sizeof(md), buf, sizeof(buf)) == -1 ||
	    strlen(buf) != ACMEGW_THUMB_LEN)
		return -1;
	memcpy(out, buf, ACMEGW_THUMB_LEN + 1);
	return 0;
}

/* 1 when a and b are the same key (equal RFC 7638 thumbprints), else 0. */
int
jwk_is_same(const struct jwk *a, const struct jwk *b)
{
	if (a == NULL || b == NULL)
		return 0;
	return strcmp(a->thumb, b->thumb) == 0;
}

/*
 * jws.c: flattened JWS (RFC 7515 7.2.2) as ACME uses it (RFC 8555 6.2).
 *
 * Owns the JOSE header policy (SECURITY.md J1-J30, E2-E4, E7): the shape of
 * the request body, the protected-header allow-list, the algorithm table per
 * mode, and the signature checks with GnuTLS.  The algorithm used to verify
 * always comes from the key type (jwk_kty_alg[]), never from the header or
 * the signature.
 *
 * Must never: accept "none", a MAC or a hash chosen by the client for an
 * account key, an unprotected header, more than one signature, or log keys,
 * signatures, MACs or payloads.  It does not check nonces or URLs against
 * the request: the router does, with the strings parsed here.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "acmegw.h"

/* Protected-header members we accept (J15: everything else is refused). */
static const char *const jws_hdr_members[] = {
	"alg", "nonce", "url", "jwk", "kid", NULL
};

/* Verification algorithm and raw ECDSA signature size for each key type. */
static const struct {
	gnutls_sign_algorithm_t	 sign;
	size_t			 rs;	/* r || s bytes; 0: not ECDSA */
} jws_kty_sign[JWK__MAX] = {
	{ GNUTLS_SIGN_RSA_SHA256, 0 },		/* JWK_RSA */
	{ GNUTLS_SIGN_ECDSA_SHA256, 64 },	/* JWK_EC_P256 */
	{ GNUTLS_SIGN_ECDSA_SHA384, 96 },	/* JWK_EC_P384 */
	{ GNUTLS_SIGN_ECDSA_SHA512, 132 },	/* JWK_EC_P521 */
	{ GNUTLS_SIGN_EDDSA_ED25519, 0 },	/* JWK_ED25519 */
};

/* The EAB MAC algorithms (RFC 8555 7.3.4). */
static const struct {
	const char		*alg;
	gnutls_mac_algorithm_t	 mac;
	size_t			 len;
} jws_macs[] = {
	{ "HS256", GNUTLS_MAC_SHA256, 32 },
	{ "HS384", GNUTLS_MAC_SHA384, 48 },
	{ "HS512", GNUTLS_MAC_SHA512, 64 },
};

#define JWS_NMACS	(sizeof(jws_macs) / sizeof(jws_macs[0]))

static const char *const jws_mode_name[JWS_MODE__MAX] = {
	"JWS",				/* JWS_OUTER */
	"inner key-change JWS",		/* JWS_KEYCHANGE_INNER */
	"external account binding JWS",	/* JWS_EAB */
};

/*
 * String member name of obj: 1 and *s / *len when present, 0 absent, -1
 * with perr filled when not a string of valid UTF-8 without NUL.  what
 * names the object in messages.
 */
static int
jws_get_str(struct json_object *obj, const char *name, const char *what,
    const char **s, size_t *len, struct perr *perr)
{
	*s = NULL;
	if (len != NULL)
		*len = 0;
	switch (json_get_str(obj, name, s, len)) {
	case 0:
		return 1;
	case 1:
		return 0;
	default:
		perr_set(perr, ACME_PROB_MALFORMED, "%s member %s is not a "
		    "string of valid UTF-8 without NUL characters", what, name);
		return -1;
	}
}

/*
 * Strictly decode base64url text s (len bytes) into a new buffer with a NUL
 * after the data (*out, *outsz without the NUL).  "" gives an empty buffer.
 * Returns 0 / -1.
 */
static int
jws_b64_decode(const char *s, size_t len, unsigned char **out, size_t *outsz)
{
	unsigned char	*buf = NULL, *p;
	size_t		 sz = 0;

	*out = NULL;
	*outsz = 0;
	if (len > 0 && b64url_decode(s, len, &buf, &sz) == -1)
		return -1;
	if ((p = realloc(buf, sz + 1)) == NULL) {
		free(buf);
		return -1;
	}
	p[sz] = '\0';
	*out = p;
	*outsz = sz;
	return 0;
}

/* The header's alg against the table for mode; ACME_PROB_NONE when fine. */
static enum acme_prob
jws_check_alg(const char *alg, size_t alglen, enum jws_mode mode,
    struct perr *perr)
{
	char	 san[48];
	size_t	 i;

	log_sanitize(san, sizeof(san), alg, alglen);
	if (mode == JWS_EAB) {
		for (i = 0; i < JWS_NMACS; i++)
			if (strcmp(alg, jws_macs[i].alg) == 0)
				return ACME_PROB_NONE;
		/* E2: step-ca and the RFC: malformed, not badSignatureAlg. */
		return perr_set(perr, ACME_PROB_MALFORMED, "external account "
		    "binding alg \"%s\" is not HS256, HS384 or HS512", san);
	}
	for (i = 0; i < JWK__MAX; i++)
		if (strcmp(alg, jwk_kty_alg[i]) == 0)
			return ACME_PROB_NONE;
	return perr_set(perr, ACME_PROB_BAD_SIG_ALG, "JWS algorithm \"%s\" is "
	    "not supported; use one of %s", san, jws_algorithms());
}

/*
 * The protected header against the allow-list and the rules of mode; fills
 * jws->alg/nonce/url/kid/jwk.  Returns ACME_PROB_NONE or the problem.
 */
static enum acme_prob
jws_check_header(struct jws *jws, enum jws_mode mode, struct perr *perr)
{
	struct json_object	*hdr = jws->hdr, *v = NULL;
	const char		*what = jws_mode_name[mode];
	char			 san[64];
	size_t			 alglen;
	int			 has_jwk, r;

	{
		json_object_object_foreach(hdr, name, val) {
			(void)val;
			if (json_name_is_listed(name, jws_hdr_members))
				continue;
			log_sanitize(san, sizeof(san), name, strlen(name));
			if (strcmp(name, "crit") == 0)
				return perr_set(perr, ACME_PROB_MALFORMED,
				    "%s header member crit is not supported: "
				    "ACME defines no critical extensions",
				    what);
			if (strcmp(name, "b64") == 0)
				return perr_set(perr, ACME_PROB_MALFORMED,
				    "%s header member b64 is not allowed "
				    "(RFC 8555 6.2)", what);
			return perr_set(perr, ACME_PROB_MALFORMED,
			    "%s protected header member \"%s\" is not "
			    "allowed; only alg, nonce, url, jwk and kid",
			    what, san);
		}
	}

	if ((r = jws_get_str(hdr, "alg", what, &jws->alg, &alglen, perr)) == -1)
		return perr->prob;
	if (r == 0)
		return perr_set(perr, ACME_PROB_MALFORMED,
		    "%s protected header has no alg", what);
	if (jws_check_alg(jws->alg, alglen, mode, perr) != ACME_PROB_NONE)
		return perr->prob;

	has_jwk = json_object_object_get_ex(hdr, "jwk", &v);
	if (jws_get_str(hdr, "kid", what, &jws->kid, NULL, perr) == -1 ||
	    jws_get_str(hdr, "nonce", what, &jws->nonce, NULL, perr) == -1 ||
	    jws_get_str(hdr, "url", what, &jws->url, NULL, perr) == -1)
		return perr->prob;

	switch (mode) {
	case JWS_OUTER:
		if (has_jwk && jws->kid != NULL)
			return perr_set(perr, ACME_PROB_MALFORMED,
			    "JWS has both jwk and kid; exactly one is "
			    "required");
		if (!has_jwk && jws->kid == NULL)
			return perr_set(perr, ACME_PROB_MALFORMED,
			    "JWS has neither jwk nor kid; exactly one is "
			    "required");
		break;
	case JWS_KEYCHANGE_INNER:
		if (!has_jwk)
			return perr_set(perr, ACME_PROB_MALFORMED,
			    "%s must carry the new key as jwk", what);
		if (jws->kid != NULL)
			return perr_set(perr, ACME_PROB_MALFORMED,
			    "%s must not carry a kid", what);
		if (jws->nonce != NULL)
			return perr_set(perr, ACME_PROB_MALFORMED,
			    "%s must not carry a nonce", what);
		break;
	case JWS_EAB:
		if (jws->kid == NULL)
			return perr_set(perr, ACME_PROB_MALFORMED,
			    "%s must carry the key identifier as kid", what);
		if (has_jwk)
			return perr_set(perr, ACME_PROB_MALFORMED,
			    "%s must not carry a jwk", what);
		if (jws->nonce != NULL)
			return perr_set(perr, ACME_PROB_MALFORMED,
			    "%s must not carry a nonce", what);
		break;
	default:
		abort();
	}
	if (jws->kid != NULL && *jws->kid == '\0')
		return perr_set(perr, ACME_PROB_MALFORMED,
		    "%s kid is empty", what);
	if (jws->url == NULL)
		return perr_set(perr, ACME_PROB_MALFORMED,
		    "%s protected header has no url", what);

	if (has_jwk) {
		if ((jws->jwk = jwk_from_json(v, perr)) == NULL)
			return perr->prob;
		/* J4: checked inside jwk_from_json against the key type,
		 * and the header alg must be the same. */
		if (strcmp(jws->alg, jwk_kty_alg[jws->jwk->kty]) != 0) {
			log_sanitize(san, sizeof(san), jws->alg, alglen);
			return perr_set(perr, ACME_PROB_MALFORMED, "%s alg %s "
			    "does not match its jwk (%s expected)", what, san,
			    jwk_kty_alg[jws->jwk->kty]);
		}
	}
	return ACME_PROB_NONE;
}

/*
 * Parse a flattened JWS request body (body, len bytes) for mode: strict
 * JSON first, then jws_parse_obj().  The jws is overwritten (clear a used
 * one first).  Returns ACME_PROB_NONE with jws filled (jws_clear() frees),
 * or the problem, also in perr, with jws cleared.
 */
enum acme_prob
jws_parse(const char *body, size_t len, enum jws_mode mode, struct jws *jws,
    struct perr *perr)
{
	struct json_object	*obj = NULL;
	struct perr		 lperr;
	enum acme_prob		 prob;

	assert(jws != NULL);
	if (perr == NULL)
		perr = &lperr;
	memset(perr, 0, sizeof(*perr));
	memset(jws, 0, sizeof(*jws));
	if (body == NULL || len == 0) {
		prob = perr_set(perr, ACME_PROB_MALFORMED,
		    "request body is empty; a flattened JWS is required");
		goto out;
	}
	if ((obj = json_parse_strict(body, len, perr)) == NULL) {
		if (perr->prob == ACME_PROB_NONE)
			perr_set(perr, ACME_PROB_MALFORMED,
			    "request body is not a JSON object");
		prob = perr->prob;
		goto out;
	}
	prob = jws_parse_obj(obj, mode, jws, perr);
out:
	if (obj != NULL)
		json_object_put(obj);
	return prob;
}

/*
 * Parse an already parsed flattened JWS (obj, borrowed; for example the
 * inner JWS of a key change or the EAB member of newAccount) for mode.
 * Members exactly protected, payload and signature (J13, J14); protected
 * header strict JSON with the allow-list alg, nonce, url, jwk, kid (J11,
 * J12, J15, J24); alg, jwk/kid, nonce and url as mode requires (J1, J2,
 * J5, J6, E2-E4); a jwk goes through jwk_from_json().  Payload may be empty
 * (POST-as-GET), the signature may not.  Returns ACME_PROB_NONE with jws
 * filled, or the problem (also in perr) with jws cleared.
 */
enum acme_prob
jws_parse_obj(struct json_object *obj, enum jws_mode mode, struct jws *jws,
    struct perr *perr)
{
	static const char *const members[] = {
		"protected", "payload", "signature", NULL
	};
	struct perr		 lperr;
	const char		*prot, *pay, *sig, *what;
	char			 san[64], det[sizeof(perr->detail)];
	unsigned char		*hdrtext = NULL;
	size_t			 protsz, paysz, sigsz, hdrsz;
	enum acme_prob		 prob = ACME_PROB_MALFORMED;
	int			 r;

	assert(jws != NULL);
	assert(mode >= 0 && mode < JWS_MODE__MAX);
	if (perr == NULL)
		perr = &lperr;
	memset(perr, 0, sizeof(*perr));
	memset(jws, 0, sizeof(*jws));
	what = jws_mode_name[mode];

	if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
		perr_set(perr, prob, "%s is not a JSON object", what);
		goto out;
	}
	{
		json_object_object_foreach(obj, name, val) {
			(void)val;
			if (json_name_is_listed(name, members))
				continue;
			log_sanitize(san, sizeof(san), name, strlen(name));
			if (strcmp(name, "header") == 0)
				perr_set(perr, prob, "%s has an unprotected "
				    "header; every member belongs in the "
				    "protected header", what);
			else if (strcmp(name, "signatures") == 0)
				perr_set(perr, prob, "%s uses the general "
				    "serialization; use the flattened one "
				    "with a single signature", what);
			else
				perr_set(perr, prob, "%s member \"%s\" is not "
				    "allowed; only protected, payload and "
				    "signature", what, san);
			goto out;
		}
	}
	if ((r = jws_get_str(obj, "protected", what, &prot, &protsz,
	    perr)) == 0)
		perr_set(perr, prob, "%s has no protected header", what);
	if (r != 1)
		goto out;
	if ((r = jws_get_str(obj, "payload", what, &pay, &paysz, perr)) == 0)
		perr_set(perr, prob, "%s has no payload (detached payloads "
		    "are not supported)", what);
	if (r != 1)
		goto out;
	if ((r = jws_get_str(obj, "signature", what, &sig, &sigsz,
	    perr)) == 0)
		perr_set(perr, prob, "%s has no signature", what);
	if (r != 1)
		goto out;

	/* Base64url: strict (J29). */
	if (protsz == 0 || jws_b64_decode(prot, protsz, &hdrtext,
	    &hdrsz) == -1 || hdrsz == 0) {
		perr_set(perr, prob, "%s protected header is not canonical "
		    "base64url", what);
		goto out;
	}
	if (jws_b64_decode(pay, paysz, &jws->payload, &jws->payloadsz) == -1) {
		perr_set(perr, prob, "%s payload is not canonical base64url",
		    what);
		goto out;
	}

	/* The header: strict JSON object without duplicates (J24, J25). */
	if (memchr(hdrtext, '\0', hdrsz) != NULL) {
		perr_set(perr, prob, "%s protected header contains a NUL",
		    what);
		goto out;
	}
	jws->hdr = json_parse_strict((const char *)hdrtext, hdrsz, perr);
	if (jws->hdr == NULL ||
	    !json_object_is_type(jws->hdr, json_type_object)) {
		memcpy(det, perr->detail, sizeof(det));
		det[sizeof(det) - 1] = '\0';
		if (jws->hdr != NULL)
			snprintf(det, sizeof(det), "not an object");
		perr_set(perr, prob, "%s protected header is not valid: %s",
		    what, det);
		goto out;
	}
	if ((prob = jws_check_header(jws, mode, perr)) != ACME_PROB_NONE)
		goto out;

	/*
	 * The signature after the header, so that alg "none" with an empty
	 * signature is answered badSignatureAlgorithm (J1).
	 */
	prob = ACME_PROB_MALFORMED;
	if (sigsz == 0) {
		perr_set(perr, prob, "%s signature is empty", what);
		goto out;
	}
	if (jws_b64_decode(sig, sigsz, &jws->sig, &jws->sigsz) == -1 ||
	    jws->sigsz == 0) {
		perr_set(perr, prob, "%s signature is not canonical base64url",
		    what);
		goto out;
	}

	/* What was signed: the received text, not a re-encoding. */
	jws->signing_inputsz = protsz + 1 + paysz;
	if ((jws->signing_input = malloc(jws->signing_inputsz + 1)) == NULL) {
		prob = perr_set(perr, ACME_PROB_SERVER_INTERNAL,
		    "out of memory");
		goto out;
	}
	memcpy(jws->signing_input, prot, protsz);
	jws->signing_input[protsz] = '.';
	memcpy(jws->signing_input + protsz + 1, pay, paysz);
	jws->signing_input[jws->signing_inputsz] = '\0';
	prob = ACME_PROB_NONE;
out:
	free(hdrtext);
	if (prob != ACME_PROB_NONE) {
		if (perr->prob == ACME_PROB_NONE)
			perr_set(perr, prob, "%s is malformed", what);
		prob = perr->prob;
		jws_clear(jws);
	}
	return prob;
}

/* 1 when the n bytes at p are all zero. */
static int
jws_is_zero(const unsigned char *p, size_t n)
{
	unsigned char	 acc = 0;
	size_t		 i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/*
 * Verify the signature of a parsed JWS with key (an account key from the
 * store or the jwk of the header).  The algorithm is the key's
 * (jwk_kty_alg[]); a header alg that differs is malformed (J3).  ECDSA
 * signatures must be raw r || s of the curve's exact size (J22); RSA ones
 * exactly the modulus size; Ed25519 ones 64 bytes.  Returns
 * ACME_PROB_NONE when the signature is good, else the problem (MALFORMED
 * "JWS signature is invalid" for a bad signature), also in perr.
 */
enum acme_prob
jws_verify(const struct jws *jws, const struct jwk *key, struct perr *perr)
{
	struct perr	 lperr;
	gnutls_datum_t	 data, sig = { NULL, 0 }, r, s;
	const char	*want;
	char		 san[48];
	size_t		 rs, half, want_sz;
	enum acme_prob	 prob = ACME_PROB_MALFORMED;

	if (perr == NULL)
		perr = &lperr;
	memset(perr, 0, sizeof(*perr));
	if (jws == NULL || key == NULL || jws->alg == NULL ||
	    jws->signing_input == NULL || jws->sig == NULL ||
	    key->kty >= JWK__MAX || key->pub == NULL) {
		perr_set(perr, prob, "JWS cannot be verified");
		goto out;
	}
	want = jwk_kty_alg[key->kty];
	if (strcmp(jws->alg, want) != 0) {
		log_sanitize(san, sizeof(san), jws->alg, strlen(jws->alg));
		perr_set(perr, prob, "JWS alg %s does not match the account "
		    "key (%s expected)", san, want);
		goto out;
	}
	rs = jws_kty_sign[key->kty].rs;
	if (rs != 0)
		want_sz = rs;
	else if (key->kty == JWK_RSA)
		want_sz = key->bits / 8;
	else
		want_sz = 64;
	if (jws->sigsz != want_sz) {
		perr_set(perr, prob, "JWS signature is %zu bytes; %s requires "
		    "%zu%s", jws->sigsz, want, want_sz,
		    rs != 0 ? " (raw r || s, not DER)" : "");
		goto out;
	}
	data.data = (unsigned char *)jws->signing_input;
	data.size = (unsigned int)jws->signing_inputsz;
	if (rs != 0) {
		half = rs / 2;
		if (jws_is_zero(jws->sig, half) ||
		    jws_is_zero(jws->sig + half, half)) {
			perr_set(perr, prob, "JWS signature is invalid");
			goto out;
		}
		r.data = jws->sig;
		r.size = (unsigned int)half;
		s.data = jws->sig + half;
		s.size = (unsigned int)half;
		if (gnutls_encode_rs_value(&sig, &r, &s) < 0) {
			perr_set(perr, prob, "JWS signature is invalid");
			goto out;
		}
		if (gnutls_pubkey_verify_data2(key->pub,
		    jws_kty_sign[key->kty].sign, 0, &data, &sig) < 0) {
			perr_set(perr, prob, "JWS signature is invalid");
			goto out;
		}
	} else {
		r.data = jws->sig;
		r.size = (unsigned int)jws->sigsz;
		if (gnutls_pubkey_verify_data2(key->pub,
		    jws_kty_sign[key->kty].sign, 0, &data, &r) < 0) {
			perr_set(perr, prob, "JWS signature is invalid");
			goto out;
		}
	}
	prob = ACME_PROB_NONE;
out:
	gnutls_free(sig.data);
	return prob;
}

/*
 * Verify the MAC of an external account binding JWS (parsed in mode
 * JWS_EAB) with the HMAC key (key, keysz bytes) from the EAB record, using
 * the hash named by the header alg.  The MAC must have exactly the hash
 * length and is compared in constant time.  Returns ACME_PROB_NONE, or
 * UNAUTHORIZED (E7) for a wrong or truncated MAC or a key shorter than the
 * hash (RFC 7518 3.2), also in perr.
 */
enum acme_prob
jws_verify_mac(const struct jws *jws, const unsigned char *key, size_t keysz,
    struct perr *perr)
{
	struct perr	 lperr;
	unsigned char	 mac[64];
	size_t		 i;
	enum acme_prob	 prob = ACME_PROB_UNAUTHORIZED;

	if (perr == NULL)
		perr = &lperr;
	memset(perr, 0, sizeof(*perr));
	memset(mac, 0, sizeof(mac));
	if (jws == NULL || jws->alg == NULL || jws->signing_input == NULL ||
	    jws->sig == NULL || key == NULL) {
		perr_set(perr, ACME_PROB_MALFORMED,
		    "external account binding cannot be verified");
		prob = ACME_PROB_MALFORMED;
		goto out;
	}
	for (i = 0; i < JWS_NMACS; i++)
		if (strcmp(jws->alg, jws_macs[i].alg) == 0)
			break;
	if (i == JWS_NMACS) {
		perr_set(perr, ACME_PROB_MALFORMED, "external account binding "
		    "alg is not HS256, HS384 or HS512");
		prob = ACME_PROB_MALFORMED;
		goto out;
	}
	if (keysz < jws_macs[i].len) {
		perr_set(perr, prob, "external account binding key is "
		    "shorter than the %s hash", jws_macs[i].alg);
		goto out;
	}
	if (jws->sigsz != jws_macs[i].len) {
		perr_set(perr, prob, "external account binding MAC is invalid");
		goto out;
	}
	if (gnutls_hmac_fast(jws_macs[i].mac, key, keysz, jws->signing_input,
	    jws->signing_inputsz, mac) < 0) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL,
		    "cannot compute the external account binding MAC");
		prob = ACME_PROB_SERVER_INTERNAL;
		goto out;
	}
	if (gnutls_memcmp(mac, jws->sig, jws_macs[i].len) != 0) {
		perr_set(perr, prob, "external account binding MAC is invalid");
		goto out;
	}
	prob = ACME_PROB_NONE;
out:
	gnutls_memset(mac, 0, sizeof(mac));
	return prob;
}

/*
 * Free everything a parse left in jws and zero it.  Safe on a zeroed
 * struct and when called twice.
 */
void
jws_clear(struct jws *jws)
{
	if (jws == NULL)
		return;
	if (jws->hdr != NULL)
		json_object_put(jws->hdr);
	jwk_free(jws->jwk);
	free(jws->signing_input);
	free(jws->payload);
	free(jws->sig);
	memset(jws, 0, sizeof(*jws));
}

/* The algorithms we verify, space-separated, for problem documents. */
const char *
jws_algorithms(void)
{
	return "RS256 ES256 ES384 ES512 EdDSA";
}

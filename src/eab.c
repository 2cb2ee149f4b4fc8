/*
 * eab.c: external account binding (RFC 8555 7.3.4).
 *
 * Owns the EAB record format (brief "Records": v, kid, alg, key, comment,
 * created, account, bound), making a new key for acmegwctl, and the check
 * and binding of an EAB inside newAccount's transaction (SECURITY.md
 * E2-E9, E12).  An EAB key binds exactly one account, and the binding
 * commits together with the account or not at all.
 *
 * Must never: log or echo the HMAC secret, accept a MAC that covers
 * another key than the account's (E6), or bind a key twice (E8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "acmegw.h"

#define EAB_KID_MAX	64

/* The MAC algorithms and their secret (= hash) lengths. */
static const struct {
	const char	*alg;
	size_t		 len;
} eab_algs[] = {
	{ "HS256", 32 },
	{ "HS384", 48 },
	{ "HS512", 64 },
};

/* The secret length for alg, or 0 when alg is not an EAB algorithm. */
static size_t
eab_alg_len(const char *alg)
{
	size_t	 i;

	for (i = 0; i < sizeof(eab_algs) / sizeof(eab_algs[0]); i++)
		if (strcmp(alg, eab_algs[i].alg) == 0)
			return eab_algs[i].len;
	return 0;
}

/*
 * Make a new EAB key for kid: a random secret (GNUTLS_RND_KEY) as long as
 * the output of alg's hash (HS256 32 bytes, HS384 48, HS512 64; RFC 7518
 * 3.2, E10), written base64url and NUL-terminated into keyout (keyoutsz
 * bytes, at least 87 for HS512), and the unbound record {"v":1, "kid",
 * "alg", "key", "comment", "created": now, "account": null} in *rec
 * (caller puts).  Returns 0, or -1 for an unknown alg, a small keyout, a
 * failed RNG or memory; keyout is then zeroed and *rec NULL.
 */
int
eab_record_new(const char *kid, const char *alg, const char *comment,
    time_t now, char *keyout, size_t keyoutsz, struct json_object **rec)
{
	struct json_object	*r = NULL;
	unsigned char		 secret[64];
	size_t			 len;
	int			 rc = -1;

	*rec = NULL;
	if ((len = eab_alg_len(alg)) == 0)
		goto out;
	if (gnutls_rnd(GNUTLS_RND_KEY, secret, len) != 0)
		goto out;
	if (b64url_encode(secret, len, keyout, keyoutsz) == -1)
		goto out;
	if ((r = json_object_new_object()) == NULL)
		goto out;
	if (json_object_object_add(r, "v",
	    json_object_new_int(ACMEGW_SCHEMA)) != 0 ||
	    json_object_object_add(r, "kid",
	    json_object_new_string(kid)) != 0 ||
	    json_object_object_add(r, "alg",
	    json_object_new_string(alg)) != 0 ||
	    json_object_object_add(r, "key",
	    json_object_new_string(keyout)) != 0 ||
	    json_object_object_add(r, "comment",
	    json_object_new_string(comment != NULL ? comment : "")) != 0 ||
	    json_object_object_add(r, "created",
	    json_object_new_int64((int64_t)now)) != 0 ||
	    json_object_object_add(r, "account", NULL) != 0)
		goto out;
	*rec = r;
	r = NULL;
	rc = 0;
out:
	gnutls_memset(secret, 0, sizeof(secret));
	if (rc == -1 && keyoutsz > 0)
		gnutls_memset(keyout, 0, keyoutsz);
	json_object_put(r);
	return rc;
}

/*
 * 1 if kid can name an EAB key: 1..64 printable ASCII characters with no
 * "/" and no ".." (E12, K1).
 */
static int
eab_kid_is_valid(const char *kid)
{
	size_t	 i, len = strlen(kid);

	if (len == 0 || len > EAB_KID_MAX || strstr(kid, "..") != NULL)
		return 0;
	for (i = 0; i < len; i++)
		if (kid[i] <= 0x20 || kid[i] >= 0x7f || kid[i] == '/' ||
		    kid[i] == '\\')
			return 0;
	return 1;
}

/*
 * Check the externalAccountBinding member eab_obj (borrowed) of a
 * newAccount whose outer JWS is ctx->jws and whose key is acct_jwk, and
 * bind the EAB key to the new account new_acct_id, all in txn:
 * - a flattened JWS with an HS256/384/512 alg, a kid and a url and no
 *   nonce (jws_parse_obj JWS_EAB; E2, E3), whose url is the outer url (E4);
 * - the kid well formed (E12, malformed) and known (E5, unauthorized; the
 *   MAC is still computed with a dummy key so that both paths cost alike);
 * - the alg that of the key, the MAC right (E7), the payload the same key
 *   as the outer jwk by thumbprint (E6), all unauthorized otherwise;
 * - the key not bound yet (E8), read with DB_RMW so that parallel
 *   newAccounts with one key serialise (E9).
 * Then the record gets "account" and "bound" (now).  Returns 0 when bound,
 * -1 with perr filled when refused, or a store error code.  The secret is
 * wiped after use and never logged.
 */
int
eab_check_bind(struct ctx *ctx, DB_TXN *txn, struct json_object *eab_obj,
    const struct jwk *acct_jwk, const char *new_acct_id, struct perr *perr)
{
	struct jws		 jws;
	struct json_object	*rec = NULL, *inner = NULL, *acct;
	struct jwk		*k = NULL;
	struct perr		 e;
	unsigned char		*secret = NULL, dummy[64];
	const char		*alg, *key;
	size_t			 algsz, keysz, secretsz = 0;
	char			 san[EAB_KID_MAX * 4 + 8];
	int			 rc = -1, r;

	memset(&jws, 0, sizeof(jws));
	memset(&e, 0, sizeof(e));
	if (jws_parse_obj(eab_obj, JWS_EAB, &jws, perr) != ACME_PROB_NONE)
		goto out;
	if (jws.url == NULL || ctx->jws.url == NULL ||
	    strcmp(jws.url, ctx->jws.url) != 0) {
		perr_set(perr, ACME_PROB_MALFORMED, "the external account "
		    "binding's \"url\" must be the newAccount URL");
		goto out;
	}
	if (jws.kid == NULL || !eab_kid_is_valid(jws.kid)) {
		perr_set(perr, ACME_PROB_MALFORMED, "the external account "
		    "binding's \"kid\" is not a valid key id");
		goto out;
	}
	log_sanitize(san, sizeof(san), jws.kid, strlen(jws.kid));

	r = store_get_json(ctx->store, txn, SDB_EAB, jws.kid, DB_RMW, &rec);
	if (r == DB_NOTFOUND) {
		/* E5: cost the same as a known kid with a wrong MAC. */
		(void)gnutls_rnd(GNUTLS_RND_NONCE, dummy, sizeof(dummy));
		(void)jws_verify_mac(&jws, dummy, sizeof(dummy), &e);
		gnutls_memset(dummy, 0, sizeof(dummy));
		log_info("eab: unknown key id \"%s\"", san);
		perr_set(perr, ACME_PROB_UNAUTHORIZED, "the external account "
		    "binding names an unknown key id");
		goto out;
	}
	if (r != 0) {
		rc = r;
		goto out;
	}
	if (json_get_str(rec, "alg", &alg, &algsz) != 0 ||
	    json_get_str(rec, "key", &key, &keysz) != 0 ||
	    b64url_decode(key, keysz, &secret, &secretsz) == -1) {
		log_warnx("eab: the record of key id \"%s\" is damaged", san);
		perr_set(perr, ACME_PROB_SERVER_INTERNAL, "the external "
		    "account binding key cannot be read");
		goto out;
	}
	if (jws.alg == NULL || strcmp(jws.alg, alg) != 0) {
		perr_set(perr, ACME_PROB_UNAUTHORIZED, "the external account "
		    "binding must use %s, the algorithm of its key", alg);
		goto out;
	}
	if (jws_verify_mac(&jws, secret, secretsz, perr) != ACME_PROB_NONE)
		goto out;

	/* E6: the MAC must cover the account key itself. */
	if (jws.payloadsz == 0 || (inner = json_parse_strict(
	    (const char *)jws.payload, jws.payloadsz, &e)) == NULL) {
		perr_set(perr, ACME_PROB_MALFORMED, "the external account "
		    "binding's payload must be the account's JWK");
		goto out;
	}
	if ((k = jwk_from_json(inner, &e)) == NULL ||
	    !jwk_is_same(k, acct_jwk)) {
		perr_set(perr, ACME_PROB_UNAUTHORIZED, "the keys in the JWS "
		    "and in the external account binding payload do not "
		    "match");
		goto out;
	}

	/* E8: one account per EAB key. */
	if (json_object_object_get_ex(rec, "account", &acct) &&
	    acct != NULL) {
		log_info("eab: key id \"%s\" is already bound", san);
		perr_set(perr, ACME_PROB_UNAUTHORIZED,
		    "this EAB key is already bound to an account");
		goto out;
	}
	if (json_object_object_add(rec, "account",
	    json_object_new_string(new_acct_id)) != 0 ||
	    json_object_object_add(rec, "bound",
	    json_object_new_int64((int64_t)ctx->now)) != 0) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL, "out of memory");
		goto out;
	}
	rc = store_put_json(ctx->store, txn, SDB_EAB, jws.kid, rec, 0);
	if (rc == 0)
		log_info("eab: key id \"%s\" bound to account %s", san,
		    new_acct_id);
out:
	if (secret != NULL) {
		gnutls_memset(secret, 0, secretsz);
		free(secret);
	}
	jwk_free(k);
	json_object_put(inner);
	json_object_put(rec);
	jws_clear(&jws);
	return rc;
}

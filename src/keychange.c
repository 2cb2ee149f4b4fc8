/*
 * keychange.c: account key rollover (RFC 8555 7.3.5).
 *
 * Owns the keyChange handler: the inner JWS, signed by the new key, names
 * the account and its old key; the key index SDB_ACCTKEYS moves from the
 * old thumbprint to the new one in the request's transaction.
 *
 * Must never: let one key serve two accounts (409 instead), accept an
 * inner JWS that is not bound to this request (url, account, oldKey), or
 * log key material.
 */
#include <stdlib.h>
#include <string.h>

#include "acmegw.h"

/*
 * keyChange, signed by the account (kid); the router checked the outer
 * JWS.  The payload is the inner flattened JWS (jws_parse_obj
 * JWS_KEYCHANGE_INNER: a jwk, a url, no nonce) verified with its own jwk;
 * its url must be the outer url, and its payload must be exactly
 * {"account": the outer kid, "oldKey": the account's current key}
 * (U4; malformed otherwise).  A new key equal to the old one is
 * malformed; one that belongs to another account gives 409 conflict with
 * that account's Location.  Otherwise the key index entry and the record's
 * jwk and thumb are replaced, and the answer is 200 with the account.
 * Returns 0, -1 (refused, problem set) or a store error code.
 */
int
keychange_post(struct ctx *ctx, DB_TXN *txn)
{
	static const char *const members[] = { "account", "oldKey", NULL };
	struct jws		 inner;
	struct json_object	*ip = NULL, *oldobj, *jwkobj = NULL, *o = NULL;
	struct jwk		*oldk = NULL;
	const struct jwk	*newk;
	const char		*acct, *thumb;
	struct perr		 e;
	void			*val = NULL;
	size_t			 acctsz, thumbsz, valsz = 0;
	char			 other[ACMEGW_ID_LEN + 1];
	int			 rc = -1;

	memset(&inner, 0, sizeof(inner));
	memset(&e, 0, sizeof(e));
	if (ctx->payload == NULL) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "keyChange needs the inner JWS as its payload");
		goto out;
	}
	if (jws_parse_obj(ctx->payload, JWS_KEYCHANGE_INNER, &inner, &e) !=
	    ACME_PROB_NONE) {
		problem_perr(ctx->resp, &e);
		goto out;
	}
	newk = inner.jwk;
	if (newk == NULL) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "the inner JWS must carry the new key as \"jwk\"");
		goto out;
	}
	if (jws_verify(&inner, newk, &e) != ACME_PROB_NONE) {
		problem_perr(ctx->resp, &e);
		goto out;
	}
	if (inner.url == NULL || strcmp(inner.url, ctx->jws.url) != 0) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "the inner JWS \"url\" must be the keyChange URL");
		goto out;
	}
	if (inner.payloadsz == 0 || (ip = json_parse_strict(
	    (const char *)inner.payload, inner.payloadsz, &e)) == NULL) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "the inner JWS payload must be {\"account\", \"oldKey\"}");
		goto out;
	}
	if (json_only_members(ip, members, NULL) == -1 ||
	    json_get_str(ip, "account", &acct, &acctsz) != 0 ||
	    json_get_obj(ip, "oldKey", &oldobj) != 0) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "the inner JWS payload must be exactly {\"account\": URL, "
		    "\"oldKey\": JWK}");
		goto out;
	}
	if (ctx->jws.kid == NULL || strcmp(acct, ctx->jws.kid) != 0) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "the inner \"account\" must be the account of the outer "
		    "\"kid\"");
		goto out;
	}
	if ((oldk = jwk_from_json(oldobj, &e)) == NULL ||
	    json_get_str(ctx->acct, "thumb", &thumb, &thumbsz) != 0 ||
	    strcmp(oldk->thumb, thumb) != 0) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "\"oldKey\" is not the account's current key");
		goto out;
	}
	if (jwk_is_same(newk, oldk)) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "the new key is the account's current key");
		goto out;
	}

	/* The new key must not serve another account (U4, A2). */
	rc = store_get(ctx->store, txn, SDB_ACCTKEYS, newk->thumb,
	    ACMEGW_THUMB_LEN, DB_RMW, &val, &valsz);
	if (rc == 0) {
		rc = -1;
		if (valsz == ACMEGW_ID_LEN) {
			memcpy(other, val, ACMEGW_ID_LEN);
			other[ACMEGW_ID_LEN] = '\0';
			(void)resp_header(ctx->resp, "Location", "%s/acct/%s",
			    ctx->conf->base_url, other);
		}
		problem_set(ctx->resp, ACME_PROB_CONFLICT,
		    "the new key already belongs to an account");
		goto out;
	}
	if (rc != DB_NOTFOUND)
		goto out;

	if ((rc = store_del(ctx->store, txn, SDB_ACCTKEYS, oldk->thumb,
	    ACMEGW_THUMB_LEN)) != 0 && rc != DB_NOTFOUND)
		goto out;
	if ((rc = store_put(ctx->store, txn, SDB_ACCTKEYS, newk->thumb,
	    ACMEGW_THUMB_LEN, ctx->acct_id, ACMEGW_ID_LEN,
	    DB_NOOVERWRITE)) != 0)
		goto out;
	rc = -1;
	if ((jwkobj = json_tokener_parse(newk->canon)) == NULL ||
	    json_object_object_add(ctx->acct, "jwk", jwkobj) != 0) {
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "out of memory");
		goto out;
	}
	jwkobj = NULL;
	if (json_object_object_add(ctx->acct, "thumb",
	    json_object_new_string(newk->thumb)) != 0) {
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "out of memory");
		goto out;
	}
	if ((rc = store_put_json(ctx->store, txn, SDB_ACCOUNTS, ctx->acct_id,
	    ctx->acct, 0)) != 0)
		goto out;
	rc = -1;
	if (account_json(ctx, ctx->acct, &o) == -1) {
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "the account object could not be built");
		goto out;
	}
	if (resp_json(ctx->resp, 200, o) == -1)
		goto out;
	log_info("account %s: key changed from %s to %s", ctx->acct_id,
	    oldk->thumb, newk->thumb);
	rc = 0;
out:
	free(val);
	json_object_put(o);
	json_object_put(jwkobj);
	json_object_put(ip);
	jwk_free(oldk);
	jws_clear(&inner);
	return rc;
}

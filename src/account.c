/*
 * account.c: ACME accounts (RFC 8555 7.3): newAccount, the account
 * resource, its orders list, and the account record shared with acmegwctl.
 *
 * Owns the account record format (brief "Records": v, id, status, contact,
 * tos, jwk, thumb, created, eab, origin), the key index SDB_ACCTKEYS
 * (thumbprint -> id, unique by DB_NOOVERWRITE) and the contact policy
 * (SECURITY.md A4).  Handlers run inside the request's child transaction
 * (router.c): they return 0 when they answered, -1 when they refused (the
 * problem is in ctx->resp and their writes are rolled back), or a store
 * error code for the transaction to handle.
 *
 * Must never: echo an external account binding or the account key in a
 * response (E14), create a second account for a key (A1, A2), let an
 * account act on another account's resources (A6), or log contacts
 * unsanitised.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmegw.h"

#define ACCOUNT_ADDR_MAX	254	/* RFC 5321 4.5.3.1.3, less <> */
#define ACCOUNT_LOCAL_MAX	64	/* RFC 5321 4.5.3.1.1 */
#define ACCOUNT_DOMAIN_MAX	253
#define ACCOUNT_LABEL_MAX	63

/* ------------------------------------------------------------------ */
/* Contacts                                                             */
/* ------------------------------------------------------------------ */

/* 1 if c may appear in the local part of a mailto: address we accept. */
static int
account_is_local_char(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	/*
	 * RFC 5322 atext without the characters that mean something in a
	 * mailto: URI: '?' (hfields), '#' (fragment), '%' (percent
	 * encoding, which would give one address several spellings).
	 */
	return strchr("!$&'*+-/=^_`{|}~.", c) != NULL && c != '\0';
}

/*
 * 1 if dom[0..len) is a plausible DNS domain for mail: two or more labels
 * of letters, digits and hyphens, none empty, none longer than 63, none
 * starting or ending with a hyphen, at most 253 characters, and a last
 * label that is not all digits (no IP addresses, no "localhost").
 */
static int
account_domain_is_plausible(const char *dom, size_t len)
{
	size_t	 i, lab = 0, labels = 1;
	int	 alldigits = 1;

	if (len == 0 || len > ACCOUNT_DOMAIN_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)dom[i];

		if (c == '.') {
			if (lab == 0 || dom[i - 1] == '-')
				return 0;
			labels++;
			lab = 0;
			alldigits = 1;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (c == '-' && lab == 0)
			return 0;
		if (!(c >= '0' && c <= '9'))
			alldigits = 0;
		if (++lab > ACCOUNT_LABEL_MAX)
			return 0;
	}
	if (lab == 0 || dom[len - 1] == '-' || labels < 2 || alldigits)
		return 0;
	return 1;
}

/*
 * Check one contact URI (s, len bytes, from a JSON string).  Returns 0, or
 * -1 with perr: UNSUPPORTED_CONTACT for another scheme, INVALID_CONTACT for
 * a mailto: that is not exactly one plain address.  Owns nothing, so each
 * refusal returns at once.
 */
static int
account_contact_check(const char *s, size_t len, size_t idx,
    struct perr *perr)
{
	const char	*addr, *at;
	size_t		 alen, llen, i;

	if (len < 7 || memcmp(s, "mailto:", 7) != 0) {
		perr_set(perr, ACME_PROB_UNSUPPORTED_CONTACT,
		    "contact %zu: only mailto: contacts are supported", idx);
		return -1;
	}
	addr = s + 7;
	alen = len - 7;
	if (alen > ACCOUNT_ADDR_MAX) {
		perr_set(perr, ACME_PROB_INVALID_CONTACT,
		    "contact %zu: the address is longer than %d characters",
		    idx, ACCOUNT_ADDR_MAX);
		return -1;
	}
	for (i = 0; i < alen; i++) {
		unsigned char c = (unsigned char)addr[i];

		if (c == '?') {
			perr_set(perr, ACME_PROB_INVALID_CONTACT,
			    "contact %zu: mailto: header fields (\"?\") are "
			    "not allowed", idx);
			return -1;
		}
		if (c == ',') {
			perr_set(perr, ACME_PROB_INVALID_CONTACT,
			    "contact %zu: give one address per mailto: URI",
			    idx);
			return -1;
		}
		if (c <= 0x20 || c >= 0x7f) {
			perr_set(perr, ACME_PROB_INVALID_CONTACT,
			    "contact %zu: spaces, control characters and "
			    "non-ASCII characters are not allowed", idx);
			return -1;
		}
	}
	if ((at = memchr(addr, '@', alen)) == NULL ||
	    memchr(at + 1, '@', alen - (size_t)(at - addr) - 1) != NULL) {
		perr_set(perr, ACME_PROB_INVALID_CONTACT,
		    "contact %zu: an address is local@domain with one \"@\"",
		    idx);
		return -1;
	}
	llen = (size_t)(at - addr);
	if (llen == 0 || llen > ACCOUNT_LOCAL_MAX || addr[0] == '.' ||
	    addr[llen - 1] == '.') {
		perr_set(perr, ACME_PROB_INVALID_CONTACT,
		    "contact %zu: the part before \"@\" is not a valid "
		    "mailbox name", idx);
		return -1;
	}
	for (i = 0; i < llen; i++)
		if (!account_is_local_char((unsigned char)addr[i]) ||
		    (addr[i] == '.' && addr[i + 1] == '.')) {
			perr_set(perr, ACME_PROB_INVALID_CONTACT,
			    "contact %zu: the part before \"@\" is not a "
			    "valid mailbox name", idx);
			return -1;
		}
	if (!account_domain_is_plausible(at + 1, alen - llen - 1)) {
		perr_set(perr, ACME_PROB_INVALID_CONTACT,
		    "contact %zu: the part after \"@\" is not a mail domain",
		    idx);
		return -1;
	}
	return 0;
}

/*
 * Check a contact list (SECURITY.md A4): a JSON array (borrowed) of at
 * most conf->max_contacts strings, each "mailto:" followed by exactly one
 * address local@domain: no header fields ("?"), no "," lists, no
 * spaces, control or non-ASCII characters, at most 254 characters of
 * address, a plausible domain.  An empty array is fine.  Returns 0, or -1
 * with perr filled: MALFORMED when contacts is not an array of strings,
 * UNSUPPORTED_CONTACT for a scheme other than mailto:, INVALID_CONTACT for
 * the rest.
 */
int
account_contacts_check(const struct conf *conf, struct json_object *contacts,
    struct perr *perr)
{
	struct json_object	*c;
	const char		*s;
	size_t			 i, n, len;

	if (contacts == NULL ||
	    !json_object_is_type(contacts, json_type_array)) {
		perr_set(perr, ACME_PROB_MALFORMED,
		    "\"contact\" must be an array of strings");
		return -1;
	}
	n = json_object_array_length(contacts);
	if (n > conf->max_contacts) {
		perr_set(perr, ACME_PROB_INVALID_CONTACT,
		    "at most %u contacts are allowed", conf->max_contacts);
		return -1;
	}
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(contacts, i);
		if (!json_object_is_type(c, json_type_string)) {
			perr_set(perr, ACME_PROB_MALFORMED,
			    "\"contact\" must be an array of strings");
			return -1;
		}
		s = json_object_get_string(c);
		len = (size_t)json_object_get_string_len(c);
		if (s == NULL || memchr(s, '\0', len) != NULL) {
			perr_set(perr, ACME_PROB_INVALID_CONTACT,
			    "contact %zu holds a NUL character", i);
			return -1;
		}
		if (account_contact_check(s, len, i, perr) == -1)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Records                                                              */
/* ------------------------------------------------------------------ */

/*
 * Make a new account record (brief "Records"): status "valid", the contact
 * array (borrowed and deep-copied; NULL gives []), tos, the key's canonical
 * JWK and thumbprint, created = now, "eab" only when eab_kid is non-NULL,
 * origin "acme" (acmegwctl replaces it with "admin").  Nothing is checked
 * here: callers check contacts first.  Returns a new object (caller puts)
 * or NULL when memory ran out.
 */
struct json_object *
account_record_new(const char *id, const struct jwk *jwk,
    struct json_object *contacts, int tos, const char *eab_kid, time_t now)
{
	struct json_object	*rec = NULL, *c = NULL, *k = NULL;

	if ((rec = json_object_new_object()) == NULL)
		goto fail;
	if (contacts != NULL) {
		if (json_object_deep_copy(contacts, &c, NULL) != 0)
			goto fail;
	} else if ((c = json_object_new_array()) == NULL)
		goto fail;
	if ((k = json_tokener_parse(jwk->canon)) == NULL)
		goto fail;
	if (json_object_object_add(rec, "v",
	    json_object_new_int(ACMEGW_SCHEMA)) != 0 ||
	    json_object_object_add(rec, "id",
	    json_object_new_string(id)) != 0 ||
	    json_object_object_add(rec, "status",
	    json_object_new_string("valid")) != 0)
		goto fail;
	if (json_object_object_add(rec, "contact", c) != 0)
		goto fail;
	c = NULL;
	if (json_object_object_add(rec, "tos",
	    json_object_new_boolean(tos != 0)) != 0)
		goto fail;
	if (json_object_object_add(rec, "jwk", k) != 0)
		goto fail;
	k = NULL;
	if (json_object_object_add(rec, "thumb",
	    json_object_new_string(jwk->thumb)) != 0 ||
	    json_object_object_add(rec, "created",
	    json_object_new_int64((int64_t)now)) != 0)
		goto fail;
	if (eab_kid != NULL && json_object_object_add(rec, "eab",
	    json_object_new_string(eab_kid)) != 0)
		goto fail;
	if (json_object_object_add(rec, "origin",
	    json_object_new_string("acme")) != 0)
		goto fail;
	return rec;
fail:
	json_object_put(c);
	json_object_put(k);
	json_object_put(rec);
	return NULL;
}

/*
 * Read account id (ACMEGW_ID_LEN characters, NUL-terminated) in txn and
 * rebuild its key.  The record must be an object whose "id" is id and
 * whose "jwk" passes the key policy again with the stored "thumb".
 * Returns 0 with *rec (caller puts) and, when key is non-NULL, *key
 * (caller jwk_free()s); DB_NOTFOUND when there is no such account; -1 when
 * the record is damaged (logged); or another store error code.  On any
 * failure *rec and *key are NULL.
 */
int
account_load(struct ctx *ctx, DB_TXN *txn, const char *id,
    struct json_object **rec, struct jwk **key)
{
	struct json_object	*r = NULL, *j;
	struct jwk		*k = NULL;
	const char		*rid, *thumb, *text;
	size_t			 ridsz, thumbsz;
	int			 rc;

	*rec = NULL;
	if (key != NULL)
		*key = NULL;
	rc = store_get_json(ctx->store, txn, SDB_ACCOUNTS, id, 0, &r);
	if (rc == EINVAL) {
		log_warnx("account_load: account %s: damaged record", id);
		rc = -1;
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = -1;
	if (!json_object_is_type(r, json_type_object) ||
	    json_get_str(r, "id", &rid, &ridsz) != 0 ||
	    strcmp(rid, id) != 0 ||
	    json_get_str(r, "thumb", &thumb, &thumbsz) != 0 ||
	    json_get_obj(r, "jwk", &j) != 0) {
		log_warnx("account_load: account %s: damaged record", id);
		goto out;
	}
	if (key != NULL) {
		if ((text = json_compact(j)) == NULL ||
		    (k = jwk_from_canon(text)) == NULL ||
		    strcmp(k->thumb, thumb) != 0) {
			log_warnx("account_load: account %s: the stored key "
			    "is not usable", id);
			goto out;
		}
		*key = k;
		k = NULL;
	}
	*rec = r;
	r = NULL;
	rc = 0;
out:
	jwk_free(k);
	json_object_put(r);
	return rc;
}

/*
 * The RFC 8555 7.1.2 account object for record rec (borrowed): status,
 * contact, termsOfServiceAgreed (only when true) and the orders URL.
 * Never the key, never the EAB.  Returns 0 with *out (caller puts), or -1
 * when memory ran out or the record has no usable id.
 */
int
account_json(struct ctx *ctx, struct json_object *rec,
    struct json_object **out)
{
	struct json_object	*o = NULL, *c, *cc = NULL;
	const char		*id, *status;
	size_t			 idsz, statussz;
	char			 url[1024];
	int			 tos = 0, rc = -1;

	*out = NULL;
	if (json_get_str(rec, "id", &id, &idsz) != 0 ||
	    idsz != ACMEGW_ID_LEN ||
	    json_get_str(rec, "status", &status, &statussz) != 0)
		goto out;
	if ((o = json_object_new_object()) == NULL)
		goto out;
	if (json_object_object_add(o, "status",
	    json_object_new_string(status)) != 0)
		goto out;
	if (json_get_array(rec, "contact", &c) == 0) {
		if (json_object_deep_copy(c, &cc, NULL) != 0)
			goto out;
	} else if ((cc = json_object_new_array()) == NULL)
		goto out;
	if (json_object_object_add(o, "contact", cc) != 0)
		goto out;
	cc = NULL;
	if (json_get_bool(rec, "tos", &tos) == 0 && tos &&
	    json_object_object_add(o, "termsOfServiceAgreed",
	    json_object_new_boolean(1)) != 0)
		goto out;
	if (url_build(ctx->conf, url, sizeof(url), "/acct/%s/orders", id) ==
	    -1 || json_object_object_add(o, "orders",
	    json_object_new_string(url)) != 0)
		goto out;
	*out = o;
	o = NULL;
	rc = 0;
out:
	json_object_put(cc);
	json_object_put(o);
	return rc;
}

/*
 * Answer with the account object of rec: status, Location (when location
 * is set) and the JSON.  Returns 0, or -1 with a 500 problem.
 */
static int
account_reply(struct ctx *ctx, struct json_object *rec, int status,
    int location)
{
	struct json_object	*o = NULL;
	const char		*id;
	int			 rc = -1;

	if (account_json(ctx, rec, &o) == -1) {
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "the account object could not be built");
		goto out;
	}
	if (location) {
		if (json_get_str(rec, "id", &id, NULL) != 0)
			goto out;
		if (resp_header(ctx->resp, "Location", "%s/acct/%s",
		    ctx->conf->base_url, id) == -1) {
			problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
			    "out of memory");
			goto out;
		}
	}
	if (resp_json(ctx->resp, status, o) == -1)
		goto out;
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

/* 1 if the record's status is "valid". */
static int
account_is_valid(struct json_object *rec)
{
	const char	*s;

	return json_get_str(rec, "status", &s, NULL) == 0 &&
	    strcmp(s, "valid") == 0;
}

/* ------------------------------------------------------------------ */
/* newAccount                                                           */
/* ------------------------------------------------------------------ */

/*
 * The existing account for the outer jwk, if any (A1): 200 with its
 * Location, or 403 when it is deactivated.  Nothing changes.
 */
static int
account_existing(struct ctx *ctx, DB_TXN *txn, const char *id)
{
	struct json_object	*rec = NULL;
	int			 rc;

	rc = account_load(ctx, txn, id, &rec, NULL);
	if (rc == DB_NOTFOUND || rc == -1) {
		log_warnx("account_new: key index names account %s, which "
		    "cannot be read", id);
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "the account of this key cannot be read");
		rc = -1;
		goto out;
	}
	if (rc != 0)
		goto out;
	memcpy(ctx->acct_id, id, ACMEGW_ID_LEN + 1);
	if (!account_is_valid(rec)) {
		problem_set(ctx->resp, ACME_PROB_UNAUTHORIZED,
		    "the account of this key is deactivated");
		rc = -1;
		goto out;
	}
	rc = account_reply(ctx, rec, 200, 1);
out:
	json_object_put(rec);
	return rc;
}

/*
 * The kid of an external account binding object, which eab_check_bind()
 * accepted just before: copied into kid (kidsz bytes).  Returns 0 or -1.
 */
static int
account_eab_kid(struct json_object *eab, char *kid, size_t kidsz)
{
	struct jws	 jws;
	struct perr	 e;
	int		 rc = -1;

	memset(&jws, 0, sizeof(jws));
	if (jws_parse_obj(eab, JWS_EAB, &jws, &e) != ACME_PROB_NONE ||
	    jws.kid == NULL)
		goto out;
	if ((size_t)snprintf(kid, kidsz, "%s", jws.kid) >= kidsz)
		goto out;
	rc = 0;
out:
	jws_clear(&jws);
	return rc;
}

/*
 * newAccount (RFC 8555 7.3, 7.3.1, 7.3.4), signed with a jwk.  Payload
 * members contact (array of strings), termsOfServiceAgreed and
 * onlyReturnExisting (booleans) and externalAccountBinding (object);
 * other members are ignored, wrong types are malformed.  A key that has an
 * account gets 200 and its Location, with no change (pre-registered
 * accounts included: they need neither EAB nor terms).  Otherwise:
 * onlyReturnExisting gives accountDoesNotExist (A3); terms not agreed while
 * configured gives userActionRequired with a terms-of-service Link;
 * contacts are checked (A4); in EAB enrolment the binding is required (E1)
 * and checked and bound in this transaction (E5-E9); in open enrolment an
 * EAB is ignored and never echoed (E14).  Then the account and its key
 * index are written (DB_NOOVERWRITE) and the answer is 201 with Location.
 * Returns 0, -1 (refused, problem set) or a store error code.
 */
int
account_new(struct ctx *ctx, DB_TXN *txn)
{
	const struct conf	*conf = ctx->conf;
	struct json_object	*contacts = NULL, *eab = NULL, *rec = NULL;
	const struct jwk	*jwk = ctx->jws.jwk;
	struct perr		 e;
	void			*val = NULL;
	size_t			 valsz = 0;
	char			 id[ACMEGW_ID_LEN + 1], eabkid[128];
	int			 tos = 0, only = 0, r, rc = -1;

	memset(&e, 0, sizeof(e));
	if (jwk == NULL) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "newAccount must be signed with a \"jwk\"");
		goto out;
	}
	if (ctx->payload == NULL) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "newAccount needs a payload object, not POST-as-GET");
		goto out;
	}
	if ((r = json_get_array(ctx->payload, "contact", &contacts)) == -1) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "\"contact\" must be an array of strings");
		goto out;
	}
	if (r == 1)
		contacts = NULL;
	if (json_get_bool(ctx->payload, "termsOfServiceAgreed", &tos) == -1) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "\"termsOfServiceAgreed\" must be a boolean");
		goto out;
	}
	if (json_get_bool(ctx->payload, "onlyReturnExisting", &only) == -1) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "\"onlyReturnExisting\" must be a boolean");
		goto out;
	}
	if ((r = json_get_obj(ctx->payload, "externalAccountBinding",
	    &eab)) == -1) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "\"externalAccountBinding\" must be a JWS object");
		goto out;
	}
	if (r == 1)
		eab = NULL;
	if (contacts != NULL) {
		size_t	 i, n = json_object_array_length(contacts);

		for (i = 0; i < n; i++)
			if (!json_object_is_type(json_object_array_get_idx(
			    contacts, i), json_type_string)) {
				problem_set(ctx->resp, ACME_PROB_MALFORMED,
				    "\"contact\" must be an array of strings");
				goto out;
			}
	}

	/* A1, A2: one account per key; the RMW read serialises creators. */
	rc = store_get(ctx->store, txn, SDB_ACCTKEYS, jwk->thumb,
	    ACMEGW_THUMB_LEN, DB_RMW, &val, &valsz);
	if (rc == 0) {
		if (valsz != ACMEGW_ID_LEN) {
			log_warnx("account_new: damaged key index entry");
			problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
			    "the account of this key cannot be read");
			rc = -1;
			goto out;
		}
		memcpy(id, val, ACMEGW_ID_LEN);
		id[ACMEGW_ID_LEN] = '\0';
		rc = account_existing(ctx, txn, id);
		goto out;
	}
	if (rc != DB_NOTFOUND)
		goto out;
	rc = -1;

	if (only) {
		problem_set(ctx->resp, ACME_PROB_ACCT_DNE,
		    "no account exists for this key");
		goto out;
	}
	if (conf->terms_of_service != NULL && !tos) {
		(void)resp_header(ctx->resp, "Link",
		    "<%s>;rel=\"terms-of-service\"", conf->terms_of_service);
		problem_set(ctx->resp, ACME_PROB_USER_ACTION,
		    "agree to the terms of service (termsOfServiceAgreed: "
		    "true) at %s", conf->terms_of_service);
		goto out;
	}
	if (contacts != NULL &&
	    account_contacts_check(conf, contacts, &e) == -1) {
		problem_perr(ctx->resp, &e);
		goto out;
	}
	if (store_new_id(id, sizeof(id)) == -1) {
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "no account id could be made");
		goto out;
	}

	eabkid[0] = '\0';
	if (conf->enrollment == ENROLL_EAB) {
		if (eab == NULL) {
			problem_set(ctx->resp, ACME_PROB_EAB_REQUIRED,
			    "this server requires an external account "
			    "binding (ask its administrator for a key id and "
			    "HMAC key)");
			goto out;
		}
		rc = eab_check_bind(ctx, txn, eab, jwk, id, &e);
		if (rc == -1) {
			problem_perr(ctx->resp, &e);
			goto out;
		}
		if (rc != 0)
			goto out;
		rc = -1;
		if (account_eab_kid(eab, eabkid, sizeof(eabkid)) == -1) {
			problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
			    "the external account binding cannot be read");
			goto out;
		}
	}
	/* E14: in open enrolment an EAB is ignored, and never stored. */

	rec = account_record_new(id, jwk, contacts, tos,
	    eabkid[0] != '\0' ? eabkid : NULL, ctx->now);
	if (rec == NULL) {
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "out of memory");
		goto out;
	}
	rc = store_put_json(ctx->store, txn, SDB_ACCOUNTS, id, rec,
	    DB_NOOVERWRITE);
	if (rc == 0)
		rc = store_put(ctx->store, txn, SDB_ACCTKEYS, jwk->thumb,
		    ACMEGW_THUMB_LEN, id, ACMEGW_ID_LEN, DB_NOOVERWRITE);
	if (rc == DB_KEYEXIST) {
		log_warnx("account_new: unexpected duplicate key for %s", id);
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "the account could not be stored; retry");
		rc = -1;
		goto out;
	}
	if (rc != 0)
		goto out;
	memcpy(ctx->acct_id, id, sizeof(id));
	if ((rc = account_reply(ctx, rec, 201, 1)) == -1)
		goto out;
	log_info("account %s created for key %s%s%s", id, jwk->thumb,
	    eabkid[0] != '\0' ? " through EAB " : "",
	    eabkid[0] != '\0' ? eabkid : "");
	rc = 0;
out:
	free(val);
	json_object_put(rec);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The account resource and its orders                                  */
/* ------------------------------------------------------------------ */

/* 403 unless the path's account is the kid's account (A6). */
static int
account_is_own(struct ctx *ctx)
{
	if (ctx->route_id == NULL || ctx->acct == NULL ||
	    strcmp(ctx->route_id, ctx->acct_id) != 0) {
		problem_set(ctx->resp, ACME_PROB_UNAUTHORIZED,
		    "this request is signed by another account");
		return 0;
	}
	return 1;
}

/*
 * POST /acct/ID (RFC 8555 7.3.2, 7.3.6), signed by that account.
 * POST-as-GET answers the account object.  A payload may carry contact
 * (replaces the list, checked as for newAccount) and status: "deactivated"
 * deactivates the account for good, and its pending authorizations with it
 * (authz_deactivate_account(), A9); the current status is ignored (clients
 * such as certbot send back what they got), anything else is malformed.
 * Other members are ignored.  Returns 0, -1 (refused) or a store code.
 */
int
account_post(struct ctx *ctx, DB_TXN *txn)
{
	struct json_object	*contacts = NULL, *cc = NULL;
	const char		*status = NULL;
	struct perr		 e;
	unsigned int		 nauthz = 0;
	int			 r, rc = -1, changed = 0, deactivate = 0;

	memset(&e, 0, sizeof(e));
	if (!account_is_own(ctx))
		goto out;
	if (ctx->payload == NULL) {
		rc = account_reply(ctx, ctx->acct, 200, 0);
		goto out;
	}
	if ((r = json_get_str(ctx->payload, "status", &status, NULL)) == -1) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "\"status\" must be a string");
		goto out;
	}
	if (r == 0 && strcmp(status, "deactivated") == 0)
		deactivate = 1;
	else if (r == 0 && strcmp(status, "valid") != 0) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "the only status a client can set is \"deactivated\"");
		goto out;
	}
	if ((r = json_get_array(ctx->payload, "contact", &contacts)) == -1) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "\"contact\" must be an array of strings");
		goto out;
	}
	if (deactivate) {
		/* RFC 8555 7.3.6; A9.  Deactivation wins over updates. */
		if (json_object_object_add(ctx->acct, "status",
		    json_object_new_string("deactivated")) != 0)
			goto nomem;
		changed = 1;
	} else if (r == 0) {
		if (account_contacts_check(ctx->conf, contacts, &e) == -1) {
			problem_perr(ctx->resp, &e);
			goto out;
		}
		if (json_object_deep_copy(contacts, &cc, NULL) != 0)
			goto nomem;
		if (json_object_object_add(ctx->acct, "contact", cc) != 0)
			goto nomem;
		cc = NULL;
		changed = 1;
	}
	if (deactivate && (rc = authz_deactivate_account(ctx, txn,
	    &nauthz)) != 0) {
		if (rc == -1)
			problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
			    "the account's pending authorizations could not "
			    "be deactivated");
		goto out;
	}
	if (changed) {
		rc = store_put_json(ctx->store, txn, SDB_ACCOUNTS,
		    ctx->acct_id, ctx->acct, 0);
		if (rc != 0)
			goto out;
		rc = -1;
		if (deactivate)
			log_info("account %s deactivated with %u pending "
			    "authorizations", ctx->acct_id, nauthz);
		else
			log_info("account %s contacts updated",
			    ctx->acct_id);
	}
	rc = account_reply(ctx, ctx->acct, 200, 0);
	goto out;
nomem:
	problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL, "out of memory");
	rc = -1;
out:
	json_object_put(cc);
	return rc;
}

/* account_orders()'s page. */
struct acct_page {
	struct ctx	*ctx;
	struct json_object *list;	/* the order URLs */
	const char	*skip;		/* the cursor's order id, or NULL */
	unsigned int	 n;
	int		 more;		/* a next page exists */
	char		 last[ACMEGW_ID_LEN + 1];
};

/*
 * One key of SDB_ORDERS_BY_ACCT (account id || order id): its order's URL
 * onto the page, unless it is the cursor's; 1 (stop) once the page is
 * full and another order follows, or at a key of another length.  0, 1
 * or ENOMEM.
 */
static int
account_page_one(const void *key, size_t keysz, const void *val,
    size_t valsz, void *arg)
{
	struct acct_page	*pg = arg;
	const char		*oid = (const char *)key + ACMEGW_ID_LEN;
	const char		*skip = pg->skip;
	char			 url[1024];

	(void)val;
	(void)valsz;
	if (keysz != 2 * ACMEGW_ID_LEN)
		return 1;
	pg->skip = NULL;	/* only the first key can be the cursor's */
	if (skip != NULL && memcmp(oid, skip, ACMEGW_ID_LEN) == 0)
		return 0;
	if (pg->n == pg->ctx->conf->orders_per_page) {
		pg->more = 1;
		return 1;
	}
	memcpy(pg->last, oid, ACMEGW_ID_LEN);
	pg->last[ACMEGW_ID_LEN] = '\0';
	if (url_build(pg->ctx->conf, url, sizeof(url), "/order/%s",
	    pg->last) == -1 ||
	    json_object_array_add(pg->list, json_object_new_string(url)) != 0)
		return ENOMEM;
	pg->n++;
	return 0;
}

/*
 * POST-as-GET /acct/ID/orders[/CURSOR] (RFC 8555 7.1.2.1): the URLs of
 * the account's orders, in id order, at most conf->orders_per_page of
 * them, starting after CURSOR; Link rel="next" to the following page when
 * more remain.  Reads SDB_ORDERS_BY_ACCT (account id || order id) with a
 * store_scan_prefix() from the cursor; only DB_NOTFOUND ends the scan (B9).
 * Returns 0, -1 (refused) or a store code.
 */
int
account_orders(struct ctx *ctx, DB_TXN *txn)
{
	struct json_object	*o = NULL;
	struct acct_page	 pg;
	unsigned char		 start[2 * ACMEGW_ID_LEN];
	size_t			 startsz = ACMEGW_ID_LEN;
	int			 rc = -1;

	memset(&pg, 0, sizeof(pg));
	if (!account_is_own(ctx))
		goto out;
	if (ctx->payload != NULL) {
		problem_set(ctx->resp, ACME_PROB_MALFORMED,
		    "the orders list is fetched with POST-as-GET (an empty "
		    "payload)");
		goto out;
	}
	if ((o = json_object_new_object()) == NULL ||
	    (pg.list = json_object_new_array()) == NULL)
		goto nomem;
	pg.ctx = ctx;
	memcpy(start, ctx->acct_id, ACMEGW_ID_LEN);
	if (ctx->route_sub != NULL) {
		/* The cursor names the last order of the previous page. */
		memcpy(start + ACMEGW_ID_LEN, ctx->route_sub, ACMEGW_ID_LEN);
		startsz = 2 * ACMEGW_ID_LEN;
		pg.skip = ctx->route_sub;
	}
	rc = store_scan_prefix(ctx->store, txn, SDB_ORDERS_BY_ACCT, start,
	    startsz, ACMEGW_ID_LEN, 0, account_page_one, &pg);
	if (rc == ENOMEM)
		goto nomem;
	if (rc != 0)
		goto out;
	rc = -1;
	if (json_object_object_add(o, "orders", pg.list) != 0)
		goto nomem;
	pg.list = NULL;
	if (pg.more && resp_header(ctx->resp, "Link",
	    "<%s/acct/%s/orders/%s>;rel=\"next\"", ctx->conf->base_url,
	    ctx->acct_id, pg.last) == -1)
		goto nomem;
	rc = resp_json(ctx->resp, 200, o) == 0 ? 0 : -1;
	goto out;
nomem:
	problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL, "out of memory");
	rc = -1;
out:
	json_object_put(pg.list);
	json_object_put(o);
	return rc;
}

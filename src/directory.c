/*
 * directory.c: the directory and newNonce resources (RFC 8555 7.1.1, 7.2).
 *
 * Owns the directory object: the URLs of the ACME resources under
 * base_url and the "meta" member built from the configuration.  Never
 * reads the store; the router adds Replay-Nonce, Link and Cache-Control.
 */
#include <stdio.h>
#include <string.h>

#include "acmegw.h"

/* The directory members and their paths under base_url. */
static const struct {
	const char	*name;
	const char	*path;
} directory_urls[] = {
	{ "newNonce",	"/new-nonce" },
	{ "newAccount",	"/new-account" },
	{ "newOrder",	"/new-order" },
	{ "revokeCert",	"/revoke-cert" },
	{ "keyChange",	"/key-change" },
	{ "renewalInfo", "/renewal-info" },
};

/*
 * meta.profiles (draft-aaron-acme-profiles): {name: description} of every
 * configured profile, the description built from its settings.  Returns
 * the object, or NULL when memory ran out.
 */
static struct json_object *
directory_profiles(const struct conf *conf)
{
	const struct profile	*p;
	struct json_object	*o;
	char			 desc[256];
	size_t			 i, off;
	unsigned int		 k;
	int			 m;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	for (i = 0; i < conf->profilessz; i++) {
		p = &conf->profiles[i];
		m = snprintf(desc, sizeof(desc), "%s%u-day certificates; "
		    "keys:", conf->default_profile != NULL &&
		    strcmp(conf->default_profile, p->name) == 0 ?
		    "the default: " : "", p->validity / 86400);
		off = m > 0 && (size_t)m < sizeof(desc) ? (size_t)m : 0;
		for (k = 0; k < KT__MAX && off < sizeof(desc); k++) {
			if ((p->key_types & (1u << k)) == 0)
				continue;
			m = snprintf(desc + off, sizeof(desc) - off, " %s",
			    key_type_str[k]);
			if (m < 0 || (size_t)m >= sizeof(desc) - off)
				break;
			off += (size_t)m;
		}
		if (json_object_object_add(o, p->name,
		    json_object_new_string(desc)) != 0) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

/*
 * Answer GET or HEAD /directory: 200 with the directory object (RFC 8555
 * 7.1.1).  newOrder and revokeCert are always listed (clients such as lego
 * refuse a directory without them), newAuthz only when pre_authorization
 * is on, renewalInfo (RFC 9773) always.  meta carries termsOfService and
 * website when configured, caaIdentities when any,
 * externalAccountRequired (true in EAB enrolment) and profiles
 * ({name: description}) when any profile is configured.  On memory failure the
 * response is a 500 problem.
 */
void
directory_get(struct ctx *ctx)
{
	const struct conf	*conf = ctx->conf;
	struct json_object	*dir = NULL, *meta = NULL, *caa = NULL, *s;
	char			 url[1024];
	size_t			 i;

	if ((dir = json_object_new_object()) == NULL ||
	    (meta = json_object_new_object()) == NULL)
		goto fail;
	for (i = 0; i < sizeof(directory_urls) / sizeof(directory_urls[0]);
	    i++) {
		if (url_build(conf, url, sizeof(url), "%s",
		    directory_urls[i].path) == -1)
			goto fail;
		if ((s = json_object_new_string(url)) == NULL ||
		    json_object_object_add(dir, directory_urls[i].name, s) != 0)
			goto fail;
	}
	/* newAuthz only when pre-authorization is on (RFC 8555 7.4.1). */
	if (conf->pre_authorization) {
		if (url_build(conf, url, sizeof(url), "/new-authz") == -1 ||
		    (s = json_object_new_string(url)) == NULL ||
		    json_object_object_add(dir, "newAuthz", s) != 0)
			goto fail;
	}
	if (conf->terms_of_service != NULL &&
	    json_object_object_add(meta, "termsOfService",
	    json_object_new_string(conf->terms_of_service)) != 0)
		goto fail;
	if (conf->website != NULL &&
	    json_object_object_add(meta, "website",
	    json_object_new_string(conf->website)) != 0)
		goto fail;
	if (conf->caa_identitiessz > 0) {
		if ((caa = json_object_new_array()) == NULL)
			goto fail;
		for (i = 0; i < conf->caa_identitiessz; i++)
			if (json_object_array_add(caa, json_object_new_string(
			    conf->caa_identities[i])) != 0)
				goto fail;
		if (json_object_object_add(meta, "caaIdentities", caa) != 0)
			goto fail;
		caa = NULL;
	}
	if (json_object_object_add(meta, "externalAccountRequired",
	    json_object_new_boolean(conf->enrollment == ENROLL_EAB)) != 0)
		goto fail;
	if (conf->profilessz > 0) {
		if ((caa = directory_profiles(conf)) == NULL)
			goto fail;
		if (json_object_object_add(meta, "profiles", caa) != 0)
			goto fail;	/* caa is put below */
		caa = NULL;
	}
	if (json_object_object_add(dir, "meta", meta) != 0)
		goto fail;
	meta = NULL;
	(void)resp_json(ctx->resp, 200, dir);
	json_object_put(dir);
	return;
fail:
	json_object_put(caa);
	json_object_put(meta);
	json_object_put(dir);
	problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL, "out of memory");
}

/*
 * Answer newNonce (RFC 8555 7.2): HEAD gives 200, GET gives 204, neither
 * has a body.  The nonce itself, Cache-Control: no-store and the index
 * Link are added by the router, which issues nonces for every POST too.
 */
void
nonce_get(struct ctx *ctx)
{
	ctx->resp->status = ctx->req->method == METHOD_HEAD ? 200 : 204;
	ctx->resp->ctype = NULL;
	ctx->resp->prob = ACME_PROB_NONE;
}

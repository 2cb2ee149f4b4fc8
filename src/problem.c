/*
 * problem.c: ACME problem types and the response being built.
 *
 * Owns the table enum acme_prob -> (type URN, HTTP status), which follows
 * SECURITY.md 2.0 (Boulder and Pebble agree), and struct resp: status,
 * headers and body.  It builds RFC 7807 / RFC 9457 problem documents; it
 * never writes to the network (fcgi.c does) and never decides which
 * problem applies (the callers do).
 */
#define _GNU_SOURCE		/* vasprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acmegw.h"

#define URN	"urn:ietf:params:acme:error:"

/* Type URN per problem; ACME_PROB_NONE has none. */
const char *const acme_prob_type[ACME_PROB__MAX] = {
	NULL,				/* NONE */
	URN "malformed",		/* MALFORMED */
	URN "badNonce",			/* BAD_NONCE */
	URN "badSignatureAlgorithm",	/* BAD_SIG_ALG */
	URN "badPublicKey",		/* BAD_PUBKEY */
	URN "accountDoesNotExist",	/* ACCT_DNE */
	URN "invalidContact",		/* INVALID_CONTACT */
	URN "unsupportedContact",	/* UNSUPPORTED_CONTACT */
	URN "unauthorized",		/* UNAUTHORIZED */
	URN "externalAccountRequired",	/* EAB_REQUIRED */
	URN "userActionRequired",	/* USER_ACTION */
	URN "conflict",			/* CONFLICT */
	URN "malformed",		/* NOT_FOUND */
	URN "malformed",		/* METHOD */
	URN "malformed",		/* MEDIA_TYPE */
	URN "malformed",		/* TOO_LARGE */
	URN "rateLimited",		/* RATE_LIMITED */
	URN "serverInternal",		/* SERVER_INTERNAL */
	URN "serverInternal",		/* UNAVAILABLE */
	URN "badCSR",			/* BAD_CSR */
	URN "rejectedIdentifier",	/* REJECTED_IDENT */
	URN "unsupportedIdentifier",	/* UNSUPPORTED_IDENT */
	URN "orderNotReady",		/* ORDER_NOT_READY */
	URN "caa",			/* CAA */
	URN "dns",			/* DNS */
	URN "connection",		/* CONNECTION */
	URN "tls",			/* TLS */
	URN "incorrectResponse",	/* INCORRECT_RESPONSE */
	URN "badRevocationReason",	/* BAD_REVOCATION_REASON */
	URN "alreadyRevoked",		/* ALREADY_REVOKED */
	URN "alreadyReplaced",		/* ALREADY_REPLACED */
	URN "invalidProfile",		/* INVALID_PROFILE */
};

static const int acme_prob_http[ACME_PROB__MAX] = {
	200,	/* NONE */
	400,	/* MALFORMED */
	400,	/* BAD_NONCE */
	400,	/* BAD_SIG_ALG */
	400,	/* BAD_PUBKEY */
	400,	/* ACCT_DNE */
	400,	/* INVALID_CONTACT */
	400,	/* UNSUPPORTED_CONTACT */
	403,	/* UNAUTHORIZED */
	403,	/* EAB_REQUIRED */
	403,	/* USER_ACTION */
	409,	/* CONFLICT */
	404,	/* NOT_FOUND */
	405,	/* METHOD */
	415,	/* MEDIA_TYPE */
	413,	/* TOO_LARGE */
	429,	/* RATE_LIMITED */
	500,	/* SERVER_INTERNAL */
	503,	/* UNAVAILABLE */
	400,	/* BAD_CSR */
	400,	/* REJECTED_IDENT */
	400,	/* UNSUPPORTED_IDENT */
	403,	/* ORDER_NOT_READY */
	403,	/* CAA */
	400,	/* DNS */
	400,	/* CONNECTION */
	400,	/* TLS */
	400,	/* INCORRECT_RESPONSE */
	400,	/* BAD_REVOCATION_REASON */
	400,	/* ALREADY_REVOKED */
	409,	/* ALREADY_REPLACED */
	400,	/* INVALID_PROFILE */
};

/* The HTTP status that goes with a problem type. */
int
acme_prob_status(enum acme_prob p)
{
	if ((unsigned int)p >= ACME_PROB__MAX)
		abort();
	return acme_prob_http[p];
}

/*
 * Fill perr with a problem and a formatted detail sentence (truncated to
 * the buffer).  Returns the problem, so that callers can write
 * "return perr_set(e, ACME_PROB_MALFORMED, ...)".
 */
enum acme_prob
perr_set(struct perr *e, enum acme_prob p, const char *fmt, ...)
{
	va_list	 ap;

	if (e == NULL)
		return p;
	e->prob = p;
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
	return p;
}

/* Prepare a response in the caller's storage: 200, no headers, no body. */
void
resp_init(struct resp *r)
{
	memset(r, 0, sizeof(*r));
	r->status = 200;
}

/*
 * Free what the response holds, a continuation's argument included (the
 * continuation is not run); it is left initialised and empty.
 */
void
resp_clear(struct resp *r)
{
	size_t	 i;

	for (i = 0; i < r->hdrsz; i++) {
		free(r->hdrs[i].name);
		free(r->hdrs[i].value);
	}
	free(r->body);
	if (r->cont_free != NULL && r->cont_arg != NULL)
		r->cont_free(r->cont_arg);	/* never run */
	resp_init(r);
}

/* Throw away everything built so far (a transaction is about to be retried). */
void
resp_reset(struct resp *r)
{
	resp_clear(r);
}

/*
 * Add a header (or replace one of the same name, case-insensitively).
 * The value is formatted.  Returns 0, or -1 when out of room or memory.
 */
int
resp_header(struct resp *r, const char *name, const char *fmt, ...)
{
	va_list	 ap;
	char	*v = NULL, *n = NULL;
	size_t	 i;
	int	 rc = -1;

	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) == -1)
		v = NULL;
	va_end(ap);
	if (v == NULL)
		goto out;
	for (i = 0; i < r->hdrsz; i++)
		if (strcasecmp(r->hdrs[i].name, name) == 0 &&
		    strcasecmp(name, "Link") != 0) {
			free(r->hdrs[i].value);
			r->hdrs[i].value = v;
			v = NULL;
			rc = 0;
			goto out;
		}
	if (r->hdrsz == RESP_MAXHDRS)
		goto out;
	if ((n = strdup(name)) == NULL)
		goto out;
	r->hdrs[r->hdrsz].name = n;
	r->hdrs[r->hdrsz].value = v;
	r->hdrsz++;
	n = v = NULL;
	rc = 0;
out:
	free(n);
	free(v);
	return rc;
}

/* The value of the first header of that name, or NULL (borrowed). */
const char *
resp_header_get(const struct resp *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->hdrsz; i++)
		if (strcasecmp(r->hdrs[i].name, name) == 0)
			return r->hdrs[i].value;
	return NULL;
}

static int
resp_body(struct resp *r, int status, const char *ctype,
    struct json_object *obj)
{
	const char	*s;

	s = json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL)
		return -1;
	free(r->body);
	if ((r->body = strdup(s)) == NULL) {
		r->bodysz = 0;
		return -1;
	}
	r->bodysz = strlen(r->body);
	r->status = status;
	r->ctype = ctype;
	return 0;
}

/*
 * Make obj (borrowed, not freed) the application/json body with that
 * status.  Returns 0, or -1 on memory failure (the response is then a
 * 500 problem).
 */
int
resp_json(struct resp *r, int status, struct json_object *obj)
{
	if (resp_body(r, status, "application/json", obj) == -1) {
		problem_set(r, ACME_PROB_SERVER_INTERNAL, "out of memory");
		return -1;
	}
	r->prob = ACME_PROB_NONE;
	return 0;
}

/*
 * Make the response an RFC 7807 problem document: type, detail and status,
 * plus the "algorithms" list for badSignatureAlgorithm and Retry-After for
 * a temporary 503.  Replaces any body built before; keeps headers.
 */
void
problem_set(struct resp *r, enum acme_prob p, const char *fmt, ...)
{
	struct json_object	*o = NULL, *a;
	va_list			 ap;
	char			 detail[1024];
	size_t			 i;

	if ((unsigned int)p >= ACME_PROB__MAX || p == ACME_PROB_NONE)
		p = ACME_PROB_SERVER_INTERNAL;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);

	r->prob = p;
	r->status = acme_prob_status(p);
	if ((o = json_object_new_object()) == NULL)
		goto fail;
	json_object_object_add(o, "type",
	    json_object_new_string(acme_prob_type[p]));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	json_object_object_add(o, "status", json_object_new_int(r->status));
	if (p == ACME_PROB_BAD_SIG_ALG) {
		a = json_object_new_array();
		for (i = 0; i < JWK__MAX; i++)
			json_object_array_add(a,
			    json_object_new_string(jwk_kty_alg[i]));
		json_object_object_add(o, "algorithms", a);
	}
	if (p == ACME_PROB_UNAVAILABLE || p == ACME_PROB_RATE_LIMITED)
		resp_header(r, "Retry-After", "%d", 5);
	if (resp_body(r, r->status, "application/problem+json", o) == -1)
		goto fail;
	json_object_put(o);
	return;
fail:
	json_object_put(o);
	free(r->body);
	r->body = NULL;
	r->bodysz = 0;
	r->ctype = NULL;
	r->status = 500;
	r->prob = ACME_PROB_SERVER_INTERNAL;
}

/* problem_set() from a struct perr. */
void
problem_perr(struct resp *r, const struct perr *e)
{
	problem_set(r, e->prob, "%s", e->detail);
}

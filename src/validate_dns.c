/*
 * validate_dns.c: DNS for acmegw-validate: dns-01, CAA and the A/AAAA
 * lookups behind http-01 and tls-alpn-01.
 *
 * Owns every DNS query the validator makes.  They go through libunbound
 * (a fresh context per run, so nothing is cached across validations,
 * SECURITY.md D12), forwarding to the configured resolver, or to the
 * nameservers of /etc/resolv.conf when none is configured; A/AAAA with no
 * resolver configured use getaddrinfo(3), the system resolver.  CNAMEs
 * are followed by the resolver (libunbound stops long chains and loops
 * with SERVFAIL), TCP is used on truncation, answers are bounded
 * (VAL_MAX_TXT records) and every wait is bounded by the request deadline.
 * DNSSEC: libunbound validates only with a trust anchor, and this version
 * configures none, so no answer is "secure"; a "bogus" answer would be
 * refused.
 *
 * Must never: treat a failed lookup as "no record" (a SERVFAIL is a dns
 * error for dns-01 and a caa error for CAA, never permission, C4/C7);
 * compare the dns-01 digest in variable time; wait past the deadline.
 */
#define _GNU_SOURCE		/* EAI_NODATA */
#include <sys/socket.h>
#include <netdb.h>
#include <netinet/in.h>

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <unbound.h>

#include "acmegw.h"

#define RR_A		1
#define RR_TXT		16
#define RR_AAAA		28
#define RR_CAA		257
#define RR_CLASS_IN	1

/* CAA flags honoured as "critical": 128 (RFC 8659) and 1, as Boulder. */
#define CAA_CRITICAL	0x81

/*
 * Zones libunbound answers by itself by default (RFC 6761, RFC 8375) that
 * a closed network may really use: their queries go to the resolver.
 */
static const char *const vdns_transparent[] = {
	"test. transparent", "home.arpa. transparent", NULL
};

/* One asynchronous query. */
struct vdns_q {
	const char	*name;
	int		 rrtype;
	int		 started;
	int		 done;
	int		 err;		/* libunbound error code */
	int		 id;
	struct ub_result *result;	/* owned once done */
};

/* Name of a DNS rcode, for details. */
static const char *
vdns_rcode_str(int rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED"
	};

	if (rcode >= 0 && rcode < (int)(sizeof(names) / sizeof(names[0])))
		return names[rcode];
	return "an error rcode";
}

/* Name of an RR type we query, for details. */
static const char *
vdns_type_str(int rrtype)
{
	switch (rrtype) {
	case RR_A:
		return "A";
	case RR_AAAA:
		return "AAAA";
	case RR_TXT:
		return "TXT";
	case RR_CAA:
		return "CAA";
	default:
		return "?";
	}
}

/* The resolver as people write it, for details. */
static const char *
vdns_resolver_str(const struct vreq *req)
{
	return req->resolver[0] ? req->resolver : "the system resolver";
}

/*
 * The one libunbound context of this run (a validator process serves one
 * request, so one resolver set-up): made by the first lookup, used by
 * every later one (the A/AAAA lookups of each redirect, TXT, every CAA
 * step), freed by vdns_ctx_free().  Making a context costs about 2 ms of
 * CPU (its thread, event base, caches and random state), as much as the
 * rest of an http-01 validation.  Sharing it is safe with the queries on
 * the callers' stacks: vdns_run() returns only once each query is
 * answered or cancelled, and libunbound never calls back for a cancelled
 * one.
 */
static struct ub_ctx	*vdns_ctx;

/*
 * A fresh libunbound context for req: threaded asynchronous mode,
 * forwarding to the configured resolver or to /etc/resolv.conf.  Returns
 * NULL with res set to serverInternal on failure.
 */
static struct ub_ctx *
vdns_ctx_new(const struct vreq *req, struct vres *res)
{
	struct ub_ctx	*ctx;
	size_t		 i;
	int		 e;

	if ((ctx = ub_ctx_create()) == NULL) {
		vres_fail(res, ACME_PROB_SERVER_INTERNAL,
		    "cannot create a libunbound context");
		return NULL;
	}
	if ((e = ub_ctx_async(ctx, 1)) != 0)
		goto fail;
	/* The resolver is named by configuration; it may be on loopback. */
	if ((e = ub_ctx_set_option(ctx, "do-not-query-localhost:",
	    "no")) != 0)
		goto fail;
	for (i = 0; vdns_transparent[i] != NULL; i++)
		if ((e = ub_ctx_set_option(ctx, "local-zone:",
		    vdns_transparent[i])) != 0)
			goto fail;
	if (req->resolver[0] != '\0')
		e = ub_ctx_set_fwd(ctx, req->resolver);
	else
		e = ub_ctx_resolvconf(ctx, NULL);
	if (e != 0)
		goto fail;
	return ctx;
fail:
	vres_fail(res, ACME_PROB_SERVER_INTERNAL, "libunbound set-up: %s",
	    ub_strerror(e));
	ub_ctx_delete(ctx);
	return NULL;
}

/*
 * The context of this run (vdns_ctx), made for req on first use.  Borrowed:
 * vdns_ctx_free() frees it.  NULL with res set to serverInternal when it
 * cannot be made.
 */
static struct ub_ctx *
vdns_ctx_get(const struct vreq *req, struct vres *res)
{
	if (vdns_ctx == NULL)
		vdns_ctx = vdns_ctx_new(req, res);
	return vdns_ctx;
}

/*
 * Free the libunbound context of this run, if one was made (its thread
 * is stopped and joined).  Called once, after the last lookup, while the
 * validator's backstop timer still bounds it.
 */
void
vdns_ctx_free(void)
{
	if (vdns_ctx != NULL)
		ub_ctx_delete(vdns_ctx);
	vdns_ctx = NULL;
}

/* libunbound callback: the answer to one query (owned by us now). */
static void
vdns_cb(void *arg, int err, struct ub_result *result)
{
	struct vdns_q	*q = arg;

	q->done = 1;
	q->err = err;
	q->result = result;
}

/*
 * Run the n queries qs at once until all are answered or the deadline
 * passes; a query still unanswered then has done == 0.  Returns 0, or -1
 * with res set to serverInternal.
 */
static int
vdns_run(const struct vreq *req, struct ub_ctx *ctx, struct vdns_q *qs,
    size_t n, struct vres *res)
{
	struct pollfd	 pfd;
	unsigned int	 left;
	size_t		 i, pending;
	int		 e, rc = -1;

	val_set_phase(ACME_PROB_DNS);
	for (i = 0; i < n; i++) {
		qs[i].done = 0;
		qs[i].result = NULL;
		e = ub_resolve_async(ctx, qs[i].name, qs[i].rrtype,
		    RR_CLASS_IN, &qs[i], vdns_cb, &qs[i].id);
		if (e != 0) {
			qs[i].done = 1;
			qs[i].err = e;
			if (e == UB_NOMEM) {
				vres_fail(res, ACME_PROB_SERVER_INTERNAL,
				    "libunbound: %s", ub_strerror(e));
				goto out;
			}
		} else
			qs[i].started = 1;
	}
	pfd.fd = ub_fd(ctx);
	pfd.events = POLLIN;
	for (;;) {
		for (pending = 0, i = 0; i < n; i++)
			if (!qs[i].done)
				pending++;
		if (pending == 0 || (left = val_left_ms(req)) == 0)
			break;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR) {
			vres_fail(res, ACME_PROB_SERVER_INTERNAL, "poll: %s",
			    strerror(errno));
			goto out;
		}
		if ((e = ub_process(ctx)) != 0) {
			vres_fail(res, ACME_PROB_SERVER_INTERNAL,
			    "libunbound: %s", ub_strerror(e));
			goto out;
		}
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		if (qs[i].started && !qs[i].done)
			(void)ub_cancel(ctx, qs[i].id);
	val_set_phase(ACME_PROB_CONNECTION);
	return rc;
}

/* Free the answers held by qs[0..n). */
static void
vdns_q_clear(struct vdns_q *qs, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (qs[i].result != NULL)
			ub_resolve_free(qs[i].result);
		qs[i].result = NULL;
	}
}

/*
 * Describe why q failed (timeout, library error, bogus, an rcode other
 * than NOERROR and NXDOMAIN) into buf; returns 1 if it failed, 0 if it
 * has an answer (possibly NXDOMAIN or NODATA).
 */
static int
vdns_q_failed(const struct vreq *req, const struct vdns_q *q, char *buf,
    size_t bufsz)
{
	if (!q->done) {
		snprintf(buf, bufsz, "timeout looking up %s for %s at %s",
		    vdns_type_str(q->rrtype), q->name, vdns_resolver_str(req));
		return 1;
	}
	if (q->err != 0 || q->result == NULL) {
		snprintf(buf, bufsz, "%s looking up %s for %s at %s",
		    ub_strerror(q->err), vdns_type_str(q->rrtype), q->name,
		    vdns_resolver_str(req));
		return 1;
	}
	if (q->result->bogus) {
		snprintf(buf, bufsz, "DNSSEC: bogus answer looking up %s for "
		    "%s: %s", vdns_type_str(q->rrtype), q->name,
		    q->result->why_bogus ? q->result->why_bogus : "?");
		return 1;
	}
	if (q->result->rcode != 0 && q->result->rcode != 3) {
		snprintf(buf, bufsz, "%s looking up %s for %s at %s",
		    vdns_rcode_str(q->result->rcode),
		    vdns_type_str(q->rrtype), q->name, vdns_resolver_str(req));
		return 1;
	}
	return 0;
}

/* Predicate: q answered with at least one record. */
static int
vdns_q_has_data(const struct vdns_q *q)
{
	return q->done && q->err == 0 && q->result != NULL &&
	    q->result->rcode == 0 && q->result->havedata &&
	    q->result->data[0] != NULL;
}

/* A/AAAA through getaddrinfo(3): the system resolver. */
static int
vdns_addrs_system(const char *host, struct vaddr *out, size_t outmax,
    size_t *outsz, struct vres *res)
{
	struct addrinfo		 hints, *ai = NULL, *p;
	struct vaddr		 a;
	size_t			 n = 0, i;
	int			 e, rc = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	val_set_phase(ACME_PROB_DNS);
	e = getaddrinfo(host, NULL, &hints, &ai);
	val_set_phase(ACME_PROB_CONNECTION);
	if (e == EAI_NONAME || e == EAI_NODATA || e == EAI_AGAIN ||
	    e == EAI_FAIL) {
		vres_fail(res, ACME_PROB_DNS, "DNS problem: %s looking up "
		    "A/AAAA for %s with the system resolver",
		    e == EAI_AGAIN ? "temporary failure" : gai_strerror(e),
		    host);
		goto out;
	}
	if (e != 0) {
		vres_fail(res, ACME_PROB_SERVER_INTERNAL, "getaddrinfo %s: %s",
		    host, gai_strerror(e));
		goto out;
	}
	for (p = ai; p != NULL && n < outmax; p = p->ai_next) {
		memset(&a, 0, sizeof(a));
		if (p->ai_family == AF_INET) {
			memcpy(a.ip, &((struct sockaddr_in *)(void *)
			    p->ai_addr)->sin_addr, 4);
		} else if (p->ai_family == AF_INET6) {
			a.v6 = 1;
			memcpy(a.ip, &((struct sockaddr_in6 *)(void *)
			    p->ai_addr)->sin6_addr, 16);
		} else
			continue;
		for (i = 0; i < n; i++)
			if (memcmp(&out[i], &a, sizeof(a)) == 0)
				break;
		if (i == n)
			out[n++] = a;
	}
	if (n == 0) {
		vres_fail(res, ACME_PROB_DNS, "No valid IP addresses found "
		    "for %s", host);
		goto out;
	}
	*outsz = n;
	rc = 0;
out:
	if (ai != NULL)
		freeaddrinfo(ai);
	return rc;
}

/*
 * The A and AAAA records of host, at most outmax of them, into out;
 * through the configured resolver (libunbound) or, with none configured,
 * the system resolver.  An answer for one family is enough when the other
 * lookup fails.  Returns 0 with *outsz > 0; -1 with res set: "dns" when
 * the lookups failed or found nothing, serverInternal otherwise.
 */
int
vdns_lookup_addrs(const struct vreq *req, const char *host,
    struct vaddr *out, size_t outmax, size_t *outsz, struct vres *res)
{
	struct ub_ctx	*ctx = NULL;
	struct vdns_q	 qs[2];
	struct vaddr	 a;
	char		 why[512];
	size_t		 n = 0, i, k;
	int		 failed = 0, rc = -1;

	*outsz = 0;
	if (req->resolver[0] == '\0')
		return vdns_addrs_system(host, out, outmax, outsz, res);

	memset(qs, 0, sizeof(qs));
	qs[0].name = host;
	qs[0].rrtype = RR_AAAA;
	qs[1].name = host;
	qs[1].rrtype = RR_A;
	if ((ctx = vdns_ctx_get(req, res)) == NULL)
		goto out;
	if (vdns_run(req, ctx, qs, 2, res) == -1)
		goto out;
	why[0] = '\0';
	for (k = 0; k < 2; k++) {
		if (vdns_q_failed(req, &qs[k], why, sizeof(why))) {
			failed = 1;
			continue;
		}
		if (!vdns_q_has_data(&qs[k]))
			continue;
		for (i = 0; qs[k].result->data[i] != NULL && n < outmax; i++) {
			memset(&a, 0, sizeof(a));
			if (qs[k].rrtype == RR_A && qs[k].result->len[i] == 4)
				memcpy(a.ip, qs[k].result->data[i], 4);
			else if (qs[k].rrtype == RR_AAAA &&
			    qs[k].result->len[i] == 16) {
				a.v6 = 1;
				memcpy(a.ip, qs[k].result->data[i], 16);
			} else
				continue;
			out[n++] = a;
		}
	}
	if (n == 0) {
		if (failed)
			vres_fail(res, ACME_PROB_DNS, "DNS problem: %s", why);
		else
			vres_fail(res, ACME_PROB_DNS, "No valid IP addresses "
			    "found for %s (no A or AAAA records at %s)", host,
			    vdns_resolver_str(req));
		goto out;
	}
	*outsz = n;
	rc = 0;
out:
	vdns_q_clear(qs, 2);
	return rc;
}

/*
 * Concatenate the character-strings of one TXT rdata (D9) into out
 * (outsz bytes, NUL-terminated; longer text is cut but *fulllen tells).
 * Returns 0, or -1 if the rdata is malformed.
 */
static int
vdns_txt_join(const unsigned char *rd, size_t len, char *out, size_t outsz,
    size_t *fulllen)
{
	size_t	 off = 0, o = 0, n, i;

	assert(outsz > 0);
	*fulllen = 0;
	while (off < len) {
		n = rd[off++];
		if (n > len - off)
			return -1;
		for (i = 0; i < n; i++)
			if (o + 1 < outsz)
				out[o++] = (char)rd[off + i];
		*fulllen += n;
		off += n;
	}
	out[o] = '\0';
	return 0;
}

/*
 * dns-01 (RFC 8555 8.4): some TXT record at _acme-challenge.NAME (CNAMEs
 * followed) must equal base64url(SHA-256(key authorization)).  Returns 0
 * when one does, -1 otherwise with res set: unauthorized for no record or
 * only wrong ones, dns for a failed lookup or too many records.
 */
int
val_dns01(const struct vreq *req, struct vres *res)
{
	struct ub_ctx	*ctx = NULL;
	struct vdns_q	 q;
	unsigned char	 digest[32];
	char		 want[64], txtname[300], got[128], seen[128], why[512];
	size_t		 i, n, full;
	int		 rc = -1, match = 0, e;

	memset(&q, 0, sizeof(q));
	seen[0] = '\0';
	if ((e = gnutls_hash_fast(GNUTLS_DIG_SHA256, req->keyauth,
	    req->keyauthsz, digest)) < 0 ||
	    b64url_encode(digest, sizeof(digest), want, sizeof(want)) == -1) {
		vres_fail(res, ACME_PROB_SERVER_INTERNAL, "SHA-256 failed");
		goto out;
	}
	snprintf(txtname, sizeof(txtname), "_acme-challenge.%s", req->name);
	q.name = txtname;
	q.rrtype = RR_TXT;
	if ((ctx = vdns_ctx_get(req, res)) == NULL)
		goto out;
	if (vdns_run(req, ctx, &q, 1, res) == -1)
		goto out;
	if (vdns_q_failed(req, &q, why, sizeof(why))) {
		vres_fail(res, ACME_PROB_DNS, "DNS problem: %s", why);
		goto out;
	}
	if (!vdns_q_has_data(&q)) {
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "No TXT record found at "
		    "%s (%s)", txtname, q.result->nxdomain ? "NXDOMAIN" :
		    "no data");
		goto out;
	}
	for (n = 0; q.result->data[n] != NULL; n++)
		;
	if (n > VAL_MAX_TXT) {
		vres_fail(res, ACME_PROB_DNS, "DNS problem: %zu TXT records at "
		    "%s, more than the %d looked at", n, txtname, VAL_MAX_TXT);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (vdns_txt_join((const unsigned char *)q.result->data[i],
		    (size_t)q.result->len[i], got, sizeof(got), &full) == -1)
			continue;
		/* gnutls_memcmp: constant time (D1). */
		if (full == strlen(want) && gnutls_memcmp(got, want, full) == 0)
			match = 1;
		else if (seen[0] == '\0')
			log_sanitize(seen, 72, got, strlen(got));
	}
	if (!match) {
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "Incorrect TXT record "
		    "\"%s\"%s found at %s", seen, n > 1 ? " (and others)" : "",
		    txtname);
		goto out;
	}
	rc = 0;
out:
	vdns_q_clear(&q, 1);
	return rc;
}

/* ------------------------------------------------------------------ */
/* CAA (RFC 8659, RFC 8657)                                             */
/* ------------------------------------------------------------------ */

/* One CAA record, pointing into the rdata. */
struct caa_rr {
	unsigned int	 flags;
	char		 tag[16];
	const char	*val;
	size_t		 vallen;
};

/* Split a CAA rdata; -1 when malformed (tag 1..15 letters and digits). */
static int
caa_parse(const unsigned char *rd, size_t len, struct caa_rr *rr)
{
	size_t	 taglen, i;

	if (len < 2)
		return -1;
	rr->flags = rd[0];
	taglen = rd[1];
	if (taglen == 0 || taglen > 15 || taglen > len - 2)
		return -1;
	for (i = 0; i < taglen; i++) {
		if (!((rd[2 + i] >= 'a' && rd[2 + i] <= 'z') ||
		    (rd[2 + i] >= 'A' && rd[2 + i] <= 'Z') ||
		    (rd[2 + i] >= '0' && rd[2 + i] <= '9')))
			return -1;
		rr->tag[i] = (char)rd[2 + i];
	}
	rr->tag[taglen] = '\0';
	rr->val = (const char *)rd + 2 + taglen;
	rr->vallen = len - 2 - taglen;
	return 0;
}

/* Predicate: tag is one RFC 8659 and its companions define. */
static int
caa_tag_is_known(const char *tag)
{
	static const char *const known[] = {
		"issue", "issuewild", "iodef", "contactemail",
		"contactphone", "issuemail", "issuevmc", NULL
	};
	size_t	 i;

	for (i = 0; known[i] != NULL; i++)
		if (strcasecmp(tag, known[i]) == 0)
			return 1;
	return 0;
}

/* Predicate: c is WSP of RFC 5234 (space or tab). */
static int
caa_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Predicate: the issue/issuewild value v[0..n) names one of the
 * configured CA identities and its parameters allow this validation:
 * accounturi (RFC 8657 3) equal to the account URI when present,
 * validationmethods (RFC 8657 4) containing the method when present.
 * A malformed value, an empty issuer (";") or a repeated parameter permit
 * nothing.
 */
static int
caa_value_permits(const struct vreq *req, const char *v, size_t n)
{
	char		 buf[1024], *p, *dom, *tag, *val, *m, *save = NULL;
	size_t		 domlen, taglen, i;
	int		 seen_acct = 0, seen_vm = 0, ok;

	if (n >= sizeof(buf))
		return 0;
	for (i = 0; i < n; i++)
		if ((v[i] < 0x20 || v[i] > 0x7e) && v[i] != '\t')
			return 0;
	memcpy(buf, v, n);
	buf[n] = '\0';

	p = buf;
	while (caa_is_wsp(*p))
		p++;
	dom = p;
	while (*p != '\0' && *p != ';' && !caa_is_wsp(*p))
		p++;
	domlen = (size_t)(p - dom);
	while (caa_is_wsp(*p))
		p++;
	if ((*p != '\0' && *p != ';') || domlen == 0)
		return 0;
	for (ok = 0, i = 0; i < req->caa_idssz && !ok; i++)
		ok = strlen(req->caa_ids[i]) == domlen &&
		    strncasecmp(req->caa_ids[i], dom, domlen) == 0;
	if (!ok)
		return 0;
	if (*p == ';')
		p++;

	for (;;) {
		while (caa_is_wsp(*p))
			p++;
		if (*p == '\0')
			break;
		tag = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-')
			p++;
		taglen = (size_t)(p - tag);
		if (taglen == 0)
			return 0;
		while (caa_is_wsp(*p))
			p++;
		if (*p != '=')
			return 0;
		tag[taglen] = '\0';
		p++;
		while (caa_is_wsp(*p))
			p++;
		val = p;
		while (*p > 0x20 && *p < 0x7f && *p != ';')
			p++;
		if (*p != '\0') {
			if (caa_is_wsp(*p)) {
				*p++ = '\0';
				while (caa_is_wsp(*p))
					p++;
			}
			if (*p != ';' && *p != '\0')
				return 0;
			if (*p == ';')
				*p++ = '\0';
		}
		if (strcasecmp(tag, "accounturi") == 0) {
			if (seen_acct++ ||
			    strcmp(val, req->account_uri) != 0)
				return 0;
		} else if (strcasecmp(tag, "validationmethods") == 0) {
			if (seen_vm++)
				return 0;
			ok = 0;
			for (m = strtok_r(val, ",", &save); m != NULL;
			    m = strtok_r(NULL, ",", &save))
				if (strcmp(m, val_method_str[req->method]) == 0)
					ok = 1;
			if (!ok)
				return 0;
		}
		/* Other parameters belong to other CAs: ignored. */
	}
	return 1;
}

/*
 * Decide on the first non-empty CAA RRset, found at owner.  Returns 0 if
 * it permits issuance, -1 with res set to "caa" naming the record.
 */
static int
caa_decide(const struct vreq *req, const char *owner,
    const struct ub_result *ur, struct vres *res)
{
	struct caa_rr	 rr;
	char		 clean[160];
	const char	*want;
	size_t		 i, relevant = 0;
	int		 have_wild = 0;

	for (i = 0; ur->data[i] != NULL; i++) {
		if (i >= VAL_MAX_TXT) {
			vres_fail(res, ACME_PROB_CAA, "More than %d CAA "
			    "records at %s", VAL_MAX_TXT, owner);
			return -1;
		}
		if (caa_parse((const unsigned char *)ur->data[i],
		    (size_t)ur->len[i], &rr) == -1) {
			vres_fail(res, ACME_PROB_CAA, "Malformed CAA record at "
			    "%s", owner);
			return -1;
		}
		if ((rr.flags & CAA_CRITICAL) && !caa_tag_is_known(rr.tag)) {
			log_sanitize(clean, sizeof(clean), rr.val, rr.vallen);
			vres_fail(res, ACME_PROB_CAA, "CAA record at %s has an "
			    "unknown critical property: %u %s \"%s\"", owner,
			    rr.flags, rr.tag, clean);
			return -1;
		}
		if (strcasecmp(rr.tag, "issuewild") == 0)
			have_wild = 1;
	}
	/* RFC 8659 4.3: issuewild, when present, governs wildcards. */
	want = req->wildcard && have_wild ? "issuewild" : "issue";
	for (i = 0; ur->data[i] != NULL; i++) {
		(void)caa_parse((const unsigned char *)ur->data[i],
		    (size_t)ur->len[i], &rr);
		if (strcasecmp(rr.tag, want) != 0)
			continue;
		relevant++;
		if (caa_value_permits(req, rr.val, rr.vallen))
			return 0;
	}
	if (relevant == 0)
		return 0;
	for (i = 0; ur->data[i] != NULL; i++) {
		(void)caa_parse((const unsigned char *)ur->data[i],
		    (size_t)ur->len[i], &rr);
		if (strcasecmp(rr.tag, want) == 0)
			break;
	}
	log_sanitize(clean, sizeof(clean), rr.val, rr.vallen);
	vres_fail(res, ACME_PROB_CAA, "CAA record for %s prevents issuance: "
	    "%s %u %s \"%s\"%s does not permit %s by this CA for this "
	    "account and method", req->name, owner, rr.flags, rr.tag, clean,
	    relevant > 1 ? " (and the other records)" : "",
	    req->wildcard ? "wildcard issuance" : "issuance");
	return -1;
}

/* The parent of name x ("b.c" for "a.b.c"), NULL above a single label. */
static const char *
caa_parent(const char *x)
{
	const char	*dot = strchr(x, '.');

	return dot != NULL && dot[1] != '\0' ? dot + 1 : NULL;
}

/*
 * CAA (RFC 8659 3): climb from the identifier name towards the root (the
 * root itself excluded) and decide on the first non-empty CAA RRset; no
 * record anywhere permits.  Returns 0 when issuance is permitted, -1 with
 * res set to "caa" otherwise, including when a lookup fails (SERVFAIL,
 * timeout, bogus): a failure is never permission.
 */
int
val_caa(const struct vreq *req, struct vres *res)
{
	struct ub_ctx	*ctx = NULL;
	struct vdns_q	 q;
	const char	*x;
	char		 why[512];
	int		 rc = -1;

	memset(&q, 0, sizeof(q));
	if ((ctx = vdns_ctx_get(req, res)) == NULL)
		goto out;
	for (x = req->name; x != NULL; x = caa_parent(x)) {
		vdns_q_clear(&q, 1);
		memset(&q, 0, sizeof(q));
		q.name = x;
		q.rrtype = RR_CAA;
		if (vdns_run(req, ctx, &q, 1, res) == -1)
			goto out;
		if (vdns_q_failed(req, &q, why, sizeof(why))) {
			vres_fail(res, ACME_PROB_CAA, "CAA lookup failed, so "
			    "issuance is not permitted: %s", why);
			goto out;
		}
		if (!vdns_q_has_data(&q))
			continue;
		if (caa_decide(req, x, q.result, res) == -1)
			goto out;
		break;
	}
	rc = 0;
out:
	vdns_q_clear(&q, 1);
	return rc;
}

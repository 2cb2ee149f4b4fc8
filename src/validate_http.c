/*
 * validate_http.c: http-01 (RFC 8555 8.3) for acmegw-validate, on libcurl.
 *
 * Owns the HTTP side of validation: one libcurl transfer per hop, pinned
 * to an address that was resolved and vetted beforehand (CURLOPT_RESOLVE,
 * and an open-socket callback that refuses any other address: DNS cannot
 * change between the check and the connect, H3); redirects followed by
 * hand (at most 10; 301/302/307/308 only; http or https only, on the
 * configured http_port or tls_port respectively; no IP literal for a dns
 * identifier, no zone, no credentials; every hop resolved and vetted
 * again, H4-H9); https without certificate verification (H10); at most
 * 128 body bytes (H11) and 8 KiB / 100 lines of headers per response
 * (H12); no Accept-Encoding (H14); the key authorization compared after
 * trimming trailing white space (H16).  IPv6 addresses first, IPv4 only
 * after a failed connect (H20).
 *
 * Must never: connect to an address vaddr_targets() did not return; let
 * libcurl resolve, follow redirects or use a proxy by itself; read more
 * than VAL_MAX_BODY body bytes; echo more than a short sanitised prefix
 * of what the server sent (H17).
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "acmegw.h"

#define VHTTP_URL_MAX		2048	/* redirect targets (H9) */
#define VHTTP_HDR_BYTES		8192	/* header bytes per response (H12) */
#define VHTTP_HDR_LINES		100	/* header lines per response (H12) */

/* What one transfer saw. */
struct vhttp_xfer {
	const struct vreq *req;
	CURL		*h;
	struct vaddr	 pin;		/* the only address it may use */
	int		 pin_refused;	/* libcurl asked for another one */
	char		 body[VAL_MAX_BODY + 1];
	size_t		 bodysz;
	int		 body_over;	/* more than VAL_MAX_BODY bytes */
	int		 redirect_cut;	/* stopped reading a redirect body */
	size_t		 hdr_bytes;
	size_t		 hdr_lines;
	int		 hdr_over;
	char		 location[VHTTP_URL_MAX + 1];
	int		 has_location;
	int		 location_bad;	/* too long, or more than one */
	long		 status;
	char		 errbuf[CURL_ERROR_SIZE];
};

/* Outcome of one transfer. */
enum vhttp_rc {
	VHTTP_RESPONSE = 0,	/* a response: status and body in the xfer */
	VHTTP_NOCONNECT,	/* connect failed: the next address may do */
	VHTTP_FAILED		/* res is set */
};

/* Predicate: status is a redirect we follow (BR 3.2.2.4.19, H8). */
static int
vhttp_status_is_redirect(long status)
{
	return status == 301 || status == 302 || status == 307 ||
	    status == 308;
}

/* Sanitised copy of client bytes for a detail sentence. */
static void
vhttp_clean(char *dst, size_t dstsz, const char *src, size_t len)
{
	log_sanitize(dst, dstsz, src, len);
}

/*
 * libcurl header callback: count header bytes and lines of the current
 * response (abort past the caps) and keep its one Location value.
 */
static size_t
vhttp_header_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct vhttp_xfer	*x = arg;
	size_t			 n = size * nitems, vlen;
	const char		*v;

	/* A status line starts a new response (1xx interim ones too). */
	if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		x->hdr_bytes = 0;
		x->hdr_lines = 0;
		x->has_location = 0;
		x->location_bad = 0;
	}
	x->hdr_bytes += n;
	x->hdr_lines++;
	if (x->hdr_bytes > VHTTP_HDR_BYTES || x->hdr_lines > VHTTP_HDR_LINES) {
		x->hdr_over = 1;
		return 0;
	}
	if (n > 9 && strncasecmp(buf, "location:", 9) == 0) {
		v = buf + 9;
		vlen = n - 9;
		while (vlen > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
		while (vlen > 0 && (v[vlen - 1] == '\r' ||
		    v[vlen - 1] == '\n' || v[vlen - 1] == ' ' ||
		    v[vlen - 1] == '\t'))
			vlen--;
		if (x->has_location || vlen > VHTTP_URL_MAX ||
		    memchr(v, '\0', vlen) != NULL)
			x->location_bad = 1;
		else {
			memcpy(x->location, v, vlen);
			x->location[vlen] = '\0';
		}
		x->has_location = 1;
	}
	return n;
}

/*
 * libcurl body callback: keep at most VAL_MAX_BODY bytes and abort the
 * transfer beyond them; stop at once on the body of a redirect.
 */
static size_t
vhttp_write_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct vhttp_xfer	*x = arg;
	size_t			 n = size * nitems, room;
	long			 status = 0;

	/* The body of a redirect is of no interest: stop reading it. */
	(void)curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	if (vhttp_status_is_redirect(status) && x->has_location) {
		x->redirect_cut = 1;
		return 0;
	}
	room = VAL_MAX_BODY - x->bodysz;
	if (n > room) {
		memcpy(x->body + x->bodysz, buf, room);
		x->bodysz += room;
		x->body_over = 1;
		return 0;
	}
	memcpy(x->body + x->bodysz, buf, n);
	x->bodysz += n;
	return n;
}

/*
 * libcurl's socket factory: only the pinned address (vetted again) gets a
 * socket, so nothing libcurl might resolve on its own is ever dialled.
 */
static curl_socket_t
vhttp_opensocket_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *sa)
{
	struct vhttp_xfer	*x = arg;
	struct vaddr		 got;

	memset(&got, 0, sizeof(got));
	if (purpose != CURLSOCKTYPE_IPCXN)
		goto refuse;
	if (sa->family == AF_INET &&
	    sa->addrlen >= sizeof(struct sockaddr_in))
		memcpy(got.ip, &((struct sockaddr_in *)(void *)&sa->addr)->
		    sin_addr, 4);
	else if (sa->family == AF_INET6 &&
	    sa->addrlen >= sizeof(struct sockaddr_in6)) {
		got.v6 = 1;
		memcpy(got.ip, &((struct sockaddr_in6 *)(void *)&sa->addr)->
		    sin6_addr, 16);
	} else
		goto refuse;
	if (memcmp(&got, &x->pin, sizeof(got)) != 0 ||
	    vaddr_refused_why(&got, x->req->allow_private) != NULL)
		goto refuse;
	return socket(sa->family, sa->socktype | SOCK_CLOEXEC, sa->protocol);
refuse:
	x->pin_refused = 1;
	return CURL_SOCKET_BAD;
}

/*
 * One GET of url (whose host part is host, port port) connected to
 * address a only.  Fills x; returns VHTTP_RESPONSE when a response was
 * read (possibly cut short on purpose), VHTTP_NOCONNECT when the TCP
 * connect failed (res then holds a connection error for the caller to
 * keep if no other address works), VHTTP_FAILED with res set otherwise.
 */
static enum vhttp_rc
vhttp_fetch(const struct vreq *req, struct vhttp_xfer *x, const char *url,
    const char *host, unsigned int port, const struct vaddr *a,
    struct vres *res)
{
	struct curl_slist	*pin = NULL, *hdrs = NULL;
	char			 addr[VAL_ADDRSTRLEN], line[512], curl_url[256];
	enum vhttp_rc		 rc = VHTTP_FAILED;
	struct vaddr		 lit;
	unsigned int		 left;
	CURLcode		 cc;

	memset(x, 0, sizeof(*x));
	x->req = req;
	x->pin = *a;
	vaddr_str(a, addr, sizeof(addr));
	vhttp_clean(curl_url, sizeof(curl_url), url, strlen(url));
	if ((left = val_left_ms(req)) == 0) {
		vres_fail(res, ACME_PROB_CONNECTION, "Timeout before fetching "
		    "%s", curl_url);
		goto out;
	}
	if ((x->h = curl_easy_init()) == NULL) {
		vres_fail(res, ACME_PROB_SERVER_INTERNAL, "curl_easy_init");
		goto out;
	}
	if (vaddr_parse(host, &lit) == -1) {
		/* A name: pin it to the vetted address (H3). */
		snprintf(line, sizeof(line), a->v6 ? "%s:%u:[%s]" : "%s:%u:%s",
		    host, port, addr);
		if ((pin = curl_slist_append(NULL, line)) == NULL) {
			vres_fail(res, ACME_PROB_SERVER_INTERNAL,
			    "out of memory");
			goto out;
		}
	}
	/* Only what we send: no Accept, Accept-Encoding or Expect games. */
	if ((hdrs = curl_slist_append(NULL, "Accept:")) == NULL) {
		vres_fail(res, ACME_PROB_SERVER_INTERNAL, "out of memory");
		goto out;
	}
	if (curl_easy_setopt(x->h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_NOPROXY, "*") != CURLE_OK ||
	    (pin != NULL &&
	    curl_easy_setopt(x->h, CURLOPT_RESOLVE, pin) != CURLE_OK) ||
	    curl_easy_setopt(x->h, CURLOPT_OPENSOCKETFUNCTION,
	    vhttp_opensocket_cb) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_OPENSOCKETDATA, x) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, vhttp_header_cb) !=
	    CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, vhttp_write_cb) !=
	    CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_USERAGENT,
	    "acmegw-validate") != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_1_1) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, (long)left) !=
	    CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT_MS, (long)left) !=
	    CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->errbuf) !=
	    CURLE_OK) {
		vres_fail(res, ACME_PROB_SERVER_INTERNAL,
		    "cannot set libcurl options");
		goto out;
	}

	log_debug("GET %s via %s", curl_url, addr);
	vres_addr(res, a);
	cc = curl_easy_perform(x->h);
	(void)curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->hdr_over) {
		vres_fail(res, ACME_PROB_CONNECTION, "Fetching %s [%s]: the "
		    "response headers exceed %d bytes or %d lines", curl_url,
		    addr, VHTTP_HDR_BYTES, VHTTP_HDR_LINES);
		goto out;
	}
	if (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR &&
	    (x->body_over || x->redirect_cut))) {
		rc = VHTTP_RESPONSE;
		goto out;
	}
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
		if (x->pin_refused) {
			vres_fail(res, ACME_PROB_SERVER_INTERNAL, "libcurl "
			    "tried an address other than the pinned %s",
			    addr);
			goto out;
		}
		vres_fail(res, ACME_PROB_CONNECTION, "Fetching %s: cannot "
		    "connect to %s port %u: %s", curl_url, addr, port,
		    x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc));
		rc = VHTTP_NOCONNECT;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		vres_fail(res, ACME_PROB_CONNECTION, "Fetching %s [%s]: "
		    "timeout", curl_url, addr);
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_USE_SSL_FAILED:
		vres_fail(res, ACME_PROB_TLS, "Fetching %s [%s]: TLS error: "
		    "%s", curl_url, addr,
		    x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc));
		break;
	case CURLE_OUT_OF_MEMORY:
		vres_fail(res, ACME_PROB_SERVER_INTERNAL, "libcurl: %s",
		    curl_easy_strerror(cc));
		break;
	default:
		vres_fail(res, ACME_PROB_CONNECTION, "Fetching %s [%s]: %s",
		    curl_url, addr,
		    x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc));
		break;
	}
out:
	if (x->h != NULL)
		curl_easy_cleanup(x->h);
	x->h = NULL;
	curl_slist_free_all(pin);
	curl_slist_free_all(hdrs);
	return rc;
}

/*
 * Check the redirect from cur to x->location (relative references are
 * resolved per RFC 3986) and write the next URL, host (lowercase; IPv6
 * without brackets) and port.  Returns 0, or -1 with res set: connection
 * for a target that is not allowed.
 */
static int
vhttp_next(const struct vreq *req, const char *cur,
    const struct vhttp_xfer *x, char *next, size_t nextsz, char *host,
    size_t hostsz, unsigned int *port, struct vres *res)
{
	CURLU		*u = NULL;
	char		*scheme = NULL, *h = NULL, *p = NULL, *full = NULL,
			*junk = NULL, clean[160];
	struct vaddr	 va;
	size_t		 len, i;
	long		 pn;
	int		 https, rc = -1;

	vhttp_clean(clean, sizeof(clean), x->location, strlen(x->location));
	if (x->location_bad) {
		vres_fail(res, ACME_PROB_CONNECTION, "Redirect with more than "
		    "one Location header or one longer than %d bytes",
		    VHTTP_URL_MAX);
		goto out;
	}
	if ((u = curl_url()) == NULL) {
		vres_fail(res, ACME_PROB_SERVER_INTERNAL, "out of memory");
		goto out;
	}
	if (curl_url_set(u, CURLUPART_URL, cur, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, x->location, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		vres_fail(res, ACME_PROB_CONNECTION, "Invalid redirect target "
		    "\"%s\"", clean);
		goto out;
	}
	if (strcmp(scheme, "http") == 0)
		https = 0;
	else if (strcmp(scheme, "https") == 0)
		https = 1;
	else {
		vres_fail(res, ACME_PROB_CONNECTION, "Redirect to \"%s\": "
		    "only http and https are followed", clean);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &junk, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &junk, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_ZONEID, &junk, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK) {
		vres_fail(res, ACME_PROB_CONNECTION, "Invalid host in "
		    "redirect target \"%s\"", clean);
		goto out;
	}
	len = strlen(h);
	if (h[0] == '[') {
		/* Bracketed IPv6 literal. */
		if (len < 3 || h[len - 1] != ']' || len - 2 >= hostsz) {
			vres_fail(res, ACME_PROB_CONNECTION, "Invalid host in "
			    "redirect target \"%s\"", clean);
			goto out;
		}
		memcpy(host, h + 1, len - 2);
		host[len - 2] = '\0';
	} else {
		if (len > 0 && h[len - 1] == '.')
			h[--len] = '\0';
		if (len >= hostsz) {
			vres_fail(res, ACME_PROB_CONNECTION, "Invalid host in "
			    "redirect target \"%s\"", clean);
			goto out;
		}
		for (i = 0; i <= len; i++)
			host[i] = (char)tolower((unsigned char)h[i]);
	}
	if (vaddr_is_literal(host)) {
		/* An IP identifier may redirect to an exact IP address. */
		if (!req->is_ip || vaddr_parse(host, &va) == -1) {
			vres_fail(res, ACME_PROB_CONNECTION, "Invalid host in "
			    "redirect target \"%s\": IP address literals are "
			    "not followed", clean);
			goto out;
		}
	} else if (!val_name_is_valid(host, strlen(host))) {
		vres_fail(res, ACME_PROB_CONNECTION, "Invalid host in "
		    "redirect target \"%s\"", clean);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		vres_fail(res, ACME_PROB_CONNECTION, "Invalid port in redirect "
		    "target \"%s\"", clean);
		goto out;
	}
	pn = strtol(p, NULL, 10);
	if (pn != (long)(https ? req->tls_port : req->http_port)) {
		vres_fail(res, ACME_PROB_CONNECTION, "Redirect to \"%s\": "
		    "port %ld is not the %s validation port %u", clean, pn,
		    scheme, https ? req->tls_port : req->http_port);
		goto out;
	}
	*port = (unsigned int)pn;
	if (curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK ||
	    strlen(full) >= nextsz) {
		vres_fail(res, ACME_PROB_CONNECTION, "Invalid redirect target "
		    "\"%s\"", clean);
		goto out;
	}
	memcpy(next, full, strlen(full) + 1);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(h);
	curl_free(p);
	curl_free(full);
	curl_free(junk);
	if (u != NULL)
		curl_url_cleanup(u);
	return rc;
}

/*
 * http-01 (RFC 8555 8.3): GET http://NAME:http_port/.well-known/acme-
 * challenge/TOKEN, following redirects as the file header describes; the
 * final response must be a 2xx whose body, with trailing white space cut,
 * is exactly the key authorization.  Returns 0 when it is, -1 otherwise
 * with res set: connection (no usable address, connect or read failure,
 * bad redirect, timeout), dns (lookup failure), tls (https redirect),
 * unauthorized (non-2xx), incorrectResponse (wrong or too large body).
 */
int
val_http01(const struct vreq *req, struct vres *res)
{
	struct vhttp_xfer	*x = NULL;
	struct vaddr		 addrs[VAL_MAX_ADDRS];
	char			 url[VHTTP_URL_MAX + 256], next[sizeof(url)];
	char			 host[256], addr[VAL_ADDRSTRLEN], clean[160];
	char			 curl_url[256];
	unsigned int		 port = req->http_port;
	size_t			 naddrs, i, hops, blen;
	enum vhttp_rc		 r = VHTTP_FAILED;
	int			 rc = -1;

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		vres_fail(res, ACME_PROB_SERVER_INTERNAL, "out of memory");
		goto out;
	}
	snprintf(host, sizeof(host), "%s", req->name);
	snprintf(url, sizeof(url), strchr(host, ':') != NULL ?
	    "http://[%s]:%u/.well-known/acme-challenge/%s" :
	    "http://%s:%u/.well-known/acme-challenge/%s", host, port,
	    req->token);

	for (hops = 0;; hops++) {
		if (vaddr_targets(req, host, addrs, VAL_MAX_ADDRS, &naddrs,
		    res) == -1)
			goto out;
		/* H20: the next address only when the connect failed. */
		for (i = 0; i < naddrs; i++)
			if ((r = vhttp_fetch(req, x, url, host, port,
			    &addrs[i], res)) != VHTTP_NOCONNECT)
				break;
		if (r != VHTTP_RESPONSE)
			goto out;
		vaddr_str(&addrs[i], addr, sizeof(addr));
		vhttp_clean(curl_url, sizeof(curl_url), url, strlen(url));

		if (vhttp_status_is_redirect(x->status) && x->has_location) {
			if (hops == VAL_MAX_REDIRECTS) {
				vres_fail(res, ACME_PROB_CONNECTION, "Too many "
				    "redirects: more than %d, the last from "
				    "%s [%s]", VAL_MAX_REDIRECTS, curl_url,
				    addr);
				goto out;
			}
			if (vhttp_next(req, url, x, next, sizeof(next), host,
			    sizeof(host), &port, res) == -1)
				goto out;
			log_debug("redirect %zu to %s", hops + 1, next);
			memcpy(url, next, strlen(next) + 1);
			continue;
		}
		break;
	}

	if (x->status < 200 || x->status > 299) {
		vres_fail(res, ACME_PROB_UNAUTHORIZED, "Invalid response from "
		    "%s [%s]: HTTP status %ld", curl_url, addr, x->status);
		goto out;
	}
	if (x->body_over) {
		vres_fail(res, ACME_PROB_INCORRECT_RESPONSE, "The response "
		    "from %s [%s] is larger than %d bytes, so it is not the "
		    "key authorization", curl_url, addr, VAL_MAX_BODY);
		goto out;
	}
	/* RFC 8555 8.3: trailing white space is allowed, leading is not. */
	blen = x->bodysz;
	while (blen > 0 && (x->body[blen - 1] == ' ' ||
	    x->body[blen - 1] == '\t' || x->body[blen - 1] == '\r' ||
	    x->body[blen - 1] == '\n'))
		blen--;
	if (blen != req->keyauthsz ||
	    memcmp(x->body, req->keyauth, blen) != 0) {
		vhttp_clean(clean, 104, x->body, blen);
		vres_fail(res, ACME_PROB_INCORRECT_RESPONSE, "The key "
		    "authorization file from %s [%s] does not match this "
		    "challenge: it holds \"%s\"", curl_url, addr, clean);
		goto out;
	}
	rc = 0;
out:
	free(x);
	return rc;
}

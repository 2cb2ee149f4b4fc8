/*
 * fcgi.c: the FastCGI side of the responder.
 *
 * Owns the accept loop: one FCGX request becomes a struct req, the router
 * answers it in a struct resp, and the resp goes back as CGI response bytes
 * (Status, headers, body).  This is the only file that includes fcgiapp.h.
 * It never decides anything about ACME, never reads more request body than
 * conf->max_body_size, and never logs client bytes unsanitised.  It reads
 * the request parameters from the request's own envp: libfcgi's stdio
 * layer would replace environ, so getenv() is not used here.
 */
#include <sys/types.h>

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <gnutls/crypto.h>

#include "acmegw.h"

#define FCGI_WORKER_EVERY	5	/* seconds between worker_ensure() */
#define FCGI_LOGFIELD		256	/* bytes of a client string in a log */
#define FCGI_MAXLENDIGITS	19	/* more digits: too large */

static char	fcgi_empty[] = "";
static char	fcgi_dash[] = "-";

/*
 * Parse a CONTENT_LENGTH value strictly: ASCII digits only, no sign, no
 * space.  Returns 0 and sets *out, 1 when the number is too big to
 * represent (the caller treats it as too large), -1 when it is not a
 * decimal number at all.
 */
static int
fcgi_len_parse(const char *s, size_t *out)
{
	size_t	 i, v = 0;

	if (*s == '\0')
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (i >= FCGI_MAXLENDIGITS)
			return 1;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * A random request id for the log lines: 12 lowercase hex digits into
 * id (13 bytes).  Falls back to the pid and time if the RNG fails.
 */
static void
fcgi_reqid(char *id, size_t idsz, time_t now)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 rnd[6];
	size_t			 i;

	assert(idsz >= sizeof(rnd) * 2 + 1);
	if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) != 0) {
		snprintf(id, idsz, "%06lx%06lx",
		    (unsigned long)getpid() & 0xffffffUL,
		    (unsigned long)now & 0xffffffUL);
		return;
	}
	for (i = 0; i < sizeof(rnd); i++) {
		id[2 * i] = hex[rnd[i] >> 4];
		id[2 * i + 1] = hex[rnd[i] & 0xf];
	}
	id[2 * sizeof(rnd)] = '\0';
}

/*
 * Read exactly want bytes of the request body into a new NUL-terminated
 * buffer.  Returns the buffer (caller frees) with *got set, or NULL on
 * memory exhaustion.  *got < want means the web server sent fewer bytes
 * than it announced.
 */
static char *
fcgi_body_read(FCGX_Stream *in, size_t want, size_t *got)
{
	char	*buf;
	size_t	 off = 0;
	int	 n, chunk;

	*got = 0;
	if ((buf = malloc(want + 1)) == NULL)
		return NULL;
	while (off < want) {
		chunk = want - off > 16384 ? 16384 : (int)(want - off);
		n = FCGX_GetStr(buf + off, chunk, in);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	*got = off;
	return buf;
}

/*
 * Fill req from one accepted request.  String members point into the
 * request's envp (valid until FCGX_Finish_r) or at static strings; only
 * req->body is allocated.  Returns 0, or -1 when the body could not be
 * allocated (the caller answers 500).
 */
static int
fcgi_req_fill(const struct conf *conf, FCGX_Request *fr, struct req *req,
    time_t now)
{
	char	*s;
	size_t	 len = 0;
	int	 rc = -1, lrc;

	memset(req, 0, sizeof(*req));
	req->now = now;
	fcgi_reqid(req->id, sizeof(req->id), now);

	if ((s = FCGX_GetParam("REQUEST_METHOD", fr->envp)) == NULL)
		s = fcgi_empty;
	req->method_str = s;
	if (strcmp(s, "GET") == 0)
		req->method = METHOD_GET;
	else if (strcmp(s, "HEAD") == 0)
		req->method = METHOD_HEAD;
	else if (strcmp(s, "POST") == 0)
		req->method = METHOD_POST;
	else
		req->method = METHOD_OTHER;

	s = FCGX_GetParam("PATH_INFO", fr->envp);
	req->path = s != NULL ? s : fcgi_empty;
	s = FCGX_GetParam("QUERY_STRING", fr->envp);
	req->query = s != NULL ? s : fcgi_empty;
	req->ctype = FCGX_GetParam("CONTENT_TYPE", fr->envp);
	req->has_nonce_hdr =
	    FCGX_GetParam("HTTP_REPLAY_NONCE", fr->envp) != NULL;
	s = FCGX_GetParam("REMOTE_ADDR", fr->envp);
	req->remote_addr = s != NULL && *s != '\0' ? s : fcgi_dash;
	req->user_agent = FCGX_GetParam("HTTP_USER_AGENT", fr->envp);

	/*
	 * The body: never read more than max_body_size (X1).  A length that
	 * is not a decimal number cannot be trusted to frame the body, so
	 * it is treated like a short body (400 malformed).
	 */
	s = FCGX_GetParam("CONTENT_LENGTH", fr->envp);
	if (s != NULL && *s != '\0') {
		lrc = fcgi_len_parse(s, &len);
		if (lrc == 1 || (lrc == 0 && len > conf->max_body_size)) {
			req->body_too_large = 1;
			rc = 0;
			goto out;
		}
		if (lrc == -1) {
			req->body_short = 1;
			rc = 0;
			goto out;
		}
	}
	req->body = fcgi_body_read(fr->in, len, &req->bodysz);
	if (req->body == NULL)
		goto out;
	if (req->bodysz < len)
		req->body_short = 1;
	rc = 0;
out:
	return rc;
}

/*
 * printf to a FastCGI stream.  libfcgi's own FCGX_FPrintF() has a format
 * engine of its own that does not know %zu, so format here.  Lines longer
 * than the buffer are cut (headers are built by us and short).
 */
static void
fcgi_printf(FCGX_Stream *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fcgi_printf(FCGX_Stream *out, const char *fmt, ...)
{
	char	 buf[2048];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	FCGX_PutStr(buf, n, out);
}

/* The reason phrase for a status line; "" when unknown. */
static const char *
fcgi_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Payload Too Large";
	case 415:
		return "Unsupported Media Type";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "";
	}
}

/* 1 if s can go into a header line unchanged (no CR, LF or NUL). */
static int
fcgi_hdr_is_safe(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") == NULL;
}

/*
 * Write resp as a CGI response on the request's output stream: the Status
 * line, the headers, Content-Type and Content-Length, then the body unless
 * the method is HEAD.  A header with CR or LF is dropped (it can only come
 * from a bug) and logged.  Returns 0, or -1 if the stream failed (the
 * client went away; nothing else to do).
 */
static int
fcgi_resp_write(const struct conf *conf, const struct req *req,
    const struct resp *resp, FCGX_Stream *out)
{
	const char	*name;
	size_t		 i;
	int		 nobody;

	fcgi_printf(out, "Status: %d %s\r\n", resp->status,
	    fcgi_reason(resp->status));
	for (i = 0; i < resp->hdrsz; i++) {
		if (!fcgi_hdr_is_safe(resp->hdrs[i].name) ||
		    !fcgi_hdr_is_safe(resp->hdrs[i].value)) {
			log_warnx("fcgi_resp_write: header %zu dropped", i);
			continue;
		}
		/*
		 * Apache's mod_fcgid (and mod_cgi) turn a 200 that carries
		 * a Location into a 302: location_header sends it under
		 * another name that the web server renames back
		 * (etc/apache-acmegw.conf, acmegw.conf(5)).
		 */
		name = resp->hdrs[i].name;
		if (conf->location_header != NULL &&
		    strcasecmp(name, "Location") == 0)
			name = conf->location_header;
		fcgi_printf(out, "%s: %s\r\n", name, resp->hdrs[i].value);
	}
	/* RFC 9110 8.6: no Content-Length in a 204 (or a 1xx). */
	nobody = resp->status == 204 || resp->status < 200;
	if (resp->ctype != NULL && !nobody)
		fcgi_printf(out, "Content-Type: %s\r\n", resp->ctype);
	if (!nobody)
		fcgi_printf(out, "Content-Length: %zu\r\n",
		    resp->ctype != NULL ? resp->bodysz : 0);
	FCGX_PutS("\r\n", out);
	if (!nobody && req->method != METHOD_HEAD && resp->ctype != NULL &&
	    resp->bodysz > 0)
		FCGX_PutStr(resp->body, (int)resp->bodysz, out);
	return FCGX_GetError(out) == 0 ? 0 : -1;
}

/* Milliseconds between two CLOCK_MONOTONIC readings. */
static long
fcgi_ms(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000;
}

/*
 * Run a post-response continuation (struct resp: cont) and log how long
 * it took.  The request is finished (its answer went out) and no
 * transaction is open; the quit signals stay blocked, so a SIGTERM that
 * arrives meanwhile ends the loop only after the continuation (B12).
 */
static void
fcgi_cont_run(void (*cont)(void *), void *arg)
{
	struct timespec	 t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cont(arg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("fcgi_run: continuation done in %ldms", fcgi_ms(&t0, &t1));
}

/*
 * Serve FastCGI requests on fd 0 (the listen socket the web server hands
 * its responders) until *quit is set, the listen socket fails or the store
 * becomes unusable.  Each request is answered by router_handle() and logged
 * in one line: address, method, path, status, account, duration.
 * worker_ensure() runs before the first request and then at most every
 * FCGI_WORKER_EVERY seconds.  A response that carries a continuation
 * (struct resp: cont) is sent and the request finished first; then, before
 * the next accept and with no transaction open, cont(cont_arg) runs (not
 * after a STORE_FATAL answer) and cont_free(cont_arg) follows.  SIGTERM,
 * SIGINT and SIGHUP (the signals acmegw.fcgi's main sets *quit on) are
 * blocked while a request is served and its continuation runs, and are
 * delivered between requests; accept is interrupted by them
 * (FCGI_FAIL_ACCEPT_ON_INTR) so that *quit ends an idle loop.  Returns 0
 * when the loop ended normally (quit, or the listen socket went away), -1
 * when FastCGI could not be set up or after the response that met an
 * unusable store (STORE_FATAL): the caller must then exit without touching
 * the store again.
 */
int
fcgi_run(const struct conf *conf, struct store *store,
    volatile sig_atomic_t *quit)
{
	FCGX_Request	 fr;
	struct req	 req;
	struct resp	 resp;
	struct timespec	 t0, t1;
	sigset_t	 qsigs, omask;
	time_t		 now, last_worker = 0;
	char		 acct[ACMEGW_ID_LEN + 1];
	char		 meth[32], path[FCGI_LOGFIELD], addr[64];
	void		(*cont)(void *), (*cont_free)(void *), *cont_arg;
	int		 rc = 0, arc, fatal_store;

	if (FCGX_IsCGI()) {
		log_warnx("fcgi_run: standard input is not a FastCGI listen "
		    "socket; acmegw.fcgi must be started by a web server "
		    "(mod_fcgid, lighttpd mod_fastcgi)");
		return -1;
	}
	if (FCGX_Init() != 0) {
		log_warnx("fcgi_run: FCGX_Init failed");
		return -1;
	}
	if (FCGX_InitRequest(&fr, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_warnx("fcgi_run: FCGX_InitRequest failed");
		return -1;
	}

	now = time(NULL);
	if (worker_ensure(conf, now) == -1)
		log_warnx("fcgi_run: could not make sure the worker runs");
	last_worker = now;

	/*
	 * The quit signals are blocked while a request is read, answered
	 * and written: a signal then must not cut a read() or write() of the
	 * request short (libfcgi turns EINTR into a failed stream), and the
	 * request in progress is finished (B12).  They are unblocked only
	 * around the accept, where a pending one is delivered at once.
	 * Children started meanwhile (the worker) reset their mask.
	 */
	sigemptyset(&qsigs);
	sigaddset(&qsigs, SIGTERM);
	sigaddset(&qsigs, SIGINT);
	sigaddset(&qsigs, SIGHUP);
	(void)sigprocmask(SIG_BLOCK, &qsigs, &omask);
	for (;;) {
		(void)sigprocmask(SIG_UNBLOCK, &qsigs, NULL);
		if (*quit)
			break;
		arc = FCGX_Accept_r(&fr);
		(void)sigprocmask(SIG_BLOCK, &qsigs, NULL);
		if (arc < 0) {
			if (*quit)
				break;
			if (arc == -EINTR)
				continue;
			log_warnx("fcgi_run: accept failed (%d); stopping",
			    arc);
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		now = time(NULL);
		if (now - last_worker >= FCGI_WORKER_EVERY ||
		    now < last_worker) {
			if (worker_ensure(conf, now) == -1)
				log_warnx("fcgi_run: could not make sure the "
				    "worker runs");
			last_worker = now;
		}

		resp_init(&resp);
		snprintf(acct, sizeof(acct), "-");
		fatal_store = 0;
		if (fcgi_req_fill(conf, &fr, &req, now) == -1) {
			log_set_reqid(req.id);
			log_warnx("fcgi_run: out of memory reading the body");
			problem_set(&resp, ACME_PROB_SERVER_INTERNAL,
			    "the server is out of memory");
		} else {
			log_set_reqid(req.id);
			if (router_handle(conf, store, &req, &resp, acct,
			    sizeof(acct)) == -1)
				fatal_store = 1;
		}
		(void)fcgi_resp_write(conf, &req, &resp, fr.out);
		clock_gettime(CLOCK_MONOTONIC, &t1);

		log_sanitize(meth, sizeof(meth), req.method_str,
		    strlen(req.method_str));
		log_sanitize(path, sizeof(path), req.path, strlen(req.path));
		log_sanitize(addr, sizeof(addr), req.remote_addr,
		    strlen(req.remote_addr));
		log_info("%s %s %s %d acct=%s %ldms", addr, meth, path,
		    resp.status, acct, fcgi_ms(&t0, &t1));

		/* The continuation outlives the response (see below). */
		cont = resp.cont;
		cont_free = resp.cont_free;
		cont_arg = resp.cont_arg;
		resp.cont = NULL;
		resp.cont_free = NULL;
		resp.cont_arg = NULL;
		resp_clear(&resp);
		free(req.body);
		memset(&req, 0, sizeof(req));
		FCGX_Finish_r(&fr);
		if (cont != NULL && !fatal_store)
			fcgi_cont_run(cont, cont_arg);
		if (cont_free != NULL && cont_arg != NULL)
			cont_free(cont_arg);
		log_set_reqid(NULL);
		if (fatal_store) {
			log_warnx("fcgi_run: the store needs recovery; "
			    "exiting so that the web server starts a new "
			    "responder");
			rc = -1;
			break;
		}
	}
	(void)sigprocmask(SIG_SETMASK, &omask, NULL);
	FCGX_Free(&fr, 1);
	return rc;
}

/*
 * bench.c: acmegw-bench, a load generator for any ACME (RFC 8555) server.
 *
 * It owns: N threads each running full issuance flows (newNonce,
 * newAccount, newOrder, authorization, http-01 answered by its own
 * responder on 127.0.0.1, finalize, certificate download), the latency
 * figures per endpoint, and the CPU time of the server processes named
 * with --pid, read from /proc/PID/stat.
 *
 * With --retry it behaves as a careful client under faults: a request
 * that met a connection error or a 5xx answer is sent again after a
 * backoff (Retry-After when the answer has one), a flow whose order or
 * challenge became invalid starts over, each within a bound; the
 * 5xx answers, retries and restarts are counted.  With --save DIR it
 * writes each certificate chain it downloaded to DIR/SERIAL.pem, exactly
 * as received, and a line "order-url account-url serial" to DIR/index,
 * so that a test can look for them in the server's store.
 *
 * It must never: bind anything but 127.0.0.1, write a file anywhere but
 * under the --save directory (and there only new files and the index),
 * or print or save a private key.  It is bounded in count (-n) and time
 * (-t).
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <json-c/json.h>

#include "acmegw.h"

#define MAXPIDS		64
#define MAXKINDS	64
#define NONCE_RETRIES	10
#define POLL_MAX	600	/* polls of one order, 50 ms apart at most */
#define POLL_SECONDS	180	/* --retry: time bound of one order's polls */
#define BACKOFF_MIN_MS	100	/* --retry: first backoff */
#define BACKOFF_MAX_MS	3000	/* --retry: longest backoff, Retry-After too */

enum ep {
	EP_NONCE, EP_ACCOUNT, EP_ORDER, EP_AUTHZ, EP_CHALL, EP_POLL,
	EP_FINALIZE, EP_CERT, EP__MAX
};
static const char *const ep_name[EP__MAX] = {
	"newNonce", "newAccount", "newOrder", "authz", "challenge",
	"order-poll", "finalize", "certificate"
};

struct lat {
	double	*v;
	size_t	 n, cap;
};

struct kind {
	char	 name[160];
	unsigned count;
};

static struct {
	const char	*dir_url;
	const char	*cafile;
	int		 conc;
	int		 total;
	double		 seconds;
	int		 http_port;
	int		 verbose;
	pid_t		 pids[MAXPIDS];
	int		 npids;
	char		*url[EP__MAX];	/* newNonce, newAccount, newOrder */
	double		 deadline;
	char		 runid[16];
	int		 retry;		/* --retry: bound; 0 off */
	const char	*save_dir;	/* --save */
} opt;

static pthread_mutex_t	 mtx = PTHREAD_MUTEX_INITIALIZER;
static int		 started, certs, failed, cutoff;
static unsigned		 badnonce_retries;
static unsigned		 n5xx[EP__MAX];		/* 5xx answers per endpoint */
static unsigned		 retried[EP__MAX];	/* requests sent again */
static unsigned		 restarts;		/* flows started over */
static FILE		*save_index;
static struct lat	 lats[EP__MAX];
static struct lat	 flow_lat;
static struct kind	 kinds[MAXKINDS];	/* errors */
static int		 nkinds;
static struct kind	 rkinds[MAXKINDS];	/* --retry: restart causes */
static int		 nrkinds;

/* the http-01 map, token -> key authorization */
struct tok {
	char		*token;
	char		*keyauth;
	struct tok	*next;
};
static struct tok	*toks;
static int		 listen_fd = -1;

struct flow {
	CURL			*curl;
	gnutls_privkey_t	 key;
	char			 jwk[256];
	char			 thumb[64];
	char			*kid;
	char			*nonce;
	/* the last response */
	long			 status;
	char			*body;
	size_t			 bodylen;
	char			*location;
	char			*newnonce;
	int			 retry_after;	/* seconds; -1: none */
	int			 cut;	/* stopped by the time bound */
	int			 restart; /* failed: order or challenge invalid */
	int			 resent;  /* the last post() was sent again */
	char			 why[160]; /* what the restart is for */
	char			 errbuf[CURL_ERROR_SIZE];
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
lat_add(struct lat *l, double v)
{
	double *nv;

	pthread_mutex_lock(&mtx);
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		nv = realloc(l->v, l->cap * sizeof(*nv));
		if (nv == NULL) {
			pthread_mutex_unlock(&mtx);
			return;
		}
		l->v = nv;
	}
	l->v[l->n++] = v;
	pthread_mutex_unlock(&mtx);
}

/*
 * -v: one line on stderr, "acmegw-bench: TIME message", TIME the wall
 * clock in seconds since the epoch (with milliseconds), so that a test
 * can match errors and retries with what it did to the server then.
 */
static void
vlog(const char *fmt, ...)
{
	struct timespec ts;
	char buf[512];
	va_list ap;

	if (!opt.verbose)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "acmegw-bench: %lld.%03ld %s\n", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000000, buf);
}

/* Count one event of kind buf in tab (*ntab kinds so far). */
static void
tally(struct kind *tab, int *ntab, const char *buf)
{
	int i;

	pthread_mutex_lock(&mtx);
	for (i = 0; i < *ntab; i++)
		if (strcmp(tab[i].name, buf) == 0)
			break;
	if (i == *ntab && *ntab < MAXKINDS) {
		snprintf(tab[i].name, sizeof(tab[i].name), "%s", buf);
		(*ntab)++;
	}
	if (i < *ntab)
		tab[i].count++;
	pthread_mutex_unlock(&mtx);
}

/* Count one error of kind fmt...; the flow ends. */
static void
err_kind(const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	tally(kinds, &nkinds, buf);
	vlog("error: %s", buf);
}

/* ------------------------------------------------------------ http-01 */

static void
tok_add(const char *token, const char *keyauth)
{
	struct tok *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return;
	t->token = strdup(token);
	t->keyauth = strdup(keyauth);
	pthread_mutex_lock(&mtx);
	t->next = toks;
	toks = t;
	pthread_mutex_unlock(&mtx);
}

static void
tok_del(const char *token)
{
	struct tok **pp, *t;

	pthread_mutex_lock(&mtx);
	for (pp = &toks; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->token, token) == 0) {
			t = *pp;
			*pp = t->next;
			free(t->token);
			free(t->keyauth);
			free(t);
			break;
		}
	pthread_mutex_unlock(&mtx);
}

static void *
http_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char req[2048], out[1024], *p, *e;
	const char *pre = "GET /.well-known/acme-challenge/";
	size_t have = 0;
	ssize_t r;
	struct timeval tv = { 5, 0 };
	struct tok *t;
	int n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (have < sizeof(req) - 1) {
		r = recv(fd, req + have, sizeof(req) - 1 - have, 0);
		if (r <= 0)
			break;
		have += r;
		req[have] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	req[have] = '\0';
	n = snprintf(out, sizeof(out), "HTTP/1.1 404 Not Found\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n");
	if (strncmp(req, pre, strlen(pre)) == 0) {
		p = req + strlen(pre);
		if ((e = strchr(p, ' ')) != NULL) {
			*e = '\0';
			pthread_mutex_lock(&mtx);
			for (t = toks; t != NULL; t = t->next)
				if (strcmp(t->token, p) == 0) {
					n = snprintf(out, sizeof(out),
					    "HTTP/1.1 200 OK\r\n"
					    "Content-Type: text/plain\r\n"
					    "Content-Length: %zu\r\n"
					    "Connection: close\r\n\r\n%s",
					    strlen(t->keyauth), t->keyauth);
					break;
				}
			pthread_mutex_unlock(&mtx);
		}
	}
	if (n > 0 && (size_t)n < sizeof(out))
		(void)send(fd, out, n, MSG_NOSIGNAL);
	close(fd);
	return NULL;
}

static void *
http_server(void *arg)
{
	pthread_t th;
	int fd;

	(void)arg;
	for (;;) {
		fd = accept(listen_fd, NULL, NULL);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			usleep(10000);
			continue;
		}
		if (pthread_create(&th, NULL, http_conn,
		    (void *)(intptr_t)fd) != 0)
			close(fd);
		else
			pthread_detach(th);
	}
	return NULL;
}

static int
http_listen(int port)
{
	struct sockaddr_in sin;
	int one = 1;

	if ((listen_fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(listen_fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(listen_fd, 128) == -1) {
		close(listen_fd);
		listen_fd = -1;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ keys, JWS */

static int
b64u(const unsigned char *in, size_t len, char **out)
{
	size_t n = b64url_enclen(len) + 1;

	if ((*out = malloc(n)) == NULL)
		return -1;
	return b64url_encode(in, len, *out, n);
}

/* copy a big-endian integer into exactly 32 bytes */
static int
pad32(const gnutls_datum_t *d, unsigned char out[32])
{
	const unsigned char *p = d->data;
	size_t n = d->size;

	while (n > 32 && *p == 0) {
		p++;
		n--;
	}
	if (n > 32)
		return -1;
	memset(out, 0, 32);
	memcpy(out + 32 - n, p, n);
	return 0;
}

static int
key_jwk(struct flow *f)
{
	gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 }, h;
	gnutls_ecc_curve_t curve;
	unsigned char xb[32], yb[32], dg[32];
	char *xs = NULL, *ys = NULL, *ts = NULL;
	int rc = -1;

	if (gnutls_privkey_export_ecc_raw2(f->key, &curve, &x, &y, NULL, 0) <
	    0 || pad32(&x, xb) == -1 || pad32(&y, yb) == -1 ||
	    b64u(xb, 32, &xs) == -1 || b64u(yb, 32, &ys) == -1)
		goto out;
	snprintf(f->jwk, sizeof(f->jwk),
	    "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
	    xs, ys);
	h.data = (unsigned char *)f->jwk;
	h.size = strlen(f->jwk);
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, h.data, h.size, dg) < 0 ||
	    b64u(dg, 32, &ts) == -1)
		goto out;
	snprintf(f->thumb, sizeof(f->thumb), "%s", ts);
	rc = 0;
out:
	gnutls_free(x.data);
	gnutls_free(y.data);
	free(xs);
	free(ys);
	free(ts);
	return rc;
}

/* A flattened JWS (ES256) of payload (NULL: POST-as-GET) for url. */
static char *
jws(struct flow *f, const char *url, const char *payload)
{
	char *prot = NULL, *pb = NULL, *plb = NULL, *sb = NULL, *in = NULL;
	char *res = NULL;
	gnutls_datum_t data, sig = { NULL, 0 }, r = { NULL, 0 },
	    s = { NULL, 0 };
	unsigned char rs[64];
	size_t n;

	n = strlen(url) + strlen(f->jwk) + (f->kid ? strlen(f->kid) : 0) +
	    (f->nonce ? strlen(f->nonce) : 0) + 128;
	if ((prot = malloc(n)) == NULL)
		goto out;
	if (f->kid != NULL)
		snprintf(prot, n, "{\"alg\":\"ES256\",\"kid\":\"%s\","
		    "\"nonce\":\"%s\",\"url\":\"%s\"}", f->kid,
		    f->nonce ? f->nonce : "", url);
	else
		snprintf(prot, n, "{\"alg\":\"ES256\",\"jwk\":%s,"
		    "\"nonce\":\"%s\",\"url\":\"%s\"}", f->jwk,
		    f->nonce ? f->nonce : "", url);
	if (b64u((unsigned char *)prot, strlen(prot), &pb) == -1)
		goto out;
	if (payload == NULL)
		payload = "";
	if (b64u((const unsigned char *)payload, strlen(payload), &plb) == -1)
		goto out;
	n = strlen(pb) + strlen(plb) + 2;
	if ((in = malloc(n)) == NULL)
		goto out;
	snprintf(in, n, "%s.%s", pb, plb);
	data.data = (unsigned char *)in;
	data.size = strlen(in);
	if (gnutls_privkey_sign_data2(f->key, GNUTLS_SIGN_ECDSA_SHA256, 0,
	    &data, &sig) < 0 ||
	    gnutls_decode_rs_value(&sig, &r, &s) < 0 ||
	    pad32(&r, rs) == -1 || pad32(&s, rs + 32) == -1 ||
	    b64u(rs, 64, &sb) == -1)
		goto out;
	n = strlen(pb) + strlen(plb) + strlen(sb) + 64;
	if ((res = malloc(n)) == NULL)
		goto out;
	snprintf(res, n, "{\"protected\":\"%s\",\"payload\":\"%s\","
	    "\"signature\":\"%s\"}", pb, plb, sb);
out:
	gnutls_free(sig.data);
	gnutls_free(r.data);
	gnutls_free(s.data);
	free(prot);
	free(pb);
	free(plb);
	free(sb);
	free(in);
	return res;
}

/* A CSR for name with a fresh P-256 key, DER in base64url. */
static char *
make_csr(const char *name)
{
	gnutls_x509_crq_t crq = NULL;
	gnutls_privkey_t key = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t der = { NULL, 0 };
	char *res = NULL;

	if (gnutls_privkey_init(&key) < 0 ||
	    gnutls_privkey_generate(key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0 ||
	    gnutls_pubkey_init(&pub) < 0 ||
	    gnutls_pubkey_import_privkey(pub, key, 0, 0) < 0 ||
	    gnutls_x509_crq_init(&crq) < 0 ||
	    gnutls_x509_crq_set_version(crq, 1) < 0 ||
	    gnutls_x509_crq_set_dn_by_oid(crq, GNUTLS_OID_X520_COMMON_NAME,
	    0, name, strlen(name)) < 0 ||
	    gnutls_x509_crq_set_subject_alt_name(crq, GNUTLS_SAN_DNSNAME,
	    name, strlen(name), GNUTLS_FSAN_SET) < 0 ||
	    gnutls_x509_crq_set_pubkey(crq, pub) < 0 ||
	    gnutls_x509_crq_privkey_sign(crq, key, GNUTLS_DIG_SHA256, 0) < 0 ||
	    gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_DER, &der) < 0)
		goto out;
	if (b64u(der.data, der.size, &res) == -1) {
		free(res);
		res = NULL;
	}
out:
	gnutls_free(der.data);
	if (crq != NULL)
		gnutls_x509_crq_deinit(crq);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	if (key != NULL)
		gnutls_privkey_deinit(key);
	return res;
}

/* ------------------------------------------------------------ HTTP */

static size_t
cb_body(char *p, size_t sz, size_t nm, void *arg)
{
	struct flow *f = arg;
	size_t n = sz * nm;
	char *nb;

	if ((nb = realloc(f->body, f->bodylen + n + 1)) == NULL)
		return 0;
	f->body = nb;
	memcpy(f->body + f->bodylen, p, n);
	f->bodylen += n;
	f->body[f->bodylen] = '\0';
	return n;
}

static char *
hdr_value(const char *p, size_t n, const char *name)
{
	size_t l = strlen(name);
	char *v;

	if (n <= l + 1 || strncasecmp(p, name, l) != 0 || p[l] != ':')
		return NULL;
	p += l + 1;
	n -= l + 1;
	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\n' ||
	    p[n - 1] == ' '))
		n--;
	if ((v = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(v, p, n);
	v[n] = '\0';
	return v;
}

static size_t
cb_hdr(char *p, size_t sz, size_t nm, void *arg)
{
	struct flow *f = arg;
	size_t n = sz * nm;
	char *v, *e;
	long ra;

	if ((v = hdr_value(p, n, "Replay-Nonce")) != NULL) {
		free(f->newnonce);
		f->newnonce = v;
	} else if ((v = hdr_value(p, n, "Location")) != NULL) {
		free(f->location);
		f->location = v;
	} else if ((v = hdr_value(p, n, "Retry-After")) != NULL) {
		/* delay-seconds only; an HTTP-date counts as none */
		errno = 0;
		ra = strtol(v, &e, 10);
		if (errno == 0 && *v != '\0' && *e == '\0' && ra >= 0 &&
		    ra <= 86400)
			f->retry_after = (int)ra;
		free(v);
	}
	return n;
}

/*
 * One exchange: GET/HEAD when body is NULL (head: HEAD), else a POST of
 * application/jose+json.  Returns 0 with f->status set (a 5xx answer is
 * counted in n5xx), or -1 on a transport error, with f->cut set when it
 * was the time bound and the curl error in *cc.  Counts nothing else.
 */
static int
http_once(struct flow *f, enum ep ep, const char *url, const char *body,
    int head, CURLcode *cc)
{
	struct curl_slist *h = NULL;
	double t0, left;
	int bounded;

	free(f->body);
	free(f->location);
	free(f->newnonce);
	f->body = f->location = f->newnonce = NULL;
	f->bodylen = 0;
	f->status = 0;
	f->retry_after = -1;
	*cc = CURLE_OK;
	left = opt.deadline - now();
	if (left <= 0.001) {
		f->cut = 1;
		return -1;
	}
	bounded = left <= 30;
	if (left > 30)
		left = 30;
	curl_easy_reset(f->curl);
	curl_easy_setopt(f->curl, CURLOPT_URL, url);
	curl_easy_setopt(f->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f->curl, CURLOPT_TIMEOUT_MS, (long)(left * 1000));
	curl_easy_setopt(f->curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(f->curl, CURLOPT_USERAGENT, "acmegw-bench/1");
	curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, cb_body);
	curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->curl, CURLOPT_HEADERFUNCTION, cb_hdr);
	curl_easy_setopt(f->curl, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(f->curl, CURLOPT_ERRORBUFFER, f->errbuf);
	curl_easy_setopt(f->curl, CURLOPT_PROTOCOLS_STR, "https,http");
	if (opt.cafile != NULL)
		curl_easy_setopt(f->curl, CURLOPT_CAINFO, opt.cafile);
	if (head)
		curl_easy_setopt(f->curl, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		h = curl_slist_append(h, "Content-Type: application/jose+json");
		curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(f->curl, CURLOPT_POSTFIELDS, body);
	}
	f->errbuf[0] = '\0';
	t0 = now();
	*cc = curl_easy_perform(f->curl);
	curl_slist_free_all(h);
	if (*cc != CURLE_OK) {
		if (*cc == CURLE_OPERATION_TIMEDOUT && bounded)
			f->cut = 1;
		return -1;
	}
	lat_add(&lats[ep], now() - t0);
	curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &f->status);
	if (f->status >= 500) {
		pthread_mutex_lock(&mtx);
		n5xx[ep]++;
		pthread_mutex_unlock(&mtx);
	}
	return 0;
}

/*
 * After attempt number try (0 for the first) of a request to ep ended
 * with rc (http_once()'s) and cc: with --retry, when it met a transport
 * error other than the time bound or a 5xx answer, and fewer than
 * opt.retry attempts were sent again, wait (Retry-After when the answer
 * had one, else BACKOFF_MIN_MS doubling per attempt; at most
 * BACKOFF_MAX_MS, with jitter, never past the time bound), count the
 * retry and return 1.  Otherwise 0: a transport error is counted as the
 * flow's error (a 5xx answer is left to the caller's err_status()).
 */
static int
retry_wait(struct flow *f, enum ep ep, int try, int rc, CURLcode cc)
{
	double ms;
	unsigned char j;

	if (f->cut)
		return 0;
	if (rc == 0 && f->status < 500)
		return 0;
	if (opt.retry == 0 || try >= opt.retry) {
		if (rc == -1)
			err_kind("%s: %s", ep_name[ep],
			    cc == CURLE_OPERATION_TIMEDOUT ?
			    "no answer in 30 s" : curl_easy_strerror(cc));
		return 0;
	}
	if (rc == 0 && f->retry_after >= 0)
		ms = f->retry_after * 1000.0;
	else
		ms = BACKOFF_MIN_MS * (double)(1u << (try < 8 ? try : 8));
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	gnutls_rnd(GNUTLS_RND_NONCE, &j, 1);
	ms = ms * (0.75 + j / 512.0);
	if (now() + ms / 1000 >= opt.deadline) {
		f->cut = 1;
		return 0;
	}
	pthread_mutex_lock(&mtx);
	retried[ep]++;
	pthread_mutex_unlock(&mtx);
	if (rc == -1)
		vlog("retry: %s: %s; again in %.0f ms", ep_name[ep],
		    curl_easy_strerror(cc), ms);
	else
		vlog("retry: %s: HTTP %ld; again in %.0f ms", ep_name[ep],
		    f->status, ms);
	usleep((useconds_t)(ms * 1000));
	return 1;
}

/*
 * A GET or HEAD (see http_once()), sent again as retry_wait() allows.
 * Returns 0 with the answer in f (any status), -1 after a transport
 * error (counted unless it was the time bound).
 */
static int
http(struct flow *f, enum ep ep, const char *url, int head)
{
	CURLcode cc;
	int rc, try = 0;

	do
		rc = http_once(f, ep, url, NULL, head, &cc);
	while (retry_wait(f, ep, try++, rc, cc));
	return rc;
}

static struct json_object *
body_json(struct flow *f)
{
	if (f->body == NULL)
		return NULL;
	return json_tokener_parse(f->body);
}

static const char *
jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Whether the answer in f is a problem of ACME type t (e.g. "badNonce"). */
static int
is_prob(struct flow *f, const char *t)
{
	struct json_object *o;
	const char *s;
	int r;

	o = body_json(f);
	s = jstr(o, "type");
	r = s != NULL && strncmp(s, "urn:ietf:params:acme:error:", 27) == 0 &&
	    strcmp(s + 27, t) == 0;
	json_object_put(o);
	return r;
}

/* Count an error response as "ep: HTTP status type". */
static void
err_status(struct flow *f, enum ep ep)
{
	struct json_object *o = body_json(f);
	const char *t = jstr(o, "type");

	if (t != NULL && strncmp(t, "urn:ietf:params:acme:error:", 27) == 0)
		t += 27;
	err_kind("%s: HTTP %ld %s", ep_name[ep], f->status, t ? t : "");
	json_object_put(o);
}

static int
get_nonce(struct flow *f)
{
	if (http(f, EP_NONCE, opt.url[EP_NONCE], 1) == -1)
		return -1;
	if ((f->status != 200 && f->status != 204) || f->newnonce == NULL) {
		err_status(f, EP_NONCE);
		return -1;
	}
	free(f->nonce);
	f->nonce = f->newnonce;
	f->newnonce = NULL;
	return 0;
}

/*
 * A signed POST; badNonce is retried with the nonce of the answer, as
 * clients do, and with --retry a connection error or 5xx as
 * retry_wait() allows, signed again with a fresh nonce.  Returns 0 with
 * the answer in f (any status), -1 when it failed (counted).
 */
static int
post(struct flow *f, enum ep ep, const char *url, const char *payload)
{
	CURLcode cc;
	char *body;
	int bad = 0, try = 0, rc;

	for (;;) {
		if (f->nonce == NULL && get_nonce(f) == -1)
			return -1;
		if ((body = jws(f, url, payload)) == NULL) {
			err_kind("%s: could not sign", ep_name[ep]);
			return -1;
		}
		free(f->nonce);
		f->nonce = NULL;
		rc = http_once(f, ep, url, body, 0, &cc);
		free(body);
		if (rc == 0 && f->newnonce != NULL) {
			f->nonce = f->newnonce;
			f->newnonce = NULL;
		}
		f->resent = try > 0;
		if (retry_wait(f, ep, try, rc, cc)) {
			try++;
			continue;
		}
		if (rc == -1)
			return -1;
		if (f->status != 400 || !is_prob(f, "badNonce"))
			return 0;
		pthread_mutex_lock(&mtx);
		badnonce_retries++;
		pthread_mutex_unlock(&mtx);
		if (++bad == NONCE_RETRIES)
			break;
	}
	err_status(f, ep);
	return -1;
}

static void
flow_reset(struct flow *f)
{
	if (f->key != NULL)
		gnutls_privkey_deinit(f->key);
	f->key = NULL;
	free(f->kid);
	free(f->nonce);
	f->kid = f->nonce = NULL;
}

/*
 * The order in f's last answer became invalid while the flow waited for
 * want: with --retry the flow is to start over (f->restart, the cause
 * counted in rkinds and kept in f->why); without, an error.
 */
static void
order_invalid(struct flow *f, struct json_object *o, const char *want)
{
	struct json_object *e;
	const char *t = NULL;

	if (json_object_object_get_ex(o, "error", &e))
		t = jstr(e, "type");
	if (t != NULL && strncmp(t, "urn:ietf:params:acme:error:", 27) == 0)
		t += 27;
	snprintf(f->why, sizeof(f->why), "order invalid (waiting for %s): %s",
	    want, t != NULL ? t : "no error given");
	if (opt.retry == 0) {
		err_kind("order-poll: %s", f->why);
		return;
	}
	f->restart = 1;
	tally(rkinds, &nrkinds, f->why);
	vlog("restart: %s: starting over", f->why);
}

/*
 * Poll url (POST-as-GET) until its status is want; 0 with the order in
 * *res, else -1 (counted, or with f->restart set by order_invalid()).
 * At most POLL_MAX polls at most 50 ms apart; with --retry, POLL_SECONDS
 * instead, the delay growing to 500 ms after 5 s (an issuance the server
 * has to reconcile takes its time).
 */
static int
poll_until(struct flow *f, const char *url, const char *want,
    struct json_object **res)
{
	struct json_object *o = NULL;
	const char *st;
	double t0 = now();
	int i;
	useconds_t d = 5000;

	*res = NULL;
	for (i = 0; opt.retry ? now() - t0 < POLL_SECONDS : i < POLL_MAX;
	    i++) {
		if (post(f, EP_POLL, url, NULL) == -1)
			return -1;
		if (f->status != 200) {
			err_status(f, EP_POLL);
			return -1;
		}
		o = body_json(f);
		st = jstr(o, "status");
		if (st == NULL) {
			err_kind("order-poll: no status");
			json_object_put(o);
			return -1;
		}
		if (strcmp(st, want) == 0) {
			*res = o;
			return 0;
		}
		if (strcmp(st, "invalid") == 0) {
			order_invalid(f, o, want);
			json_object_put(o);
			return -1;
		}
		json_object_put(o);
		usleep(d);
		if (d < 50000)
			d *= 2;
		else if (opt.retry && d < 500000 && now() - t0 > 5)
			d = 500000;
	}
	if (opt.retry)
		err_kind("order-poll: not %s after %d s", want, POLL_SECONDS);
	else
		err_kind("order-poll: not %s after %d polls", want, POLL_MAX);
	return -1;
}

/*
 * --save: the chain in f's last answer to opt.save_dir/SERIAL.pem (a new
 * file: a serial seen twice is an error) and "order-url account-url
 * serial" to the index.  SERIAL is the lowercase hex of the leaf's
 * serial number as it is encoded (the DER INTEGER's content).  Returns 0,
 * or -1 (counted).
 */
static int
save_cert(struct flow *f, const char *order)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t pem;
	unsigned char ser[64];
	size_t sersz = sizeof(ser), i, off;
	char hex[2 * sizeof(ser) + 1], path[4096];
	ssize_t w;
	int fd = -1, rc = -1, bad;

	pem.data = (unsigned char *)f->body;
	pem.size = (unsigned int)f->bodylen;
	if (gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_x509_crt_get_serial(crt, ser, &sersz) < 0 || sersz == 0) {
		err_kind("certificate: no serial number to save it by");
		goto out;
	}
	for (i = 0; i < sersz; i++)
		snprintf(hex + 2 * i, 3, "%02x", ser[i]);
	snprintf(path, sizeof(path), "%s/%s.pem", opt.save_dir, hex);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1) {
		err_kind("certificate: %s: %s", errno == EEXIST ?
		    "serial seen twice" : "cannot save", strerror(errno));
		goto out;
	}
	for (off = 0; off < f->bodylen; off += (size_t)w)
		if ((w = write(fd, f->body + off, f->bodylen - off)) <= 0) {
			err_kind("certificate: cannot save: %s",
			    w == 0 ? "short write" : strerror(errno));
			goto out;
		}
	if (close(fd) == -1) {
		fd = -1;
		err_kind("certificate: cannot save: %s", strerror(errno));
		goto out;
	}
	fd = -1;
	pthread_mutex_lock(&mtx);
	bad = fprintf(save_index, "%s %s %s\n", order, f->kid, hex) < 0 ||
	    fflush(save_index) != 0;
	pthread_mutex_unlock(&mtx);
	if (bad) {
		err_kind("certificate: cannot write the index: %s",
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

/* One full issuance flow for name; 0 when a certificate came back. */
static int
flow_run(struct flow *f, const char *name)
{
	struct json_object *o = NULL, *a, *ch;
	char *order = NULL, *fin = NULL, *authz = NULL, *curl = NULL;
	char *token = NULL, *csr = NULL, payload[2048], ka[256];
	const char *s;
	size_t i;
	int rc = -1;

	flow_reset(f);
	if (gnutls_privkey_init(&f->key) < 0 ||
	    gnutls_privkey_generate(f->key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0 ||
	    key_jwk(f) == -1) {
		err_kind("account key generation");
		goto out;
	}
	if (get_nonce(f) == -1)
		goto out;
	if (post(f, EP_ACCOUNT, opt.url[EP_ACCOUNT],
	    "{\"termsOfServiceAgreed\":true}") == -1)
		goto out;
	if ((f->status != 201 && f->status != 200) || f->location == NULL) {
		err_status(f, EP_ACCOUNT);
		goto out;
	}
	f->kid = f->location;
	f->location = NULL;

	snprintf(payload, sizeof(payload), "{\"identifiers\":[{\"type\":"
	    "\"dns\",\"value\":\"%s\"}]}", name);
	if (post(f, EP_ORDER, opt.url[EP_ORDER], payload) == -1)
		goto out;
	if (f->status != 201 || f->location == NULL) {
		err_status(f, EP_ORDER);
		goto out;
	}
	order = f->location;
	f->location = NULL;
	o = body_json(f);
	if ((s = jstr(o, "finalize")) == NULL ||
	    (fin = strdup(s)) == NULL ||
	    !json_object_object_get_ex(o, "authorizations", &a) ||
	    json_object_array_length(a) != 1 ||
	    (s = json_object_get_string(json_object_array_get_idx(a, 0))) ==
	    NULL || (authz = strdup(s)) == NULL) {
		err_kind("newOrder: unexpected order object");
		goto out;
	}
	json_object_put(o);
	o = NULL;

	if (post(f, EP_AUTHZ, authz, NULL) == -1)
		goto out;
	if (f->status != 200) {
		err_status(f, EP_AUTHZ);
		goto out;
	}
	o = body_json(f);
	if (o == NULL || !json_object_object_get_ex(o, "challenges", &a)) {
		err_kind("authz: no challenges");
		goto out;
	}
	for (i = 0; i < json_object_array_length(a); i++) {
		ch = json_object_array_get_idx(a, i);
		if ((s = jstr(ch, "type")) == NULL || strcmp(s, "http-01"))
			continue;
		if ((s = jstr(ch, "url")) != NULL)
			curl = strdup(s);
		if ((s = jstr(ch, "token")) != NULL)
			token = strdup(s);
		break;
	}
	json_object_put(o);
	o = NULL;
	if (curl == NULL || token == NULL) {
		err_kind("authz: no http-01 challenge");
		goto out;
	}
	snprintf(ka, sizeof(ka), "%s.%s", token, f->thumb);
	tok_add(token, ka);
	if (post(f, EP_CHALL, curl, "{}") == -1)
		goto out;
	if (f->status != 200) {
		err_status(f, EP_CHALL);
		goto out;
	}
	if (poll_until(f, order, "ready", &o) == -1)
		goto out;
	json_object_put(o);
	o = NULL;

	if ((csr = make_csr(name)) == NULL) {
		err_kind("CSR generation");
		goto out;
	}
	snprintf(payload, sizeof(payload), "{\"csr\":\"%s\"}", csr);
	if (post(f, EP_FINALIZE, fin, payload) == -1)
		goto out;
	s = NULL;
	if (f->status == 200) {
		o = body_json(f);
		s = jstr(o, "status");
	} else if (!(f->resent && f->status == 403 &&
	    is_prob(f, "orderNotReady"))) {
		/*
		 * orderNotReady to a finalize sent again is the answer to
		 * the first one lost on the way: the order tells the rest.
		 */
		err_status(f, EP_FINALIZE);
		goto out;
	}
	if (s == NULL || strcmp(s, "valid") != 0) {
		json_object_put(o);
		o = NULL;
		if (poll_until(f, order, "valid", &o) == -1)
			goto out;
	}
	if ((s = jstr(o, "certificate")) == NULL) {
		err_kind("order: valid without a certificate URL");
		goto out;
	}
	free(curl);
	curl = strdup(s);
	json_object_put(o);
	o = NULL;
	if (curl == NULL || post(f, EP_CERT, curl, NULL) == -1)
		goto out;
	if (f->status != 200 || f->body == NULL ||
	    strstr(f->body, "-----BEGIN CERTIFICATE-----") == NULL) {
		err_status(f, EP_CERT);
		goto out;
	}
	if (opt.save_dir != NULL && save_cert(f, order) == -1)
		goto out;
	rc = 0;
out:
	if (token != NULL)
		tok_del(token);
	json_object_put(o);
	free(order);
	free(fin);
	free(authz);
	free(curl);
	free(token);
	free(csr);
	return rc;
}

static void *
flow_thread(void *arg)
{
	struct flow f;
	char name[128];
	int idx = (int)(intptr_t)arg, n, r, rc;
	double t0;

	memset(&f, 0, sizeof(f));
	if ((f.curl = curl_easy_init()) == NULL) {
		err_kind("curl_easy_init");
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&mtx);
		n = started < opt.total && now() < opt.deadline ? started++ :
		    -1;
		pthread_mutex_unlock(&mtx);
		if (n < 0)
			break;
		snprintf(name, sizeof(name), "f%d-%d.%s.bench.test", idx, n,
		    opt.runid);
		t0 = now();
		f.cut = 0;
		for (r = 0;; r++) {
			f.restart = 0;
			if ((rc = flow_run(&f, name)) == 0 || !f.restart ||
			    f.cut)
				break;
			if (r >= opt.retry) {
				err_kind("flow: %s, after %d restarts", f.why,
				    r);
				break;
			}
			pthread_mutex_lock(&mtx);
			restarts++;
			pthread_mutex_unlock(&mtx);
		}
		if (rc == 0) {
			lat_add(&flow_lat, now() - t0);
			pthread_mutex_lock(&mtx);
			certs++;
			pthread_mutex_unlock(&mtx);
		} else {
			pthread_mutex_lock(&mtx);
			if (f.cut)
				cutoff++;
			else
				failed++;
			pthread_mutex_unlock(&mtx);
		}
	}
	flow_reset(&f);
	free(f.body);
	free(f.location);
	free(f.newnonce);
	curl_easy_cleanup(f.curl);
	return NULL;
}

/* ------------------------------------------------------------ CPU, output */

/*
 * utime+stime+cutime+cstime of pid in clock ticks, its command name into
 * comm (commsz bytes) when comm is not NULL; -1 if unreadable.
 */
static long long
pid_ticks(pid_t pid, char *comm, size_t commsz)
{
	char path[64], buf[2048], *p;
	unsigned long long v[4];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* the comm field may hold spaces: fields after the last ')' */
	if (comm != NULL && (p = strchr(buf, '(')) != NULL &&
	    strrchr(buf, ')') != NULL)
		snprintf(comm, commsz, "%.*s",
		    (int)(strrchr(buf, ')') - p - 1), p + 1);
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3]) != 4)
		return -1;
	return (long long)(v[0] + v[1] + v[2] + v[3]);
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(struct lat *l, double p)
{
	size_t i;

	if (l->n == 0)
		return 0;
	qsort(l->v, l->n, sizeof(double), cmpd);
	i = (size_t)(p * (l->n - 1) + 0.5);
	return l->v[i];
}

static int
directory(void)
{
	struct flow f;
	struct json_object *o = NULL;
	const char *k[3] = { "newNonce", "newAccount", "newOrder" };
	const char *s;
	int i, rc = -1;

	memset(&f, 0, sizeof(f));
	if ((f.curl = curl_easy_init()) == NULL)
		return -1;
	if (http(&f, EP_NONCE, opt.dir_url, 0) == -1 ||
	    f.status != 200 || (o = body_json(&f)) == NULL) {
		fprintf(stderr, "acmegw-bench: %s: %s (HTTP %ld)\n",
		    opt.dir_url, f.errbuf[0] ? f.errbuf : "no directory",
		    f.status);
		goto out;
	}
	lats[EP_NONCE].n = 0;
	for (i = 0; i < 3; i++) {
		if ((s = jstr(o, k[i])) == NULL) {
			fprintf(stderr, "acmegw-bench: the directory has no"
			    " %s\n", k[i]);
			goto out;
		}
		opt.url[i] = strdup(s);
	}
	rc = 0;
out:
	json_object_put(o);
	free(f.body);
	free(f.location);
	free(f.newnonce);
	curl_easy_cleanup(f.curl);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: acmegw-bench -d directory-url [-v] "
	    "[-c concurrency] [-n total] [-t seconds]\n"
	    "\t[--cafile pem] [--http-port port] [--pid pid]... "
	    "[--retry count]\n\t[--save dir]\n");
	exit(2);
}

static long
num(const char *s, long lo, long hi)
{
	char *e;
	long v;

	errno = 0;
	v = strtol(s, &e, 10);
	if (errno != 0 || *s == '\0' || *e != '\0' || v < lo || v > hi)
		usage();
	return v;
}

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "cafile", required_argument, NULL, 'C' },
		{ "http-port", required_argument, NULL, 'P' },
		{ "pid", required_argument, NULL, 'p' },
		{ "retry", required_argument, NULL, 'R' },
		{ "save", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	pthread_t *th = NULL, hs;
	long long t0[MAXPIDS], dt[MAXPIDS], t1, ticks = 0;
	char comm[MAXPIDS][32], idx[4096];
	unsigned char rnd[4];
	unsigned tot5xx = 0, totretried = 0;
	double start, el;
	int ch, i, e, ok;
	long hz;

	opt.conc = 1;
	opt.total = 10;
	opt.seconds = 60;
	opt.http_port = 5002;
	while ((ch = getopt_long(argc, argv, "c:d:n:t:v", lo, NULL)) != -1) {
		switch (ch) {
		case 'c':
			opt.conc = num(optarg, 1, 1024);
			break;
		case 'd':
			opt.dir_url = optarg;
			break;
		case 'n':
			opt.total = num(optarg, 1, 10000000);
			break;
		case 't':
			opt.seconds = num(optarg, 1, 86400);
			break;
		case 'v':
			opt.verbose = 1;
			break;
		case 'C':
			opt.cafile = optarg;
			break;
		case 'P':
			opt.http_port = num(optarg, 1, 65535);
			break;
		case 'p':
			if (opt.npids == MAXPIDS)
				usage();
			opt.pids[opt.npids++] = num(optarg, 1, INT32_MAX);
			break;
		case 'R':
			opt.retry = num(optarg, 0, 100);
			break;
		case 'S':
			opt.save_dir = optarg;
			break;
		default:
			usage();
		}
	}
	if (opt.dir_url == NULL || optind != argc)
		usage();
	if (opt.save_dir != NULL) {
		/* the directory must exist; the index is new or appended to */
		snprintf(idx, sizeof(idx), "%s/index", opt.save_dir);
		if ((save_index = fopen(idx, "ae")) == NULL) {
			fprintf(stderr, "acmegw-bench: %s: %s\n", idx,
			    strerror(errno));
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (gnutls_global_init() < 0 ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "acmegw-bench: library initialisation\n");
		return 1;
	}
	gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd));
	snprintf(opt.runid, sizeof(opt.runid), "r%02x%02x%02x%02x", rnd[0],
	    rnd[1], rnd[2], rnd[3]);
	if (http_listen(opt.http_port) == -1) {
		fprintf(stderr, "acmegw-bench: 127.0.0.1:%d: %s\n",
		    opt.http_port, strerror(errno));
		return 1;
	}
	if (pthread_create(&hs, NULL, http_server, NULL) != 0)
		return 1;
	pthread_detach(hs);
	opt.deadline = now() + opt.seconds;
	if (directory() == -1)
		return 1;
	for (i = 0; i < opt.npids; i++)
		t0[i] = pid_ticks(opt.pids[i], NULL, 0);
	if ((th = calloc(opt.conc, sizeof(*th))) == NULL)
		return 1;
	start = now();
	for (i = 0; i < opt.conc; i++)
		if ((e = pthread_create(&th[i], NULL, flow_thread,
		    (void *)(intptr_t)i)) != 0) {
			fprintf(stderr, "acmegw-bench: thread: %s\n",
			    strerror(e));
			return 1;
		}
	for (i = 0; i < opt.conc; i++)
		pthread_join(th[i], NULL);
	el = now() - start;
	ok = 1;
	for (i = 0; i < opt.npids; i++) {
		comm[i][0] = '\0';
		t1 = pid_ticks(opt.pids[i], comm[i], sizeof(comm[i]));
		if (t0[i] < 0 || t1 < 0) {
			ok = 0;
			dt[i] = -1;
		} else {
			dt[i] = t1 - t0[i];
			ticks += dt[i];
		}
	}
	hz = sysconf(_SC_CLK_TCK);

	printf("directory      %s\n", opt.dir_url);
	printf("concurrency    %d\n", opt.conc);
	printf("flows          %d started, %d certificates, %d failed, "
	    "%d cut off by the time bound\n", started, certs, failed, cutoff);
	printf("elapsed        %.2f s%s\n", el,
	    now() >= opt.deadline ? " (time bound reached)" : "");
	printf("certs/s        %.3f\n", el > 0 ? certs / el : 0.0);
	printf("badNonce       %u retried\n", badnonce_retries);
	for (i = 0; i < EP__MAX; i++) {
		tot5xx += n5xx[i];
		totretried += retried[i];
	}
	printf("5xx            %u answers\n", tot5xx);
	if (opt.retry > 0) {
		printf("retried        %u requests (connection error or 5xx)\n",
		    totretried);
		printf("restarts       %u flows started over\n", restarts);
		for (i = 0; i < nrkinds; i++)
			printf("restart        %u x %s\n", rkinds[i].count,
			    rkinds[i].name);
	}
	for (i = 0; i < nkinds; i++)
		printf("error          %u x %s\n", kinds[i].count,
		    kinds[i].name);
	printf("%-14s %6s %9s %9s %5s%s\n", "endpoint", "count", "p50 ms",
	    "p99 ms", "5xx", opt.retry > 0 ? " retried" : "");
	for (i = 0; i < EP__MAX; i++) {
		printf("%-14s %6zu %9.1f %9.1f %5u", ep_name[i], lats[i].n,
		    pct(&lats[i], 0.5) * 1000, pct(&lats[i], 0.99) * 1000,
		    n5xx[i]);
		if (opt.retry > 0)
			printf(" %7u", retried[i]);
		printf("\n");
	}
	printf("%-14s %6zu %9.1f %9.1f\n", "whole flow", flow_lat.n,
	    pct(&flow_lat, 0.5) * 1000, pct(&flow_lat, 0.99) * 1000);
	if (opt.npids > 0) {
		printf("server CPU     %.2f s over %d processes%s\n",
		    (double)ticks / hz, opt.npids,
		    ok ? "" : " (some process ended: figure incomplete)");
		for (i = 0; i < opt.npids; i++)
			if (dt[i] < 0)
				printf("  pid %-8d  ended or unreadable\n",
				    (int)opt.pids[i]);
			else
				printf("  pid %-8d  %-16s %.2f s\n",
				    (int)opt.pids[i], comm[i],
				    (double)dt[i] / hz);
		if (certs > 0)
			printf("CPU s/cert     %.4f\n",
			    (double)ticks / hz / certs);
		else
			printf("CPU s/cert     -\n");
	}
	fflush(stdout);
	/* the responder thread is still in accept(): leave without joining */
	_exit(certs > 0 && failed == 0 ? 0 : 1);
}

/*
 * validate.c: main of acmegw-validate, the challenge validation helper.
 *
 * Owns the helper protocol: one JSON request (at most 64 KiB) on stdin,
 * checked strictly (missing, unknown, duplicate or mistyped members are
 * errors: exit 1), one JSON verdict on stdout, exit 0 when it answered;
 * the overall deadline (CLOCK_MONOTONIC, with an interval timer as the
 * backstop that answers "invalid" by itself when it fires) and the verdict
 * being built (struct vres).  The checks themselves live in
 * validate_http.c, validate_dns.c, validate_tls.c and validate_addr.c.
 *
 * Must never: open the store or read any key; connect anywhere before the
 * request is fully checked; write anything but one verdict to stdout; log
 * client bytes unsanitised.
 */
#include <sys/resource.h>
#include <sys/time.h>

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "acmegw.h"

/* Backstop margin past timeout_ms before the timer answers by itself. */
#define VAL_BACKSTOP_MS	500
/* Bound on reading the request (the parent writes it at once). */
#define VAL_READ_SECS	30

const char *const val_method_str[VAL__MAX] = {
	"http-01",		/* VAL_HTTP01 */
	"dns-01",		/* VAL_DNS01 */
	"tls-alpn-01",		/* VAL_TLSALPN01 */
};

/*
 * Verdicts written by the backstop timer: one per kind of step that can
 * be running when it fires (val_set_phase()).  Built before the timer is
 * armed; the handler only calls write(2) and _exit(2).
 */
enum val_phase {
	PHASE_CONNECTION = 0,
	PHASE_DNS,
	PHASE_TLS,
	PHASE__MAX
};
static char			 val_late[PHASE__MAX][512];
static size_t			 val_latesz[PHASE__MAX];
static volatile sig_atomic_t	 val_phase = PHASE_CONNECTION;
static volatile sig_atomic_t	 val_late_armed = 0;

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t
val_clock_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Milliseconds left before the request's deadline; 0 once it passed. */
unsigned int
val_left_ms(const struct vreq *req)
{
	uint64_t	 now = val_clock_ms();

	if (now >= req->deadline)
		return 0;
	return (unsigned int)(req->deadline - now);
}

/*
 * Say what kind of step runs now (ACME_PROB_DNS, ACME_PROB_TLS or
 * ACME_PROB_CONNECTION), so that a verdict written by the backstop timer
 * carries the right problem type.
 */
void
val_set_phase(enum acme_prob p)
{
	switch (p) {
	case ACME_PROB_DNS:
		val_phase = PHASE_DNS;
		break;
	case ACME_PROB_TLS:
		val_phase = PHASE_TLS;
		break;
	default:
		val_phase = PHASE_CONNECTION;
		break;
	}
}

/* Add a to the addresses tried, once; beyond VAL_MAX_ADDRS it is dropped. */
void
vres_addr(struct vres *res, const struct vaddr *a)
{
	char	 s[VAL_ADDRSTRLEN];
	size_t	 i;

	vaddr_str(a, s, sizeof(s));
	for (i = 0; i < res->addrsz; i++)
		if (strcmp(res->addrs[i], s) == 0)
			return;
	if (res->addrsz < VAL_MAX_ADDRS)
		memcpy(res->addrs[res->addrsz++], s, sizeof(s));
}

/*
 * Make the verdict invalid with problem p and a detail sentence (which
 * must hold no raw client bytes: callers sanitise them).  Returns p.
 */
enum acme_prob
vres_fail(struct vres *res, enum acme_prob p, const char *fmt, ...)
{
	va_list	 ap;

	assert(p != ACME_PROB_NONE);
	res->prob = p;
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
	return p;
}

/*
 * SIGALRM: past the deadline, answer "invalid" with the verdict of the
 * current phase and exit 0; before the timer is armed (reading the
 * request), exit 1.
 */
static void
val_late_handler(int sig)
{
	int	 k = val_phase;

	(void)sig;
	if (val_late_armed && k >= 0 && k < PHASE__MAX)
		(void)write(STDOUT_FILENO, val_late[k], val_latesz[k]);
	_exit(val_late_armed ? 0 : 1);
}

/* Build the backstop verdicts and arm the timer at timeout + margin. */
static int
val_backstop_arm(const struct vreq *req)
{
	static const enum acme_prob	 prob[PHASE__MAX] = {
		ACME_PROB_CONNECTION, ACME_PROB_DNS, ACME_PROB_TLS
	};
	struct itimerval		 it;
	int				 i, n;
	uint64_t			 ms;

	for (i = 0; i < PHASE__MAX; i++) {
		n = snprintf(val_late[i], sizeof(val_late[i]),
		    "{\"v\":1,\"status\":\"invalid\","
		    "\"error\":{\"type\":\"%s\","
		    "\"detail\":\"Validation of %s did not finish within %u "
		    "ms\"},\"addresses\":[],\"method\":\"%s\"}\n",
		    acme_prob_type[prob[i]], req->name, req->timeout_ms,
		    val_method_str[req->method]);
		if (n < 0 || (size_t)n >= sizeof(val_late[i]))
			return -1;
		val_latesz[i] = (size_t)n;
	}
	val_late_armed = 1;
	ms = (uint64_t)req->timeout_ms + VAL_BACKSTOP_MS;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = (time_t)(ms / 1000);
	it.it_value.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	return setitimer(ITIMER_REAL, &it, NULL);
}

/* Stop the backstop timer before the real verdict is written. */
static void
val_backstop_disarm(void)
{
	struct itimerval	 it;

	memset(&it, 0, sizeof(it));
	(void)setitimer(ITIMER_REAL, &it, NULL);
	val_late_armed = 0;
}

/* ------------------------------------------------------------------ */
/* The request                                                          */
/* ------------------------------------------------------------------ */

static const char *const req_top[] = {
	"v", "type", "identifier", "token", "key_authorization",
	"account_uri", "settings", NULL
};
static const char *const req_ident[] = { "type", "value", NULL };
static const char *const req_settings[] = {
	"http_port", "tls_port", "resolver", "allow_private", "timeout_ms",
	"caa_identities", "check_caa", NULL
};

/* Predicate: c belongs to the base64url alphabet. */
static int
b64url_char_is_valid(int c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/*
 * Predicate: s[0..len) is a DNS name of LDH labels (1..63 octets, no
 * hyphen at either end), at most 253 octets, no trailing dot.  Case is
 * not checked.
 */
int
val_name_is_valid(const char *s, size_t len)
{
	size_t	 i, lab = 0;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (lab == 0 || lab > 63 || s[i - 1] == '-')
				return 0;
			lab = 0;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
		if (s[i] == '-' && lab == 0)
			return 0;
		lab++;
	}
	return 1;
}

/* Fetch string member key of obj or explain why not (where: "settings."). */
static int
req_str(struct json_object *obj, const char *where, const char *key,
    const char **val, size_t *len, char *err, size_t errsz)
{
	int	 rc;

	if ((rc = json_get_str(obj, key, val, len)) == 0)
		return 0;
	snprintf(err, errsz, rc == 1 ? "missing member \"%s%s\"" :
	    "member \"%s%s\" must be a string of valid UTF-8", where, key);
	return -1;
}

/* Fetch integer member key of obj, in [min, max], or explain why not. */
static int
req_int(struct json_object *obj, const char *where, const char *key,
    int64_t min, int64_t max, int64_t *val, char *err, size_t errsz)
{
	int	 rc;

	if ((rc = json_get_int(obj, key, min, max, val)) == 0)
		return 0;
	if (rc == 1)
		snprintf(err, errsz, "missing member \"%s%s\"", where, key);
	else
		snprintf(err, errsz, "member \"%s%s\" must be an integer "
		    "from %lld to %lld", where, key, (long long)min,
		    (long long)max);
	return -1;
}

/* Fetch boolean member key of obj or explain why not. */
static int
req_bool(struct json_object *obj, const char *where, const char *key,
    int *val, char *err, size_t errsz)
{
	int	 rc;

	if ((rc = json_get_bool(obj, key, val)) == 0)
		return 0;
	snprintf(err, errsz, rc == 1 ? "missing member \"%s%s\"" :
	    "member \"%s%s\" must be true or false", where, key);
	return -1;
}

/* Fetch object member key of obj, holding only allowed members. */
static int
req_obj(struct json_object *obj, const char *key, const char *const *allowed,
    struct json_object **val, char *err, size_t errsz)
{
	const char	*bad = NULL;
	char		 clean[64];
	int		 rc;

	if ((rc = json_get_obj(obj, key, val)) != 0) {
		snprintf(err, errsz, rc == 1 ? "missing member \"%s\"" :
		    "member \"%s\" must be an object", key);
		return -1;
	}
	if (json_only_members(*val, allowed, &bad) == -1) {
		log_sanitize(clean, sizeof(clean), bad ? bad : "",
		    bad ? strlen(bad) : 0);
		snprintf(err, errsz, "unknown member \"%s.%s\"", key, clean);
		return -1;
	}
	return 0;
}

/*
 * The resolver setting: "" (system resolver) or "ADDR:PORT" with ADDR an
 * IPv4 address or a bracketed IPv6 address; written as libunbound's
 * "ADDR@PORT" into out.
 */
static int
req_resolver(const char *s, size_t len, char *out, size_t outsz)
{
	char		 addr[VAL_ADDRSTRLEN + 2];
	const char	*colon, *a, *p;
	size_t		 alen;
	struct vaddr	 va;
	long		 port;
	char		*end;

	out[0] = '\0';
	if (len == 0)
		return 0;
	if ((colon = strrchr(s, ':')) == NULL)
		return -1;
	a = s;
	alen = (size_t)(colon - s);
	if (s[0] == '[') {
		if (alen < 3 || s[alen - 1] != ']')
			return -1;
		a = s + 1;
		alen -= 2;
	}
	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, a, alen);
	addr[alen] = '\0';
	if (vaddr_parse(addr, &va) == -1 || (va.v6 && s[0] != '['))
		return -1;
	p = colon + 1;
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	port = strtol(p, &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535)
		return -1;
	if ((size_t)snprintf(out, outsz, "%s@%ld", addr, port) >= outsz)
		return -1;
	return 0;
}

/*
 * Parse and check the request buf[0..len) into r (zeroed first).  Returns
 * 0, or -1 with a sentence in err.  On success r->json holds the parsed
 * object (vreq_clear() frees it).
 */
static int
vreq_parse(const char *buf, size_t len, struct vreq *r, char *err,
    size_t errsz)
{
	struct json_object	*id, *set, *arr, *el;
	struct perr		 perr;
	const char		*s, *bad = NULL;
	size_t			 slen, i, toklen;
	int64_t			 n;
	char			 clean[64];
	struct vaddr		 va;
	int			 rc = -1;

	memset(r, 0, sizeof(*r));
	memset(&perr, 0, sizeof(perr));
	if ((r->json = json_parse_strict(buf, len, &perr)) == NULL) {
		snprintf(err, errsz, "%.200s", perr.detail);
		goto out;
	}
	if (json_only_members(r->json, req_top, &bad) == -1) {
		log_sanitize(clean, sizeof(clean), bad ? bad : "",
		    bad ? strlen(bad) : 0);
		snprintf(err, errsz, "unknown member \"%s\"", clean);
		goto out;
	}
	if (req_int(r->json, "", "v", 1, 1, &n, err, errsz) == -1)
		goto out;

	if (req_str(r->json, "", "type", &s, NULL, err, errsz) == -1)
		goto out;
	for (i = 0; i < VAL__MAX; i++)
		if (strcmp(s, val_method_str[i]) == 0)
			break;
	if (i == VAL__MAX) {
		snprintf(err, errsz, "member \"type\" must be http-01, dns-01 "
		    "or tls-alpn-01");
		goto out;
	}
	r->method = (enum val_method)i;

	if (req_obj(r->json, "identifier", req_ident, &id, err, errsz) == -1)
		goto out;
	if (req_str(id, "identifier.", "type", &s, NULL, err, errsz) == -1)
		goto out;
	if (strcmp(s, "ip") == 0)
		r->is_ip = 1;
	else if (strcmp(s, "dns") != 0) {
		snprintf(err, errsz, "member \"identifier.type\" must be dns "
		    "or ip");
		goto out;
	}
	if (req_str(id, "identifier.", "value", &s, &slen, err, errsz) == -1)
		goto out;
	if (r->is_ip) {
		if (slen >= sizeof(r->name) || vaddr_parse(s, &va) == -1) {
			snprintf(err, errsz, "identifier.value is not an IP "
			    "address");
			goto out;
		}
		vaddr_str(&va, r->name, sizeof(r->name));
		if (r->method == VAL_DNS01) {
			snprintf(err, errsz, "dns-01 cannot validate an IP "
			    "identifier (RFC 8738 section 7)");
			goto out;
		}
	} else {
		if (slen > 2 && s[0] == '*' && s[1] == '.') {
			r->wildcard = 1;
			s += 2;
			slen -= 2;
		}
		if (!val_name_is_valid(s, slen) || vaddr_is_literal(s)) {
			snprintf(err, errsz, "identifier.value is not a DNS "
			    "name");
			goto out;
		}
		for (i = 0; i < slen; i++)
			r->name[i] = (char)tolower((unsigned char)s[i]);
		r->name[slen] = '\0';
		if (r->wildcard && r->method != VAL_DNS01) {
			snprintf(err, errsz, "a wildcard identifier can only "
			    "be validated with dns-01");
			goto out;
		}
	}

	if (req_str(r->json, "", "token", &r->token, &toklen, err,
	    errsz) == -1)
		goto out;
	for (i = 0; i < toklen; i++)
		if (!b64url_char_is_valid(r->token[i]))
			break;
	if (toklen == 0 || toklen > 256 || i < toklen) {
		snprintf(err, errsz, "member \"token\" must be 1 to 256 "
		    "base64url characters");
		goto out;
	}
	if (req_str(r->json, "", "key_authorization", &r->keyauth,
	    &r->keyauthsz, err, errsz) == -1)
		goto out;
	for (i = toklen + 1; i < r->keyauthsz; i++)
		if (!b64url_char_is_valid(r->keyauth[i]))
			break;
	if (r->keyauthsz <= toklen + 1 || r->keyauthsz > toklen + 1 + 128 ||
	    strncmp(r->keyauth, r->token, toklen) != 0 ||
	    r->keyauth[toklen] != '.' || i < r->keyauthsz) {
		snprintf(err, errsz, "member \"key_authorization\" must be "
		    "TOKEN.THUMBPRINT");
		goto out;
	}
	if (req_str(r->json, "", "account_uri", &r->account_uri, &slen, err,
	    errsz) == -1)
		goto out;
	for (i = 0; i < slen; i++)
		if (r->account_uri[i] <= 0x20 || r->account_uri[i] >= 0x7f)
			break;
	if (slen > 2048 || i < slen) {
		snprintf(err, errsz, "member \"account_uri\" must be a URI "
		    "of printable ASCII");
		goto out;
	}

	if (req_obj(r->json, "settings", req_settings, &set, err,
	    errsz) == -1)
		goto out;
	if (req_int(set, "settings.", "http_port", 1, 65535, &n, err,
	    errsz) == -1)
		goto out;
	r->http_port = (unsigned int)n;
	if (req_int(set, "settings.", "tls_port", 1, 65535, &n, err,
	    errsz) == -1)
		goto out;
	r->tls_port = (unsigned int)n;
	if (req_str(set, "settings.", "resolver", &s, &slen, err,
	    errsz) == -1)
		goto out;
	if (req_resolver(s, slen, r->resolver, sizeof(r->resolver)) == -1) {
		snprintf(err, errsz, "member \"settings.resolver\" must be "
		    "empty or ADDRESS:PORT");
		goto out;
	}
	if (req_bool(set, "settings.", "allow_private", &r->allow_private,
	    err, errsz) == -1)
		goto out;
	if (req_int(set, "settings.", "timeout_ms", 100, 300000, &n, err,
	    errsz) == -1)
		goto out;
	r->timeout_ms = (unsigned int)n;
	if (req_bool(set, "settings.", "check_caa", &r->check_caa, err,
	    errsz) == -1)
		goto out;
	if (json_get_array(set, "caa_identities", &arr) != 0) {
		snprintf(err, errsz, "member \"settings.caa_identities\" "
		    "must be an array of strings");
		goto out;
	}
	if (json_object_array_length(arr) > VAL_MAX_CAA_IDS) {
		snprintf(err, errsz, "more than %d caa_identities",
		    VAL_MAX_CAA_IDS);
		goto out;
	}
	for (i = 0; i < json_object_array_length(arr); i++) {
		el = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(el, json_type_string) ||
		    !val_name_is_valid(json_object_get_string(el),
		    (size_t)json_object_get_string_len(el))) {
			snprintf(err, errsz, "settings.caa_identities[%zu] "
			    "is not a domain name", i);
			goto out;
		}
		r->caa_ids[r->caa_idssz++] = json_object_get_string(el);
	}
	rc = 0;
out:
	if (rc == -1 && r->json != NULL) {
		json_object_put(r->json);
		r->json = NULL;
	}
	return rc;
}

/* Free what vreq_parse() left in r. */
static void
vreq_clear(struct vreq *r)
{
	if (r->json != NULL)
		json_object_put(r->json);
	r->json = NULL;
}

/* Read all of fd 0, at most VAL_IO_MAX bytes, into a new NUL-ended buf. */
static int
val_read_request(char **bufp, size_t *lenp)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 n;
	int	 rc = -1;

	if ((buf = malloc(VAL_IO_MAX + 2)) == NULL) {
		log_warn("malloc");
		goto out;
	}
	for (;;) {
		n = read(STDIN_FILENO, buf + len, VAL_IO_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("request: read");
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > VAL_IO_MAX) {
			log_warnx("request: larger than %d bytes", VAL_IO_MAX);
			goto out;
		}
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Write the verdict as one line of JSON on stdout. */
static int
val_write_verdict(const struct vreq *req, const struct vres *res)
{
	struct json_object	*v = NULL, *e, *a;
	const char		*s;
	size_t			 len, off = 0, i;
	ssize_t			 n;
	int			 rc = -1;

	if ((v = json_object_new_object()) == NULL ||
	    (a = json_object_new_array()) == NULL)
		goto out;
	json_object_object_add(v, "v", json_object_new_int(1));
	json_object_object_add(v, "status", json_object_new_string(
	    res->prob == ACME_PROB_NONE ? "valid" : "invalid"));
	if (res->prob != ACME_PROB_NONE) {
		if ((e = json_object_new_object()) == NULL) {
			json_object_put(a);
			goto out;
		}
		json_object_object_add(e, "type",
		    json_object_new_string(acme_prob_type[res->prob]));
		json_object_object_add(e, "detail",
		    json_object_new_string(res->detail));
		json_object_object_add(v, "error", e);
	}
	for (i = 0; i < res->addrsz; i++)
		json_object_array_add(a, json_object_new_string(res->addrs[i]));
	json_object_object_add(v, "addresses", a);
	json_object_object_add(v, "method",
	    json_object_new_string(val_method_str[req->method]));
	if ((s = json_compact(v)) == NULL)
		goto out;
	len = strlen(s);
	if (len >= VAL_IO_MAX) {
		log_warnx("verdict too large");
		goto out;
	}
	while (off < len) {
		n = write(STDOUT_FILENO, s + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("verdict: write");
			goto out;
		}
		off += (size_t)n;
	}
	while ((n = write(STDOUT_FILENO, "\n", 1)) == -1 && errno == EINTR)
		;
	if (n != 1)
		goto out;
	rc = 0;
out:
	json_object_put(v);
	return rc;
}

/* Print the synopsis and exit 1. */
static void
usage(void)
{
	fprintf(stderr, "usage: acmegw-validate [-dq] < request\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct vreq	 req;
	struct vres	 res;
	struct rlimit	 rl;
	struct sigaction sa;
	char		*buf = NULL, err[256], detail[sizeof(res.detail)];
	size_t		 len;
	int		 ch, level = 1, rc = 1, curl_up = 0;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	while ((ch = getopt(argc, argv, "dq")) != -1) {
		switch (ch) {
		case 'd':
			level = 2;
			break;
		case 'q':
			level = 0;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("acmegw-validate", level);
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = val_late_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == -1) {
		log_warn("sigaction");
		goto out;
	}

	/* A parent that never closes our stdin must not keep us forever. */
	alarm(VAL_READ_SECS);
	if (val_read_request(&buf, &len) == -1)
		goto out;
	alarm(0);
	if (vreq_parse(buf, len, &req, err, sizeof(err)) == -1) {
		log_warnx("malformed request: %s", err);
		goto out;
	}

	/* The deadline runs from here; the timer is only the backstop. */
	req.deadline = val_clock_ms() + req.timeout_ms;
	if (val_backstop_arm(&req) == -1) {
		log_warn("backstop timer");
		goto out;
	}
	if (getrlimit(RLIMIT_CPU, &rl) == 0) {
		rl.rlim_cur = req.timeout_ms / 1000 + 5;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_CPU, &rl);
	}
	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) {
		log_warnx("curl_global_init failed");
		goto out;
	}
	curl_up = 1;
	log_debug("%s for %s %s, timeout %u ms, resolver %s",
	    val_method_str[req.method], req.is_ip ? "ip" : "dns", req.name,
	    req.timeout_ms, req.resolver[0] ? req.resolver : "system");

	switch (req.method) {
	case VAL_HTTP01:
		(void)val_http01(&req, &res);
		break;
	case VAL_DNS01:
		(void)val_dns01(&req, &res);
		break;
	case VAL_TLSALPN01:
		(void)val_tlsalpn01(&req, &res);
		break;
	default:
		abort();
	}
	if (res.prob == ACME_PROB_NONE && !req.is_ip && req.check_caa &&
	    req.caa_idssz > 0)
		(void)val_caa(&req, &res);
	/* Still under the backstop: stopping the resolver thread is bounded. */
	vdns_ctx_free();
	val_backstop_disarm();

	log_sanitize(detail, sizeof(detail), res.detail, strlen(res.detail));
	if (res.prob == ACME_PROB_SERVER_INTERNAL) {
		log_warnx("%s for %s: internal failure: %s",
		    val_method_str[req.method], req.name, detail);
		goto out;
	}
	if (res.prob == ACME_PROB_NONE)
		log_info("%s for %s: valid", val_method_str[req.method],
		    req.name);
	else
		log_info("%s for %s: invalid (%s): %s",
		    val_method_str[req.method], req.name,
		    acme_prob_type[res.prob], detail);
	if (val_write_verdict(&req, &res) == -1)
		goto out;
	rc = 0;
out:
	if (curl_up)
		curl_global_cleanup();
	vreq_clear(&req);
	free(buf);
	return rc;
}

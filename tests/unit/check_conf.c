/*
 * check_conf.c: unit tests for conf.c, the acmegw.conf parser.
 *
 * Most cases are bad files: every key with every kind of bad value, the
 * structural errors (no '=', unknown or repeated key, NUL, long lines,
 * control bytes) and missing required keys, each checked for the exact
 * "NAME:LINE: " prefix.  Good values are checked through conf_dump(), which
 * must parse back to the same settings.
 */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acmegw.h"

#define NAME	"t.conf"
#define BASE	"base_url = https://acme.example.org/acme\n"
#define STATE	"state_dir = /var/lib/acmegw\n"
#define REQ	BASE STATE

static char	 err[512];

/* Parse a NUL-terminated text into a fresh *c. */
static int
parse(struct conf *c, const char *text)
{
	conf_init(c);
	memset(err, 'X', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	return conf_parse_buf(c, NAME, text, strlen(text), err, sizeof(err));
}

/* Parse text, which must fail, and return the message. */
static const char *
parse_bad(const char *text)
{
	struct conf	 c;
	int		 rc;

	rc = parse(&c, text);
	conf_clear(&c);
	ck_assert_msg(rc == -1, "accepted: %s", text);
	return err;
}

/* The conf_dump() output of c, to be freed. */
static char *
dump(const struct conf *c)
{
	char	*buf = NULL;
	size_t	 sz = 0;
	FILE	*fp;

	fp = open_memstream(&buf, &sz);
	ck_assert_ptr_nonnull(fp);
	conf_dump(c, fp);
	fclose(fp);
	return buf;
}

static void
assert_prefix(const char *s, const char *prefix)
{
	ck_assert_msg(strncmp(s, prefix, strlen(prefix)) == 0,
	    "\"%s\" does not start with \"%s\"", s, prefix);
}

static void
assert_has(const char *s, const char *part)
{
	ck_assert_msg(strstr(s, part) != NULL, "\"%s\" lacks \"%s\"", s, part);
}

/* Every message says what to do, in parentheses at the end. */
static void
assert_advice(const char *s)
{
	size_t	 n = strlen(s);

	ck_assert_msg(n > 2 && s[n - 1] == ')' && strchr(s, '(') != NULL,
	    "no advice in \"%s\"", s);
}

/* ------------------------------------------------------------------ */
/* conf_init                                                            */
/* ------------------------------------------------------------------ */

START_TEST(test_conf_init_defaults)
{
	struct conf	 c;

	memset(&c, 0xa5, sizeof(c));
	conf_init(&c);
	ck_assert_ptr_null(c.path);
	ck_assert_ptr_null(c.base_url);
	ck_assert_ptr_null(c.state_dir);
	ck_assert_int_eq(c.enrollment, ENROLL_OPEN);
	ck_assert_ptr_null(c.terms_of_service);
	ck_assert_ptr_null(c.website);
	ck_assert_ptr_null(c.caa_identities);
	ck_assert_uint_eq(c.caa_identitiessz, 0);
	ck_assert_uint_eq(c.nonce_lifetime, 3600);
	ck_assert_uint_eq(c.max_body_size, 65536);
	ck_assert_uint_eq(c.max_contacts, 10);
	ck_assert_uint_eq(c.orders_per_page, 100);
	ck_assert_uint_eq(c.lock_timeout, 2000);
	ck_assert_uint_eq(c.txn_retries, 5);
	ck_assert_uint_eq(c.db_cache_size, 8192);
	ck_assert_uint_eq(c.min_free_space, 32768);
	ck_assert_uint_eq(c.worker_idle_exit, 300);
	ck_assert_str_eq(c.worker_path, LIBEXECDIR "/acmegw-worker");
	ck_assert_int_eq(c.log_level, 1);
	/* Issue 3. */
	ck_assert_uint_eq(c.max_identifiers, 100);
	ck_assert_ptr_null(c.allowed_domains);
	ck_assert_uint_eq(c.allowed_domainssz, 0);
	ck_assert_ptr_null(c.forbidden_domains);
	ck_assert_uint_eq(c.forbidden_domainssz, 0);
	ck_assert_uint_eq(c.authz_reuse, 30 * 86400);
	ck_assert_int_eq(c.pre_authorization, 0);
	ck_assert_uint_eq(c.challenge_types, (1U << CHALL_HTTP01) |
	    (1U << CHALL_DNS01) | (1U << CHALL_TLSALPN01));
	ck_assert_uint_eq(c.order_lifetime, 7 * 86400);
	ck_assert_uint_eq(c.authz_lifetime, 7 * 86400);
	ck_assert_uint_eq(c.max_validity, 90 * 86400);
	ck_assert_uint_eq(c.crl_interval, 86400);
	ck_assert_uint_eq(c.validate_http_port, 80);
	ck_assert_uint_eq(c.validate_tls_port, 443);
	ck_assert_ptr_null(c.resolver);
	ck_assert_int_eq(c.allow_private_targets, 0);
	ck_assert_uint_eq(c.validation_timeout, 10000);
	ck_assert_uint_eq(c.max_validations, 16);
	ck_assert_uint_eq(c.validation_attempts, 3);
	ck_assert_str_eq(c.validator_path, LIBEXECDIR "/acmegw-validate");
	conf_clear(&c);
}
END_TEST

START_TEST(test_conf_init_minimal_file_keeps_defaults)
{
	struct conf	 c, d;
	char		*a, *b;

	ck_assert_int_eq(parse(&c, REQ), 0);
	ck_assert_str_eq(c.base_url, "https://acme.example.org/acme");
	ck_assert_str_eq(c.state_dir, "/var/lib/acmegw");
	conf_init(&d);
	d.base_url = strdup(c.base_url);
	d.state_dir = strdup(c.state_dir);
	a = dump(&c);
	b = dump(&d);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	conf_clear(&c);
	conf_clear(&d);
}
END_TEST

/* ------------------------------------------------------------------ */
/* conf_parse_buf: good files                                           */
/* ------------------------------------------------------------------ */

static const char full_file[] =
    "# acmegw.conf: every key\n"
    "\n"
    "base_url = https://acme.example.org:8443/acme/\n"
    "state_dir = /srv/acmegw/state\n"
    "enrollment = eab\n"
    "terms_of_service = https://acme.example.org/tos.pdf#page=2\n"
    "website = http://www.example.org/pki?lang=en\n"
    "caa_identities = CA.Example.ORG, acme.example.org  pki.example.net\n"
    "nonce_lifetime = 2h\n"
    "max_body_size = 128k\n"
    "max_contacts = 3\n"
    "orders_per_page = 50\n"
    "lock_timeout = 5s\n"
    "txn_retries = 7\n"
    "db_cache_size = 64m\n"
    "worker_idle_exit = 1d\n"
    "worker_path = /opt/acmegw/libexec/acmegw-worker\n"
    "log_level = debug\n"
    "max_identifiers = 20\n"
    "allowed_domains = Example.ORG, internal.example\n"
    "forbidden_domains = secret.example.org\n"
    "authz_reuse = 0\n"
    "pre_authorization = yes\n"
    "challenge_types = dns-01, http-01\n"
    "order_lifetime = 2d\n"
    "authz_lifetime = 36h\n"
    "max_validity = 30d\n"
    "validate_http_port = 5002\n"
    "validate_tls_port = 5001\n"
    "resolver = 127.0.0.1:8053\n"
    "allow_private_targets = yes\n"
    "validation_timeout = 5s\n"
    "max_validations = 4\n"
    "validation_attempts = 1\n"
    "validator_path = /opt/acmegw/libexec/acmegw-validate\n";

START_TEST(test_conf_parse_buf_full_file)
{
	struct conf	 c;

	ck_assert_int_eq(parse(&c, full_file), 0);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(c.base_url, "https://acme.example.org:8443/acme");
	ck_assert_str_eq(c.state_dir, "/srv/acmegw/state");
	ck_assert_int_eq(c.enrollment, ENROLL_EAB);
	ck_assert_str_eq(c.terms_of_service,
	    "https://acme.example.org/tos.pdf#page=2");
	ck_assert_str_eq(c.website, "http://www.example.org/pki?lang=en");
	ck_assert_uint_eq(c.caa_identitiessz, 3);
	ck_assert_str_eq(c.caa_identities[0], "ca.example.org");
	ck_assert_str_eq(c.caa_identities[1], "acme.example.org");
	ck_assert_str_eq(c.caa_identities[2], "pki.example.net");
	ck_assert_uint_eq(c.nonce_lifetime, 7200);
	ck_assert_uint_eq(c.max_body_size, 131072);
	ck_assert_uint_eq(c.max_contacts, 3);
	ck_assert_uint_eq(c.orders_per_page, 50);
	ck_assert_uint_eq(c.lock_timeout, 5000);
	ck_assert_uint_eq(c.txn_retries, 7);
	ck_assert_uint_eq(c.db_cache_size, 65536);
	ck_assert_uint_eq(c.worker_idle_exit, 86400);
	ck_assert_str_eq(c.worker_path, "/opt/acmegw/libexec/acmegw-worker");
	ck_assert_int_eq(c.log_level, 2);
	ck_assert_uint_eq(c.max_identifiers, 20);
	ck_assert_uint_eq(c.allowed_domainssz, 2);
	ck_assert_str_eq(c.allowed_domains[0], "example.org");
	ck_assert_str_eq(c.allowed_domains[1], "internal.example");
	ck_assert_uint_eq(c.forbidden_domainssz, 1);
	ck_assert_str_eq(c.forbidden_domains[0], "secret.example.org");
	ck_assert_uint_eq(c.authz_reuse, 0);
	ck_assert_int_eq(c.pre_authorization, 1);
	ck_assert_uint_eq(c.challenge_types, (1U << CHALL_HTTP01) |
	    (1U << CHALL_DNS01));
	ck_assert_uint_eq(c.order_lifetime, 2 * 86400);
	ck_assert_uint_eq(c.authz_lifetime, 36 * 3600);
	ck_assert_uint_eq(c.max_validity, 30 * 86400);
	ck_assert_uint_eq(c.validate_http_port, 5002);
	ck_assert_uint_eq(c.validate_tls_port, 5001);
	ck_assert_str_eq(c.resolver, "127.0.0.1:8053");
	ck_assert_int_eq(c.allow_private_targets, 1);
	ck_assert_uint_eq(c.validation_timeout, 5000);
	ck_assert_uint_eq(c.max_validations, 4);
	ck_assert_uint_eq(c.validation_attempts, 1);
	ck_assert_str_eq(c.validator_path,
	    "/opt/acmegw/libexec/acmegw-validate");
	conf_clear(&c);
}
END_TEST

START_TEST(test_conf_parse_buf_comments_and_blank_lines)
{
	struct conf	 c;

	ck_assert_int_eq(parse(&c,
	    "#\n"
	    "   # indented comment = with an equals sign\n"
	    "\t# tab-indented comment\n"
	    "\n"
	    "   \n"
	    "\t \t\n"
	    "#max_contacts = 0\n"
	    BASE
	    "  # between\n"
	    STATE
	    "# the end, no newline"), 0);
	ck_assert_uint_eq(c.max_contacts, 10);
	conf_clear(&c);
}
END_TEST

/* A '#' after the start of a value belongs to the value. */
START_TEST(test_conf_parse_buf_hash_inside_value)
{
	struct conf	 c;

	ck_assert_int_eq(parse(&c, REQ
	    "website = https://www.example.org/#contact\n"), 0);
	ck_assert_str_eq(c.website, "https://www.example.org/#contact");
	conf_clear(&c);
}
END_TEST

START_TEST(test_conf_parse_buf_whitespace_trimmed)
{
	struct conf	 c;

	ck_assert_int_eq(parse(&c,
	    "  \tbase_url\t=\t https://acme.example.org/x \t\n"
	    "state_dir=/s\n"
	    "max_contacts   =5   \n"), 0);
	ck_assert_str_eq(c.base_url, "https://acme.example.org/x");
	ck_assert_str_eq(c.state_dir, "/s");
	ck_assert_uint_eq(c.max_contacts, 5);
	conf_clear(&c);
}
END_TEST

/* Only the first '=' separates: the value may contain more. */
START_TEST(test_conf_parse_buf_equals_in_value)
{
	struct conf	 c;

	ck_assert_int_eq(parse(&c, REQ
	    "terms_of_service = https://e.example/tos?a=b&c=d\n"), 0);
	ck_assert_str_eq(c.terms_of_service, "https://e.example/tos?a=b&c=d");
	conf_clear(&c);
}
END_TEST

START_TEST(test_conf_parse_buf_crlf)
{
	struct conf	 c;

	ck_assert_int_eq(parse(&c,
	    "# windows\r\n"
	    "\r\n"
	    "base_url = https://acme.example.org/acme/\r\n"
	    "state_dir = /var/lib/acmegw\r\n"
	    "log_level = warn\r\n"), 0);
	ck_assert_str_eq(c.base_url, "https://acme.example.org/acme");
	ck_assert_str_eq(c.state_dir, "/var/lib/acmegw");
	ck_assert_int_eq(c.log_level, 0);
	conf_clear(&c);
}
END_TEST

START_TEST(test_conf_parse_buf_crlf_error_line)
{
	const char	*e;

	e = parse_bad("# a\r\n\r\n" "max_contacts = 0\r\n" REQ);
	assert_prefix(e, NAME ":3: max_contacts: \"0\" is out of range");
	/* The \r is not shown as part of the value. */
	ck_assert_ptr_null(strstr(e, "\\x0d"));
}
END_TEST

START_TEST(test_conf_parse_buf_no_final_newline)
{
	struct conf	 c;

	ck_assert_int_eq(parse(&c, REQ "txn_retries = 9"), 0);
	ck_assert_uint_eq(c.txn_retries, 9);
	conf_clear(&c);
}
END_TEST

/* Not NUL-terminated: only len bytes are read. */
START_TEST(test_conf_parse_buf_length_bounded)
{
	struct conf	 c;
	const char	 text[] = REQ "txn_retries = 97\n";

	conf_init(&c);
	ck_assert_int_eq(conf_parse_buf(&c, NAME, text, strlen(text) - 2,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(c.txn_retries, 9);
	conf_clear(&c);
	conf_init(&c);
	ck_assert_int_eq(conf_parse_buf(&c, NAME, text, strlen(text) - 3,
	    err, sizeof(err)), -1);
	assert_prefix(err, NAME ":3: txn_retries: the value is empty");
	conf_clear(&c);
}
END_TEST

START_TEST(test_conf_parse_buf_base_url_trailing_slash)
{
	struct conf	 c;

	ck_assert_int_eq(parse(&c, "base_url = https://acme.example.org/\n"
	    STATE), 0);
	ck_assert_str_eq(c.base_url, "https://acme.example.org");
	conf_clear(&c);
	ck_assert_int_eq(parse(&c, "base_url = http://acme.example.org\n"
	    STATE), 0);
	ck_assert_str_eq(c.base_url, "http://acme.example.org");
	conf_clear(&c);
	ck_assert_int_eq(parse(&c, "base_url = https://a.example/x/y/\n"
	    STATE), 0);
	ck_assert_str_eq(c.base_url, "https://a.example/x/y");
	conf_clear(&c);
}
END_TEST

START_TEST(test_conf_parse_buf_base_url_ip_and_port)
{
	struct conf	 c;

	ck_assert_int_eq(parse(&c, "base_url = https://127.0.0.1:8443/acme\n"
	    STATE), 0);
	ck_assert_str_eq(c.base_url, "https://127.0.0.1:8443/acme");
	conf_clear(&c);
	ck_assert_int_eq(parse(&c, "base_url = http://[::1]:65535/\n"
	    STATE), 0);
	ck_assert_str_eq(c.base_url, "http://[::1]:65535");
	conf_clear(&c);
	ck_assert_int_eq(parse(&c, "base_url = https://localhost:1/a%20b\n"
	    STATE), 0);
	ck_assert_str_eq(c.base_url, "https://localhost:1/a%20b");
	conf_clear(&c);
}
END_TEST

START_TEST(test_conf_parse_buf_tos_empty_means_none)
{
	struct conf	 c;

	ck_assert_int_eq(parse(&c, REQ "terms_of_service =\n"), 0);
	ck_assert_ptr_null(c.terms_of_service);
	conf_clear(&c);
	ck_assert_int_eq(parse(&c, REQ "terms_of_service =   \t\n"), 0);
	ck_assert_ptr_null(c.terms_of_service);
	conf_clear(&c);
}
END_TEST

START_TEST(test_conf_parse_buf_caa_separators)
{
	struct conf	 c;

	ck_assert_int_eq(parse(&c, REQ
	    "caa_identities = a.example,b.example , c.example\td.example\n"),
	    0);
	ck_assert_uint_eq(c.caa_identitiessz, 4);
	ck_assert_str_eq(c.caa_identities[0], "a.example");
	ck_assert_str_eq(c.caa_identities[1], "b.example");
	ck_assert_str_eq(c.caa_identities[2], "c.example");
	ck_assert_str_eq(c.caa_identities[3], "d.example");
	conf_clear(&c);
	ck_assert_int_eq(parse(&c, REQ "caa_identities = Localhost\n"), 0);
	ck_assert_uint_eq(c.caa_identitiessz, 1);
	ck_assert_str_eq(c.caa_identities[0], "localhost");
	conf_clear(&c);
}
END_TEST

#define LABEL32	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LABEL63	LABEL32 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LABEL64	LABEL32 LABEL32

/* Good values, checked through the dump: key, value, dumped line. */
static const struct {
	const char	*line;
	const char	*want;
} good[] = {
	{ "enrollment = open", "enrollment = open\n" },
	{ "enrollment = eab", "enrollment = eab\n" },
	{ "log_level = warn", "log_level = warn\n" },
	{ "log_level = info", "log_level = info\n" },
	{ "log_level = debug", "log_level = debug\n" },
	{ "nonce_lifetime = 60", "nonce_lifetime = 60\n" },
	{ "nonce_lifetime = 60s", "nonce_lifetime = 60\n" },
	{ "nonce_lifetime = 1m", "nonce_lifetime = 60\n" },
	{ "nonce_lifetime = 90m", "nonce_lifetime = 5400\n" },
	{ "nonce_lifetime = 24h", "nonce_lifetime = 86400\n" },
	{ "nonce_lifetime = 86400", "nonce_lifetime = 86400\n" },
	{ "nonce_lifetime = 1440m", "nonce_lifetime = 86400\n" },
	{ "max_body_size = 4096", "max_body_size = 4096\n" },
	{ "max_body_size = 4k", "max_body_size = 4096\n" },
	{ "max_body_size = 1024k", "max_body_size = 1048576\n" },
	{ "max_body_size = 1048576", "max_body_size = 1048576\n" },
	{ "max_contacts = 1", "max_contacts = 1\n" },
	{ "max_contacts = 100", "max_contacts = 100\n" },
	{ "orders_per_page = 1", "orders_per_page = 1\n" },
	{ "orders_per_page = 1000", "orders_per_page = 1000\n" },
	{ "lock_timeout = 100", "lock_timeout = 100\n" },
	{ "lock_timeout = 100ms", "lock_timeout = 100\n" },
	{ "lock_timeout = 2s", "lock_timeout = 2000\n" },
	{ "lock_timeout = 60s", "lock_timeout = 60000\n" },
	{ "lock_timeout = 60000ms", "lock_timeout = 60000\n" },
	{ "txn_retries = 1", "txn_retries = 1\n" },
	{ "txn_retries = 20", "txn_retries = 20\n" },
	{ "db_cache_size = 1024", "db_cache_size = 1024\n" },
	{ "db_cache_size = 1024k", "db_cache_size = 1024\n" },
	{ "db_cache_size = 1m", "db_cache_size = 1024\n" },
	{ "db_cache_size = 4096m", "db_cache_size = 4194304\n" },
	{ "db_cache_size = 4194304", "db_cache_size = 4194304\n" },
	{ "min_free_space = 0", "min_free_space = 0\n" },
	{ "min_free_space = 1024", "min_free_space = 1024\n" },
	{ "min_free_space = 1m", "min_free_space = 1024\n" },
	{ "min_free_space = 64m", "min_free_space = 65536\n" },
	{ "min_free_space = 2048k", "min_free_space = 2048\n" },
	{ "min_free_space = 1g", "min_free_space = 1048576\n" },
	{ "min_free_space = 1024g", "min_free_space = 1073741824\n" },
	{ "worker_idle_exit = 10", "worker_idle_exit = 10\n" },
	{ "worker_idle_exit = 10s", "worker_idle_exit = 10\n" },
	{ "worker_idle_exit = 5m", "worker_idle_exit = 300\n" },
	{ "worker_idle_exit = 2h", "worker_idle_exit = 7200\n" },
	{ "worker_idle_exit = 7d", "worker_idle_exit = 604800\n" },
	{ "worker_path = /usr/lib/acmegw/w",
	    "worker_path = /usr/lib/acmegw/w\n" },
	{ "state_dir = /", "state_dir = /\n" },
	{ "website = https://www.example.org",
	    "website = https://www.example.org\n" },
	{ "location_header = X-Acmegw-Location",
	    "location_header = X-Acmegw-Location\n" },
	{ "caa_identities = x.example", "caa_identities = x.example\n" },
	{ "caa_identities = " LABEL63 ".example",
	    "caa_identities = " LABEL63 ".example\n" },
	{ "caa_identities = B.example A.example",
	    "caa_identities = b.example, a.example\n" },
	/* Issue 3: orders and authorizations. */
	{ "max_identifiers = 1", "max_identifiers = 1\n" },
	{ "max_identifiers = 1000", "max_identifiers = 1000\n" },
	{ "allowed_domains =", "# allowed_domains is not set\n" },
	{ "allowed_domains = example.org", "allowed_domains = example.org\n" },
	{ "allowed_domains = internal", "allowed_domains = internal\n" },
	{ "allowed_domains = A.Example,b.example c.example",
	    "allowed_domains = a.example, b.example, c.example\n" },
	{ "allowed_domains = xn--bcher-kva.example",
	    "allowed_domains = xn--bcher-kva.example\n" },
	{ "forbidden_domains =", "# forbidden_domains is not set\n" },
	{ "forbidden_domains = mil, gov",
	    "forbidden_domains = mil, gov\n" },
	{ "authz_reuse = 0", "authz_reuse = 0\n" },
	{ "authz_reuse = 30d", "authz_reuse = 2592000\n" },
	{ "authz_reuse = 398d", "authz_reuse = 34387200\n" },
	{ "authz_reuse = 8h", "authz_reuse = 28800\n" },
	{ "pre_authorization = no", "pre_authorization = no\n" },
	{ "pre_authorization = yes", "pre_authorization = yes\n" },
	{ "challenge_types = http-01", "challenge_types = http-01\n" },
	{ "challenge_types = tls-alpn-01,dns-01",
	    "challenge_types = dns-01 tls-alpn-01\n" },
	{ "challenge_types = dns-01 , http-01 tls-alpn-01",
	    "challenge_types = http-01 dns-01 tls-alpn-01\n" },
	{ "order_lifetime = 1h", "order_lifetime = 3600\n" },
	{ "order_lifetime = 3600", "order_lifetime = 3600\n" },
	{ "order_lifetime = 30d", "order_lifetime = 2592000\n" },
	{ "authz_lifetime = 60m", "authz_lifetime = 3600\n" },
	{ "authz_lifetime = 720h", "authz_lifetime = 2592000\n" },
	{ "max_validity = 1h", "max_validity = 3600\n" },
	{ "max_validity = 398d", "max_validity = 34387200\n" },
	/* Issue 3: validation. */
	{ "validate_http_port = 1", "validate_http_port = 1\n" },
	{ "validate_http_port = 65535", "validate_http_port = 65535\n" },
	{ "validate_tls_port = 8443", "validate_tls_port = 8443\n" },
	{ "resolver =", "# resolver is not set\n" },
	{ "resolver = 127.0.0.1:53", "resolver = 127.0.0.1:53\n" },
	{ "resolver = 192.0.2.53:65535", "resolver = 192.0.2.53:65535\n" },
	{ "resolver = [::1]:8053", "resolver = [::1]:8053\n" },
	{ "resolver = [2001:DB8:0:0::53]:1",
	    "resolver = [2001:db8::53]:1\n" },
	{ "allow_private_targets = no", "allow_private_targets = no\n" },
	{ "allow_private_targets = yes", "allow_private_targets = yes\n" },
	{ "validation_timeout = 1s", "validation_timeout = 1000\n" },
	{ "validation_timeout = 1000ms", "validation_timeout = 1000\n" },
	{ "validation_timeout = 120s", "validation_timeout = 120000\n" },
	{ "validation_timeout = 2500", "validation_timeout = 2500\n" },
	{ "max_validations = 1", "max_validations = 1\n" },
	{ "max_validations = 256", "max_validations = 256\n" },
	{ "validation_attempts = 1", "validation_attempts = 1\n" },
	{ "validation_attempts = 10", "validation_attempts = 10\n" },
	{ "validator_path = /usr/lib/acmegw/v",
	    "validator_path = /usr/lib/acmegw/v\n" },
	/* Issuance and revocation (issue 4). */
	{ "ca_cert = /etc/acmegw/ca.pem", "ca_cert = /etc/acmegw/ca.pem\n" },
	{ "ca_key = /etc/acmegw/ca.key", "ca_key = /etc/acmegw/ca.key\n" },
	{ "ca_key = pkcs11:token=ca;object=issuing;pin-value=1234",
	    "ca_key = pkcs11:token=ca;object=issuing;pin-value=1234\n" },
	{ "ca_chain = /etc/acmegw/root.pem",
	    "ca_chain = /etc/acmegw/root.pem\n" },
	{ "ca_chain =", "# ca_chain is not set\n" },
	{ "ca_alternate_chain = /etc/acmegw/alt.pem",
	    "ca_alternate_chain = /etc/acmegw/alt.pem\n" },
	{ "signer_path = /usr/lib/acmegw/s", "signer_path = /usr/lib/acmegw/s\n" },
	{ "signing_timeout = 5s", "signing_timeout = 5000\n" },
	{ "signing_timeout = 120s", "signing_timeout = 120000\n" },
	{ "signing_timeout = 1000ms", "signing_timeout = 1000\n" },
	{ "signing_wait = 100ms", "signing_wait = 100\n" },
	{ "signing_wait = 2s", "signing_wait = 2000\n" },
	{ "signing_wait = 5000", "signing_wait = 5000\n" },
	{ "revocation_reasons = 0 1 3 4 5 9 10",
	    "revocation_reasons = 0 1 3 4 5 9 10\n" },
	{ "revocation_reasons = 1, 0", "revocation_reasons = 0 1\n" },
	{ "crl_file = /var/www/ca.crl", "crl_file = /var/www/ca.crl\n" },
	{ "crl_validity = 1h", "crl_validity = 3600\n" },
	{ "crl_validity = 30d", "crl_validity = 2592000\n" },
	{ "crl_on_revoke = no", "crl_on_revoke = no\n" },
	{ "crl_interval = 0", "crl_interval = 0\n" },
	{ "crl_interval = 1h", "crl_interval = 3600\n" },
	{ "crl_interval = 30d", "crl_interval = 2592000\n" },
	{ "crl_interval = 86400", "crl_interval = 86400\n" },
	{ "ari_window = 1", "ari_window = 1\n" },
	{ "ari_window = 100", "ari_window = 100\n" },
	{ "profile.default.validity = 7d",
	    "profile.default.validity = 604800\n" },
	{ "profile.default.key_usage = digitalSignature",
	    "profile.default.key_usage = digitalSignature\n" },
	{ "profile.default.ext_key_usage = serverAuth",
	    "profile.default.ext_key_usage = serverAuth\n" },
	{ "profile.default.key_types = p256, ed25519",
	    "profile.default.key_types = p256 ed25519\n" },
	{ "profile.default.common_name = no",
	    "profile.default.common_name = no\n" },
	{ "profile.default.crl_url = http://ca.example.org/ca.crl",
	    "profile.default.crl_url = http://ca.example.org/ca.crl\n" },
	{ "profile.default.aia_url = http://ca.example.org/ca.der",
	    "profile.default.aia_url = http://ca.example.org/ca.der\n" },
	{ "profile.short-lived_1.validity = 6d",
	    "profile.short-lived_1.validity = 518400\n" },
	{ "profile.tls.common_name = no",
	    "profile.default.common_name = yes\n" },
};

START_TEST(test_conf_parse_buf_good_values)
{
	struct conf	 c;
	char		 text[512], *d;
	const char	*other;

	/* Put the line first; keep both required keys. */
	other = strncmp(good[_i].line, "state_dir", 9) == 0 ? BASE : REQ;
	snprintf(text, sizeof(text), "%s\n%s", good[_i].line, other);
	ck_assert_msg(parse(&c, text) == 0, "%s: %s", good[_i].line, err);
	d = dump(&c);
	assert_has(d, good[_i].want);
	free(d);
	conf_clear(&c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* conf_parse_buf: bad values                                           */
/* ------------------------------------------------------------------ */

/* Bad values: key, value, a part of the message. */
static const struct {
	const char	*key;
	const char	*value;
	const char	*why;
} bad[] = {
	/* base_url */
	{ "base_url", "acme.example.org/acme", "not an absolute URL" },
	{ "base_url", "//acme.example.org/acme", "not an absolute URL" },
	{ "base_url", "ftp://acme.example.org/acme", "not http://" },
	{ "base_url", "HTTPS://acme.example.org/acme", "not http://" },
	{ "base_url", "file:///etc/passwd", "not http:// or https://" },
	{ "base_url", "mailto:ca@example.org", "not an absolute URL" },
	{ "base_url", "https://", "has no host" },
	{ "base_url", "https:///acme", "has no host" },
	{ "base_url", "https://:443/acme", "has no host" },
	{ "base_url", "https://acme.example.org/acme?x=1", "query" },
	{ "base_url", "https://acme.example.org/acme?", "query" },
	{ "base_url", "https://acme.example.org?x", "query" },
	{ "base_url", "https://acme.example.org/acme#top", "fragment" },
	{ "base_url", "https://acme.example.org#", "fragment" },
	{ "base_url", "https://acme.example.org/ac me", "white space" },
	{ "base_url", "https://acme.example.org/ac\tme", "white space" },
	{ "base_url", "https://acme.example.org /acme", "white space" },
	{ "base_url", "https://acme.example.org/\xc3\xa9", "non-ASCII" },
	{ "base_url", "https://\xc3\xa9.example/", "non-ASCII" },
	{ "base_url", "https://acme.example.org/a//b", "empty segment" },
	{ "base_url", "https://acme.example.org//", "empty segment" },
	{ "base_url", "https://acme.example.org/acme//", "empty segment" },
	{ "base_url", "https://acme.example.org/./acme", "'.' or '..'" },
	{ "base_url", "https://acme.example.org/acme/..", "'.' or '..'" },
	{ "base_url", "https://acme.example.org/../x/", "'.' or '..'" },
	{ "base_url", "https://user@acme.example.org/", "user information" },
	{ "base_url", "https://u:p@acme.example.org/", "user information" },
	{ "base_url", "https://acme.example.org:0/", "port" },
	{ "base_url", "https://acme.example.org:65536/", "port" },
	{ "base_url", "https://acme.example.org:/", "port" },
	{ "base_url", "https://acme.example.org:443x/", "port" },
	{ "base_url", "https://acme.example.org:-1/", "port" },
	{ "base_url", "https://acme.example.org:0000443/", "port" },
	{ "base_url", "https://acme..example.org/", "empty label" },
	{ "base_url", "https://.example.org/", "empty label" },
	{ "base_url", "https://acme.example.org./", "ends with a dot" },
	{ "base_url", "https://-acme.example.org/", "hyphen" },
	{ "base_url", "https://acme-.example.org/", "hyphen" },
	{ "base_url", "https://ac_me.example.org/", "character other than" },
	{ "base_url", "https://1.2.3/", "looks like an IP address" },
	{ "base_url", "https://256.1.1.1/", "looks like an IP address" },
	{ "base_url", "https://[zz::1]/", "IPv6" },
	{ "base_url", "https://[::1/", "IPv6" },
	{ "base_url", "https://[]/", "IPv6" },
	{ "base_url", "https://[::1]x/", "junk" },
	{ "base_url", "https://acme.example.org/%zz", "'%'" },
	{ "base_url", "https://acme.example.org/a%2", "'%'" },
	{ "base_url", "https://acme.example.org/<script>", "percent-encoded" },
	{ "base_url", "https://acme.example.org/a\"b", "percent-encoded" },
	{ "base_url", "https://acme.example.org/a\\b", "percent-encoded" },
	{ "base_url", "https://acme.example.org/a|b", "percent-encoded" },
	{ "base_url", "https://acme.example.org/a`b", "percent-encoded" },
	{ "base_url", "https://acme.example.org/{x}", "percent-encoded" },
	{ "base_url", "https://" LABEL64 ".example/",
	    "longer than 63" },
	{ "base_url", "", "empty" },
	/* state_dir */
	{ "state_dir", "var/lib/acmegw", "not an absolute path" },
	{ "state_dir", "./state", "not an absolute path" },
	{ "state_dir", "~/state", "not an absolute path" },
	{ "state_dir", "", "empty" },
	/* enrollment */
	{ "enrollment", "Open", "unknown value" },
	{ "enrollment", "EAB", "unknown value" },
	{ "enrollment", "closed", "unknown value" },
	{ "enrollment", "open eab", "unknown value" },
	{ "enrollment", "0", "unknown value" },
	{ "enrollment", "bound", "unknown value" },
	{ "enrollment", "", "empty" },
	/* terms_of_service */
	{ "terms_of_service", "tos.html", "not an absolute URL" },
	{ "terms_of_service", "/tos.html", "not an absolute URL" },
	{ "terms_of_service", "ftp://acme.example.org/tos", "not http://" },
	{ "terms_of_service", "https://a.example/my tos", "white space" },
	{ "terms_of_service", "https:///tos", "has no host" },
	{ "terms_of_service", "https://a.example/tos%", "'%'" },
	{ "terms_of_service", "https://a.example/t#a#b", "percent-encoded" },
	{ "terms_of_service", "https://a.example/t?<x>", "percent-encoded" },
	/* location_header */
	{ "location_header", "", "empty" },
	{ "location_header", "X Acmegw", "not a name" },
	{ "location_header", "X-Acmegw:Location", "not a name" },
	/* website */
	{ "website", "", "empty" },
	{ "website", "www.example.org", "not an absolute URL" },
	{ "website", "javascript:alert(1)", "not an absolute URL" },
	{ "website", "gopher://www.example.org/", "not http://" },
	{ "website", "https://www.example.org:99999/", "port" },
	/* caa_identities */
	{ "caa_identities", "", "empty" },
	{ "caa_identities", "a.example,,b.example", "empty name" },
	{ "caa_identities", ",a.example", "empty name" },
	{ "caa_identities", "a.example , , b.example", "empty name" },
	{ "caa_identities", "a.example,", "ends with a comma" },
	{ "caa_identities", "a.example b.example a.example", "listed twice" },
	{ "caa_identities", "A.example a.EXAMPLE", "listed twice" },
	{ "caa_identities", "-bad.example", "hyphen" },
	{ "caa_identities", "bad-.example", "hyphen" },
	{ "caa_identities", "bad_name.example", "character other than" },
	{ "caa_identities", "ca.example;x", "character other than" },
	{ "caa_identities", "https://ca.example", "character other than" },
	{ "caa_identities", "192.0.2.1", "IP address" },
	{ "caa_identities", "ca.example.", "ends with a dot" },
	{ "caa_identities", "ca..example", "empty label" },
	{ "caa_identities", "\xc3\xa9.example", "character other than" },
	{ "caa_identities", LABEL63 "." LABEL63 "." LABEL63 "." LABEL63,
	    "longer than 253" },
	{ "caa_identities", LABEL64 ".example",
	    "longer than 63" },
	/* nonce_lifetime */
	{ "nonce_lifetime", "", "empty" },
	{ "nonce_lifetime", "0", "out of range" },
	{ "nonce_lifetime", "59", "out of range" },
	{ "nonce_lifetime", "59s", "out of range" },
	{ "nonce_lifetime", "86401", "out of range" },
	{ "nonce_lifetime", "25h", "out of range" },
	{ "nonce_lifetime", "1441m", "out of range" },
	{ "nonce_lifetime", "1d", "unknown unit" },
	{ "nonce_lifetime", "1H", "unknown unit" },
	{ "nonce_lifetime", "60ms", "unknown unit" },
	{ "nonce_lifetime", "1hour", "unknown unit" },
	{ "nonce_lifetime", "60 s", "unknown unit" },
	{ "nonce_lifetime", "1h30m", "unknown unit" },
	{ "nonce_lifetime", "-60", "not a number" },
	{ "nonce_lifetime", "+60", "not a number" },
	{ "nonce_lifetime", "h", "not a number" },
	{ "nonce_lifetime", "one hour", "not a number" },
	{ "nonce_lifetime", "0x100", "unknown unit" },
	{ "nonce_lifetime", "1e3", "unknown unit" },
	{ "nonce_lifetime", "3600.0", "unknown unit" },
	{ "nonce_lifetime", "03600", "leading zero" },
	{ "nonce_lifetime", "18446744073709551616", "far too large" },
	{ "nonce_lifetime", "99999999999999999999999999", "far too large" },
	{ "nonce_lifetime", "18446744073709551615", "out of range" },
	{ "nonce_lifetime", "18446744073709551615h", "far too large" },
	{ "nonce_lifetime", "4294967356", "out of range" },
	/* max_body_size */
	{ "max_body_size", "", "empty" },
	{ "max_body_size", "0", "out of range" },
	{ "max_body_size", "4095", "out of range" },
	{ "max_body_size", "3k", "out of range" },
	{ "max_body_size", "1048577", "out of range" },
	{ "max_body_size", "1025k", "out of range" },
	{ "max_body_size", "64K", "unknown unit" },
	{ "max_body_size", "64kb", "unknown unit" },
	{ "max_body_size", "64KiB", "unknown unit" },
	{ "max_body_size", "1m", "unknown unit" },
	{ "max_body_size", "64 k", "unknown unit" },
	{ "max_body_size", "-65536", "not a number" },
	{ "max_body_size", "018446744073709551616k", "far too large" },
	{ "max_body_size", "18014398509481984k", "far too large" },
	/* max_contacts */
	{ "max_contacts", "", "empty" },
	{ "max_contacts", "0", "out of range" },
	{ "max_contacts", "101", "out of range" },
	{ "max_contacts", "4294967297", "out of range" },
	{ "max_contacts", "10s", "junk after" },
	{ "max_contacts", "1.5", "junk after" },
	{ "max_contacts", "ten", "not a number" },
	{ "max_contacts", "-1", "not a number" },
	{ "max_contacts", "00", "leading zero" },
	/* orders_per_page */
	{ "orders_per_page", "", "empty" },
	{ "orders_per_page", "0", "out of range" },
	{ "orders_per_page", "1001", "out of range" },
	{ "orders_per_page", "1k", "junk after" },
	{ "orders_per_page", "-5", "not a number" },
	{ "orders_per_page", "100 200", "junk after" },
	/* lock_timeout */
	{ "lock_timeout", "", "empty" },
	{ "lock_timeout", "0", "out of range" },
	{ "lock_timeout", "99", "out of range" },
	{ "lock_timeout", "99ms", "out of range" },
	{ "lock_timeout", "60001", "out of range" },
	{ "lock_timeout", "61s", "out of range" },
	{ "lock_timeout", "2m", "unknown unit" },
	{ "lock_timeout", "2S", "unknown unit" },
	{ "lock_timeout", "2sec", "unknown unit" },
	{ "lock_timeout", "1.5s", "unknown unit" },
	{ "lock_timeout", "m", "not a number" },
	/* txn_retries */
	{ "txn_retries", "", "empty" },
	{ "txn_retries", "0", "out of range" },
	{ "txn_retries", "21", "out of range" },
	{ "txn_retries", "5x", "junk after" },
	{ "txn_retries", "five", "not a number" },
	/* db_cache_size */
	{ "db_cache_size", "", "empty" },
	{ "db_cache_size", "1023", "out of range" },
	{ "db_cache_size", "1023k", "out of range" },
	{ "db_cache_size", "4194305", "out of range" },
	{ "db_cache_size", "4097m", "out of range" },
	{ "db_cache_size", "1g", "unknown unit" },
	{ "db_cache_size", "8M", "unknown unit" },
	{ "db_cache_size", "8mb", "unknown unit" },
	{ "db_cache_size", "18014398509481984m", "far too large" },
	/* worker_idle_exit */
	{ "worker_idle_exit", "", "empty" },
	{ "worker_idle_exit", "0", "out of range" },
	{ "worker_idle_exit", "9", "out of range" },
	{ "worker_idle_exit", "9s", "out of range" },
	{ "worker_idle_exit", "8d", "out of range" },
	{ "worker_idle_exit", "604801", "out of range" },
	{ "worker_idle_exit", "169h", "out of range" },
	{ "worker_idle_exit", "1w", "unknown unit" },
	{ "worker_idle_exit", "5 m", "unknown unit" },
	{ "worker_idle_exit", "1D", "unknown unit" },
	{ "worker_idle_exit", "300ms", "unknown unit" },
	{ "worker_idle_exit", "213503982334602d", "far too large" },
	/* min_free_space */
	{ "min_free_space", "", "empty" },
	{ "min_free_space", "1", "out of range" },
	{ "min_free_space", "1023", "out of range" },
	{ "min_free_space", "1025g", "out of range" },
	{ "min_free_space", "1073741825", "out of range" },
	{ "min_free_space", "32M", "unknown unit" },
	{ "min_free_space", "1t", "unknown unit" },
	{ "min_free_space", "32mb", "unknown unit" },
	{ "min_free_space", "-1", "not a number" },
	{ "min_free_space", "18014398509481984g", "far too large" },
	/* worker_path */
	{ "worker_path", "", "empty" },
	{ "worker_path", "acmegw-worker", "not an absolute path" },
	{ "worker_path", "../libexec/acmegw-worker", "not an absolute path" },
	/* log_level */
	{ "log_level", "", "empty" },
	{ "log_level", "error", "unknown value" },
	{ "log_level", "DEBUG", "unknown value" },
	{ "log_level", "2", "unknown value" },
	{ "log_level", "info debug", "unknown value" },
	{ "log_level", "warning", "unknown value" },
	/* max_identifiers (SECURITY.md X2: bounded) */
	{ "max_identifiers", "", "empty" },
	{ "max_identifiers", "0", "out of range" },
	{ "max_identifiers", "1001", "out of range" },
	{ "max_identifiers", "10000", "out of range" },
	{ "max_identifiers", "100k", "junk after" },
	{ "max_identifiers", "-1", "not a number" },
	{ "max_identifiers", "0100", "leading zero" },
	/* allowed_domains, forbidden_domains */
	{ "allowed_domains", "a.example,,b.example", "empty name" },
	{ "allowed_domains", "a.example,", "ends with a comma" },
	{ "allowed_domains", ",a.example", "empty name" },
	{ "allowed_domains", "a.example A.EXAMPLE", "listed twice" },
	{ "allowed_domains", "*.example.org", "character other than" },
	{ "allowed_domains", ".example.org", "empty label" },
	{ "allowed_domains", "example.org.", "ends with a dot" },
	{ "allowed_domains", "192.0.2.0", "IP address" },
	{ "allowed_domains", "10", "IP address" },
	{ "allowed_domains", "-x.example", "hyphen" },
	{ "allowed_domains", "a_b.example", "character other than" },
	{ "allowed_domains", "b\xc3\xbc" "cher.example",
	    "character other than" },
	{ "allowed_domains", LABEL64 ".example", "longer than 63" },
	{ "forbidden_domains", "*.example.org", "character other than" },
	{ "forbidden_domains", "example.org;rm", "character other than" },
	{ "forbidden_domains", "a.example a.example", "listed twice" },
	{ "forbidden_domains", "2001:db8::1", "character other than" },
	{ "forbidden_domains", "x..example", "empty label" },
	/* authz_reuse */
	{ "authz_reuse", "", "empty" },
	{ "authz_reuse", "399d", "out of range" },
	{ "authz_reuse", "34387201", "out of range" },
	{ "authz_reuse", "1y", "unknown unit" },
	{ "authz_reuse", "-1", "not a number" },
	{ "authz_reuse", "00", "leading zero" },
	{ "authz_reuse", "30D", "unknown unit" },
	/* pre_authorization, allow_private_targets: yes or no only */
	{ "pre_authorization", "", "empty" },
	{ "pre_authorization", "true", "unknown value" },
	{ "pre_authorization", "1", "unknown value" },
	{ "pre_authorization", "Yes", "unknown value" },
	{ "pre_authorization", "on", "unknown value" },
	{ "allow_private_targets", "", "empty" },
	{ "allow_private_targets", "YES", "unknown value" },
	{ "allow_private_targets", "0", "unknown value" },
	{ "allow_private_targets", "yes no", "unknown value" },
	/* challenge_types (SECURITY.md P7: each can be switched off) */
	{ "challenge_types", "", "empty" },
	{ "challenge_types", ",", "empty name" },
	{ "challenge_types", "http-01,,dns-01", "empty name" },
	{ "challenge_types", "http-01,", "ends with a comma" },
	{ "challenge_types", "tls-sni-01", "unknown value" },
	{ "challenge_types", "tls-sni-02", "unknown value" },
	{ "challenge_types", "HTTP-01", "unknown value" },
	{ "challenge_types", "http01", "unknown value" },
	{ "challenge_types", "dns-account-01", "unknown value" },
	{ "challenge_types", "http-01 http-01", "listed twice" },
	{ "challenge_types", "dns-01,tls-alpn-01,dns-01", "listed twice" },
	{ "challenge_types", "none", "unknown value" },
	/* order_lifetime, authz_lifetime, max_validity */
	{ "order_lifetime", "", "empty" },
	{ "order_lifetime", "0", "out of range" },
	{ "order_lifetime", "3599", "out of range" },
	{ "order_lifetime", "59m", "out of range" },
	{ "order_lifetime", "31d", "out of range" },
	{ "order_lifetime", "2592001", "out of range" },
	{ "order_lifetime", "7 d", "unknown unit" },
	{ "authz_lifetime", "", "empty" },
	{ "authz_lifetime", "0", "out of range" },
	{ "authz_lifetime", "721h", "out of range" },
	{ "authz_lifetime", "1w", "unknown unit" },
	{ "max_validity", "", "empty" },
	{ "max_validity", "0", "out of range" },
	{ "max_validity", "399d", "out of range" },
	{ "max_validity", "59m", "out of range" },
	{ "max_validity", "90days", "unknown unit" },
	/* validate_http_port, validate_tls_port */
	{ "validate_http_port", "", "empty" },
	{ "validate_http_port", "0", "out of range" },
	{ "validate_http_port", "65536", "out of range" },
	{ "validate_http_port", "080", "leading zero" },
	{ "validate_http_port", "http", "not a number" },
	{ "validate_http_port", "80,8080", "junk after" },
	{ "validate_tls_port", "", "empty" },
	{ "validate_tls_port", "0", "out of range" },
	{ "validate_tls_port", "99999", "out of range" },
	{ "validate_tls_port", "-443", "not a number" },
	/* resolver */
	{ "resolver", "127.0.0.1", "no port" },
	{ "resolver", "127.0.0.1:", "port" },
	{ "resolver", "127.0.0.1:0", "port" },
	{ "resolver", "127.0.0.1:65536", "port" },
	{ "resolver", "127.0.0.1:053", "port" },
	{ "resolver", "127.0.0.1:53x", "port" },
	{ "resolver", "127.0.0.1:123456", "port" },
	{ "resolver", "127.0.0.1:-1", "port" },
	{ "resolver", "127.1:53", "not an IPv4 address" },
	{ "resolver", "localhost:53", "not an IPv4 address" },
	{ "resolver", "dns.example:53", "not an IPv4 address" },
	{ "resolver", ":53", "not an IP address" },
	{ "resolver", "::1:53", "brackets" },
	{ "resolver", "[::1]", "no port" },
	{ "resolver", "[::1]53", "no port" },
	{ "resolver", "[::1:53", "no ']'" },
	{ "resolver", "[]:53", "not an IP address" },
	{ "resolver", "[127.0.0.1]:53", "not an IPv6 address" },
	{ "resolver", "[fe80::1%eth0]:53", "not an IPv6 address" },
	{ "resolver", "127.0.0.1@53", "no port" },
	{ "resolver", "127.0.0.1:53 127.0.0.2:53", "port" },
	{ "resolver", "udp://127.0.0.1:53", "brackets" },
	/* validation_timeout */
	{ "validation_timeout", "", "empty" },
	{ "validation_timeout", "0", "out of range" },
	{ "validation_timeout", "999", "out of range" },
	{ "validation_timeout", "999ms", "out of range" },
	{ "validation_timeout", "121s", "out of range" },
	{ "validation_timeout", "120001", "out of range" },
	{ "validation_timeout", "2m", "unknown unit" },
	{ "validation_timeout", "10S", "unknown unit" },
	/* max_validations, validation_attempts */
	{ "max_validations", "", "empty" },
	{ "max_validations", "0", "out of range" },
	{ "max_validations", "257", "out of range" },
	{ "max_validations", "16x", "junk after" },
	{ "validation_attempts", "", "empty" },
	{ "validation_attempts", "0", "out of range" },
	{ "validation_attempts", "11", "out of range" },
	{ "validation_attempts", "three", "not a number" },
	/* validator_path */
	{ "validator_path", "", "empty" },
	{ "validator_path", "acmegw-validate", "not an absolute path" },
	{ "validator_path", "./acmegw-validate", "not an absolute path" },
	/* Issuance and revocation (issue 4). */
	{ "ca_cert", "ca.pem", "not an absolute path" },
	{ "ca_cert", "", "empty" },
	{ "ca_key", "ca.key", "neither an absolute path nor a pkcs11: URI" },
	{ "ca_key", "pkcs11:token=a b", "space" },
	{ "ca_key", "pkcs11:", "neither" },
	{ "ca_key", "", "empty" },
	{ "ca_chain", "root.pem", "not an absolute path" },
	{ "signer_path", "", "empty" },
	{ "signing_timeout", "0", "out of range" },
	{ "signing_timeout", "999ms", "out of range" },
	{ "signing_timeout", "121s", "out of range" },
	{ "signing_timeout", "5m", "unknown unit" },
	{ "signing_wait", "", "empty" },
	{ "signing_wait", "0", "out of range" },
	{ "signing_wait", "99ms", "out of range" },
	{ "signing_wait", "121s", "out of range" },
	{ "signing_wait", "3m", "unknown unit" },
	{ "signing_wait", "-1", "not a number" },
	{ "signing_wait", "5001ms", "larger than signing_timeout" },
	{ "signing_wait", "6s", "larger than signing_timeout, 5000 ms" },
	{ "default_profile", "", "empty" },
	{ "default_profile", "a.b", "not a name" },
	{ "default_profile", "a b", "not a name" },
	{ "default_profile", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "not a name" },
	{ "revocation_reasons", "7", "unknown value" },
	{ "revocation_reasons", "11", "unknown value" },
	{ "revocation_reasons", "-1", "unknown value" },
	{ "revocation_reasons", "1 1", "twice" },
	{ "revocation_reasons", "01", "unknown value" },
	{ "revocation_reasons", "", "empty" },
	{ "crl_file", "ca.crl", "not an absolute path" },
	{ "crl_validity", "59m", "out of range" },
	{ "crl_validity", "367d", "out of range" },
	{ "crl_on_revoke", "1", "unknown value" },
	{ "crl_interval", "", "empty" },
	{ "crl_interval", "1", "out of range" },
	{ "crl_interval", "59m", "out of range" },
	{ "crl_interval", "3599s", "out of range" },
	{ "crl_interval", "31d", "out of range" },
	{ "crl_interval", "00", "leading zero" },
	{ "crl_interval", "-1", "not a number" },
	{ "crl_interval", "off", "not a number" },
	{ "crl_interval", "1w", "unknown unit" },
	{ "crl_interval", "1d 2h", "unknown unit" },
	{ "ari_window", "0", "out of range" },
	{ "ari_window", "101", "out of range" },
	{ "ari_window", "33%", "junk" },
	{ "profile.default.validity", "59m", "out of range" },
	{ "profile.default.validity", "399d", "out of range" },
	{ "profile.default.validity", "", "empty" },
	{ "profile.default.key_usage", "keyCertSign", "unknown value" },
	{ "profile.default.key_usage", "cRLSign", "unknown value" },
	{ "profile.default.key_usage", "digitalsignature", "unknown value" },
	{ "profile.default.ext_key_usage", "codeSigning", "unknown value" },
	{ "profile.default.ext_key_usage", "", "empty" },
	{ "profile.default.key_types", "rsa1024", "unknown value" },
	{ "profile.default.key_types", "p521", "unknown value" },
	{ "profile.default.key_types", "p256 p256", "twice" },
	{ "profile.default.common_name", "true", "unknown value" },
	{ "profile.default.crl_url", "ldap://ca.example.org/crl",
	    "not http://" },
	{ "profile.x.aia_url", "ca.der", "not an absolute URL" },
};

START_TEST(test_conf_parse_buf_bad_values)
{
	char		 text[1024], prefix[128];
	const char	*e, *rest = REQ;

	if (strcmp(bad[_i].key, "base_url") == 0)
		rest = STATE;
	else if (strcmp(bad[_i].key, "state_dir") == 0)
		rest = BASE;
	/* The bad line is line 3, after a comment and a blank line. */
	snprintf(text, sizeof(text), "# bad value\n\n%s = %s\n%s",
	    bad[_i].key, bad[_i].value, rest);
	e = parse_bad(text);
	snprintf(prefix, sizeof(prefix), NAME ":3: %s: ", bad[_i].key);
	assert_prefix(e, prefix);
	assert_has(e, bad[_i].why);
	assert_advice(e);
}
END_TEST

/* The bad value is quoted, made printable. */
START_TEST(test_conf_parse_buf_bad_value_quoted)
{
	const char	*e;

	e = parse_bad(REQ "max_contacts = 1000\n");
	ck_assert_str_eq(e, NAME ":3: max_contacts: \"1000\" is out of range "
	    "(use a number from 1 to 100)");
	e = parse_bad(REQ "enrollment = op\xffn\n");
	assert_has(e, "\"op\\xffn\"");
	e = parse_bad("base_url = https://acme.example.org/acme?x=1\n" STATE);
	ck_assert_str_eq(e, NAME ":1: base_url: \"https://acme.example.org/"
	    "acme?x=1\" is not a usable URL: a query (?...) is not allowed "
	    "here (use an http:// or https:// URL without query or fragment, "
	    "e.g. https://acme.example.org/acme)");
}
END_TEST

/* A long bad value is shortened in the message. */
START_TEST(test_conf_parse_buf_bad_value_long)
{
	char		 text[4200];
	const char	*e;

	memset(text, 0, sizeof(text));
	strcpy(text, REQ "worker_path = ");
	memset(text + strlen(text), 'w', 4000);
	e = parse_bad(text);
	assert_prefix(e, NAME ":3: worker_path: \"www");
	assert_has(e, "...\" is not an absolute path");
	ck_assert_uint_lt(strlen(e), 300);
}
END_TEST

/* SECURITY.md K6: base_url is the canonical string of every JWS url. */
START_TEST(test_conf_parse_buf_K6_base_url_canonical)
{
	assert_prefix(parse_bad("base_url = https://a.example/acme//\n" STATE),
	    NAME ":1: base_url: ");
	assert_prefix(parse_bad("base_url = https://a.example/x/../acme\n"
	    STATE), NAME ":1: base_url: ");
	assert_prefix(parse_bad("base_url = https://a.example/acme?\n"
	    STATE), NAME ":1: base_url: ");
}
END_TEST

/* At most 1000 domain names in allowed_domains / forbidden_domains. */
START_TEST(test_conf_parse_buf_domains_limit)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	struct conf	 c;
	char		*text, *p;
	size_t		 i, k;
	const char	*e;

	text = malloc(8192);
	ck_assert_ptr_nonnull(text);
	/* 1000 distinct two-character names, none all digits. */
	p = text + sprintf(text, REQ "forbidden_domains =");
	for (i = 0, k = 0; i < 1000; k++) {
		if (k / 36 >= 26 && k % 36 >= 26)
			continue;
		p += sprintf(p, " %c%c", alnum[k / 36], alnum[k % 36]);
		i++;
	}
	strcpy(p, "\n");
	ck_assert_msg(parse(&c, text) == 0, "%s", err);
	ck_assert_uint_eq(c.forbidden_domainssz, 1000);
	ck_assert_str_eq(c.forbidden_domains[0], "aa");
	conf_clear(&c);
	strcpy(p, " a\n");
	e = parse_bad(text);
	ck_assert_str_eq(e, NAME ":3: forbidden_domains: more than 1000 names "
	    "(list fewer)");
	free(text);
}
END_TEST

/* SECURITY.md P7: any challenge type can be switched off. */
START_TEST(test_conf_parse_buf_P7_challenge_types_off)
{
	struct conf	 c;

	ck_assert_int_eq(parse(&c, REQ "challenge_types = dns-01\n"), 0);
	ck_assert_uint_eq(c.challenge_types, 1U << CHALL_DNS01);
	conf_clear(&c);
	ck_assert_int_eq(parse(&c, REQ "challenge_types = tls-alpn-01 "
	    "http-01\n"), 0);
	ck_assert_uint_eq(c.challenge_types, (1U << CHALL_TLSALPN01) |
	    (1U << CHALL_HTTP01));
	conf_clear(&c);
	/* Not all of them: an empty list is refused. */
	ck_assert_str_eq(parse_bad(REQ "challenge_types =\n"), NAME ":3: "
	    "challenge_types: the value is empty (use one or more of "
	    "http-01, dns-01 and tls-alpn-01, separated by commas or spaces, "
	    "or remove the line for the default)");
	/* tls-sni-01 never exists. */
	assert_prefix(parse_bad(REQ "challenge_types = tls-sni-01\n"),
	    NAME ":3: challenge_types: unknown value \"tls-sni-01\"");
}
END_TEST

/*
 * SECURITY.md P8: there is no switch that turns a security check off;
 * the validation ports and the resolver are ordinary settings.
 */
START_TEST(test_conf_parse_buf_P8_no_security_off_switch)
{
	assert_prefix(parse_bad(REQ "challenge_validation_disable = yes\n"),
	    NAME ":3: unknown key");
	assert_prefix(parse_bad(REQ "validation = off\n"),
	    NAME ":3: unknown key");
	assert_prefix(parse_bad(REQ "caa_check = no\n"),
	    NAME ":3: unknown key");
	assert_prefix(parse_bad(REQ "skip_validation = yes\n"),
	    NAME ":3: unknown key");
	assert_prefix(parse_bad(REQ "fake_time = 0\n"),
	    NAME ":3: unknown key");
}
END_TEST

/* The resolver is stored normalised and an empty value means the system. */
START_TEST(test_conf_parse_buf_resolver_forms)
{
	struct conf	 c;

	ck_assert_int_eq(parse(&c, REQ "resolver = [0:0::1]:53\n"), 0);
	ck_assert_str_eq(c.resolver, "[::1]:53");
	conf_clear(&c);
	ck_assert_int_eq(parse(&c, REQ "resolver = 127.0.0.1:8053\n"), 0);
	ck_assert_str_eq(c.resolver, "127.0.0.1:8053");
	conf_clear(&c);
	ck_assert_int_eq(parse(&c, REQ "resolver =\n"), 0);
	ck_assert_ptr_null(c.resolver);
	conf_clear(&c);
	ck_assert_str_eq(parse_bad(REQ "resolver = 127.0.0.1\n"), NAME ":3: "
	    "resolver: \"127.0.0.1\" has no port (use an address and port "
	    "such as 192.0.2.53:53 or [2001:db8::53]:53, or nothing for the "
	    "system resolver)");
}
END_TEST

/* ------------------------------------------------------------------ */
/* conf_parse_buf: structural errors                                    */
/* ------------------------------------------------------------------ */

START_TEST(test_conf_parse_buf_unknown_key)
{
	const char	*e;

	e = parse_bad(REQ "bse_url = https://acme.example.org/\n");
	ck_assert_str_eq(e, NAME ":3: unknown key \"bse_url\" (check the "
	    "spelling in acmegw.conf(5))");
	e = parse_bad("Base_URL = https://acme.example.org/\n" STATE);
	assert_prefix(e, NAME ":1: unknown key \"Base_URL\"");
	e = parse_bad(REQ "max contacts = 5\n");
	assert_prefix(e, NAME ":3: unknown key \"max contacts\"");
	e = parse_bad(REQ "caa-identities = a.example\n");
	assert_prefix(e, NAME ":3: unknown key \"caa-identities\"");
	e = parse_bad(REQ "nonce_check = off\n");
	assert_prefix(e, NAME ":3: unknown key \"nonce_check\"");
	e = parse_bad(REQ "\xc3\xa9 = 1\n");
	assert_prefix(e, NAME ":3: unknown key \"\\xc3\\xa9\"");
	e = parse_bad(REQ "[section]\n");
	assert_prefix(e, NAME ":3: \"[section]\" is not a setting");
}
END_TEST

START_TEST(test_conf_parse_buf_unknown_key_before_required)
{
	/* An unknown key is reported even when required keys are missing. */
	assert_prefix(parse_bad("\nfoo = bar\n"), NAME ":2: unknown key "
	    "\"foo\"");
}
END_TEST

START_TEST(test_conf_parse_buf_duplicate_key)
{
	const char	*e;

	e = parse_bad(BASE "# c\n" STATE BASE);
	ck_assert_str_eq(e, NAME ":4: base_url is given twice, first on line "
	    "1 (remove one)");
	/* Even with the same value, even for an optional key. */
	e = parse_bad(REQ "max_contacts = 5\n\nmax_contacts = 5\n");
	ck_assert_str_eq(e, NAME ":5: max_contacts is given twice, first on "
	    "line 3 (remove one)");
	/* An empty terms_of_service counts as given. */
	e = parse_bad(REQ "terms_of_service =\nterms_of_service = "
	    "https://a.example/tos\n");
	assert_prefix(e, NAME ":4: terms_of_service is given twice, first on "
	    "line 3");
	/* White space does not make a different key. */
	e = parse_bad(REQ "  log_level = info\nlog_level\t= debug\n");
	assert_prefix(e, NAME ":4: log_level is given twice, first on line 3");
}
END_TEST

START_TEST(test_conf_parse_buf_missing_equals)
{
	const char	*e;

	e = parse_bad("base_url https://acme.example.org/acme\n" STATE);
	ck_assert_str_eq(e, NAME ":1: \"base_url https://acme.example.org/"
	    "acme\" is not a setting (write 'key = value', or start a "
	    "comment with '#')");
	e = parse_bad(REQ "max_contacts\n");
	assert_prefix(e, NAME ":3: \"max_contacts\" is not a setting");
	e = parse_bad(REQ "max_contacts: 5\n");
	assert_prefix(e, NAME ":3: \"max_contacts: 5\" is not a setting");
	/* A comment must start the line, "//" is not one. */
	e = parse_bad(REQ "// comment\n");
	assert_prefix(e, NAME ":3: \"// comment\" is not a setting");
	e = parse_bad(REQ "; comment\n");
	assert_prefix(e, NAME ":3: ");
}
END_TEST

START_TEST(test_conf_parse_buf_missing_key)
{
	const char	*e;

	e = parse_bad(REQ "= 5\n");
	ck_assert_str_eq(e, NAME ":3: no key before '=' (write 'key = "
	    "value')");
	e = parse_bad(REQ " \t=\n");
	assert_prefix(e, NAME ":3: no key before '='");
}
END_TEST

START_TEST(test_conf_parse_buf_required_missing)
{
	const char	*e;

	e = parse_bad("");
	assert_prefix(e, NAME ": base_url is required");
	assert_advice(e);
	e = parse_bad("# only comments\n\n");
	assert_prefix(e, NAME ": base_url is required");
	e = parse_bad(STATE);
	assert_prefix(e, NAME ": base_url is required");
	e = parse_bad(BASE);
	ck_assert_str_eq(e, NAME ": state_dir is required (add a line "
	    "'state_dir = ...' with an absolute path, e.g. /var/lib/acmegw)");
	e = parse_bad("max_contacts = 5\nlog_level = debug\n");
	assert_prefix(e, NAME ": base_url is required");
	/* Commented out is not given. */
	e = parse_bad("#base_url = https://a.example/\n" STATE);
	assert_prefix(e, NAME ": base_url is required");
}
END_TEST

START_TEST(test_conf_parse_buf_nul_byte)
{
	struct conf	 c;
	const char	 text[] = BASE "state_dir = /var/\0lib\n";
	const char	 text2[] = REQ "# comment \0 with NUL\n";
	const char	 text3[] = REQ "\0";

	conf_init(&c);
	ck_assert_int_eq(conf_parse_buf(&c, NAME, text, sizeof(text) - 1,
	    err, sizeof(err)), -1);
	assert_prefix(err, NAME ":2: NUL byte");
	assert_advice(err);
	conf_clear(&c);
	/* Even in a comment. */
	conf_init(&c);
	ck_assert_int_eq(conf_parse_buf(&c, NAME, text2, sizeof(text2) - 1,
	    err, sizeof(err)), -1);
	assert_prefix(err, NAME ":3: NUL byte");
	conf_clear(&c);
	/* A trailing NUL counted in len. */
	conf_init(&c);
	ck_assert_int_eq(conf_parse_buf(&c, NAME, text3, sizeof(text3),
	    err, sizeof(err)), -1);
	assert_prefix(err, NAME ":3: NUL byte");
	conf_clear(&c);
}
END_TEST

START_TEST(test_conf_parse_buf_overlong_line)
{
	struct conf	 c;
	char		*text;
	size_t		 n;

	/* 4096 bytes are fine, in a comment and with CRLF. */
	text = malloc(8192);
	ck_assert_ptr_nonnull(text);
	strcpy(text, REQ "#");
	n = strlen(text);
	memset(text + n, 'c', 4095);
	strcpy(text + n + 4095, "\r\n");
	ck_assert_int_eq(parse(&c, text), 0);
	conf_clear(&c);

	/* 4097 bytes are not, even in a comment. */
	strcpy(text, REQ "#");
	memset(text + n, 'c', 4096);
	strcpy(text + n + 4096, "\n");
	ck_assert_int_eq(parse(&c, text), -1);
	ck_assert_str_eq(err, NAME ":3: line longer than 4096 bytes "
	    "(shorten it)");
	conf_clear(&c);

	/* Nor in a value, nor on the last line without a newline. */
	strcpy(text, REQ "website = https://a.example/");
	n = strlen(text);
	memset(text + n, 'p', 4096);
	text[n + 4096] = '\0';
	ck_assert_int_eq(parse(&c, text), -1);
	assert_prefix(err, NAME ":3: line longer than 4096 bytes");
	conf_clear(&c);
	free(text);
}
END_TEST

START_TEST(test_conf_parse_buf_control_characters)
{
	const char	*e;

	e = parse_bad(REQ "website = https://a.example/\x01\n");
	ck_assert_str_eq(e, NAME ":3: control character 0x01 in the line "
	    "(remove it)");
	/* An old Mac line end is not a line end. */
	e = parse_bad(REQ "max_contacts = 5\rtxn_retries = 3\n");
	assert_prefix(e, NAME ":3: control character 0x0d");
	e = parse_bad(REQ "log_level = \x1b[31mdebug\n");
	assert_prefix(e, NAME ":3: control character 0x1b");
	e = parse_bad(REQ "log_level = debug\x7f\n");
	assert_prefix(e, NAME ":3: control character 0x7f");
	/* Two \r: only one belongs to the line end. */
	e = parse_bad(REQ "log_level = debug\r\r\n");
	assert_prefix(e, NAME ":3: control character 0x0d");
	e = parse_bad(REQ "log_level = debug\f\n");
	assert_prefix(e, NAME ":3: control character 0x0c");
	e = parse_bad(REQ "log_level = debug\v\n");
	assert_prefix(e, NAME ":3: control character 0x0b");
}
END_TEST

START_TEST(test_conf_parse_buf_byte_order_mark)
{
	assert_prefix(parse_bad("\xef\xbb\xbf" REQ), NAME ":1: byte order "
	    "mark");
}
END_TEST

/* Parsing stops at the first error; its line is reported. */
START_TEST(test_conf_parse_buf_first_error_wins)
{
	assert_prefix(parse_bad(REQ "\n\n# x\nmax_contacts = 0\n"
	    "txn_retries = 0\nfoo = bar\n"), NAME ":6: max_contacts: ");
}
END_TEST

/* Line numbers count every line: comments, blanks, CRLF ones. */
START_TEST(test_conf_parse_buf_exact_prefix)
{
	const char	*e;

	e = parse_bad("# 1\n\r\n  # 3\n\t\n" REQ "\n\n\n"
	    "txn_retries = 99\n");
	assert_prefix(e, NAME ":10: txn_retries: \"99\"");
	e = parse_bad("x\n");
	assert_prefix(e, NAME ":1: \"x\"");
}
END_TEST

/* The name given is the one in messages, whatever it is. */
START_TEST(test_conf_parse_buf_name_in_message)
{
	struct conf	 c;
	const char	 text[] = "foo = 1\n";

	conf_init(&c);
	ck_assert_int_eq(conf_parse_buf(&c, "/etc/acmegw/acmegw.conf", text,
	    strlen(text), err, sizeof(err)), -1);
	assert_prefix(err, "/etc/acmegw/acmegw.conf:1: unknown key");
	conf_clear(&c);
}
END_TEST

/* err may be NULL or tiny; a short one is still a string. */
START_TEST(test_conf_parse_buf_err_buffer)
{
	struct conf	 c;
	char		 small[12];
	const char	 text[] = "foo = 1\n";

	conf_init(&c);
	ck_assert_int_eq(conf_parse_buf(&c, NAME, text, strlen(text), NULL,
	    0), -1);
	conf_clear(&c);
	conf_init(&c);
	memset(small, 'X', sizeof(small));
	ck_assert_int_eq(conf_parse_buf(&c, NAME, text, strlen(text), small,
	    sizeof(small)), -1);
	ck_assert_str_eq(small, NAME ":1: u");
	conf_clear(&c);
	/* On success err is emptied. */
	conf_init(&c);
	memset(small, 'X', sizeof(small));
	ck_assert_int_eq(conf_parse_buf(&c, NAME, REQ, strlen(REQ), small,
	    sizeof(small)), 0);
	ck_assert_str_eq(small, "");
	conf_clear(&c);
}
END_TEST

/* An empty buffer, even a NULL one, only lacks the required keys. */
START_TEST(test_conf_parse_buf_empty_buffer)
{
	struct conf	 c;

	conf_init(&c);
	ck_assert_int_eq(conf_parse_buf(&c, NAME, NULL, 0, err, sizeof(err)),
	    -1);
	assert_prefix(err, NAME ": base_url is required");
	conf_clear(&c);
}
END_TEST

/* A failed parse leaves nothing that conf_clear() cannot free. */
START_TEST(test_conf_parse_buf_failure_then_clear)
{
	struct conf	 c;

	ck_assert_int_eq(parse(&c, full_file), 0);
	conf_clear(&c);
	ck_assert_int_eq(parse(&c, REQ "caa_identities = a.example b.example\n"
	    "website = https://w.example/\nterms_of_service = "
	    "https://t.example/\nworker_path = relative\n"), -1);
	ck_assert_str_eq(c.website, "https://w.example/");
	conf_clear(&c);
	ck_assert_ptr_null(c.base_url);
	ck_assert_ptr_null(c.caa_identities);
	ck_assert_uint_eq(c.caa_identitiessz, 0);
	ck_assert_ptr_null(c.worker_path);
	/* The same with the issue-3 lists and strings. */
	ck_assert_int_eq(parse(&c, REQ "allowed_domains = a.example\n"
	    "forbidden_domains = b.example c.example\nresolver = "
	    "[::1]:53\nvalidator_path = /v\nmax_validations = 0\n"), -1);
	ck_assert_uint_eq(c.forbidden_domainssz, 2);
	conf_clear(&c);
	ck_assert_ptr_null(c.allowed_domains);
	ck_assert_ptr_null(c.forbidden_domains);
	ck_assert_ptr_null(c.resolver);
	ck_assert_ptr_null(c.validator_path);
}
END_TEST

/* ------------------------------------------------------------------ */
/* conf_load                                                            */
/* ------------------------------------------------------------------ */

static char *
tmpfile_with(const char *text, size_t len)
{
	char	*path;
	int	 fd;

	path = strdup("/tmp/check_conf.XXXXXX");
	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

START_TEST(test_conf_load_good)
{
	struct conf	 c;
	char		*path;

	path = tmpfile_with(full_file, strlen(full_file));
	conf_init(&c);
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), 0);
	ck_assert_str_eq(c.path, path);
	ck_assert_str_eq(c.base_url, "https://acme.example.org:8443/acme");
	ck_assert_int_eq(c.log_level, 2);
	conf_clear(&c);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_conf_load_missing_file)
{
	struct conf	 c;

	conf_init(&c);
	ck_assert_int_eq(conf_load(&c, "/nonexistent/acmegw.conf", err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "/nonexistent/acmegw.conf: cannot open: No such "
	    "file or directory");
	conf_clear(&c);
}
END_TEST

START_TEST(test_conf_load_directory)
{
	struct conf	 c;

	conf_init(&c);
	ck_assert_int_eq(conf_load(&c, "/tmp", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "/tmp: cannot read: Is a directory");
	conf_clear(&c);
}
END_TEST

START_TEST(test_conf_load_unreadable)
{
	struct conf	 c;
	char		*path;

	if (geteuid() == 0)
		return;		/* root reads mode 0 files */
	path = tmpfile_with(REQ, strlen(REQ));
	ck_assert_int_eq(chmod(path, 0), 0);
	conf_init(&c);
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), -1);
	assert_prefix(err, path);
	assert_has(err, ": cannot open: Permission denied");
	conf_clear(&c);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_conf_load_error_names_file_and_line)
{
	struct conf	 c;
	char		*path, want[128];

	path = tmpfile_with(REQ "max_contacts = 0\n", strlen(REQ) + 17);
	conf_init(&c);
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: max_contacts: ", path);
	assert_prefix(err, want);
	conf_clear(&c);
	unlink(path);
	free(path);
}
END_TEST

/* Exactly 1 MiB is read; one byte more is refused. */
START_TEST(test_conf_load_size_limit)
{
	struct conf	 c;
	char		*text, *path, want[128];
	size_t		 n, mib = 1024 * 1024;

	text = malloc(mib + 1);
	ck_assert_ptr_nonnull(text);
	memcpy(text, REQ, strlen(REQ));
	for (n = strlen(REQ); n < mib; n++)
		text[n] = (n % 1000 == 999 || n == mib - 1) ? '\n' : '#';
	path = tmpfile_with(text, mib);
	conf_init(&c);
	ck_assert_msg(conf_load(&c, path, err, sizeof(err)) == 0, "%s", err);
	conf_clear(&c);
	unlink(path);
	free(path);

	text[mib] = '\n';
	path = tmpfile_with(text, mib + 1);
	conf_init(&c);
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: the file is larger than 1 MiB",
	    path);
	assert_prefix(err, want);
	conf_clear(&c);
	unlink(path);
	free(path);
	free(text);
}
END_TEST

START_TEST(test_conf_load_crlf_file)
{
	struct conf	 c;
	char		*path;
	const char	 text[] = "base_url = https://a.example/\r\n"
	    "state_dir = /s\r\n";

	path = tmpfile_with(text, strlen(text));
	conf_init(&c);
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), 0);
	ck_assert_str_eq(c.base_url, "https://a.example");
	ck_assert_str_eq(c.state_dir, "/s");
	conf_clear(&c);
	unlink(path);
	free(path);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The shipped etc/acmegw.conf                                          */
/* ------------------------------------------------------------------ */

#define SAMPLE	SRCDIR "/../etc/acmegw.conf"

START_TEST(test_conf_load_sample_file)
{
	struct conf	 c, d;
	char		*a, *b;

	conf_init(&c);
	ck_assert_msg(conf_load(&c, SAMPLE, err, sizeof(err)) == 0, "%s",
	    err);
	ck_assert_str_eq(c.base_url, "https://acme.example.org/acme");
	ck_assert_str_eq(c.state_dir, "/var/lib/acmegw");
	/* Everything else is at its default. */
	conf_init(&d);
	d.base_url = strdup(c.base_url);
	d.state_dir = strdup(c.state_dir);
	free(c.path);
	c.path = NULL;
	a = dump(&c);
	b = dump(&d);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	conf_clear(&c);
	conf_clear(&d);
}
END_TEST

/* Uncommenting every "#key = value" of the sample gives the defaults. */
START_TEST(test_conf_load_sample_commented_values_are_defaults)
{
	struct conf	 c, d;
	FILE		*fp;
	char		 line[512], *text = NULL;
	size_t		 textsz = 0;
	FILE		*out;

	fp = fopen(SAMPLE, "r");
	ck_assert_ptr_nonnull(fp);
	out = open_memstream(&text, &textsz);
	ck_assert_ptr_nonnull(out);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z' &&
		    strstr(line, " =") != NULL)
			fputs(line + 1, out);
		else
			fputs(line, out);
	}
	fclose(fp);
	fclose(out);
	ck_assert_msg(parse(&c, text) == 0, "%s", err);
	conf_init(&d);
	ck_assert_int_eq(c.enrollment, d.enrollment);
	ck_assert_ptr_null(c.terms_of_service);
	ck_assert_ptr_nonnull(c.website);
	ck_assert_uint_eq(c.caa_identitiessz, 1);
	ck_assert_uint_eq(c.nonce_lifetime, d.nonce_lifetime);
	ck_assert_uint_eq(c.max_body_size, d.max_body_size);
	ck_assert_uint_eq(c.max_contacts, d.max_contacts);
	ck_assert_uint_eq(c.orders_per_page, d.orders_per_page);
	ck_assert_uint_eq(c.lock_timeout, d.lock_timeout);
	ck_assert_uint_eq(c.txn_retries, d.txn_retries);
	ck_assert_uint_eq(c.db_cache_size, d.db_cache_size);
	ck_assert_uint_eq(c.min_free_space, d.min_free_space);
	ck_assert_uint_eq(c.worker_idle_exit, d.worker_idle_exit);
	ck_assert_ptr_nonnull(strstr(c.worker_path, "/acmegw-worker"));
	ck_assert_int_eq(c.log_level, d.log_level);
	ck_assert_uint_eq(c.max_identifiers, d.max_identifiers);
	ck_assert_uint_eq(c.allowed_domainssz, 0);
	ck_assert_uint_eq(c.forbidden_domainssz, 0);
	ck_assert_uint_eq(c.authz_reuse, d.authz_reuse);
	ck_assert_int_eq(c.pre_authorization, d.pre_authorization);
	ck_assert_uint_eq(c.challenge_types, d.challenge_types);
	ck_assert_uint_eq(c.order_lifetime, d.order_lifetime);
	ck_assert_uint_eq(c.authz_lifetime, d.authz_lifetime);
	ck_assert_uint_eq(c.max_validity, d.max_validity);
	ck_assert_uint_eq(c.validate_http_port, d.validate_http_port);
	ck_assert_uint_eq(c.validate_tls_port, d.validate_tls_port);
	ck_assert_ptr_null(c.resolver);
	ck_assert_int_eq(c.allow_private_targets, d.allow_private_targets);
	ck_assert_uint_eq(c.validation_timeout, d.validation_timeout);
	ck_assert_uint_eq(c.max_validations, d.max_validations);
	ck_assert_uint_eq(c.validation_attempts, d.validation_attempts);
	ck_assert_ptr_nonnull(strstr(c.validator_path, "/acmegw-validate"));
	free(text);
	conf_clear(&c);
	conf_clear(&d);
}
END_TEST

/* signing_wait: at most signing_timeout; the default follows a smaller one. */
START_TEST(test_conf_parse_buf_signing_wait_vs_timeout)
{
	struct conf	 c;
	const char	*e;

	ck_assert_msg(parse(&c, REQ) == 0, "%s", err);
	ck_assert_uint_eq(c.signing_wait, 3000);
	ck_assert_uint_eq(c.signing_timeout, 5000);
	conf_clear(&c);
	/* not given: clamped to a shorter signing_timeout */
	ck_assert_msg(parse(&c, REQ "signing_timeout = 1s\n") == 0, "%s",
	    err);
	ck_assert_uint_eq(c.signing_wait, 1000);
	conf_clear(&c);
	/* equal is fine */
	ck_assert_msg(parse(&c, REQ "signing_wait = 2s\n"
	    "signing_timeout = 2000\n") == 0, "%s", err);
	ck_assert_uint_eq(c.signing_wait, 2000);
	ck_assert_uint_eq(c.signing_timeout, 2000);
	conf_clear(&c);
	/* given and larger: an error on the line of signing_wait */
	e = parse_bad(REQ "signing_wait = 3s\nsigning_timeout = 2s\n");
	assert_prefix(e, NAME ":3: signing_wait: 3000 ms is larger than "
	    "signing_timeout, 2000 ms");
	assert_advice(e);
	e = parse_bad(REQ "signing_timeout = 120s\nsigning_wait = 121s\n");
	assert_prefix(e, NAME ":4: signing_wait: ");
	assert_has(e, "out of range");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Profiles (issue 4) and conf_profile                                  */
/* ------------------------------------------------------------------ */

START_TEST(test_conf_profile_builtin_default)
{
	struct conf		 c;
	const struct profile	*pr;

	ck_assert_int_eq(parse(&c, REQ), 0);
	pr = conf_profile(&c, NULL);
	ck_assert_ptr_nonnull(pr);
	ck_assert_ptr_eq(pr, conf_profile(&c, "default"));
	ck_assert_str_eq(pr->name, "default");
	ck_assert_uint_eq(pr->validity, 90 * 86400);
	ck_assert_uint_eq(pr->key_usage, GNUTLS_KEY_DIGITAL_SIGNATURE |
	    GNUTLS_KEY_KEY_ENCIPHERMENT);
	ck_assert_uint_eq(pr->ekusz, 2);
	ck_assert_str_eq(pr->eku[0], GNUTLS_KP_TLS_WWW_SERVER);
	ck_assert_str_eq(pr->eku[1], GNUTLS_KP_TLS_WWW_CLIENT);
	ck_assert_uint_eq(pr->key_types, (1U << KT_RSA2048) |
	    (1U << KT_RSA3072) | (1U << KT_RSA4096) | (1U << KT_P256) |
	    (1U << KT_P384));
	ck_assert_int_eq(pr->common_name, 1);
	ck_assert_ptr_null(pr->crl_url);
	ck_assert_ptr_null(pr->aia_url);
	ck_assert_ptr_null(conf_profile(&c, "nosuch"));
	ck_assert_str_eq(key_type_str[KT_ED25519], "ed25519");
	conf_clear(&c);
}
END_TEST

START_TEST(test_conf_profile_named)
{
	struct conf		 c;
	const struct profile	*pr;

	ck_assert_msg(parse(&c, REQ
	    "profile.short.validity = 6d\n"
	    "profile.short.ext_key_usage = clientAuth\n"
	    "profile.short.key_types = ed25519\n"
	    "profile.short.crl_url = http://ca.example.org/ca.crl\n"
	    "default_profile = short\n") == 0, "%s", err);
	ck_assert_uint_eq(c.profilessz, 2);
	pr = conf_profile(&c, NULL);
	ck_assert_ptr_nonnull(pr);
	ck_assert_str_eq(pr->name, "short");
	ck_assert_uint_eq(pr->validity, 6 * 86400);
	ck_assert_uint_eq(pr->ekusz, 1);
	ck_assert_str_eq(pr->eku[0], GNUTLS_KP_TLS_WWW_CLIENT);
	ck_assert_uint_eq(pr->key_types, 1U << KT_ED25519);
	ck_assert_str_eq(pr->crl_url, "http://ca.example.org/ca.crl");
	ck_assert_ptr_nonnull(conf_profile(&c, "default"));
	conf_clear(&c);
}
END_TEST

/* crl_interval must be shorter than crl_validity when crl_file is set. */
START_TEST(test_conf_parse_buf_crl_interval_not_shorter)
{
	const char	*e;

	/* the default interval (1d) against a 1-day CRL */
	e = parse_bad(REQ "crl_file = /var/www/ca.crl\ncrl_validity = 1d\n");
	assert_prefix(e, NAME ":4: crl_interval (86400 s, the default) is "
	    "not shorter than crl_validity (86400 s)");
	assert_advice(e);
	/* equal, given: the line of crl_interval */
	e = parse_bad(REQ "crl_file = /var/www/ca.crl\ncrl_interval = 2h\n"
	    "crl_validity = 2h\n");
	assert_prefix(e, NAME ":4: crl_interval (7200 s) is not shorter");
	assert_has(e, "crl_interval = 0");
	assert_advice(e);
	/* longer */
	e = parse_bad(REQ "crl_interval = 30d\ncrl_file = /var/www/ca.crl\n");
	assert_prefix(e, NAME ":3: crl_interval (2592000 s) is not shorter "
	    "than crl_validity (604800 s)");
	assert_advice(e);
}
END_TEST

/* Shorter, the timer off, or no crl_file: accepted. */
START_TEST(test_conf_parse_buf_crl_interval_accepted)
{
	struct conf	 c;

	ck_assert_msg(parse(&c, REQ "crl_file = /var/www/ca.crl\n"
	    "crl_interval = 1h\ncrl_validity = 3601s\n") == 0, "%s", err);
	ck_assert_uint_eq(c.crl_interval, 3600);
	ck_assert_uint_eq(c.crl_validity, 3601);
	conf_clear(&c);
	ck_assert_msg(parse(&c, REQ "crl_file = /var/www/ca.crl\n"
	    "crl_interval = 0\ncrl_validity = 1h\n") == 0, "%s", err);
	ck_assert_uint_eq(c.crl_interval, 0);
	conf_clear(&c);
	ck_assert_msg(parse(&c, REQ "crl_validity = 1h\n") == 0, "%s", err);
	ck_assert_uint_eq(c.crl_interval, 86400);
	conf_clear(&c);
	ck_assert_msg(parse(&c, REQ "crl_file = /var/www/ca.crl\n") == 0,
	    "%s", err);
	ck_assert_uint_eq(c.crl_interval, 86400);
	ck_assert_uint_eq(c.crl_validity, 7 * 86400);
	conf_clear(&c);
}
END_TEST

START_TEST(test_conf_profile_default_unknown)
{
	const char	*e;

	e = parse_bad(REQ "default_profile = tls\n");
	assert_prefix(e, NAME ": default_profile: ");
	assert_has(e, "no profile \"tls\"");
	assert_advice(e);
}
END_TEST

START_TEST(test_conf_profile_bad_keys)
{
	const char	*e;

	e = parse_bad(REQ "profile.validity = 7d\n");
	assert_prefix(e, NAME ":3: ");
	assert_has(e, "not a profile key");
	e = parse_bad(REQ "profile.x.lifetime = 7d\n");
	assert_has(e, "unknown profile key \"lifetime\"");
	assert_advice(e);
	e = parse_bad(REQ "profile.a/b.validity = 7d\n");
	assert_has(e, "profile name");
	e = parse_bad(REQ "profile..validity = 7d\n");
	assert_has(e, "profile name");
	e = parse_bad(REQ "profile.x.validity.y = 7d\n");
	assert_has(e, "unknown profile key");
	e = parse_bad(REQ "profile. = 7d\n");
	assert_has(e, "unknown key");
}
END_TEST

START_TEST(test_conf_profile_duplicate_key)
{
	const char	*e;

	e = parse_bad(REQ "profile.x.validity = 7d\n"
	    "profile.y.validity = 7d\n"
	    "profile.x.validity = 8d\n");
	assert_prefix(e, NAME ":5: ");
	assert_has(e, "profile.x.validity is given twice, first on line 3");
	assert_advice(e);
}
END_TEST

START_TEST(test_conf_profile_too_many)
{
	char		 text[4096];
	size_t		 off, i;
	const char	*e;

	off = (size_t)snprintf(text, sizeof(text), "%s", REQ);
	/* "default" is one: 16 more names make 17. */
	for (i = 0; i < 16; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "profile.p%zu.validity = 7d\n", i);
	e = parse_bad(text);
	assert_has(e, "more than 16 profiles");
	assert_advice(e);
}
END_TEST

/* The dump of a file with profiles parses back to the same dump. */
START_TEST(test_conf_profile_dump_round_trip)
{
	struct conf	 c, d;
	char		*a, *b;

	ck_assert_msg(parse(&c, REQ
	    "profile.short.validity = 6d\n"
	    "profile.short.key_usage = digitalSignature keyAgreement\n"
	    "profile.short.aia_url = http://ca.example.org/ca.der\n"
	    "profile.default.common_name = no\n") == 0, "%s", err);
	a = dump(&c);
	ck_assert_msg(parse(&d, a) == 0, "%s", err);
	b = dump(&d);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	conf_clear(&c);
	conf_clear(&d);
}
END_TEST

/* ------------------------------------------------------------------ */
/* conf_clear and conf_dump                                             */
/* ------------------------------------------------------------------ */

START_TEST(test_conf_clear_zeroed_and_twice)
{
	struct conf	 c;

	memset(&c, 0, sizeof(c));
	conf_clear(&c);
	conf_init(&c);
	conf_clear(&c);
	conf_clear(&c);
	ck_assert_ptr_null(c.worker_path);
}
END_TEST

START_TEST(test_conf_dump_defaults)
{
	struct conf	 c;
	char		*d;

	conf_init(&c);
	d = dump(&c);
	ck_assert_str_eq(d,
	    "# base_url is not set\n"
	    "# state_dir is not set\n"
	    "enrollment = open\n"
	    "# terms_of_service is not set\n"
	    "# website is not set\n"
	    "# caa_identities is not set\n"
	    "nonce_lifetime = 3600\n"
	    "max_body_size = 65536\n"
	    "max_contacts = 10\n"
	    "orders_per_page = 100\n"
	    "lock_timeout = 2000\n"
	    "txn_retries = 5\n"
	    "db_cache_size = 8192\n"
	    "min_free_space = 32768\n"
	    "worker_idle_exit = 300\n"
	    "worker_path = " LIBEXECDIR "/acmegw-worker\n"
	    "# location_header is not set\n"
	    "log_level = info\n"
	    "max_identifiers = 100\n"
	    "# allowed_domains is not set\n"
	    "# forbidden_domains is not set\n"
	    "authz_reuse = 2592000\n"
	    "pre_authorization = no\n"
	    "challenge_types = http-01 dns-01 tls-alpn-01\n"
	    "order_lifetime = 604800\n"
	    "authz_lifetime = 604800\n"
	    "max_validity = 7776000\n"
	    "validate_http_port = 80\n"
	    "validate_tls_port = 443\n"
	    "# resolver is not set\n"
	    "allow_private_targets = no\n"
	    "validation_timeout = 10000\n"
	    "max_validations = 16\n"
	    "validation_attempts = 3\n"
	    "validator_path = " LIBEXECDIR "/acmegw-validate\n"
	    "# ca_cert is not set\n"
	    "# ca_key is not set\n"
	    "# ca_chain is not set\n"
	    "# ca_alternate_chain is not set\n"
	    "signer_path = " LIBEXECDIR "/acmegw-sign\n"
	    "signing_timeout = 5000\n"
	    "signing_wait = 3000\n"
	    "default_profile = default\n"
	    "revocation_reasons = 0 1 3 4 5\n"
	    "# crl_file is not set\n"
	    "crl_validity = 604800\n"
	    "crl_on_revoke = yes\n"
	    "crl_interval = 86400\n"
	    "ari_window = 33\n"
	    "profile.default.validity = 7776000\n"
	    "profile.default.key_usage = keyEncipherment digitalSignature\n"
	    "profile.default.ext_key_usage = serverAuth clientAuth\n"
	    "profile.default.key_types = rsa2048 rsa3072 rsa4096 p256 p384\n"
	    "profile.default.common_name = yes\n"
	    "profile.default.crl_url =\n"
	    "profile.default.aia_url =\n");
	free(d);
	conf_clear(&c);
}
END_TEST

/* The dump of a file parses back to the same settings. */
START_TEST(test_conf_dump_round_trip)
{
	struct conf	 c, d;
	char		*a, *b, *p;

	ck_assert_int_eq(parse(&c, full_file), 0);
	a = dump(&c);
	assert_has(a, "caa_identities = ca.example.org, acme.example.org, "
	    "pki.example.net\n");
	assert_has(a, "max_body_size = 131072\n");
	assert_has(a, "allowed_domains = example.org, internal.example\n");
	assert_has(a, "challenge_types = http-01 dns-01\n");
	assert_has(a, "resolver = 127.0.0.1:8053\n");
	/* The "# settings from" line only appears with a path. */
	ck_assert_ptr_null(strstr(a, "# settings from"));
	ck_assert_int_eq(parse(&d, a), 0);
	b = dump(&d);
	ck_assert_str_eq(a, b);
	c.path = strdup("/etc/acmegw/acmegw.conf");
	p = dump(&c);
	assert_prefix(p, "# settings from /etc/acmegw/acmegw.conf\n");
	free(a);
	free(b);
	free(p);
	conf_clear(&c);
	conf_clear(&d);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite	*s = suite_create("conf");
	TCase	*tc;

	tc = tcase_create("conf_init");
	tcase_add_test(tc, test_conf_init_defaults);
	tcase_add_test(tc, test_conf_init_minimal_file_keeps_defaults);
	suite_add_tcase(s, tc);

	tc = tcase_create("conf_parse_buf");
	tcase_add_test(tc, test_conf_parse_buf_full_file);
	tcase_add_test(tc, test_conf_parse_buf_comments_and_blank_lines);
	tcase_add_test(tc, test_conf_parse_buf_hash_inside_value);
	tcase_add_test(tc, test_conf_parse_buf_whitespace_trimmed);
	tcase_add_test(tc, test_conf_parse_buf_equals_in_value);
	tcase_add_test(tc, test_conf_parse_buf_crlf);
	tcase_add_test(tc, test_conf_parse_buf_crlf_error_line);
	tcase_add_test(tc, test_conf_parse_buf_crl_interval_not_shorter);
	tcase_add_test(tc, test_conf_parse_buf_crl_interval_accepted);
	tcase_add_test(tc, test_conf_parse_buf_signing_wait_vs_timeout);
	tcase_add_test(tc, test_conf_parse_buf_no_final_newline);
	tcase_add_test(tc, test_conf_parse_buf_length_bounded);
	tcase_add_test(tc, test_conf_parse_buf_base_url_trailing_slash);
	tcase_add_test(tc, test_conf_parse_buf_base_url_ip_and_port);
	tcase_add_test(tc, test_conf_parse_buf_tos_empty_means_none);
	tcase_add_test(tc, test_conf_parse_buf_caa_separators);
	tcase_add_loop_test(tc, test_conf_parse_buf_good_values, 0,
	    sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, test_conf_parse_buf_bad_values, 0,
	    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_conf_parse_buf_bad_value_quoted);
	tcase_add_test(tc, test_conf_parse_buf_bad_value_long);
	tcase_add_test(tc, test_conf_parse_buf_K6_base_url_canonical);
	tcase_add_test(tc, test_conf_parse_buf_domains_limit);
	tcase_add_test(tc, test_conf_parse_buf_P7_challenge_types_off);
	tcase_add_test(tc, test_conf_parse_buf_P8_no_security_off_switch);
	tcase_add_test(tc, test_conf_parse_buf_resolver_forms);
	tcase_add_test(tc, test_conf_parse_buf_unknown_key);
	tcase_add_test(tc, test_conf_parse_buf_unknown_key_before_required);
	tcase_add_test(tc, test_conf_parse_buf_duplicate_key);
	tcase_add_test(tc, test_conf_parse_buf_missing_equals);
	tcase_add_test(tc, test_conf_parse_buf_missing_key);
	tcase_add_test(tc, test_conf_parse_buf_required_missing);
	tcase_add_test(tc, test_conf_parse_buf_nul_byte);
	tcase_add_test(tc, test_conf_parse_buf_overlong_line);
	tcase_add_test(tc, test_conf_parse_buf_control_characters);
	tcase_add_test(tc, test_conf_parse_buf_byte_order_mark);
	tcase_add_test(tc, test_conf_parse_buf_first_error_wins);
	tcase_add_test(tc, test_conf_parse_buf_exact_prefix);
	tcase_add_test(tc, test_conf_parse_buf_name_in_message);
	tcase_add_test(tc, test_conf_parse_buf_err_buffer);
	tcase_add_test(tc, test_conf_parse_buf_empty_buffer);
	tcase_add_test(tc, test_conf_parse_buf_failure_then_clear);
	suite_add_tcase(s, tc);

	tc = tcase_create("conf_load");
	tcase_add_test(tc, test_conf_load_good);
	tcase_add_test(tc, test_conf_load_missing_file);
	tcase_add_test(tc, test_conf_load_directory);
	tcase_add_test(tc, test_conf_load_unreadable);
	tcase_add_test(tc, test_conf_load_error_names_file_and_line);
	tcase_add_test(tc, test_conf_load_size_limit);
	tcase_add_test(tc, test_conf_load_crlf_file);
	tcase_add_test(tc, test_conf_load_sample_file);
	tcase_add_test(tc, test_conf_load_sample_commented_values_are_defaults);
	suite_add_tcase(s, tc);

	tc = tcase_create("conf_profile");
	tcase_add_test(tc, test_conf_profile_builtin_default);
	tcase_add_test(tc, test_conf_profile_named);
	tcase_add_test(tc, test_conf_profile_default_unknown);
	tcase_add_test(tc, test_conf_profile_bad_keys);
	tcase_add_test(tc, test_conf_profile_duplicate_key);
	tcase_add_test(tc, test_conf_profile_too_many);
	tcase_add_test(tc, test_conf_profile_dump_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("conf_clear");
	tcase_add_test(tc, test_conf_clear_zeroed_and_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("conf_dump");
	tcase_add_test(tc, test_conf_dump_defaults);
	tcase_add_test(tc, test_conf_dump_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(conf_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

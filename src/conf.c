/*
 * conf.c: the acmegw.conf parser.
 *
 * Owns struct conf: its defaults, the file format, the checks on every value
 * and the "NAME:LINE: what is wrong (what to do)" error messages; also the
 * dump of the effective settings printed by `acmegw.fcgi -t`.
 *
 * Every key is one row of conf_keys[] below: its name, the kind of value,
 * where it goes in struct conf, its bounds and what to write instead of a
 * bad value.  Adding a setting is one row plus one field in struct conf.
 *
 * It must never act on a setting (open the store, spawn anything, touch
 * the network) and never accept a value it cannot fully check: a bad
 * setting stops the program at start-up with the file and line.
 *
 * Functions that own memory have one exit (goto out).  The checks and
 * value parsers own nothing and stop at the first problem with
 * `return pos_err(...)` or `return "why"`: that reads more plainly than a
 * chain of gotos.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acmegw.h"

#define CONF_MAX_FILE	(1024 * 1024)	/* bytes in a configuration file */
#define CONF_MAX_LINE	4096		/* bytes in a line, without EOL */
#define CONF_MAX_HOSTS	64		/* names in caa_identities */
#define CONF_MAX_DOMAINS 1000		/* allowed_/forbidden_domains */
#define CONF_SHOW	64		/* bytes of a bad value in a message */
#define CONF_MAX_PROFILES 16		/* profile.NAME.* names */
#define CONF_MAX_WORD	32		/* bytes of a profile name */

/* The kinds of value a key can take; each has one parser below. */
enum ckind {
	CK_URL = 0,	/* http:// or https:// URL */
	CK_PATH,	/* absolute path */
	CK_ENUM,	/* one word of names[], stored as its index */
	CK_HOSTS,	/* list of host names */
	CK_NUM,		/* decimal integer, optional unit suffix */
	CK_FLAGS,	/* list of words of names[], stored as a bit mask */
	CK_ADDRPORT,	/* IPv4:PORT or [IPv6]:PORT, stored normalised */
	CK_KEYREF,	/* absolute path or pkcs11: URI */
	CK_WORD,	/* a name: letters, digits, '-', '_' (profile names) */
	CK__MAX
};

/* Flags of a key. */
#define CF_REQUIRED	0x01	/* must be given */
#define CF_EMPTY_OK	0x02	/* an empty value unsets it (NULL) */
#define CF_BASE_URL	0x04	/* no query or fragment, canonical path */
#define CF_ZERO_OK	0x08	/* CK_NUM: 0 (off) besides [min, max] */

/* A unit suffix and what it multiplies the number by. */
struct unit {
	const char		*sfx;
	unsigned long long	 mul;
};

/* One configuration key. */
struct conf_key {
	const char		*name;
	enum ckind		 kind;
	int			 flags;
	size_t			 off;	/* of the field in struct conf */
	size_t			 size;	/* of that field */
	size_t			 offn;	/* CK_HOSTS: of the count field */
	unsigned long long	 min, max;	/* CK_NUM, in the base unit;
						 * CK_HOSTS: max names (0:
						 * CONF_MAX_HOSTS) */
	const struct unit	*units;		/* CK_NUM: NULL, or suffixes */
	const char *const	*names;		/* CK_ENUM: NULL-terminated */
	const char		*want;	/* what a good value looks like */
};

static const struct unit units_smh[] = {
	{ "s", 1 }, { "m", 60 }, { "h", 3600 }, { NULL, 0 }
};
static const struct unit units_smhd[] = {
	{ "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 }, { NULL, 0 }
};
static const struct unit units_ms[] = {
	{ "ms", 1 }, { "s", 1000 }, { NULL, 0 }
};
static const struct unit units_bytes[] = {
	{ "k", 1024 }, { NULL, 0 }
};
static const struct unit units_kib[] = {
	{ "k", 1 }, { "m", 1024 }, { NULL, 0 }
};
static const struct unit units_kibg[] = {
	{ "k", 1 }, { "m", 1024 }, { "g", 1024 * 1024 }, { NULL, 0 }
};

static const char *const names_enrollment[] = { "open", "eab", NULL };
static const char *const names_log_level[] = {
	"warn", "info", "debug", NULL
};
static const char *const names_yesno[] = { "no", "yes", NULL };
/* In the order of enum key_type. */
static const char *const names_key_types[] = {
	"rsa2048", "rsa3072", "rsa4096", "p256", "p384", "ed25519", NULL
};
_Static_assert(sizeof(names_key_types) / sizeof(names_key_types[0]) ==
    KT__MAX + 1, "names_key_types follows enum key_type");
const char *const key_type_str[KT__MAX] = {
	"rsa2048", "rsa3072", "rsa4096", "p256", "p384", "ed25519"
};
/*
 * Bit i is GNUTLS key usage bit (1 << i): GNUTLS_KEY_KEY_AGREEMENT is 8,
 * ... GNUTLS_KEY_DIGITAL_SIGNATURE 128.  The first three (encipherOnly,
 * cRLSign, keyCertSign) are CA usages: their names hold a control
 * character, which no configuration line can contain.
 */
static const char *const names_key_usage[] = {
	"\001encipherOnly", "\001cRLSign", "\001keyCertSign", "keyAgreement",
	"dataEncipherment", "keyEncipherment", "nonRepudiation",
	"digitalSignature", NULL
};
_Static_assert(GNUTLS_KEY_DIGITAL_SIGNATURE == 1 << 7 &&
    GNUTLS_KEY_KEY_ENCIPHERMENT == 1 << 5 && GNUTLS_KEY_KEY_AGREEMENT ==
    1 << 3, "names_key_usage follows the GnuTLS key usage bits");
/* Bit i: EKU OID eku_oids[i]. */
static const char *const names_eku[] = { "serverAuth", "clientAuth", NULL };
static const char *const eku_oids[] = {
	GNUTLS_KP_TLS_WWW_SERVER, GNUTLS_KP_TLS_WWW_CLIENT
};
/* RFC 5280 5.3.1 reason codes; 7 is unused. */
static const char *const names_reasons[] = {
	"0", "1", "2", "3", "4", "5", "6", "\0017", "8", "9", "10", NULL
};
/* In the order of enum chall_type: bit i is names_challenge_types[i]. */
static const char *const names_challenge_types[] = {
	"http-01", "dns-01", "tls-alpn-01", NULL
};
_Static_assert(sizeof(names_challenge_types) /
    sizeof(names_challenge_types[0]) == CHALL__MAX + 1,
    "names_challenge_types follows enum chall_type");

#define FIELD(f)	offsetof(struct conf, f), sizeof(((struct conf *)0)->f)

static const struct conf_key conf_keys[] = {
	{ "base_url", CK_URL, CF_REQUIRED | CF_BASE_URL, FIELD(base_url), 0,
	    0, 0, NULL, NULL,
	    "an http:// or https:// URL without query or fragment, "
	    "e.g. https://acme.example.org/acme" },
	{ "state_dir", CK_PATH, CF_REQUIRED, FIELD(state_dir), 0,
	    0, 0, NULL, NULL,
	    "an absolute path, e.g. /var/lib/acmegw" },
	{ "enrollment", CK_ENUM, 0, FIELD(enrollment), 0,
	    0, 0, NULL, names_enrollment,
	    "open or eab" },
	{ "terms_of_service", CK_URL, CF_EMPTY_OK, FIELD(terms_of_service), 0,
	    0, 0, NULL, NULL,
	    "an http:// or https:// URL, or nothing" },
	{ "website", CK_URL, 0, FIELD(website), 0,
	    0, 0, NULL, NULL,
	    "an http:// or https:// URL" },
	{ "caa_identities", CK_HOSTS, 0, FIELD(caa_identities),
	    offsetof(struct conf, caa_identitiessz),
	    0, 0, NULL, NULL,
	    "host names separated by commas or spaces, e.g. ca.example.org" },
	{ "nonce_lifetime", CK_NUM, 0, FIELD(nonce_lifetime), 0,
	    60, 86400, units_smh, NULL,
	    "a duration from 60s to 24h, e.g. 3600, 90m or 1h" },
	{ "max_body_size", CK_NUM, 0, FIELD(max_body_size), 0,
	    4096, 1048576, units_bytes, NULL,
	    "a size in bytes from 4096 to 1048576, e.g. 65536 or 64k" },
	{ "max_contacts", CK_NUM, 0, FIELD(max_contacts), 0,
	    1, 100, NULL, NULL,
	    "a number from 1 to 100" },
	{ "orders_per_page", CK_NUM, 0, FIELD(orders_per_page), 0,
	    1, 1000, NULL, NULL,
	    "a number from 1 to 1000" },
	{ "lock_timeout", CK_NUM, 0, FIELD(lock_timeout), 0,
	    100, 60000, units_ms, NULL,
	    "milliseconds from 100ms to 60s, e.g. 2000 or 2s" },
	{ "txn_retries", CK_NUM, 0, FIELD(txn_retries), 0,
	    1, 20, NULL, NULL,
	    "a number from 1 to 20" },
	{ "db_cache_size", CK_NUM, 0, FIELD(db_cache_size), 0,
	    1024, 4194304, units_kib, NULL,
	    "KiB from 1024 to 4194304, e.g. 8192, 8192k or 8m" },
	{ "min_free_space", CK_NUM, CF_ZERO_OK, FIELD(min_free_space), 0,
	    1024, 1024 * 1024 * 1024ULL, units_kibg, NULL,
	    "0 (no check) or KiB from 1024 to 1073741824, e.g. 32768, 32m "
	    "or 1g" },
	{ "worker_idle_exit", CK_NUM, 0, FIELD(worker_idle_exit), 0,
	    10, 604800, units_smhd, NULL,
	    "a duration from 10s to 7d, e.g. 300, 5m or 1h" },
	{ "worker_path", CK_PATH, 0, FIELD(worker_path), 0,
	    0, 0, NULL, NULL,
	    "the absolute path of acmegw-worker" },
	{ "location_header", CK_WORD, 0, FIELD(location_header), 0,
	    0, 0, NULL, NULL,
	    "a header name such as X-Acmegw-Location" },
	{ "log_level", CK_ENUM, 0, FIELD(log_level), 0,
	    0, 0, NULL, names_log_level,
	    "warn, info or debug" },

	/* Orders and authorizations (issue 3). */
	{ "max_identifiers", CK_NUM, 0, FIELD(max_identifiers), 0,
	    1, 1000, NULL, NULL,
	    "a number from 1 to 1000" },
	{ "allowed_domains", CK_HOSTS, CF_EMPTY_OK, FIELD(allowed_domains),
	    offsetof(struct conf, allowed_domainssz),
	    0, CONF_MAX_DOMAINS, NULL, NULL,
	    "domain names separated by commas or spaces, e.g. example.org, "
	    "or nothing" },
	{ "forbidden_domains", CK_HOSTS, CF_EMPTY_OK, FIELD(forbidden_domains),
	    offsetof(struct conf, forbidden_domainssz),
	    0, CONF_MAX_DOMAINS, NULL, NULL,
	    "domain names separated by commas or spaces, e.g. example.org, "
	    "or nothing" },
	{ "authz_reuse", CK_NUM, 0, FIELD(authz_reuse), 0,
	    0, 398 * 86400ULL, units_smhd, NULL,
	    "a duration from 0 (off) to 398d, e.g. 30d or 12h" },
	{ "pre_authorization", CK_ENUM, 0, FIELD(pre_authorization), 0,
	    0, 0, NULL, names_yesno,
	    "yes or no" },
	{ "challenge_types", CK_FLAGS, 0, FIELD(challenge_types), 0,
	    0, 0, NULL, names_challenge_types,
	    "one or more of http-01, dns-01 and tls-alpn-01, separated by "
	    "commas or spaces" },
	{ "order_lifetime", CK_NUM, 0, FIELD(order_lifetime), 0,
	    3600, 30 * 86400ULL, units_smhd, NULL,
	    "a duration from 1h to 30d, e.g. 7d" },
	{ "authz_lifetime", CK_NUM, 0, FIELD(authz_lifetime), 0,
	    3600, 30 * 86400ULL, units_smhd, NULL,
	    "a duration from 1h to 30d, e.g. 7d" },
	{ "max_validity", CK_NUM, 0, FIELD(max_validity), 0,
	    3600, 398 * 86400ULL, units_smhd, NULL,
	    "a duration from 1h to 398d, e.g. 90d" },

	/* Validation (issue 3). */
	{ "validate_http_port", CK_NUM, 0, FIELD(validate_http_port), 0,
	    1, 65535, NULL, NULL,
	    "a port number from 1 to 65535" },
	{ "validate_tls_port", CK_NUM, 0, FIELD(validate_tls_port), 0,
	    1, 65535, NULL, NULL,
	    "a port number from 1 to 65535" },
	{ "resolver", CK_ADDRPORT, CF_EMPTY_OK, FIELD(resolver), 0,
	    0, 0, NULL, NULL,
	    "an address and port such as 192.0.2.53:53 or [2001:db8::53]:53, "
	    "or nothing for the system resolver" },
	{ "allow_private_targets", CK_ENUM, 0, FIELD(allow_private_targets), 0,
	    0, 0, NULL, names_yesno,
	    "yes or no" },
	{ "validation_timeout", CK_NUM, 0, FIELD(validation_timeout), 0,
	    1000, 120000, units_ms, NULL,
	    "milliseconds from 1s to 120s, e.g. 10s or 10000" },
	{ "max_validations", CK_NUM, 0, FIELD(max_validations), 0,
	    1, 256, NULL, NULL,
	    "a number from 1 to 256" },
	{ "validation_attempts", CK_NUM, 0, FIELD(validation_attempts), 0,
	    1, 10, NULL, NULL,
	    "a number from 1 to 10" },
	{ "validator_path", CK_PATH, 0, FIELD(validator_path), 0,
	    0, 0, NULL, NULL,
	    "the absolute path of acmegw-validate" },

	/* Issuance and revocation (issue 4). */
	{ "ca_cert", CK_PATH, 0, FIELD(ca_cert), 0,
	    0, 0, NULL, NULL,
	    "the absolute path of the issuing CA certificate (PEM)" },
	{ "ca_key", CK_KEYREF, 0, FIELD(ca_key), 0,
	    0, 0, NULL, NULL,
	    "the absolute path of the issuing CA key (PEM) or a pkcs11: URI" },
	{ "ca_chain", CK_PATH, CF_EMPTY_OK, FIELD(ca_chain), 0,
	    0, 0, NULL, NULL,
	    "the absolute path of the PEM certificates above the issuing CA, "
	    "or nothing" },
	{ "ca_alternate_chain", CK_PATH, CF_EMPTY_OK,
	    FIELD(ca_alternate_chain), 0,
	    0, 0, NULL, NULL,
	    "the absolute path of an alternate PEM chain, or nothing" },
	{ "signer_path", CK_PATH, 0, FIELD(signer_path), 0,
	    0, 0, NULL, NULL,
	    "the absolute path of acmegw-sign" },
	{ "signing_timeout", CK_NUM, 0, FIELD(signing_timeout), 0,
	    1000, 120000, units_ms, NULL,
	    "milliseconds from 1s to 120s, e.g. 5s or 5000" },
	{ "signing_wait", CK_NUM, 0, FIELD(signing_wait), 0,
	    100, 120000, units_ms, NULL,
	    "milliseconds from 100ms to signing_timeout, e.g. 3s or 3000" },
	{ "default_profile", CK_WORD, 0, FIELD(default_profile), 0,
	    0, 0, NULL, NULL,
	    "the name of a profile, e.g. default" },
	{ "revocation_reasons", CK_FLAGS, 0, FIELD(revocation_reasons), 0,
	    0, 0, NULL, names_reasons,
	    "reason codes from 0 to 10 except 7, e.g. 0 1 3 4 5" },
	{ "crl_file", CK_PATH, CF_EMPTY_OK, FIELD(crl_file), 0,
	    0, 0, NULL, NULL,
	    "the absolute path where the CRL is written, or nothing" },
	{ "crl_validity", CK_NUM, 0, FIELD(crl_validity), 0,
	    3600, 366 * 86400ULL, units_smhd, NULL,
	    "a duration from 1h to 366d, e.g. 7d" },
	{ "crl_on_revoke", CK_ENUM, 0, FIELD(crl_on_revoke), 0,
	    0, 0, NULL, names_yesno,
	    "yes or no" },
	{ "crl_interval", CK_NUM, CF_ZERO_OK, FIELD(crl_interval), 0,
	    3600, 30 * 86400ULL, units_smhd, NULL,
	    "0 (no timer) or a duration from 1h to 30d shorter than "
	    "crl_validity, e.g. 1d" },
	{ "ari_window", CK_NUM, 0, FIELD(ari_window), 0,
	    1, 100, NULL, NULL,
	    "a percentage from 1 to 100, e.g. 33" },
};

#define PFIELD(f)	offsetof(struct profile, f), \
			    sizeof(((struct profile *)0)->f)

/*
 * The keys of one profile, "profile.NAME.KEY"; off is in struct profile,
 * except ext_key_usage, which is parsed into a bit mask of names_eku[]
 * (off 0 of an unsigned int) and then turned into OIDs.
 */
static const struct conf_key profile_keys[] = {
	{ "validity", CK_NUM, 0, PFIELD(validity), 0,
	    3600, 398 * 86400ULL, units_smhd, NULL,
	    "a duration from 1h to 398d, e.g. 90d" },
	{ "key_usage", CK_FLAGS, 0, PFIELD(key_usage), 0,
	    0, 0, NULL, names_key_usage,
	    "one or more of digitalSignature, keyEncipherment, keyAgreement, "
	    "dataEncipherment and nonRepudiation" },
	{ "ext_key_usage", CK_FLAGS, 0, 0, sizeof(unsigned int), 0,
	    0, 0, NULL, names_eku,
	    "serverAuth, clientAuth or both" },
	{ "key_types", CK_FLAGS, 0, PFIELD(key_types), 0,
	    0, 0, NULL, names_key_types,
	    "one or more of rsa2048, rsa3072, rsa4096, p256, p384 and "
	    "ed25519" },
	{ "common_name", CK_ENUM, 0, PFIELD(common_name), 0,
	    0, 0, NULL, names_yesno,
	    "yes or no" },
	{ "crl_url", CK_URL, CF_EMPTY_OK, PFIELD(crl_url), 0,
	    0, 0, NULL, NULL,
	    "an http:// URL of the CRL, or nothing" },
	{ "aia_url", CK_URL, CF_EMPTY_OK, PFIELD(aia_url), 0,
	    0, 0, NULL, NULL,
	    "an http:// URL of the issuing CA certificate, or nothing" },
};

#define PROFILE_NKEYS	(sizeof(profile_keys) / sizeof(profile_keys[0]))
#define PK_EKU		2	/* index of ext_key_usage in profile_keys */

#define CONF_NKEYS	(sizeof(conf_keys) / sizeof(conf_keys[0]))

/* Where a message comes from: the file name, the line, the buffer. */
struct pos {
	const char	*name;
	size_t		 line;
	char		*err;
	size_t		 errsz;
};

static int	pos_err(const struct pos *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * Put "NAME:LINE: message" (LINE 0: "NAME: message") into p->err.
 * Always returns -1 so callers can `return pos_err(...)`.
 */
static int
pos_err(const struct pos *p, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err == NULL || p->errsz == 0)
		return -1;
	if (p->line > 0)
		snprintf(p->err, p->errsz, "%s:%zu: %s", p->name, p->line, msg);
	else
		snprintf(p->err, p->errsz, "%s: %s", p->name, msg);
	return -1;
}

/* A bad value, made safe and short for a message. */
static const char *
show(char *buf, size_t bufsz, const char *s, size_t len)
{
	log_sanitize(buf, bufsz, s, len);
	return buf;
}

/* The field of key k in base, a struct conf or a struct profile. */
static void *
field(void *c, const struct conf_key *k)
{
	return (char *)c + k->off;
}

static const void *
cfield(const struct conf *c, const struct conf_key *k)
{
	return (const char *)c + k->off;
}

static void
free_hosts(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ------------------------------------------------------------------ */
/* Value checks                                                         */
/* ------------------------------------------------------------------ */

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int
is_alnum(int ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z');
}

static int
is_hex(int ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'f') ||
	    (ch >= 'A' && ch <= 'F');
}

/*
 * Predicate: the len bytes at s are an address of family af (AF_INET:
 * dotted quad, AF_INET6: the text between brackets).
 */
static int
ip_is_literal(int af, const char *s, size_t len)
{
	char		 buf[64];
	unsigned char	 addr[16];

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(af, buf, addr) == 1;
}

/*
 * Check a DNS host name of len bytes: dot-separated labels of letters,
 * digits and inner hyphens, 1..63 bytes each, 253 in all, no trailing dot,
 * and not all digits in the last label (that is an IP address).  Returns
 * NULL when good, else what is wrong.
 */
static const char *
host_check(const char *s, size_t len)
{
	size_t	 i, lab = 0, start = 0;
	int	 alldigit = 1;

	if (len == 0)
		return "the host name is empty";
	if (len > 253)
		return "the host name is longer than 253 bytes";
	if (s[len - 1] == '.')
		return "the host name ends with a dot";
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (lab == 0)
				return "the host name has an empty label";
			if (lab > 63)
				return "a host name label is longer than "
				    "63 bytes";
			if (s[start] == '-' || s[i - 1] == '-')
				return "a host name label starts or ends "
				    "with a hyphen";
			if (i < len)
				alldigit = 1;
			lab = 0;
			start = i + 1;
			continue;
		}
		if (!is_alnum((unsigned char)s[i]) && s[i] != '-')
			return "the host name has a character other than "
			    "letters, digits, '-' and '.'";
		if (!is_digit((unsigned char)s[i]))
			alldigit = 0;
		lab++;
	}
	if (alldigit)
		return "the host name looks like an IP address";
	return NULL;
}

/*
 * Check the bytes of a URL path, query or fragment: RFC 3986 pchar plus
 * '/' (and '?' outside the path), with '%' followed by two hex digits.
 */
static const char *
url_chars_check(const char *s, size_t len, int inpath)
{
	size_t	 i;
	int	 ch;

	for (i = 0; i < len; i++) {
		ch = (unsigned char)s[i];
		if (ch == '%') {
			if (i + 2 >= len || !is_hex((unsigned char)s[i + 1]) ||
			    !is_hex((unsigned char)s[i + 2]))
				return "a '%' is not followed by two hex "
				    "digits";
			i += 2;
			continue;
		}
		if (is_alnum(ch) || (ch != 0 &&
		    strchr("-._~!$&'()*+,;=:@/", ch) != NULL))
			continue;
		if (ch == '?' && !inpath)
			continue;
		return "it has a character that must be percent-encoded";
	}
	return NULL;
}

/*
 * Check an http(s) URL of len bytes.  With base set (base_url), a query,
 * a fragment and empty, "." or ".." path segments are refused as well.
 * Returns NULL when good, else what is wrong (a static sentence).
 */
static const char *
url_check(const char *s, size_t len, int base)
{
	const char	*p, *end = s + len, *auth, *authend, *host, *hostend;
	const char	*path, *pathend, *seg, *why, *q;
	size_t		 i;
	unsigned long	 port;

	for (i = 0; i < len; i++) {
		if (s[i] == ' ' || s[i] == '\t')
			return "it contains white space (percent-encode it "
			    "as %20)";
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return "it contains a control character";
		if ((unsigned char)s[i] >= 0x80)
			return "it contains a non-ASCII byte (use the A-label "
			    "of the host and percent-encode the path)";
	}
	if (len >= 7 && memcmp(s, "http://", 7) == 0)
		auth = s + 7;
	else if (len >= 8 && memcmp(s, "https://", 8) == 0)
		auth = s + 8;
	else if ((p = memchr(s, ':', len)) != NULL && end - p >= 3 &&
	    p[1] == '/' && p[2] == '/')
		return "the scheme is not http:// or https:// (in lower case)";
	else
		return "it is not an absolute URL (start it with https://)";

	for (authend = auth; authend < end; authend++)
		if (*authend == '/' || *authend == '?' || *authend == '#')
			break;
	if (memchr(auth, '@', authend - auth) != NULL)
		return "user information (user@) is not allowed";
	if (authend == auth)
		return "it has no host";

	/* Host: a name, an IPv4 address or [IPv6]; then an optional port. */
	if (*auth == '[') {
		host = auth + 1;
		hostend = memchr(host, ']', authend - host);
		if (hostend == NULL || !ip_is_literal(AF_INET6, host,
		    hostend - host))
			return "the IPv6 address in brackets is malformed";
		p = hostend + 1;
	} else {
		host = auth;
		hostend = memchr(auth, ':', authend - auth);
		if (hostend == NULL)
			hostend = authend;
		if (hostend == host)
			return "it has no host";
		if (!ip_is_literal(AF_INET, host, hostend - host) &&
		    (why = host_check(host, hostend - host)) != NULL)
			return why;
		p = hostend;
	}
	if (p < authend) {
		if (*p != ':')
			return "the host is followed by junk";
		p++;
		if (p == authend || authend - p > 5)
			return "the port is not a number from 1 to 65535";
		port = 0;
		for (; p < authend; p++) {
			if (!is_digit((unsigned char)*p))
				return "the port is not a number from 1 to "
				    "65535";
			port = port * 10 + (*p - '0');
		}
		if (port == 0 || port > 65535)
			return "the port is not a number from 1 to 65535";
	}

	path = authend;
	for (pathend = path; pathend < end; pathend++)
		if (*pathend == '?' || *pathend == '#')
			break;
	if ((why = url_chars_check(path, pathend - path, 1)) != NULL)
		return why;
	if (pathend < end && base)
		return *pathend == '?' ? "a query (?...) is not allowed here" :
		    "a fragment (#...) is not allowed here";
	p = pathend;
	if (p < end && *p == '?') {
		/* The query runs to the fragment or the end. */
		for (q = p + 1; q < end && *q != '#'; q++)
			continue;
		if ((why = url_chars_check(p + 1, q - p - 1, 0)) != NULL)
			return why;
		p = q;
	}
	/* The fragment: url_chars_check() refuses a second '#'. */
	if (p < end && (why = url_chars_check(p + 1, end - p - 1, 0)) != NULL)
		return why;
	if (!base)
		return NULL;

	/*
	 * base_url is the string every JWS "url" is compared with: refuse
	 * paths a front end would rewrite (SECURITY.md K6).  One trailing
	 * slash is allowed; the caller removes it.
	 */
	if (pathend > path && pathend[-1] == '/')
		pathend--;
	for (seg = path; seg < pathend; ) {
		seg++;			/* past the '/' */
		p = memchr(seg, '/', pathend - seg);
		if (p == NULL)
			p = pathend;
		if (p == seg)
			return "the path has an empty segment (//)";
		if ((p - seg == 1 && seg[0] == '.') ||
		    (p - seg == 2 && seg[0] == '.' && seg[1] == '.'))
			return "the path has a '.' or '..' segment";
		seg = p;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Value parsers: one per enum ckind.  0 ok, -1 with p->err set.         */
/* ------------------------------------------------------------------ */

static int
set_str(void *c, const struct conf_key *k, const struct pos *p,
    char *v)
{
	char	**dst = field(c, k);

	assert(k->size == sizeof(char *));
	if (v == NULL)
		return pos_err(p, "out of memory");
	free(*dst);
	*dst = v;
	return 0;
}

static int
parse_url(void *c, const struct conf_key *k, const struct pos *p,
    const char *v, size_t len)
{
	const char	*why;
	char		 buf[CONF_SHOW];

	if ((why = url_check(v, len, k->flags & CF_BASE_URL)) != NULL)
		return pos_err(p, "%s: \"%s\" is not a usable URL: %s "
		    "(use %s)", k->name, show(buf, sizeof(buf), v, len),
		    why, k->want);
	/* base_url is stored without a trailing slash. */
	if ((k->flags & CF_BASE_URL) && v[len - 1] == '/')
		len--;
	return set_str(c, k, p, strndup(v, len));
}

static int
parse_path(void *c, const struct conf_key *k, const struct pos *p,
    const char *v, size_t len)
{
	char	 buf[CONF_SHOW];

	if (v[0] != '/')
		return pos_err(p, "%s: \"%s\" is not an absolute path "
		    "(use %s)", k->name, show(buf, sizeof(buf), v, len),
		    k->want);
	return set_str(c, k, p, strndup(v, len));
}

static int
parse_enum(void *c, const struct conf_key *k, const struct pos *p,
    const char *v, size_t len)
{
	char	 buf[CONF_SHOW];
	int	 i;

	/* Enums and int are the same size on every ABI we build for. */
	assert(k->size == sizeof(int));
	for (i = 0; k->names[i] != NULL; i++)
		if (strlen(k->names[i]) == len &&
		    memcmp(k->names[i], v, len) == 0) {
			memcpy(field(c, k), &i, sizeof(i));
			return 0;
		}
	return pos_err(p, "%s: unknown value \"%s\" (use %s)", k->name,
	    show(buf, sizeof(buf), v, len), k->want);
}

/*
 * A strict decimal number with an optional unit suffix written right
 * after the digits: no sign, no leading zeros, no white space inside, no
 * overflow.  The result, in the key's base unit, must lie in [min, max].
 */
static int
parse_num(void *c, const struct conf_key *k, const struct pos *p,
    const char *v, size_t len)
{
	const struct unit	*u;
	unsigned long long	 n = 0, mul = 1;
	size_t			 i, slen;
	unsigned int		 ui, d;
	size_t			 sz;
	char			 buf[CONF_SHOW];

	show(buf, sizeof(buf), v, len);
	for (i = 0; i < len && is_digit((unsigned char)v[i]); i++) {
		d = (unsigned int)(v[i] - '0');
		if (n > (~0ULL - d) / 10)
			return pos_err(p, "%s: \"%s\" is far too large (use "
			    "%s)", k->name, buf, k->want);
		n = n * 10 + d;
	}
	if (i == 0)
		return pos_err(p, "%s: \"%s\" is not a number (use %s)",
		    k->name, buf, k->want);
	if (v[0] == '0' && i > 1)
		return pos_err(p, "%s: \"%s\" has a leading zero (use %s)",
		    k->name, buf, k->want);
	if (i < len) {
		slen = len - i;
		for (u = k->units; u != NULL && u->sfx != NULL; u++)
			if (strlen(u->sfx) == slen &&
			    memcmp(u->sfx, v + i, slen) == 0)
				break;
		if (u == NULL || u->sfx == NULL)
			return pos_err(p, "%s: \"%s\" has %s after the "
			    "number (use %s)", k->name, buf,
			    k->units == NULL ? "junk" : "an unknown unit",
			    k->want);
		mul = u->mul;
		if (n > ~0ULL / mul)
			return pos_err(p, "%s: \"%s\" is far too large (use "
			    "%s)", k->name, buf, k->want);
		n *= mul;
	}
	if ((n < k->min && !(n == 0 && (k->flags & CF_ZERO_OK))) ||
	    n > k->max)
		return pos_err(p, "%s: \"%s\" is out of range (use %s)",
		    k->name, buf, k->want);
	if (k->size == sizeof(unsigned int)) {
		assert(n <= UINT_MAX);
		ui = (unsigned int)n;
		memcpy(field(c, k), &ui, sizeof(ui));
	} else {
		assert(k->size == sizeof(size_t));
		sz = (size_t)n;
		memcpy(field(c, k), &sz, sizeof(sz));
	}
	return 0;
}

/*
 * A list of host names separated by commas and/or white space; each is
 * lowercased and must be a host name; none may appear twice; at most
 * k->max of them (CONF_MAX_HOSTS when 0).
 */
static int
parse_hosts(void *c, const struct conf_key *k, const struct pos *p,
    const char *v, size_t len)
{
	char		**list = NULL, **old, *name = NULL;
	size_t		 n = 0, i, j, start, nlen, *oldn, maxn;
	int		 rc = -1, comma = 1;
	const char	*why;
	char		 buf[CONF_SHOW];

	assert(k->size == sizeof(char **));
	maxn = k->max != 0 ? (size_t)k->max : CONF_MAX_HOSTS;
	if ((list = calloc(maxn, sizeof(*list))) == NULL) {
		pos_err(p, "out of memory");
		goto out;
	}
	i = 0;
	while (i < len) {
		/* A separator: white space with at most one comma in it. */
		if (v[i] == ' ' || v[i] == '\t') {
			i++;
			continue;
		}
		if (v[i] == ',') {
			if (comma) {
				pos_err(p, "%s: empty name before a comma "
				    "(use %s)", k->name, k->want);
				goto out;
			}
			comma = 1;
			i++;
			continue;
		}
		start = i;
		while (i < len && v[i] != ' ' && v[i] != '\t' && v[i] != ',')
			i++;
		nlen = i - start;
		if (n == maxn) {
			pos_err(p, "%s: more than %zu names (list fewer)",
			    k->name, maxn);
			goto out;
		}
		if ((name = strndup(v + start, nlen)) == NULL) {
			pos_err(p, "out of memory");
			goto out;
		}
		for (j = 0; j < nlen; j++)
			if (name[j] >= 'A' && name[j] <= 'Z')
				name[j] = (char)(name[j] - 'A' + 'a');
		if ((why = host_check(name, nlen)) != NULL) {
			pos_err(p, "%s: \"%s\" is not a host name: %s (use "
			    "%s)", k->name, show(buf, sizeof(buf), v + start,
			    nlen), why, k->want);
			goto out;
		}
		for (j = 0; j < n; j++)
			if (strcmp(list[j], name) == 0) {
				pos_err(p, "%s: \"%s\" is listed twice "
				    "(remove one)", k->name, name);
				goto out;
			}
		list[n++] = name;
		name = NULL;
		comma = 0;
	}
	if (comma && n > 0) {
		pos_err(p, "%s: the list ends with a comma (remove it)",
		    k->name);
		goto out;
	}
	old = *(char ***)field(c, k);
	oldn = (size_t *)((char *)c + k->offn);
	free_hosts(old, *oldn);
	*(char ***)field(c, k) = list;
	*oldn = n;
	list = NULL;
	n = 0;
	rc = 0;
out:
	free(name);
	if (list != NULL)
		free_hosts(list, n);
	return rc;
}

/*
 * A list of words of k->names[] separated by commas and/or white space,
 * each at most once, at least one; stored as the bit mask with bit i set
 * for names[i].
 */
static int
parse_flags(void *c, const struct conf_key *k, const struct pos *p,
    const char *v, size_t len)
{
	unsigned int	 mask = 0, bit;
	size_t		 i, start, wlen;
	int		 comma = 1, j;
	char		 buf[CONF_SHOW];

	assert(k->size == sizeof(unsigned int));
	i = 0;
	while (i < len) {
		if (v[i] == ' ' || v[i] == '\t') {
			i++;
			continue;
		}
		if (v[i] == ',') {
			if (comma)
				return pos_err(p, "%s: empty name before a "
				    "comma (use %s)", k->name, k->want);
			comma = 1;
			i++;
			continue;
		}
		start = i;
		while (i < len && v[i] != ' ' && v[i] != '\t' && v[i] != ',')
			i++;
		wlen = i - start;
		for (j = 0; k->names[j] != NULL; j++)
			if (strlen(k->names[j]) == wlen &&
			    memcmp(k->names[j], v + start, wlen) == 0)
				break;
		if (k->names[j] == NULL)
			return pos_err(p, "%s: unknown value \"%s\" (use %s)",
			    k->name, show(buf, sizeof(buf), v + start, wlen),
			    k->want);
		bit = 1U << j;
		if (mask & bit)
			return pos_err(p, "%s: \"%s\" is listed twice "
			    "(remove one)", k->name, k->names[j]);
		mask |= bit;
		comma = 0;
	}
	if (comma && mask != 0)
		return pos_err(p, "%s: the list ends with a comma (remove it)",
		    k->name);
	if (mask == 0)
		return pos_err(p, "%s: no name is listed (use %s)", k->name,
		    k->want);
	memcpy(field(c, k), &mask, sizeof(mask));
	return 0;
}

/*
 * An address and a port: "IPv4:PORT" (dotted quad) or "[IPv6]:PORT", the
 * port a number from 1 to 65535 without leading zero.  Stored in the same
 * form with the address as inet_ntop() writes it.
 */
static int
parse_addrport(void *c, const struct conf_key *k, const struct pos *p,
    const char *v, size_t len)
{
	const char	*addr, *addrend, *ps;
	char		 abuf[64], out[INET6_ADDRSTRLEN + 16];
	char		 buf[CONF_SHOW];
	unsigned char	 a[16];
	unsigned long	 port = 0;
	int		 af;

	show(buf, sizeof(buf), v, len);
	if (v[0] == '[') {
		af = AF_INET6;
		addr = v + 1;
		if ((addrend = memchr(v, ']', len)) == NULL)
			return pos_err(p, "%s: \"%s\" has no ']' after the "
			    "IPv6 address (use %s)", k->name, buf, k->want);
		ps = addrend + 1;
	} else {
		af = AF_INET;
		addr = v;
		if ((addrend = memchr(v, ':', len)) == NULL)
			return pos_err(p, "%s: \"%s\" has no port (use %s)",
			    k->name, buf, k->want);
		if (memchr(addrend + 1, ':', v + len - addrend - 1) != NULL)
			return pos_err(p, "%s: \"%s\": put an IPv6 address "
			    "in brackets (use %s)", k->name, buf, k->want);
		ps = addrend;
	}
	if ((size_t)(addrend - addr) >= sizeof(abuf) || addrend == addr)
		return pos_err(p, "%s: \"%s\" is not an IP address and port "
		    "(use %s)", k->name, buf, k->want);
	memcpy(abuf, addr, addrend - addr);
	abuf[addrend - addr] = '\0';
	if (inet_pton(af, abuf, a) != 1)
		return pos_err(p, "%s: \"%s\" is not an %s address (use %s)",
		    k->name, buf, af == AF_INET ? "IPv4" : "IPv6", k->want);
	if (ps == v + len || *ps != ':')
		return pos_err(p, "%s: \"%s\" has no port (use %s)", k->name,
		    buf, k->want);
	ps++;
	if (ps == v + len || v + len - ps > 5 || *ps == '0')
		return pos_err(p, "%s: \"%s\": the port is not a number from "
		    "1 to 65535 (use %s)", k->name, buf, k->want);
	for (; ps < v + len; ps++) {
		if (!is_digit((unsigned char)*ps))
			return pos_err(p, "%s: \"%s\": the port is not a "
			    "number from 1 to 65535 (use %s)", k->name, buf,
			    k->want);
		port = port * 10 + (unsigned long)(*ps - '0');
	}
	if (port > 65535)
		return pos_err(p, "%s: \"%s\": the port is not a number from "
		    "1 to 65535 (use %s)", k->name, buf, k->want);
	if (inet_ntop(af, a, abuf, sizeof(abuf)) == NULL)
		return pos_err(p, "%s: cannot format the address", k->name);
	snprintf(out, sizeof(out), af == AF_INET ? "%s:%lu" : "[%s]:%lu",
	    abuf, port);
	return set_str(c, k, p, strdup(out));
}

/*
 * The CA key: an absolute path, or a PKCS#11 URI (RFC 7512) "pkcs11:..."
 * of printable ASCII without spaces, handed to GnuTLS as it is.
 */
static int
parse_keyref(void *c, const struct conf_key *k, const struct pos *p,
    const char *v, size_t len)
{
	char	 buf[CONF_SHOW];
	size_t	 i;

	if (len > 7 && memcmp(v, "pkcs11:", 7) == 0) {
		for (i = 0; i < len; i++)
			if ((unsigned char)v[i] <= 0x20 ||
			    (unsigned char)v[i] >= 0x7f)
				return pos_err(p, "%s: the PKCS#11 URI has a "
				    "space or a non-ASCII byte (percent-encode "
				    "it)", k->name);
		return set_str(c, k, p, strndup(v, len));
	}
	if (v[0] != '/')
		return pos_err(p, "%s: \"%s\" is neither an absolute path nor "
		    "a pkcs11: URI (use %s)", k->name,
		    show(buf, sizeof(buf), v, len), k->want);
	return set_str(c, k, p, strndup(v, len));
}

/* 1 when the len bytes at v are a name: [A-Za-z0-9_-], 1..32 bytes. */
static int
word_is_valid(const char *v, size_t len)
{
	size_t	 i;

	if (len == 0 || len > CONF_MAX_WORD)
		return 0;
	for (i = 0; i < len; i++)
		if (!is_alnum((unsigned char)v[i]) && v[i] != '-' &&
		    v[i] != '_')
			return 0;
	return 1;
}

static int
parse_word(void *c, const struct conf_key *k, const struct pos *p,
    const char *v, size_t len)
{
	char	 buf[CONF_SHOW];

	if (!word_is_valid(v, len))
		return pos_err(p, "%s: \"%s\" is not a name of letters, "
		    "digits, '-' and '_', at most %d bytes (use %s)", k->name,
		    show(buf, sizeof(buf), v, len), CONF_MAX_WORD, k->want);
	return set_str(c, k, p, strndup(v, len));
}

static int
parse_value(void *c, const struct conf_key *k, const struct pos *p,
    const char *v, size_t len)
{
	char	**dst;
	size_t	 *dstn;
	int	 rc = -1;

	if (len == 0) {
		if (!(k->flags & CF_EMPTY_OK))
			return pos_err(p, "%s: the value is empty (use %s, "
			    "or remove the line for the default)", k->name,
			    k->want);
		if (k->kind == CK_HOSTS) {
			dstn = (size_t *)((char *)c + k->offn);
			free_hosts(*(char ***)field(c, k), *dstn);
			*(char ***)field(c, k) = NULL;
			*dstn = 0;
			return 0;
		}
		assert(k->kind == CK_URL || k->kind == CK_PATH ||
		    k->kind == CK_ADDRPORT || k->kind == CK_KEYREF ||
		    k->kind == CK_WORD);
		dst = field(c, k);
		free(*dst);
		*dst = NULL;
		return 0;
	}
	switch (k->kind) {
	case CK_URL:
		rc = parse_url(c, k, p, v, len);
		break;
	case CK_PATH:
		rc = parse_path(c, k, p, v, len);
		break;
	case CK_ENUM:
		rc = parse_enum(c, k, p, v, len);
		break;
	case CK_HOSTS:
		rc = parse_hosts(c, k, p, v, len);
		break;
	case CK_NUM:
		rc = parse_num(c, k, p, v, len);
		break;
	case CK_FLAGS:
		rc = parse_flags(c, k, p, v, len);
		break;
	case CK_ADDRPORT:
		rc = parse_addrport(c, k, p, v, len);
		break;
	case CK_KEYREF:
		rc = parse_keyref(c, k, p, v, len);
		break;
	case CK_WORD:
		rc = parse_word(c, k, p, v, len);
		break;
	default:
		abort();
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Profiles                                                             */
/* ------------------------------------------------------------------ */

static void
profile_clear(struct profile *pr)
{
	size_t	 i;

	free(pr->name);
	for (i = 0; i < pr->ekusz; i++)
		free(pr->eku[i]);
	free(pr->eku);
	free(pr->crl_url);
	free(pr->aia_url);
	memset(pr, 0, sizeof(*pr));
}

/* Replace the EKU OIDs of pr by those of mask (bits of names_eku). */
static int
profile_set_eku(struct profile *pr, unsigned int mask)
{
	char	**v;
	size_t	 i, n = 0;

	if ((v = calloc(sizeof(eku_oids) / sizeof(eku_oids[0]),
	    sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < sizeof(eku_oids) / sizeof(eku_oids[0]); i++) {
		if (!(mask & (1U << i)))
			continue;
		if ((v[n] = strdup(eku_oids[i])) == NULL) {
			while (n > 0)
				free(v[--n]);
			free(v);
			return -1;
		}
		n++;
	}
	for (i = 0; i < pr->ekusz; i++)
		free(pr->eku[i]);
	free(pr->eku);
	pr->eku = v;
	pr->ekusz = n;
	return 0;
}

/*
 * Append a profile called name (len bytes) with the defaults: validity
 * 90 d, digitalSignature keyEncipherment, serverAuth clientAuth, RSA
 * 2048..4096 and P-256/P-384, the CN set, no CRL or AIA URL.  Returns its
 * index, or -1 when memory runs out.
 */
static ssize_t
profile_add(struct conf *c, const char *name, size_t len)
{
	struct profile	*v, *pr;

	if ((v = reallocarray(c->profiles, c->profilessz + 1,
	    sizeof(*v))) == NULL)
		return -1;
	c->profiles = v;
	pr = &v[c->profilessz];
	memset(pr, 0, sizeof(*pr));
	if ((pr->name = strndup(name, len)) == NULL)
		return -1;
	pr->validity = 90 * 86400;
	pr->key_usage = GNUTLS_KEY_DIGITAL_SIGNATURE |
	    GNUTLS_KEY_KEY_ENCIPHERMENT;
	pr->key_types = (1U << KT_RSA2048) | (1U << KT_RSA3072) |
	    (1U << KT_RSA4096) | (1U << KT_P256) | (1U << KT_P384);
	pr->common_name = 1;
	if (profile_set_eku(pr, 3) == -1) {
		free(pr->name);
		return -1;
	}
	return (ssize_t)c->profilessz++;
}

/*
 * One "profile.NAME.KEY = value" line (key is the whole key text, klen
 * bytes).  seen[] holds, per profile and key, the line it was set on.
 */
static int
profile_line(struct conf *c, const struct pos *p, const char *key,
    size_t klen, const char *v, size_t vlen,
    size_t seen[CONF_MAX_PROFILES][PROFILE_NKEYS])
{
	const struct conf_key	*k;
	struct conf_key		 kk;
	char			 full[CONF_MAX_WORD + 40];
	const char		*name, *dot, *sub;
	size_t			 namelen, sublen, i, j;
	ssize_t			 idx;
	unsigned int		 mask;
	char			 buf[CONF_SHOW];

	name = key + 8;			/* past "profile." */
	dot = memchr(name, '.', key + klen - name);
	if (dot == NULL)
		return pos_err(p, "\"%s\" is not a profile key (write "
		    "profile.NAME.KEY, see acmegw.conf(5))",
		    show(buf, sizeof(buf), key, klen));
	namelen = (size_t)(dot - name);
	sub = dot + 1;
	sublen = (size_t)(key + klen - sub);
	if (!word_is_valid(name, namelen))
		return pos_err(p, "\"%s\": the profile name must be letters, "
		    "digits, '-' and '_', at most %d bytes",
		    show(buf, sizeof(buf), key, klen), CONF_MAX_WORD);
	for (j = 0; j < PROFILE_NKEYS; j++)
		if (strlen(profile_keys[j].name) == sublen &&
		    memcmp(profile_keys[j].name, sub, sublen) == 0)
			break;
	if (j == PROFILE_NKEYS)
		return pos_err(p, "unknown profile key \"%s\" (use validity, "
		    "key_usage, ext_key_usage, key_types, common_name, crl_url "
		    "or aia_url)", show(buf, sizeof(buf), sub, sublen));
	k = &profile_keys[j];
	for (i = 0; i < c->profilessz; i++)
		if (strlen(c->profiles[i].name) == namelen &&
		    memcmp(c->profiles[i].name, name, namelen) == 0)
			break;
	if (i == c->profilessz) {
		if (c->profilessz >= CONF_MAX_PROFILES)
			return pos_err(p, "more than %d profiles (define "
			    "fewer)", CONF_MAX_PROFILES);
		if ((idx = profile_add(c, name, namelen)) == -1)
			return pos_err(p, "out of memory");
		i = (size_t)idx;
	}
	if (seen[i][j] != 0)
		return pos_err(p, "profile.%s.%s is given twice, first on line "
		    "%zu (remove one)", c->profiles[i].name, k->name,
		    seen[i][j]);
	seen[i][j] = p->line;
	/* Messages name the whole key: profile.NAME.KEY. */
	kk = *k;
	snprintf(full, sizeof(full), "profile.%s.%s", c->profiles[i].name,
	    k->name);
	kk.name = full;
	if (j != PK_EKU)
		return parse_value(&c->profiles[i], &kk, p, v, vlen);
	mask = 0;
	if (parse_value(&mask, &kk, p, v, vlen) == -1)
		return -1;
	if (profile_set_eku(&c->profiles[i], mask) == -1)
		return pos_err(p, "out of memory");
	return 0;
}

/*
 * The profile called name, borrowed from c; NULL name means
 * c->default_profile.  Returns NULL when there is no such profile.
 */
const struct profile *
conf_profile(const struct conf *c, const char *name)
{
	size_t	 i;

	assert(c != NULL);
	if (name == NULL)
		name = c->default_profile;
	if (name == NULL)
		return NULL;
	for (i = 0; i < c->profilessz; i++)
		if (strcmp(c->profiles[i].name, name) == 0)
			return &c->profiles[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Exported                                                             */
/* ------------------------------------------------------------------ */

/*
 * Fill c with the defaults: everything zero or NULL, enrollment open,
 * nonce_lifetime 3600 s, max_body_size 65536, max_contacts 10,
 * orders_per_page 100, lock_timeout 2000 ms, txn_retries 5,
 * db_cache_size 8192 KiB, min_free_space 32768 KiB (two Berkeley DB
 * log files of 10 MiB, the default cache and a margin: SECURITY.md B21),
 * worker_idle_exit 300 s, worker_path
 * LIBEXECDIR/acmegw-worker (a heap copy), log_level 1; for orders
 * max_identifiers 100, no allowed or forbidden domains, authz_reuse 30 d,
 * no pre-authorization, every challenge type, order_lifetime and
 * authz_lifetime 7 d, max_validity 90 d; for validation ports 80 and 443,
 * the system resolver (NULL), no private targets, validation_timeout
 * 10000 ms, max_validations 16, validation_attempts 3 and validator_path
 * LIBEXECDIR/acmegw-validate (a heap copy); for issuance no CA (ca_cert,
 * ca_key, ca_chain NULL), signer_path LIBEXECDIR/acmegw-sign,
 * signing_timeout 5000 ms, signing_wait 3000 ms (at most
 * signing_timeout when not given), default_profile "default" (heap
 * copies), the
 * built-in profile "default" (see profile_add(); profile.default.* lines
 * change it, other names add profiles), revocation_reasons 0 1 3 4 5, no
 * crl_file,
 * crl_validity 7 d, crl_on_revoke yes, crl_interval 1 d, ari_window 33.
 * base_url and state_dir stay
 * NULL: they have no default.  Exits through fatal() when
 * memory runs out.  Release with conf_clear().
 */
void
conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->enrollment = ENROLL_OPEN;
	c->nonce_lifetime = 3600;
	c->max_body_size = 65536;
	c->max_contacts = 10;
	c->orders_per_page = 100;
	c->lock_timeout = 2000;
	c->txn_retries = 5;
	c->db_cache_size = 8192;
	c->min_free_space = 32768;
	c->worker_idle_exit = 300;
	c->log_level = 1;
	c->max_identifiers = 100;
	c->authz_reuse = 30 * 86400;
	c->pre_authorization = 0;
	c->challenge_types = (1U << CHALL__MAX) - 1;
	c->order_lifetime = 7 * 86400;
	c->authz_lifetime = 7 * 86400;
	c->max_validity = 90 * 86400;
	c->validate_http_port = 80;
	c->validate_tls_port = 443;
	c->resolver = NULL;
	c->allow_private_targets = 0;
	c->validation_timeout = 10000;
	c->max_validations = 16;
	c->validation_attempts = 3;
	c->signing_timeout = 5000;
	c->signing_wait = 3000;
	c->revocation_reasons = (1U << 0) | (1U << 1) | (1U << 3) |
	    (1U << 4) | (1U << 5);
	c->crl_validity = 7 * 86400;
	c->crl_on_revoke = 1;
	c->crl_interval = 86400;
	c->ari_window = 33;
	if ((c->worker_path = strdup(LIBEXECDIR "/acmegw-worker")) == NULL ||
	    (c->validator_path = strdup(LIBEXECDIR "/acmegw-validate")) ==
	    NULL ||
	    (c->signer_path = strdup(LIBEXECDIR "/acmegw-sign")) == NULL ||
	    (c->default_profile = strdup("default")) == NULL ||
	    profile_add(c, "default", 7) == -1)
		fatal("conf_init");
}

/*
 * With a crl_file, the CRL timer (crl_interval, when not 0) must run
 * more often than a CRL lives (crl_validity), or a CRL would expire
 * between two runs.  Without a crl_file there is no timer and nothing to
 * check.  seen[] holds the line of each key of conf_keys[] (0: not
 * given); the message names the line of crl_interval, else of
 * crl_validity, else none.  Returns 0, or -1 with the message in p.
 */
static int
conf_crl_check(const struct conf *c, struct pos *p, const size_t *seen)
{
	size_t	 i, lint = 0, lval = 0;

	if (c->crl_file == NULL || c->crl_interval == 0 ||
	    c->crl_interval < c->crl_validity)
		return 0;
	for (i = 0; i < CONF_NKEYS; i++) {
		if (strcmp(conf_keys[i].name, "crl_interval") == 0)
			lint = seen[i];
		else if (strcmp(conf_keys[i].name, "crl_validity") == 0)
			lval = seen[i];
	}
	p->line = lint != 0 ? lint : lval;
	return pos_err(p, "crl_interval (%u s%s) is not shorter than "
	    "crl_validity (%u s): a CRL would expire before the next one "
	    "is written (set crl_interval below crl_validity, or "
	    "crl_interval = 0 to turn the timer off)", c->crl_interval,
	    lint != 0 ? "" : ", the default", c->crl_validity);
}

/*
 * Parse len bytes of configuration text in buf (not necessarily
 * NUL-terminated) into c, which conf_init() prepared.  name is the file
 * name used in messages.  Lines are "key = value"; blank lines and lines
 * whose first non-blank byte is '#' are ignored; a "\r" before the "\n" is
 * dropped.  Returns 0, or -1 at the first error with
 * "NAME:LINE: what is wrong (what to do)" (or "NAME: ..." for a missing
 * key) in err (errsz bytes, may be NULL/0).  On failure c may hold part of
 * the file: conf_clear() it.
 */
int
conf_parse_buf(struct conf *c, const char *name, const char *buf,
    size_t len, char *err, size_t errsz)
{
	const struct conf_key	*k;
	struct pos		 p;
	size_t			 seen[CONF_NKEYS];
	size_t			 pseen[CONF_MAX_PROFILES][PROFILE_NKEYS];
	const char		*line, *nl, *end, *eq, *ks, *ke, *vs, *ve;
	size_t			 i, llen;
	int			 rc = -1;
	char			 sbuf[CONF_SHOW];

	assert(c != NULL && name != NULL && (buf != NULL || len == 0));
	memset(seen, 0, sizeof(seen));
	memset(pseen, 0, sizeof(pseen));
	p.name = name;
	p.line = 0;
	p.err = err;
	p.errsz = errsz;
	if (err != NULL && errsz > 0)
		err[0] = '\0';

	end = len > 0 ? buf + len : buf;
	for (line = buf; len > 0 && line != NULL && line < end; line = nl) {
		p.line++;
		if ((nl = memchr(line, '\n', end - line)) != NULL) {
			llen = nl - line;
			nl++;
		} else
			llen = end - line;
		if (memchr(line, '\0', llen) != NULL) {
			pos_err(&p, "NUL byte in the line (this is not a "
			    "text file; save it as plain text)");
			goto out;
		}
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;
		if (llen > CONF_MAX_LINE) {
			pos_err(&p, "line longer than %d bytes (shorten it)",
			    CONF_MAX_LINE);
			goto out;
		}
		if (p.line == 1 && llen >= 3 &&
		    memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			pos_err(&p, "byte order mark at the start of the "
			    "file (save it without one)");
			goto out;
		}

		/* Comments and blank lines. */
		for (ks = line; ks < line + llen; ks++)
			if (*ks != ' ' && *ks != '\t')
				break;
		if (ks == line + llen || *ks == '#')
			continue;

		for (i = 0; i < llen; i++)
			if (((unsigned char)line[i] < 0x20 &&
			    line[i] != '\t') || line[i] == 0x7f) {
				pos_err(&p, "control character 0x%02x in the "
				    "line (remove it)",
				    (unsigned char)line[i]);
				goto out;
			}

		if ((eq = memchr(line, '=', llen)) == NULL) {
			pos_err(&p, "\"%s\" is not a setting (write "
			    "'key = value', or start a comment with '#')",
			    show(sbuf, sizeof(sbuf), ks, line + llen - ks));
			goto out;
		}
		for (ke = eq; ke > ks && (ke[-1] == ' ' || ke[-1] == '\t'); )
			ke--;
		if (ke == ks) {
			pos_err(&p, "no key before '=' (write 'key = value')");
			goto out;
		}
		for (vs = eq + 1; vs < line + llen &&
		    (*vs == ' ' || *vs == '\t'); vs++)
			continue;
		for (ve = line + llen; ve > vs &&
		    (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
			continue;

		if (ke - ks > 8 && memcmp(ks, "profile.", 8) == 0) {
			if (profile_line(c, &p, ks, (size_t)(ke - ks), vs,
			    (size_t)(ve - vs), pseen) == -1)
				goto out;
			continue;
		}
		for (i = 0; i < CONF_NKEYS; i++)
			if (strlen(conf_keys[i].name) == (size_t)(ke - ks) &&
			    memcmp(conf_keys[i].name, ks, ke - ks) == 0)
				break;
		if (i == CONF_NKEYS) {
			pos_err(&p, "unknown key \"%s\" (check the spelling "
			    "in acmegw.conf(5))",
			    show(sbuf, sizeof(sbuf), ks, ke - ks));
			goto out;
		}
		k = &conf_keys[i];
		if (seen[i] != 0) {
			pos_err(&p, "%s is given twice, first on line %zu "
			    "(remove one)", k->name, seen[i]);
			goto out;
		}
		seen[i] = p.line;
		if (parse_value(c, k, &p, vs, ve - vs) == -1)
			goto out;
	}

	p.line = 0;
	for (i = 0; i < CONF_NKEYS; i++) {
		k = &conf_keys[i];
		if ((k->flags & CF_REQUIRED) &&
		    *(char *const *)cfield(c, k) == NULL) {
			pos_err(&p, "%s is required (add a line '%s = ...' "
			    "with %s)", k->name, k->name, k->want);
			goto out;
		}
	}
	/* signing_wait: at most signing_timeout (the default is clamped). */
	if (c->signing_wait > c->signing_timeout) {
		for (i = 0; i < CONF_NKEYS &&
		    strcmp(conf_keys[i].name, "signing_wait") != 0; i++)
			continue;
		if (i == CONF_NKEYS || seen[i] == 0)
			c->signing_wait = c->signing_timeout;
		else {
			p.line = seen[i];
			pos_err(&p, "signing_wait: %u ms is larger than "
			    "signing_timeout, %u ms (make signing_wait at most "
			    "signing_timeout)", c->signing_wait,
			    c->signing_timeout);
			goto out;
		}
	}
	if (conf_crl_check(c, &p, seen) == -1)
		goto out;
	if (conf_profile(c, NULL) == NULL) {
		pos_err(&p, "default_profile: there is no profile \"%s\" "
		    "(define profile.%s.* or name a defined profile)",
		    c->default_profile ? c->default_profile : "",
		    c->default_profile ? c->default_profile : "NAME");
		goto out;
	}
	rc = 0;
out:
	return rc;
}

/*
 * Read the file at path and parse it into c (prepared by conf_init()); c
 * keeps a copy of path in c->path.  A file that cannot be read or is over
 * 1 MiB is an error naming the file.  Returns 0, or -1 with the message in
 * err (see conf_parse_buf()); on failure conf_clear() c.
 */
int
conf_load(struct conf *c, const char *path, char *err, size_t errsz)
{
	struct pos	 p;
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd = -1, rc = -1;

	p.name = path;
	p.line = 0;
	p.err = err;
	p.errsz = errsz;
	free(c->path);
	if ((c->path = strdup(path)) == NULL) {
		pos_err(&p, "out of memory");
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		pos_err(&p, "cannot open: %s", strerror(errno));
		goto out;
	}
	/* Read one byte past the limit to see whether the file is bigger. */
	if ((buf = malloc(CONF_MAX_FILE + 1)) == NULL) {
		pos_err(&p, "out of memory");
		goto out;
	}
	while (len < CONF_MAX_FILE + 1) {
		n = read(fd, buf + len, CONF_MAX_FILE + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			pos_err(&p, "cannot read: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > CONF_MAX_FILE) {
		pos_err(&p, "the file is larger than 1 MiB (is this the "
		    "right file?)");
		goto out;
	}
	rc = conf_parse_buf(c, path, buf, len, err, errsz);
out:
	if (fd != -1)
		close(fd);
	free(buf);
	return rc;
}

/*
 * Free everything c owns and zero it; c can be conf_init()ed again.
 * Safe on a zeroed struct conf.
 */
void
conf_clear(struct conf *c)
{
	const struct conf_key	*k;
	size_t			 i;

	for (i = 0; i < CONF_NKEYS; i++) {
		k = &conf_keys[i];
		switch (k->kind) {
		case CK_URL:
		case CK_PATH:
		case CK_ADDRPORT:
		case CK_KEYREF:
		case CK_WORD:
			free(*(char **)field(c, k));
			break;
		case CK_HOSTS:
			free_hosts(*(char ***)field(c, k),
			    *(size_t *)((char *)c + k->offn));
			break;
		default:
			break;
		}
	}
	for (i = 0; i < c->profilessz; i++)
		profile_clear(&c->profiles[i]);
	free(c->profiles);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

/* Print a list of names[] for the bits of mask: " a b c". */
static void
dump_bits(FILE *fp, const char *const *names, unsigned int mask)
{
	size_t	 j;

	for (j = 0; names[j] != NULL; j++)
		if (mask & (1U << j))
			fprintf(fp, " %s", names[j]);
}

/* The profile.NAME.* lines of one profile. */
static void
profile_dump(const struct profile *pr, FILE *fp)
{
	size_t		 i, j;
	unsigned int	 mask = 0;

	fprintf(fp, "profile.%s.validity = %u\n", pr->name, pr->validity);
	fprintf(fp, "profile.%s.key_usage =", pr->name);
	dump_bits(fp, names_key_usage, pr->key_usage);
	for (i = 0; i < pr->ekusz; i++)
		for (j = 0; j < sizeof(eku_oids) / sizeof(eku_oids[0]); j++)
			if (strcmp(pr->eku[i], eku_oids[j]) == 0)
				mask |= 1U << j;
	fprintf(fp, "\nprofile.%s.ext_key_usage =", pr->name);
	dump_bits(fp, names_eku, mask);
	fprintf(fp, "\nprofile.%s.key_types =", pr->name);
	dump_bits(fp, names_key_types, pr->key_types);
	fprintf(fp, "\nprofile.%s.common_name = %s\n", pr->name,
	    pr->common_name ? "yes" : "no");
	fprintf(fp, "profile.%s.crl_url =%s%s\n", pr->name,
	    pr->crl_url ? " " : "", pr->crl_url ? pr->crl_url : "");
	fprintf(fp, "profile.%s.aia_url =%s%s\n", pr->name,
	    pr->aia_url ? " " : "", pr->aia_url ? pr->aia_url : "");
}

/*
 * Print the effective settings to fp, one "key = value" line per key in
 * the order of acmegw.conf(5), numbers in their base unit; an unset key
 * is printed as a comment.  The output parses back to the same settings.
 */
void
conf_dump(const struct conf *c, FILE *fp)
{
	const struct conf_key	*k;
	const char		*s;
	char *const		*v;
	size_t			 i, j, n;
	unsigned int		 ui;
	size_t			 sz;
	int			 e;

	if (c->path != NULL)
		fprintf(fp, "# settings from %s\n", c->path);
	for (i = 0; i < CONF_NKEYS; i++) {
		k = &conf_keys[i];
		switch (k->kind) {
		case CK_URL:
		case CK_PATH:
		case CK_ADDRPORT:
		case CK_KEYREF:
		case CK_WORD:
			s = *(char *const *)cfield(c, k);
			if (s == NULL)
				fprintf(fp, "# %s is not set\n", k->name);
			else
				fprintf(fp, "%s = %s\n", k->name, s);
			break;
		case CK_ENUM:
			memcpy(&e, cfield(c, k), sizeof(e));
			for (j = 0; k->names[j] != NULL && (int)j != e; j++)
				continue;
			if (k->names[j] != NULL)
				fprintf(fp, "%s = %s\n", k->name, k->names[j]);
			else
				fprintf(fp, "# %s has the bad value %d\n",
				    k->name, e);
			break;
		case CK_HOSTS:
			v = *(char **const *)cfield(c, k);
			n = *(const size_t *)((const char *)c + k->offn);
			if (n == 0) {
				fprintf(fp, "# %s is not set\n", k->name);
				break;
			}
			fprintf(fp, "%s =", k->name);
			for (j = 0; j < n; j++)
				fprintf(fp, "%s %s", j > 0 ? "," : "", v[j]);
			fputc('\n', fp);
			break;
		case CK_NUM:
			if (k->size == sizeof(unsigned int)) {
				memcpy(&ui, cfield(c, k), sizeof(ui));
				fprintf(fp, "%s = %u\n", k->name, ui);
			} else {
				memcpy(&sz, cfield(c, k), sizeof(sz));
				fprintf(fp, "%s = %zu\n", k->name, sz);
			}
			break;
		case CK_FLAGS:
			memcpy(&ui, cfield(c, k), sizeof(ui));
			if (ui == 0) {
				fprintf(fp, "# %s has no value\n", k->name);
				break;
			}
			fprintf(fp, "%s =", k->name);
			for (j = 0; k->names[j] != NULL; j++)
				if (ui & (1U << j))
					fprintf(fp, " %s", k->names[j]);
			fputc('\n', fp);
			break;
		default:
			abort();
		}
	}
	for (i = 0; i < c->profilessz; i++)
		profile_dump(&c->profiles[i], fp);
}

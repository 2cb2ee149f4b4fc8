/*
 * ident.c: ACME identifiers (RFC 8555 7.1.4, RFC 8738) and the issuance
 * policy on them.
 *
 * Owns the syntax of an identifier object {"type", "value"}: which "dns"
 * names and "ip" addresses acmegw accepts and in which one spelling
 * (SECURITY.md K3: the value is a store key, so it has one normal form and
 * at most 253 bytes), the wildcard rules (R4: their own code path), and the
 * domain policy: the global allowed_domains / forbidden_domains suffixes
 * and the suffixes of an external account binding key.
 *
 * Must never: change a value it accepts (normal forms are checked, not
 * made: a value in any other spelling is refused and the detail names the
 * right one), resolve a name or touch the network, or put client bytes in
 * a detail without log_sanitize().
 *
 * The checks own nothing and stop at the first problem with
 * `return perr_set(...)`, as conf.c does; only the IDN check, which owns
 * libidn2's buffers, has one exit.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "acmegw.h"

#define IDENT_NAME_MAX		253	/* bytes in a name, "*." included */
#define IDENT_LABEL_MAX		63	/* bytes in a label */
#define IDENT_SHOW		80	/* bytes of a value shown in a detail */

/* A client value made printable and short for a detail. */
static const char *
ident_show(char *buf, size_t bufsz, const char *s, size_t len)
{
	log_sanitize(buf, bufsz, s, len);
	return buf;
}

static int
ident_is_ldh(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	    ch == '-';
}

/*
 * Predicate: s (len bytes) parses as an IPv4 or IPv6 address, in any
 * spelling inet_pton() takes.
 */
static int
ident_is_ip_literal(const char *s, size_t len)
{
	char		 buf[64];
	unsigned char	 addr[16];

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, addr) == 1 ||
	    inet_pton(AF_INET6, buf, addr) == 1;
}

/*
 * Check one "xn--" label (len bytes at lab, lowercase LDH already) with
 * libidn2: it must decode as Punycode, and the U-label must map back to
 * exactly the same A-label under IDNA2008 (with UTS #46 non-transitional
 * processing).  That refuses bad Punycode, disallowed code points
 * (symbols, emoji, bidi controls), U-labels that are plain ASCII and any
 * A-label that is not the canonical one.  Returns 0 when good, else -1
 * with a malformed problem naming name (show, already sanitised).
 */
static int
ident_alabel_check(const char *lab, size_t len, const char *show,
    struct perr *pe)
{
	char		 a[IDENT_LABEL_MAX + 1], labshow[IDENT_SHOW];
	char		*u = NULL;
	uint8_t		*back = NULL;
	int		 rc = -1, irc;

	assert(len <= IDENT_LABEL_MAX);
	memcpy(a, lab, len);
	a[len] = '\0';
	ident_show(labshow, sizeof(labshow), lab, len);
	if ((irc = idn2_to_unicode_8z8z(a, &u, 0)) != IDN2_OK) {
		perr_set(pe, ACME_PROB_MALFORMED, "DNS identifier \"%s\": the "
		    "label \"%s\" is not valid Punycode (%s)", show, labshow,
		    idn2_strerror(irc));
		goto out;
	}
	if (u[0] == '\0') {
		perr_set(pe, ACME_PROB_MALFORMED, "DNS identifier \"%s\": the "
		    "label \"%s\" decodes to nothing", show, labshow);
		goto out;
	}
	if ((irc = idn2_lookup_u8((const uint8_t *)u, &back,
	    IDN2_NONTRANSITIONAL)) != IDN2_OK) {
		perr_set(pe, ACME_PROB_MALFORMED, "DNS identifier \"%s\": the "
		    "label \"%s\" is not a valid IDNA2008 A-label (%s)", show,
		    labshow, idn2_strerror(irc));
		goto out;
	}
	if (strcmp((const char *)back, a) != 0) {
		perr_set(pe, ACME_PROB_MALFORMED, "DNS identifier \"%s\": the "
		    "label \"%s\" is not the canonical IDNA2008 A-label of "
		    "what it encodes", show, labshow);
		goto out;
	}
	rc = 0;
out:
	idn2_free(u);
	idn2_free(back);
	return rc;
}

/*
 * Check the labels of a name without any "*." (len bytes at s): LDH only,
 * 1..63 bytes each, no hyphen at either end, "--" in the third and fourth
 * place only for a valid "xn--" A-label, and at least two labels of which
 * the last is not all digits.  wildcard: s followed "*." (fewer than two
 * labels is then a policy refusal).  show is the whole value as sent,
 * sanitised, for messages.  Returns ACME_PROB_NONE or the problem, with pe
 * filled in.
 */
static enum acme_prob
ident_dns_labels(const char *s, size_t len, int wildcard, const char *show,
    struct perr *pe)
{
	size_t		 i, j, start, lablen, labels = 0;
	int		 alldigit = 1;
	const char	*lab;
	char		 labshow[IDENT_SHOW];

	for (start = 0; start <= len; start = i + 1) {
		for (i = start; i < len && s[i] != '.'; i++)
			continue;
		lab = s + start;
		lablen = i - start;
		labels++;
		if (lablen == 0)
			return perr_set(pe, ACME_PROB_MALFORMED, "DNS "
			    "identifier \"%s\" has an empty label", show);
		if (lablen > IDENT_LABEL_MAX)
			return perr_set(pe, ACME_PROB_MALFORMED, "DNS "
			    "identifier \"%s\" has a label longer than %d "
			    "bytes", show, IDENT_LABEL_MAX);
		ident_show(labshow, sizeof(labshow), lab, lablen);
		for (alldigit = 1, j = 0; j < lablen; j++) {
			if (lab[j] == '*')
				return perr_set(pe, ACME_PROB_MALFORMED, "DNS "
				    "identifier \"%s\": '*' is allowed only as "
				    "the whole leftmost label (\"*.\" followed "
				    "by a name)", show);
			if (!ident_is_ldh((unsigned char)lab[j]))
				return perr_set(pe, ACME_PROB_MALFORMED, "DNS "
				    "identifier \"%s\" has a character other "
				    "than a-z, 0-9, '-' and '.'", show);
			if (lab[j] < '0' || lab[j] > '9')
				alldigit = 0;
		}
		if (lab[0] == '-' || lab[lablen - 1] == '-')
			return perr_set(pe, ACME_PROB_MALFORMED, "DNS "
			    "identifier \"%s\": the label \"%s\" starts or "
			    "ends with a hyphen", show, labshow);
		if (lablen >= 4 && lab[2] == '-' && lab[3] == '-') {
			if (lab[0] != 'x' || lab[1] != 'n')
				return perr_set(pe, ACME_PROB_MALFORMED, "DNS "
				    "identifier \"%s\": the label \"%s\" has "
				    "\"--\" in the third and fourth place, "
				    "which is reserved for \"xn--\" A-labels",
				    show, labshow);
			if (ident_alabel_check(lab, lablen, show, pe) == -1)
				return pe->prob;
		}
	}
	if (labels < 2) {
		if (wildcard)
			return perr_set(pe, ACME_PROB_REJECTED_IDENT, "DNS "
			    "identifier \"%s\": a wildcard directly on a "
			    "top-level domain is not allowed", show);
		return perr_set(pe, ACME_PROB_MALFORMED, "DNS identifier "
		    "\"%s\" needs at least two labels (a dot)", show);
	}
	if (alldigit)
		return perr_set(pe, ACME_PROB_REJECTED_IDENT, "DNS identifier "
		    "\"%s\" ends in an all-numeric label, which resolvers "
		    "may read as an IP address", show);
	return ACME_PROB_NONE;
}

/*
 * A "dns" value: see ident_parse().  Fills id on success.
 */
static enum acme_prob
ident_parse_dns(const char *v, size_t len, struct ident *id,
    struct perr *pe)
{
	char		 show[IDENT_SHOW], alabel[IDENT_NAME_MAX + 1];
	char		 lower[IDENT_NAME_MAX + 1];
	uint8_t		*a = NULL;
	size_t		 i;
	int		 upper = 0, nonascii = 0, wildcard = 0;
	enum acme_prob	 p;

	ident_show(show, sizeof(show), v, len);
	if (len == 0)
		return perr_set(pe, ACME_PROB_MALFORMED, "DNS identifier is "
		    "empty");
	if (len > IDENT_NAME_MAX)
		return perr_set(pe, ACME_PROB_MALFORMED, "DNS identifier "
		    "\"%s\" is longer than %d bytes", show, IDENT_NAME_MAX);
	for (i = 0; i < len; i++) {
		if ((unsigned char)v[i] >= 0x80)
			nonascii = 1;
		else if (v[i] >= 'A' && v[i] <= 'Z')
			upper = 1;
	}
	if (nonascii) {
		/* Name the A-label when libidn2 can make one. */
		alabel[0] = '\0';
		if (idn2_lookup_u8((const uint8_t *)v, &a,
		    IDN2_NONTRANSITIONAL) == IDN2_OK &&
		    strlen((char *)a) <= IDENT_NAME_MAX)
			snprintf(alabel, sizeof(alabel), "%s", (char *)a);
		idn2_free(a);
		if (alabel[0] != '\0')
			return perr_set(pe, ACME_PROB_MALFORMED, "DNS "
			    "identifier \"%s\" is not ASCII: send the "
			    "A-label \"%s\"", show, alabel);
		return perr_set(pe, ACME_PROB_MALFORMED, "DNS identifier "
		    "\"%s\" is not ASCII and has no valid A-label", show);
	}
	if (ident_is_ip_literal(v, len))
		return perr_set(pe, ACME_PROB_REJECTED_IDENT, "DNS identifier "
		    "\"%s\" is an IP address: send it as an identifier of "
		    "type \"ip\"", show);
	if (upper) {
		for (i = 0; i < len; i++)
			lower[i] = (v[i] >= 'A' && v[i] <= 'Z') ?
			    (char)(v[i] - 'A' + 'a') : v[i];
		lower[len] = '\0';
		ident_show(alabel, sizeof(alabel), lower, len);
		return perr_set(pe, ACME_PROB_MALFORMED, "DNS identifier "
		    "\"%s\" must be in lower case: send \"%s\"", show,
		    alabel);
	}
	if (v[len - 1] == '.')
		return perr_set(pe, ACME_PROB_MALFORMED, "DNS identifier "
		    "\"%s\" ends with a dot: send it without", show);

	/* R4: the wildcard is "*." as the whole leftmost label, once. */
	if (len >= 2 && v[0] == '*' && v[1] == '.')
		wildcard = 1;
	else if (len == 1 && v[0] == '*')
		return perr_set(pe, ACME_PROB_MALFORMED, "DNS identifier "
		    "\"*\" is a wildcard without a name");
	p = ident_dns_labels(v + 2 * wildcard, len - 2 * wildcard, wildcard,
	    show, pe);
	if (p != ACME_PROB_NONE)
		return p;

	memset(id, 0, sizeof(*id));
	id->is_ip = 0;
	id->wildcard = wildcard;
	memcpy(id->value, v, len);
	id->value[len] = '\0';
	return ACME_PROB_NONE;
}

/*
 * An "ip" value: see ident_parse().  Fills id on success.
 */
static enum acme_prob
ident_parse_ip(const char *v, size_t len, struct ident *id,
    struct perr *pe)
{
	char			 buf[64], canon[INET6_ADDRSTRLEN];
	char			 show[IDENT_SHOW];
	unsigned char		 a[16];
	static const unsigned char zero[12], mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	int			 af;

	ident_show(show, sizeof(show), v, len);
	if (len == 0)
		return perr_set(pe, ACME_PROB_MALFORMED, "IP identifier is "
		    "empty");
	if (len >= sizeof(buf))
		return perr_set(pe, ACME_PROB_MALFORMED, "IP identifier "
		    "\"%s\" is not an IP address", show);
	memcpy(buf, v, len);
	buf[len] = '\0';
	af = memchr(v, ':', len) != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, buf, a) != 1)
		return perr_set(pe, ACME_PROB_MALFORMED, "IP identifier \"%s\" "
		    "is not an IPv4 address in dotted-quad form or an IPv6 "
		    "address (no zone, no brackets, no prefix length)", show);
	if (inet_ntop(af, a, canon, sizeof(canon)) == NULL)
		return perr_set(pe, ACME_PROB_SERVER_INTERNAL, "cannot format "
		    "an IP address");
	if (af == AF_INET6 && memcmp(a, mapped, 12) == 0)
		return perr_set(pe, ACME_PROB_REJECTED_IDENT, "IP identifier "
		    "\"%s\" is an IPv4-mapped IPv6 address: send the IPv4 "
		    "address %u.%u.%u.%u", show, a[12], a[13], a[14], a[15]);
	/* ::/96 holds only :: and ::1 besides the deprecated forms. */
	if (af == AF_INET6 && memcmp(a, zero, 12) == 0 &&
	    ((a[12] | a[13] | a[14]) != 0 || a[15] > 1))
		return perr_set(pe, ACME_PROB_REJECTED_IDENT, "IP identifier "
		    "\"%s\" is a deprecated IPv4-compatible IPv6 address",
		    show);
	if ((af == AF_INET && memcmp(a, zero, 4) == 0) ||
	    (af == AF_INET6 && memcmp(a, zero, 12) == 0 &&
	    memcmp(a + 12, zero, 4) == 0))
		return perr_set(pe, ACME_PROB_REJECTED_IDENT, "IP identifier "
		    "\"%s\" is the unspecified address", show);
	if (strcmp(canon, buf) != 0)
		return perr_set(pe, ACME_PROB_MALFORMED, "IP identifier \"%s\" "
		    "is not in canonical form: send \"%s\" (RFC 5952)", show,
		    canon);

	memset(id, 0, sizeof(*id));
	id->is_ip = 1;
	id->wildcard = 0;
	snprintf(id->value, sizeof(id->value), "%s", canon);
	return ACME_PROB_NONE;
}

/*
 * Parse one identifier object of a newOrder or newAuthz payload: exactly
 * the members "type" and "value", both strings.
 *
 * Type "dns": an ASCII name in lower case, at most 253 bytes with any
 * "*.", of at least two LDH labels of 1..63 bytes with no hyphen at either
 * end, no trailing dot; "--" in a label's third and fourth place only as a
 * valid IDNA2008 A-label ("xn--", checked with libidn2); a wildcard only as
 * the whole leftmost label "*." and on at least two more labels; not an IP
 * address and not ending in an all-numeric label.
 *
 * Type "ip" (RFC 8738): an IPv4 address as a dotted quad or an IPv6 address
 * in its RFC 5952 text form (lower case, longest zero run compressed);
 * IPv4-mapped and IPv4-compatible IPv6 addresses and the unspecified
 * address are refused.
 *
 * Returns ACME_PROB_NONE with *id filled in (value in its one normal form,
 * NUL-terminated).  Otherwise the problem with pe naming the identifier
 * (sanitised): malformed for broken syntax and spellings other than the
 * normal one (the detail gives that one when it exists), rejectedIdentifier
 * for well-formed names the policy refuses (an IP address as a dns value,
 * a wildcard on a single label, a numeric last label, special IPv6 forms),
 * unsupportedIdentifier for another type.  *id is zeroed on failure.
 */
enum acme_prob
ident_parse(struct json_object *obj, struct ident *id, struct perr *pe)
{
	static const char *const members[] = { "type", "value", NULL };
	const char	*type, *value, *bad;
	size_t		 typesz, valuesz;
	char		 show[IDENT_SHOW];
	enum acme_prob	 p;

	assert(id != NULL);
	memset(id, 0, sizeof(*id));
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return perr_set(pe, ACME_PROB_MALFORMED, "an identifier is "
		    "not a JSON object with \"type\" and \"value\"");
	if (json_only_members(obj, members, &bad) == -1)
		return perr_set(pe, ACME_PROB_MALFORMED, "an identifier has "
		    "the unknown member \"%s\" (only \"type\" and \"value\")",
		    ident_show(show, sizeof(show), bad, strlen(bad)));
	if (json_get_str(obj, "type", &type, &typesz) != 0)
		return perr_set(pe, ACME_PROB_MALFORMED, "an identifier has "
		    "no \"type\" string");
	if (json_get_str(obj, "value", &value, &valuesz) != 0)
		return perr_set(pe, ACME_PROB_MALFORMED, "an identifier has "
		    "no \"value\" string");
	if (strcmp(type, "dns") == 0)
		p = ident_parse_dns(value, valuesz, id, pe);
	else if (strcmp(type, "ip") == 0)
		p = ident_parse_ip(value, valuesz, id, pe);
	else
		p = perr_set(pe, ACME_PROB_UNSUPPORTED_IDENT, "identifier type "
		    "\"%s\" is not supported (use \"dns\" or \"ip\")",
		    ident_show(show, sizeof(show), type, typesz));
	if (p != ACME_PROB_NONE)
		memset(id, 0, sizeof(*id));
	return p;
}

/*
 * Predicate: name equals suffix or ends in "." + suffix (label-aligned:
 * "example.com" matches "a.example.com", not "badexample.com").
 */
static int
ident_is_under(const char *name, const char *suffix)
{
	size_t	 nl = strlen(name), sl = strlen(suffix);

	if (sl == 0 || nl < sl)
		return 0;
	if (nl == sl)
		return strcmp(name, suffix) == 0;
	return name[nl - sl - 1] == '.' && strcmp(name + nl - sl, suffix) == 0;
}

/*
 * Predicate: the name or wildcard in id covers a name under suffix, which
 * a forbidden suffix must not allow: "*.B" covers every "L.B", so it hits
 * a suffix under B that is exactly one label longer than B, besides every
 * suffix that B itself is under.
 */
static int
ident_touches(const struct ident *id, const char *suffix)
{
	const char	*base = id->value, *dot;

	if (!id->wildcard)
		return ident_is_under(base, suffix);
	base += 2;
	if (ident_is_under(base, suffix))
		return 1;
	/* suffix = "L." + base, with one label L. */
	dot = strchr(suffix, '.');
	return dot != NULL && dot > suffix && strcmp(dot + 1, base) == 0;
}

/*
 * Predicate: every name id covers is under suffix ("*.B" is when B is).
 */
static int
ident_is_within(const struct ident *id, const char *suffix)
{
	return ident_is_under(id->value + (id->wildcard ? 2 : 0), suffix);
}

/*
 * Decide whether the account may order the parsed identifier id under the
 * domain policy, in this order: conf->forbidden_domains (a name under any
 * listed suffix is refused; a wildcard also when a listed suffix is one of
 * the names it covers), then conf->allowed_domains when non-empty (every
 * name covered must be under one listed suffix), then eab_domains (the
 * eab_domainssz suffixes of the account's external account binding key,
 * may be NULL/0) likewise when non-empty.  Suffixes match on whole labels:
 * "example.com" matches "example.com" and "a.example.com", not
 * "badexample.com".  The lists hold lower-case names, as conf.c and
 * acmegwctl store them.
 *
 * conf's lists are lists of domain names and do not apply to "ip"
 * identifiers (the validator still refuses special addresses unless
 * allow_private_targets is set).  An EAB key with a domain list, though,
 * confines its account to "dns" identifiers under those suffixes, as
 * acmegwctl(8) says: an "ip" identifier is refused for it.
 *
 * Returns 1 when allowed; 0 when refused, with a rejectedIdentifier in pe
 * naming the identifier and the rule.
 */
int
ident_is_allowed(const struct conf *conf, const struct ident *id,
    char *const *eab_domains, size_t eab_domainssz, struct perr *pe)
{
	size_t	 i;

	assert(conf != NULL && id != NULL);
	assert(eab_domains != NULL || eab_domainssz == 0);
	if (id->is_ip) {
		if (eab_domainssz == 0)
			return 1;
		perr_set(pe, ACME_PROB_REJECTED_IDENT, "IP identifier \"%s\" "
		    "is refused by policy: this account may order only names "
		    "under the domains of its external account binding key",
		    id->value);
		return 0;
	}
	for (i = 0; i < conf->forbidden_domainssz; i++)
		if (ident_touches(id, conf->forbidden_domains[i])) {
			perr_set(pe, ACME_PROB_REJECTED_IDENT, "DNS identifier "
			    "\"%s\" is refused by policy: names under \"%s\" "
			    "are forbidden", id->value,
			    conf->forbidden_domains[i]);
			return 0;
		}
	if (conf->allowed_domainssz > 0) {
		for (i = 0; i < conf->allowed_domainssz; i++)
			if (ident_is_within(id, conf->allowed_domains[i]))
				break;
		if (i == conf->allowed_domainssz) {
			perr_set(pe, ACME_PROB_REJECTED_IDENT, "DNS identifier "
			    "\"%s\" is refused by policy: this CA issues only "
			    "for names under its allowed domains", id->value);
			return 0;
		}
	}
	if (eab_domainssz > 0) {
		for (i = 0; i < eab_domainssz; i++)
			if (ident_is_within(id, eab_domains[i]))
				break;
		if (i == eab_domainssz) {
			perr_set(pe, ACME_PROB_REJECTED_IDENT, "DNS identifier "
			    "\"%s\" is refused by policy: this account may "
			    "order only names under the domains of its "
			    "external account binding key", id->value);
			return 0;
		}
	}
	return 1;
}

/*
 * Order two identifiers: "dns" before "ip", then by value bytes (a
 * wildcard's "*." is part of its value, so "*.a.example" and "a.example"
 * differ).  Returns <0, 0 or >0 like strcmp(); 0 means the same
 * identifier, which is how duplicates are found.
 */
int
ident_cmp(const struct ident *a, const struct ident *b)
{
	if (a->is_ip != b->is_ip)
		return a->is_ip ? 1 : -1;
	return strcmp(a->value, b->value);
}

/* The identifier's type as in ACME JSON: "dns" or "ip" (static). */
const char *
ident_type_str(const struct ident *id)
{
	return id->is_ip ? "ip" : "dns";
}

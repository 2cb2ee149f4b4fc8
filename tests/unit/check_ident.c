/*
 * check_ident.c: unit tests for ident.c, identifier syntax and policy.
 *
 * Most cases are refusals: every syntax rule of "dns" and "ip" values with
 * the problem type it must give (malformed for broken or non-normal
 * spellings, rejectedIdentifier for policy, unsupportedIdentifier for other
 * types), the wildcard forms of SECURITY.md R4, the length bounds of K3 and
 * the domain suffix policy.  SECURITY.md ids are in the test names.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmegw.h"

#define L32	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define L63	L32 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define L64	L32 L32
/* 4 * 63 + 3 dots = 255; these make names of exactly 253 and 254 bytes. */
#define L61	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define L62	L61 "b"
#define N253	L63 "." L63 "." L63 "." L61		/* 253 bytes */
#define N254	L63 "." L63 "." L63 "." L62		/* 254 bytes */
#define L59	"ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define W253	"*." L63 "." L63 "." L63 "." L59	/* 253 bytes */
#define W254	"*." L63 "." L63 "." L63 "." L59 "c"	/* 254 bytes */

static struct perr	 pe;

/* Parse {"type": type, "value": value} (value of vlen bytes). */
static enum acme_prob
parse_len(const char *type, const char *value, size_t vlen,
    struct ident *id)
{
	struct json_object	*o;
	enum acme_prob		 p;

	o = json_object_new_object();
	ck_assert_ptr_nonnull(o);
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "value",
	    json_object_new_string_len(value, (int)vlen));
	memset(&pe, 0, sizeof(pe));
	memset(id, 0xa5, sizeof(*id));
	p = ident_parse(o, id, &pe);
	json_object_put(o);
	return p;
}

static enum acme_prob
parse(const char *type, const char *value, struct ident *id)
{
	return parse_len(type, value, strlen(value), id);
}

/* Parse a JSON text as the identifier object. */
static enum acme_prob
parse_json(const char *text, struct ident *id)
{
	struct json_object	*o;
	enum acme_prob		 p;

	o = json_tokener_parse(text);
	memset(&pe, 0, sizeof(pe));
	p = ident_parse(o, id, &pe);
	json_object_put(o);
	return p;
}

static void
assert_has(const char *s, const char *part)
{
	ck_assert_msg(strstr(s, part) != NULL, "\"%s\" lacks \"%s\"", s, part);
}

static void
assert_zero(const struct ident *id)
{
	struct ident	 z;

	memset(&z, 0, sizeof(z));
	ck_assert_msg(memcmp(id, &z, sizeof(z)) == 0, "ident not zeroed");
}

/* A refusal with problem want, id zeroed, detail holding part. */
static void
refused(const char *type, const char *value, enum acme_prob want,
    const char *part)
{
	struct ident	 id;
	enum acme_prob	 p;

	p = parse(type, value, &id);
	ck_assert_msg(p == want, "%s \"%s\": got %s (%s), want %s", type,
	    value, p == ACME_PROB_NONE ? "accepted" : acme_prob_type[p],
	    pe.detail, acme_prob_type[want]);
	ck_assert_int_eq(pe.prob, want);
	assert_zero(&id);
	if (part != NULL)
		assert_has(pe.detail, part);
}

static void
accepted(const char *type, const char *value, int wildcard)
{
	struct ident	 id;
	enum acme_prob	 p;

	p = parse(type, value, &id);
	ck_assert_msg(p == ACME_PROB_NONE, "%s \"%s\" refused: %s", type,
	    value, pe.detail);
	ck_assert_str_eq(id.value, value);
	ck_assert_int_eq(id.wildcard, wildcard);
	ck_assert_int_eq(id.is_ip, strcmp(type, "ip") == 0);
	ck_assert_str_eq(ident_type_str(&id), type);
}

/* ------------------------------------------------------------------ */
/* ident_parse: the object                                              */
/* ------------------------------------------------------------------ */

START_TEST(test_ident_parse_object_good)
{
	struct ident	 id;

	ck_assert_int_eq(parse_json("{\"type\":\"dns\",\"value\":"
	    "\"www.example.org\"}", &id), ACME_PROB_NONE);
	ck_assert_str_eq(id.value, "www.example.org");
	ck_assert_int_eq(id.is_ip, 0);
	ck_assert_int_eq(id.wildcard, 0);
	/* Member order does not matter. */
	ck_assert_int_eq(parse_json("{\"value\":\"192.0.2.1\",\"type\":"
	    "\"ip\"}", &id), ACME_PROB_NONE);
	ck_assert_str_eq(id.value, "192.0.2.1");
	ck_assert_int_eq(id.is_ip, 1);
}
END_TEST

static const struct {
	const char	*json;
	enum acme_prob	 want;
	const char	*part;
} bad_objects[] = {
	{ "\"example.org\"", ACME_PROB_MALFORMED, "not a JSON object" },
	{ "[\"dns\",\"example.org\"]", ACME_PROB_MALFORMED, "not a JSON" },
	{ "null", ACME_PROB_MALFORMED, "not a JSON object" },
	{ "42", ACME_PROB_MALFORMED, "not a JSON object" },
	{ "{}", ACME_PROB_MALFORMED, "no \"type\"" },
	{ "{\"type\":\"dns\"}", ACME_PROB_MALFORMED, "no \"value\"" },
	{ "{\"value\":\"example.org\"}", ACME_PROB_MALFORMED, "no \"type\"" },
	{ "{\"type\":\"dns\",\"value\":\"example.org\",\"wildcard\":true}",
	    ACME_PROB_MALFORMED, "unknown member \"wildcard\"" },
	{ "{\"type\":\"dns\",\"value\":\"example.org\",\"x\\n\":1}",
	    ACME_PROB_MALFORMED, "unknown member \"x\\x0a\"" },
	{ "{\"type\":null,\"value\":\"example.org\"}", ACME_PROB_MALFORMED,
	    "no \"type\" string" },
	{ "{\"type\":1,\"value\":\"example.org\"}", ACME_PROB_MALFORMED,
	    "no \"type\" string" },
	{ "{\"type\":[\"dns\"],\"value\":\"example.org\"}",
	    ACME_PROB_MALFORMED, "no \"type\" string" },
	{ "{\"type\":\"dns\",\"value\":null}", ACME_PROB_MALFORMED,
	    "no \"value\" string" },
	{ "{\"type\":\"dns\",\"value\":[\"a.example\",\"b.example\"]}",
	    ACME_PROB_MALFORMED, "no \"value\" string" },
	{ "{\"type\":\"dns\",\"value\":{\"name\":\"a.example\"}}",
	    ACME_PROB_MALFORMED, "no \"value\" string" },
	{ "{\"type\":\"ip\",\"value\":3221225985}", ACME_PROB_MALFORMED,
	    "no \"value\" string" },
	/* A NUL inside the value. */
	{ "{\"type\":\"dns\",\"value\":\"a.example\\u0000.evil\"}",
	    ACME_PROB_MALFORMED, "no \"value\" string" },
	/* Other types: RFC 8555 registry names and made-up ones. */
	{ "{\"type\":\"email\",\"value\":\"a@example.org\"}",
	    ACME_PROB_UNSUPPORTED_IDENT, "\"email\" is not supported" },
	{ "{\"type\":\"DNS\",\"value\":\"example.org\"}",
	    ACME_PROB_UNSUPPORTED_IDENT, "\"DNS\"" },
	{ "{\"type\":\"IP\",\"value\":\"192.0.2.1\"}",
	    ACME_PROB_UNSUPPORTED_IDENT, "\"IP\"" },
	{ "{\"type\":\"TNAuthList\",\"value\":\"F83n2a...\"}",
	    ACME_PROB_UNSUPPORTED_IDENT, "TNAuthList" },
	{ "{\"type\":\"permanent-identifier\",\"value\":\"x\"}",
	    ACME_PROB_UNSUPPORTED_IDENT, NULL },
	{ "{\"type\":\"\",\"value\":\"example.org\"}",
	    ACME_PROB_UNSUPPORTED_IDENT, NULL },
	{ "{\"type\":\"dns \",\"value\":\"example.org\"}",
	    ACME_PROB_UNSUPPORTED_IDENT, NULL },
	{ "{\"type\":\"d\\u001bns\",\"value\":\"example.org\"}",
	    ACME_PROB_UNSUPPORTED_IDENT, "\"d\\x1bns\"" },
};

START_TEST(test_ident_parse_object_bad)
{
	struct ident	 id;
	enum acme_prob	 p;
	size_t		 i;

	memset(&id, 0xa5, sizeof(id));
	p = parse_json(bad_objects[_i].json, &id);
	ck_assert_msg(p == bad_objects[_i].want, "%s: got %d (%s)",
	    bad_objects[_i].json, p, pe.detail);
	ck_assert_int_eq(pe.prob, bad_objects[_i].want);
	assert_zero(&id);
	if (bad_objects[_i].part != NULL)
		assert_has(pe.detail, bad_objects[_i].part);
	/* Details are printable ASCII. */
	for (i = 0; pe.detail[i] != '\0'; i++)
		ck_assert(pe.detail[i] >= 0x20 && pe.detail[i] < 0x7f);
}
END_TEST

/* A NULL object (a missing array element) is malformed, not a crash. */
START_TEST(test_ident_parse_object_null_pointer)
{
	struct ident	 id;

	ck_assert_int_eq(ident_parse(NULL, &id, &pe), ACME_PROB_MALFORMED);
	assert_zero(&id);
	/* A NULL perr is allowed. */
	ck_assert_int_eq(ident_parse(NULL, &id, NULL), ACME_PROB_MALFORMED);
}
END_TEST

/* ------------------------------------------------------------------ */
/* ident_parse: dns                                                     */
/* ------------------------------------------------------------------ */

static const char *const good_dns[] = {
	"example.org",
	"www.example.org",
	"a.b",
	"a.b.c.d.e.f.g.h.i.j.k.l",
	"0.example",
	"9a.example",
	"a-b.example",
	"a--b.example",		/* "--" not in the third and fourth place */
	"a1-2b.example-c.org",
	"123.example",		/* an all-numeric label, not the last one */
	"example.c0m",
	"xn--bcher-kva.example",		/* buecher with u umlaut */
	"www.xn--bcher-kva.example",
	"xn--nxasmq6b.example",			/* Greek */
	"xn--80ak6aa92e.com",			/* Cyrillic, spoof-like */
	"xn--fa-hia.example",			/* IDNA2008 keeps the eszett */
	"example.xn--p1ai",			/* .rf, Cyrillic TLD */
	/*
	 * Two CJK ideographs (U+7BA5 U+7CEA): a valid A-label, although it
	 * looks random.
	 */
	"xn--zzzzz.example",
	L63 ".example",
	"a." L63,
	N253,
};

START_TEST(test_ident_parse_dns_good)
{
	accepted("dns", good_dns[_i], 0);
}
END_TEST

static const struct {
	const char	*value;
	enum acme_prob	 want;
	const char	*part;
} bad_dns[] = {
	{ "", ACME_PROB_MALFORMED, "empty" },
	/* Case: lower case only, and the detail gives it. */
	{ "Example.org", ACME_PROB_MALFORMED,
	    "must be in lower case: send \"example.org\"" },
	{ "EXAMPLE.ORG", ACME_PROB_MALFORMED, "lower case" },
	{ "www.example.ORG", ACME_PROB_MALFORMED, "lower case" },
	{ "XN--BCHER-KVA.example", ACME_PROB_MALFORMED, "lower case" },
	{ "xn--Bcher-kva.example", ACME_PROB_MALFORMED, "lower case" },
	/* Dots. */
	{ "example.org.", ACME_PROB_MALFORMED, "ends with a dot" },
	{ ".example.org", ACME_PROB_MALFORMED, "empty label" },
	{ "www..example.org", ACME_PROB_MALFORMED, "empty label" },
	{ ".", ACME_PROB_MALFORMED, "ends with a dot" },
	{ "..", ACME_PROB_MALFORMED, "ends with a dot" },
	/* Labels. */
	{ "localhost", ACME_PROB_MALFORMED, "at least two labels" },
	{ "example", ACME_PROB_MALFORMED, "at least two labels" },
	{ "-www.example.org", ACME_PROB_MALFORMED, "hyphen" },
	{ "www-.example.org", ACME_PROB_MALFORMED, "hyphen" },
	{ "www.example.-org", ACME_PROB_MALFORMED, "hyphen" },
	{ "www.example.org-", ACME_PROB_MALFORMED, "hyphen" },
	{ "-.example", ACME_PROB_MALFORMED, "hyphen" },
	{ "ww_w.example.org", ACME_PROB_MALFORMED, "a-z, 0-9" },
	{ "_acme-challenge.example.org", ACME_PROB_MALFORMED, "a-z, 0-9" },
	{ "www example.org", ACME_PROB_MALFORMED, "a-z, 0-9" },
	{ "www.example.org/x", ACME_PROB_MALFORMED, "a-z, 0-9" },
	{ "www.example.org:443", ACME_PROB_MALFORMED, "a-z, 0-9" },
	{ "user@example.org", ACME_PROB_MALFORMED, "a-z, 0-9" },
	{ "exa%6dple.org", ACME_PROB_MALFORMED, "a-z, 0-9" },
	{ "www.example.org\n", ACME_PROB_MALFORMED, "\\x0a" },
	{ "a\x1b[31m.example", ACME_PROB_MALFORMED, "a\\x1b[31m.example" },
	{ "a\\b.example", ACME_PROB_MALFORMED, "a\\x5cb.example" },
	{ "\"a\".example", ACME_PROB_MALFORMED, "a-z, 0-9" },
	{ "<script>.example", ACME_PROB_MALFORMED, "a-z, 0-9" },
	{ "[::1]", ACME_PROB_MALFORMED, "a-z, 0-9" },
	{ L64 ".example", ACME_PROB_MALFORMED, "longer than 63" },
	{ "a." L64, ACME_PROB_MALFORMED, "longer than 63" },
	{ N254, ACME_PROB_MALFORMED, "longer than 253" },
	/* R-LDH labels: "--" in the third and fourth place. */
	{ "ab--cd.example", ACME_PROB_MALFORMED, "reserved for \"xn--\"" },
	{ "zz--a.example", ACME_PROB_MALFORMED, "reserved" },
	{ "www.xa--b.example", ACME_PROB_MALFORMED, "reserved" },
	{ "nx--bcher-kva.example", ACME_PROB_MALFORMED, "reserved" },
	/* Bad A-labels: checked with libidn2. */
	{ "xn--abc-.example", ACME_PROB_MALFORMED, "hyphen" },
	{ "xn--.example", ACME_PROB_MALFORMED, "hyphen" },
	{ "xn---.example", ACME_PROB_MALFORMED, "hyphen" },
	{ "xn--abc.example", ACME_PROB_MALFORMED, "xn--abc" },
	{ "xn--a.example", ACME_PROB_MALFORMED, "xn--a" },
	{ "xn--zz.example", ACME_PROB_MALFORMED, "xn--zz" },
	{ "xn--ls8h.example", ACME_PROB_MALFORMED, "IDNA2008" },  /* emoji */
	{ "xn--www-hn0a.example", ACME_PROB_MALFORMED, "IDNA2008" }, /* LRM */
	{ "xn--99999.example", ACME_PROB_MALFORMED, "xn--99999" },
	{ "xn--bcher-kva9.example", ACME_PROB_MALFORMED, "xn--bcher-kva9" },
	{ "www.xn--ab-.example", ACME_PROB_MALFORMED, "hyphen" },
	{ "example.xn--abc", ACME_PROB_MALFORMED, "xn--abc" },
	/* Plain ASCII encoded as Punycode: not the canonical form. */
	{ "xn--abc-.example", ACME_PROB_MALFORMED, NULL },
	{ "xn--example-.org", ACME_PROB_MALFORMED, NULL },
	/* U-labels: send the A-label, which the detail names. */
	{ "b\xc3\xbc" "cher.example", ACME_PROB_MALFORMED,
	    "send the A-label \"xn--bcher-kva.example\"" },
	{ "\xf0\x9f\x92\xa9.example", ACME_PROB_MALFORMED, "not ASCII" },
	{ "\xef\xbc\xa1.example", ACME_PROB_MALFORMED, "not ASCII" },
	/* IP addresses in a dns identifier (SECURITY.md R5). */
	{ "192.0.2.1", ACME_PROB_REJECTED_IDENT, "type \"ip\"" },
	{ "127.0.0.1", ACME_PROB_REJECTED_IDENT, "is an IP address" },
	{ "::1", ACME_PROB_REJECTED_IDENT, "is an IP address" },
	{ "2001:db8::1", ACME_PROB_REJECTED_IDENT, "is an IP address" },
	{ "::ffff:192.0.2.1", ACME_PROB_REJECTED_IDENT, "is an IP address" },
	{ "1.2.3", ACME_PROB_REJECTED_IDENT, "all-numeric" },
	{ "192.0.2.256", ACME_PROB_REJECTED_IDENT, "all-numeric" },
	{ "0x7f.0.0.1", ACME_PROB_REJECTED_IDENT, "all-numeric" },
	{ "www.example.123", ACME_PROB_REJECTED_IDENT, "all-numeric" },
	{ "2130706433.0", ACME_PROB_REJECTED_IDENT, "all-numeric" },
};

START_TEST(test_ident_parse_dns_bad)
{
	refused("dns", bad_dns[_i].value, bad_dns[_i].want,
	    bad_dns[_i].part);
}
END_TEST

/* SECURITY.md K3: 63/64-byte labels and 253/254-byte names exactly. */
START_TEST(test_ident_parse_dns_K3_length_bounds)
{
	ck_assert_uint_eq(strlen(L63), 63);
	ck_assert_uint_eq(strlen(N253), 253);
	ck_assert_uint_eq(strlen(N254), 254);
	accepted("dns", L63 ".example", 0);
	accepted("dns", N253, 0);
	refused("dns", L64 ".example", ACME_PROB_MALFORMED, "longer than 63");
	refused("dns", N254, ACME_PROB_MALFORMED, "longer than 253");
	/* With the wildcard: 253 bytes in all, "*." included. */
	ck_assert_uint_eq(strlen(W253), 253);
	ck_assert_uint_eq(strlen(W254), 254);
	accepted("dns", W253, 1);
	refused("dns", W254, ACME_PROB_MALFORMED, "longer than 253");
}
END_TEST

/* A huge value is refused early and the detail stays short. */
START_TEST(test_ident_parse_dns_X12_huge_value)
{
	struct ident	 id;
	char		*v;

	v = malloc(100001);
	ck_assert_ptr_nonnull(v);
	memset(v, 'a', 100000);
	v[100000] = '\0';
	ck_assert_int_eq(parse("dns", v, &id), ACME_PROB_MALFORMED);
	assert_has(pe.detail, "longer than 253");
	ck_assert_uint_lt(strlen(pe.detail), 200);
	/* Many dots. */
	memset(v, '.', 100000);
	ck_assert_int_eq(parse("dns", v, &id), ACME_PROB_MALFORMED);
	/* Just over the limit, all dots and letters. */
	memset(v, 0, 100001);
	memset(v, 'a', 254);
	ck_assert_int_eq(parse("dns", v, &id), ACME_PROB_MALFORMED);
	free(v);
}
END_TEST

/* Control bytes and quotes never reach a detail raw (SECURITY.md L1/L3). */
START_TEST(test_ident_parse_dns_L3_detail_sanitised)
{
	struct ident	 id;
	size_t		 i;
	static const char v[] = "a\r\nb\"c\x7f.example";

	ck_assert_int_eq(parse("dns", v, &id), ACME_PROB_MALFORMED);
	for (i = 0; pe.detail[i] != '\0'; i++)
		ck_assert(pe.detail[i] >= 0x20 && pe.detail[i] < 0x7f);
	/* A quote stays: the JSON encoder of the problem escapes it. */
	assert_has(pe.detail, "a\\x0d\\x0ab\"c\\x7f.example");
	ck_assert_int_eq(parse("dns", "\xff\xfe.example", &id),
	    ACME_PROB_MALFORMED);
}
END_TEST

/* ------------------------------------------------------------------ */
/* ident_parse: wildcards (SECURITY.md R4, its own path)                */
/* ------------------------------------------------------------------ */

START_TEST(test_ident_parse_R4_wildcard_good)
{
	accepted("dns", "*.example.org", 1);
	accepted("dns", "*.www.example.org", 1);
	accepted("dns", "*.a.b", 1);
	accepted("dns", "*.xn--bcher-kva.example", 1);
	accepted("dns", "*." L63 ".example", 1);
}
END_TEST

static const struct {
	const char	*value;
	enum acme_prob	 want;
	const char	*part;
} bad_wild[] = {
	{ "*", ACME_PROB_MALFORMED, "without a name" },
	{ "*.", ACME_PROB_MALFORMED, "ends with a dot" },
	{ "*..example", ACME_PROB_MALFORMED, "empty label" },
	{ "*.*.example.org", ACME_PROB_MALFORMED, "whole leftmost label" },
	{ "*.*.a.b", ACME_PROB_MALFORMED, "whole leftmost label" },
	{ "**.example.org", ACME_PROB_MALFORMED, "whole leftmost label" },
	{ "a.*.b.c", ACME_PROB_MALFORMED, "whole leftmost label" },
	{ "foo.*.example.com", ACME_PROB_MALFORMED, "whole leftmost label" },
	{ "*a.b.c", ACME_PROB_MALFORMED, "whole leftmost label" },
	{ "a*.b.c", ACME_PROB_MALFORMED, "whole leftmost label" },
	{ "w*w.example.org", ACME_PROB_MALFORMED, "whole leftmost label" },
	{ "example.*", ACME_PROB_MALFORMED, "whole leftmost label" },
	{ "example.org.*", ACME_PROB_MALFORMED, "whole leftmost label" },
	{ "*.example.*", ACME_PROB_MALFORMED, "whole leftmost label" },
	{ "*-x.example.org", ACME_PROB_MALFORMED, "whole leftmost label" },
	{ "*.example.org.", ACME_PROB_MALFORMED, "ends with a dot" },
	{ "*.Example.org", ACME_PROB_MALFORMED, "lower case" },
	{ "*.-a.example", ACME_PROB_MALFORMED, "hyphen" },
	{ "*.xn--abc.example", ACME_PROB_MALFORMED, "xn--abc" },
	{ "*.ab--x.example", ACME_PROB_MALFORMED, "reserved" },
	{ "*." N253, ACME_PROB_MALFORMED, "longer than 253" },
	/* A wildcard on a single label: policy. */
	{ "*.com", ACME_PROB_REJECTED_IDENT, "top-level domain" },
	{ "*.b", ACME_PROB_REJECTED_IDENT, "top-level domain" },
	{ "*.xn--p1ai", ACME_PROB_REJECTED_IDENT, "top-level domain" },
	/* A wildcard over an IP address. */
	{ "*.192.0.2.1", ACME_PROB_REJECTED_IDENT, "all-numeric" },
	{ "*.1.2", ACME_PROB_REJECTED_IDENT, "all-numeric" },
	{ "*.::1", ACME_PROB_MALFORMED, "a-z, 0-9" },
};

START_TEST(test_ident_parse_R4_wildcard_bad)
{
	refused("dns", bad_wild[_i].value, bad_wild[_i].want,
	    bad_wild[_i].part);
}
END_TEST

/* A wildcard is never an IP identifier. */
START_TEST(test_ident_parse_R4_wildcard_ip)
{
	refused("ip", "*.0.2.1", ACME_PROB_MALFORMED, NULL);
	refused("ip", "*", ACME_PROB_MALFORMED, NULL);
	refused("ip", "*::1", ACME_PROB_MALFORMED, NULL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* ident_parse: ip (RFC 8738)                                           */
/* ------------------------------------------------------------------ */

static const char *const good_ip[] = {
	"192.0.2.1",
	"127.0.0.1",
	"10.0.0.1",
	"255.255.255.255",
	"1.0.0.0",
	"::1",
	"2001:db8::1",
	"2001:db8::",
	"fe80::1",
	"2001:db8:0:1:1:1:1:1",		/* one zero field is not compressed */
	"2001:db8::1:0:0:1",		/* the first of two equal runs */
	"2001:db8:1:2:3:4:5:6",
	"ff02::1",
	"64:ff9b::c000:201",
};

START_TEST(test_ident_parse_ip_good)
{
	accepted("ip", good_ip[_i], 0);
}
END_TEST

static const struct {
	const char	*value;
	enum acme_prob	 want;
	const char	*part;
} bad_ip[] = {
	{ "", ACME_PROB_MALFORMED, "empty" },
	/* Non-canonical IPv6: the detail gives the RFC 5952 form. */
	{ "0:0::1", ACME_PROB_MALFORMED, "send \"::1\" (RFC 5952)" },
	{ "0:0:0:0:0:0:0:1", ACME_PROB_MALFORMED, "send \"::1\"" },
	{ "2001:DB8::1", ACME_PROB_MALFORMED, "send \"2001:db8::1\"" },
	{ "2001:Db8::1", ACME_PROB_MALFORMED, "send \"2001:db8::1\"" },
	{ "FE80::1", ACME_PROB_MALFORMED, "send \"fe80::1\"" },
	{ "2001:0db8::1", ACME_PROB_MALFORMED, "send \"2001:db8::1\"" },
	{ "2001:db8:0:0:0:0:0:1", ACME_PROB_MALFORMED, "\"2001:db8::1\"" },
	{ "2001:db8::0:1", ACME_PROB_MALFORMED, "\"2001:db8::1\"" },
	{ "2001:db8::1:0:0:1:0", ACME_PROB_MALFORMED, NULL },
	{ "2001:db8::1:1:1:1:1", ACME_PROB_MALFORMED,
	    "\"2001:db8:0:1:1:1:1:1\"" },
	{ "2001:db8:0:0:1::1", ACME_PROB_MALFORMED, "\"2001:db8::1:0:0:1\"" },
	{ "2001:db8:0000::1", ACME_PROB_MALFORMED, NULL },
	{ "::0:1", ACME_PROB_MALFORMED, "\"::1\"" },
	/* Not addresses. */
	{ "192.0.2", ACME_PROB_MALFORMED, "not an IPv4 address" },
	{ "192.0.2.1.5", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "192.0.2.256", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "192.0.2.01", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "0300.0.2.1", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "0xc0.0.2.1", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "3221225985", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "192.0.2.1 ", ACME_PROB_MALFORMED, "not an IPv4" },
	{ " 192.0.2.1", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "192.0.2.1/32", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "192.0.2.1:443", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "[::1]", ACME_PROB_MALFORMED, "no brackets" },
	{ "::1/128", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "fe80::1%eth0", ACME_PROB_MALFORMED, "no zone" },
	{ "fe80::1%25eth0", ACME_PROB_MALFORMED, "no zone" },
	{ "1:2:3:4:5:6:7:8:9", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "2001:db8::1::1", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "2001:db8:::1", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "12345::1", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "example.org", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "localhost", ACME_PROB_MALFORMED, "not an IPv4" },
	{ "192.0.2.1\n", ACME_PROB_MALFORMED, "192.0.2.1\\x0a" },
	{ "\xd9\xa1\xd9\xa2\xd9\xa3.0.2.1", ACME_PROB_MALFORMED, "not an" },
	{ "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc",
	    ACME_PROB_MALFORMED, "not an IP" },
	/* Special forms of the same address: policy. */
	{ "::ffff:192.0.2.1", ACME_PROB_REJECTED_IDENT,
	    "send the IPv4 address 192.0.2.1" },
	{ "::ffff:c000:201", ACME_PROB_REJECTED_IDENT, "IPv4-mapped" },
	{ "::192.0.2.1", ACME_PROB_REJECTED_IDENT, "IPv4-compatible" },
	{ "::c000:201", ACME_PROB_REJECTED_IDENT, "IPv4-compatible" },
	{ "::2", ACME_PROB_REJECTED_IDENT, "IPv4-compatible" },
	{ "::100", ACME_PROB_REJECTED_IDENT, "IPv4-compatible" },
	{ "::1:0", ACME_PROB_REJECTED_IDENT, "IPv4-compatible" },
	{ "0.0.0.0", ACME_PROB_REJECTED_IDENT, "unspecified" },
	{ "::", ACME_PROB_REJECTED_IDENT, "unspecified" },
	{ "0:0:0:0:0:0:0:0", ACME_PROB_REJECTED_IDENT, "unspecified" },
};

START_TEST(test_ident_parse_ip_bad)
{
	refused("ip", bad_ip[_i].value, bad_ip[_i].want, bad_ip[_i].part);
}
END_TEST

/* ------------------------------------------------------------------ */
/* ident_is_allowed                                                     */
/* ------------------------------------------------------------------ */

static struct conf	 tconf;

/* A conf with the given issue-3 lines (through the real parser). */
static void
conf_with(const char *lines)
{
	char	 text[1024], err[256];

	snprintf(text, sizeof(text), "base_url = https://ca.example/acme\n"
	    "state_dir = /var/lib/acmegw\n%s", lines);
	conf_init(&tconf);
	ck_assert_msg(conf_parse_buf(&tconf, "t.conf", text, strlen(text),
	    err, sizeof(err)) == 0, "%s", err);
}

/* ident_is_allowed() on a parsed identifier; pe holds the refusal. */
static int
allowed(const char *type, const char *value, char *const *eab, size_t eabsz)
{
	struct ident	 id;
	int		 rc;

	ck_assert_msg(parse(type, value, &id) == ACME_PROB_NONE, "%s: %s",
	    value, pe.detail);
	memset(&pe, 0, sizeof(pe));
	rc = ident_is_allowed(&tconf, &id, eab, eabsz, &pe);
	if (rc == 1)
		ck_assert_int_eq(pe.prob, ACME_PROB_NONE);
	else {
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(pe.prob, ACME_PROB_REJECTED_IDENT);
		assert_has(pe.detail, value);
	}
	return rc;
}

static void
teardown(void)
{
	conf_clear(&tconf);
}

START_TEST(test_ident_is_allowed_no_lists)
{
	conf_with("");
	ck_assert_int_eq(allowed("dns", "example.org", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "*.example.org", NULL, 0), 1);
	ck_assert_int_eq(allowed("ip", "192.0.2.1", NULL, 0), 1);
	ck_assert_int_eq(allowed("ip", "2001:db8::1", NULL, 0), 1);
}
END_TEST

START_TEST(test_ident_is_allowed_forbidden_suffix)
{
	conf_with("forbidden_domains = example.com, mil\n");
	ck_assert_int_eq(allowed("dns", "example.com", NULL, 0), 0);
	assert_has(pe.detail, "names under \"example.com\" are forbidden");
	ck_assert_int_eq(allowed("dns", "a.example.com", NULL, 0), 0);
	ck_assert_int_eq(allowed("dns", "a.b.c.example.com", NULL, 0), 0);
	ck_assert_int_eq(allowed("dns", "*.example.com", NULL, 0), 0);
	ck_assert_int_eq(allowed("dns", "*.a.example.com", NULL, 0), 0);
	ck_assert_int_eq(allowed("dns", "army.mil", NULL, 0), 0);
	assert_has(pe.detail, "\"mil\"");
	/* Label-aligned: these are not under example.com. */
	ck_assert_int_eq(allowed("dns", "badexample.com", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "a.badexample.com", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "example.com.evil.org", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "example.co", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "xexample.com", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "mil.example.org", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "xmil.example", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "*.badexample.com", NULL, 0), 1);
}
END_TEST

/* A wildcard is refused when one of the names it covers is forbidden. */
START_TEST(test_ident_is_allowed_R4_forbidden_under_wildcard)
{
	conf_with("forbidden_domains = secret.example.org\n");
	ck_assert_int_eq(allowed("dns", "*.example.org", NULL, 0), 0);
	assert_has(pe.detail, "\"secret.example.org\"");
	ck_assert_int_eq(allowed("dns", "*.secret.example.org", NULL, 0), 0);
	ck_assert_int_eq(allowed("dns", "*.x.secret.example.org", NULL, 0),
	    0);
	/* Names *.example.org does not cover. */
	ck_assert_int_eq(allowed("dns", "example.org", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "www.example.org", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "*.www.example.org", NULL, 0), 1);
	conf_clear(&tconf);
	/* A forbidden name two labels below the wildcard is not covered. */
	conf_with("forbidden_domains = a.secret.example.org\n");
	ck_assert_int_eq(allowed("dns", "*.example.org", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "*.secret.example.org", NULL, 0), 0);
	ck_assert_int_eq(allowed("dns", "*.asecret.example.org", NULL, 0), 1);
}
END_TEST

START_TEST(test_ident_is_allowed_allowed_suffix)
{
	conf_with("allowed_domains = example.com, internal\n");
	ck_assert_int_eq(allowed("dns", "example.com", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "a.example.com", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "*.example.com", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "*.a.example.com", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "host.internal", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "*.host.internal", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "badexample.com", NULL, 0), 0);
	assert_has(pe.detail, "allowed domains");
	ck_assert_int_eq(allowed("dns", "example.com.evil.org", NULL, 0), 0);
	ck_assert_int_eq(allowed("dns", "example.org", NULL, 0), 0);
	ck_assert_int_eq(allowed("dns", "xinternal.example", NULL, 0), 0);
	ck_assert_int_eq(allowed("dns", "internal.example", NULL, 0), 0);
	/* IP identifiers: the domain lists do not apply. */
	ck_assert_int_eq(allowed("ip", "192.0.2.1", NULL, 0), 1);
	ck_assert_int_eq(allowed("ip", "::1", NULL, 0), 1);
}
END_TEST

/* A wildcard must lie wholly inside an allowed suffix. */
START_TEST(test_ident_is_allowed_R4_wildcard_above_allowed)
{
	conf_with("allowed_domains = a.example.com\n");
	ck_assert_int_eq(allowed("dns", "*.example.com", NULL, 0), 0);
	ck_assert_int_eq(allowed("dns", "*.a.example.com", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "b.a.example.com", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "example.com", NULL, 0), 0);
}
END_TEST

/* Forbidden wins over allowed. */
START_TEST(test_ident_is_allowed_forbidden_over_allowed)
{
	conf_with("allowed_domains = example.com\n"
	    "forbidden_domains = admin.example.com\n");
	ck_assert_int_eq(allowed("dns", "www.example.com", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "admin.example.com", NULL, 0), 0);
	assert_has(pe.detail, "forbidden");
	ck_assert_int_eq(allowed("dns", "x.admin.example.com", NULL, 0), 0);
	ck_assert_int_eq(allowed("dns", "*.example.com", NULL, 0), 0);
	ck_assert_int_eq(allowed("dns", "*.www.example.com", NULL, 0), 1);
}
END_TEST

/* The domains of an external account binding key. */
START_TEST(test_ident_is_allowed_eab_domains)
{
	char	*eab[] = { "team.example.com", "lab.example" };

	conf_with("");
	ck_assert_int_eq(allowed("dns", "team.example.com", eab, 2), 1);
	ck_assert_int_eq(allowed("dns", "www.team.example.com", eab, 2), 1);
	ck_assert_int_eq(allowed("dns", "*.team.example.com", eab, 2), 1);
	ck_assert_int_eq(allowed("dns", "x.lab.example", eab, 2), 1);
	ck_assert_int_eq(allowed("dns", "example.com", eab, 2), 0);
	assert_has(pe.detail, "external account binding key");
	ck_assert_int_eq(allowed("dns", "*.example.com", eab, 2), 0);
	ck_assert_int_eq(allowed("dns", "otherteam.example.com", eab, 2), 0);
	ck_assert_int_eq(allowed("dns", "team.example.com.evil", eab, 2), 0);
	ck_assert_int_eq(allowed("dns", "lab.example.org", eab, 2), 0);
	/* An empty list means no restriction. */
	ck_assert_int_eq(allowed("dns", "example.com", eab, 0), 1);
	ck_assert_int_eq(allowed("dns", "example.com", NULL, 0), 1);
	/* An EAB key with a domain list confines its account to names. */
	ck_assert_int_eq(allowed("ip", "192.0.2.1", eab, 2), 0);
	ck_assert_int_eq(allowed("ip", "2001:db8::1", eab, 2), 0);
	ck_assert_int_eq(allowed("ip", "192.0.2.1", eab, 0), 1);
}
END_TEST

/* EAB domains narrow the global lists; they never widen them. */
START_TEST(test_ident_is_allowed_eab_and_global)
{
	char	*eab[] = { "example.org", "other.example" };

	conf_with("allowed_domains = example.org\n"
	    "forbidden_domains = hr.example.org\n");
	ck_assert_int_eq(allowed("dns", "www.example.org", eab, 2), 1);
	/* In the key's list but not allowed globally. */
	ck_assert_int_eq(allowed("dns", "www.other.example", eab, 2), 0);
	assert_has(pe.detail, "allowed domains");
	/* In the key's list but forbidden. */
	ck_assert_int_eq(allowed("dns", "hr.example.org", eab, 2), 0);
	assert_has(pe.detail, "forbidden");
	conf_clear(&tconf);
	/* Allowed globally but not for this key. */
	conf_with("allowed_domains = example.org, example.net\n");
	ck_assert_int_eq(allowed("dns", "www.example.net", eab, 2), 0);
	assert_has(pe.detail, "external account binding key");
}
END_TEST

/* The forbidden list never matches an IP address. */
START_TEST(test_ident_is_allowed_ip_not_forbidden)
{
	conf_with("forbidden_domains = in-addr.arpa, ip6.arpa, org\n");
	ck_assert_int_eq(allowed("ip", "192.0.2.1", NULL, 0), 1);
	ck_assert_int_eq(allowed("ip", "2001:db8::1", NULL, 0), 1);
	ck_assert_int_eq(allowed("dns", "1.2.0.192.in-addr.arpa", NULL, 0),
	    0);
	ck_assert_int_eq(allowed("dns", "example.org", NULL, 0), 0);
}
END_TEST

/* A NULL perr is allowed. */
START_TEST(test_ident_is_allowed_null_perr)
{
	struct ident	 id;

	conf_with("forbidden_domains = example.org\n");
	ck_assert_int_eq(parse("dns", "a.example.org", &id), ACME_PROB_NONE);
	ck_assert_int_eq(ident_is_allowed(&tconf, &id, NULL, 0, NULL), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* ident_cmp and ident_type_str                                         */
/* ------------------------------------------------------------------ */

static int
cmp_qsort(const void *a, const void *b)
{
	return ident_cmp(a, b);
}

START_TEST(test_ident_cmp_order)
{
	struct ident	 a, b;

	ck_assert_int_eq(parse("dns", "a.example", &a), ACME_PROB_NONE);
	ck_assert_int_eq(parse("dns", "a.example", &b), ACME_PROB_NONE);
	ck_assert_int_eq(ident_cmp(&a, &b), 0);
	ck_assert_int_eq(parse("dns", "b.example", &b), ACME_PROB_NONE);
	ck_assert_int_lt(ident_cmp(&a, &b), 0);
	ck_assert_int_gt(ident_cmp(&b, &a), 0);
	/* A wildcard is a different identifier from its base name. */
	ck_assert_int_eq(parse("dns", "*.a.example", &b), ACME_PROB_NONE);
	ck_assert_int_ne(ident_cmp(&a, &b), 0);
	/* dns before ip, whatever the values. */
	ck_assert_int_eq(parse("ip", "1.2.3.4", &b), ACME_PROB_NONE);
	ck_assert_int_eq(parse("dns", "z.example", &a), ACME_PROB_NONE);
	ck_assert_int_lt(ident_cmp(&a, &b), 0);
	ck_assert_int_gt(ident_cmp(&b, &a), 0);
}
END_TEST

/* Sorting then comparing neighbours folds duplicates. */
START_TEST(test_ident_cmp_sort_dedup)
{
	static const char *const in[][2] = {
		{ "ip", "192.0.2.1" }, { "dns", "b.example" },
		{ "dns", "*.b.example" }, { "dns", "a.example" },
		{ "ip", "::1" }, { "dns", "b.example" }, { "ip", "192.0.2.1" },
		{ "dns", "a.example" },
	};
	static const char *const want[][2] = {
		{ "dns", "*.b.example" }, { "dns", "a.example" },
		{ "dns", "b.example" }, { "ip", "192.0.2.1" }, { "ip", "::1" },
	};
	struct ident	 ids[8];
	size_t		 i, n = 8, m;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(parse(in[i][0], in[i][1], &ids[i]),
		    ACME_PROB_NONE);
	qsort(ids, n, sizeof(ids[0]), cmp_qsort);
	for (i = 1, m = 1; i < n; i++)
		if (ident_cmp(&ids[m - 1], &ids[i]) != 0)
			ids[m++] = ids[i];
	ck_assert_uint_eq(m, 5);
	for (i = 0; i < m; i++) {
		ck_assert_str_eq(ident_type_str(&ids[i]), want[i][0]);
		ck_assert_str_eq(ids[i].value, want[i][1]);
	}
}
END_TEST

START_TEST(test_ident_type_str_values)
{
	struct ident	 id;

	memset(&id, 0, sizeof(id));
	ck_assert_str_eq(ident_type_str(&id), "dns");
	id.is_ip = 1;
	ck_assert_str_eq(ident_type_str(&id), "ip");
}
END_TEST

static Suite *
ident_suite(void)
{
	Suite	*s = suite_create("ident");
	TCase	*tc;

	tc = tcase_create("ident_parse");
	tcase_add_test(tc, test_ident_parse_object_good);
	tcase_add_loop_test(tc, test_ident_parse_object_bad, 0,
	    sizeof(bad_objects) / sizeof(bad_objects[0]));
	tcase_add_test(tc, test_ident_parse_object_null_pointer);
	tcase_add_loop_test(tc, test_ident_parse_dns_good, 0,
	    sizeof(good_dns) / sizeof(good_dns[0]));
	tcase_add_loop_test(tc, test_ident_parse_dns_bad, 0,
	    sizeof(bad_dns) / sizeof(bad_dns[0]));
	tcase_add_test(tc, test_ident_parse_dns_K3_length_bounds);
	tcase_add_test(tc, test_ident_parse_dns_X12_huge_value);
	tcase_add_test(tc, test_ident_parse_dns_L3_detail_sanitised);
	tcase_add_test(tc, test_ident_parse_R4_wildcard_good);
	tcase_add_loop_test(tc, test_ident_parse_R4_wildcard_bad, 0,
	    sizeof(bad_wild) / sizeof(bad_wild[0]));
	tcase_add_test(tc, test_ident_parse_R4_wildcard_ip);
	tcase_add_loop_test(tc, test_ident_parse_ip_good, 0,
	    sizeof(good_ip) / sizeof(good_ip[0]));
	tcase_add_loop_test(tc, test_ident_parse_ip_bad, 0,
	    sizeof(bad_ip) / sizeof(bad_ip[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("ident_is_allowed");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_ident_is_allowed_no_lists);
	tcase_add_test(tc, test_ident_is_allowed_forbidden_suffix);
	tcase_add_test(tc, test_ident_is_allowed_R4_forbidden_under_wildcard);
	tcase_add_test(tc, test_ident_is_allowed_allowed_suffix);
	tcase_add_test(tc, test_ident_is_allowed_R4_wildcard_above_allowed);
	tcase_add_test(tc, test_ident_is_allowed_forbidden_over_allowed);
	tcase_add_test(tc, test_ident_is_allowed_eab_domains);
	tcase_add_test(tc, test_ident_is_allowed_eab_and_global);
	tcase_add_test(tc, test_ident_is_allowed_ip_not_forbidden);
	tcase_add_test(tc, test_ident_is_allowed_null_perr);
	suite_add_tcase(s, tc);

	tc = tcase_create("ident_cmp");
	tcase_add_test(tc, test_ident_cmp_order);
	tcase_add_test(tc, test_ident_cmp_sort_dedup);
	suite_add_tcase(s, tc);

	tc = tcase_create("ident_type_str");
	tcase_add_test(tc, test_ident_type_str_values);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ident_suite());
	int	 failed;

	log_init("check_ident", 0);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * check_json.c: unit tests for json.c (strict parsing, typed getters).
 *
 * Every JSON input of SECURITY.md J24-J28 (and experiment 1 of section 5)
 * must be refused by json_parse_strict() with 400 malformed and a detail
 * giving the byte offset, or, for number ranges, by json_get_int().
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmegw.h"

#define S(x)	(x), (sizeof(x) - 1)
#define NOOFF	((size_t)-1)

struct jcase {
	const char	*why;
	const char	*in;
	size_t		 len;
	size_t		 off;		/* expected byte offset, or NOOFF */
	const char	*word;		/* expected in the detail, or NULL */
};

/* Parse, expect failure with malformed, offset and words in the detail. */
static void
expect_bad(const struct jcase *c)
{
	struct perr		 e;
	struct json_object	*o;
	char			 want[64];

	memset(&e, 0, sizeof(e));
	o = json_parse_strict(c->in, c->len, &e);
	ck_assert_msg(o == NULL, "accepted: %s", c->why);
	ck_assert_msg(e.prob == ACME_PROB_MALFORMED, "%s: prob %d", c->why,
	    (int)e.prob);
	ck_assert_msg(e.detail[0] != '\0', "%s: no detail", c->why);
	if (c->off != NOOFF) {
		snprintf(want, sizeof(want), "at byte %zu:", c->off);
		ck_assert_msg(strstr(e.detail, want) != NULL,
		    "%s: want \"%s\" in \"%s\"", c->why, want, e.detail);
	}
	if (c->word != NULL)
		ck_assert_msg(strstr(e.detail, c->word) != NULL,
		    "%s: want \"%s\" in \"%s\"", c->why, c->word, e.detail);
}

/* Parse, expect success; returns the object. */
static struct json_object *
expect_ok(const char *in, size_t len)
{
	struct perr		 e;
	struct json_object	*o;

	memset(&e, 0, sizeof(e));
	o = json_parse_strict(in, len, &e);
	ck_assert_msg(o != NULL, "refused: %s", e.detail);
	ck_assert(json_object_is_type(o, json_type_object));
	return o;
}

/* "{"a":" + n-1 nested arrays around 1 + "}": n containers in all. */
static char *
nest_arrays(size_t n)
{
	char	*s;
	size_t	 i, k = 0;

	ck_assert_ptr_nonnull(s = malloc(2 * n + 8));
	memcpy(s, "{\"a\":", 5);
	k = 5;
	for (i = 1; i < n; i++)
		s[k++] = '[';
	s[k++] = '1';
	for (i = 1; i < n; i++)
		s[k++] = ']';
	s[k++] = '}';
	s[k] = '\0';
	return s;
}

/* n nested objects {"k":{"k":...{"k":1}...}}. */
static char *
nest_objects(size_t n)
{
	char	*s;
	size_t	 i, k = 0;

	ck_assert_ptr_nonnull(s = malloc(6 * n + 4));
	for (i = 0; i < n; i++) {
		memcpy(s + k, "{\"k\":", 5);
		k += 5;
	}
	s[k++] = '1';
	for (i = 0; i < n; i++)
		s[k++] = '}';
	s[k] = '\0';
	return s;
}

/* ---------------------------------------------------------------- */
/* json_parse_strict                                                  */
/* ---------------------------------------------------------------- */

/* J24: duplicate member names, compared after unescaping. */
static const struct jcase j24[] = {
	{ "dup url", S("{\"url\":\"a\",\"url\":\"b\"}"), 11, "duplicate" },
	{ "dup same value", S("{\"a\":1,\"a\":1}"), 7, "duplicate" },
	{ "dup \\u0061", S("{\"a\":1,\"\\u0061\":2}"), 7, "duplicate" },
	{ "dup \\u0061 first", S("{\"\\u0061\":1,\"a\":2}"), 12, NULL },
	{ "dup \\/", S("{\"/\":1,\"\\/\":2}"), NOOFF, "duplicate" },
	{ "dup \\u00e9 vs raw", S("{\"\\u00e9\":1,\"\xc3\xa9\":2}"), NOOFF,
	    "duplicate" },
	{ "dup surrogate pair vs raw",
	    S("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}"), NOOFF,
	    "duplicate" },
	{ "dup uppercase hex escape", S("{\"\\u00E9\":1,\"\\u00e9\":2}"),
	    NOOFF, "duplicate" },
	{ "dup empty name", S("{\"\":1,\"\":2}"), 6, "duplicate" },
	{ "dup not adjacent", S("{\"a\":1,\"b\":2,\"c\":3,\"a\":4}"), 19,
	    "duplicate" },
	{ "dup different types", S("{\"a\":{},\"a\":[]}"), NOOFF,
	    "duplicate" },
	{ "dup at depth 2", S("{\"x\":{\"y\":1,\"y\":2}}"), NOOFF,
	    "duplicate" },
	{ "dup in array element", S("{\"x\":[1,{\"k\":1,\"k\":2}]}"), NOOFF,
	    "duplicate" },
	{ "dup deep", S("{\"p\":{\"q\":[{\"r\":{\"jwk\":{\"n\":\"1\","
	    "\"e\":\"2\",\"n\":\"3\"}}}]}}"), NOOFF, "duplicate" },
	{ "dup after nested object", S("{\"a\":{\"b\":1},\"c\":2,"
	    "\"a\":3}"), NOOFF, "duplicate" },
	{ "dup protected header", S("{\"alg\":\"ES256\",\"nonce\":\"x\","
	    "\"url\":\"https://a/new-account\",\"jwk\":{},"
	    "\"url\":\"https://b/\"}"), NOOFF, "duplicate" },
};

START_TEST(test_json_parse_strict_J24_dup)
{
	expect_bad(&j24[_i]);
}
END_TEST

START_TEST(test_json_parse_strict_J24_dup_at_max_depth)
{
	char	 buf[256];
	char	*s;

	/* Ten objects, the innermost has a duplicate. */
	s = nest_objects(9);
	ck_assert_ptr_nonnull(strstr(s, "{\"k\":1}"));
	snprintf(buf, sizeof(buf), "%.*s{\"d\":1,\"d\":2}%s",
	    (int)(strstr(s, "1}") - s), s, strstr(s, "1}") + 1);
	free(s);
	{
		struct jcase c = { "dup depth 10", buf, strlen(buf), NOOFF,
		    "duplicate" };
		expect_bad(&c);
	}
}
END_TEST

START_TEST(test_json_parse_strict_J24_many_members)
{
	struct json_object	*o;
	char			*s;
	size_t			 i, k, n = 5000;
	struct perr		 e;

	ck_assert_ptr_nonnull(s = malloc(n * 16 + 32));
	k = 0;
	s[k++] = '{';
	for (i = 0; i < n; i++)
		k += (size_t)sprintf(s + k, "%s\"m%zu\":%zu", i ? "," : "",
		    i, i);
	s[k++] = '}';
	o = expect_ok(s, k);
	ck_assert_int_eq(json_object_object_length(o), (int)n);
	json_object_put(o);

	/* The same with the first name repeated at the end. */
	k--;
	k += (size_t)sprintf(s + k, ",\"m0\":0}");
	o = json_parse_strict(s, k, &e);
	ck_assert_ptr_null(o);
	ck_assert_ptr_nonnull(strstr(e.detail, "duplicate"));
	free(s);
}
END_TEST

START_TEST(test_json_parse_strict_J24_same_name_other_objects)
{
	struct json_object	*o;

	/* The same name in different objects is no duplicate. */
	o = expect_ok(S("{\"a\":{\"a\":1},\"b\":{\"a\":2},"
	    "\"c\":[{\"a\":1},{\"a\":1}]}"));
	json_object_put(o);
	/* Names differing in case, a space, or a prefix. */
	o = expect_ok(S("{\"a\":1,\"A\":2,\"a \":3,\"ab\":4,\"b\":5,"
	    "\"\":6}"));
	ck_assert_int_eq(json_object_object_length(o), 6);
	json_object_put(o);
}
END_TEST

/* J25: malformed JSON. */
static const struct jcase j25[] = {
	{ "trailing garbage", S("{\"a\":1} xyz"), 8, "trailing" },
	{ "trailing object", S("{\"a\":1}{}"), 7, "trailing" },
	{ "trailing NUL", S("{\"a\":1}\0"), 7, "trailing" },
	{ "trailing comma char", S("{\"a\":1},"), 7, "trailing" },
	{ "trailing vertical tab", S("{\"a\":1}\v"), 7, "trailing" },
	{ "trailing NBSP", S("{\"a\":1}\xc2\xa0"), 7, "trailing" },
	{ "leading BOM", S("\xef\xbb\xbf{\"a\":1}"), 0, "not an object" },
	{ "leading form feed", S("\f{\"a\":1}"), 0, "not an object" },
	{ "comment block", S("{/* c */\"a\":1}"), 1, "comment" },
	{ "comment line", S("{\"a\":1 // c\n}"), 7, "comment" },
	{ "comment after value", S("{\"a\":1/**/}"), 6, "comment" },
	{ "comment in array", S("{\"a\":[1/**/]}"), NOOFF, "comment" },
	{ "comment as value", S("{\"a\":/**/1}"), 5, "comment" },
	{ "comment after object", S("{\"a\":1}/* x */"), 7, "trailing" },
	{ "comment hash", S("{# c\n\"a\":1}"), 1, NULL },
	{ "single-quoted name", S("{'a':1}"), 1, "single" },
	{ "single-quoted value", S("{\"a\":'b'}"), 5, "single" },
	{ "unquoted name", S("{a:1}"), 1, "member name" },
	{ "trailing comma object", S("{\"a\":1,}"), 7, "trailing comma" },
	{ "trailing comma array", S("{\"a\":[1,]}"), 8, "trailing comma" },
	{ "trailing comma nested", S("{\"a\":{\"b\":1,},\"c\":2}"), NOOFF,
	    "trailing comma" },
	{ "leading comma array", S("{\"a\":[,1]}"), 6, NULL },
	{ "double comma", S("{\"a\":1,,\"b\":2}"), 7, NULL },
	{ "only comma", S("{,}"), 1, NULL },
	{ "leading zero", S("{\"a\":0123}"), 5, "leading zero" },
	{ "leading zero negative", S("{\"a\":-01}"), 5, "leading zero" },
	{ "double zero", S("{\"a\":00}"), 5, "leading zero" },
	{ "leading zero fraction", S("{\"a\":00.5}"), 5, "leading zero" },
	{ "plus sign", S("{\"a\":+1}"), 5, "number" },
	{ "bare fraction", S("{\"a\":.5}"), 5, "number" },
	{ "dot without digits", S("{\"a\":1.}"), 5, "number" },
	{ "exponent without digits", S("{\"a\":1e}"), 5, "number" },
	{ "exponent sign only", S("{\"a\":1e+}"), 5, "number" },
	{ "minus alone", S("{\"a\":-}"), 5, "number" },
	{ "minus space", S("{\"a\":- 1}"), 5, "number" },
	{ "hex number", S("{\"a\":0x10}"), 6, NULL },
	{ "NaN", S("{\"a\":NaN}"), 5, "bare word" },
	{ "nan", S("{\"a\":nan}"), 5, "bare word" },
	{ "Infinity", S("{\"a\":Infinity}"), 5, "bare word" },
	{ "-Infinity", S("{\"a\":-Infinity}"), 5, "number" },
	{ "undefined", S("{\"a\":undefined}"), 5, "bare word" },
	{ "True", S("{\"a\":True}"), 5, "bare word" },
	{ "NULL", S("{\"a\":NULL}"), 5, "bare word" },
	{ "truex", S("{\"a\":truex}"), 9, NULL },
	{ "tru", S("{\"a\":tru}"), 5, "bare word" },
	{ "raw TAB in string", S("{\"a\":\"x\ty\"}"), 7, "control" },
	{ "raw newline in string", S("{\"a\":\"x\ny\"}"), 7, "control" },
	{ "raw CR in name", S("{\"a\rb\":1}"), 3, "control" },
	{ "raw 0x01", S("{\"a\":\"\x01\"}"), 6, "control" },
	{ "raw 0x1f", S("{\"a\":\"\x1f\"}"), 6, "control" },
	{ "raw NUL in string", S("{\"a\":\"x\0y\"}"), 7, "control" },
	{ "NUL between tokens", S("{\"a\":\0 1}"), 5, NULL },
	{ "bad escape \\x", S("{\"a\":\"\\x41\"}"), 6, "escape" },
	{ "bad escape \\U", S("{\"a\":\"\\U0041\"}"), 6, "escape" },
	{ "bad escape \\'", S("{\"a\":\"\\'\"}"), 6, "escape" },
	{ "bad escape \\0", S("{\"a\":\"\\0\"}"), 6, "escape" },
	{ "short \\u", S("{\"a\":\"\\u12\"}"), 6, "escape" },
	{ "non-hex \\u", S("{\"a\":\"\\u12g4\"}"), 6, "escape" },
	{ "escape at end", S("{\"a\":\"\\"), NOOFF, "unterminated" },
	{ "unterminated string", S("{\"a\":\"abc"), 5, "unterminated" },
	{ "unterminated object", S("{\"a\":1"), 6, "unterminated" },
	{ "unterminated array", S("{\"a\":[1"), 7, "unterminated" },
	{ "lone brace", S("{"), 1, "unterminated" },
	{ "missing value", S("{\"a\":}"), 5, "missing value" },
	{ "missing colon", S("{\"a\" 1}"), 5, "':'" },
	{ "missing comma", S("{\"a\":1 \"b\":2}"), 7, "','" },
	{ "array close mismatch", S("{\"a\":[1}"), 7, NULL },
	{ "object close mismatch", S("{\"a\":1]"), 6, NULL },
	{ "top-level array", S("[1]"), 0, "not an object" },
	{ "top-level empty array", S("[]"), 0, "not an object" },
	{ "top-level string", S("\"a\""), 0, "not an object" },
	{ "top-level number", S("1"), 0, "not an object" },
	{ "top-level true", S("true"), 0, "not an object" },
	{ "top-level null", S("null"), 0, "not an object" },
	{ "empty input", S(""), 0, "not an object" },
	{ "whitespace only", S(" \t\r\n"), 4, "not an object" },
	{ "two objects", S("{} {}"), 3, "trailing" },
};

START_TEST(test_json_parse_strict_J25_malformed)
{
	expect_bad(&j25[_i]);
}
END_TEST

START_TEST(test_json_parse_strict_J25_whitespace_ok)
{
	struct json_object	*o;

	o = expect_ok(S(" \t\r\n{ \"a\" : [ 1 , 2 ] ,\n\"b\"\t:\r{ } }\n "));
	ck_assert_int_eq(json_object_object_length(o), 2);
	json_object_put(o);
	o = expect_ok(S("{}"));
	ck_assert_int_eq(json_object_object_length(o), 0);
	json_object_put(o);
}
END_TEST

START_TEST(test_json_parse_strict_J25_not_nul_terminated)
{
	struct json_object	*o;
	char			 buf[] = { '{', '"', 'a', '"', ':', '1', '}' };

	/* The length is what counts; no NUL needed, none read. */
	o = expect_ok(buf, sizeof(buf));
	json_object_put(o);
	/* A prefix of a valid text is refused. */
	{
		struct jcase c = { "prefix", buf, 6, 6, "unterminated" };
		expect_bad(&c);
	}
}
END_TEST

START_TEST(test_json_parse_strict_J25_detail_no_echo)
{
	struct perr	 e;
	char		*s;
	size_t		 n = 4000;

	/* A long hostile text: the detail names the offset, not the bytes. */
	ck_assert_ptr_nonnull(s = malloc(n + 16));
	memcpy(s, "{\"a\":\"", 6);
	memset(s + 6, 'Q', n);
	memcpy(s + 6 + n, "\"}xyzzy", 7);
	ck_assert_ptr_null(json_parse_strict(s, n + 13, &e));
	ck_assert_int_eq(e.prob, ACME_PROB_MALFORMED);
	ck_assert_ptr_null(strstr(e.detail, "QQQQ"));
	ck_assert_ptr_null(strstr(e.detail, "xyzzy"));
	ck_assert_ptr_nonnull(strstr(e.detail, "at byte 4008:"));
	ck_assert_uint_lt(strlen(e.detail), 100);
	free(s);
}
END_TEST

START_TEST(test_json_parse_strict_J25_null_perr)
{
	ck_assert_ptr_null(json_parse_strict(S("{'a':1}"), NULL));
	ck_assert_ptr_null(json_parse_strict(NULL, 0, NULL));
}
END_TEST

START_TEST(test_json_parse_strict_J25_numbers_ok)
{
	struct json_object	*o;

	o = expect_ok(S("{\"a\":0,\"b\":-0,\"c\":1.5,\"d\":-1.25e-3,"
	    "\"e\":1E+5,\"f\":10,\"g\":0.0,\"h\":true,\"i\":false,"
	    "\"j\":null}"));
	ck_assert_int_eq(json_object_object_length(o), 10);
	json_object_put(o);
}
END_TEST

/* J26: nesting. */

START_TEST(test_json_parse_strict_J26_depth_10_arrays_ok)
{
	struct json_object	*o;
	char			*s = nest_arrays(JSON_MAX_DEPTH);

	o = expect_ok(s, strlen(s));
	json_object_put(o);
	free(s);
}
END_TEST

START_TEST(test_json_parse_strict_J26_depth_10_objects_ok)
{
	struct json_object	*o;
	char			*s = nest_objects(JSON_MAX_DEPTH);

	o = expect_ok(s, strlen(s));
	json_object_put(o);
	free(s);
}
END_TEST

START_TEST(test_json_parse_strict_J26_depth_11_arrays)
{
	char		*s = nest_arrays(JSON_MAX_DEPTH + 1);
	struct jcase	 c = { "depth 11 arrays", s, strlen(s),
	    5 + JSON_MAX_DEPTH - 1, "nesting" };

	expect_bad(&c);
	free(s);
}
END_TEST

START_TEST(test_json_parse_strict_J26_depth_11_objects)
{
	char		*s = nest_objects(JSON_MAX_DEPTH + 1);
	struct jcase	 c = { "depth 11 objects", s, strlen(s),
	    5 * JSON_MAX_DEPTH, "nesting" };

	expect_bad(&c);
	free(s);
}
END_TEST

START_TEST(test_json_parse_strict_J26_depth_100000)
{
	char		*s = nest_arrays(100000);
	struct jcase	 c = { "depth 100000", s, strlen(s), NOOFF,
	    "nesting" };

	expect_bad(&c);
	/* Unterminated, as an attacker would send it. */
	c.len = 5 + 99999;
	expect_bad(&c);
	free(s);
}
END_TEST

/* J27: numbers are parsed, json_get_int() refuses them. */

struct icase {
	const char	*why;
	const char	*in;
	int64_t		 min;
	int64_t		 max;
};

static const struct icase j27[] = {
	{ "30 digits", "{\"reason\":123456789012345678901234567890}",
	    0, 10 },
	{ "30 digits wide range", "{\"reason\":"
	    "123456789012345678901234567890}", INT64_MIN, INT64_MAX },
	{ "-30 digits", "{\"reason\":-123456789012345678901234567890}",
	    INT64_MIN, INT64_MAX },
	{ "UINT64_MAX", "{\"reason\":18446744073709551615}",
	    INT64_MIN, INT64_MAX },
	{ "INT64_MAX + 1", "{\"reason\":9223372036854775808}",
	    INT64_MIN, INT64_MAX },
	{ "INT64_MAX saturated", "{\"reason\":9223372036854775807}",
	    INT64_MIN, INT64_MAX },
	{ "INT64_MIN", "{\"reason\":-9223372036854775808}",
	    INT64_MIN, INT64_MAX },
	{ "INT64_MIN - 1", "{\"reason\":-9223372036854775809}",
	    INT64_MIN, INT64_MAX },
	{ "1e999", "{\"reason\":1e999}", INT64_MIN, INT64_MAX },
	{ "-9e999", "{\"reason\":-9e999}", INT64_MIN, INT64_MAX },
	{ "1e2 is a double", "{\"reason\":1e2}", INT64_MIN, INT64_MAX },
	{ "1.0", "{\"reason\":1.0}", 0, 10 },
	{ "-0.0", "{\"reason\":-0.0}", -10, 10 },
	{ "string 1", "{\"reason\":\"1\"}", 0, 10 },
	{ "true", "{\"reason\":true}", 0, 10 },
	{ "null", "{\"reason\":null}", 0, 10 },
	{ "array", "{\"reason\":[1]}", 0, 10 },
	{ "object", "{\"reason\":{}}", 0, 10 },
	{ "4294967297 above uint32", "{\"reason\":4294967297}",
	    0, UINT32_MAX },
	{ "above max", "{\"reason\":11}", 0, 10 },
	{ "below min", "{\"reason\":-1}", 0, 10 },
	{ "reason 7 not allowed", "{\"reason\":7}", 8, 10 },
};

START_TEST(test_json_get_int_J27_refused)
{
	const struct icase	*c = &j27[_i];
	struct json_object	*o;
	int64_t			 v = 4242;

	o = expect_ok(c->in, strlen(c->in));
	ck_assert_msg(json_get_int(o, "reason", c->min, c->max, &v) == -1,
	    "accepted: %s", c->why);
	ck_assert_int_eq(v, 4242);
	json_object_put(o);
}
END_TEST

START_TEST(test_json_get_int_ok)
{
	struct json_object	*o;
	int64_t			 v = -1;

	o = expect_ok(S("{\"a\":0,\"b\":-0,\"c\":10,\"d\":-5,"
	    "\"e\":4294967296,\"f\":9223372036854775806}"));
	ck_assert_int_eq(json_get_int(o, "a", 0, 10, &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(json_get_int(o, "b", 0, 10, &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(json_get_int(o, "c", 0, 10, &v), 0);
	ck_assert_int_eq(v, 10);
	ck_assert_int_eq(json_get_int(o, "d", -5, -5, &v), 0);
	ck_assert_int_eq(v, -5);
	ck_assert_int_eq(json_get_int(o, "e", 0, INT64_MAX, &v), 0);
	ck_assert_int_eq(v, 4294967296LL);
	ck_assert_int_eq(json_get_int(o, "f", INT64_MIN, INT64_MAX, &v), 0);
	ck_assert_int_eq(v, INT64_MAX - 1);
	ck_assert_int_eq(json_get_int(o, "c", 0, 10, NULL), 0);
	json_object_put(o);
}
END_TEST

START_TEST(test_json_get_int_absent)
{
	struct json_object	*o;
	int64_t			 v = 4242;

	o = expect_ok(S("{\"a\":1}"));
	ck_assert_int_eq(json_get_int(o, "b", 0, 10, &v), 1);
	ck_assert_int_eq(json_get_int(o, "A", 0, 10, &v), 1);
	ck_assert_int_eq(v, 4242);
	json_object_put(o);
}
END_TEST

START_TEST(test_json_get_int_not_object)
{
	struct json_object	*a = json_object_new_array();
	int64_t			 v;

	ck_assert_int_eq(json_get_int(a, "a", 0, 10, &v), -1);
	ck_assert_int_eq(json_get_int(NULL, "a", 0, 10, &v), -1);
	json_object_put(a);
}
END_TEST

/* J28: bad UTF-8, surrogates and NUL. */
static const struct jcase j28[] = {
	{ "FF FE", S("{\"a\":\"\xff\xfe\"}"), 6, "UTF-8" },
	{ "FF FE in name", S("{\"\xff\xfe\":1}"), 2, "UTF-8" },
	{ "FF FE outside string", S("{\xff\xfe\"a\":1}"), 1, NULL },
	{ "overlong C0 AF", S("{\"a\":\"\xc0\xaf\"}"), 6, "UTF-8" },
	{ "overlong C1 BF", S("{\"a\":\"\xc1\xbf\"}"), 6, "UTF-8" },
	{ "overlong C0 80 (NUL)", S("{\"a\":\"\xc0\x80\"}"), 6, "UTF-8" },
	{ "overlong E0 80 AF", S("{\"a\":\"\xe0\x80\xaf\"}"), 6, "UTF-8" },
	{ "overlong F0 80 80 AF", S("{\"a\":\"\xf0\x80\x80\xaf\"}"), 6,
	    "UTF-8" },
	{ "overlong F0 8F BF BF", S("{\"a\":\"\xf0\x8f\xbf\xbf\"}"), 6,
	    "UTF-8" },
	{ "encoded surrogate ED A0 80", S("{\"a\":\"\xed\xa0\x80\"}"), 6,
	    "UTF-8" },
	{ "encoded surrogate ED BF BF", S("{\"a\":\"\xed\xbf\xbf\"}"), 6,
	    "UTF-8" },
	{ "above U+10FFFF", S("{\"a\":\"\xf4\x90\x80\x80\"}"), 6, "UTF-8" },
	{ "F5 lead", S("{\"a\":\"\xf5\x80\x80\x80\"}"), 6, "UTF-8" },
	{ "stray continuation", S("{\"a\":\"x\x80\"}"), 7, "UTF-8" },
	{ "truncated E2 82", S("{\"a\":\"\xe2\x82\"}"), 6, "UTF-8" },
	{ "truncated at end", S("{\"a\":\"\xe2\x82"), 6, "UTF-8" },
	{ "bad continuation", S("{\"a\":\"\xc3\x28\"}"), 6, "UTF-8" },
	{ "Latin-1 e-acute", S("{\"a\":\"caf\xe9\"}"), 9, "UTF-8" },
	{ "lone high \\ud800", S("{\"a\":\"\\ud800\"}"), 6, "surrogate" },
	{ "lone high at end", S("{\"a\":\"x\\udbff\"}"), 7, "surrogate" },
	{ "lone low \\udc00", S("{\"a\":\"\\udc00\"}"), 6, "surrogate" },
	{ "lone low \\uDFFF", S("{\"a\":\"\\uDFFF\"}"), 6, "surrogate" },
	{ "reversed pair", S("{\"a\":\"\\udc00\\ud800\"}"), 6,
	    "surrogate" },
	{ "high + BMP escape", S("{\"a\":\"\\ud800\\u0041\"}"), 6,
	    "surrogate" },
	{ "high + high", S("{\"a\":\"\\ud800\\ud800\"}"), 6, "surrogate" },
	{ "high + char", S("{\"a\":\"\\ud800x\"}"), 6, "surrogate" },
	{ "high + \\n", S("{\"a\":\"\\ud800\\n\"}"), 6, "surrogate" },
	{ "lone surrogate in name", S("{\"\\ud800\":1}"), 2, "surrogate" },
	{ "\\u0000", S("{\"a\":\"\\u0000\"}"), 6, "u0000" },
	{ "\\u0000 in middle", S("{\"a\":\"ab\\u0000cd\"}"), 8, "u0000" },
	{ "\\u0000 in name", S("{\"a\\u0000b\":1}"), 3, "u0000" },
	{ "\\u0000 suffix dup trick", S("{\"a\":1,\"a\\u0000\":2}"), 9,
	    "u0000" },
};

START_TEST(test_json_parse_strict_J28_utf8)
{
	expect_bad(&j28[_i]);
}
END_TEST

START_TEST(test_json_parse_strict_J28_valid_unicode)
{
	struct json_object	*o;
	const char		*s;
	size_t			 n;

	o = expect_ok(S("{\"e\":\"\\u00e9\",\"r\":\"\xc3\xa9\","
	    "\"p\":\"\\ud83d\\ude00\",\"q\":\"\xf0\x9f\x98\x80\","
	    "\"m\":\"\\uDBFF\\uDFFF\",\"x\":\"\\uffff\xef\xbf\xbf\","
	    "\"esc\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"del\":\"\x7f\"}"));
	ck_assert_int_eq(json_get_str(o, "e", &s, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(s, "\xc3\xa9", 2);
	ck_assert_int_eq(json_get_str(o, "r", &s, &n), 0);
	ck_assert_str_eq(s, "\xc3\xa9");
	ck_assert_int_eq(json_get_str(o, "p", &s, &n), 0);
	ck_assert_str_eq(s, "\xf0\x9f\x98\x80");
	ck_assert_int_eq(json_get_str(o, "q", &s, &n), 0);
	ck_assert_str_eq(s, "\xf0\x9f\x98\x80");
	ck_assert_int_eq(json_get_str(o, "m", &s, &n), 0);
	ck_assert_str_eq(s, "\xf4\x8f\xbf\xbf");
	ck_assert_int_eq(json_get_str(o, "x", &s, &n), 0);
	ck_assert_str_eq(s, "\xef\xbf\xbf\xef\xbf\xbf");
	ck_assert_int_eq(json_get_str(o, "esc", &s, &n), 0);
	ck_assert_uint_eq(n, 8);
	ck_assert_str_eq(s, "\"\\/\b\f\n\r\t");
	ck_assert_int_eq(json_get_str(o, "del", &s, &n), 0);
	ck_assert_str_eq(s, "\x7f");
	json_object_put(o);
}
END_TEST

/* ---------------------------------------------------------------- */
/* json_has_dup_keys                                                  */
/* ---------------------------------------------------------------- */

START_TEST(test_json_has_dup_keys_J24)
{
	char	*s;

	ck_assert_int_eq(json_has_dup_keys(S("{\"a\":1,\"a\":2}")), 1);
	ck_assert_int_eq(json_has_dup_keys(S("{\"a\":1,\"\\u0061\":2}")), 1);
	ck_assert_int_eq(json_has_dup_keys(S("[1,{\"x\":{\"b\":1,"
	    "\"b\":2}}]")), 1);
	ck_assert_int_eq(json_has_dup_keys(S("{\"\":1,\"\":2}")), 1);
	/* Deeper than the parser allows still gets scanned. */
	s = nest_objects(30);
	ck_assert_int_eq(json_has_dup_keys(s, strlen(s)), 0);
	free(s);
	ck_assert_int_eq(json_has_dup_keys(S("[[[[[[[[[[[[{\"k\":1,"
	    "\"k\":1}]]]]]]]]]]]]")), 1);
}
END_TEST

START_TEST(test_json_has_dup_keys_none)
{
	ck_assert_int_eq(json_has_dup_keys(S("{}")), 0);
	ck_assert_int_eq(json_has_dup_keys(S("{\"a\":1,\"b\":2}")), 0);
	ck_assert_int_eq(json_has_dup_keys(S("{\"a\":{\"a\":1}}")), 0);
	ck_assert_int_eq(json_has_dup_keys(S("[{\"a\":1},{\"a\":1}]")), 0);
	ck_assert_int_eq(json_has_dup_keys(S("{\"a\":1,\"A\":1}")), 0);
	ck_assert_int_eq(json_has_dup_keys(S("\"a\"")), 0);
	ck_assert_int_eq(json_has_dup_keys(S("[\"a\",\"a\"]")), 0);
	ck_assert_int_eq(json_has_dup_keys(S("")), 0);
	ck_assert_int_eq(json_has_dup_keys(NULL, 0), 0);
}
END_TEST

/* ---------------------------------------------------------------- */
/* json_utf8_is_valid                                                 */
/* ---------------------------------------------------------------- */

static const struct jcase utf8_bad[] = {
	{ "NUL", S("a\0b"), NOOFF, NULL },
	{ "only NUL", S("\0"), NOOFF, NULL },
	{ "FF", S("\xff"), NOOFF, NULL },
	{ "FE", S("\xfe"), NOOFF, NULL },
	{ "C0 AF", S("\xc0\xaf"), NOOFF, NULL },
	{ "C1 BF", S("\xc1\xbf"), NOOFF, NULL },
	{ "C0 80", S("\xc0\x80"), NOOFF, NULL },
	{ "E0 80 80", S("\xe0\x80\x80"), NOOFF, NULL },
	{ "E0 9F BF", S("\xe0\x9f\xbf"), NOOFF, NULL },
	{ "F0 8F BF BF", S("\xf0\x8f\xbf\xbf"), NOOFF, NULL },
	{ "ED A0 80", S("\xed\xa0\x80"), NOOFF, NULL },
	{ "ED B0 80", S("\xed\xb0\x80"), NOOFF, NULL },
	{ "F4 90 80 80", S("\xf4\x90\x80\x80"), NOOFF, NULL },
	{ "F5 80 80 80", S("\xf5\x80\x80\x80"), NOOFF, NULL },
	{ "F8 5-byte", S("\xf8\x88\x80\x80\x80"), NOOFF, NULL },
	{ "lone 80", S("\x80"), NOOFF, NULL },
	{ "lone BF", S("a\xbf"), NOOFF, NULL },
	{ "truncated C3", S("\xc3"), NOOFF, NULL },
	{ "truncated E2 82", S("\xe2\x82"), NOOFF, NULL },
	{ "truncated F0 9F 98", S("\xf0\x9f\x98"), NOOFF, NULL },
	{ "C3 28", S("\xc3\x28"), NOOFF, NULL },
	{ "E2 28 A1", S("\xe2\x28\xa1"), NOOFF, NULL },
	{ "E2 82 28", S("\xe2\x82\x28"), NOOFF, NULL },
};

START_TEST(test_json_utf8_is_valid_J28_bad)
{
	const struct jcase	*c = &utf8_bad[_i];

	ck_assert_msg(json_utf8_is_valid(c->in, c->len) == 0, "accepted: %s",
	    c->why);
}
END_TEST

START_TEST(test_json_utf8_is_valid_ok)
{
	ck_assert_int_eq(json_utf8_is_valid(S("")), 1);
	ck_assert_int_eq(json_utf8_is_valid(NULL, 0), 1);
	ck_assert_int_eq(json_utf8_is_valid(S("mailto:a@example.org")), 1);
	ck_assert_int_eq(json_utf8_is_valid(S("\x01\x1f\x7f")), 1);
	ck_assert_int_eq(json_utf8_is_valid(S("\xc2\x80")), 1);
	ck_assert_int_eq(json_utf8_is_valid(S("caf\xc3\xa9")), 1);
	ck_assert_int_eq(json_utf8_is_valid(S("\xe0\xa0\x80")), 1);
	ck_assert_int_eq(json_utf8_is_valid(S("\xed\x9f\xbf")), 1);
	ck_assert_int_eq(json_utf8_is_valid(S("\xee\x80\x80")), 1);
	ck_assert_int_eq(json_utf8_is_valid(S("\xef\xbf\xbf")), 1);
	ck_assert_int_eq(json_utf8_is_valid(S("\xf0\x90\x80\x80")), 1);
	ck_assert_int_eq(json_utf8_is_valid(S("\xf0\x9f\x98\x80")), 1);
	ck_assert_int_eq(json_utf8_is_valid(S("\xf4\x8f\xbf\xbf")), 1);
	/* Only len bytes count. */
	ck_assert_int_eq(json_utf8_is_valid("ab\xff", 2), 1);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Typed getters                                                      */
/* ---------------------------------------------------------------- */

static struct json_object *
sample(void)
{
	return expect_ok(S("{\"s\":\"str\",\"e\":\"\",\"n\":1,\"d\":1.5,"
	    "\"t\":true,\"f\":false,\"z\":null,\"o\":{\"k\":1},"
	    "\"a\":[1,2]}"));
}

START_TEST(test_json_get_str_ok)
{
	struct json_object	*o = sample();
	const char		*s = NULL;
	size_t			 n = 99;

	ck_assert_int_eq(json_get_str(o, "s", &s, &n), 0);
	ck_assert_str_eq(s, "str");
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(json_get_str(o, "e", &s, &n), 0);
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(n, 0);
	s = NULL;
	ck_assert_int_eq(json_get_str(o, "s", &s, NULL), 0);
	ck_assert_str_eq(s, "str");
	ck_assert_int_eq(json_get_str(o, "s", NULL, NULL), 0);
	json_object_put(o);
}
END_TEST

START_TEST(test_json_get_str_absent)
{
	struct json_object	*o = sample();
	const char		*s = "unchanged";

	ck_assert_int_eq(json_get_str(o, "missing", &s, NULL), 1);
	ck_assert_int_eq(json_get_str(o, "S", &s, NULL), 1);
	ck_assert_str_eq(s, "unchanged");
	json_object_put(o);
}
END_TEST

START_TEST(test_json_get_str_wrong_type)
{
	struct json_object	*o = sample();
	const char		*s = "unchanged";
	static const char *const keys[] = { "n", "d", "t", "f", "z", "o",
	    "a" };
	size_t			 i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(json_get_str(o, keys[i], &s, NULL) == -1,
		    "accepted %s", keys[i]);
	ck_assert_str_eq(s, "unchanged");
	json_object_put(o);
}
END_TEST

START_TEST(test_json_get_str_J28_nul_and_bad_utf8)
{
	struct json_object	*o = json_object_new_object();
	const char		*s = "unchanged";

	/* Built by hand: json_parse_strict() lets neither through. */
	json_object_object_add(o, "nul",
	    json_object_new_string_len("a\0b", 3));
	json_object_object_add(o, "ovl",
	    json_object_new_string_len("\xc0\xaf", 2));
	json_object_object_add(o, "sur",
	    json_object_new_string_len("\xed\xa0\x80", 3));
	ck_assert_int_eq(json_get_str(o, "nul", &s, NULL), -1);
	ck_assert_int_eq(json_get_str(o, "ovl", &s, NULL), -1);
	ck_assert_int_eq(json_get_str(o, "sur", &s, NULL), -1);
	ck_assert_str_eq(s, "unchanged");
	ck_assert_int_eq(json_get_str(NULL, "x", &s, NULL), -1);
	json_object_put(o);
}
END_TEST

START_TEST(test_json_get_bool_ok)
{
	struct json_object	*o = sample();
	int			 v = 42;

	ck_assert_int_eq(json_get_bool(o, "t", &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(json_get_bool(o, "f", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(json_get_bool(o, "missing", &v), 1);
	ck_assert_int_eq(v, 0);
	json_object_put(o);
}
END_TEST

START_TEST(test_json_get_bool_wrong_type)
{
	struct json_object	*o;
	int			 v = 42;

	o = expect_ok(S("{\"s\":\"true\",\"n\":1,\"z\":null,\"o\":{},"
	    "\"a\":[true],\"d\":0.0}"));
	ck_assert_int_eq(json_get_bool(o, "s", &v), -1);
	ck_assert_int_eq(json_get_bool(o, "n", &v), -1);
	ck_assert_int_eq(json_get_bool(o, "z", &v), -1);
	ck_assert_int_eq(json_get_bool(o, "o", &v), -1);
	ck_assert_int_eq(json_get_bool(o, "a", &v), -1);
	ck_assert_int_eq(json_get_bool(o, "d", &v), -1);
	ck_assert_int_eq(v, 42);
	json_object_put(o);
}
END_TEST

START_TEST(test_json_get_obj_cases)
{
	struct json_object	*o = sample(), *v = NULL;
	int64_t			 k;

	ck_assert_int_eq(json_get_obj(o, "o", &v), 0);
	ck_assert_int_eq(json_get_int(v, "k", 0, 1, &k), 0);
	ck_assert_int_eq(k, 1);
	ck_assert_int_eq(json_get_obj(o, "missing", &v), 1);
	ck_assert_int_eq(json_get_obj(o, "a", &v), -1);
	ck_assert_int_eq(json_get_obj(o, "z", &v), -1);
	ck_assert_int_eq(json_get_obj(o, "s", &v), -1);
	ck_assert_int_eq(json_get_obj(o, "n", &v), -1);
	json_object_put(o);
}
END_TEST

START_TEST(test_json_get_array_cases)
{
	struct json_object	*o = sample(), *v = NULL;

	ck_assert_int_eq(json_get_array(o, "a", &v), 0);
	ck_assert_uint_eq(json_object_array_length(v), 2);
	ck_assert_int_eq(json_get_array(o, "missing", &v), 1);
	ck_assert_int_eq(json_get_array(o, "o", &v), -1);
	ck_assert_int_eq(json_get_array(o, "z", &v), -1);
	ck_assert_int_eq(json_get_array(o, "s", &v), -1);
	ck_assert_int_eq(json_get_array(o, "t", &v), -1);
	json_object_put(o);
}
END_TEST

START_TEST(test_json_only_members_cases)
{
	static const char *const hdr[] = { "alg", "nonce", "url", "jwk",
	    "kid", NULL };
	static const char *const none[] = { NULL };
	struct json_object	*o;
	const char		*bad = "unchanged";

	o = expect_ok(S("{\"alg\":\"ES256\",\"url\":\"u\",\"kid\":\"k\"}"));
	ck_assert_int_eq(json_only_members(o, hdr, &bad), 0);
	ck_assert_int_eq(json_only_members(o, none, &bad), -1);
	ck_assert_str_eq(bad, "alg");
	json_object_put(o);

	/* J15: the first unknown member, in document order. */
	o = expect_ok(S("{\"alg\":\"ES256\",\"x5u\":\"http://x\","
	    "\"url\":\"u\",\"jku\":\"j\"}"));
	ck_assert_int_eq(json_only_members(o, hdr, &bad), -1);
	ck_assert_str_eq(bad, "x5u");
	ck_assert_int_eq(json_only_members(o, hdr, NULL), -1);
	json_object_put(o);

	/* J11: crit; and case matters. */
	o = expect_ok(S("{\"crit\":[]}"));
	ck_assert_int_eq(json_only_members(o, hdr, &bad), -1);
	ck_assert_str_eq(bad, "crit");
	json_object_put(o);
	o = expect_ok(S("{\"Alg\":\"ES256\"}"));
	ck_assert_int_eq(json_only_members(o, hdr, &bad), -1);
	ck_assert_str_eq(bad, "Alg");
	json_object_put(o);

	o = expect_ok(S("{}"));
	ck_assert_int_eq(json_only_members(o, none, &bad), 0);
	json_object_put(o);
}
END_TEST

START_TEST(test_json_compact_cases)
{
	struct json_object	*o;

	o = expect_ok(S("{ \"url\" : \"https://ca.example/acme/new-account\","
	    " \"a\" : [ 1, true, null ], \"s\" : \"\\u00e9\\n\" }"));
	ck_assert_str_eq(json_compact(o), "{\"url\":\"https://ca.example/"
	    "acme/new-account\",\"a\":[1,true,null],\"s\":\"\xc3\xa9\\n\"}");
	json_object_put(o);

	/* Compact text parses back strictly to the same text. */
	o = expect_ok(S("{\"k\":{\"n\":\"0vx7\",\"e\":\"AQAB\"},\"v\":1}"));
	{
		const char		*t = json_compact(o);
		struct json_object	*p = expect_ok(t, strlen(t));

		ck_assert_str_eq(json_compact(p), t);
		json_object_put(p);
	}
	json_object_put(o);
}
END_TEST

static Suite *
json_suite(void)
{
	Suite	*s = suite_create("json");
	TCase	*tc;

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
	tc = tcase_create("json_parse_strict");
	tcase_add_loop_test(tc, test_json_parse_strict_J24_dup, 0,
	    NELEM(j24));
	tcase_add_test(tc, test_json_parse_strict_J24_dup_at_max_depth);
	tcase_add_test(tc, test_json_parse_strict_J24_many_members);
	tcase_add_test(tc, test_json_parse_strict_J24_same_name_other_objects);
	tcase_add_loop_test(tc, test_json_parse_strict_J25_malformed, 0,
	    NELEM(j25));
	tcase_add_test(tc, test_json_parse_strict_J25_whitespace_ok);
	tcase_add_test(tc, test_json_parse_strict_J25_not_nul_terminated);
	tcase_add_test(tc, test_json_parse_strict_J25_detail_no_echo);
	tcase_add_test(tc, test_json_parse_strict_J25_null_perr);
	tcase_add_test(tc, test_json_parse_strict_J25_numbers_ok);
	tcase_add_test(tc, test_json_parse_strict_J26_depth_10_arrays_ok);
	tcase_add_test(tc, test_json_parse_strict_J26_depth_10_objects_ok);
	tcase_add_test(tc, test_json_parse_strict_J26_depth_11_arrays);
	tcase_add_test(tc, test_json_parse_strict_J26_depth_11_objects);
	tcase_add_test(tc, test_json_parse_strict_J26_depth_100000);
	tcase_add_loop_test(tc, test_json_parse_strict_J28_utf8, 0,
	    NELEM(j28));
	tcase_add_test(tc, test_json_parse_strict_J28_valid_unicode);
	suite_add_tcase(s, tc);

	tc = tcase_create("json_has_dup_keys");
	tcase_add_test(tc, test_json_has_dup_keys_J24);
	tcase_add_test(tc, test_json_has_dup_keys_none);
	suite_add_tcase(s, tc);

	tc = tcase_create("json_utf8_is_valid");
	tcase_add_loop_test(tc, test_json_utf8_is_valid_J28_bad, 0,
	    NELEM(utf8_bad));
	tcase_add_test(tc, test_json_utf8_is_valid_ok);
	suite_add_tcase(s, tc);

	tc = tcase_create("json_get_str");
	tcase_add_test(tc, test_json_get_str_ok);
	tcase_add_test(tc, test_json_get_str_absent);
	tcase_add_test(tc, test_json_get_str_wrong_type);
	tcase_add_test(tc, test_json_get_str_J28_nul_and_bad_utf8);
	suite_add_tcase(s, tc);

	tc = tcase_create("json_get_bool");
	tcase_add_test(tc, test_json_get_bool_ok);
	tcase_add_test(tc, test_json_get_bool_wrong_type);
	suite_add_tcase(s, tc);

	tc = tcase_create("json_get_int");
	tcase_add_loop_test(tc, test_json_get_int_J27_refused, 0,
	    NELEM(j27));
	tcase_add_test(tc, test_json_get_int_ok);
	tcase_add_test(tc, test_json_get_int_absent);
	tcase_add_test(tc, test_json_get_int_not_object);
	suite_add_tcase(s, tc);

	tc = tcase_create("json_get_obj");
	tcase_add_test(tc, test_json_get_obj_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("json_get_array");
	tcase_add_test(tc, test_json_get_array_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("json_only_members");
	tcase_add_test(tc, test_json_only_members_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("json_compact");
	tcase_add_test(tc, test_json_compact_cases);
	suite_add_tcase(s, tc);
#undef NELEM

	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(json_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * json.c: the one gate for hostile JSON, and typed getters over json-c.
 *
 * Owns: json_parse_strict(), which every client-supplied JSON text (JWS
 * envelope, protected header, payload) goes through; a small strict
 * RFC 8259 validator of our own that runs over the raw bytes before json-c
 * sees them; and getters that check the type, range, UTF-8 and NUL-freedom
 * of each member, so callers never read json-c values unchecked.
 *
 * Why our own validator (SECURITY.md section 0 item 3, J24-J28): json-c 0.16
 * keeps the last of duplicate member names, accepts single quotes, raw
 * control characters and NaN even with JSON_TOKENER_STRICT, accepts overlong
 * UTF-8, maps lone surrogate escapes to U+FFFD and keeps \u0000 (which then
 * truncates json_object_get_string()).  The validator rejects all of these,
 * plus duplicate names (compared after unescaping) at any depth, so that
 * every component that reads the same bytes sees the same object.
 *
 * Must never: hand out an object that did not pass the validator; echo
 * client input in error details (only byte offsets); log payloads.
 *
 * The validator's small recursive-descent helpers own no memory and return
 * as soon as they fail (the first failure is kept in struct jv); that reads
 * more plainly than a goto per grammar rule.  Recursion is bounded by the
 * depth limit, checked before each descent.
 */
#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acmegw.h"

/*
 * Depth allowed to json_has_dup_keys(), which also serves trusted text such
 * as stored records; the recursion stays bounded for hostile text too.
 */
#define JV_SCAN_DEPTH	64

/* One member name of an object still open, decoded. */
struct jv_name {
	const char	*s;		/* in the arena, not NUL-terminated */
	size_t		 len;
	size_t		 pos;		/* byte offset of its opening quote */
};

/* State of one validation pass over raw bytes. */
struct jv {
	const unsigned char *p;
	size_t		 len;
	size_t		 pos;
	int		 maxdepth;	/* containers, the outermost counts 1 */
	char		*arena;		/* decoded member names, len bytes */
	size_t		 arenaused;
	struct jv_name	*names;		/* stack: names of open objects */
	size_t		 namesz;
	size_t		 namecap;
	const char	*err;		/* static description of the failure */
	size_t		 errpos;
	int		 oom;		/* failure was an allocation */
	int		 dup;		/* failure was a duplicate name */
};

static int	jv_value(struct jv *, int);

/* Record the first failure; always returns -1. */
static int
jv_fail(struct jv *v, size_t pos, const char *err)
{
	if (v->err == NULL) {
		v->err = err;
		v->errpos = pos;
	}
	return -1;
}

static int
jv_is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
jv_skip_ws(struct jv *v)
{
	while (v->pos < v->len && jv_is_ws(v->p[v->pos]))
		v->pos++;
}

/*
 * Length of the one well-formed UTF-8 sequence of at least two bytes at
 * s[0..n), or 0 when it is invalid: a stray continuation byte, C0/C1 or
 * F5-FF lead bytes, a truncated sequence, an overlong form, an encoded
 * surrogate (U+D800-U+DFFF) or a code point above U+10FFFF.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	uint32_t	 cp;
	size_t		 k, i;

	if (n == 0)
		return 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		k = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		k = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		k = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (k == 3 && cp < 0x800)
		return 0;
	if (k == 4 && (cp < 0x10000 || cp > 0x10ffff))
		return 0;
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	return k;
}

/* Write code point cp (a Unicode scalar value) as UTF-8; returns bytes. */
static size_t
utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Read 4 hex digits at v->pos into *cp; -1 if they are not there. */
static int
jv_hex4(struct jv *v, uint32_t *cp)
{
	size_t		 i;
	unsigned char	 c;
	uint32_t	 x = 0;

	if (v->len - v->pos < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		c = v->p[v->pos + i];
		x <<= 4;
		if (c >= '0' && c <= '9')
			x |= c - '0';
		else if (c >= 'a' && c <= 'f')
			x |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			x |= c - 'A' + 10;
		else
			return -1;
	}
	v->pos += 4;
	*cp = x;
	return 0;
}

/*
 * Validate the string starting at the opening quote at v->pos and move past
 * its closing quote.  With out non-NULL, the decoded bytes are written there
 * (never more than the raw length) and their count to *outlen.
 */
static int
jv_string(struct jv *v, char *out, size_t *outlen)
{
	size_t		 start, o = 0, k;
	unsigned char	 c;
	uint32_t	 cp, lo;

	assert(v->p[v->pos] == '"');
	start = v->pos++;
	for (;;) {
		if (v->pos >= v->len)
			return jv_fail(v, start, "unterminated string");
		c = v->p[v->pos];
		if (c == '"') {
			v->pos++;
			break;
		}
		if (c < 0x20)
			return jv_fail(v, v->pos,
			    "raw control character in string");
		if (c >= 0x80) {
			k = utf8_seq(v->p + v->pos, v->len - v->pos);
			if (k == 0)
				return jv_fail(v, v->pos,
				    "invalid or overlong UTF-8 in string");
			if (out != NULL)
				memcpy(out + o, v->p + v->pos, k);
			o += k;
			v->pos += k;
			continue;
		}
		if (c != '\\') {
			if (out != NULL)
				out[o] = (char)c;
			o++;
			v->pos++;
			continue;
		}
		/* An escape sequence. */
		if (++v->pos >= v->len)
			return jv_fail(v, v->pos - 1, "unterminated string");
		c = v->p[v->pos++];
		switch (c) {
		case '"':
		case '\\':
		case '/':
			cp = c;
			break;
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			if (jv_hex4(v, &cp) == -1)
				return jv_fail(v, v->pos - 2,
				    "bad \\u escape");
			if (cp == 0)
				return jv_fail(v, v->pos - 6,
				    "\\u0000 escape in string");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return jv_fail(v, v->pos - 6,
				    "lone low surrogate escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (v->len - v->pos < 6 ||
				    v->p[v->pos] != '\\' ||
				    v->p[v->pos + 1] != 'u')
					return jv_fail(v, v->pos - 6,
					    "lone high surrogate escape");
				v->pos += 2;
				if (jv_hex4(v, &lo) == -1)
					return jv_fail(v, v->pos - 2,
					    "bad \\u escape");
				if (lo < 0xdc00 || lo > 0xdfff)
					return jv_fail(v, v->pos - 12,
					    "mis-paired surrogate escapes");
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			break;
		default:
			return jv_fail(v, v->pos - 2, "bad escape in string");
		}
		if (out != NULL)
			o += utf8_put(out + o, cp);
		else
			o += cp < 0x80 ? 1 : cp < 0x800 ? 2 :
			    cp < 0x10000 ? 3 : 4;
	}
	if (outlen != NULL)
		*outlen = o;
	return 0;
}

/* Validate a number at v->pos (RFC 8259 section 6 grammar exactly). */
static int
jv_number(struct jv *v)
{
	size_t	 start = v->pos;

	if (v->p[v->pos] == '-')
		v->pos++;
	if (v->pos >= v->len)
		return jv_fail(v, start, "invalid number");
	if (v->p[v->pos] == '0') {
		v->pos++;
		if (v->pos < v->len && v->p[v->pos] >= '0' &&
		    v->p[v->pos] <= '9')
			return jv_fail(v, start, "leading zero in number");
	} else if (v->p[v->pos] >= '1' && v->p[v->pos] <= '9') {
		while (v->pos < v->len && v->p[v->pos] >= '0' &&
		    v->p[v->pos] <= '9')
			v->pos++;
	} else
		return jv_fail(v, start, "invalid number");
	if (v->pos < v->len && v->p[v->pos] == '.') {
		v->pos++;
		if (v->pos >= v->len || v->p[v->pos] < '0' ||
		    v->p[v->pos] > '9')
			return jv_fail(v, start, "invalid number");
		while (v->pos < v->len && v->p[v->pos] >= '0' &&
		    v->p[v->pos] <= '9')
			v->pos++;
	}
	if (v->pos < v->len && (v->p[v->pos] == 'e' || v->p[v->pos] == 'E')) {
		v->pos++;
		if (v->pos < v->len &&
		    (v->p[v->pos] == '+' || v->p[v->pos] == '-'))
			v->pos++;
		if (v->pos >= v->len || v->p[v->pos] < '0' ||
		    v->p[v->pos] > '9')
			return jv_fail(v, start, "invalid number");
		while (v->pos < v->len && v->p[v->pos] >= '0' &&
		    v->p[v->pos] <= '9')
			v->pos++;
	}
	return 0;
}

/* Validate one of the three literals; any other bare word is an error. */
static int
jv_word(struct jv *v)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t	 i, n;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = strlen(words[i]);
		if (v->len - v->pos >= n &&
		    memcmp(v->p + v->pos, words[i], n) == 0) {
			v->pos += n;
			return 0;
		}
	}
	return jv_fail(v, v->pos,
	    "bare word (only true, false and null are allowed)");
}

/* Name of what cannot start a value here, for the error detail. */
static const char *
jv_bad_value(unsigned char c)
{
	if (c == '/')
		return "comment";
	if (c == '\'')
		return "single-quoted string";
	if (c == ']' || c == '}')
		return "missing value or trailing comma";
	if (c == ',')
		return "missing value";
	if (c == '+' || c == '.')
		return "invalid number";
	return "unexpected character";
}

/* Order names by length, then bytes, so duplicates end up adjacent. */
static int
jv_name_cmp(const void *a, const void *b)
{
	const struct jv_name	*x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->s, y->s, x->len);
}

/*
 * Sort the names of the object just closed (names[first..namesz)) and fail
 * on two equal ones, reporting the later of the two; then pop them.
 */
static int
jv_names_check(struct jv *v, size_t first)
{
	struct jv_name	*n = v->names + first;
	size_t		 i, cnt = v->namesz - first;
	int		 rc = 0;

	if (cnt > 1) {
		qsort(n, cnt, sizeof(*n), jv_name_cmp);
		for (i = 1; i < cnt; i++) {
			if (jv_name_cmp(&n[i - 1], &n[i]) != 0)
				continue;
			v->dup = 1;
			rc = jv_fail(v, n[i - 1].pos > n[i].pos ?
			    n[i - 1].pos : n[i].pos, "duplicate member name");
			break;
		}
	}
	v->namesz = first;
	return rc;
}

/* Decode the member name at v->pos onto the name stack. */
static int
jv_name_push(struct jv *v)
{
	struct jv_name	*nn;
	size_t		 pos = v->pos, cap, len;
	char		*s;

	if (v->namesz == v->namecap) {
		cap = v->namecap == 0 ? 16 : v->namecap * 2;
		if ((nn = reallocarray(v->names, cap, sizeof(*nn))) == NULL) {
			v->oom = 1;
			return jv_fail(v, pos, "out of memory");
		}
		v->names = nn;
		v->namecap = cap;
	}
	/* Decoded names never outgrow their raw text: the arena is len. */
	s = v->arena + v->arenaused;
	if (jv_string(v, s, &len) == -1)
		return -1;
	v->arenaused += len;
	assert(v->arenaused <= v->len);
	v->names[v->namesz].s = s;
	v->names[v->namesz].len = len;
	v->names[v->namesz].pos = pos;
	v->namesz++;
	return 0;
}

/* Validate an object at v->pos; depth counts it. */
static int
jv_object(struct jv *v, int depth)
{
	size_t	 first = v->namesz;

	v->pos++;			/* '{' */
	jv_skip_ws(v);
	if (v->pos < v->len && v->p[v->pos] == '}') {
		v->pos++;
		return 0;
	}
	for (;;) {
		if (v->pos >= v->len)
			return jv_fail(v, v->pos, "unterminated object");
		if (v->p[v->pos] == '\'')
			return jv_fail(v, v->pos, "single-quoted string");
		if (v->p[v->pos] == '/')
			return jv_fail(v, v->pos, "comment");
		if (v->p[v->pos] == '}')
			return jv_fail(v, v->pos, "trailing comma");
		if (v->p[v->pos] != '"')
			return jv_fail(v, v->pos, "expected a member name");
		if (jv_name_push(v) == -1)
			return -1;
		jv_skip_ws(v);
		if (v->pos >= v->len || v->p[v->pos] != ':')
			return jv_fail(v, v->pos, "expected ':'");
		v->pos++;
		if (jv_value(v, depth) == -1)
			return -1;
		jv_skip_ws(v);
		if (v->pos >= v->len)
			return jv_fail(v, v->pos, "unterminated object");
		if (v->p[v->pos] == '}') {
			v->pos++;
			break;
		}
		if (v->p[v->pos] == '/')
			return jv_fail(v, v->pos, "comment");
		if (v->p[v->pos] != ',')
			return jv_fail(v, v->pos, "expected ',' or '}'");
		v->pos++;
		jv_skip_ws(v);
	}
	return jv_names_check(v, first);
}

/* Validate an array at v->pos; depth counts it. */
static int
jv_array(struct jv *v, int depth)
{
	v->pos++;			/* '[' */
	jv_skip_ws(v);
	if (v->pos < v->len && v->p[v->pos] == ']') {
		v->pos++;
		return 0;
	}
	for (;;) {
		if (jv_value(v, depth) == -1)
			return -1;
		jv_skip_ws(v);
		if (v->pos >= v->len)
			return jv_fail(v, v->pos, "unterminated array");
		if (v->p[v->pos] == ']') {
			v->pos++;
			break;
		}
		if (v->p[v->pos] == '/')
			return jv_fail(v, v->pos, "comment");
		if (v->p[v->pos] != ',')
			return jv_fail(v, v->pos, "expected ',' or ']'");
		v->pos++;
	}
	return 0;
}

/*
 * Validate one value (after optional whitespace); depth is the number of
 * containers already open around it.
 */
static int
jv_value(struct jv *v, int depth)
{
	unsigned char	 c;

	jv_skip_ws(v);
	if (v->pos >= v->len)
		return jv_fail(v, v->pos, "missing value");
	c = v->p[v->pos];
	if (c == '{' || c == '[') {
		if (depth >= v->maxdepth)
			return jv_fail(v, v->pos, "nesting too deep");
		return c == '{' ? jv_object(v, depth + 1) :
		    jv_array(v, depth + 1);
	}
	if (c == '"')
		return jv_string(v, NULL, NULL);
	if (c == '-' || (c >= '0' && c <= '9'))
		return jv_number(v);
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return jv_word(v);
	return jv_fail(v, v->pos, jv_bad_value(c));
}

/*
 * Run the validator over buf[0..len).  With topobj the text must be one
 * object; otherwise any value.  Returns 0 or -1 with v->err, v->errpos,
 * v->dup and v->oom describing the first failure.  The caller frees nothing:
 * scratch memory is released here.
 */
static int
jv_run(struct jv *v, const char *buf, size_t len, int maxdepth, int topobj)
{
	int	 rc = -1;

	memset(v, 0, sizeof(*v));
	v->p = (const unsigned char *)buf;
	v->len = len;
	v->maxdepth = maxdepth;
	if ((v->arena = malloc(len + 1)) == NULL) {
		v->oom = 1;
		jv_fail(v, 0, "out of memory");
		goto out;
	}
	jv_skip_ws(v);
	if (topobj && (v->pos >= v->len || v->p[v->pos] != '{')) {
		jv_fail(v, v->pos, "top level is not an object");
		goto out;
	}
	if (jv_value(v, 0) == -1)
		goto out;
	jv_skip_ws(v);
	if (v->pos != v->len) {
		jv_fail(v, v->pos, topobj ?
		    "trailing bytes after the object" :
		    "trailing bytes after the value");
		goto out;
	}
	rc = 0;
out:
	free(v->arena);
	free(v->names);
	v->arena = NULL;
	v->names = NULL;
	return rc;
}

/*
 * Parse hostile JSON text buf[0..len), which need not be NUL-terminated.
 * The text must be exactly one object (RFC 8259, with JSON whitespace
 * around it) with no duplicate member names at any depth (compared after
 * unescaping), nesting at most JSON_MAX_DEPTH containers, strings of valid
 * UTF-8 without raw control characters, \u0000, or unpaired surrogates.
 * Numbers follow RFC 8259; their range is checked by json_get_int().
 * Returns a new object (the caller json_object_put()s it), or NULL with
 * *perr filled in: ACME_PROB_MALFORMED and a detail naming the problem and
 * its byte offset (no input is echoed), or ACME_PROB_SERVER_INTERNAL when
 * memory ran out.  perr may be NULL.
 */
struct json_object *
json_parse_strict(const char *buf, size_t len, struct perr *perr)
{
	struct jv		 v;
	struct json_tokener	*tok = NULL;
	struct json_object	*obj = NULL;
	enum json_tokener_error	 jerr;

	if (buf == NULL || len > INT_MAX) {
		perr_set(perr, ACME_PROB_MALFORMED, "JSON text too large");
		goto out;
	}
	if (jv_run(&v, buf, len, JSON_MAX_DEPTH, 1) == -1) {
		if (v.oom)
			perr_set(perr, ACME_PROB_SERVER_INTERNAL,
			    "out of memory parsing JSON");
		else
			perr_set(perr, ACME_PROB_MALFORMED,
			    "invalid JSON at byte %zu: %s", v.errpos, v.err);
		goto out;
	}

	/*
	 * json-c's depth counts one more level than ours: max_depth N takes
	 * N - 1 nested containers.  Our validator has the last word anyway.
	 */
	if ((tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1)) == NULL) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL,
		    "out of memory parsing JSON");
		goto out;
	}
	json_tokener_set_flags(tok,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (obj == NULL || jerr != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(obj, json_type_object)) {
		perr_set(perr, ACME_PROB_MALFORMED,
		    "invalid JSON at byte %zu: %s",
		    json_tokener_get_parse_end(tok),
		    jerr != json_tokener_success ?
		    json_tokener_error_desc(jerr) : "incomplete object");
		json_object_put(obj);
		obj = NULL;
		goto out;
	}
out:
	if (tok != NULL)
		json_tokener_free(tok);
	return obj;
}

/*
 * Predicate: 1 if the JSON text buf[0..len) has two members with the same
 * name (after unescaping) in some object at any depth, else 0.  The text is
 * assumed syntactically valid (any top-level value); for text that is not,
 * or that nests deeper than 64 containers, the answer is 1 only if a
 * duplicate was seen before the point of failure.
 */
int
json_has_dup_keys(const char *buf, size_t len)
{
	struct jv	 v;

	if (buf == NULL)
		return 0;
	if (jv_run(&v, buf, len, JV_SCAN_DEPTH, 0) == 0)
		return 0;
	return v.dup;
}

/*
 * Predicate: 1 if s[0..len) is well-formed UTF-8 with no overlong forms,
 * no encoded surrogates, nothing above U+10FFFF and no NUL byte; else 0.
 */
int
json_utf8_is_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, k;

	if (s == NULL)
		return len == 0;
	while (i < len) {
		if (p[i] == 0)
			return 0;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seq(p + i, len - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

/*
 * Look up member key of obj.  Returns 1 when obj has no such member, -1
 * when obj is not an object, 0 with *v set (borrowed) otherwise.
 */
static int
json_member(struct json_object *obj, const char *key,
    struct json_object **v)
{
	assert(key != NULL);
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return -1;
	if (!json_object_object_get_ex(obj, key, v))
		return 1;
	return 0;
}

/*
 * 1 when name is one of the strings of the NULL-terminated list, else 0.
 */
int
json_name_is_listed(const char *name, const char *const *list)
{
	size_t	 i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

/*
 * Get string member key of obj.  Returns 0 when it is a string of valid
 * UTF-8 without NUL bytes, with *val (borrowed from obj, NUL-terminated)
 * and *len (its length) set when those pointers are non-NULL; 1 when
 * absent; -1 when it is not a string (null included) or holds a NUL or
 * bad UTF-8, or obj is not an object.  *val and *len are set only on 0.
 */
int
json_get_str(struct json_object *obj, const char *key, const char **val,
    size_t *len)
{
	struct json_object	*v;
	const char		*s;
	size_t			 n;
	int			 rc;

	if ((rc = json_member(obj, key, &v)) != 0)
		return rc;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (s == NULL || !json_utf8_is_valid(s, n))
		return -1;
	if (val != NULL)
		*val = s;
	if (len != NULL)
		*len = n;
	return 0;
}

/*
 * Get boolean member key of obj.  Returns 0 with *val 1 or 0 (when val is
 * non-NULL), 1 when absent, -1 when it is not a boolean or obj is not an
 * object.
 */
int
json_get_bool(struct json_object *obj, const char *key, int *val)
{
	struct json_object	*v;
	int			 rc;

	if ((rc = json_member(obj, key, &v)) != 0)
		return rc;
	if (!json_object_is_type(v, json_type_boolean))
		return -1;
	if (val != NULL)
		*val = json_object_get_boolean(v) ? 1 : 0;
	return 0;
}

/*
 * Get integer member key of obj, which must lie in [min, max].  Returns 0
 * with *val set (when non-NULL); 1 when absent; -1 when it is not a JSON
 * integer (a double such as 1.0 or 1e999, a string such as "1", null), is
 * out of range, or was too large for json-c: json-c saturates to INT64_MAX
 * or INT64_MIN without an error (J27), so those two values always count as
 * out of range.
 */
int
json_get_int(struct json_object *obj, const char *key, int64_t min,
    int64_t max, int64_t *val)
{
	struct json_object	*v;
	int64_t			 n;
	int			 rc;

	if ((rc = json_member(obj, key, &v)) != 0)
		return rc;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	n = json_object_get_int64(v);
	if (n == INT64_MAX || n == INT64_MIN || n < min || n > max)
		return -1;
	if (val != NULL)
		*val = n;
	return 0;
}

/* Member key of obj when it has json type t: as json_get_obj() says. */
static int
json_get_typed(struct json_object *obj, const char *key, enum json_type t,
    struct json_object **val)
{
	struct json_object	*v;
	int			 rc;

	if ((rc = json_member(obj, key, &v)) != 0)
		return rc;
	if (!json_object_is_type(v, t))
		return -1;
	if (val != NULL)
		*val = v;
	return 0;
}

/*
 * Get object member key of obj.  Returns 0 with *val set (borrowed, when
 * non-NULL), 1 when absent, -1 when it is not an object (null included).
 */
int
json_get_obj(struct json_object *obj, const char *key,
    struct json_object **val)
{
	return json_get_typed(obj, key, json_type_object, val);
}

/*
 * Get array member key of obj.  Returns 0 with *val set (borrowed, when
 * non-NULL), 1 when absent, -1 when it is not an array (null included).
 */
int
json_get_array(struct json_object *obj, const char *key,
    struct json_object **val)
{
	return json_get_typed(obj, key, json_type_array, val);
}

/*
 * Check that every member name of obj is in the NULL-terminated list
 * allowed.  Returns 0 if so; -1 otherwise with *bad (when non-NULL) set to
 * the first unknown name in document order, borrowed from obj.  An obj that
 * is not an object gives -1 with *bad NULL.
 */
int
json_only_members(struct json_object *obj, const char *const *allowed,
    const char **bad)
{
	struct json_object_iterator	 it, end;
	const char			*name;
	size_t				 i;

	assert(allowed != NULL);
	if (bad != NULL)
		*bad = NULL;
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return -1;
	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end);
	    json_object_iter_next(&it)) {
		name = json_object_iter_peek_name(&it);
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], name) == 0)
				break;
		if (allowed[i] == NULL) {
			if (bad != NULL)
				*bad = name;
			return -1;
		}
	}
	return 0;
}

/*
 * Compact JSON text of obj without escaping '/', as stored in records and
 * sent in responses.  The string is borrowed from obj and lives until obj
 * is freed or serialised again; NULL only if json-c runs out of memory.
 */
const char *
json_compact(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

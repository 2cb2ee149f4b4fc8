/*
 * b64.c: base64url (RFC 4648 section 5) without padding, as JOSE and
 * ACME use it (RFC 7515 section 2, RFC 8555 section 6.1).
 *
 * Owns: encoding bytes to unpadded base64url, and the one strict decoder
 * every client-supplied base64url string goes through.  The decoder accepts
 * only the canonical form (SECURITY.md J29): the alphabet [A-Za-z0-9_-], no
 * '=' padding, no whitespace, no length that is 1 modulo 4 and no non-zero
 * bits left over in the last character.  Each byte string therefore has
 * exactly one accepted encoding, so nothing keyed on the text (thumbprints,
 * ids, nonces) can be reached by two spellings.
 *
 * Must never: accept the standard alphabet ('+', '/'), padding or
 * whitespace; log what it decodes (keys, signatures, payloads); allocate on
 * failure.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acmegw.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * Value of one base64url character, or -1 for anything outside the
 * alphabet (including '+', '/', '=', whitespace and NUL).
 */
static int
b64url_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Check that in[0..len) is canonical unpadded base64url and compute the
 * decoded length.  Returns 0 and sets *outlen, or -1.
 */
static int
b64url_check(const char *in, size_t len, size_t *outlen)
{
	size_t	 i;
	int	 last;

	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++)
		if (b64url_val((unsigned char)in[i]) < 0)
			return -1;
	if (len % 4 == 2) {
		/* 12 bits carry one byte: the low 4 bits must be zero. */
		last = b64url_val((unsigned char)in[len - 1]);
		if ((last & 0x0f) != 0)
			return -1;
	} else if (len % 4 == 3) {
		/* 18 bits carry two bytes: the low 2 bits must be zero. */
		last = b64url_val((unsigned char)in[len - 1]);
		if ((last & 0x03) != 0)
			return -1;
	}
	*outlen = len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
	return 0;
}

/*
 * Number of characters of the unpadded base64url encoding of n bytes, not
 * counting a terminating NUL.  Saturates at SIZE_MAX for absurd n, which no
 * buffer can then hold, so b64url_encode() fails cleanly.
 */
size_t
b64url_enclen(size_t n)
{
	if (n / 3 > (SIZE_MAX - 3) / 4)
		return SIZE_MAX;
	return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

/*
 * Encode inlen bytes of in as unpadded base64url into out, NUL-terminated.
 * outsz must be at least b64url_enclen(inlen) + 1.  Returns 0, or -1 when
 * out is too small (out is then left untouched).  in may be NULL when
 * inlen is 0.
 */
int
b64url_encode(const unsigned char *in, size_t inlen, char *out, size_t outsz)
{
	size_t		 need, i, o;
	uint32_t	 v;
	int		 rc = -1;

	assert(out != NULL);
	assert(in != NULL || inlen == 0);

	/* A saturated SIZE_MAX can never fit: outsz would need one more. */
	need = b64url_enclen(inlen);
	if (need >= outsz)
		goto out;

	for (i = 0, o = 0; i + 3 <= inlen; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 6) & 0x3f];
		out[o++] = b64url_alphabet[v & 0x3f];
	}
	if (inlen - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
	} else if (inlen - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 6) & 0x3f];
	}
	assert(o == need);
	out[o] = '\0';
	rc = 0;
out:
	return rc;
}

/*
 * Strictly decode inlen characters of canonical unpadded base64url
 * (SECURITY.md J29).  On success *out is a new buffer (caller frees) that
 * holds *outlen bytes followed by one NUL byte not counted in *outlen, so
 * decoded JSON can be handed on as a C string; empty input gives *outlen 0
 * and a 1-byte buffer.  Returns 0, or -1 for any non-canonical input or
 * allocation failure, in which case nothing is allocated and *out and
 * *outlen are untouched.  in may be NULL when inlen is 0.
 */
int
b64url_decode(const char *in, size_t inlen, unsigned char **out,
    size_t *outlen)
{
	unsigned char	*buf = NULL;
	size_t		 n, i, o;
	uint32_t	 v;
	int		 rc = -1;

	assert(out != NULL && outlen != NULL);
	assert(in != NULL || inlen == 0);

	if (b64url_check(in, inlen, &n) == -1)
		goto out;
	if ((buf = malloc(n + 1)) == NULL)
		goto out;

	for (i = 0, o = 0; i + 4 <= inlen; i += 4) {
		v = (uint32_t)b64url_val((unsigned char)in[i]) << 18 |
		    (uint32_t)b64url_val((unsigned char)in[i + 1]) << 12 |
		    (uint32_t)b64url_val((unsigned char)in[i + 2]) << 6 |
		    (uint32_t)b64url_val((unsigned char)in[i + 3]);
		buf[o++] = (v >> 16) & 0xff;
		buf[o++] = (v >> 8) & 0xff;
		buf[o++] = v & 0xff;
	}
	if (inlen - i == 2) {
		v = (uint32_t)b64url_val((unsigned char)in[i]) << 18 |
		    (uint32_t)b64url_val((unsigned char)in[i + 1]) << 12;
		buf[o++] = (v >> 16) & 0xff;
	} else if (inlen - i == 3) {
		v = (uint32_t)b64url_val((unsigned char)in[i]) << 18 |
		    (uint32_t)b64url_val((unsigned char)in[i + 1]) << 12 |
		    (uint32_t)b64url_val((unsigned char)in[i + 2]) << 6;
		buf[o++] = (v >> 16) & 0xff;
		buf[o++] = (v >> 8) & 0xff;
	}
	assert(o == n);
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	return rc;
}

/*
 * Predicate: 1 if in[0..len) is canonical unpadded base64url, that is if
 * b64url_decode() would accept it, else 0.  Allocates nothing.
 */
int
b64url_is_canonical(const char *in, size_t len)
{
	size_t	 n;

	if (in == NULL && len != 0)
		return 0;
	return b64url_check(in, len, &n) == 0;
}

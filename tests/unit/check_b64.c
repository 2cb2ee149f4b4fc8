/*
 * check_b64.c: unit tests for b64.c (base64url, strict decoding).
 *
 * RFC 4648 section 10 vectors adapted to the URL alphabet without padding,
 * the RFC 7515 appendix A.1 header, every non-canonical form of SECURITY.md
 * J29, and exhaustive round trips over short inputs.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acmegw.h"

#define S(x)	(x), (sizeof(x) - 1)

struct vec {
	const char	*raw;
	size_t		 rawlen;
	const char	*enc;
};

/* RFC 4648 section 10, with '=' padding removed. */
static const struct vec rfc4648[] = {
	{ S(""), "" },
	{ S("f"), "Zg" },
	{ S("fo"), "Zm8" },
	{ S("foo"), "Zm9v" },
	{ S("foob"), "Zm9vYg" },
	{ S("fooba"), "Zm9vYmE" },
	{ S("foobar"), "Zm9vYmFy" },
	/* The two characters that differ from the standard alphabet. */
	{ S("\xfb\xff"), "-_8" },
	{ S("\xfb\xef\xbe"), "----" },
	{ S("\xff\xff\xff"), "____" },
	{ S("\x00"), "AA" },
	{ S("\x00\x00\x00"), "AAAA" },
	/* RFC 7515 A.1: the JWS Protected Header of the HS256 example. */
	{ S("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}"),
	    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9" },
};

struct bad {
	const char	*why;
	const char	*in;
	size_t		 len;
};

/* SECURITY.md J29: every non-canonical spelling is refused. */
static const struct bad j29[] = {
	{ "padding ==", S("Zg==") },
	{ "padding =", S("Zg=") },
	{ "padding on full block", S("Zm9v=") },
	{ "padding 3 chars", S("Zm8=") },
	{ "padding only", S("====") },
	{ "padding in the middle", S("Zg==Zm9v") },
	{ "standard alphabet +", S("+_8") },
	{ "standard alphabet /", S("-/8") },
	{ "standard alphabet both", S("+/8") },
	{ "space inside", S("Zm 9v") },
	{ "leading space", S(" Zm9v") },
	{ "trailing newline", S("Zm9v\n") },
	{ "CRLF inside", S("Zm9v\r\nYg") },
	{ "tab inside", S("Zm9v\tYmFy") },
	{ "length 1", S("A") },
	{ "length 5", S("Zm9vY") },
	{ "length 9", S("Zm9vYmFyZ") },
	{ "trailing bits len 2 (Zh)", S("Zh") },
	{ "trailing bits len 2 (Zv)", S("Zv") },
	{ "trailing bits len 2 (A_)", S("A_") },
	{ "trailing bits len 3 (Zm9)", S("Zm9") },
	{ "trailing bits len 3 (Zm-)", S("Zm-") },
	{ "trailing bits len 3 (AAB)", S("AAB") },
	{ "trailing bits after block", S("Zm9vYh") },
	{ "embedded NUL", S("Zm\0v") },
	{ "trailing NUL", S("Zm9v\0") },
	{ "percent-encoded", S("Zm%3D") },
	{ "dot", S("Zm.v") },
	{ "non-ASCII", S("Zm\xc3\xa9v") },
	{ "high byte", S("Zm9\xff") },
	{ "quote", S("\"Zm9v\"") },
};

/* b64url_enclen */

START_TEST(test_b64url_enclen_small)
{
	ck_assert_uint_eq(b64url_enclen(0), 0);
	ck_assert_uint_eq(b64url_enclen(1), 2);
	ck_assert_uint_eq(b64url_enclen(2), 3);
	ck_assert_uint_eq(b64url_enclen(3), 4);
	ck_assert_uint_eq(b64url_enclen(4), 6);
	ck_assert_uint_eq(b64url_enclen(16), ACMEGW_ID_LEN);
	ck_assert_uint_eq(b64url_enclen(24), ACMEGW_NONCE_LEN);
	ck_assert_uint_eq(b64url_enclen(32), ACMEGW_THUMB_LEN);
}
END_TEST

START_TEST(test_b64url_enclen_huge_saturates)
{
	ck_assert_uint_eq(b64url_enclen(SIZE_MAX), SIZE_MAX);
	ck_assert_uint_eq(b64url_enclen(SIZE_MAX / 4 * 3 + 3), SIZE_MAX);
	/* The largest lengths that still fit are exact. */
	ck_assert_uint_eq(b64url_enclen(SIZE_MAX / 4 * 3), SIZE_MAX - 3);
	ck_assert_uint_eq(b64url_enclen(SIZE_MAX / 4 * 3 + 1), SIZE_MAX - 1);
}
END_TEST

/* b64url_encode */

START_TEST(test_b64url_encode_rfc4648)
{
	const struct vec	*v = &rfc4648[_i];
	char			 buf[128];

	ck_assert_int_eq(b64url_encode((const unsigned char *)v->raw,
	    v->rawlen, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, v->enc);
	ck_assert_uint_eq(b64url_enclen(v->rawlen), strlen(v->enc));
}
END_TEST

START_TEST(test_b64url_encode_exact_size)
{
	char	 buf[9];

	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(b64url_encode((const unsigned char *)"foobar", 6,
	    buf, 9), 0);
	ck_assert_str_eq(buf, "Zm9vYmFy");
}
END_TEST

START_TEST(test_b64url_encode_too_small)
{
	char	 buf[9];

	memset(buf, 'x', sizeof(buf));
	/* 8 characters need 9 bytes with the NUL. */
	ck_assert_int_eq(b64url_encode((const unsigned char *)"foobar", 6,
	    buf, 8), -1);
	ck_assert_int_eq(buf[0], 'x');
	ck_assert_int_eq(b64url_encode((const unsigned char *)"f", 1,
	    buf, 2), -1);
	ck_assert_int_eq(b64url_encode((const unsigned char *)"f", 1,
	    buf, 0), -1);
	ck_assert_int_eq(buf[0], 'x');
}
END_TEST

START_TEST(test_b64url_encode_empty)
{
	char	 buf[1] = { 'x' };

	ck_assert_int_eq(b64url_encode(NULL, 0, buf, 1), 0);
	ck_assert_int_eq(buf[0], '\0');
	buf[0] = 'x';
	ck_assert_int_eq(b64url_encode(NULL, 0, buf, 0), -1);
	ck_assert_int_eq(buf[0], 'x');
}
END_TEST

/* b64url_decode */

START_TEST(test_b64url_decode_rfc4648)
{
	const struct vec	*v = &rfc4648[_i];
	unsigned char		*out = NULL;
	size_t			 outlen = 99;

	ck_assert_int_eq(b64url_decode(v->enc, strlen(v->enc), &out,
	    &outlen), 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(outlen, v->rawlen);
	ck_assert_mem_eq(out, v->raw, v->rawlen);
	ck_assert_int_eq(out[outlen], '\0');
	ck_assert_int_eq(b64url_is_canonical(v->enc, strlen(v->enc)), 1);
	free(out);
}
END_TEST

START_TEST(test_b64url_decode_empty)
{
	unsigned char	*out = NULL;
	size_t		 outlen = 99;

	ck_assert_int_eq(b64url_decode("", 0, &out, &outlen), 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(outlen, 0);
	ck_assert_int_eq(out[0], '\0');
	free(out);
	out = NULL;
	ck_assert_int_eq(b64url_decode(NULL, 0, &out, &outlen), 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(outlen, 0);
	free(out);
}
END_TEST

START_TEST(test_b64url_decode_J29_noncanonical)
{
	const struct bad	*b = &j29[_i];
	unsigned char		*out = (unsigned char *)"sentinel";
	size_t			 outlen = 4242;

	ck_assert_msg(b64url_decode(b->in, b->len, &out, &outlen) == -1,
	    "accepted: %s", b->why);
	/* Nothing allocated, nothing written. */
	ck_assert_str_eq((const char *)out, "sentinel");
	ck_assert_uint_eq(outlen, 4242);
	ck_assert_msg(b64url_is_canonical(b->in, b->len) == 0,
	    "canonical: %s", b->why);
}
END_TEST

START_TEST(test_b64url_decode_J29_length_bound)
{
	unsigned char	*out = NULL;
	size_t		 outlen;

	/* Only the first inlen bytes count: "Zm9vYg" cut to 5 is bad. */
	ck_assert_int_eq(b64url_decode("Zm9vYg", 5, &out, &outlen), -1);
	ck_assert_ptr_null(out);
	/* ... and cut to 4 is "foo"; the junk after it is not read. */
	ck_assert_int_eq(b64url_decode("Zm9v====", 4, &out, &outlen), 0);
	ck_assert_uint_eq(outlen, 3);
	ck_assert_mem_eq(out, "foo", 3);
	free(out);
}
END_TEST

START_TEST(test_b64url_decode_J29_every_trailing_bits)
{
	static const char	 alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	char			 in[3];
	unsigned char		*out;
	size_t			 outlen, i, ok2 = 0, ok3 = 0;
	int			 rc;

	/* Of 64 last characters, 4 are canonical after 1 char, 16 after 2. */
	for (i = 0; i < 64; i++) {
		in[0] = 'Q';
		in[1] = alpha[i];
		out = NULL;
		rc = b64url_decode(in, 2, &out, &outlen);
		ck_assert_int_eq(rc == 0, (i & 0x0f) == 0);
		ok2 += rc == 0;
		free(out);
		in[1] = 'Q';
		in[2] = alpha[i];
		out = NULL;
		rc = b64url_decode(in, 3, &out, &outlen);
		ck_assert_int_eq(rc == 0, (i & 0x03) == 0);
		ok3 += rc == 0;
		free(out);
	}
	ck_assert_uint_eq(ok2, 4);
	ck_assert_uint_eq(ok3, 16);
}
END_TEST

START_TEST(test_b64url_decode_J29_exhaustive_reencode)
{
	static const char	 alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_=+/ .";
	char			 in[3], re[8];
	unsigned char		*out;
	size_t			 n = sizeof(alpha) - 1, a, b, c, outlen;
	size_t			 ok = 0, bad = 0;
	int			 rc;

	/*
	 * J29's definition: accepted exactly when re-encoding the result
	 * gives back the input.  Every string of length 2 and 3 over the
	 * alphabet plus some foreign characters.  Plain counters, not
	 * ck_assert, in the loop: it is slow under valgrind.
	 */
	for (a = 0; a < n; a++)
		for (b = 0; b < n; b++)
			for (c = 0; c <= n; c++) {
				size_t	 len = c == n ? 2 : 3;

				in[0] = alpha[a];
				in[1] = alpha[b];
				if (c < n)
					in[2] = alpha[c];
				out = NULL;
				rc = b64url_decode(in, len, &out, &outlen);
				if ((rc == 0) != b64url_is_canonical(in, len))
					bad++;
				if (rc == 0 && (outlen != len - 1 ||
				    b64url_encode(out, outlen, re,
				    sizeof(re)) != 0 || strlen(re) != len ||
				    memcmp(re, in, len) != 0))
					bad++;
				ok += rc == 0;
				free(out);
			}
	ck_assert_uint_eq(bad, 0);
	/* 64 * 4 canonical 2-character and 64 * 64 * 16 3-character. */
	ck_assert_uint_eq(ok, 64 * 4 + 64 * 64 * 16);
}
END_TEST

/* b64url_is_canonical */

START_TEST(test_b64url_is_canonical_basic)
{
	ck_assert_int_eq(b64url_is_canonical("", 0), 1);
	ck_assert_int_eq(b64url_is_canonical(NULL, 0), 1);
	ck_assert_int_eq(b64url_is_canonical("AAAA", 4), 1);
	ck_assert_int_eq(b64url_is_canonical("AAAA=", 5), 0);
	ck_assert_int_eq(b64url_is_canonical("AAA=", 4), 0);
	ck_assert_int_eq(b64url_is_canonical("AA==", 4), 0);
	ck_assert_int_eq(b64url_is_canonical("AB", 2), 0);
	ck_assert_int_eq(b64url_is_canonical("AAAAA", 5), 0);
}
END_TEST

/* Round trips */

START_TEST(test_b64url_roundtrip_lengths)
{
	unsigned char	 raw[300], *out;
	char		 enc[401];
	size_t		 len, i, outlen;
	uint32_t	 x = 2463534242u;

	for (len = 0; len < sizeof(raw); len++) {
		for (i = 0; i < len; i++) {
			/* xorshift32: every byte value shows up. */
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			raw[i] = x & 0xff;
		}
		ck_assert_int_eq(b64url_encode(raw, len, enc, sizeof(enc)), 0);
		ck_assert_uint_eq(strlen(enc), b64url_enclen(len));
		ck_assert_uint_eq(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_"), strlen(enc));
		ck_assert_int_eq(b64url_is_canonical(enc, strlen(enc)), 1);
		out = NULL;
		ck_assert_int_eq(b64url_decode(enc, strlen(enc), &out,
		    &outlen), 0);
		ck_assert_uint_eq(outlen, len);
		ck_assert_mem_eq(out, raw, len);
		ck_assert_int_eq(out[len], '\0');
		free(out);
	}
}
END_TEST

START_TEST(test_b64url_roundtrip_all_bytes)
{
	unsigned char	 raw[256], *out = NULL;
	char		 enc[400];
	size_t		 i, outlen;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)i;
	ck_assert_int_eq(b64url_encode(raw, sizeof(raw), enc, sizeof(enc)),
	    0);
	ck_assert_int_eq(b64url_decode(enc, strlen(enc), &out, &outlen), 0);
	ck_assert_uint_eq(outlen, sizeof(raw));
	ck_assert_mem_eq(out, raw, sizeof(raw));
	free(out);
}
END_TEST

static Suite *
b64_suite(void)
{
	Suite	*s = suite_create("b64");
	TCase	*tc;

	tc = tcase_create("b64url_enclen");
	tcase_add_test(tc, test_b64url_enclen_small);
	tcase_add_test(tc, test_b64url_enclen_huge_saturates);
	suite_add_tcase(s, tc);

	tc = tcase_create("b64url_encode");
	tcase_add_loop_test(tc, test_b64url_encode_rfc4648, 0,
	    sizeof(rfc4648) / sizeof(rfc4648[0]));
	tcase_add_test(tc, test_b64url_encode_exact_size);
	tcase_add_test(tc, test_b64url_encode_too_small);
	tcase_add_test(tc, test_b64url_encode_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("b64url_decode");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_b64url_decode_rfc4648, 0,
	    sizeof(rfc4648) / sizeof(rfc4648[0]));
	tcase_add_test(tc, test_b64url_decode_empty);
	tcase_add_loop_test(tc, test_b64url_decode_J29_noncanonical, 0,
	    sizeof(j29) / sizeof(j29[0]));
	tcase_add_test(tc, test_b64url_decode_J29_length_bound);
	tcase_add_test(tc, test_b64url_decode_J29_every_trailing_bits);
	tcase_add_test(tc, test_b64url_decode_J29_exhaustive_reencode);
	suite_add_tcase(s, tc);

	tc = tcase_create("b64url_is_canonical");
	tcase_add_test(tc, test_b64url_is_canonical_basic);
	suite_add_tcase(s, tc);

	tc = tcase_create("roundtrip");
	tcase_add_test(tc, test_b64url_roundtrip_lengths);
	tcase_add_test(tc, test_b64url_roundtrip_all_bytes);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(b64_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* check_log.c: unit tests for log.c (the sanitising filter, L1). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "acmegw.h"

START_TEST(test_log_sanitize_plain)
{
	char	 buf[64];

	ck_assert_uint_eq(log_sanitize(buf, sizeof(buf), "abc def", 7), 7);
	ck_assert_str_eq(buf, "abc def");
}
END_TEST

START_TEST(test_log_sanitize_L1_crlf)
{
	char	 buf[64];

	log_sanitize(buf, sizeof(buf), "a\r\nb", 4);
	ck_assert_str_eq(buf, "a\\x0d\\x0ab");
}
END_TEST

START_TEST(test_log_sanitize_L1_escape_and_nonascii)
{
	char	 buf[64];

	log_sanitize(buf, sizeof(buf), "\x1b[31m\xc3\xa9\\", 8);
	ck_assert_str_eq(buf, "\\x1b[31m\\xc3\\xa9\\x5c");
}
END_TEST

START_TEST(test_log_sanitize_nul_inside)
{
	char	 buf[64];

	log_sanitize(buf, sizeof(buf), "a\0b", 3);
	ck_assert_str_eq(buf, "a\\x00b");
}
END_TEST

START_TEST(test_log_sanitize_L1_truncated)
{
	char	 buf[16];
	char	 big[100];
	size_t	 n;

	memset(big, 'x', sizeof(big));
	n = log_sanitize(buf, sizeof(buf), big, sizeof(big));
	ck_assert_uint_lt(n, sizeof(buf));
	ck_assert_uint_eq(strlen(buf), n);
	ck_assert_ptr_nonnull(strstr(buf, "..."));
}
END_TEST

START_TEST(test_log_sanitize_truncated_escape)
{
	char	 buf[10];

	log_sanitize(buf, sizeof(buf), "\n\n\n\n", 4);
	ck_assert_uint_lt(strlen(buf), sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "..."));
	ck_assert_ptr_null(strchr(buf, '\n'));
}
END_TEST

START_TEST(test_log_sanitize_zero_size)
{
	char	 buf[1] = { 'z' };

	ck_assert_uint_eq(log_sanitize(buf, 0, "abc", 3), 0);
	ck_assert_int_eq(buf[0], 'z');
}
END_TEST

static Suite *
log_suite(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("log_sanitize");

	tcase_add_test(tc, test_log_sanitize_plain);
	tcase_add_test(tc, test_log_sanitize_L1_crlf);
	tcase_add_test(tc, test_log_sanitize_L1_escape_and_nonascii);
	tcase_add_test(tc, test_log_sanitize_nul_inside);
	tcase_add_test(tc, test_log_sanitize_L1_truncated);
	tcase_add_test(tc, test_log_sanitize_truncated_escape);
	tcase_add_test(tc, test_log_sanitize_zero_size);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(log_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

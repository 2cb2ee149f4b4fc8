/* check_problem.c: unit tests for problem.c (types, statuses, documents). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "acmegw.h"

static struct json_object *
body_json(const struct resp *r)
{
	return json_tokener_parse(r->body);
}

START_TEST(test_acme_prob_status_table)
{
	ck_assert_int_eq(acme_prob_status(ACME_PROB_MALFORMED), 400);
	ck_assert_int_eq(acme_prob_status(ACME_PROB_UNAUTHORIZED), 403);
	ck_assert_int_eq(acme_prob_status(ACME_PROB_EAB_REQUIRED), 403);
	ck_assert_int_eq(acme_prob_status(ACME_PROB_NOT_FOUND), 404);
	ck_assert_int_eq(acme_prob_status(ACME_PROB_METHOD), 405);
	ck_assert_int_eq(acme_prob_status(ACME_PROB_CONFLICT), 409);
	ck_assert_int_eq(acme_prob_status(ACME_PROB_TOO_LARGE), 413);
	ck_assert_int_eq(acme_prob_status(ACME_PROB_MEDIA_TYPE), 415);
	ck_assert_int_eq(acme_prob_status(ACME_PROB_UNAVAILABLE), 503);
}
END_TEST

START_TEST(test_acme_prob_type_every_entry)
{
	int	 i;

	for (i = 1; i < ACME_PROB__MAX; i++) {
		ck_assert_ptr_nonnull(acme_prob_type[i]);
		ck_assert_int_eq(strncmp(acme_prob_type[i],
		    "urn:ietf:params:acme:error:", 27), 0);
	}
	ck_assert_ptr_null(acme_prob_type[ACME_PROB_NONE]);
}
END_TEST

START_TEST(test_problem_set_document)
{
	struct resp		 r;
	struct json_object	*o, *v;

	resp_init(&r);
	problem_set(&r, ACME_PROB_BAD_NONCE, "nonce %s", "gone");
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.ctype, "application/problem+json");
	o = body_json(&r);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "type", &v));
	ck_assert_str_eq(json_object_get_string(v),
	    "urn:ietf:params:acme:error:badNonce");
	ck_assert(json_object_object_get_ex(o, "detail", &v));
	ck_assert_str_eq(json_object_get_string(v), "nonce gone");
	ck_assert(json_object_object_get_ex(o, "status", &v));
	ck_assert_int_eq(json_object_get_int(v), 400);
	ck_assert(!json_object_object_get_ex(o, "algorithms", NULL));
	json_object_put(o);
	resp_clear(&r);
}
END_TEST

START_TEST(test_problem_set_J1_algorithms)
{
	struct resp		 r;
	struct json_object	*o, *v;

	resp_init(&r);
	problem_set(&r, ACME_PROB_BAD_SIG_ALG, "alg none");
	o = body_json(&r);
	ck_assert(json_object_object_get_ex(o, "algorithms", &v));
	ck_assert_int_eq(json_object_array_length(v), JWK__MAX);
	ck_assert_str_eq(json_object_get_string(
	    json_object_array_get_idx(v, 0)), "RS256");
	json_object_put(o);
	resp_clear(&r);
}
END_TEST

START_TEST(test_problem_set_L3_detail_escaped)
{
	struct resp		 r;
	struct json_object	*o, *v;

	resp_init(&r);
	problem_set(&r, ACME_PROB_MALFORMED, "%s", "\"}<script>\n");
	o = body_json(&r);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "detail", &v));
	ck_assert_str_eq(json_object_get_string(v), "\"}<script>\n");
	json_object_put(o);
	resp_clear(&r);
}
END_TEST

START_TEST(test_problem_set_unavailable_retry_after)
{
	struct resp	 r;

	resp_init(&r);
	problem_set(&r, ACME_PROB_UNAVAILABLE, "busy");
	ck_assert_int_eq(r.status, 503);
	ck_assert_ptr_nonnull(resp_header_get(&r, "retry-after"));
	resp_clear(&r);
}
END_TEST

START_TEST(test_problem_set_none_is_internal)
{
	struct resp	 r;

	resp_init(&r);
	problem_set(&r, ACME_PROB_NONE, "bug");
	ck_assert_int_eq(r.status, 500);
	ck_assert_int_eq(r.prob, ACME_PROB_SERVER_INTERNAL);
	resp_clear(&r);
}
END_TEST

START_TEST(test_perr_set_truncates)
{
	struct perr	 e;
	char		 big[1000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(perr_set(&e, ACME_PROB_MALFORMED, "%s", big),
	    ACME_PROB_MALFORMED);
	ck_assert_uint_eq(strlen(e.detail), sizeof(e.detail) - 1);
	ck_assert_int_eq(perr_set(NULL, ACME_PROB_TLS, "x"), ACME_PROB_TLS);
}
END_TEST

START_TEST(test_resp_header_replace_and_link)
{
	struct resp	 r;

	resp_init(&r);
	ck_assert_int_eq(resp_header(&r, "Location", "a"), 0);
	ck_assert_int_eq(resp_header(&r, "location", "b"), 0);
	ck_assert_uint_eq(r.hdrsz, 1);
	ck_assert_str_eq(resp_header_get(&r, "Location"), "b");
	ck_assert_int_eq(resp_header(&r, "Link", "<x>;rel=\"index\""), 0);
	ck_assert_int_eq(resp_header(&r, "Link", "<y>;rel=\"next\""), 0);
	ck_assert_uint_eq(r.hdrsz, 3);
	resp_clear(&r);
	ck_assert_uint_eq(r.hdrsz, 0);
}
END_TEST

START_TEST(test_resp_header_full)
{
	struct resp	 r;
	int		 i;

	resp_init(&r);
	for (i = 0; i < RESP_MAXHDRS; i++)
		ck_assert_int_eq(resp_header(&r, "Link", "%d", i), 0);
	ck_assert_int_eq(resp_header(&r, "X-More", "1"), -1);
	resp_clear(&r);
}
END_TEST

START_TEST(test_resp_json_body)
{
	struct resp		 r;
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "url", json_object_new_string("https://a/b"));
	resp_init(&r);
	ck_assert_int_eq(resp_json(&r, 201, o), 0);
	ck_assert_int_eq(r.status, 201);
	ck_assert_str_eq(r.ctype, "application/json");
	ck_assert_ptr_nonnull(strstr(r.body, "https://a/b"));
	ck_assert_uint_eq(r.bodysz, strlen(r.body));
	json_object_put(o);
	resp_clear(&r);
}
END_TEST

static Suite *
problem_suite(void)
{
	Suite	*s = suite_create("problem");
	TCase	*tc;

	tc = tcase_create("acme_prob");
	tcase_add_test(tc, test_acme_prob_status_table);
	tcase_add_test(tc, test_acme_prob_type_every_entry);
	suite_add_tcase(s, tc);
	tc = tcase_create("problem_set");
	tcase_add_test(tc, test_problem_set_document);
	tcase_add_test(tc, test_problem_set_J1_algorithms);
	tcase_add_test(tc, test_problem_set_L3_detail_escaped);
	tcase_add_test(tc, test_problem_set_unavailable_retry_after);
	tcase_add_test(tc, test_problem_set_none_is_internal);
	tcase_add_test(tc, test_perr_set_truncates);
	suite_add_tcase(s, tc);
	tc = tcase_create("resp");
	tcase_add_test(tc, test_resp_header_replace_and_link);
	tcase_add_test(tc, test_resp_header_full);
	tcase_add_test(tc, test_resp_json_body);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(problem_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

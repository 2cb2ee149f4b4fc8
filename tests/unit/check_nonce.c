/*
 * check_nonce.c: unit tests for nonce.c (SECURITY.md 2.2: N2 replay, N3
 * garbage, N4 expiry, N5 the race, N9 unpredictability).
 *
 * Each test gets a fresh store under /tmp; time is injected.
 */
#define _GNU_SOURCE		/* nftw() */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <valgrind/valgrind.h>

#include "acmegw.h"

#define T0		1700000000	/* "now" of most tests */
#define LIFETIME	3600

static char		 tdir[64];
static struct conf	 tconf;
static struct store	*tst;

static int
rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh state directory in tconf; the store is opened by open_store(). */
static void
setup(void)
{
	char	 path[128];

	snprintf(tdir, sizeof(tdir), "/tmp/check_nonce.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tdir));
	log_init("check_nonce", 0);
	conf_init(&tconf);
	snprintf(path, sizeof(path), "%s/state", tdir);
	tconf.state_dir = strdup(path);
	ck_assert_ptr_nonnull(tconf.state_dir);
	tst = NULL;
}

static void
teardown(void)
{
	store_close(tst);
	tst = NULL;
	conf_clear(&tconf);
	nftw(tdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void
open_store(void)
{
	char	 err[512];

	tst = store_open(&tconf, 0, err, sizeof(err));
	ck_assert_msg(tst != NULL, "store_open: %s", err);
}

struct consume {
	const char	*nonce;
	time_t		 now;
	unsigned int	 lifetime;
	struct perr	 perr;
	int		 calls;
};

static int
consume_txn(DB_TXN *txn, void *arg)
{
	struct consume	*c = arg;

	c->calls++;
	return nonce_consume(tst, txn, c->nonce, c->now, c->lifetime,
	    &c->perr);
}

/* Redeem, then fail the transaction with -2 (the redemption is undone). */
static int
consume_then_fail(DB_TXN *txn, void *arg)
{
	int	 rc;

	if ((rc = consume_txn(txn, arg)) != 0)
		return rc;
	return -2;
}

/* Redeem nonce at now in a transaction of its own; the perr in *c. */
static int
consume(struct consume *c, const char *nonce, time_t now)
{
	memset(c, 0, sizeof(*c));
	c->nonce = nonce;
	c->now = now;
	c->lifetime = LIFETIME;
	return store_txn_run(tst, 0, consume_txn, c);
}

/* Assert that nonce at now is refused as badNonce with detail text. */
static void
refused(const char *nonce, time_t now, const char *text)
{
	struct consume	 c;

	ck_assert_msg(consume(&c, nonce, now) == -1, "accepted %s",
	    nonce != NULL ? nonce : "(null)");
	ck_assert_int_eq(c.perr.prob, ACME_PROB_BAD_NONCE);
	ck_assert_msg(strstr(c.perr.detail, text) != NULL, "%s: %s",
	    nonce != NULL ? nonce : "(null)", c.perr.detail);
	ck_assert_int_eq(c.calls, 1);
}

/* Whether the record of nonce is still in the store. */
static int
stored(const char *nonce)
{
	unsigned char	*raw;
	size_t		 rawsz, valsz;
	void		*val;
	int		 rc;

	ck_assert_int_eq(b64url_decode(nonce, strlen(nonce), &raw, &rawsz),
	    0);
	ck_assert_uint_eq(rawsz, 24);
	rc = store_get(tst, NULL, SDB_NONCES, raw, rawsz, 0, &val, &valsz);
	free(raw);
	free(val);
	ck_assert(rc == 0 || rc == DB_NOTFOUND);
	return rc == 0;
}

/* ------------------------------------------------------------------ */
/* nonce_issue                                                          */
/* ------------------------------------------------------------------ */

START_TEST(test_nonce_issue_format)
{
	char		 n[ACMEGW_NONCE_LEN + 1];
	unsigned char	*raw;
	size_t		 rawsz;
	uint64_t	 t = 0;
	size_t		 i;

	open_store();
	ck_assert_int_eq(nonce_issue(tst, T0, n, sizeof(n)), 0);
	ck_assert_uint_eq(strlen(n), ACMEGW_NONCE_LEN);
	ck_assert(b64url_is_canonical(n, ACMEGW_NONCE_LEN));
	ck_assert_int_eq(b64url_decode(n, strlen(n), &raw, &rawsz), 0);
	ck_assert_uint_eq(rawsz, 24);
	for (i = 0; i < 8; i++)
		t = t << 8 | raw[i];
	ck_assert(t == T0);		/* big-endian issue time first */
	free(raw);
	ck_assert(stored(n));
}
END_TEST

START_TEST(test_nonce_issue_N9_distinct)
{
	char	 n[64][ACMEGW_NONCE_LEN + 1];
	int	 i, j;

	open_store();
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(nonce_issue(tst, T0, n[i], sizeof(n[i])), 0);
	for (i = 0; i < 64; i++)
		for (j = i + 1; j < 64; j++)
			ck_assert_str_ne(n[i], n[j]);
}
END_TEST

START_TEST(test_nonce_issue_small_buffer)
{
	char	 n[ACMEGW_NONCE_LEN];

	open_store();
	memset(n, 'x', sizeof(n));
	ck_assert_int_eq(nonce_issue(tst, T0, n, sizeof(n)), -1);
	ck_assert_int_eq(n[0], '\0');
}
END_TEST

/* ------------------------------------------------------------------ */
/* nonce_consume                                                        */
/* ------------------------------------------------------------------ */

START_TEST(test_nonce_consume_ok)
{
	char		 n[ACMEGW_NONCE_LEN + 1];
	struct consume	 c;

	open_store();
	ck_assert_int_eq(nonce_issue(tst, T0, n, sizeof(n)), 0);
	ck_assert_int_eq(consume(&c, n, T0 + 5), 0);
	ck_assert_int_eq(c.perr.prob, ACME_PROB_NONE);
	ck_assert(!stored(n));
}
END_TEST

START_TEST(test_nonce_consume_N2_replay)
{
	char		 n[ACMEGW_NONCE_LEN + 1];
	struct consume	 c;

	open_store();
	ck_assert_int_eq(nonce_issue(tst, T0, n, sizeof(n)), 0);
	ck_assert_int_eq(consume(&c, n, T0), 0);
	refused(n, T0, "already used or unknown");
	refused(n, T0 + 1, "already used or unknown");
}
END_TEST

START_TEST(test_nonce_consume_N2_aborted_txn_keeps_nonce)
{
	char		 n[ACMEGW_NONCE_LEN + 1];
	struct consume	 c;

	open_store();
	ck_assert_int_eq(nonce_issue(tst, T0, n, sizeof(n)), 0);
	/* Redeemed inside a transaction that then aborts: still usable. */
	memset(&c, 0, sizeof(c));
	c.nonce = n;
	c.now = T0;
	c.lifetime = LIFETIME;
	ck_assert_int_eq(store_txn_run(tst, 0, consume_then_fail, &c), -2);
	ck_assert(stored(n));
	ck_assert_int_eq(consume(&c, n, T0), 0);
	ck_assert(!stored(n));
}
END_TEST

START_TEST(test_nonce_consume_N3_unknown)
{
	char	 n[ACMEGW_NONCE_LEN + 1];
	char	 other[ACMEGW_NONCE_LEN + 1];

	open_store();
	ck_assert_int_eq(nonce_issue(tst, T0, n, sizeof(n)), 0);
	/* Well-formed, current, but never issued: one character changed. */
	memcpy(other, n, sizeof(other));
	other[20] = other[20] == 'A' ? 'B' : 'A';
	refused(other, T0, "already used or unknown");
	refused("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0,
	    "already used or unknown");
	ck_assert(stored(n));
}
END_TEST

START_TEST(test_nonce_consume_N3_garbage)
{
	static const char *const bad[] = {
		"",
		"x",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",	/* 31 */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",	/* 33 */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",	/* padding */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+/",	/* base64, not url */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",
		"AAAAAAAAAAAAAAAA AAAAAAAAAAAAAAA",	/* white space */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\xc3\xa9",	/* UTF-8 */
		"AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAA",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\x7f",
		"../../../../../../../etc/passwd.",
	};
	size_t	 i;

	open_store();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i], T0, "not a nonce from this server");
	refused(NULL, T0, "not a nonce from this server");
}
END_TEST

START_TEST(test_nonce_consume_N4_expired)
{
	char		 n[ACMEGW_NONCE_LEN + 1], m[ACMEGW_NONCE_LEN + 1];
	struct consume	 c;

	open_store();
	ck_assert_int_eq(nonce_issue(tst, T0, n, sizeof(n)), 0);
	ck_assert_int_eq(nonce_issue(tst, T0, m, sizeof(m)), 0);
	refused(n, T0 + LIFETIME + 1, "expired");
	refused(n, T0 + 10 * LIFETIME, "expired");
	/* The refusal deletes nothing; the expiry job does. */
	ck_assert(stored(n));
	/* The last second of the lifetime is still good. */
	ck_assert_int_eq(consume(&c, m, T0 + LIFETIME), 0);
}
END_TEST

START_TEST(test_nonce_consume_future)
{
	char		 n[ACMEGW_NONCE_LEN + 1], m[ACMEGW_NONCE_LEN + 1];
	struct consume	 c;

	open_store();
	/* The clock stepped back after these were issued. */
	ck_assert_int_eq(nonce_issue(tst, T0 + 61, n, sizeof(n)), 0);
	ck_assert_int_eq(nonce_issue(tst, T0 + 60, m, sizeof(m)), 0);
	refused(n, T0, "not valid yet");
	ck_assert(stored(n));
	ck_assert_int_eq(consume(&c, m, T0), 0);	/* a minute is fine */
	ck_assert_int_eq(consume(&c, n, T0 + 1), 0);
}
END_TEST

START_TEST(test_nonce_consume_lifetime_param)
{
	char		 n[ACMEGW_NONCE_LEN + 1];
	struct consume	 c;

	open_store();
	ck_assert_int_eq(nonce_issue(tst, T0, n, sizeof(n)), 0);
	memset(&c, 0, sizeof(c));
	c.nonce = n;
	c.now = T0 + 61;
	c.lifetime = 60;
	ck_assert_int_eq(store_txn_run(tst, 0, consume_txn, &c), -1);
	ck_assert_int_eq(c.perr.prob, ACME_PROB_BAD_NONCE);
	c.lifetime = 61;
	ck_assert_int_eq(store_txn_run(tst, 0, consume_txn, &c), 0);
}
END_TEST

/*
 * N5: 50 processes redeem the same nonce at the same instant, each with
 * its own store (as 50 FastCGI responders would): exactly one succeeds.
 */
START_TEST(test_nonce_consume_N5_race)
{
	char		 n[ACMEGW_NONCE_LEN + 1], err[512], c;
	struct consume	 cs;
	pid_t		 pids[50];
	int		 ready[2], go[2], i, status, rc, nproc;
	int		 won = 0, bad = 0, other = 0;

	nproc = RUNNING_ON_VALGRIND ? 8 : 50;
	open_store();
	ck_assert_int_eq(nonce_issue(tst, T0, n, sizeof(n)), 0);
	store_close(tst);		/* never across fork() (B14) */
	tst = NULL;

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	for (i = 0; i < nproc; i++) {
		pids[i] = fork();
		ck_assert_int_ne(pids[i], -1);
		if (pids[i] != 0)
			continue;
		close(ready[0]);
		close(go[1]);
		if ((tst = store_open(&tconf, 0, err, sizeof(err))) == NULL)
			_exit(3);
		if (write(ready[1], "r", 1) != 1)
			_exit(4);
		/* Everyone starts when the parent closes the pipe. */
		if (read(go[0], &c, 1) != 0)
			_exit(5);
		rc = consume(&cs, n, T0);
		store_close(tst);
		if (rc == 0)
			_exit(0);
		if (rc == -1 && cs.perr.prob == ACME_PROB_BAD_NONCE)
			_exit(1);
		_exit(2);
	}
	close(ready[1]);
	close(go[0]);
	for (i = 0; i < nproc; i++)
		ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(go[1]);
	close(ready[0]);
	for (i = 0; i < nproc; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status));
		switch (WEXITSTATUS(status)) {
		case 0:
			won++;
			break;
		case 1:
			bad++;
			break;
		default:
			other++;
			break;
		}
	}
	ck_assert_int_eq(other, 0);
	ck_assert_int_eq(won, 1);
	ck_assert_int_eq(bad, nproc - 1);
	open_store();
	ck_assert(!stored(n));
}
END_TEST

/* ------------------------------------------------------------------ */
/* nonce_expire                                                         */
/* ------------------------------------------------------------------ */

START_TEST(test_nonce_expire_counts)
{
	char		 old[10][ACMEGW_NONCE_LEN + 1];
	char		 cur[5][ACMEGW_NONCE_LEN + 1];
	struct consume	 c;
	size_t		 count = 99;
	int		 i;

	open_store();
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(nonce_issue(tst, T0 - LIFETIME - 1 - i,
		    old[i], sizeof(old[i])), 0);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(nonce_issue(tst, T0 - LIFETIME + i, cur[i],
		    sizeof(cur[i])), 0);
	ck_assert_int_eq(nonce_expire(tst, T0, LIFETIME, &count), 0);
	ck_assert_uint_eq(count, 10);
	for (i = 0; i < 10; i++)
		ck_assert(!stored(old[i]));
	for (i = 0; i < 5; i++)
		ck_assert(stored(cur[i]));
	/* Nothing more to do. */
	ck_assert_int_eq(nonce_expire(tst, T0, LIFETIME, &count), 0);
	ck_assert_uint_eq(count, 0);
	/* The survivors still work. */
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(consume(&c, cur[i], T0), 0);
}
END_TEST

START_TEST(test_nonce_expire_empty)
{
	size_t	 count = 99;

	open_store();
	ck_assert_int_eq(nonce_expire(tst, T0, LIFETIME, &count), 0);
	ck_assert_uint_eq(count, 0);
	ck_assert_int_eq(nonce_expire(tst, T0, LIFETIME, NULL), 0);
}
END_TEST

START_TEST(test_nonce_expire_X10_batches)
{
	char	 n[ACMEGW_NONCE_LEN + 1], keep[ACMEGW_NONCE_LEN + 1];
	size_t	 count = 0;
	int	 i, total;

	total = RUNNING_ON_VALGRIND ? 1200 : 2500;
	open_store();
	for (i = 0; i < total; i++)
		ck_assert_int_eq(nonce_issue(tst, T0 - 2 * LIFETIME + i % 100,
		    n, sizeof(n)), 0);
	ck_assert_int_eq(nonce_issue(tst, T0, keep, sizeof(keep)), 0);
	ck_assert_int_eq(nonce_expire(tst, T0, LIFETIME, &count), 0);
	ck_assert_uint_eq(count, (size_t)total);
	ck_assert(!stored(n));
	ck_assert(stored(keep));
}
END_TEST

START_TEST(test_nonce_expire_malformed_key)
{
	size_t	 count = 0;

	open_store();
	/* Not 24 bytes: can never be redeemed, so it goes. */
	ck_assert_int_eq(store_put(tst, NULL, SDB_NONCES, "\x00short", 6,
	    NULL, 0, 0), 0);
	ck_assert_int_eq(nonce_expire(tst, T0, LIFETIME, &count), 0);
	ck_assert_uint_eq(count, 1);
}
END_TEST

static Suite *
nonce_suite(void)
{
	Suite	*s = suite_create("nonce");
	TCase	*tc;

	tc = tcase_create("nonce_issue");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_nonce_issue_format);
	tcase_add_test(tc, test_nonce_issue_N9_distinct);
	tcase_add_test(tc, test_nonce_issue_small_buffer);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("nonce_consume");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_nonce_consume_ok);
	tcase_add_test(tc, test_nonce_consume_N2_replay);
	tcase_add_test(tc, test_nonce_consume_N2_aborted_txn_keeps_nonce);
	tcase_add_test(tc, test_nonce_consume_N3_unknown);
	tcase_add_test(tc, test_nonce_consume_N3_garbage);
	tcase_add_test(tc, test_nonce_consume_N4_expired);
	tcase_add_test(tc, test_nonce_consume_future);
	tcase_add_test(tc, test_nonce_consume_lifetime_param);
	tcase_add_test(tc, test_nonce_consume_N5_race);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("nonce_expire");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_nonce_expire_counts);
	tcase_add_test(tc, test_nonce_expire_empty);
	tcase_add_test(tc, test_nonce_expire_X10_batches);
	tcase_add_test(tc, test_nonce_expire_malformed_key);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(nonce_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

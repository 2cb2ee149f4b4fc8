/*
 * check_store.c: unit tests for store.c (environment, records, transactions,
 * crash behaviour) and worker.c (the watcher and its start-up).
 *
 * Each test gets a fresh environment under /tmp.  Crash tests fork
 * processes that open their own store (never the parent's handles: B14)
 * and kill them with SIGKILL; SECURITY.md ids are in the test names.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acmegw.h"

static char		 tdir[64];
static struct conf	 tconf;
static char		 terr[1024];

static int
rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
setup(void)
{
	char	 path[128];

	snprintf(tdir, sizeof(tdir), "/tmp/check_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tdir));
	log_init("check_store", 0);
	conf_init(&tconf);
	snprintf(path, sizeof(path), "%s/state", tdir);
	tconf.state_dir = strdup(path);
	ck_assert_ptr_nonnull(tconf.state_dir);
	tconf.txn_retries = 3;
	terr[0] = '\0';
}

static void
teardown(void)
{
	conf_clear(&tconf);
	nftw(tdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static struct store *
open_store(void)
{
	struct store	*st;

	st = store_open(&tconf, 0, terr, sizeof(terr));
	ck_assert_msg(st != NULL, "store_open: %s", terr);
	return st;
}

/* state_dir/name into buf. */
static void
state_path(char *buf, size_t bufsz, const char *name)
{
	snprintf(buf, bufsz, "%s/%s", tconf.state_dir, name);
}

static double
mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait for pid for at most secs seconds; its status, or -1 on timeout. */
static int
wait_for(pid_t pid, double secs)
{
	double	 end = mono() + secs;
	int	 status;
	pid_t	 w;

	do {
		if ((w = waitpid(pid, &status, WNOHANG)) == pid)
			return status;
		ck_assert_int_ne(w, -1);
		usleep(20000);
	} while (mono() < end);
	return -1;
}

/* Kill and reap pid (if still there). */
static void
reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		continue;
}

/* Put a string value under a string key in its own transaction. */
static void
put_str(struct store *st, enum store_db db, const char *k, const char *v)
{
	ck_assert_int_eq(store_put(st, NULL, db, k, strlen(k), v, strlen(v),
	    0), 0);
}

/* Whether key k holds exactly v. */
static int
has_str(struct store *st, enum store_db db, const char *k, const char *v)
{
	void	*val;
	size_t	 valsz;
	int	 rc, same;

	rc = store_get(st, NULL, db, k, strlen(k), 0, &val, &valsz);
	if (rc == DB_NOTFOUND)
		return 0;
	ck_assert_int_eq(rc, 0);
	same = valsz == strlen(v) && memcmp(val, v, valsz) == 0;
	free(val);
	return same;
}

/* ------------------------------------------------------------------ */
/* store_open / store_close                                             */
/* ------------------------------------------------------------------ */

START_TEST(test_store_open_creates_dir_0700)
{
	static const char *const files[] = { "meta.db", "accounts.db",
	    "acctkeys.db", "eab.db", "nonces.db", "orders.db",
	    "orders_by_acct.db", "__db.register" };
	struct store	*st;
	struct stat	 sb;
	char		 path[256];
	size_t		 i;

	ck_assert_int_eq(stat(tconf.state_dir, &sb), -1);
	st = open_store();
	ck_assert_int_eq(stat(tconf.state_dir, &sb), 0);
	ck_assert(S_ISDIR(sb.st_mode));
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		state_path(path, sizeof(path), files[i]);
		ck_assert_msg(stat(path, &sb) == 0, "%s missing", path);
		ck_assert_msg((sb.st_mode & 077) == 0, "%s mode %o", path,
		    (unsigned int)sb.st_mode);
	}
	ck_assert_uint_eq(st->retries, 3);
	ck_assert_int_eq(st->panic, 0);
	store_close(st);
}
END_TEST

START_TEST(test_store_open_reopen_keeps_data)
{
	struct store	*st;

	st = open_store();
	put_str(st, SDB_ACCOUNTS, "k", "v1");
	store_close(st);
	st = open_store();
	ck_assert(has_str(st, SDB_ACCOUNTS, "k", "v1"));
	store_close(st);
	st = open_store();
	ck_assert(has_str(st, SDB_ACCOUNTS, "k", "v1"));
	store_close(st);
}
END_TEST

START_TEST(test_store_open_writes_schema)
{
	struct store		*st;
	struct json_object	*o, *v;

	st = open_store();
	ck_assert_int_eq(store_get_json(st, NULL, SDB_META, "schema", 0, &o),
	    0);
	ck_assert(json_object_object_get_ex(o, "v", &v));
	ck_assert_int_eq(json_object_get_int(v), ACMEGW_SCHEMA);
	json_object_put(o);
	store_close(st);
}
END_TEST

START_TEST(test_store_open_schema_newer)
{
	struct store	*st;

	st = open_store();
	put_str(st, SDB_META, "schema", "{\"v\":2}");
	store_close(st);
	ck_assert_ptr_null(store_open(&tconf, 0, terr, sizeof(terr)));
	ck_assert_msg(strstr(terr, "schema version 2") != NULL, "%s", terr);
	ck_assert_msg(strstr(terr, "meta.db") != NULL, "%s", terr);
	ck_assert_msg(strstr(terr, tconf.state_dir) != NULL, "%s", terr);
}
END_TEST

START_TEST(test_store_open_schema_malformed)
{
	static const char *const bad[] = { "junk", "{\"v\":0}", "{}",
	    "{\"v\":\"1\"}", "[1]" };
	struct store	*st;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		st = open_store();
		put_str(st, SDB_META, "schema", bad[i]);
		store_close(st);
		ck_assert_ptr_null(store_open(&tconf, 0, terr, sizeof(terr)));
		ck_assert_msg(strstr(terr, "malformed") != NULL, "%s: %s",
		    bad[i], terr);
		/* Repair it for the next round. */
		st = open_store_repair:
		;
		{
			struct store	*r;

			tconf.txn_retries = 3;
			r = NULL;
			(void)r;
		}
	}
}
END_TEST

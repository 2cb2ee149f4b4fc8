/*
 * check_store.c: unit tests for store.c (environment, records, transactions,
 * crash behaviour) and worker.c (the watcher and its start-up).
 *
 * Each test gets a fresh environment under /tmp.  Crash tests fork
 * processes that open their own store (never the parent's handles: B14)
 * and kill them with SIGKILL; SECURITY.md ids are in the test names.
 */
#define _GNU_SOURCE		/* nftw() */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* Point tconf.state_dir at tdir/name. */
static void
set_state_dir(const char *name)
{
	char	 path[128];

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	free(tconf.state_dir);
	tconf.state_dir = strdup(path);
	ck_assert_ptr_nonnull(tconf.state_dir);
}

static void
setup(void)
{
	snprintf(tdir, sizeof(tdir), "/tmp/check_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tdir));
	log_init("check_store", 0);
	conf_init(&tconf);
	set_state_dir("state");
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

/* Wait for pid for at most secs seconds: its status, or -1 on timeout. */
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

/* Kill and reap pid. */
static void
reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		continue;
}

/* Put a string value under a string key in a transaction of its own. */
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

/* Read the whole file at path (up to 64 KiB) into a malloc'd string. */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	buf = calloc(1, 65536);
	ck_assert_ptr_nonnull(buf);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Whether key k exists. */
static int
has_key(struct store *st, enum store_db db, const char *k)
{
	void	*val;
	size_t	 valsz;
	int	 rc;

	rc = store_get(st, NULL, db, k, strlen(k), 0, &val, &valsz);
	free(val);
	if (rc == DB_NOTFOUND)
		return 0;
	ck_assert_int_eq(rc, 0);
	return 1;
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
	}
	for (i = 0; i < SDB__MAX; i++)
		ck_assert_ptr_nonnull(st->db[i]);
	ck_assert_uint_eq(st->retries, 3);
	ck_assert_int_eq(st->panic, 0);
	store_close(st);
}
END_TEST

START_TEST(test_store_open_files_private)
{
	struct store	*st;
	struct stat	 sb;
	char		 path[256];

	umask(022);
	st = open_store();
	store_close(st);
	state_path(path, sizeof(path), "accounts.db");
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 077, 0);
	state_path(path, sizeof(path), "log.0000000001");
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 077, 0);
}
END_TEST

START_TEST(test_store_open_existing_dir)
{
	struct store	*st;

	ck_assert_int_eq(mkdir(tconf.state_dir, 0700), 0);
	st = open_store();
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

START_TEST(test_store_open_databases_separate)
{
	struct store	*st;
	int		 i;

	st = open_store();
	put_str(st, SDB_EAB, "same", "eab");
	put_str(st, SDB_ORDERS, "same", "order");
	ck_assert(has_str(st, SDB_EAB, "same", "eab"));
	ck_assert(has_str(st, SDB_ORDERS, "same", "order"));
	for (i = 0; i < SDB__MAX; i++)
		if (i != SDB_EAB && i != SDB_ORDERS)
			ck_assert(!has_key(st, i, "same"));
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
	/* Still refused the second time; nothing was overwritten. */
	ck_assert_ptr_null(store_open(&tconf, 0, terr, sizeof(terr)));
	ck_assert_msg(strstr(terr, "schema version 2") != NULL, "%s", terr);
}
END_TEST

START_TEST(test_store_open_schema_malformed)
{
	static const char *const bad[] = { "junk", "{\"v\":0}", "{}",
	    "{\"v\":\"1\"}", "[1]", "{\"v\":-3}", "" };
	struct store	*st;
	char		 name[32];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "state%zu", i);
		set_state_dir(name);
		st = open_store();
		put_str(st, SDB_META, "schema", bad[i]);
		store_close(st);
		ck_assert_ptr_null(store_open(&tconf, 0, terr, sizeof(terr)));
		ck_assert_msg(strstr(terr, "malformed") != NULL, "%s: %s",
		    bad[i], terr);
	}
}
END_TEST

START_TEST(test_store_open_not_a_directory)
{
	int	 fd;

	fd = open(tconf.state_dir, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ne(fd, -1);
	close(fd);
	ck_assert_ptr_null(store_open(&tconf, 0, terr, sizeof(terr)));
	ck_assert_msg(strstr(terr, tconf.state_dir) != NULL, "%s", terr);
	ck_assert_msg(strstr(terr, "not a directory") != NULL, "%s", terr);
}
END_TEST

START_TEST(test_store_open_parent_missing)
{
	set_state_dir("no/such/dir");
	ck_assert_ptr_null(store_open(&tconf, 0, terr, sizeof(terr)));
	ck_assert_msg(strstr(terr, tconf.state_dir) != NULL, "%s", terr);
	ck_assert_msg(strstr(terr, "No such file") != NULL, "%s", terr);
}
END_TEST

START_TEST(test_store_open_unwritable_dir)
{
	if (geteuid() == 0)
		return;		/* root writes anyway */
	ck_assert_int_eq(mkdir(tconf.state_dir, 0500), 0);
	ck_assert_ptr_null(store_open(&tconf, 0, terr, sizeof(terr)));
	ck_assert_msg(strstr(terr, tconf.state_dir) != NULL, "%s", terr);
	chmod(tconf.state_dir, 0700);
}
END_TEST

/*
 * F7: a responder's store that cannot be opened stays closed (STORE_RETRY)
 * and store_retry() opens it once the directory can be made.
 */
START_TEST(test_store_open_retry_F7)
{
	struct store	*st;
	char		 parent[128];
	void		*val;
	size_t		 valsz;

	snprintf(parent, sizeof(parent), "%s/later", tdir);
	set_state_dir("later/state");
	st = store_open(&tconf, STORE_RETRY, terr, sizeof(terr));
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(store_is_open(st), 0);
	ck_assert_int_eq(st->open_rc, ENOENT);
	ck_assert_msg(strstr(terr, tconf.state_dir) != NULL, "%s", terr);
	ck_assert_str_eq(store_open_error(st), terr);
	/* Still missing: still closed, same reason. */
	ck_assert_int_eq(store_retry(st, &tconf), -1);
	ck_assert_int_eq(store_is_open(st), 0);
	ck_assert_int_eq(st->open_rc, ENOENT);
	ck_assert_msg(strstr(store_open_error(st), tconf.state_dir) != NULL,
	    "%s", store_open_error(st));
	/* Fixed: open, usable, and a retry of an open store is a no-op. */
	ck_assert_int_eq(mkdir(parent, 0700), 0);
	ck_assert_int_eq(store_retry(st, &tconf), 0);
	ck_assert_int_eq(store_is_open(st), 1);
	ck_assert_str_eq(store_open_error(st), "");
	put_str(st, SDB_ACCOUNTS, "k", "{\"v\":1}");
	ck_assert_int_eq(store_retry(st, &tconf), 0);
	ck_assert_int_eq(store_get(st, NULL, SDB_ACCOUNTS, "k", 1, 0, &val,
	    &valsz), 0);
	ck_assert_str_eq(val, "{\"v\":1}");
	free(val);
	store_close(st);
	/* Without STORE_RETRY a failed open is still NULL. */
	set_state_dir("nowhere/state");
	ck_assert_ptr_null(store_open(&tconf, 0, terr, sizeof(terr)));
}
END_TEST

/* F7: an unwritable state directory is an access error (not as root). */
START_TEST(test_store_open_retry_unwritable_F7)
{
	struct store	*st;

	if (geteuid() == 0)
		return;		/* root writes anyway */
	ck_assert_int_eq(mkdir(tconf.state_dir, 0500), 0);
	st = store_open(&tconf, STORE_RETRY, terr, sizeof(terr));
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(store_is_open(st), 0);
	ck_assert_msg(store_err_is_access(st->open_rc), "%d: %s",
	    st->open_rc, terr);
	chmod(tconf.state_dir, 0700);
	ck_assert_int_eq(store_retry(st, &tconf), 0);
	store_close(st);
}
END_TEST

/* X8, B21: the free-space guard's statvfs check. */
START_TEST(test_store_space_low_X8)
{
	struct statvfs		 sv;
	unsigned long long	 avail, want;

	ck_assert_int_eq(mkdir(tconf.state_dir, 0700), 0);
	ck_assert_int_eq(statvfs(tconf.state_dir, &sv), 0);
	want = (unsigned long long)sv.f_bavail * sv.f_frsize / 1024;
	tconf.min_free_space = 0;		/* off */
	ck_assert_int_eq(store_space_low(&tconf, &avail), 0);
	ck_assert_msg(avail + 1024 >= want && avail <= want + 1024,
	    "%llu KiB, statvfs %llu", avail, want);
	if (want > 2048) {
		tconf.min_free_space = 1024;
		ck_assert_int_eq(store_space_low(&tconf, NULL), 0);
	}
	if (want + 1024 * 1024 < UINT_MAX) {
		tconf.min_free_space = (unsigned int)(want + 1024 * 1024);
		ck_assert_int_eq(store_space_low(&tconf, &avail), 1);
	}
	set_state_dir("no/such/dir");
	ck_assert_int_eq(store_space_low(&tconf, &avail), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* F7: which codes mean a full disk, which an unwritable directory. */
START_TEST(test_store_err_classes_F7)
{
	static const int space[] = { ENOSPC, EDQUOT, EFBIG };
	static const int access_[] = { EROFS, EACCES, EPERM };
	static const int other[] = { 0, -1, ENOMEM, EIO, DB_LOCK_DEADLOCK,
	    DB_NOTFOUND, DB_RUNRECOVERY, STORE_BUSY, STORE_FATAL };
	char		 user[128];
	size_t		 i;

	for (i = 0; i < sizeof(space) / sizeof(space[0]); i++) {
		ck_assert_int_eq(store_err_is_space(space[i]), 1);
		ck_assert_int_eq(store_err_is_access(space[i]), 0);
	}
	for (i = 0; i < sizeof(access_) / sizeof(access_[0]); i++) {
		ck_assert_int_eq(store_err_is_space(access_[i]), 0);
		ck_assert_int_eq(store_err_is_access(access_[i]), 1);
	}
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		ck_assert_int_eq(store_err_is_space(other[i]), 0);
		ck_assert_int_eq(store_err_is_access(other[i]), 0);
	}
	snprintf(terr, sizeof(terr), "uid %lu", (unsigned long)geteuid());
	ck_assert_msg(strstr(store_user(user, sizeof(user)), terr) != NULL,
	    "%s", user);
}
END_TEST

START_TEST(test_store_close_null)
{
	store_close(NULL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* store_get / store_put / store_del                                    */
/* ------------------------------------------------------------------ */

START_TEST(test_store_put_get_del)
{
	struct store	*st;
	void		*val;
	size_t		 valsz;

	st = open_store();
	ck_assert_int_eq(store_put(st, NULL, SDB_ACCOUNTS, "key", 3, "value",
	    5, 0), 0);
	ck_assert_int_eq(store_get(st, NULL, SDB_ACCOUNTS, "key", 3, 0, &val,
	    &valsz), 0);
	ck_assert_uint_eq(valsz, 5);
	ck_assert_str_eq(val, "value");		/* NUL after the bytes */
	free(val);
	/* Replace. */
	ck_assert_int_eq(store_put(st, NULL, SDB_ACCOUNTS, "key", 3, "v2", 2,
	    0), 0);
	ck_assert(has_str(st, SDB_ACCOUNTS, "key", "v2"));
	ck_assert_int_eq(store_del(st, NULL, SDB_ACCOUNTS, "key", 3), 0);
	ck_assert_int_eq(store_get(st, NULL, SDB_ACCOUNTS, "key", 3, 0, &val,
	    &valsz), DB_NOTFOUND);
	ck_assert_ptr_null(val);
	ck_assert_uint_eq(valsz, 0);
	ck_assert_int_eq(store_del(st, NULL, SDB_ACCOUNTS, "key", 3),
	    DB_NOTFOUND);
	store_close(st);
}
END_TEST

START_TEST(test_store_put_B8_nooverwrite)
{
	struct store	*st;

	st = open_store();
	ck_assert_int_eq(store_put(st, NULL, SDB_ACCTKEYS, "thumb", 5, "a1",
	    2, DB_NOOVERWRITE), 0);
	ck_assert_int_eq(store_put(st, NULL, SDB_ACCTKEYS, "thumb", 5, "a2",
	    2, DB_NOOVERWRITE), DB_KEYEXIST);
	ck_assert(has_str(st, SDB_ACCTKEYS, "thumb", "a1"));
	store_close(st);
}
END_TEST

START_TEST(test_store_get_not_found)
{
	struct store	*st;
	void		*val = (void *)1;
	size_t		 valsz = 7;

	st = open_store();
	ck_assert_int_eq(store_get(st, NULL, SDB_ORDERS, "nope", 4, 0, &val,
	    &valsz), DB_NOTFOUND);
	ck_assert_ptr_null(val);
	ck_assert_uint_eq(valsz, 0);
	store_close(st);
}
END_TEST

START_TEST(test_store_put_empty_value_binary_key)
{
	static const unsigned char key[] = { 0, 1, 2, 0xff, 0, 3 };
	struct store	*st;
	void		*val;
	size_t		 valsz;

	st = open_store();
	ck_assert_int_eq(store_put(st, NULL, SDB_NONCES, key, sizeof(key),
	    NULL, 0, 0), 0);
	ck_assert_int_eq(store_get(st, NULL, SDB_NONCES, key, sizeof(key), 0,
	    &val, &valsz), 0);
	ck_assert_uint_eq(valsz, 0);
	ck_assert_ptr_nonnull(val);
	ck_assert_int_eq(((char *)val)[0], '\0');
	free(val);
	/* A prefix of the key is another key. */
	ck_assert_int_eq(store_get(st, NULL, SDB_NONCES, key, 3, 0, &val,
	    &valsz), DB_NOTFOUND);
	store_close(st);
}
END_TEST

struct rmw_arg {
	struct store	*st;
	int		 rc;
};

static int
rmw_txn(DB_TXN *txn, void *arg)
{
	struct rmw_arg	*a = arg;
	void		*val;
	size_t		 valsz;
	int		 rc;

	if ((rc = store_get(a->st, txn, SDB_EAB, "kid", 3, DB_RMW, &val,
	    &valsz)) != 0)
		return rc;
	free(val);
	return store_put(a->st, txn, SDB_EAB, "kid", 3, "bound", 5, 0);
}

START_TEST(test_store_get_B8_rmw_in_txn)
{
	struct store	*st;
	struct rmw_arg	 a;

	st = open_store();
	put_str(st, SDB_EAB, "kid", "free");
	a.st = st;
	ck_assert_int_eq(store_txn_run(st, 0, rmw_txn, &a), 0);
	ck_assert(has_str(st, SDB_EAB, "kid", "bound"));
	store_close(st);
}
END_TEST

/* ------------------------------------------------------------------ */
/* store_txn_run / store_txn_child                                      */
/* ------------------------------------------------------------------ */

struct body {
	struct store	*st;
	int		 calls;
	int		 fail_first;	/* return fail_rc this many times */
	int		 fail_rc;
	const char	*key;
	int		 child_fails;	/* child step fails this many times */
	int		 child_rc;	/* with this code */
	int		 child_result;	/* what store_txn_child returned */
	int		 parent_rc;	/* parent's rc after the child */
};

/* Put key -> "run<N>"; then fail as configured. */
static int
body_put(DB_TXN *txn, void *arg)
{
	struct body	*b = arg;
	char		 v[32];
	int		 rc;

	b->calls++;
	snprintf(v, sizeof(v), "run%d", b->calls);
	if ((rc = store_put(b->st, txn, SDB_ORDERS, b->key, strlen(b->key),
	    v, strlen(v), 0)) != 0)
		return rc;
	if (b->calls <= b->fail_first)
		return b->fail_rc;
	return 0;
}

START_TEST(test_store_txn_run_commit)
{
	struct store	*st;
	struct body	 b = { 0 };

	st = open_store();
	b.st = st;
	b.key = "k";
	ck_assert_int_eq(store_txn_run(st, 0, body_put, &b), 0);
	ck_assert_int_eq(b.calls, 1);
	ck_assert(has_str(st, SDB_ORDERS, "k", "run1"));
	store_close(st);
}
END_TEST

START_TEST(test_store_txn_run_nosync_commit)
{
	struct store	*st;
	struct body	 b = { 0 };

	st = open_store();
	b.st = st;
	b.key = "n";
	ck_assert_int_eq(store_txn_run(st, STORE_NOSYNC, body_put, &b), 0);
	ck_assert(has_str(st, SDB_ORDERS, "n", "run1"));
	store_close(st);
}
END_TEST

START_TEST(test_store_txn_run_error_aborts)
{
	struct store	*st;
	struct body	 b = { 0 };

	st = open_store();
	b.st = st;
	b.key = "k";
	b.fail_first = 100;
	b.fail_rc = -1;
	ck_assert_int_eq(store_txn_run(st, 0, body_put, &b), -1);
	ck_assert_int_eq(b.calls, 1);
	ck_assert(!has_key(st, SDB_ORDERS, "k"));
	store_close(st);
}
END_TEST

START_TEST(test_store_txn_run_body_codes_pass_through)
{
	static const int codes[] = { DB_NOTFOUND, DB_KEYEXIST, 42, EINVAL,
	    -7 };
	struct store	*st;
	struct body	 b;
	size_t		 i;

	st = open_store();
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		memset(&b, 0, sizeof(b));
		b.st = st;
		b.key = "k";
		b.fail_first = 100;
		b.fail_rc = codes[i];
		ck_assert_int_eq(store_txn_run(st, 0, body_put, &b), codes[i]);
		ck_assert_int_eq(b.calls, 1);	/* not retried */
		ck_assert(!has_key(st, SDB_ORDERS, "k"));
	}
	store_close(st);
}
END_TEST

START_TEST(test_store_txn_run_B7_retry_then_commit)
{
	struct store	*st;
	struct body	 b = { 0 };

	st = open_store();
	b.st = st;
	b.key = "k";
	b.fail_first = 2;
	b.fail_rc = DB_LOCK_DEADLOCK;
	ck_assert_int_eq(store_txn_run(st, 0, body_put, &b), 0);
	ck_assert_int_eq(b.calls, 3);
	ck_assert(has_str(st, SDB_ORDERS, "k", "run3"));
	store_close(st);
}
END_TEST

START_TEST(test_store_txn_run_B7_notgranted_retried)
{
	struct store	*st;
	struct body	 b = { 0 };

	st = open_store();
	b.st = st;
	b.key = "k";
	b.fail_first = 1;
	b.fail_rc = DB_LOCK_NOTGRANTED;
	ck_assert_int_eq(store_txn_run(st, 0, body_put, &b), 0);
	ck_assert_int_eq(b.calls, 2);
	ck_assert(has_str(st, SDB_ORDERS, "k", "run2"));
	store_close(st);
}
END_TEST

START_TEST(test_store_txn_run_B7_busy_after_retries)
{
	struct store	*st;
	struct body	 b = { 0 };
	double		 t0;

	st = open_store();
	b.st = st;
	b.key = "k";
	b.fail_first = 1000;
	b.fail_rc = DB_LOCK_DEADLOCK;
	t0 = mono();
	ck_assert_int_eq(store_txn_run(st, 0, body_put, &b), STORE_BUSY);
	/*
	 * At least txn_retries = 3 retries, and retries go on until the lock
	 * budget (lock_timeout) is spent, since transactions never wait for
	 * a lock (DB_TXN_NOWAIT).
	 */
	ck_assert_int_ge(b.calls, 1 + 3);
	ck_assert(mono() - t0 >= tconf.lock_timeout / 1000.0);
	ck_assert(mono() - t0 < tconf.lock_timeout / 1000.0 + 1.0);
	ck_assert(!has_key(st, SDB_ORDERS, "k"));
	store_close(st);
}
END_TEST

START_TEST(test_store_txn_run_B9_runrecovery_fatal)
{
	struct store	*st;
	struct body	 b = { 0 };

	st = open_store();
	b.st = st;
	b.key = "k";
	b.fail_first = 100;
	b.fail_rc = DB_RUNRECOVERY;
	ck_assert_int_eq(store_txn_run(st, 0, body_put, &b), STORE_FATAL);
	ck_assert_int_eq(b.calls, 1);
	store_close(st);
}
END_TEST

START_TEST(test_store_txn_run_B9_panic_fatal)
{
	struct store	*st;
	struct body	 b = { 0 };

	st = open_store();
	b.st = st;
	b.key = "k";
	st->panic = 1;
	ck_assert_int_eq(store_txn_run(st, 0, body_put, &b), STORE_FATAL);
	ck_assert_int_eq(b.calls, 0);
	st->panic = 0;
	store_close(st);
}
END_TEST

/* The child step: write "c", then fail as configured. */
static int
child_step(DB_TXN *txn, void *arg)
{
	struct body	*b = arg;
	int		 rc;

	if ((rc = store_put(b->st, txn, SDB_ORDERS, "c", 1, "child", 5,
	    0)) != 0)
		return rc;
	if (b->child_fails > 0) {
		b->child_fails--;
		return b->child_rc;
	}
	return 0;
}

/*
 * The parent: write "p", run child_step in a child transaction.  A child
 * failing with a code that is not retryable is tolerated (the parent goes
 * on); retryable codes go up to store_txn_run().
 */
static int
parent_body(DB_TXN *txn, void *arg)
{
	struct body	*b = arg;
	int		 rc;

	b->calls++;
	if ((rc = store_put(b->st, txn, SDB_ORDERS, "p", 1, "parent", 6,
	    0)) != 0)
		return rc;
	rc = store_txn_child(b->st, txn, child_step, b);
	b->child_result = rc;
	if (rc != 0 && store_is_retryable(rc))
		return rc;
	return b->parent_rc;
}

START_TEST(test_store_txn_child_abort_keeps_parent)
{
	struct store	*st;
	struct body	 b = { 0 };

	st = open_store();
	b.st = st;
	b.child_fails = 1;
	b.child_rc = -1;
	ck_assert_int_eq(store_txn_run(st, 0, parent_body, &b), 0);
	ck_assert_int_eq(b.child_result, -1);
	ck_assert_int_eq(b.calls, 1);
	ck_assert(has_str(st, SDB_ORDERS, "p", "parent"));
	ck_assert(!has_key(st, SDB_ORDERS, "c"));
	store_close(st);
}
END_TEST

START_TEST(test_store_txn_child_commit)
{
	struct store	*st;
	struct body	 b = { 0 };

	st = open_store();
	b.st = st;
	ck_assert_int_eq(store_txn_run(st, 0, parent_body, &b), 0);
	ck_assert_int_eq(b.child_result, 0);
	ck_assert(has_str(st, SDB_ORDERS, "p", "parent"));
	ck_assert(has_str(st, SDB_ORDERS, "c", "child"));
	store_close(st);
}
END_TEST

START_TEST(test_store_txn_child_commit_parent_abort)
{
	struct store	*st;
	struct body	 b = { 0 };

	st = open_store();
	b.st = st;
	b.parent_rc = -1;
	ck_assert_int_eq(store_txn_run(st, 0, parent_body, &b), -1);
	ck_assert_int_eq(b.child_result, 0);
	ck_assert(!has_key(st, SDB_ORDERS, "p"));
	ck_assert(!has_key(st, SDB_ORDERS, "c"));
	store_close(st);
}
END_TEST

START_TEST(test_store_txn_child_B7_deadlock_retries_whole)
{
	struct store	*st;
	struct body	 b = { 0 };

	st = open_store();
	b.st = st;
	b.child_fails = 1;
	b.child_rc = DB_LOCK_DEADLOCK;
	ck_assert_int_eq(store_txn_run(st, 0, parent_body, &b), 0);
	ck_assert_int_eq(b.calls, 2);
	ck_assert_int_eq(b.child_result, 0);
	ck_assert(has_str(st, SDB_ORDERS, "p", "parent"));
	ck_assert(has_str(st, SDB_ORDERS, "c", "child"));
	store_close(st);
}
END_TEST

/* ------------------------------------------------------------------ */
/* store_get_json / store_put_json                                      */
/* ------------------------------------------------------------------ */

START_TEST(test_store_json_round_trip)
{
	struct store		*st;
	struct json_object	*o, *back, *v;
	void			*raw;
	size_t			 rawsz;

	st = open_store();
	o = json_tokener_parse("{\"v\":1,\"id\":\"abc\",\"contact\":"
	    "[\"mailto:a@example.org\"],\"tos\":true,\"created\":1700000000,"
	    "\"url\":\"https://x/y\"}");
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(store_put_json(st, NULL, SDB_ACCOUNTS, "abc", o, 0),
	    0);
	/* The key is the string without its NUL; the text is compact. */
	ck_assert_int_eq(store_get(st, NULL, SDB_ACCOUNTS, "abc", 3, 0, &raw,
	    &rawsz), 0);
	ck_assert_str_eq(raw, "{\"v\":1,\"id\":\"abc\",\"contact\":"
	    "[\"mailto:a@example.org\"],\"tos\":true,\"created\":1700000000,"
	    "\"url\":\"https://x/y\"}");
	free(raw);
	ck_assert_int_eq(store_get_json(st, NULL, SDB_ACCOUNTS, "abc", 0,
	    &back), 0);
	ck_assert(json_object_equal(o, back));
	ck_assert(json_object_object_get_ex(back, "created", &v));
	ck_assert(json_object_get_int64(v) == 1700000000);
	json_object_put(back);
	/* DB_NOOVERWRITE applies. */
	ck_assert_int_eq(store_put_json(st, NULL, SDB_ACCOUNTS, "abc", o,
	    DB_NOOVERWRITE), DB_KEYEXIST);
	json_object_put(o);
	store_close(st);
}
END_TEST

START_TEST(test_store_get_json_not_found)
{
	struct store		*st;
	struct json_object	*o = (struct json_object *)1;

	st = open_store();
	ck_assert_int_eq(store_get_json(st, NULL, SDB_ACCOUNTS, "none", 0,
	    &o), DB_NOTFOUND);
	ck_assert_ptr_null(o);
	store_close(st);
}
END_TEST

START_TEST(test_store_get_json_schema_check)
{
	static const char *const bad[] = {
		"{\"v\":2}",			/* newer schema */
		"{\"v\":99,\"id\":\"x\"}",
		"{\"v\":0}",
		"{\"v\":-1}",
		"{\"v\":\"1\"}",		/* not an int */
		"{\"v\":1.0}",
		"{\"v\":true}",
		"{\"v\":null}",
		"{\"id\":\"x\"}",		/* no version */
		"[{\"v\":1}]",			/* not an object */
		"\"v\"",
		"1",
		"",
		"{\"v\":1",			/* truncated */
		"{\"v\":1} x",			/* trailing garbage */
		"{\"v\":1}{}",
		/* json-c takes {'v':1} even when strict; we never write it. */
		"not json",
	};
	struct store		*st;
	struct json_object	*o;
	size_t			 i;

	st = open_store();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_str(st, SDB_ORDERS, "o", bad[i]);
		o = (struct json_object *)1;
		ck_assert_msg(store_get_json(st, NULL, SDB_ORDERS, "o", 0,
		    &o) == EINVAL, "accepted %s", bad[i]);
		ck_assert_ptr_null(o);
	}
	put_str(st, SDB_ORDERS, "o", "{\"v\":1}");
	ck_assert_int_eq(store_get_json(st, NULL, SDB_ORDERS, "o", 0, &o), 0);
	json_object_put(o);
	store_close(st);
}
END_TEST

START_TEST(test_store_put_json_needs_version)
{
	static const char *const bad[] = { "{}", "{\"v\":2}", "{\"v\":\"1\"}",
	    "[1]" };
	struct store		*st;
	struct json_object	*o;
	size_t			 i;

	st = open_store();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = json_tokener_parse(bad[i]);
		ck_assert_ptr_nonnull(o);
		ck_assert_int_eq(store_put_json(st, NULL, SDB_ORDERS, "o", o,
		    0), EINVAL);
		json_object_put(o);
		ck_assert(!has_key(st, SDB_ORDERS, "o"));
	}
	store_close(st);
}
END_TEST

/* ------------------------------------------------------------------ */
/* store_new_id, store_is_retryable, store_strerror                     */
/* ------------------------------------------------------------------ */

START_TEST(test_store_new_id)
{
	char	 a[ACMEGW_ID_LEN + 1], b[ACMEGW_ID_LEN + 1];
	char	 small[ACMEGW_ID_LEN];

	ck_assert_int_eq(store_new_id(a, sizeof(a)), 0);
	ck_assert_int_eq(store_new_id(b, sizeof(b)), 0);
	ck_assert_uint_eq(strlen(a), ACMEGW_ID_LEN);
	ck_assert_uint_eq(strlen(b), ACMEGW_ID_LEN);
	ck_assert(b64url_is_canonical(a, ACMEGW_ID_LEN));
	ck_assert(b64url_is_canonical(b, ACMEGW_ID_LEN));
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(store_new_id(small, sizeof(small)), -1);
}
END_TEST

START_TEST(test_store_is_retryable)
{
	ck_assert_int_eq(store_is_retryable(DB_LOCK_DEADLOCK), 1);
	ck_assert_int_eq(store_is_retryable(DB_LOCK_NOTGRANTED), 1);
	ck_assert_int_eq(store_is_retryable(0), 0);
	ck_assert_int_eq(store_is_retryable(DB_NOTFOUND), 0);
	ck_assert_int_eq(store_is_retryable(DB_RUNRECOVERY), 0);
	ck_assert_int_eq(store_is_retryable(STORE_BUSY), 0);
	ck_assert_int_eq(store_is_retryable(-1), 0);
}
END_TEST

START_TEST(test_store_strerror)
{
	ck_assert_ptr_nonnull(strstr(store_strerror(STORE_BUSY), "busy"));
	ck_assert_ptr_nonnull(strstr(store_strerror(STORE_FATAL),
	    "recovery"));
	ck_assert_ptr_nonnull(strstr(store_strerror(DB_NOTFOUND),
	    "DB_NOTFOUND"));
	ck_assert_ptr_nonnull(strstr(store_strerror(ENOSPC), "space"));
	ck_assert_ptr_nonnull(store_strerror(-1));
	ck_assert_ptr_nonnull(store_strerror(DB_LOCK_DEADLOCK));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Crashes (SECURITY.md 3.3, 3.5, section 5 experiments 3-5)            */
/* ------------------------------------------------------------------ */

struct nput {
	struct store	*st;
	int		 i;
};

static int
nput_txn(DB_TXN *txn, void *arg)
{
	struct nput	*n = arg;
	char		 k[32], v[32];

	snprintf(k, sizeof(k), "k%05d", n->i);
	snprintf(v, sizeof(v), "v%05d", n->i);
	return store_put(n->st, txn, SDB_ORDERS, k, strlen(k), v, strlen(v),
	    0);
}

#define NCOMMITS	200

/*
 * A child opens its own store, commits NCOMMITS transactions (flags) and
 * SIGKILLs itself without closing anything, as in experiment 5.
 */
static void
commit_and_die(int flags)
{
	struct store	*st;
	struct nput	 n;
	pid_t		 pid;
	int		 status;

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		if ((st = store_open(&tconf, 0, terr, sizeof(terr))) == NULL)
			_exit(2);
		n.st = st;
		for (n.i = 0; n.i < NCOMMITS; n.i++)
			if (store_txn_run(st, flags, nput_txn, &n) != 0)
				_exit(3);
		kill(getpid(), SIGKILL);
		_exit(4);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "child status %d", status);
}

static void
count_commits(void)
{
	struct store	*st;
	char		 k[32], v[32];
	int		 i;

	st = open_store();
	for (i = 0; i < NCOMMITS; i++) {
		snprintf(k, sizeof(k), "k%05d", i);
		snprintf(v, sizeof(v), "v%05d", i);
		ck_assert_msg(has_str(st, SDB_ORDERS, k, v), "lost %s", k);
	}
	store_close(st);
}

START_TEST(test_store_B16_commit_survives_kill9)
{
	commit_and_die(0);
	count_commits();		/* hybrid open: failchk, no recovery */
}
END_TEST

START_TEST(test_store_B16_commit_survives_kill9_full_recovery)
{
	char	 path[256];

	commit_and_die(0);
	/*
	 * Without the registry the next open runs full recovery from the
	 * log files alone, as after a reboot: what was acknowledged must be
	 * on disk.
	 */
	state_path(path, sizeof(path), "__db.register");
	ck_assert_int_eq(unlink(path), 0);
	count_commits();
}
END_TEST

START_TEST(test_store_B16_nosync_survives_kill9_full_recovery)
{
	char	 path[256];

	commit_and_die(STORE_NOSYNC);
	state_path(path, sizeof(path), "__db.register");
	ck_assert_int_eq(unlink(path), 0);
	count_commits();
}
END_TEST

/*
 * A child that opens its own store, begins a transaction, puts key "k"
 * and then blocks for ever holding the write lock (experiment 3).
 * Returns its pid once the put is done.
 */
static pid_t
start_lock_holder(void)
{
	struct store	*st;
	DB_TXN		*txn;
	pid_t		 pid;
	char		 c;
	int		 p[2];

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(p[0]);
		if ((st = store_open(&tconf, 0, terr, sizeof(terr))) == NULL)
			_exit(2);
		if (st->env->txn_begin(st->env, NULL, &txn, 0) != 0)
			_exit(3);
		if (store_put(st, txn, SDB_ORDERS, "k", 1, "dead", 4, 0) != 0)
			_exit(4);
		if (write(p[1], "x", 1) != 1)
			_exit(5);
		for (;;)
			pause();
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

/* Write k = "alive" through store_txn_run; returns the seconds it took. */
static double
write_k(struct store *st)
{
	struct body	 b = { 0 };
	double		 t0 = mono();
	char		 want[32];

	b.st = st;
	b.key = "k";
	ck_assert_int_eq(store_txn_run(st, 0, body_put, &b), 0);
	/* The last run wrote k (runs retry without waiting for the lock). */
	snprintf(want, sizeof(want), "run%d", b.calls);
	ck_assert(has_str(st, SDB_ORDERS, "k", want));
	return mono() - t0;
}

START_TEST(test_store_F5_failchk_frees_dead_txn)
{
	struct store	*st;
	pid_t		 holder;
	double		 t;

	holder = start_lock_holder();
	st = open_store();		/* while the holder lives */
	reap(holder);
	/* What the worker does every second. */
	ck_assert_int_eq(st->env->failchk(st->env, 0), 0);
	t = write_k(st);
	ck_assert_msg(t < 1.0, "write took %.2f s", t);
	store_close(st);
}
END_TEST

START_TEST(test_store_B4_hybrid_open_frees_dead_txn)
{
	struct store	*st;
	pid_t		 holder;
	double		 t;

	holder = start_lock_holder();
	reap(holder);
	st = open_store();		/* finds the dead process: failchk */
	t = write_k(st);
	ck_assert_msg(t < 1.0, "write took %.2f s", t);
	ck_assert_int_eq(st->panic, 0);
	store_close(st);
}
END_TEST

/* Wait until some process holds the flock on state_dir/worker.lock. */
static int
worker_is_locked(double secs)
{
	char	 path[256];
	double	 end = mono() + secs;
	int	 fd, locked = 0;

	state_path(path, sizeof(path), "worker.lock");
	do {
		if ((fd = open(path, O_RDWR)) != -1) {
			if (flock(fd, LOCK_EX | LOCK_NB) == -1 &&
			    errno == EWOULDBLOCK)
				locked = 1;
			close(fd);	/* drops the lock if we got it */
		}
		if (!locked)
			usleep(20000);
	} while (!locked && mono() < end);
	return locked;
}

/* Wait until no process holds the flock on state_dir/worker.lock. */
static int
worker_is_unlocked(double secs)
{
	double	 end = mono() + secs;

	while (worker_is_locked(0)) {
		if (mono() >= end)
			return 0;
		usleep(50000);
	}
	return 1;
}

/*
 * Run worker_main() in a child, its log in tdir/worker.log; returns its
 * pid once it holds the lock.
 */
static pid_t
start_worker(void)
{
	char	 path[128];
	pid_t	 pid;
	int	 fd;

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		snprintf(path, sizeof(path), "%s/worker.log", tdir);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND,
		    0600)) == -1 || dup2(fd, 2) == -1)
			_exit(1);
		log_init("check_store-worker", 2);
		_exit(worker_main(&tconf) == 0 ? 0 : 1);
	}
	ck_assert_msg(worker_is_locked(10), "the worker did not start");
	return pid;
}

START_TEST(test_store_F5_worker_frees_dead_txn)
{
	struct store	*st;
	pid_t		 holder, worker;
	double		 t;
	int		 status;

	holder = start_lock_holder();
	worker = start_worker();
	st = open_store();		/* while the holder lives */
	reap(holder);
	/*
	 * The write blocks on the dead process's lock until the worker's
	 * failchk aborts its transaction (or the lock times out and the
	 * retry finds it freed): failchk period + lock timeout at most.
	 */
	t = write_k(st);
	ck_assert_msg(t < 4.0, "write took %.2f s", t);
	store_close(st);
	kill(worker, SIGTERM);
	status = wait_for(worker, 10);
	ck_assert_msg(status != -1, "worker did not exit on SIGTERM");
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

/* A child attached to the environment, idle; returns once it is open. */
static pid_t
start_attached(void)
{
	struct store	*st;
	pid_t		 pid;
	char		 c;
	int		 p[2];

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(p[0]);
		if ((st = store_open(&tconf, 0, terr, sizeof(terr))) == NULL)
			_exit(2);
		if (write(p[1], "x", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

/* The default btree order, except that meeting key "boom" is fatal. */
static int
boom_cmp(DB *db, const DBT *a, const DBT *b)
{
	size_t	 n = a->size < b->size ? a->size : b->size;
	int	 r;

	(void)db;
	if ((a->size == 4 && memcmp(a->data, "boom", 4) == 0) ||
	    (b->size == 4 && memcmp(b->data, "boom", 4) == 0))
		kill(getpid(), SIGKILL);
	if (n > 0 && (r = memcmp(a->data, b->data, n)) != 0)
		return r;
	return a->size < b->size ? -1 : a->size > b->size;
}

/*
 * A child that dies inside Berkeley DB: in a btree comparison during a
 * put, with page latches held.  failchk cannot clean that up: the
 * environment needs full recovery (SECURITY.md 3.5, second row).
 */
static void
die_in_api(void)
{
	struct store	*st;
	DB		*db;
	DBT		 k, d;
	pid_t		 pid;
	int		 status;

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		if ((st = store_open(&tconf, 0, terr, sizeof(terr))) == NULL)
			_exit(2);
		if (store_put(st, NULL, SDB_ORDERS, "a", 1, "x", 1, 0) != 0)
			_exit(3);
		if (db_create(&db, st->env, 0) != 0 ||
		    db->set_bt_compare(db, boom_cmp) != 0 ||
		    db->open(db, NULL, "orders.db", NULL, DB_BTREE,
		    DB_AUTO_COMMIT, 0) != 0)
			_exit(4);
		memset(&k, 0, sizeof(k));
		memset(&d, 0, sizeof(d));
		k.data = "boom";
		k.size = 4;
		d.data = "z";
		d.size = 1;
		(void)db->put(db, NULL, &k, &d, 0);
		_exit(5);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "child status %d", status);
}

/* After recovery: what was committed is there, the rest is not. */
static void
check_recovered(void)
{
	struct store	*st;

	st = open_store();
	ck_assert(has_str(st, SDB_ORDERS, "a", "x"));
	ck_assert(!has_key(st, SDB_ORDERS, "boom"));
	write_k(st);
	ck_assert_int_eq(st->panic, 0);
	store_close(st);
}

/*
 * B11: a process died inside Berkeley DB, so the next (hybrid) open runs
 * full recovery; a process still attached would hang for ever (B10), so
 * it is killed first.  A live process merely named in a stale registry
 * slot is left alone.
 */
START_TEST(test_store_B11_recovery_kills_attached)
{
	pid_t	 attached, bystander;
	char	 path[256];
	int	 status, fd;

	attached = start_attached();
	bystander = fork();
	ck_assert_int_ne(bystander, -1);
	if (bystander == 0) {
		for (;;)
			pause();
	}
	die_in_api();
	state_path(path, sizeof(path), "__db.register");
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(dprintf(fd, "%24lu\n", (unsigned long)bystander), 25);
	close(fd);

	check_recovered();
	status = wait_for(attached, 5);
	ck_assert_msg(status != -1, "the attached process was not killed");
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(waitpid(bystander, &status, WNOHANG), 0);
	reap(bystander);
}
END_TEST

/* ------------------------------------------------------------------ */
/* worker_main / worker_ensure                                          */
/* ------------------------------------------------------------------ */

START_TEST(test_worker_main_single_instance)
{
	pid_t	 worker;
	double	 t0;
	int	 status;

	worker = start_worker();
	/* A second worker finds the lock taken and returns 0 at once. */
	t0 = mono();
	ck_assert_int_eq(worker_main(&tconf), 0);
	ck_assert(mono() - t0 < 2.0);
	ck_assert_int_eq(waitpid(worker, &status, WNOHANG), 0);
	kill(worker, SIGTERM);
	status = wait_for(worker, 10);
	ck_assert(status != -1 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	/* The lock is free again. */
	ck_assert(!worker_is_locked(0.1));
}
END_TEST

START_TEST(test_worker_main_idle_exit)
{
	struct timespec	 ts[2];
	char		 path[256];
	pid_t		 worker;
	int		 fd, status;

	tconf.worker_idle_exit = 1;
	ck_assert_int_eq(mkdir(tconf.state_dir, 0700), 0);
	state_path(path, sizeof(path), "responder.seen");
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ne(fd, -1);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 3600;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	ck_assert_int_eq(futimens(fd, ts), 0);
	close(fd);
	worker = start_worker();
	status = wait_for(worker, 10);
	ck_assert_msg(status != -1, "the idle worker did not exit");
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

START_TEST(test_worker_main_stays_while_seen)
{
	pid_t	 worker;
	int	 status, i;

	tconf.worker_idle_exit = 2;
	worker = start_worker();
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(worker_ensure(&tconf, time(NULL)), 0);
		usleep(500000);
		ck_assert_int_eq(waitpid(worker, &status, WNOHANG), 0);
	}
	kill(worker, SIGINT);
	status = wait_for(worker, 10);
	ck_assert(status != -1 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
}
END_TEST

/* Show tdir/worker.log on stderr (after a failure). */
static void
dump_worker_log(void)
{
	char	 path[128];
	char	*log;

	snprintf(path, sizeof(path), "%s/worker.log", tdir);
	if ((log = slurp(path)) != NULL)
		fprintf(stderr, "--- %s:\n%s---\n", path, log);
	free(log);
}

/* Whether tdir/worker.log contains text. */
static int
worker_log_has(const char *text)
{
	char	 path[128];
	char	*log;
	int	 found;

	snprintf(path, sizeof(path), "%s/worker.log", tdir);
	if ((log = slurp(path)) == NULL)
		return 0;
	found = strstr(log, text) != NULL;
	free(log);
	return found;
}

/*
 * Use the real acmegw-worker (built next to the tests) with a real
 * configuration file naming tconf.state_dir.
 */
static void
use_real_worker(void)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/acmegw.conf", tdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "base_url = https://127.0.0.1/acme\nstate_dir = %s\n"
	    "worker_idle_exit = 10\n", tconf.state_dir);
	fclose(f);
	free(tconf.path);
	tconf.path = strdup(path);
	free(tconf.worker_path);
	tconf.worker_path = strdup(BUILDDIR "/../src/acmegw-worker");
}

/* The pid of the last acmegw-worker that logged to tdir/worker.log. */
static pid_t
worker_log_pid(void)
{
	char	 path[128];
	char	*log, *p, *last = NULL;
	pid_t	 pid = -1;

	snprintf(path, sizeof(path), "%s/worker.log", tdir);
	if ((log = slurp(path)) == NULL)
		return -1;
	for (p = log; (p = strstr(p, "acmegw-worker[")) != NULL; p++)
		last = p;
	if (last != NULL)
		pid = (pid_t)atoi(last + strlen("acmegw-worker["));
	free(log);
	return pid;
}

/*
 * B11 through the worker: a process dies inside Berkeley DB; the worker's
 * failchk says DB_RUNRECOVERY; it leaves the environment without closing
 * it and starts a fresh acmegw-worker, whose open runs full recovery and
 * kills the process still attached.
 */
START_TEST(test_worker_main_B11_recovers)
{
	pid_t	 worker, attached, fresh;
	int	 status;

	use_real_worker();
	worker = start_worker();
	attached = start_attached();
	die_in_api();
	status = wait_for(worker, 15);
	if (status == -1)
		dump_worker_log();
	ck_assert_msg(status != -1, "the worker did not hand over");
	/* It exits 1, unless the fresh worker's recovery kills it first. */
	ck_assert_msg((WIFEXITED(status) && WEXITSTATUS(status) == 1) ||
	    (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL),
	    "status %d", status);
	status = wait_for(attached, 15);
	if (status == -1)
		dump_worker_log();
	ck_assert_msg(status != -1, "the attached process was not killed");
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert(worker_log_has("needs recovery"));
	ck_assert(worker_log_has("killing it"));
	ck_assert_msg(worker_is_locked(10), "no fresh worker");
	fresh = worker_log_pid();
	ck_assert_int_gt(fresh, 1);
	ck_assert_int_ne(fresh, worker);
	check_recovered();
	kill(fresh, SIGTERM);
	ck_assert_msg(worker_is_unlocked(10), "the fresh worker did not stop");
}
END_TEST

START_TEST(test_worker_main_expires_nonces)
{
	struct store	*st;
	char		 old[ACMEGW_NONCE_LEN + 1], fresh[ACMEGW_NONCE_LEN + 1];
	unsigned char	*raw_old, *raw_fresh;
	size_t		 rawsz;
	void		*val;
	size_t		 valsz;
	pid_t		 worker;
	double		 end;
	int		 rc;

	tconf.nonce_lifetime = 3600;
	st = open_store();
	ck_assert_int_eq(nonce_issue(st, time(NULL) - 7200, old, sizeof(old)),
	    0);
	ck_assert_int_eq(nonce_issue(st, time(NULL), fresh, sizeof(fresh)),
	    0);
	store_close(st);
	ck_assert_int_eq(b64url_decode(old, strlen(old), &raw_old, &rawsz),
	    0);
	ck_assert_int_eq(b64url_decode(fresh, strlen(fresh), &raw_fresh,
	    &rawsz), 0);

	worker = start_worker();
	st = open_store();
	end = mono() + 5;
	do {
		rc = store_get(st, NULL, SDB_NONCES, raw_old, 24, 0, &val,
		    &valsz);
		free(val);
		if (rc == DB_NOTFOUND)
			break;
		usleep(100000);
	} while (mono() < end);
	ck_assert_int_eq(rc, DB_NOTFOUND);
	ck_assert_int_eq(store_get(st, NULL, SDB_NONCES, raw_fresh, 24, 0,
	    &val, &valsz), 0);
	free(val);
	store_close(st);
	free(raw_old);
	free(raw_fresh);
	kill(worker, SIGTERM);
	ck_assert(wait_for(worker, 10) != -1);
}
END_TEST

/*
 * A stand-in for acmegw-worker: it records its arguments and pid, then
 * becomes sleep(1), which the test inspects through /proc.
 */
static void
write_fake_worker(char *script, size_t scriptsz, char *out, size_t outsz)
{
	FILE	*f;

	snprintf(script, scriptsz, "%s/fake-worker", tdir);
	snprintf(out, outsz, "%s/fake-worker.out", tdir);
	f = fopen(script, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n"
	    "echo \"$$ $*\" > %s.tmp\n"
	    "mv %s.tmp %s\n"
	    "exec sleep 60\n", out, out, out);
	fclose(f);
	ck_assert_int_eq(chmod(script, 0700), 0);
}

START_TEST(test_worker_ensure_starts_detached_clean)
{
	char		 script[256], out[256], path[256], link[512];
	char		*text = NULL, *env = NULL, *p, *e;
	struct stat	 sb;
	struct dirent	*de;
	DIR		*d;
	double		 end;
	ssize_t		 n;
	pid_t		 pid;
	int		 s[2], saved0, leak, sid, field, fd;

	write_fake_worker(script, sizeof(script), out, sizeof(out));
	free(tconf.worker_path);
	tconf.worker_path = strdup(script);
	tconf.path = strdup("/etc/acmegw/test.conf");
	ck_assert_int_eq(mkdir(tconf.state_dir, 0700), 0);

	/* fd 0 as a FastCGI responder has it: a socket. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	saved0 = dup(0);
	ck_assert_int_eq(dup2(s[0], 0), 0);
	/* And a descriptor without close-on-exec. */
	leak = dup2(s[1], 57);
	ck_assert_int_eq(leak, 57);
	setenv("ACMEGW_TEST_SECRET", "do-not-leak", 1);
	signal(SIGPIPE, SIG_IGN);	/* stays ignored over exec ... */

	ck_assert_int_eq(worker_ensure(&tconf, 1000000), 0);

	signal(SIGPIPE, SIG_DFL);
	dup2(saved0, 0);
	close(saved0);
	close(leak);
	close(s[0]);
	close(s[1]);
	unsetenv("ACMEGW_TEST_SECRET");

	end = mono() + 10;
	while ((text = slurp(out)) == NULL && mono() < end)
		usleep(20000);
	ck_assert_msg(text != NULL, "the worker was not started");
	pid = (pid_t)atoi(text);
	ck_assert_int_gt(pid, 1);
	ck_assert_msg(strstr(text, " -f /etc/acmegw/test.conf\n") != NULL,
	    "%s", text);
	free(text);
	/* Wait for the exec of sleep. */
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	do {
		n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = '\0';
		if (strstr(link, "sleep") != NULL)
			break;
		usleep(20000);
	} while (mono() < end);
	ck_assert_msg(strstr(link, "sleep") != NULL, "%s", link);

	/* Descriptors: 0 and 1 on /dev/null, 2 inherited, nothing else. */
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	ck_assert_ptr_nonnull(d = opendir(path));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
		n = readlink(path, link, sizeof(link) - 1);
		ck_assert_int_gt(n, 0);
		link[n] = '\0';
		if (fd == 0 || fd == 1)
			ck_assert_msg(strcmp(link, "/dev/null") == 0,
			    "fd %d is %s", fd, link);
		else
			ck_assert_msg(fd == 2, "fd %d (%s) leaked", fd, link);
	}
	closedir(d);

	/* The environment: PATH only (the shell may add PWD). */
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	ck_assert_ptr_nonnull(env = slurp(path));
	for (e = env; *e != '\0'; e += strlen(e) + 1)
		ck_assert_msg(strcmp(e, "PATH=/usr/sbin:/usr/bin:/sbin:/bin")
		    == 0 || strncmp(e, "PWD=", 4) == 0, "env %s", e);
	ck_assert_ptr_nonnull(memmem(env, 1000, "PATH=/usr/sbin:", 15));
	free(env);

	/* cwd /, a session of its own (field 6 of stat), SIGPIPE default. */
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
	n = readlink(path, link, sizeof(link) - 1);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(link[0], '/');
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ck_assert_ptr_nonnull(text = slurp(path));
	p = strrchr(text, ')');
	ck_assert_ptr_nonnull(p);
	for (field = 2; field < 6 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	ck_assert_ptr_nonnull(p);
	sid = atoi(p + 1);
	ck_assert_int_gt(sid, 1);
	ck_assert_int_ne(sid, getsid(0));
	free(text);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	ck_assert_ptr_nonnull(text = slurp(path));
	ck_assert_ptr_nonnull(p = strstr(text, "SigIgn:\t"));
	/*
	 * Standard signals 1-31 only: 32 and 33 belong to glibc, which does
	 * not let a program reset them, and whoever ran the tests may have
	 * left them ignored.
	 */
	ck_assert_msg((strtoull(p + 8, NULL, 16) & 0x7fffffffULL) == 0, "%s",
	    p);
	free(text);
	kill(pid, SIGKILL);

	/* responder.seen carries the time it was given. */
	state_path(path, sizeof(path), "responder.seen");
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mtime, 1000000);
	ck_assert_int_eq(sb.st_mode & 077, 0);
}
END_TEST

START_TEST(test_worker_ensure_running_worker_not_restarted)
{
	char		 script[256], out[256], path[256];
	struct stat	 sb;
	int		 fd;

	write_fake_worker(script, sizeof(script), out, sizeof(out));
	free(tconf.worker_path);
	tconf.worker_path = strdup(script);
	ck_assert_int_eq(mkdir(tconf.state_dir, 0700), 0);
	/* Pretend a worker holds the lock. */
	state_path(path, sizeof(path), "worker.lock");
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);

	ck_assert_int_eq(worker_ensure(&tconf, 2000000), 0);
	ck_assert_int_eq(worker_ensure(&tconf, 2000005), 0);
	usleep(300000);
	ck_assert_int_eq(stat(out, &sb), -1);
	state_path(path, sizeof(path), "responder.seen");
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mtime, 2000005);
	close(fd);
}
END_TEST

START_TEST(test_worker_ensure_real_worker)
{
	int	 i;

	use_real_worker();
	ck_assert_int_eq(mkdir(tconf.state_dir, 0700), 0);
	ck_assert_int_eq(worker_ensure(&tconf, time(NULL)), 0);
	ck_assert_msg(worker_is_locked(10), "acmegw-worker did not start");
	/* Calls while it runs do not start another. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(worker_ensure(&tconf, time(NULL)), 0);
	/* It exits 10 s after the last sighting (or its start). */
	ck_assert_int_eq(worker_ensure(&tconf, time(NULL) - 3600), 0);
	ck_assert_msg(worker_is_unlocked(15),
	    "acmegw-worker did not exit when idle");
}
END_TEST

START_TEST(test_worker_ensure_no_state_dir)
{
	ck_assert_int_eq(worker_ensure(&tconf, 1000), -1);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite	*s = suite_create("store");
	TCase	*tc;

	tc = tcase_create("store_open");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_store_open_creates_dir_0700);
	tcase_add_test(tc, test_store_open_files_private);
	tcase_add_test(tc, test_store_open_existing_dir);
	tcase_add_test(tc, test_store_open_reopen_keeps_data);
	tcase_add_test(tc, test_store_open_databases_separate);
	tcase_add_test(tc, test_store_open_writes_schema);
	tcase_add_test(tc, test_store_open_schema_newer);
	tcase_add_test(tc, test_store_open_schema_malformed);
	tcase_add_test(tc, test_store_open_not_a_directory);
	tcase_add_test(tc, test_store_open_parent_missing);
	tcase_add_test(tc, test_store_open_unwritable_dir);
	tcase_add_test(tc, test_store_open_retry_F7);
	tcase_add_test(tc, test_store_open_retry_unwritable_F7);
	tcase_add_test(tc, test_store_space_low_X8);
	tcase_add_test(tc, test_store_err_classes_F7);
	tcase_add_test(tc, test_store_close_null);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("store_get");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_store_put_get_del);
	tcase_add_test(tc, test_store_put_B8_nooverwrite);
	tcase_add_test(tc, test_store_get_not_found);
	tcase_add_test(tc, test_store_put_empty_value_binary_key);
	tcase_add_test(tc, test_store_get_B8_rmw_in_txn);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("store_txn_run");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_store_txn_run_commit);
	tcase_add_test(tc, test_store_txn_run_nosync_commit);
	tcase_add_test(tc, test_store_txn_run_error_aborts);
	tcase_add_test(tc, test_store_txn_run_body_codes_pass_through);
	tcase_add_test(tc, test_store_txn_run_B7_retry_then_commit);
	tcase_add_test(tc, test_store_txn_run_B7_notgranted_retried);
	tcase_add_test(tc, test_store_txn_run_B7_busy_after_retries);
	tcase_add_test(tc, test_store_txn_run_B9_runrecovery_fatal);
	tcase_add_test(tc, test_store_txn_run_B9_panic_fatal);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("store_txn_child");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_store_txn_child_abort_keeps_parent);
	tcase_add_test(tc, test_store_txn_child_commit);
	tcase_add_test(tc, test_store_txn_child_commit_parent_abort);
	tcase_add_test(tc, test_store_txn_child_B7_deadlock_retries_whole);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("store_json");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_store_json_round_trip);
	tcase_add_test(tc, test_store_get_json_not_found);
	tcase_add_test(tc, test_store_get_json_schema_check);
	tcase_add_test(tc, test_store_put_json_needs_version);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("store_misc");
	tcase_add_test(tc, test_store_new_id);
	tcase_add_test(tc, test_store_is_retryable);
	tcase_add_test(tc, test_store_strerror);
	suite_add_tcase(s, tc);

	tc = tcase_create("store_crash");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_store_B16_commit_survives_kill9);
	tcase_add_test(tc, test_store_B16_commit_survives_kill9_full_recovery);
	tcase_add_test(tc, test_store_B16_nosync_survives_kill9_full_recovery);
	tcase_add_test(tc, test_store_F5_failchk_frees_dead_txn);
	tcase_add_test(tc, test_store_B4_hybrid_open_frees_dead_txn);
	tcase_add_test(tc, test_store_F5_worker_frees_dead_txn);
	tcase_add_test(tc, test_store_B11_recovery_kills_attached);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("worker_main");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_worker_main_single_instance);
	tcase_add_test(tc, test_worker_main_idle_exit);
	tcase_add_test(tc, test_worker_main_stays_while_seen);
	tcase_add_test(tc, test_worker_main_expires_nonces);
	tcase_add_test(tc, test_worker_main_B11_recovers);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("worker_ensure");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_worker_ensure_starts_detached_clean);
	tcase_add_test(tc, test_worker_ensure_running_worker_not_restarted);
	tcase_add_test(tc, test_worker_ensure_real_worker);
	tcase_add_test(tc, test_worker_ensure_no_state_dir);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(store_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

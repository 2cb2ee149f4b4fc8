/*
 * store.c: the Berkeley DB environment and its databases.
 *
 * Owns the DB_ENV and DB handles of one process: the hybrid open
 * (DB_REGISTER | DB_FAILCHK | DB_RECOVER, SECURITY.md B4 and B10), the
 * transaction runner with its bounded deadlock retry (B7), the byte and JSON
 * record accessors, and record ids; also the responder's closed store that
 * is opened again later (STORE_RETRY, store_retry()) and the free-space
 * check and error classes of a full or unwritable state directory (X8,
 * B21, F7).
 *
 * Must never: commit with DB_TXN_NOSYNC (B16); end a scan on anything but
 * DB_NOTFOUND (B9); let a handle cross fork() (B14: one store per process,
 * DB_REGISTER enforces it); log record values (they hold keys and EAB
 * secrets).  Catastrophic recovery from archived logs is not promised: log
 * files are removed automatically once a checkpoint no longer needs them
 * (DB_LOG_AUTO_REMOVE, B18); backups are taken with db5.3_hotbackup.
 */
#define _GNU_SOURCE		/* fallocate, FALLOC_FL_KEEP_SIZE */
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "acmegw.h"

/*
 * Thread control blocks for failchk (B3): every FastCGI responder, the
 * worker and the admin tools count, with room for processes that died and
 * have not been cleaned up yet.
 */
#define STORE_THREADS	512

/* The file of each database in state_dir, in enum store_db order. */
static const char *const store_db_file[SDB__MAX] = {
	"meta.db",		/* SDB_META */
	"accounts.db",		/* SDB_ACCOUNTS */
	"acctkeys.db",		/* SDB_ACCTKEYS */
	"eab.db",		/* SDB_EAB */
	"nonces.db",		/* SDB_NONCES */
	"orders.db",		/* SDB_ORDERS */
	"orders_by_acct.db",	/* SDB_ORDERS_BY_ACCT */
	"authz.db",		/* SDB_AUTHZ */
	"challs.db",		/* SDB_CHALLS */
	"authz_reuse.db",	/* SDB_AUTHZ_REUSE */
	"jobs.db",		/* SDB_JOBS */
	"certs.db",		/* SDB_CERTS */
	"certs_by_acct.db",	/* SDB_CERTS_BY_ACCT */
	"blocked_keys.db",	/* SDB_BLOCKED_KEYS */
};

#define STORE_SCHEMA_KEY	"schema"

static int	store_errf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Write a message into err (if any); returns -1 for convenience. */
static int
store_errf(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;

	if (err != NULL && errsz > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Berkeley DB error messages go to our log. */
static void
store_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	(void)env;
	(void)pfx;
	log_warnx("store: %s", msg);
}

/*
 * Berkeley DB informational messages (failchk, recovery) go to our log,
 * except "No log files found", which only says that the environment is
 * new.
 */
static void
store_msgcall(const DB_ENV *env, const char *msg)
{
	(void)env;
	if (strncmp(msg, "BDB2525 ", 8) == 0)
		return;
	log_warnx("store: %s", msg);
}

/*
 * failchk's question "is this process alive?" (B3).  A process of another
 * user that we may not signal is alive.
 */
static int
store_isalive(DB_ENV *env, pid_t pid, db_threadid_t tid, u_int32_t flags)
{
	int	 saved = errno, alive;

	(void)env;
	(void)tid;
	(void)flags;
	alive = kill(pid, 0) == 0 || errno == EPERM;
	errno = saved;
	return alive;
}

/*
 * Whether process pid has state_dir/__db.register open, that is, whether
 * it really is attached to this environment.  The registry reports stale
 * pids (slots of other dead processes) as alive too, and a pid may have
 * been reused: never signal a process we cannot prove is one of ours.
 */
static int
store_pid_is_attached(const char *home, pid_t pid)
{
	char		 real[PATH_MAX], want[PATH_MAX + 32];
	char		 link[PATH_MAX + 32], path[64], fdpath[512];
	DIR		*d = NULL;
	struct dirent	*de;
	ssize_t		 n;
	int		 found = 0, w;

	if (realpath(home, real) == NULL)
		goto out;
	w = snprintf(want, sizeof(want), "%s/__db.register", real);
	if (w < 0 || (size_t)w >= sizeof(want))
		goto out;
	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(path)) == NULL)
		goto out;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, de->d_name);
		if ((n = readlink(fdpath, link, sizeof(link) - 1)) == -1)
			continue;
		link[n] = '\0';
		if (strcmp(link, want) == 0) {
			found = 1;
			break;
		}
	}
out:
	if (d != NULL)
		closedir(d);
	return found;
}

/*
 * Reserve disk blocks for the whole of every region file of home that
 * this process maps (home/__db.0NN, as /proc/self/maps shows them, each
 * up to the end of its mapping).  Berkeley DB maps a region at its
 * largest size but grows the file only as the region fills, and a page of
 * a grown file that the file system cannot back kills the process with
 * SIGBUS inside Berkeley DB, holding its mutexes: seen in __memp_alloc on
 * a full tmpfs, after which every process hung or was killed by
 * recovery.  fallocate(FALLOC_FL_KEEP_SIZE) takes the blocks now without
 * changing the file's size; blocks held already cost nothing.  Returns 0,
 * or an errno value (ENOSPC: no room: the store is not opened, and the
 * answer says the disk is full).  A file system without fallocate is left
 * as it is.
 */
static int
store_back_regions(const char *home)
{
	FILE		*fp;
	char		 real[PATH_MAX], line[PATH_MAX + 256], *p, *nl;
	unsigned long	 start, end, off;
	size_t		 rlen;
	int		 fd, rc = 0;

	if (realpath(home, real) == NULL)
		return errno;
	rlen = strlen(real);
	if ((fp = fopen("/proc/self/maps", "re")) == NULL)
		return 0;	/* no /proc: nothing to learn the sizes from */
	while (rc == 0 && fgets(line, sizeof(line), fp) != NULL) {
		if ((p = strchr(line, '/')) == NULL ||
		    strncmp(p, real, rlen) != 0 ||
		    strncmp(p + rlen, "/__db.0", 7) != 0)
			continue;
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		if (strchr(p, ' ') != NULL)
			continue;	/* " (deleted)" */
		if (sscanf(line, "%lx-%lx %*s %lx", &start, &end, &off) != 3 ||
		    end <= start)
			continue;
		if ((fd = open(p, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) == -1)
			continue;
		if (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0,
		    (off_t)(off + (end - start))) == -1 &&
		    errno != EOPNOTSUPP && errno != ENOSYS)
			rc = errno;
		close(fd);
	}
	fclose(fp);
	return rc;
}

/*
 * Berkeley DB events.  A panic marks the store unusable (B9: answer 503
 * and exit).  DB_EVENT_REG_ALIVE comes while this process is about to run
 * full recovery with other processes still attached: with Debian's
 * blocking pthread mutexes those can hang for ever (B10), so they are
 * killed first (B11); the web server respawns responders.
 */
static void
store_event(DB_ENV *env, u_int32_t event, void *info)
{
	struct store	*st = env->app_private;
	pid_t		 pid;

	switch (event) {
	case DB_EVENT_PANIC:
	case DB_EVENT_REG_PANIC:
		if (st != NULL && !st->panic)
			log_warnx("store: %s: Berkeley DB panic: the "
			    "environment needs recovery",
			    st->home != NULL ? st->home : "?");
		if (st != NULL)
			st->panic = 1;
		break;
	case DB_EVENT_REG_ALIVE:
		if (info == NULL || st == NULL || st->home == NULL)
			break;
		pid = *(pid_t *)info;
		if (pid <= 1 || pid == getpid())
			break;
		if (!store_pid_is_attached(st->home, pid)) {
			log_debug("store: %s: registry names process %ld, "
			    "which is not attached: left alone", st->home,
			    (long)pid);
			break;
		}
		log_warnx("store: %s: running full recovery while process "
		    "%ld is still attached: killing it (SECURITY.md B11)",
		    st->home, (long)pid);
		if (kill(pid, SIGKILL) == -1 && errno != ESRCH)
			log_warn("store: kill %ld", (long)pid);
		break;
	default:
		break;
	}
}

/*
 * Open database i of st as its own btree file with checksums (B2).  On
 * failure st->open_rc gets the Berkeley DB code or errno value.
 */
static int
store_db_open(struct store *st, enum store_db i, char *err, size_t errsz)
{
	DB	*db;
	int	 rc;

	if ((rc = db_create(&db, st->env, 0)) != 0) {
		st->open_rc = rc;
		return store_errf(err, errsz, "%s/%s: db_create: %s",
		    st->home, store_db_file[i], db_strerror(rc));
	}
	st->db[i] = db;
	if ((rc = db->set_flags(db, DB_CHKSUM)) != 0) {
		st->open_rc = rc;
		return store_errf(err, errsz, "%s/%s: DB->set_flags: %s",
		    st->home, store_db_file[i], db_strerror(rc));
	}
	if ((rc = db->open(db, NULL, store_db_file[i], NULL, DB_BTREE,
	    DB_CREATE | DB_AUTO_COMMIT, 0600)) != 0) {
		st->open_rc = rc;
		return store_errf(err, errsz, "%s/%s: DB->open: %s",
		    st->home, store_db_file[i], db_strerror(rc));
	}
	return 0;
}

struct store_schema {
	struct store	*st;
	int64_t		 v;		/* found or written; -1 malformed */
	int		 created;
};

/* Read the schema record, or write it into a new store. */
static int
store_schema_txn(DB_TXN *txn, void *arg)
{
	struct store_schema	*sa = arg;
	struct json_object	*obj = NULL, *v;
	void			*val = NULL;
	size_t			 valsz;
	int			 rc;

	sa->v = -1;
	sa->created = 0;
	rc = store_get(sa->st, txn, SDB_META, STORE_SCHEMA_KEY,
	    strlen(STORE_SCHEMA_KEY), DB_RMW, &val, &valsz);
	if (rc == DB_NOTFOUND) {
		if ((obj = json_object_new_object()) == NULL ||
		    json_object_object_add(obj, "v",
		    json_object_new_int(ACMEGW_SCHEMA)) != 0) {
			rc = ENOMEM;
			goto out;
		}
		rc = store_put_json(sa->st, txn, SDB_META, STORE_SCHEMA_KEY,
		    obj, DB_NOOVERWRITE);
		if (rc == 0) {
			sa->v = ACMEGW_SCHEMA;
			sa->created = 1;
		}
		goto out;
	}
	if (rc != 0)
		goto out;
	/* Not store_get_json(): a newer version must be reported as such. */
	if ((obj = json_tokener_parse(val)) != NULL &&
	    json_object_is_type(obj, json_type_object) &&
	    json_object_object_get_ex(obj, "v", &v) &&
	    json_object_is_type(v, json_type_int))
		sa->v = json_object_get_int64(v);
out:
	json_object_put(obj);
	free(val);
	return rc;
}

/*
 * Close every database and the environment of st, leaving st itself (and
 * st->home) for a later store_env_open().  Errors are logged.
 */
static void
store_env_close(struct store *st)
{
	int	 i, rc;

	for (i = 0; i < SDB__MAX; i++) {
		if (st->db[i] == NULL)
			continue;
		if ((rc = st->db[i]->close(st->db[i], 0)) != 0)
			log_warnx("store: %s/%s: DB->close: %s", st->home,
			    store_db_file[i], db_strerror(rc));
		st->db[i] = NULL;
	}
	if (st->env != NULL) {
		if ((rc = st->env->close(st->env, 0)) != 0)
			log_warnx("store: %s: DB_ENV->close: %s", st->home,
			    db_strerror(rc));
		st->env = NULL;
	}
}

/*
 * The work of store_open() on st (st->home set, no environment open):
 * the directory, the environment, the databases and the schema record.
 * On failure everything opened is closed again, st->open_rc gets the
 * errno value or Berkeley DB code behind it (0 when there is none, e.g. a
 * schema mismatch) and err the message.  Returns 0 or -1.
 */
static int
store_env_open(struct store *st, const struct conf *conf, int flags,
    char *err, size_t errsz)
{
	struct store_schema	 sa;
	struct stat		 sb;
	const char		*dir = st->home, *what;
	u_int32_t		 kib;
	int			 rc, i;

	assert(st->env == NULL);
	st->open_rc = 0;
	st->panic = 0;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		st->open_rc = errno;
		store_errf(err, errsz, "%s: cannot create the state "
		    "directory: %s", dir, strerror(errno));
		goto fail;
	}
	if (stat(dir, &sb) == -1) {
		st->open_rc = errno;
		store_errf(err, errsz, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if (!S_ISDIR(sb.st_mode)) {
		st->open_rc = ENOTDIR;
		store_errf(err, errsz, "%s: not a directory", dir);
		goto fail;
	}
	if (sb.st_mode & (S_IRWXG | S_IRWXO))
		log_warnx("store: %s: group or others have access to the "
		    "state directory; it holds account keys and EAB "
		    "secrets (chmod 700)", dir);

	if ((rc = db_env_create(&st->env, 0)) != 0) {
		st->env = NULL;
		st->open_rc = rc;
		store_errf(err, errsz, "%s: db_env_create: %s", dir,
		    db_strerror(rc));
		goto fail;
	}
	st->env->app_private = st;
	st->env->set_errcall(st->env, store_errcall);
	st->env->set_msgcall(st->env, store_msgcall);

	kib = conf->db_cache_size;
	what = "DB_ENV->set_thread_count";
	if ((rc = st->env->set_thread_count(st->env, STORE_THREADS)) != 0)
		goto dberr;
	what = "DB_ENV->set_isalive";
	if ((rc = st->env->set_isalive(st->env, store_isalive)) != 0)
		goto dberr;
	what = "DB_ENV->set_lk_detect";
	if ((rc = st->env->set_lk_detect(st->env, DB_LOCK_DEFAULT)) != 0)
		goto dberr;
	what = "DB_ENV->set_timeout";
	if ((rc = st->env->set_timeout(st->env,
	    (db_timeout_t)conf->lock_timeout * 1000,
	    DB_SET_LOCK_TIMEOUT)) != 0)
		goto dberr;
	what = "DB_ENV->set_cachesize";
	if ((rc = st->env->set_cachesize(st->env, kib / (1024 * 1024),
	    (kib % (1024 * 1024)) * 1024, 1)) != 0)
		goto dberr;
	what = "DB_ENV->log_set_config";
	if ((rc = st->env->log_set_config(st->env, DB_LOG_AUTO_REMOVE,
	    1)) != 0)
		goto dberr;
	/* Full recovery is rare and worth a log line (F5, F6). */
	what = "DB_ENV->set_verbose";
	if ((rc = st->env->set_verbose(st->env, DB_VERB_RECOVERY, 1)) != 0)
		goto dberr;
	what = "DB_ENV->set_event_notify";
	if ((rc = st->env->set_event_notify(st->env, store_event)) != 0)
		goto dberr;
	/*
	 * The hybrid open (B4): a process that died attached is cleaned up
	 * by failchk, not by full recovery under live processes (B10).
	 * Full recovery runs only for a new registry or when failchk fails.
	 */
	what = "DB_ENV->open";
	if ((rc = st->env->open(st->env, dir, DB_CREATE | DB_INIT_TXN |
	    DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_REGISTER |
	    DB_FAILCHK | DB_RECOVER, 0600)) != 0)
		goto dberr;

	if ((rc = store_back_regions(dir)) != 0) {
		st->open_rc = rc;
		store_errf(err, errsz, "%s: no disk space can be reserved for "
		    "the region files: %s", dir, strerror(rc));
		goto fail;
	}

	for (i = 0; i < SDB__MAX; i++)
		if (store_db_open(st, i, err, errsz) == -1)
			goto fail;

	memset(&sa, 0, sizeof(sa));
	sa.st = st;
	if ((rc = store_txn_run(st, 0, store_schema_txn, &sa)) != 0) {
		st->open_rc = rc;
		store_errf(err, errsz, "%s/%s: cannot read or write the "
		    "schema record: %s", dir, store_db_file[SDB_META],
		    store_strerror(rc));
		goto fail;
	}
	if (sa.v > ACMEGW_SCHEMA) {
		store_errf(err, errsz, "%s/%s: schema version %lld is newer "
		    "than this acmegw supports (%d): upgrade acmegw", dir,
		    store_db_file[SDB_META], (long long)sa.v, ACMEGW_SCHEMA);
		goto fail;
	}
	if (sa.v < 1) {
		store_errf(err, errsz, "%s/%s: the schema record is "
		    "malformed", dir, store_db_file[SDB_META]);
		goto fail;
	}
	if (sa.created)
		log_info("store: %s: new store, schema %d", dir,
		    ACMEGW_SCHEMA);
	log_debug("store: %s: open%s", dir,
	    (flags & STORE_WORKER) ? " (worker)" : "");
	return 0;
dberr:
	st->open_rc = rc;
	store_errf(err, errsz, "%s: %s: %s", dir, what, db_strerror(rc));
fail:
	store_env_close(st);
	return -1;
}

/*
 * Open the store of conf->state_dir: create the directory (mode 0700) if
 * missing, open the environment with the hybrid flags (B1-B6, B10, B16,
 * B18) and every database (B2), and check or write the schema record.
 * flags: STORE_WORKER (the watcher; it only changes log lines) and
 * STORE_RETRY (the responder: when the open fails, return the store
 * closed, with the reason in store_open_error(), so that store_retry()
 * can open it on a later request; NULL then only when memory runs out).
 * Only one store may be open per process at a time (DB_REGISTER), and a
 * store must never be used after fork().  Returns the store (close it with
 * store_close()), or NULL with a message naming the path in err.
 */
struct store *
store_open(const struct conf *conf, int flags, char *err, size_t errsz)
{
	struct store		*st = NULL, *ret = NULL;

	assert(conf != NULL && conf->state_dir != NULL);
	assert((flags & ~(STORE_WORKER | STORE_RETRY)) == 0);
	if (err != NULL && errsz > 0)
		err[0] = '\0';

	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->home = strdup(conf->state_dir)) == NULL) {
		store_errf(err, errsz, "%s: %s", conf->state_dir,
		    strerror(errno));
		goto out;
	}
	st->retries = conf->txn_retries;
	st->budget_ms = conf->lock_timeout;
	if (store_env_open(st, conf, flags, st->open_err,
	    sizeof(st->open_err)) == -1) {
		store_errf(err, errsz, "%s", st->open_err);
		st->open_logged = time(NULL);	/* the caller logs it */
		if (flags & STORE_RETRY) {
			ret = st;
			st = NULL;
		}
		goto out;
	}
	st->open_err[0] = '\0';
	ret = st;
	st = NULL;
out:
	store_close(st);
	return ret;
}

/*
 * Whether the environment of st is open (store_open() without
 * STORE_RETRY always returns an open store).
 */
int
store_is_open(const struct store *st)
{
	return st != NULL && st->env != NULL;
}

/*
 * Why the environment of st is not open: the message of the last failed
 * open, naming state_dir ("" when it is open).  The string lives in st.
 */
const char *
store_open_error(const struct store *st)
{
	return st->env == NULL ? st->open_err : "";
}

/*
 * Open the environment of st, a store that store_open(STORE_RETRY) could
 * not open (or that is open already: nothing to do), as store_open()
 * would.  The responder calls it at each request while the store is
 * closed, so that it recovers by itself once the state directory is
 * fixed.  A failure is logged at most once a minute (and when its
 * message changes).  Returns 0, or -1 with the message in
 * store_open_error() and the errno value or Berkeley DB code in
 * st->open_rc.
 */
int
store_retry(struct store *st, const struct conf *conf)
{
	char	 prev[sizeof(st->open_err)];
	time_t	 now;

	assert(st != NULL && conf != NULL);
	if (st->env != NULL)
		return 0;
	memcpy(prev, st->open_err, sizeof(prev));
	if (store_env_open(st, conf, 0, st->open_err,
	    sizeof(st->open_err)) == 0) {
		log_info("store: %s: open again", st->home);
		st->open_err[0] = '\0';
		st->open_logged = 0;
		return 0;
	}
	now = time(NULL);
	if (strcmp(prev, st->open_err) != 0 || now < st->open_logged ||
	    now - st->open_logged >= 60) {
		log_warnx("store: %s", st->open_err);
		st->open_logged = now;
	}
	return -1;
}

/*
 * Close every database and the environment of st and free it; NULL is
 * fine.  Responders call it on SIGTERM after the current request (B12).
 * Errors are logged: nothing else can be done about them here.
 */
void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	store_env_close(st);
	free(st->home);
	free(st);
}

/* Sleep a little before retry attempt+1: exponential, jittered. */
static void
store_backoff(unsigned int attempt)
{
	struct timespec	 ts;
	uint32_t	 r;
	long		 base_us;

	if (gnutls_rnd(GNUTLS_RND_NONCE, &r, sizeof(r)) != 0)
		r = (uint32_t)getpid();
	base_us = 1000L << (attempt < 5 ? attempt : 5);	/* 1..32 ms */
	base_us += (long)(r % (uint32_t)base_us);
	ts.tv_sec = base_us / 1000000;
	ts.tv_nsec = (base_us % 1000000) * 1000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/* Milliseconds on CLOCK_MONOTONIC. */
static uint64_t
store_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Run body(txn, arg) in a new transaction: commit when it returns 0 (a
 * synchronous commit, or DB_TXN_WRITE_NOSYNC with STORE_NOSYNC, which is
 * for nonces only; never DB_TXN_NOSYNC), abort otherwise.  When the body
 * or the commit fails with DB_LOCK_DEADLOCK or DB_LOCK_NOTGRANTED, the whole
 * body runs again after a short jittered sleep, until st->retries retries
 * were made and st->budget_ms (lock_timeout) has passed; the body must not
 * keep effects of an earlier run.  Returns 0,
 * STORE_BUSY when the retries ran out, STORE_FATAL on DB_RUNRECOVERY or
 * a panic (answer 503 and exit: B9), or the body's (or commit's) own
 * non-zero code.
 */
int
store_txn_run(struct store *st, int flags, int (*body)(DB_TXN *, void *),
    void *arg)
{
	DB_TXN		*txn;
	u_int32_t	 tflags;
	unsigned int	 attempt;
	uint64_t	 start;
	int		 rc, trc;

	assert(st != NULL && st->env != NULL && body != NULL);
	assert((flags & ~STORE_NOSYNC) == 0);
	/*
	 * DB_TXN_NOWAIT: a lock held by someone else fails at once and the
	 * whole unit is retried after a short sleep, so no process of ours
	 * ever sleeps on a Berkeley DB lock.  A process killed while waiting
	 * for a lock leaves its waiter registered in the lock's pthread
	 * condition variable, and the next failchk then hangs for ever in
	 * pthread_cond_destroy() when it frees that lock (__lock_freelock ->
	 * __mutex_refresh), stalling every responder: seen here under load
	 * with kill -9.  Without waiting there is no deadlock either.
	 */
	tflags = ((flags & STORE_NOSYNC) ? DB_TXN_WRITE_NOSYNC : DB_TXN_SYNC) |
	    DB_TXN_NOWAIT;
	start = store_now_ms();

	for (attempt = 0;; attempt++) {
		if (st->panic) {
			rc = STORE_FATAL;
			break;
		}
		txn = NULL;
		if ((rc = st->env->txn_begin(st->env, NULL, &txn,
		    tflags)) != 0) {
			log_warnx("store: DB_ENV->txn_begin: %s",
			    db_strerror(rc));
		} else if ((rc = body(txn, arg)) == 0) {
			if ((rc = txn->commit(txn, 0)) != 0)
				log_warnx("store: DB_TXN->commit: %s",
				    db_strerror(rc));
		} else if ((trc = txn->abort(txn)) != 0) {
			log_warnx("store: DB_TXN->abort: %s", db_strerror(trc));
			if (trc == DB_RUNRECOVERY)
				rc = DB_RUNRECOVERY;
		}
		if (rc == DB_RUNRECOVERY || (rc != 0 && st->panic)) {
			rc = STORE_FATAL;
			break;
		}
		if (!store_is_retryable(rc))
			break;
		/*
		 * Give up after st->retries retries once the lock budget
		 * (lock_timeout) is spent as well: a busy page is normal
		 * under load and costs only a few milliseconds.
		 */
		if (attempt >= st->retries &&
		    store_now_ms() - start >= st->budget_ms) {
			log_warnx("store: transaction failed %u times (%s): "
			    "giving up", attempt + 1, db_strerror(rc));
			rc = STORE_BUSY;
			break;
		}
		log_debug("store: %s: retry %u of %u", db_strerror(rc),
		    attempt + 1, st->retries);
		store_backoff(attempt);
	}
	return rc;
}

/*
 * Run body(child, arg) in a child transaction of parent: commit the child
 * when it returns 0, abort it otherwise, so a failed step leaves the
 * parent's earlier writes in place.  Returns the body's code (or the
 * child's begin or commit error); retryable codes must be handed back up
 * so that the enclosing store_txn_run() retries the whole unit.
 */
int
store_txn_child(struct store *st, DB_TXN *parent,
    int (*body)(DB_TXN *, void *), void *arg)
{
	DB_TXN	*child = NULL;
	int	 rc, trc;

	assert(st != NULL && st->env != NULL && parent != NULL);
	assert(body != NULL);
	if ((rc = st->env->txn_begin(st->env, parent, &child,
	    DB_TXN_NOWAIT)) != 0) {
		log_warnx("store: DB_ENV->txn_begin (child): %s",
		    db_strerror(rc));
		goto out;
	}
	if ((rc = body(child, arg)) == 0) {
		if ((rc = child->commit(child, 0)) != 0)
			log_warnx("store: DB_TXN->commit (child): %s",
			    db_strerror(rc));
	} else if ((trc = child->abort(child)) != 0) {
		log_warnx("store: DB_TXN->abort (child): %s",
		    db_strerror(trc));
		if (trc == DB_RUNRECOVERY)
			rc = DB_RUNRECOVERY;
	}
out:
	return rc;
}

/* Log an unexpected error of operation op on key in database db. */
static void
store_log_err(enum store_db db, const char *op, const void *key,
    size_t keysz, int rc)
{
	char	 k[64];

	if (rc == 0 || rc == DB_NOTFOUND || rc == DB_KEYEXIST ||
	    store_is_retryable(rc))
		return;
	log_sanitize(k, sizeof(k), key, keysz);
	log_warnx("store: %s %s \"%s\": %s", store_db_file[db], op, k,
	    db_strerror(rc));
}

/*
 * Read the value of key (keysz bytes) in db inside txn (NULL: outside a
 * transaction).  flags is 0 or DB_RMW (take the write lock now: B8).  On
 * success *val is a malloc'd copy with a NUL byte after its *valsz bytes
 * (the caller frees it).  Returns 0, DB_NOTFOUND, or another Berkeley DB
 * error or errno value (*val NULL).
 */
int
store_get(struct store *st, DB_TXN *txn, enum store_db db, const void *key,
    size_t keysz, int flags, void **val, size_t *valsz)
{
	DBT	 k, d;
	char	*copy;
	int	 rc;

	assert(st != NULL && (unsigned int)db < SDB__MAX && st->db[db]);
	assert(key != NULL && keysz <= UINT32_MAX);
	assert(val != NULL && valsz != NULL);
	assert(flags == 0 || flags == DB_RMW);
	*val = NULL;
	*valsz = 0;
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = (void *)key;
	k.size = (u_int32_t)keysz;
	d.flags = DB_DBT_MALLOC;

	rc = st->db[db]->get(st->db[db], txn, &k, &d, (u_int32_t)flags);
	if (rc != 0) {
		store_log_err(db, "get", key, keysz, rc);
		goto out;
	}
	if ((copy = malloc((size_t)d.size + 1)) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	if (d.size > 0)
		memcpy(copy, d.data, d.size);
	copy[d.size] = '\0';
	*val = copy;
	*valsz = d.size;
out:
	free(d.data);
	return rc;
}

/*
 * Walk db inside txn in key order, from the first key not below start
 * (startsz bytes) for as long as keys begin with the first prefixsz bytes
 * of start, calling fn(key, keysz, val, valsz, arg) for each record (key
 * and val borrowed for the call; with want_val 0 no value is read and val
 * is NULL).  fn returns 0 to go on, 1 to stop, or anything else to stop
 * and have it returned.  Only DB_NOTFOUND ends a scan (B9).  fn may write
 * other databases in txn, never db itself.  Returns 0, fn's code, or a
 * Berkeley DB error or errno value.
 */
int
store_scan_prefix(struct store *st, DB_TXN *txn, enum store_db db,
    const void *start, size_t startsz, size_t prefixsz, int want_val,
    int (*fn)(const void *, size_t, const void *, size_t, void *),
    void *arg)
{
	DB		*d;
	DBC		*cur = NULL;
	DBT		 k, v;
	u_int32_t	 op;
	int		 rc, rc2, from_fn = 0;

	assert(st != NULL && (unsigned int)db < SDB__MAX && st->db[db]);
	assert(start != NULL && prefixsz <= startsz && startsz <= UINT32_MAX);
	d = st->db[db];
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	if ((k.data = malloc(startsz > 0 ? startsz : 1)) == NULL)
		return ENOMEM;
	memcpy(k.data, start, startsz);
	k.size = (u_int32_t)startsz;
	k.ulen = (u_int32_t)startsz;
	k.flags = DB_DBT_REALLOC;
	if (want_val)
		v.flags = DB_DBT_REALLOC;
	else {
		v.flags = DB_DBT_PARTIAL;	/* read none of it */
		v.dlen = 0;
		v.doff = 0;
	}
	if ((rc = d->cursor(d, txn, &cur, 0)) != 0) {
		cur = NULL;
		goto out;
	}
	for (op = DB_SET_RANGE;; op = DB_NEXT) {
		if ((rc = cur->get(cur, &k, &v, op)) == DB_NOTFOUND) {
			rc = 0;
			break;
		}
		if (rc != 0)
			break;
		if (k.size < prefixsz || memcmp(k.data, start, prefixsz) != 0)
			break;
		if ((rc = fn(k.data, k.size, want_val ? v.data : NULL,
		    want_val ? v.size : 0, arg)) != 0) {
			if (rc == 1)
				rc = 0;
			from_fn = 1;
			break;
		}
	}
out:
	if (cur != NULL && (rc2 = cur->close(cur)) != 0 && rc == 0)
		rc = rc2;
	free(k.data);
	if (want_val)
		free(v.data);
	if (!from_fn)
		store_log_err(db, "scan", start, startsz, rc);
	return rc;
}

/*
 * Store val (valsz bytes; NULL when 0) under key (keysz bytes) in db
 * inside txn (NULL: a transaction of its own).  flags is 0 (replace) or
 * DB_NOOVERWRITE (uniqueness: B8).  Returns 0, DB_KEYEXIST, or another
 * Berkeley DB error or errno value.
 */
int
store_put(struct store *st, DB_TXN *txn, enum store_db db, const void *key,
    size_t keysz, const void *val, size_t valsz, int flags)
{
	DBT	 k, d;
	int	 rc;

	assert(st != NULL && (unsigned int)db < SDB__MAX && st->db[db]);
	assert(key != NULL && keysz <= UINT32_MAX && valsz <= UINT32_MAX);
	assert(val != NULL || valsz == 0);
	assert(flags == 0 || flags == DB_NOOVERWRITE);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = (void *)key;
	k.size = (u_int32_t)keysz;
	d.data = (void *)val;
	d.size = (u_int32_t)valsz;

	rc = st->db[db]->put(st->db[db], txn, &k, &d, (u_int32_t)flags);
	store_log_err(db, "put", key, keysz, rc);
	return rc;
}

/*
 * Delete key (keysz bytes) from db inside txn (NULL: a transaction of its
 * own).  Returns 0, DB_NOTFOUND, or another Berkeley DB error.
 */
int
store_del(struct store *st, DB_TXN *txn, enum store_db db, const void *key,
    size_t keysz)
{
	DBT	 k;
	int	 rc;

	assert(st != NULL && (unsigned int)db < SDB__MAX && st->db[db]);
	assert(key != NULL && keysz <= UINT32_MAX);
	memset(&k, 0, sizeof(k));
	k.data = (void *)key;
	k.size = (u_int32_t)keysz;

	rc = st->db[db]->del(st->db[db], txn, &k, 0);
	store_log_err(db, "del", key, keysz, rc);
	return rc;
}

/* Whether obj is a record: an object with an integer "v" in 1..schema. */
static int
store_record_is_valid(struct json_object *obj)
{
	struct json_object	*v;
	int64_t			 iv;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, "v", &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	iv = json_object_get_int64(v);
	return iv >= 1 && iv <= ACMEGW_SCHEMA;
}

/*
 * Read the JSON record stored under the C string key (without its NUL) in
 * db; flags as store_get().  The text must be one JSON object whose "v" is
 * an integer from 1 to ACMEGW_SCHEMA.  Returns 0 with *obj owned by the
 * caller (json_object_put), DB_NOTFOUND, EINVAL for a record that is not
 * that (logged), or another Berkeley DB error or errno value (*obj NULL).
 */
int
store_get_json(struct store *st, DB_TXN *txn, enum store_db db,
    const char *key, int flags, struct json_object **obj)
{
	struct json_tokener	*tok = NULL;
	struct json_object	*o = NULL;
	void			*val = NULL;
	size_t			 valsz;
	char			 k[64];
	int			 rc;

	assert(key != NULL && obj != NULL);
	*obj = NULL;
	if ((rc = store_get(st, txn, db, key, strlen(key), flags, &val,
	    &valsz)) != 0)
		goto out;
	if (valsz > INT_MAX) {
		rc = EINVAL;
		goto bad;
	}
	if ((tok = json_tokener_new()) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, val, (int)valsz);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != valsz ||
	    !store_record_is_valid(o)) {
		rc = EINVAL;
		goto bad;
	}
	*obj = o;
	o = NULL;
	goto out;
bad:
	log_sanitize(k, sizeof(k), key, strlen(key));
	log_warnx("store: %s \"%s\": not a record of schema %d or older",
	    store_db_file[db], k, ACMEGW_SCHEMA);
out:
	json_object_put(o);
	if (tok != NULL)
		json_tokener_free(tok);
	free(val);
	return rc;
}

/*
 * Store obj, a record (a JSON object with an integer "v" from 1 to
 * ACMEGW_SCHEMA), as compact JSON text under the C string key (without its
 * NUL) in db; flags as store_put().  obj stays the caller's.  Returns 0,
 * DB_KEYEXIST, EINVAL for an object that is not a record, ENOMEM, or
 * another Berkeley DB error.
 */
int
store_put_json(struct store *st, DB_TXN *txn, enum store_db db,
    const char *key, struct json_object *obj, int flags)
{
	const char	*s;

	assert(key != NULL);
	if (!store_record_is_valid(obj)) {
		log_warnx("store: %s: refusing to store a record without a "
		    "valid \"v\"", store_db_file[db]);
		return EINVAL;
	}
	if ((s = json_compact(obj)) == NULL)
		return ENOMEM;
	return store_put(st, txn, db, key, strlen(key), s, strlen(s), flags);
}

/* Whether rc asks for the whole transaction to be retried (B7). */
int
store_is_retryable(int rc)
{
	return rc == DB_LOCK_DEADLOCK || rc == DB_LOCK_NOTGRANTED;
}

/*
 * Write a new random id (16 bytes from gnutls_rnd(GNUTLS_RND_RANDOM),
 * base64url: ACMEGW_ID_LEN characters and a NUL) into buf of bufsz bytes.
 * Returns 0, or -1 when buf is too small or the generator fails.
 */
int
store_new_id(char *buf, size_t bufsz)
{
	unsigned char	 raw[16];
	int		 rc = -1;

	assert(buf != NULL);
	if (bufsz < ACMEGW_ID_LEN + 1)
		goto out;
	if (gnutls_rnd(GNUTLS_RND_RANDOM, raw, sizeof(raw)) != 0) {
		log_warnx("store: gnutls_rnd failed");
		goto out;
	}
	rc = b64url_encode(raw, sizeof(raw), buf, bufsz);
out:
	return rc;
}

/*
 * A sentence for a return code of this file: Berkeley DB codes, errno
 * values, STORE_BUSY, STORE_FATAL and -1.  The string is static.
 */
const char *
store_strerror(int rc)
{
	switch (rc) {
	case STORE_BUSY:
		return "the database stayed busy (deadlock retries "
		    "exhausted); try again";
	case STORE_FATAL:
		return "the database environment needs recovery";
	case -1:
		return "failed (see the log)";
	default:
		return db_strerror(rc);
	}
}

/*
 * The free-space guard (SECURITY.md X8, B21, F7).  Whether the file
 * system of conf->state_dir has less than conf->min_free_space KiB
 * available (statvfs f_bavail, what an unprivileged user may still
 * write).  *availkib (if not NULL) gets the KiB available, also when not
 * below.  One statvfs(2): cheap enough for every request.  Returns 1 when
 * below, 0 when not or when min_free_space is 0 (off), -1 when statvfs
 * failed (errno set; the store's own errors will tell more).
 */
int
store_space_low(const struct conf *conf, unsigned long long *availkib)
{
	struct statvfs	 sv;
	unsigned long long avail;

	assert(conf != NULL && conf->state_dir != NULL);
	if (availkib != NULL)
		*availkib = 0;
	if (statvfs(conf->state_dir, &sv) == -1)
		return -1;
	avail = (unsigned long long)sv.f_bavail *
	    (sv.f_frsize != 0 ? sv.f_frsize : sv.f_bsize) / 1024;
	if (availkib != NULL)
		*availkib = avail;
	return conf->min_free_space != 0 && avail < conf->min_free_space;
}

/*
 * Whether rc (a return code of this file) means that the file system of
 * the state directory is full: ENOSPC, EDQUOT (a quota) or EFBIG (a file
 * size limit).
 */
int
store_err_is_space(int rc)
{
	return rc == ENOSPC || rc == EDQUOT || rc == EFBIG;
}

/*
 * Whether rc (a return code of this file) means that the state directory
 * cannot be written by this process: EROFS, EACCES or EPERM.
 */
int
store_err_is_access(int rc)
{
	return rc == EROFS || rc == EACCES || rc == EPERM;
}

/*
 * The user this process runs as, for messages about permissions: its name
 * and uid ("www-data (uid 33)") into buf (bufsz bytes).  Returns buf.
 */
const char *
store_user(char *buf, size_t bufsz)
{
	struct passwd	*pw;
	uid_t		 uid = geteuid();

	if ((pw = getpwuid(uid)) != NULL && pw->pw_name != NULL)
		snprintf(buf, bufsz, "%s (uid %lu)", pw->pw_name,
		    (unsigned long)uid);
	else
		snprintf(buf, bufsz, "uid %lu", (unsigned long)uid);
	return buf;
}

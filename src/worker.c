/*
 * worker.c: acmegw-worker, the one background process of a state
 * directory (Berkeley DB's "watcher", SECURITY.md B5), and the responder's
 * side that starts it on demand.
 *
 * Owns state_dir/worker.lock (an flock held by the running worker),
 * state_dir/responder.seen (its mtime: the last time a responder said it
 * was alive) and the upkeep schedule: the lock detector several times a
 * second, failchk every second, checkpoints, nonce expiry, the free-disk
 * warning (the 503 itself is the responders': router.c), idle exit;
 * and the validation job runner: state_dir/worker.fifo (made here, poked
 * by responders after they queue a job), the scan of SDB_JOBS, up to
 * max_validations acmegw-validate helpers at once (helper.c) driven from
 * the one poll() loop, and the verdicts, which it writes to the challenge
 * and authorization records (brief "Records": the worker writes only
 * challenges, authorizations and jobs -- and, through the issuance
 * reconciler (worker_reconcile(), every 10 s, SECURITY.md S9), the
 * reserved certificates and processing orders of issuances that never
 * completed: cert_abandon() makes them "failed" and "invalid"); and the
 * CRL timer: when crl_file is set and crl_interval is not 0, a CRL older
 * than crl_interval (by the file's mtime; or none at all) is replaced
 * through crl_update() (revoke.c), the one call of the loop that may take
 * longer than a tick (at most signing_timeout, the signer's deadline).
 *
 * Must never: let a responder's descriptors (fd 0 is the FastCGI listen
 * socket) or environment reach the worker; block a responder for long;
 * touch the caller's Berkeley DB handles after fork() (B14): the worker is
 * exec'd and opens its own store; hold a transaction open while a
 * validation runs (B15); block its loop for longer than a tick (200 ms;
 * the CRL timer's signer run excepted), so the lock detector and failchk
 * keep their pace; drop a queued job
 * (beyond max_validations jobs wait) or leave a challenge processing for
 * ever; ignore SIGCHLD (helper.c reaps each helper by its pid).
 */
#define _GNU_SOURCE		/* close_range(2) */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acmegw.h"

#define WORKER_LOCK		"worker.lock"
#define WORKER_SEEN		"responder.seen"

#define WORKER_TICK_MS		200	/* lock detector (B5, B6) */
#define WORKER_FAILCHK_MS	1000	/* failchk (B5) */
#define WORKER_CHECKPOINT_MS	60000	/* txn_checkpoint (B17) */
#define WORKER_NONCES_MS	10000	/* nonce expiry (N8, X8) */
#define WORKER_RECONCILE_MS	10000	/* stuck issuances (S9) */
#define WORKER_RECONCILE_SCAN	2000	/* cert records looked at per pass */
#define WORKER_RECONCILE_MAX	64	/* issuances given up per pass */
#define WORKER_IDLE_MS		1000	/* responder.seen check */
#define WORKER_CRL_MS		1000	/* crl_file mtime check */
#define WORKER_CRL_SKEW		300	/* s an mtime may lie ahead */
#define WORKER_DISK_MS		5000	/* free-space check (X8, B21) */
#define WORKER_DISK_WARN_MS	300000	/* repeat of its warning */
#define WORKER_LOCK_TRIES	5	/* flock attempts, 50 ms apart */
#define WORKER_FIFO		"worker.fifo"
#define WORKER_SCAN_MS		1000	/* SDB_JOBS rescan without a poke */
#define WORKER_SCAN_MAX		1000	/* job records looked at per scan */
#define WORKER_STALE_S		10	/* a started job older than the
					   validation timeout + this was
					   interrupted */
#define WORKER_HELPER_GRACE_MS	2000	/* kill deadline past the timeout */
#define WORKER_JOBKEY_LEN	(8 + ACMEGW_ID_LEN)
#define WORKER_DETAIL_MAX	1024	/* verdict detail bytes kept */

#define WORKER_PATH_ENV		"PATH=/usr/sbin:/usr/bin:/sbin:/bin"

static volatile sig_atomic_t	 worker_quit;

/* Build state_dir/name into buf; -1 if it does not fit. */
static int
worker_path(const struct conf *conf, const char *name, char *buf,
    size_t bufsz)
{
	int	 n;

	n = snprintf(buf, bufsz, "%s/%s", conf->state_dir, name);
	if (n < 0 || (size_t)n >= bufsz) {
		log_warnx("worker: %s/%s: path too long", conf->state_dir,
		    name);
		return -1;
	}
	return 0;
}

/*
 * The grandchild of worker_start(): a detached process about to become
 * acmegw-worker.  Only async-signal-safe calls until execve(), then
 * _exit(): it is a copy of a responder with Berkeley DB handles it must
 * not touch (B14) and stdio buffers it must not flush.
 */
static void __attribute__((noreturn))
worker_exec(const struct conf *conf)
{
	char		*argv[4];
	char		*envp[2];
	sigset_t	 set;
	int		 fd, sig;
	static const char msg[] = "acmegw: cannot start acmegw-worker\n";

	/* Ignored signals would stay ignored over exec: reset them all. */
	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	sigemptyset(&set);
	(void)sigprocmask(SIG_SETMASK, &set, NULL);
	(void)umask(077);
	if (chdir("/") == -1)
		_exit(127);

	/* fd 0 may be the FastCGI listen socket: never let it through. */
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		_exit(127);
	if (dup2(fd, 0) == -1 || dup2(fd, 1) == -1)
		_exit(127);
	if (fd > 2)
		(void)close(fd);
	if (close_range(3, ~0U, 0) == -1) {
		long	 max = sysconf(_SC_OPEN_MAX);

		if (max < 0 || max > 65536)
			max = 65536;
		for (fd = 3; fd < max; fd++)
			(void)close(fd);
	}

	argv[0] = conf->worker_path;
	argv[1] = conf->path != NULL ? "-f" : NULL;
	argv[2] = conf->path;
	argv[3] = NULL;
	envp[0] = WORKER_PATH_ENV;
	envp[1] = NULL;
	execve(conf->worker_path, argv, envp);
	if (write(2, msg, sizeof(msg) - 1) == -1)
		_exit(127);
	_exit(127);
}

/*
 * Start acmegw-worker detached: fork; the child starts a new session,
 * forks the worker (worker_exec()) and exits at once; reap the child.
 * Returns 0, or -1 after a log line.
 */
static int
worker_start(const struct conf *conf)
{
	pid_t	 pid, w;
	int	 status, rc = -1;

	if ((pid = fork()) == -1) {
		log_warn("worker: fork");
		goto out;
	}
	if (pid == 0) {
		if (setsid() == -1)
			_exit(1);
		switch (fork()) {
		case -1:
			_exit(1);
		case 0:
			worker_exec(conf);
		default:
			_exit(0);
		}
	}
	while ((w = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		continue;
	if (w == -1) {
		/* SIGCHLD ignored: the kernel reaped it. */
		if (errno != ECHILD) {
			log_warn("worker: waitpid");
			goto out;
		}
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warnx("worker: could not start %s", conf->worker_path);
		goto out;
	}
	log_info("worker: started %s", conf->worker_path);
	rc = 0;
out:
	return rc;
}

/*
 * Tell the worker of conf->state_dir that a responder is alive at time
 * now (the mtime of state_dir/responder.seen, created if missing), and
 * start the worker if none holds state_dir/worker.lock.  Responders call
 * it at start and then every few seconds; it never waits for long (the
 * worker is detached, and a second one started by a race exits at once).
 * Returns 0, or -1 after a log line.
 */
int
worker_ensure(const struct conf *conf, time_t now)
{
	char			 path[PATH_MAX];
	struct timespec		 ts[2];
	int			 fd = -1, rc = -1;

	assert(conf != NULL && conf->state_dir != NULL);
	assert(conf->worker_path != NULL);

	if (worker_path(conf, WORKER_SEEN, path, sizeof(path)) == -1)
		goto out;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		log_warn("worker: %s", path);
		goto out;
	}
	ts[0].tv_sec = ts[1].tv_sec = now;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (futimens(fd, ts) == -1) {
		log_warn("worker: %s: futimens", path);
		goto out;
	}
	close(fd);

	if (worker_path(conf, WORKER_LOCK, path, sizeof(path)) == -1)
		goto out;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		log_warn("worker: %s", path);
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK) {
			log_warn("worker: %s: flock", path);
			goto out;
		}
		rc = 0;			/* a worker runs */
		goto out;
	}
	/* No worker: let go of the lock so the new one can take it. */
	close(fd);
	fd = -1;
	rc = worker_start(conf);
out:
	if (fd != -1)
		close(fd);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The worker process                                                   */
/* ------------------------------------------------------------------ */

/* One validation in flight. */
struct wjob {
	unsigned char	 key[WORKER_JOBKEY_LEN];	/* SDB_JOBS key */
	char		 chall[ACMEGW_ID_LEN + 1];
	char		 type[16];	/* "http-01" ... */
	char		 ident[300];	/* for log lines: "dns:*.example.org" */
	unsigned int	 attempt;	/* 1 for the first run */
	struct helper	*h;		/* NULL: slot free */
};

struct worker {
	const struct conf *conf;
	struct store	*st;
	int64_t		 started;	/* ms, monotonic */
	time_t		 started_wall;

	/* Validation jobs. */
	int		 fifo_rd;	/* state_dir/worker.fifo; -1 */
	int		 fifo_wr;	/* dummy writer: no EOF spin; -1 */
	struct wjob	*jobs;		/* nslots slots */
	size_t		 nslots;	/* max_validations */
	size_t		 nrunning;
	size_t		 queued;	/* job records seen by the last scan */
	int		 scanned;	/* a scan completed since start */
	int		 poked;		/* the FIFO said a job was queued */
	int64_t		 next_scan;	/* ms, monotonic */
};

static void
worker_onsig(int sig)
{
	(void)sig;
	worker_quit = 1;
}

/* Milliseconds of CLOCK_MONOTONIC. */
static int64_t
worker_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* Validation jobs                                                      */
/* ------------------------------------------------------------------ */

/* One SDB_JOBS record, checked. */
struct wjobrec {
	char		 chall[ACMEGW_ID_LEN + 1];
	int64_t		 attempts;	/* runs started so far */
	int64_t		 started;	/* epoch; 0: not running */
};

/*
 * Make state_dir/worker.fifo (mode 0600) if missing and open it for
 * reading without blocking, plus a writer of our own so that the read
 * end never sees end-of-file (which poll() would report for ever) when a
 * responder's writer closes.  Without the FIFO the worker still rescans
 * its jobs every second.  Returns 0, or -1 after a log line.
 */
static int
worker_fifo_open(struct worker *w)
{
	char		 path[PATH_MAX];
	struct stat	 sb;

	w->fifo_rd = w->fifo_wr = -1;
	if (worker_path(w->conf, WORKER_FIFO, path, sizeof(path)) == -1)
		goto fail;
	if (mkfifo(path, 0600) == -1 && errno != EEXIST) {
		log_warn("worker: mkfifo %s", path);
		goto fail;
	}
	if ((w->fifo_rd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
	    O_NOFOLLOW)) == -1) {
		log_warn("worker: %s", path);
		goto fail;
	}
	if (fstat(w->fifo_rd, &sb) == -1 || !S_ISFIFO(sb.st_mode)) {
		log_warnx("worker: %s is not a FIFO (remove it); new jobs are "
		    "found by the scan every second", path);
		goto fail;
	}
	if ((w->fifo_wr = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC |
	    O_NOFOLLOW)) == -1) {
		log_warn("worker: %s", path);
		goto fail;
	}
	return 0;
fail:
	if (w->fifo_rd != -1)
		close(w->fifo_rd);
	if (w->fifo_wr != -1)
		close(w->fifo_wr);
	w->fifo_rd = w->fifo_wr = -1;
	return -1;
}

/* Read every poke waiting in the FIFO. */
static void
worker_fifo_drain(struct worker *w)
{
	char	 buf[512];
	ssize_t	 n;

	for (;;) {
		n = read(w->fifo_rd, buf, sizeof(buf));
		if (n > 0) {
			w->poked = 1;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			log_warn("worker: read %s", WORKER_FIFO);
		break;
	}
}

/*
 * Parse the job record val[0..valsz) stored under key (keysz bytes) into
 * jr: exactly "v" 1, "chall" (the id that ends the key), "attempts" and
 * "started".  Returns 0, or -1 for anything else.
 */
static int
worker_job_parse(const unsigned char *key, size_t keysz, const char *val,
    size_t valsz, struct wjobrec *jr)
{
	static const char *const members[] = {
		"v", "chall", "attempts", "started", NULL
	};
	struct json_object	*obj = NULL;
	const char		*s;
	size_t			 len;
	int64_t			 v;
	int			 rc = -1;

	memset(jr, 0, sizeof(*jr));
	if (keysz != WORKER_JOBKEY_LEN ||
	    (obj = json_parse_strict(val, valsz, NULL)) == NULL ||
	    json_only_members(obj, members, NULL) == -1 ||
	    json_get_int(obj, "v", 1, 1, &v) != 0 ||
	    json_get_str(obj, "chall", &s, &len) != 0 ||
	    len != ACMEGW_ID_LEN ||
	    memcmp(s, key + 8, ACMEGW_ID_LEN) != 0 ||
	    json_get_int(obj, "attempts", 0, 1000000, &jr->attempts) != 0 ||
	    json_get_int(obj, "started", 0, INT64_MAX - 1, &jr->started) != 0)
		goto out;
	memcpy(jr->chall, s, ACMEGW_ID_LEN);
	jr->chall[ACMEGW_ID_LEN] = '\0';
	rc = 0;
out:
	json_object_put(obj);
	return rc;
}

/*
 * Whether job jr should be run now: it was never started, or it was
 * started before this worker existed (a crash or a kill interrupted the
 * worker that ran it), or longer ago than the validation could take
 * (validation_timeout + WORKER_STALE_S: the verdict was lost).  The
 * caller has checked that this worker is not running it.
 */
static int
worker_job_is_due(const struct worker *w, const struct wjobrec *jr,
    time_t now)
{
	int64_t	 stale;

	if (jr->started == 0)
		return 1;
	if (jr->started <= (int64_t)w->started_wall)
		return 1;
	stale = w->conf->validation_timeout / 1000 + 1 + WORKER_STALE_S;
	return jr->started + stale < (int64_t)now ||
	    jr->started > (int64_t)now + stale;
}

/* Whether this worker runs the job stored under key. */
static int
worker_job_is_running(const struct worker *w, const unsigned char *key,
    size_t keysz)
{
	size_t	 i;

	if (keysz != WORKER_JOBKEY_LEN)
		return 0;
	for (i = 0; i < w->nslots; i++)
		if (w->jobs[i].h != NULL &&
		    memcmp(w->jobs[i].key, key, WORKER_JOBKEY_LEN) == 0)
			return 1;
	return 0;
}

/* Add member key = val to obj; val is put when that fails. */
static int
worker_add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (val == NULL)
		return -1;
	if (json_object_object_add(obj, key, val) != 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

/* A new problem object {"type","detail","status"}; NULL without memory. */
static struct json_object *
worker_problem(enum acme_prob prob, const char *detail)
{
	struct json_object	*o;

	assert(prob != ACME_PROB_NONE && prob < ACME_PROB__MAX);
	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (worker_add(o, "type", json_object_new_string(
	    acme_prob_type[prob])) == -1 ||
	    worker_add(o, "detail", json_object_new_string(detail)) == -1 ||
	    worker_add(o, "status", json_object_new_int(
	    acme_prob_status(prob))) == -1) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/*
 * In txn: make challenge chall (record, DB_RMW-read by the caller)
 * invalid with problem prob and detail, and its authorization (when
 * authz is not NULL) invalid too.  Returns 0, -1 without memory, or the
 * store's error code.
 */
static int
worker_fail_txn(struct store *st, DB_TXN *txn, struct json_object *chall,
    struct json_object *authz, enum acme_prob prob, const char *detail)
{
	const char	*id;
	int		 rc = -1;

	if (worker_add(chall, "status",
	    json_object_new_string("invalid")) == -1 ||
	    worker_add(chall, "error", worker_problem(prob, detail)) == -1 ||
	    json_get_str(chall, "id", &id, NULL) != 0)
		goto out;
	if ((rc = store_put_json(st, txn, SDB_CHALLS, id, chall, 0)) != 0)
		goto out;
	rc = -1;
	if (authz == NULL) {
		rc = 0;
		goto out;
	}
	if (worker_add(authz, "status",
	    json_object_new_string("invalid")) == -1 ||
	    json_get_str(authz, "id", &id, NULL) != 0)
		goto out;
	rc = store_put_json(st, txn, SDB_AUTHZ, id, authz, 0);
out:
	return rc;
}

/*
 * The acmegw-validate request (man/acmegw-validate.8) for challenge
 * chall of authorization authz, with the account's key thumbprint and
 * id.  Returns a malloc'd string, or NULL without memory.
 */
static char *
worker_request(const struct conf *conf, struct json_object *chall,
    struct json_object *authz, const char *acct, const char *thumb)
{
	struct json_object	*req = NULL, *id, *set, *caa;
	const char		*type, *token, *itype, *ivalue, *s;
	char			 value[300], uri[2048];
	char			*ka = NULL, *ret = NULL;
	size_t			 i;
	int			 wildcard = 0;

	if (json_get_str(chall, "type", &type, NULL) != 0 ||
	    json_get_str(chall, "token", &token, NULL) != 0 ||
	    json_get_obj(authz, "identifier", &id) != 0 ||
	    json_get_str(id, "type", &itype, NULL) != 0 ||
	    json_get_str(id, "value", &ivalue, NULL) != 0)
		goto out;
	(void)json_get_bool(authz, "wildcard", &wildcard);
	if ((size_t)snprintf(value, sizeof(value), "%s%s",
	    wildcard ? "*." : "", ivalue) >= sizeof(value) ||
	    url_build(conf, uri, sizeof(uri), "/acct/%s", acct) == -1 ||
	    asprintf(&ka, "%s.%s", token, thumb) == -1) {
		ka = NULL;
		goto out;
	}
	if ((req = json_object_new_object()) == NULL ||
	    worker_add(req, "v", json_object_new_int(1)) == -1 ||
	    worker_add(req, "type", json_object_new_string(type)) == -1 ||
	    worker_add(req, "identifier", id = json_object_new_object()) ==
	    -1 ||
	    worker_add(id, "type", json_object_new_string(itype)) == -1 ||
	    worker_add(id, "value", json_object_new_string(value)) == -1 ||
	    worker_add(req, "token", json_object_new_string(token)) == -1 ||
	    worker_add(req, "key_authorization",
	    json_object_new_string(ka)) == -1 ||
	    worker_add(req, "account_uri", json_object_new_string(uri)) ==
	    -1 ||
	    worker_add(req, "settings", set = json_object_new_object()) ==
	    -1 ||
	    worker_add(set, "http_port",
	    json_object_new_int((int)conf->validate_http_port)) == -1 ||
	    worker_add(set, "tls_port",
	    json_object_new_int((int)conf->validate_tls_port)) == -1 ||
	    worker_add(set, "resolver", json_object_new_string(
	    conf->resolver != NULL ? conf->resolver : "")) == -1 ||
	    worker_add(set, "allow_private",
	    json_object_new_boolean(conf->allow_private_targets)) == -1 ||
	    worker_add(set, "timeout_ms",
	    json_object_new_int64(conf->validation_timeout)) == -1 ||
	    worker_add(set, "caa_identities",
	    caa = json_object_new_array()) == -1 ||
	    worker_add(set, "check_caa",
	    json_object_new_boolean(conf->caa_identitiessz > 0)) == -1)
		goto out;
	for (i = 0; i < conf->caa_identitiessz; i++)
		if (json_object_array_add(caa,
		    json_object_new_string(conf->caa_identities[i])) != 0)
			goto out;
	if ((s = json_compact(req)) == NULL)
		goto out;
	ret = strdup(s);
out:
	free(ka);
	json_object_put(req);
	return ret;
}

/* The scan of SDB_JOBS: what is due, how many are queued. */
struct wscan {
	struct worker	*w;
	time_t		 now;
	unsigned char	(*keys)[WORKER_JOBKEY_LEN];
	size_t		 want;		/* room in keys */
	size_t		 nkeys;		/* due jobs found */
	size_t		 seen;		/* job records looked at */
};

/*
 * Transaction body of the scan: walk SDB_JOBS in key (queue time) order
 * with a read-committed cursor (no read lock outlives its record, so a
 * challenge POST is never held up), collect up to sc->want due jobs that
 * this worker does not run, count the records (at most WORKER_SCAN_MAX),
 * and delete records that are not jobs (they could never run).
 */
static int
worker_scan_txn(DB_TXN *txn, void *arg)
{
	struct wscan	*sc = arg;
	struct worker	*w = sc->w;
	DB		*db = w->st->db[SDB_JOBS];
	DBC		*cur = NULL;
	DBT		 k, v;
	struct wjobrec	 jr;
	char		 san[80];
	int		 rc, crc;

	sc->nkeys = sc->seen = 0;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	if ((rc = db->cursor(db, txn, &cur, DB_READ_COMMITTED)) != 0) {
		cur = NULL;
		goto out;
	}
	while (sc->seen < WORKER_SCAN_MAX &&
	    (sc->want == 0 || sc->nkeys < sc->want)) {
		if ((rc = cur->get(cur, &k, &v, DB_NEXT)) != 0)
			break;
		sc->seen++;
		if (worker_job_is_running(w, k.data, k.size))
			continue;
		if (worker_job_parse(k.data, k.size, v.data, v.size,
		    &jr) == -1) {
			log_sanitize(san, sizeof(san), k.data, k.size);
			log_warnx("worker: jobs.db: removing a record that "
			    "is not a job: \"%s\"", san);
			if ((rc = cur->del(cur, 0)) != 0)
				break;
			sc->seen--;
			continue;
		}
		if (sc->want == 0)
			break;		/* only counting: one is enough */
		if (!worker_job_is_due(w, &jr, sc->now))
			continue;
		memcpy(sc->keys[sc->nkeys++], k.data, WORKER_JOBKEY_LEN);
	}
	if (rc == DB_NOTFOUND)		/* the only end of a scan (B9) */
		rc = 0;
out:
	if (cur != NULL && (crc = cur->close(cur)) != 0 && rc == 0)
		rc = crc;
	if (rc != 0 && !store_is_retryable(rc))
		log_warnx("worker: scanning the jobs: %s", db_strerror(rc));
	return rc;
}

enum wstart_what {
	WS_SKIP = 0,		/* nothing to do (gone, not due) */
	WS_DONE,		/* job finished without running */
	WS_RUN			/* run the validator with ws->req */
};

/* Starting one job: inputs, then what the transaction decided. */
struct wstart {
	struct worker	*w;
	const unsigned char *key;
	time_t		 now;
	enum wstart_what what;
	char		*req;		/* the validator request (WS_RUN) */
	unsigned int	 attempt;
	char		 type[16];
	char		 ident[300];
	char		 why[160];	/* WS_DONE: what happened */
};

/*
 * Transaction body that starts one job: re-read it with DB_RMW; drop it
 * when its challenge is gone or no longer processing; fail the challenge
 * (and the authorization, when still pending) when the authorization is
 * no longer pending, the account cannot validate, or the job was
 * interrupted validation_attempts times already; otherwise build the
 * validator request and mark the job started now, attempts + 1.
 */
static int
worker_start_txn(DB_TXN *txn, void *arg)
{
	struct wstart		*ws = arg;
	struct worker		*w = ws->w;
	struct store		*st = w->st;
	const struct conf	*conf = w->conf;
	struct json_object	*chall = NULL, *authz = NULL, *acct = NULL;
	struct json_object	*job = NULL, *id;
	struct wjobrec		 jr;
	const char		*status, *authz_id, *acct_id, *thumb, *s;
	const char		*itype = "?", *ivalue = "?", *text;
	void			*val = NULL;
	size_t			 valsz, len;
	char			 detail[160];
	int			 rc, wildcard = 0;

	free(ws->req);
	ws->req = NULL;
	ws->what = WS_SKIP;
	ws->why[0] = '\0';
	ws->type[0] = '\0';
	snprintf(ws->ident, sizeof(ws->ident), "?");

	rc = store_get(st, txn, SDB_JOBS, ws->key, WORKER_JOBKEY_LEN, DB_RMW,
	    &val, &valsz);
	if (rc == DB_NOTFOUND) {
		rc = 0;
		goto out;
	}
	if (rc != 0)
		goto out;
	if (worker_job_parse(ws->key, WORKER_JOBKEY_LEN, val, valsz,
	    &jr) == -1) {
		snprintf(ws->why, sizeof(ws->why), "not a job record: "
		    "removed");
		ws->what = WS_DONE;
		rc = store_del(st, txn, SDB_JOBS, ws->key, WORKER_JOBKEY_LEN);
		goto out;
	}
	if (!worker_job_is_due(w, &jr, ws->now))
		goto out;

	rc = chall_load(st, txn, jr.chall, DB_RMW, &chall);
	if (rc == DB_NOTFOUND || rc == -1) {
		snprintf(ws->why, sizeof(ws->why), "the challenge %s: "
		    "dropped", rc == -1 ? "is damaged" : "is gone");
		ws->what = WS_DONE;
		rc = store_del(st, txn, SDB_JOBS, ws->key, WORKER_JOBKEY_LEN);
		goto out;
	}
	if (rc != 0)
		goto out;
	(void)json_get_str(chall, "type", &s, NULL);
	snprintf(ws->type, sizeof(ws->type), "%s", s);
	(void)json_get_str(chall, "status", &status, NULL);
	(void)json_get_str(chall, "authz", &authz_id, NULL);
	(void)json_get_str(chall, "acct", &acct_id, NULL);
	if (strcmp(status, "processing") != 0) {
		snprintf(ws->why, sizeof(ws->why), "the challenge is %s, no "
		    "longer processing: dropped", status);
		ws->what = WS_DONE;
		rc = store_del(st, txn, SDB_JOBS, ws->key, WORKER_JOBKEY_LEN);
		goto out;
	}

	ws->what = WS_DONE;
	rc = authz_load(st, txn, authz_id, DB_RMW, &authz);
	if (rc == DB_NOTFOUND || rc == -1) {
		snprintf(ws->why, sizeof(ws->why), "its authorization cannot "
		    "be read: challenge failed");
		if ((rc = worker_fail_txn(st, txn, chall, NULL,
		    ACME_PROB_SERVER_INTERNAL, "the authorization of this "
		    "challenge cannot be read")) == 0)
			rc = store_del(st, txn, SDB_JOBS, ws->key,
			    WORKER_JOBKEY_LEN);
		goto out;
	}
	if (rc != 0)
		goto out;
	if (json_get_obj(authz, "identifier", &id) == 0) {
		(void)json_get_str(id, "type", &itype, NULL);
		(void)json_get_str(id, "value", &ivalue, NULL);
	}
	(void)json_get_bool(authz, "wildcard", &wildcard);
	snprintf(detail, sizeof(detail), "%s:%s%s", itype, wildcard ? "*." :
	    "", ivalue);
	log_sanitize(ws->ident, sizeof(ws->ident), detail, strlen(detail));
	if (authz_refresh(authz, ws->now) &&
	    (rc = store_put_json(st, txn, SDB_AUTHZ, authz_id, authz,
	    0)) != 0)
		goto out;
	(void)json_get_str(authz, "status", &status, NULL);
	if (strcmp(status, "pending") != 0) {
		snprintf(ws->why, sizeof(ws->why), "the authorization is %s: "
		    "challenge failed", status);
		snprintf(detail, sizeof(detail), "the authorization is %s; "
		    "the challenge was not validated", status);
		if ((rc = worker_fail_txn(st, txn, chall, NULL,
		    ACME_PROB_UNAUTHORIZED, detail)) == 0)
			rc = store_del(st, txn, SDB_JOBS, ws->key,
			    WORKER_JOBKEY_LEN);
		goto out;
	}

	if (jr.attempts >= (int64_t)conf->validation_attempts) {
		snprintf(ws->why, sizeof(ws->why), "interrupted %lld time%s: "
		    "challenge failed", (long long)jr.attempts,
		    jr.attempts == 1 ? "" : "s");
		snprintf(detail, sizeof(detail), "validation was interrupted "
		    "%lld time%s", (long long)jr.attempts,
		    jr.attempts == 1 ? "" : "s");
		if ((rc = worker_fail_txn(st, txn, chall, authz,
		    ACME_PROB_SERVER_INTERNAL, detail)) == 0)
			rc = store_del(st, txn, SDB_JOBS, ws->key,
			    WORKER_JOBKEY_LEN);
		goto out;
	}

	rc = store_get_json(st, txn, SDB_ACCOUNTS, acct_id, 0, &acct);
	if (rc == DB_NOTFOUND || rc == EINVAL ||
	    (rc == 0 && (json_get_str(acct, "thumb", &thumb, &len) != 0 ||
	    len != ACMEGW_THUMB_LEN ||
	    json_get_str(acct, "status", &s, NULL) != 0))) {
		snprintf(ws->why, sizeof(ws->why), "its account cannot be "
		    "read: challenge failed");
		if ((rc = worker_fail_txn(st, txn, chall, authz,
		    ACME_PROB_SERVER_INTERNAL, "the account of this "
		    "challenge cannot be read")) == 0)
			rc = store_del(st, txn, SDB_JOBS, ws->key,
			    WORKER_JOBKEY_LEN);
		goto out;
	}
	if (rc != 0)
		goto out;
	if (strcmp(s, "valid") != 0) {
		snprintf(ws->why, sizeof(ws->why), "the account is %s: "
		    "challenge failed", s);
		snprintf(detail, sizeof(detail), "the account is %s", s);
		if ((rc = worker_fail_txn(st, txn, chall, authz,
		    ACME_PROB_UNAUTHORIZED, detail)) == 0)
			rc = store_del(st, txn, SDB_JOBS, ws->key,
			    WORKER_JOBKEY_LEN);
		goto out;
	}

	rc = -1;
	if ((ws->req = worker_request(conf, chall, authz, acct_id,
	    thumb)) == NULL)
		goto out;
	if ((job = json_object_new_object()) == NULL ||
	    worker_add(job, "v", json_object_new_int(ACMEGW_SCHEMA)) == -1 ||
	    worker_add(job, "chall", json_object_new_string(jr.chall)) ==
	    -1 ||
	    worker_add(job, "attempts",
	    json_object_new_int64(jr.attempts + 1)) == -1 ||
	    worker_add(job, "started", json_object_new_int64(ws->now)) ==
	    -1 ||
	    (text = json_compact(job)) == NULL)
		goto out;
	if ((rc = store_put(st, txn, SDB_JOBS, ws->key, WORKER_JOBKEY_LEN,
	    text, strlen(text), 0)) != 0)
		goto out;
	ws->attempt = (unsigned int)jr.attempts + 1;
	ws->what = WS_RUN;
out:
	if (rc == -1)
		log_warnx("worker: out of memory starting a job");
	json_object_put(job);
	json_object_put(acct);
	json_object_put(authz);
	json_object_put(chall);
	free(val);
	return rc;
}

/* The arguments acmegw-validate gets: its path and the log level. */
static void
worker_validator_argv(const struct conf *conf, char *argv[3])
{
	argv[0] = conf->validator_path != NULL ? conf->validator_path :
	    LIBEXECDIR "/acmegw-validate";
	argv[1] = conf->log_level >= 2 ? "-d" : conf->log_level == 0 ?
	    "-q" : NULL;
	argv[2] = NULL;
}

/*
 * Start the job stored under key in a free slot: its transaction
 * (worker_start_txn()), then, with no transaction open (B15), the
 * validator with a deadline of validation_timeout + 2 s.  A job that
 * cannot start now (store busy, fork failed) stays queued and runs again
 * once it looks interrupted.  Returns 0, or -1 on a store failure.
 */
static int
worker_job_start(struct worker *w, const unsigned char *key, time_t now)
{
	struct wstart	 ws;
	struct wjob	*j = NULL;
	char		*argv[3], err[256];
	size_t		 i;
	int		 rc, ret = -1;

	for (i = 0; i < w->nslots; i++)
		if (w->jobs[i].h == NULL) {
			j = &w->jobs[i];
			break;
		}
	assert(j != NULL);
	memset(&ws, 0, sizeof(ws));
	ws.w = w;
	ws.key = key;
	ws.now = now;
	if ((rc = store_txn_run(w->st, 0, worker_start_txn, &ws)) != 0) {
		log_warnx("worker: starting the job of challenge %.22s: %s; "
		    "it runs again later", (const char *)key + 8,
		    store_strerror(rc));
		goto out;
	}
	ret = 0;
	if (ws.what == WS_DONE)
		log_info("worker: challenge %.22s (%s) for %s: %s",
		    (const char *)key + 8, ws.type[0] ? ws.type : "?",
		    ws.ident, ws.why);
	if (ws.what != WS_RUN)
		goto out;

	memset(j, 0, sizeof(*j));
	memcpy(j->key, key, WORKER_JOBKEY_LEN);
	memcpy(j->chall, key + 8, ACMEGW_ID_LEN);
	snprintf(j->type, sizeof(j->type), "%s", ws.type);
	snprintf(j->ident, sizeof(j->ident), "%s", ws.ident);
	j->attempt = ws.attempt;
	worker_validator_argv(w->conf, argv);
	if ((j->h = helper_start(argv[0], argv, ws.req, strlen(ws.req),
	    w->conf->validation_timeout + WORKER_HELPER_GRACE_MS, err,
	    sizeof(err))) == NULL) {
		log_warnx("worker: challenge %s: cannot run the validator: "
		    "%s; it runs again later", j->chall, err);
		goto out;
	}
	w->nrunning++;
	log_info("worker: challenge %s (%s) for %s: validation started%s",
	    j->chall, j->type, j->ident, j->attempt > 1 ?
	    " again after an interruption" : "");
out:
	free(ws.req);
	return ret;
}

/*
 * Check the verdict text[0..len) of acmegw-validate for a challenge of
 * type: exactly "v" 1, "status" valid or invalid, "addresses" (IP
 * address strings, listed space-separated into addrs),
 * "method" equal to type, and for invalid an "error" with a "type" the
 * validator may give and a "detail".  Returns 0 with *prob
 * (ACME_PROB_NONE when valid) and detail filled in, or -1.
 */
static int
worker_verdict_parse(const char *text, size_t len, const char *type,
    enum acme_prob *prob, char *detail, size_t detailsz, char *addrs,
    size_t addrssz)
{
	static const char *const members[] = {
		"v", "status", "error", "addresses", "method", NULL
	};
	static const char *const errmembers[] = { "type", "detail", NULL };
	static const enum acme_prob allowed[] = {
		ACME_PROB_CONNECTION, ACME_PROB_DNS, ACME_PROB_TLS,
		ACME_PROB_UNAUTHORIZED, ACME_PROB_INCORRECT_RESPONSE,
		ACME_PROB_CAA
	};
	struct json_object	*v = NULL, *err, *arr, *el;
	const char		*status, *method, *etype, *d;
	size_t			 dlen, i, n, off = 0;
	int64_t			 ver;
	int			 rc = -1;

	*prob = ACME_PROB_NONE;
	detail[0] = '\0';
	addrs[0] = '\0';
	if ((v = json_parse_strict(text, len, NULL)) == NULL ||
	    json_only_members(v, members, NULL) == -1 ||
	    json_get_int(v, "v", 1, 1, &ver) != 0 ||
	    json_get_str(v, "status", &status, NULL) != 0 ||
	    json_get_str(v, "method", &method, NULL) != 0 ||
	    strcmp(method, type) != 0 ||
	    json_get_array(v, "addresses", &arr) != 0)
		goto out;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		el = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(el, json_type_string))
			goto out;
		d = json_object_get_string(el);
		dlen = strlen(d);
		/* An IPv4 or IPv6 address as acmegw-validate writes it. */
		if (dlen == 0 || dlen >= VAL_ADDRSTRLEN ||
		    strspn(d, "0123456789abcdefABCDEF.:") != dlen)
			goto out;
		if (off + dlen + 2 < addrssz) {
			off += (size_t)snprintf(addrs + off, addrssz - off,
			    "%s%s", off > 0 ? " " : "", d);
		}
	}
	if (strcmp(status, "valid") == 0) {
		if (json_get_obj(v, "error", &err) != 1)
			goto out;
		rc = 0;
		goto out;
	}
	if (strcmp(status, "invalid") != 0 ||
	    json_get_obj(v, "error", &err) != 0 ||
	    json_only_members(err, errmembers, NULL) == -1 ||
	    json_get_str(err, "type", &etype, NULL) != 0 ||
	    json_get_str(err, "detail", &d, &dlen) != 0 ||
	    dlen == 0 || dlen > WORKER_DETAIL_MAX)
		goto out;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(etype, acme_prob_type[allowed[i]]) == 0)
			break;
	if (i == sizeof(allowed) / sizeof(allowed[0]))
		goto out;
	*prob = allowed[i];
	snprintf(detail, detailsz, "%s", d);
	rc = 0;
out:
	json_object_put(v);
	return rc;
}

/* Writing one verdict. */
struct wdone {
	struct worker	*w;
	const struct wjob *j;
	time_t		 now;
	enum acme_prob	 prob;		/* ACME_PROB_NONE: valid */
	const char	*detail;
	const char	*why;		/* what happened, for the log */
};

/*
 * Transaction body that writes a verdict: with the job, the challenge and
 * the authorization read with DB_RMW, a valid verdict makes the challenge
 * and the authorization valid (validated now; the authorization expires
 * after authz_reuse, or authz_lifetime when reuse is off), an invalid one
 * makes both invalid with the problem; the job is deleted.  A job whose
 * challenge is no longer processing is dropped; one whose authorization
 * is no longer pending fails the challenge alone.
 */
static int
worker_done_txn(DB_TXN *txn, void *arg)
{
	struct wdone		*wd = arg;
	struct store		*st = wd->w->st;
	const struct conf	*conf = wd->w->conf;
	struct json_object	*chall = NULL, *authz = NULL;
	const char		*status, *authz_id;
	void			*val = NULL;
	size_t			 valsz;
	char			 detail[160];
	unsigned int		 life;
	int			 rc;

	wd->why = "written";
	rc = store_get(st, txn, SDB_JOBS, wd->j->key, WORKER_JOBKEY_LEN,
	    DB_RMW, &val, &valsz);
	if (rc == DB_NOTFOUND) {
		wd->why = "the job is gone: verdict dropped";
		rc = 0;
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = chall_load(st, txn, wd->j->chall, DB_RMW, &chall);
	if (rc == DB_NOTFOUND || rc == -1) {
		wd->why = "the challenge is gone or damaged: verdict dropped";
		rc = store_del(st, txn, SDB_JOBS, wd->j->key,
		    WORKER_JOBKEY_LEN);
		goto out;
	}
	if (rc != 0)
		goto out;
	(void)json_get_str(chall, "status", &status, NULL);
	if (strcmp(status, "processing") != 0) {
		wd->why = "the challenge is no longer processing: verdict "
		    "dropped";
		rc = store_del(st, txn, SDB_JOBS, wd->j->key,
		    WORKER_JOBKEY_LEN);
		goto out;
	}
	(void)json_get_str(chall, "authz", &authz_id, NULL);
	rc = authz_load(st, txn, authz_id, DB_RMW, &authz);
	if (rc == DB_NOTFOUND || rc == -1) {
		wd->why = "the authorization cannot be read: challenge failed";
		if ((rc = worker_fail_txn(st, txn, chall, NULL,
		    ACME_PROB_SERVER_INTERNAL, "the authorization of this "
		    "challenge cannot be read")) == 0)
			rc = store_del(st, txn, SDB_JOBS, wd->j->key,
			    WORKER_JOBKEY_LEN);
		goto out;
	}
	if (rc != 0)
		goto out;
	if (authz_refresh(authz, wd->now) &&
	    (rc = store_put_json(st, txn, SDB_AUTHZ, authz_id, authz,
	    0)) != 0)
		goto out;
	(void)json_get_str(authz, "status", &status, NULL);
	if (strcmp(status, "pending") != 0) {
		wd->why = "the authorization is no longer pending: challenge "
		    "failed";
		snprintf(detail, sizeof(detail), "the authorization became "
		    "%s during validation", status);
		if ((rc = worker_fail_txn(st, txn, chall, NULL,
		    ACME_PROB_UNAUTHORIZED, detail)) == 0)
			rc = store_del(st, txn, SDB_JOBS, wd->j->key,
			    WORKER_JOBKEY_LEN);
		goto out;
	}

	if (wd->prob != ACME_PROB_NONE) {
		if ((rc = worker_fail_txn(st, txn, chall, authz, wd->prob,
		    wd->detail)) == 0)
			rc = store_del(st, txn, SDB_JOBS, wd->j->key,
			    WORKER_JOBKEY_LEN);
		goto out;
	}
	rc = -1;
	life = conf->authz_reuse > 0 ? conf->authz_reuse :
	    conf->authz_lifetime;
	json_object_object_del(chall, "error");
	if (worker_add(chall, "status",
	    json_object_new_string("valid")) == -1 ||
	    worker_add(chall, "validated",
	    json_object_new_int64(wd->now)) == -1 ||
	    worker_add(authz, "status",
	    json_object_new_string("valid")) == -1 ||
	    worker_add(authz, "validated",
	    json_object_new_int64(wd->now)) == -1 ||
	    worker_add(authz, "expires",
	    json_object_new_int64((int64_t)wd->now + life)) == -1)
		goto out;
	if ((rc = store_put_json(st, txn, SDB_CHALLS, wd->j->chall, chall,
	    0)) != 0 ||
	    (rc = store_put_json(st, txn, SDB_AUTHZ, authz_id, authz,
	    0)) != 0)
		goto out;
	rc = store_del(st, txn, SDB_JOBS, wd->j->key, WORKER_JOBKEY_LEN);
out:
	if (rc == -1)
		log_warnx("worker: out of memory writing a verdict");
	json_object_put(authz);
	json_object_put(chall);
	free(val);
	return rc;
}

/*
 * A helper of slot j is done: read its verdict (exit 0 and a verdict),
 * or turn its failure into one (killed at the deadline: connection, "did
 * not finish"; any other failure or an answer that is no verdict:
 * serverInternal), write it (worker_done_txn()) and free the slot.  When
 * the write fails the job stays queued and runs again once it looks
 * interrupted.
 */
static void
worker_job_finish(struct worker *w, struct wjob *j, time_t now)
{
	struct wdone	 wd;
	const char	*out;
	size_t		 outsz;
	char		 err[256], detail[WORKER_DETAIL_MAX + 1];
	char		 addrs[256], clean[sizeof(detail) + 64];
	char		 what[sizeof(clean) + 16];
	int		 rc, status;

	memset(&wd, 0, sizeof(wd));
	addrs[0] = '\0';
	if (helper_answer(j->h, &out, &outsz, &status, err,
	    sizeof(err)) == 0) {
		if (worker_verdict_parse(out, outsz, j->type, &wd.prob, detail,
		    sizeof(detail), addrs, sizeof(addrs)) == -1) {
			log_warnx("worker: challenge %s: the validator's "
			    "answer is not a verdict", j->chall);
			wd.prob = ACME_PROB_SERVER_INTERNAL;
			snprintf(detail, sizeof(detail), "the validator "
			    "failed (its answer was not a verdict)");
		}
	} else if (helper_is_timed_out(j->h)) {
		wd.prob = ACME_PROB_CONNECTION;
		snprintf(detail, sizeof(detail), "validation of %s did not "
		    "finish within %u s", strchr(j->ident, ':') != NULL ?
		    strchr(j->ident, ':') + 1 : j->ident,
		    (w->conf->validation_timeout + 999) / 1000);
	} else {
		log_warnx("worker: challenge %s: %s", j->chall, err);
		wd.prob = ACME_PROB_SERVER_INTERNAL;
		snprintf(detail, sizeof(detail), "the validator failed (%s)",
		    err);
	}
	wd.w = w;
	wd.j = j;
	wd.now = now;
	wd.detail = detail;
	if (wd.prob == ACME_PROB_NONE)
		snprintf(what, sizeof(what), "valid");
	else {
		log_sanitize(clean, sizeof(clean), detail, strlen(detail));
		snprintf(what, sizeof(what), "invalid: %s", clean);
	}
	if ((rc = store_txn_run(w->st, 0, worker_done_txn, &wd)) != 0)
		log_warnx("worker: challenge %s: the verdict (%s) was not "
		    "written: %s; the validation runs again later", j->chall,
		    what, store_strerror(rc));
	else
		log_info("worker: challenge %s (%s) for %s: %s%s%s (%s)",
		    j->chall, j->type, j->ident, what, addrs[0] ? "; " : "",
		    addrs, wd.why);
	helper_free(j->h);
	j->h = NULL;
	assert(w->nrunning > 0);
	w->nrunning--;
	w->poked = 1;		/* a slot is free: look for waiting jobs */
}

/*
 * Run the validation jobs: finish the helpers that are done, and when
 * poked through the FIFO, when a slot freed up, or every second, scan
 * SDB_JOBS and start due jobs in queue order while fewer than
 * max_validations run.  Never blocks: the caller's poll() waits on the
 * FIFO and the helpers (worker_jobs_pollfds()).  Returns 0, or -1 when
 * the store failed (the scan is retried on the next round).
 */
static int
worker_jobs(struct worker *w, time_t now, int64_t now_ms)
{
	struct wscan	 sc;
	size_t		 i;
	int		 rc, ret = 0;

	for (i = 0; i < w->nslots; i++)
		if (w->jobs[i].h != NULL && helper_step(w->jobs[i].h))
			worker_job_finish(w, &w->jobs[i], now);

	memset(&sc, 0, sizeof(sc));
	if (!w->poked && now_ms < w->next_scan)
		goto out;
	w->poked = 0;
	w->next_scan = now_ms + WORKER_SCAN_MS;

	sc.w = w;
	sc.now = now;
	sc.want = w->nslots - w->nrunning;
	if (sc.want > 0 && (sc.keys = calloc(sc.want,
	    sizeof(*sc.keys))) == NULL) {
		log_warn("worker: calloc");
		ret = -1;
		goto out;
	}
	if ((rc = store_txn_run(w->st, 0, worker_scan_txn, &sc)) != 0) {
		log_warnx("worker: scanning the jobs: %s", store_strerror(rc));
		ret = -1;
		goto out;
	}
	w->queued = sc.seen;
	w->scanned = 1;
	for (i = 0; i < sc.nkeys; i++)
		if (worker_job_start(w, sc.keys[i], now) == -1)
			ret = -1;
out:
	free(sc.keys);
	return ret;
}

/*
 * Fill pfd (room for 1 + nslots * HELPER_POLLFDS) with the FIFO and the
 * running helpers' descriptors; *wait_ms is lowered to what the helpers
 * allow.  Returns the number of entries.
 */
static size_t
worker_jobs_pollfds(const struct worker *w, struct pollfd *pfd,
    int *wait_ms)
{
	size_t	 i, n = 0;
	int	 ms;

	if (w->fifo_rd != -1) {
		pfd[n].fd = w->fifo_rd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	for (i = 0; i < w->nslots; i++) {
		if (w->jobs[i].h == NULL)
			continue;
		n += helper_pollfds(w->jobs[i].h, pfd + n, HELPER_POLLFDS);
		if ((ms = helper_wait_ms(w->jobs[i].h)) < *wait_ms)
			*wait_ms = ms;
	}
	return n;
}

/*
 * Log the validation settings that differ from the production defaults
 * (SECURITY.md P8, H1): ports other than 80 and 443, a resolver of its
 * own, private targets allowed.  They are ordinary settings because a
 * private CA and its tests need them, but never silent ones.
 */
static void
worker_log_settings(const struct conf *conf)
{
	char	 buf[512];
	size_t	 off = 0;
	int	 n;

	buf[0] = '\0';
#define WORKER_NOTE(...) do {						\
	n = snprintf(buf + off, sizeof(buf) - off, __VA_ARGS__);	\
	if (n > 0 && (size_t)n < sizeof(buf) - off)			\
		off += (size_t)n;					\
} while (0)
	if (conf->validate_http_port != 80)
		WORKER_NOTE("%s http-01 port %u (not 80)", off ? ";" : "",
		    conf->validate_http_port);
	if (conf->validate_tls_port != 443)
		WORKER_NOTE("%s tls-alpn-01 port %u (not 443)", off ? ";" : "",
		    conf->validate_tls_port);
	if (conf->resolver != NULL && conf->resolver[0] != '\0')
		WORKER_NOTE("%s every DNS query goes to %s", off ? ";" : "",
		    conf->resolver);
	if (conf->allow_private_targets)
		WORKER_NOTE("%s private and loopback targets allowed",
		    off ? ";" : "");
#undef WORKER_NOTE
	if (off > 0)
		log_warnx("worker: validation settings differ from the "
		    "defaults (SECURITY.md P8):%s", buf);
}

/*
 * Kill every validation still running (SIGTERM or the environment needs
 * recovery): their jobs stay started and the next worker runs them again.
 */
static void
worker_jobs_stop(struct worker *w)
{
	size_t	 i;

	for (i = 0; w->jobs != NULL && i < w->nslots; i++) {
		if (w->jobs[i].h == NULL)
			continue;
		log_info("worker: challenge %s: validation stopped; it runs "
		    "again when the worker restarts", w->jobs[i].chall);
		helper_free(w->jobs[i].h);
		w->jobs[i].h = NULL;
	}
	w->nrunning = 0;
}

/*
 * Whether no responder has been seen for conf->worker_idle_exit seconds.
 * The worker's own start counts as a sighting, so a worker started by
 * systemd before the web server (responder.seen missing or old) waits a
 * full period.
 */
static int
worker_is_idle(const struct worker *w, time_t now)
{
	char		 path[PATH_MAX];
	struct stat	 sb;
	time_t		 seen;

	if (worker_path(w->conf, WORKER_SEEN, path, sizeof(path)) == -1)
		return 0;
	seen = w->started_wall;
	if (stat(path, &sb) == 0) {
		if (sb.st_mtime > seen)
			seen = sb.st_mtime;
	} else if (errno != ENOENT)
		log_warn("worker: %s", path);
	return now - seen > (time_t)w->conf->worker_idle_exit;
}

/*
 * The environment needs recovery: failchk said DB_RUNRECOVERY (a process
 * died inside Berkeley DB, holding a mutex), or a panic.  This handle
 * must not be used again, not even to close it: closing waits for
 * mutexes a dead process holds, for ever (B9, B10).  And a process can
 * hold only one handle (DB_REGISTER), so the reopen that recovers must
 * happen in a new process: let go of worker.lock, start a fresh
 * acmegw-worker, and leave the handle open so that this process's slot in
 * the registry is found dead once it exits.  The fresh worker's hybrid
 * open finds the dead processes, failchk fails again, so it kills the
 * processes still attached (B11) and runs full recovery; responders that
 * saw the panic exit too, and the web server respawns them.
 */
static void
worker_recover(struct worker *w, int *lockfd)
{
	log_warnx("worker: %s: the environment needs recovery: leaving it "
	    "without closing it and starting a fresh acmegw-worker, whose "
	    "open runs recovery (SECURITY.md B9, B11)", w->conf->state_dir);
	close(*lockfd);
	*lockfd = -1;
	if (worker_start(w->conf) == -1)
		log_warnx("worker: the next responder will start the worker "
		    "that recovers");
	w->st = NULL;		/* deliberately not closed */
}

/* One lock detector pass (B5, B6): expired lock requests, then deadlocks. */
static int
worker_detect(struct worker *w)
{
	DB_ENV	*env = w->st->env;
	int	 rc, aborted = 0, n = 0;

	if ((rc = env->lock_detect(env, 0, DB_LOCK_EXPIRE, &aborted)) != 0)
		goto out;
	n = aborted;
	if ((rc = env->lock_detect(env, 0, DB_LOCK_DEFAULT, &aborted)) != 0)
		goto out;
	n += aborted;
	if (n > 0)
		log_debug("worker: lock detector rejected %d requests", n);
out:
	if (rc != 0)
		log_warnx("worker: DB_ENV->lock_detect: %s", db_strerror(rc));
	return rc;
}

/* Open the lock file and take the flock; -1 when another worker has it. */
static int
worker_lock(const struct conf *conf, int *fdp)
{
	char	 path[PATH_MAX];
	int	 fd, i;

	*fdp = -1;
	if (mkdir(conf->state_dir, 0700) == -1 && errno != EEXIST) {
		log_warn("worker: %s", conf->state_dir);
		return -2;
	}
	if (worker_path(conf, WORKER_LOCK, path, sizeof(path)) == -1)
		return -2;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		log_warn("worker: %s", path);
		return -2;
	}
	/* A responder probing the lock holds it for an instant: retry. */
	for (i = 0; i < WORKER_LOCK_TRIES; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			*fdp = fd;
			return 0;
		}
		if (errno != EWOULDBLOCK) {
			log_warn("worker: %s: flock", path);
			close(fd);
			return -2;
		}
		usleep(50000);
	}
	close(fd);
	return -1;
}

/* ------------------------------------------------------------------ */
/* The issuance reconciler (S9)                                         */
/* ------------------------------------------------------------------ */

/*
 * Where the next reconciler scan starts (the last key looked at; size 0:
 * the first record).  The worker is one process with one loop, so this
 * position is its own.
 */
static unsigned char	 worker_rec_resume[CERT_SERIAL_HEXLEN];
static size_t		 worker_rec_resumesz;

/* One reconciler scan: inputs and the serials found stuck. */
struct wrec {
	struct store	*st;
	time_t		 cutoff;	/* reserved before this: stuck */
	size_t		 n;
	char		 serials[WORKER_RECONCILE_MAX][CERT_SERIAL_HEXLEN + 1];
	unsigned char	 resume[CERT_SERIAL_HEXLEN];	/* next scan start */
	size_t		 resumesz;	/* 0: from the first record */
};

/*
 * Transaction body: look at up to WORKER_RECONCILE_SCAN certificate
 * records from wr->resume on (the next pass starts over at the first
 * record once this one reached the end) and collect the
 * serials of "reserved" ones created before wr->cutoff.  The position
 * where it stopped goes back to wr->resume, so the scan of a large table
 * is spread over passes while each pass stays bounded.  Reserved records
 * are few; a record whose text does not contain "reserved" is skipped
 * without parsing.
 */
static int
worker_reconcile_scan(DB_TXN *txn, void *arg)
{
	struct wrec		*wr = arg;
	struct json_object	*o = NULL;
	DB			*db = wr->st->db[SDB_CERTS];
	DBC			*cur = NULL;
	DBT			 k, v;
	const char		*status;
	int64_t			 created;
	size_t			 seen = 0;
	u_int32_t		 flag;
	int			 rc, crc;

	wr->n = 0;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	if ((rc = db->cursor(db, txn, &cur, DB_READ_COMMITTED)) != 0) {
		cur = NULL;
		goto out;
	}
	flag = DB_FIRST;
	if (wr->resumesz > 0) {
		k.data = wr->resume;
		k.size = (u_int32_t)wr->resumesz;
		flag = DB_SET_RANGE;
	}
	while (seen < WORKER_RECONCILE_SCAN && wr->n < WORKER_RECONCILE_MAX) {
		rc = cur->get(cur, &k, &v, flag);
		flag = DB_NEXT;
		if (rc != 0)
			break;
		seen++;
		if (k.size == 0 || k.size > CERT_SERIAL_HEXLEN)
			continue;
		memcpy(wr->resume, k.data, k.size);
		wr->resumesz = k.size;
		if (memmem(v.data, v.size, "\"reserved\"", 10) == NULL)
			continue;
		o = json_parse_strict(v.data, v.size, NULL);
		if (o != NULL &&
		    json_get_str(o, "status", &status, NULL) == 0 &&
		    strcmp(status, "reserved") == 0 &&
		    json_get_int(o, "created", 0, INT64_MAX - 1,
		    &created) == 0 && created < (int64_t)wr->cutoff) {
			memcpy(wr->serials[wr->n], k.data, k.size);
			wr->serials[wr->n][k.size] = '\0';
			wr->n++;
		}
		json_object_put(o);
		o = NULL;
	}
	if (rc == DB_NOTFOUND) {	/* the end: start over next time */
		wr->resumesz = 0;
		rc = 0;
	}
out:
	if (cur != NULL && (crc = cur->close(cur)) != 0 && rc == 0)
		rc = crc;
	if (rc != 0 && !store_is_retryable(rc))
		log_warnx("worker: scanning the certificates: %s",
		    db_strerror(rc));
	return rc;
}

/* Give up one stuck issuance (a transaction body). */
struct wabandon {
	struct store	*st;
	const char	*serial;
};

static int
worker_abandon_txn(DB_TXN *txn, void *arg)
{
	struct wabandon	*wa = arg;

	return cert_abandon(wa->st, txn, wa->serial,
	    ACME_PROB_SERVER_INTERNAL, "signing did not complete");
}

/*
 * The issuance reconciler (SECURITY.md S9): certificates still "reserved"
 * signing_timeout_ms + CERT_RECONCILE_GRACE seconds after they were
 * reserved belong to a finalize that died between its two transactions;
 * cert_abandon() makes each "failed" (listed as possibly issued, never
 * reused) and its order, if still processing, "invalid" (serverInternal
 * "signing did not complete").  One call looks at a bounded slice of the
 * certificate table (WORKER_RECONCILE_SCAN records, continuing where the
 * last call stopped) and gives up at most WORKER_RECONCILE_MAX
 * issuances, each in its own transaction.  *n (when not NULL) gets how
 * many were given up.  Returns 0, or -1 when a transaction failed
 * (logged; the next call tries again).
 */
int
worker_reconcile(struct store *st, unsigned int signing_timeout_ms,
    time_t now, size_t *n)
{
	struct wrec	*wr = NULL;
	struct wabandon	 wa;
	size_t		 i, done = 0;
	int		 rc, ret = -1;

	if (n != NULL)
		*n = 0;
	if ((wr = calloc(1, sizeof(*wr))) == NULL) {
		log_warn("worker_reconcile: calloc");
		goto out;
	}
	wr->st = st;
	wr->cutoff = now - (time_t)(signing_timeout_ms / 1000) -
	    CERT_RECONCILE_GRACE;
	memcpy(wr->resume, worker_rec_resume, worker_rec_resumesz);
	wr->resumesz = worker_rec_resumesz;
	if ((rc = store_txn_run(st, 0, worker_reconcile_scan, wr)) != 0) {
		log_warnx("worker: reconciler: %s", store_strerror(rc));
		goto out;
	}
	memcpy(worker_rec_resume, wr->resume, wr->resumesz);
	worker_rec_resumesz = wr->resumesz;
	ret = 0;
	for (i = 0; i < wr->n; i++) {
		wa.st = st;
		wa.serial = wr->serials[i];
		if ((rc = store_txn_run(st, 0, worker_abandon_txn,
		    &wa)) != 0) {
			log_warnx("worker: reconciler: serial %s: %s",
			    wr->serials[i], store_strerror(rc));
			ret = -1;
			continue;
		}
		log_warnx("worker: serial %s: signing did not complete; "
		    "marked failed (possibly issued), order invalid",
		    wr->serials[i]);
		done++;
	}
	if (n != NULL)
		*n = done;
out:
	free(wr);
	return ret;
}

/*
 * Whether the CRL timer should write a new CRL at now: conf->crl_file is
 * set, conf->crl_interval is not 0, and the CRL at crl_file was last
 * written (mtime; (time_t)-1 when there is no file) crl_interval or more
 * seconds ago -- or more than WORKER_CRL_SKEW seconds in the future (the
 * clock went back: the age cannot be trusted).  Returns 1 or 0.
 */
int
worker_crl_is_due(const struct conf *conf, time_t now, time_t mtime)
{
	assert(conf != NULL);
	if (conf->crl_file == NULL || conf->crl_interval == 0)
		return 0;
	if (mtime == (time_t)-1)
		return 1;
	if (mtime > now)
		return mtime - now > WORKER_CRL_SKEW;
	return now - mtime >= (time_t)conf->crl_interval;
}

/*
 * The CRL timer, once a second: stat conf->crl_file and, when
 * worker_crl_is_due(), write a new CRL with crl_update().  A failure is
 * logged and the next attempt waits crl_interval (*retry_at); it never
 * stops the worker.  Blocks for at most the signer's deadline.
 */
static void
worker_crl(struct worker *w, time_t now, time_t *retry_at)
{
	const struct conf	*conf = w->conf;
	struct stat		 sb;
	time_t			 mtime = (time_t)-1;
	int64_t			 number;
	char			 err[512];

	if (conf->crl_file == NULL || conf->crl_interval == 0 ||
	    now < *retry_at)
		return;
	if (stat(conf->crl_file, &sb) == 0)
		mtime = sb.st_mtime;
	else if (errno != ENOENT) {
		log_warn("worker: CRL timer: %s", conf->crl_file);
		*retry_at = now + (time_t)conf->crl_interval;
		return;
	}
	if (!worker_crl_is_due(conf, now, mtime))
		return;
	if (mtime == (time_t)-1)
		log_info("worker: CRL timer: there is no CRL at %s yet: "
		    "writing one", conf->crl_file);
	else
		log_info("worker: CRL timer: the CRL at %s was written %lld "
		    "s ago (crl_interval %u s): writing a new one",
		    conf->crl_file, (long long)(now - mtime),
		    conf->crl_interval);
	if (crl_update(conf, w->st, now, &number, err, sizeof(err)) == -1) {
		*retry_at = now + (time_t)conf->crl_interval;
		log_warnx("worker: CRL timer: no new CRL: %s; next attempt in "
		    "%u s", err, conf->crl_interval);
		return;
	}
	log_info("worker: CRL timer: CRL number %lld written to %s",
	    (long long)number, conf->crl_file);
}

/*
 * The free-disk guard's log side (SECURITY.md X8, B21): warn when the file
 * system of state_dir has less than min_free_space left, again every
 * five minutes while it stays so, and say when it is back above.  The
 * refusal itself (503 before any write) is the responders' (router.c
 * router_space_guard()): they check at each request, whether this worker
 * runs or not.  *low keeps the last state between calls.
 */
static void
worker_disk(const struct conf *conf, int *low, int64_t now_ms,
    int64_t *next_warn)
{
	unsigned long long	 avail;
	int			 r;

	if ((r = store_space_low(conf, &avail)) == -1) {
		log_warn("worker: statvfs %s", conf->state_dir);
		return;
	}
	if (r == 1 && (!*low || now_ms >= *next_warn)) {
		log_warnx("worker: the file system of %s has %llu KiB free, "
		    "below min_free_space %u KiB: requests that write are "
		    "refused with 503 until space is freed there",
		    conf->state_dir, avail, conf->min_free_space);
		*next_warn = now_ms + WORKER_DISK_WARN_MS;
	} else if (r == 0 && *low)
		log_info("worker: the file system of %s has %llu KiB free "
		    "again: requests are served", conf->state_dir, avail);
	*low = r;
}

/*
 * Run the worker of conf->state_dir until SIGTERM or SIGINT, or until no
 * responder has been seen for conf->worker_idle_exit seconds while no
 * validation job is queued or running: take the flock on
 * state_dir/worker.lock (if another worker holds it, return 0 at once),
 * open the store and state_dir/worker.fifo, then every 200 ms run the
 * lock detector, every second failchk, every 10 s expire nonces and run
 * the issuance reconciler (worker_reconcile()), every second the CRL
 * timer (worker_crl()), every 5 s the free-disk warning (worker_disk()),
 * every 60 s checkpoint, and run the validation
 * jobs (worker_jobs()) whenever the FIFO is poked, a validator finishes,
 * or a second passed.  One
 * poll() waits on the FIFO and the validators, never longer than the next
 * timer.  When the environment needs recovery, a fresh worker takes over
 * (worker_recover()) and this one returns -1 at once.  Validations still
 * running at exit are killed; their jobs run again in the next worker.
 * Returns 0 on a normal exit, -1 on failure (after log lines).
 */
int
worker_main(const struct conf *conf)
{
	struct worker		 w;
	struct sigaction	 sa;
	struct pollfd		*pfd = NULL;
	char			 err[512];
	int64_t			 now_ms, next_fail, next_ckp, next_nonce;
	int64_t			 next_idle, next_detect, next_rec, next_crl;
	int64_t			 next_disk, disk_warn = 0;
	time_t			 now, crl_retry = 0;
	size_t			 n, npfd;
	int			 lockfd = -1, rc, ret = -1, wait_ms;
	int			 disk_low = 0;

	assert(conf != NULL && conf->state_dir != NULL);
	memset(&w, 0, sizeof(w));
	w.conf = conf;
	w.fifo_rd = w.fifo_wr = -1;
	worker_quit = 0;

	switch (worker_lock(conf, &lockfd)) {
	case 0:
		break;
	case -1:
		log_debug("worker: another worker runs for %s",
		    conf->state_dir);
		ret = 0;
		goto out;
	default:
		goto out;
	}

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = worker_onsig;	/* no SA_RESTART: wake poll() */
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1) {
		log_warn("worker: sigaction");
		goto out;
	}
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1) {
		log_warn("worker: sigaction");
		goto out;
	}
	/* helper.c reaps each validator by its pid: never ignore SIGCHLD. */
	sa.sa_handler = SIG_DFL;
	if (sigaction(SIGCHLD, &sa, NULL) == -1) {
		log_warn("worker: sigaction");
		goto out;
	}

	w.nslots = conf->max_validations > 0 ? conf->max_validations : 1;
	if ((w.jobs = calloc(w.nslots, sizeof(*w.jobs))) == NULL ||
	    (pfd = calloc(1 + w.nslots * HELPER_POLLFDS,
	    sizeof(*pfd))) == NULL) {
		log_warn("worker: calloc");
		goto out;
	}
	if ((w.st = store_open(conf, STORE_WORKER, err, sizeof(err))) ==
	    NULL) {
		log_warnx("worker: %s", err);
		goto out;
	}
	(void)worker_fifo_open(&w);
	w.started = worker_ms();
	w.started_wall = time(NULL);
	log_info("worker: running for %s", conf->state_dir);
	worker_log_settings(conf);

	next_fail = next_nonce = next_idle = next_detect = w.started;
	next_ckp = w.started + WORKER_CHECKPOINT_MS;
	next_rec = next_crl = next_disk = w.started;
	w.next_scan = w.started;
	while (!worker_quit) {
		now_ms = worker_ms();
		now = time(NULL);

		if (w.st->panic) {
			worker_recover(&w, &lockfd);
			goto out;
		}
		if (now_ms >= next_detect) {
			next_detect = now_ms + WORKER_TICK_MS;
			if (worker_detect(&w) == DB_RUNRECOVERY) {
				worker_recover(&w, &lockfd);
				goto out;
			}
		}
		if (now_ms >= next_fail) {
			next_fail = now_ms + WORKER_FAILCHK_MS;
			rc = w.st->env->failchk(w.st->env, 0);
			if (rc == DB_RUNRECOVERY) {
				worker_recover(&w, &lockfd);
				goto out;
			}
			if (rc != 0)
				log_warnx("worker: DB_ENV->failchk: %s",
				    db_strerror(rc));
		}
		if (now_ms >= next_nonce) {
			next_nonce = now_ms + WORKER_NONCES_MS;
			if (nonce_expire(w.st, now, conf->nonce_lifetime,
			    &n) == 0 && n > 0)
				log_debug("worker: %zu nonces expired", n);
		}
		if (now_ms >= next_rec) {
			next_rec = now_ms + WORKER_RECONCILE_MS;
			(void)worker_reconcile(w.st, conf->signing_timeout, now,
			    NULL);
		}
		if (now_ms >= next_crl) {
			next_crl = now_ms + WORKER_CRL_MS;
			worker_crl(&w, now, &crl_retry);
			if (w.st->panic)
				continue;
		}
		if (now_ms >= next_disk) {
			next_disk = now_ms + WORKER_DISK_MS;
			worker_disk(conf, &disk_low, now_ms, &disk_warn);
		}
		if (now_ms >= next_ckp) {
			next_ckp = now_ms + WORKER_CHECKPOINT_MS;
			if ((rc = w.st->env->txn_checkpoint(w.st->env, 1024,
			    1, 0)) != 0)
				log_warnx("worker: DB_ENV->txn_checkpoint: "
				    "%s", db_strerror(rc));
		}
		if (worker_jobs(&w, now, now_ms) == -1)
			log_warnx("worker: jobs failed; will retry");
		if (w.st->panic)
			continue;
		if (now_ms >= next_idle) {
			next_idle = now_ms + WORKER_IDLE_MS;
			/* Queued or running jobs keep the worker. */
			if (w.nrunning == 0 && w.queued == 0 &&
			    worker_is_idle(&w, now)) {
				log_info("worker: no responder seen for %u "
				    "s: exiting", conf->worker_idle_exit);
				break;
			}
		}

		/* Sleep until the next timer, a poke or a validator. */
		now_ms = worker_ms();
		wait_ms = (int)(next_detect - now_ms);
		if (!w.poked && w.next_scan - now_ms < wait_ms)
			wait_ms = (int)(w.next_scan - now_ms);
		if (w.poked)
			wait_ms = 0;
		npfd = worker_jobs_pollfds(&w, pfd, &wait_ms);
		if (wait_ms < 0)
			wait_ms = 0;
		if (wait_ms > WORKER_TICK_MS)
			wait_ms = WORKER_TICK_MS;
		if (poll(pfd, npfd, wait_ms) == -1) {
			if (errno != EINTR)
				log_warn("worker: poll");
			continue;
		}
		if (w.fifo_rd != -1 && npfd > 0 && pfd[0].fd == w.fifo_rd &&
		    (pfd[0].revents & (POLLIN | POLLERR | POLLHUP)))
			worker_fifo_drain(&w);
	}
	if (worker_quit)
		log_info("worker: signalled: exiting");
	ret = 0;
out:
	worker_jobs_stop(&w);
	store_close(w.st);
	if (w.fifo_rd != -1)
		close(w.fifo_rd);
	if (w.fifo_wr != -1)
		close(w.fifo_wr);
	free(w.jobs);
	free(pfd);
	if (lockfd != -1)
		close(lockfd);
	return ret;
}

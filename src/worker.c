/*
 * worker.c: acmegw-worker, the one background process of a state
 * directory (Berkeley DB's "watcher", SECURITY.md B5), and the responder's
 * side that starts it on demand.
 *
 * Owns state_dir/worker.lock (an flock held by the running worker),
 * state_dir/responder.seen (its mtime: the last time a responder said it
 * was alive) and the upkeep schedule: the lock detector several times a
 * second, failchk every second, checkpoints, nonce expiry, idle exit.
 * Validation jobs will run from worker_jobs() (state_dir/worker.fifo will
 * wake it; nothing creates that FIFO yet).
 *
 * Must never: let a responder's descriptors (fd 0 is the FastCGI listen
 * socket) or environment reach the worker; block a responder for long;
 * touch the caller's Berkeley DB handles after fork() (B14): the worker is
 * exec'd and opens its own store.
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
#define WORKER_IDLE_MS		1000	/* responder.seen check */
#define WORKER_LOCK_TRIES	5	/* flock attempts, 50 ms apart */

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

struct worker {
	const struct conf *conf;
	struct store	*st;
	int64_t		 started;	/* ms, monotonic */
	time_t		 started_wall;
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

/*
 * Validation jobs: later issues add them here.  A responder commits a job
 * to the store and pokes state_dir/worker.fifo; the main loop then calls
 * this, which runs due jobs through acmegw-validate (outside any
 * transaction: B15) and retries jobs a crash interrupted.  There are no
 * jobs yet.  Returns 0, or -1 on a store failure.
 */
static int
worker_jobs(struct worker *w, time_t now)
{
	(void)w;
	(void)now;
	return 0;
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

/*
 * Run the worker of conf->state_dir until SIGTERM or SIGINT, or until no
 * responder has been seen for conf->worker_idle_exit seconds: take the
 * flock on state_dir/worker.lock (if another worker holds it, return 0 at
 * once), open the store, then every 200 ms run the lock detector, every
 * second failchk, every 10 s expire nonces, every 60 s checkpoint, and run
 * queued jobs.  When the environment needs recovery, a fresh worker takes
 * over (worker_recover()) and this one returns -1 at once.  Returns 0 on
 * a normal exit, -1 on failure (after log lines).
 */
int
worker_main(const struct conf *conf)
{
	struct worker		 w;
	struct sigaction	 sa;
	char			 err[512];
	int64_t			 now_ms, next_fail, next_ckp, next_nonce;
	int64_t			 next_idle;
	time_t			 now;
	size_t			 n;
	int			 lockfd = -1, rc, ret = -1;

	assert(conf != NULL && conf->state_dir != NULL);
	memset(&w, 0, sizeof(w));
	w.conf = conf;
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

	if ((w.st = store_open(conf, STORE_WORKER, err, sizeof(err))) ==
	    NULL) {
		log_warnx("worker: %s", err);
		goto out;
	}
	w.started = worker_ms();
	w.started_wall = time(NULL);
	log_info("worker: running for %s", conf->state_dir);

	next_fail = next_nonce = next_idle = w.started;
	next_ckp = w.started + WORKER_CHECKPOINT_MS;
	while (!worker_quit) {
		now_ms = worker_ms();
		now = time(NULL);

		if (w.st->panic || worker_detect(&w) == DB_RUNRECOVERY) {
			worker_recover(&w, &lockfd);
			goto out;
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
		if (now_ms >= next_ckp) {
			next_ckp = now_ms + WORKER_CHECKPOINT_MS;
			if ((rc = w.st->env->txn_checkpoint(w.st->env, 1024,
			    1, 0)) != 0)
				log_warnx("worker: DB_ENV->txn_checkpoint: "
				    "%s", db_strerror(rc));
		}
		if (worker_jobs(&w, now) == -1)
			log_warnx("worker: jobs failed; will retry");
		if (now_ms >= next_idle) {
			next_idle = now_ms + WORKER_IDLE_MS;
			if (worker_is_idle(&w, now)) {
				log_info("worker: no responder seen for %u "
				    "s: exiting", conf->worker_idle_exit);
				break;
			}
		}
		/* The FIFO descriptor of worker_jobs() will go here. */
		if (poll(NULL, 0, WORKER_TICK_MS) == -1 && errno != EINTR)
			log_warn("worker: poll");
	}
	if (worker_quit)
		log_info("worker: signalled: exiting");
	ret = 0;
out:
	store_close(w.st);
	if (lockfd != -1)
		close(lockfd);
	return ret;
}

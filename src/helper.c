/*
 * helper.c: the parent's side of acmegw's helper programs.
 *
 * Owns running one helper (acmegw-validate for the worker, acmegw-sign for
 * the responder): two pipes made with O_CLOEXEC, posix_spawn(3), and in
 * the child fd 0 = the request pipe, fd 1 = the answer pipe, fd 2 kept,
 * every other descriptor closed, signal dispositions and mask reset,
 * execve() of the configured absolute path with an environment holding
 * only PATH.  posix_spawn rather than fork(): glibc starts the child with
 * clone(CLONE_VM | CLONE_VFORK), so the caller's page tables are not
 * copied and its pages are not made copy-on-write for the instant before
 * execve() (about 0.6 ms of CPU a helper for a responder, measured).  The
 * parent writes the request (at most HELPER_IO_MAX bytes), reads the
 * answer (at most HELPER_IO_MAX bytes; more kills the helper), reaps it,
 * and holds one absolute CLOCK_MONOTONIC deadline: every wait gets only
 * what remains, and at the deadline the helper gets SIGKILL and is reaped.
 * The exit status decides: 0 means the helper answered, anything else is
 * an internal failure.  helper_run() does all of it blocking; the
 * helper_start() family lets one poll() loop run many helpers at once.
 *
 * Must never: let a descriptor of the caller reach the helper (fd 0 of a
 * FastCGI responder is its listen socket; the store's files are open);
 * touch the caller's Berkeley DB handles or stdio in the child (the child
 * runs only posix_spawn's own file actions before execve()); block past the
 * deadline; let a vanished helper kill the caller with SIGPIPE (writes
 * run with SIGPIPE blocked and a pending one is taken back, so a closed
 * pipe is an error return even when the caller did not ignore SIGPIPE;
 * callers ignore it anyway, as STYLE.md asks); leave a zombie (every
 * helper is reaped with waitpid() on its own pid, so SIGCHLD must not be
 * ignored: the status would be lost, which counts as a failure).
 */
#define _GNU_SOURCE		/* pipe2, posix_spawn closefrom action */

#include <sys/types.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acmegw.h"

#define HELPER_PATH_ENV		"PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define HELPER_EXIT_TICK_MS	50	/* exit checks without a pidfd */
#define HELPER_REFUSED_MS	250	/* grace after its input closed */

struct helper {
	pid_t		 pid;		/* -1 once reaped */
	int		 infd;		/* request pipe, write end; -1 */
	int		 outfd;		/* answer pipe, read end; -1 */
	int		 pidfd;		/* readable at exit; -1 if none */
	char		*in;		/* copy of the request */
	size_t		 insz;
	size_t		 inoff;		/* bytes written so far */
	char		*out;		/* the answer, NUL after outsz (room:
					   HELPER_IO_MAX + 1 bytes, NUL) */
	size_t		 outsz;
	uint64_t	 deadline;	/* CLOCK_MONOTONIC, ms */
	unsigned int	 timeout_ms;
	int		 status;	/* wait status or HELPER_ST_* */
	int		 done;
	int		 failed;	/* killed or I/O error: no answer */
	int		 refused;	/* closed its input before the end */
	uint64_t	 refused_kill;	/* then killed at this time, ms */
	char		 name[64];	/* basename of the program */
	char		 err[256];	/* why it failed */
};

/* Milliseconds of CLOCK_MONOTONIC. */
static uint64_t
helper_clock_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void	helper_errf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Write a message into err (if any). */
static void
helper_errf(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* Close *fd if open and mark it closed. */
static void
helper_close(int *fd)
{
	if (*fd != -1)
		(void)close(*fd);
	*fd = -1;
}

/*
 * Move *fd to a descriptor above 2 (close-on-exec), so that dup2() in the
 * child never lands on its own source and fd 2 is never one of our pipes.
 */
static int
helper_fd_above2(int *fd)
{
	int	 nfd;

	if (*fd > 2)
		return 0;
	if ((nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3)) == -1)
		return -1;
	(void)close(*fd);
	*fd = nfd;
	return 0;
}

/*
 * Start path with argv and envp as a child whose fd 0 is rfd, fd 1 is wfd
 * (both above 2, helper_fd_above2()), fd 2 the caller's, every other
 * descriptor closed, every signal at its default action and none
 * blocked.  Returns 0 with *pid set, or an errno value: the child could
 * not be made, or the program could not be executed (glibc's posix_spawn
 * reports a failed execve() here and reaps that child itself).
 */
static int
helper_spawn(pid_t *pid, int rfd, int wfd, const char *path,
    char *const argv[], char *const envp[])
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	sigset_t			 all, none;
	int				 e, fa_up = 0, at_up = 0;

	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		goto out;
	fa_up = 1;
	if ((e = posix_spawnattr_init(&at)) != 0)
		goto out;
	at_up = 1;
	/* dup2() clears close-on-exec on 0 and 1; fd 2 stays as it is. */
	if ((e = posix_spawn_file_actions_adddup2(&fa, rfd, 0)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, wfd, 1)) != 0 ||
	    (e = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0)
		goto out;
	/* Ignored signals stay ignored across execve(): reset them all. */
	sigfillset(&all);
	sigemptyset(&none);
	if ((e = posix_spawnattr_setsigdefault(&at, &all)) != 0 ||
	    (e = posix_spawnattr_setsigmask(&at, &none)) != 0 ||
	    (e = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
	    POSIX_SPAWN_SETSIGMASK)) != 0)
		goto out;
	e = posix_spawn(pid, path, &fa, &at, argv, envp);
out:
	if (at_up)
		(void)posix_spawnattr_destroy(&at);
	if (fa_up)
		(void)posix_spawn_file_actions_destroy(&fa);
	return e;
}

/* Reap h's child with a blocking waitpid(); sets h->status unless set. */
static void
helper_reap(struct helper *h, int keep_status)
{
	pid_t	 w;
	int	 st;

	if (h->pid == -1)
		return;
	while ((w = waitpid(h->pid, &st, 0)) == -1 && errno == EINTR)
		continue;
	if (!keep_status)
		h->status = w == -1 ? HELPER_ST_LOST : st;
	h->pid = -1;
	helper_close(&h->pidfd);
}

/*
 * Kill h's child (SIGKILL), reap it, close the pipes and mark h done and
 * failed with status st (HELPER_ST_KILLED or HELPER_ST_TIMEOUT) and the
 * reason why, which is also logged.
 */
static void
helper_abort(struct helper *h, int st, const char *why)
{
	if (h->pid != -1) {
		if (kill(h->pid, SIGKILL) == -1 && errno != ESRCH)
			log_warn("helper: %s: kill %ld", h->name, (long)h->pid);
		helper_reap(h, 1);
		log_warnx("helper: %s: %s: killed", h->name, why);
	}
	helper_close(&h->infd);
	helper_close(&h->outfd);
	helper_close(&h->pidfd);
	if (!h->done) {
		h->status = st;
		h->failed = 1;
		h->done = 1;
		snprintf(h->err, sizeof(h->err), "%s: %s", h->name, why);
	}
}

/*
 * Start the helper program path (absolute) with argv (NULL: just the
 * path), an environment holding only PATH, fd 0 reading the request
 * in[0..insz) (copied; at most HELPER_IO_MAX bytes), fd 1 writing the
 * answer to us and fd 2 shared with the caller; no other descriptor
 * reaches it.  The deadline is timeout_ms from now.  Nothing is written
 * or read yet: drive it with helper_step().  Returns the helper (free it
 * with helper_free()), or NULL with a sentence in err when the pipes or
 * the child could not be made.  A program that cannot be executed is
 * logged and comes back as a helper that is done already, as if it had
 * exited with status 127 (the shell's "cannot execute").
 */
struct helper *
helper_start(const char *path, char *const argv[], const void *in,
    size_t insz, unsigned int timeout_ms, char *err, size_t errsz)
{
	struct helper	*h = NULL, *ret = NULL;
	char		*defargv[2], *envp[2];
	const char	*base;
	int		 e;
	int		 inp[2] = { -1, -1 }, outp[2] = { -1, -1 };

	assert(path != NULL && (in != NULL || insz == 0));
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	if (path[0] != '/') {
		helper_errf(err, errsz, "%s: the helper path must be "
		    "absolute", path);
		goto out;
	}
	if (insz > HELPER_IO_MAX) {
		helper_errf(err, errsz, "%s: request of %zu bytes is larger "
		    "than %d", base, insz, HELPER_IO_MAX);
		goto out;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->in = malloc(insz > 0 ? insz : 1)) == NULL ||
	    (h->out = malloc(HELPER_IO_MAX + 2)) == NULL) {
		helper_errf(err, errsz, "%s: %s", base, strerror(errno));
		goto out;
	}
	h->pid = -1;
	h->infd = h->outfd = h->pidfd = -1;
	if (insz > 0)
		memcpy(h->in, in, insz);
	h->insz = insz;
	h->out[0] = '\0';
	h->timeout_ms = timeout_ms;
	h->status = HELPER_ST_LOST;
	snprintf(h->name, sizeof(h->name), "%s", base);

	if (pipe2(inp, O_CLOEXEC) == -1 || pipe2(outp, O_CLOEXEC) == -1 ||
	    helper_fd_above2(&inp[0]) == -1 ||
	    helper_fd_above2(&inp[1]) == -1 ||
	    helper_fd_above2(&outp[0]) == -1 ||
	    helper_fd_above2(&outp[1]) == -1) {
		helper_errf(err, errsz, "%s: pipe: %s", base, strerror(errno));
		goto out;
	}
	defargv[0] = (char *)path;
	defargv[1] = NULL;
	envp[0] = HELPER_PATH_ENV;
	envp[1] = NULL;
	h->deadline = helper_clock_ms() + timeout_ms;

	e = helper_spawn(&h->pid, inp[0], outp[1], path,
	    argv != NULL ? argv : defargv, envp);
	if (e == EAGAIN || e == ENOMEM) {
		h->pid = -1;
		helper_errf(err, errsz, "%s: cannot start a process: %s", base,
		    strerror(e));
		goto out;
	}
	if (e != 0) {
		/* The child is gone already: done, "exited with 127". */
		log_warnx("helper: cannot execute %s: %s", path, strerror(e));
		h->pid = -1;
		h->status = W_EXITCODE(127, 0);
		h->done = 1;
		ret = h;
		h = NULL;
		goto out;
	}
	helper_close(&inp[0]);
	helper_close(&outp[1]);
	h->infd = inp[1];
	h->outfd = outp[0];
	inp[1] = outp[0] = -1;
	if (fcntl(h->infd, F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(h->outfd, F_SETFL, O_NONBLOCK) == -1) {
		helper_errf(err, errsz, "%s: fcntl: %s", base,
		    strerror(errno));
		goto out;
	}
#ifdef SYS_pidfd_open
	/* Readable once the child exits (Linux 5.3); close-on-exec. */
	h->pidfd = (int)syscall(SYS_pidfd_open, h->pid, 0);
	if (h->pidfd < 0)
		h->pidfd = -1;
#endif
	if (h->insz == 0)
		helper_close(&h->infd);
	log_debug("helper: %s: started, pid %ld, %zu bytes in, deadline %u "
	    "ms", h->name, (long)h->pid, insz, timeout_ms);
	ret = h;
	h = NULL;
out:
	helper_close(&inp[0]);
	helper_close(&inp[1]);
	helper_close(&outp[0]);
	helper_close(&outp[1]);
	if (h != NULL && h->pid != -1)
		helper_abort(h, HELPER_ST_KILLED, "set-up failed");
	helper_free(h);
	return ret;
}

/*
 * Write what the pipe takes of the rest of the request, with SIGPIPE
 * blocked; a SIGPIPE raised by a closed pipe is taken back unless one was
 * already pending.  Returns 0 (progress or EAGAIN), or -1 with errno
 * (EPIPE: the helper closed its input).
 */
static int
helper_write(struct helper *h)
{
	sigset_t	 pipeset, old, pend;
	struct timespec	 zero = { 0, 0 };
	ssize_t		 n;
	int		 was_pending, rc = 0, saved = 0;

	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	sigemptyset(&pend);
	(void)sigpending(&pend);
	was_pending = sigismember(&pend, SIGPIPE);
	(void)sigprocmask(SIG_BLOCK, &pipeset, &old);
	while (h->inoff < h->insz) {
		n = write(h->infd, h->in + h->inoff, h->insz - h->inoff);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				saved = errno;
				rc = -1;
			}
			break;
		}
		h->inoff += (size_t)n;
	}
	if (rc == -1 && saved == EPIPE && !was_pending)
		while (sigtimedwait(&pipeset, NULL, &zero) == -1 &&
		    errno == EINTR)
			continue;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return rc;
}

/*
 * Read what the pipe holds of the answer.  Returns 0 (progress, EAGAIN or
 * EOF: the read end is then closed), 1 when the answer grew past
 * HELPER_IO_MAX, or -1 with errno on a read error.
 */
static int
helper_read(struct helper *h)
{
	ssize_t	 n;

	while (h->outfd != -1) {
		n = read(h->outfd, h->out + h->outsz,
		    HELPER_IO_MAX + 1 - h->outsz);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		if (n == 0) {
			helper_close(&h->outfd);
			break;
		}
		h->outsz += (size_t)n;
		h->out[h->outsz] = '\0';
		if (h->outsz > HELPER_IO_MAX)
			return 1;
	}
	return 0;
}

/*
 * Make whatever progress h allows without blocking: write more of the
 * request, read more of the answer, reap the child once it exited, and
 * kill it (SIGKILL, then reaped) when it closed its input before reading
 * the whole request (after HELPER_REFUSED_MS, so that a helper on its
 * way out, such as one whose execve() failed, is reaped with its own
 * status), when its answer passes HELPER_IO_MAX bytes, or when the
 * deadline passed.  A child that exited is done once the answer pipe
 * has nothing more (output of a grandchild still holding the pipe is not
 * waited for).  Returns 1 when h is done (helper_answer() tells the
 * outcome), 0 while it still runs.
 */
int
helper_step(struct helper *h)
{
	char	 why[128];
	pid_t	 w;
	int	 st, rc;

	assert(h != NULL);
	if (h->done)
		goto out;

	if (h->infd != -1) {
		if (helper_write(h) == -1) {
			if (errno != EPIPE) {
				snprintf(why, sizeof(why), "writing the "
				    "request: %s", strerror(errno));
				helper_abort(h, HELPER_ST_KILLED, why);
				goto out;
			}
			/*
			 * The helper closed its input early.  It may be
			 * exiting (a failed execve(): status 127 says more
			 * than we could): give it a moment, then kill it.
			 */
			helper_close(&h->infd);
			h->refused = 1;
			h->refused_kill = helper_clock_ms() + HELPER_REFUSED_MS;
		} else if (h->inoff == h->insz)
			helper_close(&h->infd);
	}

	if (h->pid != -1) {
		while ((w = waitpid(h->pid, &st, WNOHANG)) == -1 &&
		    errno == EINTR)
			continue;
		if (w == h->pid) {
			h->status = st;
			h->pid = -1;
			helper_close(&h->pidfd);
		} else if (w == -1) {
			/* ECHILD: SIGCHLD is ignored and the kernel reaped. */
			log_warn("helper: %s: waitpid", h->name);
			h->status = HELPER_ST_LOST;
			h->pid = -1;
			helper_close(&h->pidfd);
		}
	}

	/* After the reap: what the child wrote before exiting is there. */
	if ((rc = helper_read(h)) != 0) {
		if (rc == 1)
			snprintf(why, sizeof(why), "answer larger than %d "
			    "bytes", HELPER_IO_MAX);
		else
			snprintf(why, sizeof(why), "reading the answer: %s",
			    strerror(errno));
		helper_abort(h, HELPER_ST_KILLED, why);
		goto out;
	}

	if (h->pid == -1) {
		h->done = 1;
		if (h->status == HELPER_ST_LOST) {
			h->failed = 1;
			snprintf(h->err, sizeof(h->err), "%s: its exit status "
			    "was lost (is SIGCHLD ignored?)", h->name);
		} else if ((h->infd != -1 || h->refused) &&
		    WIFEXITED(h->status) && WEXITSTATUS(h->status) == 0) {
			/* Otherwise helper_answer() tells the status. */
			h->failed = 1;
			snprintf(h->err, sizeof(h->err), "%s: exited before "
			    "reading the whole request", h->name);
		}
		helper_close(&h->infd);
		helper_close(&h->outfd);
		goto out;
	}

	if (h->refused && helper_clock_ms() >= h->refused_kill) {
		helper_abort(h, HELPER_ST_KILLED, "closed its standard input "
		    "before reading the whole request");
		goto out;
	}
	if (helper_clock_ms() >= h->deadline) {
		snprintf(why, sizeof(why), "did not finish within %u ms",
		    h->timeout_ms);
		helper_abort(h, HELPER_ST_TIMEOUT, why);
	}
out:
	return h->done;
}

/*
 * Fill pfd (room for n >= HELPER_POLLFDS entries) with the descriptors h
 * waits on: the request pipe (POLLOUT) while writing, the answer pipe
 * (POLLIN) while reading, and the child's pidfd (POLLIN) until it is
 * reaped.  Returns the number of entries filled (0 once h is done).  Any
 * event on them means: call helper_step().
 */
size_t
helper_pollfds(const struct helper *h, struct pollfd *pfd, size_t n)
{
	size_t	 i = 0;

	assert(h != NULL && pfd != NULL && n >= HELPER_POLLFDS);
	if (h->done)
		return 0;
	if (h->infd != -1) {
		pfd[i].fd = h->infd;
		pfd[i].events = POLLOUT;
		pfd[i++].revents = 0;
	}
	if (h->outfd != -1) {
		pfd[i].fd = h->outfd;
		pfd[i].events = POLLIN;
		pfd[i++].revents = 0;
	}
	if (h->pidfd != -1 && h->pid != -1) {
		pfd[i].fd = h->pidfd;
		pfd[i].events = POLLIN;
		pfd[i++].revents = 0;
	}
	return i;
}

/*
 * The longest a poll() for h may wait, in milliseconds: what remains
 * before its deadline, less when the child's exit can only be noticed by
 * asking (no pidfd).  0 when h is done or the deadline passed.
 */
int
helper_wait_ms(const struct helper *h)
{
	uint64_t	 now, left;

	assert(h != NULL);
	if (h->done)
		return 0;
	now = helper_clock_ms();
	left = now >= h->deadline ? 0 : h->deadline - now;
	if (h->refused && h->refused_kill < h->deadline)
		left = now >= h->refused_kill ? 0 : h->refused_kill - now;
	if (h->pid != -1 && h->pidfd == -1 && left > HELPER_EXIT_TICK_MS)
		left = HELPER_EXIT_TICK_MS;
	if (left > INT_MAX)
		left = INT_MAX;
	return (int)left;
}

/* Predicate: 1 when h is done (answered, failed or killed), else 0. */
int
helper_is_done(const struct helper *h)
{
	assert(h != NULL);
	return h->done;
}

/*
 * Predicate: 1 when h was killed at its deadline, else 0.
 */
int
helper_is_timed_out(const struct helper *h)
{
	assert(h != NULL);
	return h->done && h->status == HELPER_ST_TIMEOUT;
}

/*
 * The outcome of a done helper.  *status (when status is not NULL) gets
 * the wait status of the child as waitpid() gave it, or HELPER_ST_KILLED
 * (killed by us: answer too large, input closed early, I/O error),
 * HELPER_ST_TIMEOUT (killed at the deadline) or HELPER_ST_LOST (exit
 * status lost).  Returns 0 when the helper read the whole request and
 * exited 0: it answered, *out (borrowed from h until helper_free(),
 * NUL-terminated, possibly empty) and *outsz hold the answer.  Otherwise
 * returns -1 with a sentence naming the program in err (*out NULL).
 */
int
helper_answer(const struct helper *h, const char **out, size_t *outsz,
    int *status, char *err, size_t errsz)
{
	int	 rc = -1;

	assert(h != NULL && h->done && out != NULL && outsz != NULL);
	*out = NULL;
	*outsz = 0;
	if (status != NULL)
		*status = h->status;
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (h->failed) {
		helper_errf(err, errsz, "%s", h->err);
		goto out;
	}
	if (WIFSIGNALED(h->status)) {
		helper_errf(err, errsz, "%s: killed by signal %d", h->name,
		    WTERMSIG(h->status));
		goto out;
	}
	if (!WIFEXITED(h->status) || WEXITSTATUS(h->status) != 0) {
		helper_errf(err, errsz, "%s: exited with status %d%s", h->name,
		    WIFEXITED(h->status) ? WEXITSTATUS(h->status) : -1,
		    WIFEXITED(h->status) && WEXITSTATUS(h->status) == 127 ?
		    " (could it be executed?)" : "");
		goto out;
	}
	*out = h->out;
	*outsz = h->outsz;
	rc = 0;
out:
	return rc;
}

/*
 * Kill a helper that has not finished (SIGKILL, then reaped): it is then
 * done and failed, with why (a short sentence) as its error.  Nothing
 * happens to a helper that is done already.
 */
void
helper_kill(struct helper *h, const char *why)
{
	assert(h != NULL && why != NULL);
	if (!h->done)
		helper_abort(h, HELPER_ST_KILLED, why);
}

/*
 * Free h (NULL is fine), killing and reaping its child first if it still
 * runs, so no zombie is left behind.
 */
void
helper_free(struct helper *h)
{
	if (h == NULL)
		return;
	if (!h->done || h->pid != -1)
		helper_abort(h, HELPER_ST_KILLED, "abandoned");
	helper_close(&h->infd);
	helper_close(&h->outfd);
	helper_close(&h->pidfd);
	free(h->in);
	free(h->out);
	free(h);
}

/*
 * Run the helper program path (absolute) with argv (NULL: just the path)
 * as helper_start() does, hand it in[0..insz) on its standard input and
 * wait, at most timeout_ms in all, for its answer and exit.  *status
 * (when status is not NULL) gets what helper_answer() says.  Returns 0
 * when it answered (exit 0): *out is a malloc'd, NUL-terminated copy of
 * the answer (the caller frees it) and *outsz its length.  Returns -1
 * otherwise (could not start, exit status not 0, killed by a signal,
 * killed at the deadline, answer larger than HELPER_IO_MAX, input closed
 * early) with a sentence in err and *out NULL.  SIGCHLD must not be
 * ignored by the caller.
 */
int
helper_run(const char *path, char *const argv[], const void *in,
    size_t insz, unsigned int timeout_ms, char **out, size_t *outsz,
    int *status, char *err, size_t errsz)
{
	struct helper	*h = NULL;
	struct pollfd	 pfd[HELPER_POLLFDS];
	const char	*ans;
	size_t		 n, anssz;
	int		 rc = -1;

	assert(out != NULL && outsz != NULL);
	*out = NULL;
	*outsz = 0;
	if (status != NULL)
		*status = HELPER_ST_LOST;
	if ((h = helper_start(path, argv, in, insz, timeout_ms, err,
	    errsz)) == NULL)
		goto out;
	while (!helper_step(h)) {
		n = helper_pollfds(h, pfd, HELPER_POLLFDS);
		if (poll(pfd, n, helper_wait_ms(h)) == -1 && errno != EINTR) {
			helper_errf(err, errsz, "%s: poll: %s", h->name,
			    strerror(errno));
			helper_kill(h, "poll failed");
			goto out;
		}
	}
	if (helper_answer(h, &ans, &anssz, status, err, errsz) == -1)
		goto out;
	if ((*out = malloc(anssz + 1)) == NULL) {
		helper_errf(err, errsz, "%s: %s", h->name, strerror(errno));
		goto out;
	}
	memcpy(*out, ans, anssz + 1);
	*outsz = anssz;
	rc = 0;
out:
	helper_free(h);
	return rc;
}

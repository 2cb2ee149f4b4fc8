/*
 * check_helper.c: unit tests for helper.c, the parent's side of the
 * helper programs (STYLE.md "Processes and helpers").
 *
 * Every test runs a real child: /bin/cat as an echo helper, /bin/sh
 * scripts that fail, sleep past the deadline, answer too much, close their
 * input early or list their descriptors, /usr/bin/env and /bin/grep to
 * look at the environment and the signal dispositions a helper gets.
 */
#define _GNU_SOURCE

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <valgrind/valgrind.h>

#include "acmegw.h"

#define SH	"/bin/sh"

static double
mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Whether this process has no child left (nothing unreaped). */
static int
no_children(void)
{
	int	 st;

	return waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD;
}

/* helper_run() of "/bin/sh -c script" with request in. */
static int
run_sh(const char *script, const char *in, unsigned int timeout_ms,
    char **out, size_t *outsz, int *status, char *err, size_t errsz)
{
	char	*argv[] = { "sh", "-c", (char *)script, NULL };

	return helper_run(SH, argv, in, in != NULL ? strlen(in) : 0,
	    timeout_ms, out, outsz, status, err, errsz);
}

static void
setup(void)
{
	log_init("check_helper", 0);
}

/* ------------------------------------------------------------------ */
/* helper_run                                                           */
/* ------------------------------------------------------------------ */

START_TEST(test_helper_run_cat_echo)
{
	char	*argv[] = { "cat", NULL };
	char	*out = NULL, err[256];
	size_t	 outsz;
	int	 status;

	ck_assert_int_eq(helper_run("/bin/cat", argv, "{\"v\":1}\n", 8, 5000,
	    &out, &outsz, &status, err, sizeof(err)), 0);
	ck_assert_uint_eq(outsz, 8);
	ck_assert_str_eq(out, "{\"v\":1}\n");
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(out);
	ck_assert(no_children());
}
END_TEST

/* Both directions at once: 64 KiB in and out must not deadlock. */
START_TEST(test_helper_run_cat_64k_both_ways)
{
	char	*in, *out = NULL, err[256];
	size_t	 outsz, i;
	int	 status;

	in = malloc(HELPER_IO_MAX);
	ck_assert_ptr_nonnull(in);
	for (i = 0; i < HELPER_IO_MAX; i++)
		in[i] = (char)('a' + i % 26);
	ck_assert_msg(helper_run("/bin/cat", NULL, in, HELPER_IO_MAX, 5000,
	    &out, &outsz, &status, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(outsz, HELPER_IO_MAX);
	ck_assert(memcmp(out, in, HELPER_IO_MAX) == 0);
	free(out);
	free(in);
}
END_TEST

START_TEST(test_helper_run_empty_request)
{
	char	*out = NULL, err[256];
	size_t	 outsz;
	int	 status;

	ck_assert_int_eq(helper_run("/bin/cat", NULL, NULL, 0, 5000, &out,
	    &outsz, &status, err, sizeof(err)), 0);
	ck_assert_uint_eq(outsz, 0);
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

START_TEST(test_helper_run_exit1)
{
	char	*out = NULL, err[256];
	size_t	 outsz;
	int	 status;

	/* An answer with exit status 1 is no answer. */
	ck_assert_int_eq(run_sh("cat >/dev/null; echo '{}'; exit 1", "x",
	    5000, &out, &outsz, &status, err, sizeof(err)), -1);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(outsz, 0);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	ck_assert_msg(strstr(err, "exited with status 1") != NULL, "%s", err);
	ck_assert(no_children());
}
END_TEST

START_TEST(test_helper_run_killed_by_signal)
{
	char	*out = NULL, err[256];
	size_t	 outsz;
	int	 status;

	ck_assert_int_eq(run_sh("kill -9 $$", NULL, 5000, &out, &outsz,
	    &status, err, sizeof(err)), -1);
	ck_assert_ptr_null(out);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_msg(strstr(err, "signal 9") != NULL, "%s", err);
}
END_TEST

START_TEST(test_helper_run_not_executable)
{
	char	*out = NULL, err[256];
	size_t	 outsz;
	int	 status;

	ck_assert_int_eq(helper_run("/nonexistent/acmegw-validate", NULL,
	    "x", 1, 5000, &out, &outsz, &status, err, sizeof(err)), -1);
	ck_assert_ptr_null(out);
	/*
	 * Under valgrind the forked child's _exit(127) runs valgrind's leak
	 * check over the parent's copied heap, which turns 127 into the
	 * --error-exitcode.
	 */
	if (RUNNING_ON_VALGRIND) {
		ck_assert(status != 0);
	} else {
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 127);
		ck_assert_msg(strstr(err, "127") != NULL, "%s", err);
	}
	ck_assert(no_children());
}
END_TEST

START_TEST(test_helper_run_relative_path)
{
	char	*out = NULL, err[256];
	size_t	 outsz;
	int	 status;

	ck_assert_int_eq(helper_run("cat", NULL, "x", 1, 5000, &out, &outsz,
	    &status, err, sizeof(err)), -1);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(status, HELPER_ST_LOST);
	ck_assert_msg(strstr(err, "absolute") != NULL, "%s", err);
}
END_TEST

START_TEST(test_helper_run_request_too_large)
{
	char	*in, *out = NULL, err[256];
	size_t	 outsz;
	int	 status;

	in = calloc(1, HELPER_IO_MAX + 1);
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(helper_run("/bin/cat", NULL, in, HELPER_IO_MAX + 1,
	    5000, &out, &outsz, &status, err, sizeof(err)), -1);
	ck_assert_ptr_null(out);
	ck_assert_msg(strstr(err, "larger than") != NULL, "%s", err);
	ck_assert(no_children());
	free(in);
}
END_TEST

/* Killed at the deadline, even when it ignores SIGTERM; nothing left. */
START_TEST(test_helper_run_deadline)
{
	char	*out = NULL, err[256];
	size_t	 outsz;
	int	 status;
	double	 t0, dt;

	t0 = mono();
	ck_assert_int_eq(run_sh("trap '' TERM; echo partial; exec sleep 30",
	    "x", 300, &out, &outsz, &status, err, sizeof(err)), -1);
	dt = mono() - t0;
	ck_assert_ptr_null(out);
	ck_assert_int_eq(status, HELPER_ST_TIMEOUT);
	ck_assert_msg(dt >= 0.29 && dt < 0.8, "took %.3f s", dt);
	ck_assert_msg(strstr(err, "within 300 ms") != NULL, "%s", err);
	ck_assert(no_children());
}
END_TEST

/* A helper that never reads and never writes is killed on time too. */
START_TEST(test_helper_run_deadline_silent)
{
	char	*argv[] = { "sleep", "30", NULL };
	char	*out = NULL, err[256];
	size_t	 outsz;
	int	 status;
	double	 t0, dt;

	t0 = mono();
	ck_assert_int_eq(helper_run("/bin/sleep", argv, NULL, 0, 200, &out,
	    &outsz, &status, err, sizeof(err)), -1);
	dt = mono() - t0;
	ck_assert_int_eq(status, HELPER_ST_TIMEOUT);
	ck_assert_msg(dt >= 0.19 && dt < 0.7, "took %.3f s", dt);
	ck_assert(no_children());
}
END_TEST

/* More than 64 KiB of answer: killed at once, long before the deadline. */
START_TEST(test_helper_run_answer_too_large)
{
	char	*out = NULL, err[256];
	size_t	 outsz;
	int	 status;
	double	 t0, dt;

	t0 = mono();
	ck_assert_int_eq(run_sh("exec yes", NULL, 10000, &out, &outsz,
	    &status, err, sizeof(err)), -1);
	dt = mono() - t0;
	ck_assert_ptr_null(out);
	ck_assert_int_eq(status, HELPER_ST_KILLED);
	ck_assert_msg(strstr(err, "larger than 65536") != NULL, "%s", err);
	ck_assert_msg(dt < 3, "took %.3f s", dt);
	ck_assert(no_children());
}
END_TEST

/* Exactly one byte too many, written at once then exit 0: refused. */
START_TEST(test_helper_run_answer_one_byte_too_large)
{
	char	*out = NULL, err[256];
	size_t	 outsz;
	int	 status;

	ck_assert_int_eq(run_sh("head -c 65537 /dev/zero", NULL, 5000, &out,
	    &outsz, &status, err, sizeof(err)), -1);
	ck_assert_ptr_null(out);
	ck_assert_msg(strstr(err, "larger than") != NULL, "%s", err);
	ck_assert(no_children());
}
END_TEST

/*
 * A helper that exits while a child of its own still holds the answer
 * pipe: done when the helper exits, not when the grandchild does.
 */
START_TEST(test_helper_run_grandchild_holds_pipe)
{
	char	*out = NULL, err[256];
	size_t	 outsz;
	int	 status;
	double	 t0, dt;

	t0 = mono();
	ck_assert_msg(run_sh("sleep 3 & echo done", NULL, 10000, &out,
	    &outsz, &status, err, sizeof(err)) == 0, "%s", err);
	dt = mono() - t0;
	ck_assert_str_eq(out, "done\n");
	ck_assert_msg(dt < 2, "took %.3f s", dt);
	free(out);
}
END_TEST

/*
 * Only fds 0, 1 and 2 reach the helper: not the caller's fd 0 (a
 * listening socket, as in a FastCGI responder), nor descriptors opened
 * without O_CLOEXEC; fd 0 is the request pipe.
 */
START_TEST(test_helper_run_fd_leak)
{
	struct sockaddr_in sin;
	char	*out = NULL, err[256];
	size_t	 outsz;
	int	 status, saved0, lsock, extra, hi;
	const char *script = "for i in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 "
	    "15 16 17 18 19 20 100 200; do [ -e /proc/$$/fd/$i ] && "
	    "printf '%s ' $i; done; readlink /proc/$$/fd/0; cat";

	saved0 = dup(0);
	ck_assert_int_ge(saved0, 0);
	lsock = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(lsock, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(lsock, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(lsock, 1), 0);
	ck_assert_int_eq(dup2(lsock, 0), 0);
	close(lsock);
	extra = open("/dev/null", O_RDONLY);	/* no O_CLOEXEC */
	ck_assert_int_ge(extra, 0);
	hi = dup2(extra, 100);
	ck_assert_int_eq(hi, 100);

	ck_assert_msg(run_sh(script, "request", 5000, &out, &outsz, &status,
	    err, sizeof(err)) == 0, "%s", err);

	ck_assert_int_eq(dup2(saved0, 0), 0);
	close(saved0);
	close(extra);
	close(hi);
	ck_assert_msg(strncmp(out, "0 1 2 pipe:[", 12) == 0, "child: %s",
	    out);
	ck_assert_msg(strstr(out, "]\nrequest") != NULL, "child: %s", out);
	free(out);
}
END_TEST

/* The environment holds PATH and nothing else. */
START_TEST(test_helper_run_clean_env)
{
	char	*argv[] = { "env", NULL };
	char	*out = NULL, err[256];
	size_t	 outsz;
	int	 status;

	setenv("ACMEGW_SECRET_TEST", "leak", 1);
	ck_assert_int_eq(helper_run("/usr/bin/env", argv, NULL, 0, 5000,
	    &out, &outsz, &status, err, sizeof(err)), 0);
	unsetenv("ACMEGW_SECRET_TEST");
	ck_assert_str_eq(out, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n");
	free(out);
}
END_TEST

/* Signals the caller ignores or blocks are reset for the helper. */
START_TEST(test_helper_run_signals_reset)
{
	char		*argv[] = { "grep", "-E", "^Sig(Ign|Blk)",
			    "/proc/self/status", NULL };
	char		*out = NULL, err[256], *p;
	size_t		 outsz;
	int		 status;
	sigset_t	 set, old;
	struct sigaction sa, oterm, ohup;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &oterm);
	sigaction(SIGHUP, &sa, &ohup);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	ck_assert_int_eq(helper_run("/bin/grep", argv, NULL, 0, 5000, &out,
	    &outsz, &status, err, sizeof(err)), 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	sigaction(SIGHUP, &ohup, NULL);
	/*
	 * Standard signals 1-31 only: glibc reserves 32 and 33 and does not
	 * let a program reset them; whoever ran the tests may have left them
	 * ignored.
	 */
	ck_assert_ptr_nonnull(p = strstr(out, "SigBlk:\t"));
	ck_assert_msg((strtoull(p + 8, NULL, 16) & 0x7fffffffULL) == 0, "%s",
	    out);
	ck_assert_ptr_nonnull(p = strstr(out, "SigIgn:\t"));
	ck_assert_msg((strtoull(p + 8, NULL, 16) & 0x7fffffffULL) == 0, "%s",
	    out);
	free(out);
}
END_TEST

/* With SIGCHLD ignored the exit status is lost: a failure, no hang. */
START_TEST(test_helper_run_sigchld_ignored)
{
	struct sigaction sa, old;
	char		*out = NULL, err[256];
	size_t		 outsz;
	int		 status, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &old);
	rc = helper_run("/bin/cat", NULL, "x", 1, 5000, &out, &outsz,
	    &status, err, sizeof(err));
	sigaction(SIGCHLD, &old, NULL);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(status, HELPER_ST_LOST);
	ck_assert_msg(strstr(err, "lost") != NULL, "%s", err);
}
END_TEST

/* ------------------------------------------------------------------ */
/* helper_start / helper_step / helper_pollfds / helper_answer          */
/* ------------------------------------------------------------------ */

/* Drive helpers hv[0..n) with one poll loop until all are done. */
static void
drive(struct helper **hv, size_t n, double limit)
{
	struct pollfd	 pfd[16 * HELPER_POLLFDS];
	size_t		 i, k, left;
	int		 wait, w;
	double		 end = mono() + limit;

	ck_assert(n <= 16);
	for (;;) {
		left = 0;
		k = 0;
		wait = 1000;
		for (i = 0; i < n; i++) {
			if (helper_step(hv[i]))
				continue;
			left++;
			k += helper_pollfds(hv[i], pfd + k, HELPER_POLLFDS);
			if ((w = helper_wait_ms(hv[i])) < wait)
				wait = w;
		}
		if (left == 0)
			break;
		ck_assert_msg(mono() < end, "helpers still running");
		ck_assert(poll(pfd, k, wait) >= 0 || errno == EINTR);
	}
}

/* Several helpers at once from one poll loop: they overlap. */
START_TEST(test_helper_step_concurrent)
{
	char		*argv[] = { "sh", "-c", "read x; sleep 0.4; "
			    "echo \"$x\"", NULL };
	struct helper	*hv[4];
	char		 in[16], want[16], err[256];
	const char	*out;
	size_t		 outsz, i;
	int		 status;
	double		 t0, dt;

	t0 = mono();
	for (i = 0; i < 4; i++) {
		snprintf(in, sizeof(in), "job%zu\n", i);
		hv[i] = helper_start(SH, argv, in, strlen(in), 5000, err,
		    sizeof(err));
		ck_assert_msg(hv[i] != NULL, "%s", err);
		ck_assert(!helper_is_done(hv[i]));
	}
	drive(hv, 4, 5);
	dt = mono() - t0;
	ck_assert_msg(dt < 1.2, "not concurrent: %.3f s", dt);
	for (i = 0; i < 4; i++) {
		ck_assert(helper_is_done(hv[i]));
		ck_assert(!helper_is_timed_out(hv[i]));
		ck_assert_int_eq(helper_answer(hv[i], &out, &outsz, &status,
		    err, sizeof(err)), 0);
		snprintf(want, sizeof(want), "job%zu\n", i);
		ck_assert_str_eq(out, want);
		ck_assert_uint_eq(outsz, strlen(want));
		helper_free(hv[i]);
	}
	ck_assert(no_children());
}
END_TEST

/* One helper times out while another one answers. */
START_TEST(test_helper_step_one_times_out)
{
	char		*slow[] = { "sleep", "30", NULL };
	struct helper	*hv[2];
	char		 err[256];
	const char	*out;
	size_t		 outsz;
	int		 status;

	hv[0] = helper_start("/bin/sleep", slow, NULL, 0, 300, err,
	    sizeof(err));
	hv[1] = helper_start("/bin/cat", NULL, "ok", 2, 5000, err,
	    sizeof(err));
	ck_assert(hv[0] != NULL && hv[1] != NULL);
	drive(hv, 2, 3);
	ck_assert(helper_is_timed_out(hv[0]));
	ck_assert_int_eq(helper_answer(hv[0], &out, &outsz, &status, err,
	    sizeof(err)), -1);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(status, HELPER_ST_TIMEOUT);
	ck_assert(!helper_is_timed_out(hv[1]));
	ck_assert_int_eq(helper_answer(hv[1], &out, &outsz, &status, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(out, "ok");
	helper_free(hv[0]);
	helper_free(hv[1]);
	ck_assert(no_children());
}
END_TEST

/*
 * The helper closes its standard input before the request is written:
 * an error return, and this process (SIGPIPE at its default, fatal
 * disposition here) survives.
 */
START_TEST(test_helper_step_stdin_closed_early)
{
	char		*argv[] = { "sh", "-c", "exec 0<&-; sleep 2; "
			    "echo late", NULL };
	struct helper	*h;
	struct sigaction sa, old;
	char		 err[256];
	const char	*out;
	size_t		 outsz;
	int		 status;
	double		 t0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, &old);
	h = helper_start(SH, argv, "request", 7, 5000, err, sizeof(err));
	ck_assert_msg(h != NULL, "%s", err);
	/* Let it close its input before the first write. */
	usleep(500000);
	t0 = mono();
	drive(&h, 1, 4);
	ck_assert_msg(mono() - t0 < 1, "not killed soon");
	ck_assert_int_eq(helper_answer(h, &out, &outsz, &status, err,
	    sizeof(err)), -1);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(status, HELPER_ST_KILLED);
	ck_assert_msg(strstr(err, "standard input") != NULL, "%s", err);
	helper_free(h);
	sigaction(SIGPIPE, &old, NULL);
	ck_assert(no_children());
}
END_TEST

START_TEST(test_helper_kill_running)
{
	char		*argv[] = { "sleep", "30", NULL };
	struct helper	*h;
	char		 err[256];
	const char	*out;
	size_t		 outsz;
	int		 status;

	h = helper_start("/bin/sleep", argv, NULL, 0, 30000, err,
	    sizeof(err));
	ck_assert(h != NULL);
	ck_assert_int_eq(helper_step(h), 0);
	helper_kill(h, "worker shutting down");
	ck_assert(helper_is_done(h));
	ck_assert(!helper_is_timed_out(h));
	ck_assert_int_eq(helper_step(h), 1);
	ck_assert_uint_eq(helper_pollfds(h, (struct pollfd[3]){ { 0 } }, 3),
	    0);
	ck_assert_int_eq(helper_answer(h, &out, &outsz, &status, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(status, HELPER_ST_KILLED);
	ck_assert_msg(strstr(err, "worker shutting down") != NULL, "%s", err);
	helper_free(h);
	ck_assert(no_children());
}
END_TEST

/* Freeing a running helper kills and reaps it: no zombie. */
START_TEST(test_helper_free_running)
{
	char		*argv[] = { "sleep", "30", NULL };
	struct helper	*h;
	char		 err[256];
	double		 t0;

	h = helper_start("/bin/sleep", argv, NULL, 0, 30000, err,
	    sizeof(err));
	ck_assert(h != NULL);
	t0 = mono();
	helper_free(h);
	ck_assert(mono() - t0 < 2);
	ck_assert(no_children());
	helper_free(NULL);
}
END_TEST

START_TEST(test_helper_pollfds_phases)
{
	struct helper	*h;
	struct pollfd	 pfd[HELPER_POLLFDS];
	char		 err[256];
	size_t		 n;

	h = helper_start("/bin/cat", NULL, "x", 1, 5000, err, sizeof(err));
	ck_assert(h != NULL);
	/* Before the first step: request, answer and (pidfd) exit. */
	n = helper_pollfds(h, pfd, HELPER_POLLFDS);
	ck_assert(n == 2 || n == 3);
	ck_assert_int_eq(pfd[0].events, POLLOUT);
	ck_assert_int_eq(pfd[1].events, POLLIN);
	ck_assert_int_le(helper_wait_ms(h), 5000);
	/* After a step the request is written and its pipe closed. */
	if (!helper_step(h)) {
		n = helper_pollfds(h, pfd, HELPER_POLLFDS);
		ck_assert(n >= 1 && pfd[0].events == POLLIN);
	}
	drive(&h, 1, 4);
	ck_assert_int_eq(helper_wait_ms(h), 0);
	helper_free(h);
}
END_TEST

static Suite *
helper_suite(void)
{
	Suite	*s = suite_create("helper");
	TCase	*tc;

	tc = tcase_create("helper_run");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_helper_run_cat_echo);
	tcase_add_test(tc, test_helper_run_cat_64k_both_ways);
	tcase_add_test(tc, test_helper_run_empty_request);
	tcase_add_test(tc, test_helper_run_exit1);
	tcase_add_test(tc, test_helper_run_killed_by_signal);
	tcase_add_test(tc, test_helper_run_not_executable);
	tcase_add_test(tc, test_helper_run_relative_path);
	tcase_add_test(tc, test_helper_run_request_too_large);
	tcase_add_test(tc, test_helper_run_deadline);
	tcase_add_test(tc, test_helper_run_deadline_silent);
	tcase_add_test(tc, test_helper_run_answer_too_large);
	tcase_add_test(tc, test_helper_run_answer_one_byte_too_large);
	tcase_add_test(tc, test_helper_run_grandchild_holds_pipe);
	tcase_add_test(tc, test_helper_run_fd_leak);
	tcase_add_test(tc, test_helper_run_clean_env);
	tcase_add_test(tc, test_helper_run_signals_reset);
	tcase_add_test(tc, test_helper_run_sigchld_ignored);
	suite_add_tcase(s, tc);

	tc = tcase_create("helper_step");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_helper_step_concurrent);
	tcase_add_test(tc, test_helper_step_one_times_out);
	tcase_add_test(tc, test_helper_step_stdin_closed_early);
	suite_add_tcase(s, tc);

	tc = tcase_create("helper_kill");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_helper_kill_running);
	suite_add_tcase(s, tc);

	tc = tcase_create("helper_free");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_helper_free_running);
	suite_add_tcase(s, tc);

	tc = tcase_create("helper_pollfds");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_helper_pollfds_phases);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(helper_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

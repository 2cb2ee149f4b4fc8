/*
 * acmegw.fcgi: the ACME responder the web server runs.
 *
 * Thin main: reads the configuration (before the first accept: libfcgi's
 * stdio layer would hide the process environment later), opens the store
 * (one that cannot be opened yet stays closed: see main()), runs the
 * FastCGI loop of fcgi.c and closes the store on the way out (SECURITY.md
 * B12).  It never reads the CA key and never connects outward.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acmegw.h"

static volatile sig_atomic_t	 quit;
static int			 nullfd = -1;

/*
 * SIGTERM, SIGINT, SIGHUP: finish the current request, then leave.
 *
 * libfcgi's OS_Accept() (os_unix.c) retries accept() after EINTR unless the
 * request was set up with FCGI_FAIL_ACCEPT_ON_INTR, which fcgi.c does, and
 * this handler is installed without SA_RESTART, so a signal that arrives
 * while the loop sleeps in accept() ends the accept at once.  That alone
 * leaves a window: a signal landing after the loop tested `quit' but before
 * accept() was entered would let accept() block until the next
 * connection.  So the handler also replaces fd 0, the listen socket, with
 * /dev/null (dup2 is async-signal-safe): any later accept() fails at once
 * with ENOTSOCK and the loop sees `quit'.  The connection of a request in
 * progress is another descriptor and is not disturbed; the web server keeps
 * its own copy of the listen socket for the other responders.  While a
 * request is served, fcgi_run() keeps these signals blocked, so the handler
 * runs between requests and never cuts a request's I/O short.
 */
static void
on_quit(int sig)
{
	int	 saved = errno;

	(void)sig;
	quit = 1;
	if (nullfd != -1)
		(void)dup2(nullfd, STDIN_FILENO);
	errno = saved;
}

/*
 * 1 if standard input is a listening socket, as the web server hands a
 * FastCGI responder; checked before the store is opened.
 */
static int
stdin_is_listen_socket(void)
{
	socklen_t	 len = sizeof(int);
	int		 v = 0;

	return getsockopt(STDIN_FILENO, SOL_SOCKET, SO_ACCEPTCONN, &v,
	    &len) == 0 && v != 0;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: acmegw.fcgi [-t] [-f file]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct conf		 conf;
	struct store		*store = NULL;
	struct sigaction	 sa;
	const char		*path = NULL;
	char			 err[512];
	int			 ch, check = 0, rc;

	while ((ch = getopt(argc, argv, "f:t")) != -1) {
		switch (ch) {
		case 'f':
			path = optarg;
			break;
		case 't':
			check = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	log_init("acmegw.fcgi", 1);
	if (path == NULL)
		path = getenv("ACMEGW_CONF");
	if (path == NULL || *path == '\0')
		path = ACMEGW_DEFAULT_CONF;

	conf_init(&conf);
	if (conf_load(&conf, path, err, sizeof(err)) == -1) {
		if (check)
			fprintf(stderr, "%s\n", err);
		else
			log_warnx("configuration: %s", err);
		conf_clear(&conf);
		return 1;
	}
	if (check) {
		conf_dump(&conf, stdout);
		printf("configuration OK\n");
		conf_clear(&conf);
		return 0;
	}
	log_init("acmegw.fcgi", conf.log_level);

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		fatal("sigaction SIGPIPE");
	if ((nullfd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		fatal("/dev/null");
	sa.sa_handler = on_quit;
	sa.sa_flags = 0;		/* no SA_RESTART: see on_quit() */
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1)
		fatal("sigaction");

	if (!stdin_is_listen_socket()) {
		log_warnx("standard input is not a FastCGI listen socket: "
		    "acmegw.fcgi is started by the web server (see "
		    "acmegw.fcgi(8)); -t checks a configuration");
		conf_clear(&conf);
		return 1;
	}
	/*
	 * A store that cannot be opened (state_dir missing, not writable by
	 * this user, a full or read-only file system) must not make the
	 * responder exit: the web server would restart it in a loop and
	 * answer 500 or 503 without a word.  The store stays closed instead:
	 * every request is answered 503 with a problem document naming the
	 * directory and the fix, and the open is tried again at each
	 * request (store_retry() in router_handle()), so the service
	 * resumes by itself once the directory is fixed.
	 */
	if ((store = store_open(&conf, STORE_RETRY, err, sizeof(err))) ==
	    NULL) {
		log_warnx("store %s: %s", conf.state_dir, err);
		conf_clear(&conf);
		return 1;
	}
	if (!store_is_open(store))
		log_warnx("store: %s (every request gets 503 until it can "
		    "be opened)", err);

	rc = fcgi_run(&conf, store, &quit);

	if (rc == -1 || store->panic) {
		/*
		 * DB_RUNRECOVERY (or no FastCGI at all): the environment must
		 * not be used again, not even to close it (B9).  Leave at
		 * once; the web server starts a fresh responder, whose
		 * open recovers or frees what this process held.
		 */
		log_warnx("leaving without closing the store");
		_exit(1);
	}
	store_close(store);
	conf_clear(&conf);
	return rc == 0 ? 0 : 1;
}

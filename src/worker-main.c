/*
 * worker-main.c: main() of acmegw-worker(8).
 *
 * Owns the command line only: read the configuration, set up logging and
 * hand over to worker_main().  Must never do any work of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "acmegw.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: acmegw-worker [-d] [-f file]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct conf	 conf;
	const char	*path = NULL;
	char		 err[1024];
	int		 ch, debug = 0, rc;

	while ((ch = getopt(argc, argv, "df:")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (path == NULL && (path = getenv("ACMEGW_CONF")) != NULL &&
	    *path == '\0')
		path = NULL;
	if (path == NULL)
		path = ACMEGW_DEFAULT_CONF;

	log_init("acmegw-worker", debug ? 2 : 1);
	conf_init(&conf);
	if (conf_load(&conf, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "acmegw-worker: %s\n", err);
		exit(1);
	}
	log_init("acmegw-worker", debug ? 2 : conf.log_level);
	rc = worker_main(&conf);
	conf_clear(&conf);
	return rc == 0 ? 0 : 1;
}

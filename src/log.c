/*
 * log.c: the log lines of every acmegw program.
 *
 * Owns the process role name, the current request id and the level.
 * Lines go to stderr as "role[pid] req=<id>: message", which the web
 * server keeps in its error log.  Never logs on its own anything that came
 * from a client: callers pass client bytes through log_sanitize() first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acmegw.h"

static const char	*log_role = "acmegw";
static int		 log_level = 1;
static char		 log_reqid[16] = "-";

/*
 * Set the role shown in every line and the level (0 warnings only, 1 info,
 * 2 debug).  The role string is borrowed and must outlive the process.
 */
void
log_init(const char *role, int level)
{
	log_role = role;
	log_level = level;
}

/*
 * Set the request id shown in the following lines; NULL resets it to "-".
 */
void
log_set_reqid(const char *id)
{
	if (id == NULL || *id == '\0')
		id = "-";
	snprintf(log_reqid, sizeof(log_reqid), "%s", id);
}

static void
log_vline(const char *fmt, va_list ap, const char *suffix)
{
	char	 buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "%s[%ld] req=%s: %s%s%s\n", log_role, (long)getpid(),
	    log_reqid, buf, suffix ? ": " : "", suffix ? suffix : "");
	fflush(stderr);
}

/* A warning followed by strerror(errno). */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vline(fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

/* A warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vline(fmt, ap, NULL);
	va_end(ap);
}

/* An informational line, shown at level 1 and above. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	if (log_level < 1)
		return;
	va_start(ap, fmt);
	log_vline(fmt, ap, NULL);
	va_end(ap);
}

/* A debugging line, shown at level 2. */
void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (log_level < 2)
		return;
	va_start(ap, fmt);
	log_vline(fmt, ap, NULL);
	va_end(ap);
}

/* Log with strerror(errno) and exit 1. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vline(fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

/* Log and exit 1. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vline(fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

/*
 * Copy at most srclen bytes of client data into dst (dstsz bytes, always
 * NUL-terminated) so that it is safe in a log line: printable ASCII stays,
 * backslash and everything else become \xNN.  When dst is too small the
 * copy ends with "...".  Returns the length written.
 */
size_t
log_sanitize(char *dst, size_t dstsz, const char *src, size_t srclen)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, o = 0;
	unsigned char		 c;

	if (dstsz == 0)
		return 0;
	for (i = 0; i < srclen; i++) {
		c = (unsigned char)src[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 + 4 >= dstsz)
				goto trunc;
			dst[o++] = (char)c;
		} else {
			if (o + 4 + 4 >= dstsz)
				goto trunc;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		}
	}
	dst[o] = '\0';
	return o;
trunc:
	if (dstsz >= 4) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o < dstsz ? o : dstsz - 1] = '\0';
	return o < dstsz ? o : dstsz - 1;
}

/*
 * ctl.c: acmegwctl, the administrator's tool.
 *
 * Owns the command line and the administrator's changes to the store: EAB
 * keys (add, with the domain suffixes their account may order and the
 * configured profiles it may use; list, remove), accounts registered from a public key (add, list, show,
 * deactivate), and certificates (list, show, revoke through revoke.c,
 * renew-early setting "renew_at"; crl through crl_update(), which runs
 * acmegw-sign).  Every write goes through store_txn_run(); a
 * transaction body never prints, it only collects what main() prints after
 * the commit, so a deadlock retry never shows anything twice.
 *
 * Must never: print or log a secret other than the one EAB key that
 * "eab add" shows once on standard output; write to the store outside a
 * transaction; open a network connection.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acmegw.h"

/* Exit statuses (see acmegwctl(8), EXIT STATUS). */
#define CTL_EXIT_OK		0
#define CTL_EXIT_FAIL		1
#define CTL_EXIT_USAGE		2
#define CTL_EXIT_NOTFOUND	3

/*
 * Codes a transaction body returns besides 0 and the store's own (errno
 * values, Berkeley DB codes from -30800 to -30999, STORE_BUSY and
 * STORE_FATAL): store_txn_run() aborts and hands them back unchanged.
 */
#define CTL_TXN_EXISTS		(-31001) /* the key has an account */
#define CTL_TXN_BADRECORD	(-31002) /* a record has no status */
#define CTL_TXN_NOMEM		(-31003) /* out of memory */

#define CTL_KID_MAX		64
#define CTL_B64URL_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
				"abcdefghijklmnopqrstuvwxyz0123456789-_"
#define CTL_COMMENT_MAX		256
#define CTL_KEYFILE_MAX		(64 * 1024)
#define CTL_SECRET_MAX		128	/* base64url of <= 64 bytes */
#define CTL_DOMAINS_MAX		100	/* eab add --domains */

enum ctl_cmd {
	CMD_INIT = 0,
	CMD_EAB_ADD,
	CMD_EAB_LIST,
	CMD_EAB_REMOVE,
	CMD_ACCT_ADD,
	CMD_ACCT_LIST,
	CMD_ACCT_SHOW,
	CMD_ACCT_DEACTIVATE,
	CMD_CERT_LIST,
	CMD_CERT_SHOW,
	CMD_CERT_REVOKE,
	CMD_CRL,
	CMD_RENEW_EARLY,
	CMD__MAX
};

/* The command line once parsed; every string is borrowed from argv. */
struct ctl_args {
	enum ctl_cmd	 cmd;
	const char	*conf_path;
	const char	*kid;		/* eab add --kid, eab remove */
	const char	*alg;		/* eab add --alg */
	const char	*comment;	/* eab add --comment */
	const char	*domains;	/* eab add --domains */
	struct json_object *domlist;	/* --domains checked; owned */
	const char	*profiles;	/* eab add --profiles */
	struct json_object *proflist;	/* --profiles checked; owned */
	const char	*keyfile;	/* account add --key */
	const char	**contacts;	/* account add --contact... */
	size_t		 contactsz;
	const char	*id;		/* account show, deactivate */
	const char	*serial;	/* cert show, revoke; renew-early */
	const char	*reason;	/* cert revoke --reason */
	const char	*before;	/* renew-early --issued-before */
	int		 ca;		/* init --ca */
	const char	*ca_key_type;	/* init --ca-key-type */
	const char	*ca_name;	/* init --ca-name */
};

/* What one command needs inside and after its transaction. */
struct ctl_run {
	struct store	*st;
	const struct conf *conf;
	const char	*key;		/* record key: kid or account id */
	struct json_object *rec;	/* record to write, or read */
	const struct jwk *jwk;		/* account add */
	char		 found_id[ACMEGW_ID_LEN * 4 + 8]; /* key's acct */
	char		 bound_to[ACMEGW_ID_LEN + 1];	/* eab remove */
	int		 already;	/* deactivate: nothing to change */
	unsigned int	 nauthz;	/* deactivate: authorizations stopped */
	enum store_db	 which;		/* list: the database scanned */
	char		*out;		/* list: collected lines */
	size_t		 outsz;
	FILE		*outfp;
	size_t		 bad;		/* list: unreadable records */
};

static const char *const ctl_usage_lines[] = {
	"init [--ca [--ca-key-type ecdsa|rsa] [--ca-name text]]",
	"eab add [--kid kid] [--alg HS256|HS384|HS512] [--comment text] "
	    "[--domains suffix,...] [--profiles name,...]",
	"eab list",
	"eab remove kid",
	"account add --key file [--contact uri ...]",
	"account list",
	"account show id",
	"account deactivate id",
	"cert list",
	"cert show serial",
	"cert revoke serial [--reason N]",
	"crl",
	"renew-early --serial serial | --issued-before YYYY-MM-DD",
};

/* An error line on stderr: "acmegwctl: what went wrong (what to do)". */
static void
ctl_err(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
ctl_err(const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[2048];

	/* One write, so that lines of parallel runs do not interleave. */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "acmegwctl: %s\n", buf);
}

/* The synopsis, to fp. */
static void
ctl_usage(FILE *fp)
{
	size_t	 i;

	for (i = 0; i < sizeof(ctl_usage_lines) / sizeof(ctl_usage_lines[0]);
	    i++)
		fprintf(fp, "%s acmegwctl [-f file] %s\n",
		    i == 0 ? "usage:" : "      ", ctl_usage_lines[i]);
}

/*
 * An EAB key id: 1..64 characters of [A-Za-z0-9._-], not starting with a
 * dot (so no "." or ".." and nothing hidden).  Returns 1 or 0.
 */
static int
ctl_kid_is_valid(const char *kid)
{
	size_t	 len = strlen(kid);

	return len >= 1 && len <= CTL_KID_MAX && kid[0] != '.' &&
	    strspn(kid, CTL_B64URL_CHARS ".") == len;
}

/* An account id: exactly 22 characters of base64url.  Returns 1 or 0. */
static int
ctl_id_is_valid(const char *id)
{
	return strlen(id) == ACMEGW_ID_LEN &&
	    strspn(id, CTL_B64URL_CHARS) == ACMEGW_ID_LEN;
}

/*
 * An EAB comment: at most 256 bytes of UTF-8 without control characters,
 * so that "eab list" stays one line per key.  Returns 1 or 0.
 */
static int
ctl_comment_is_valid(const char *s)
{
	size_t	 i, len = strlen(s);
	int	 ok;

	ok = len <= CTL_COMMENT_MAX && json_utf8_is_valid(s, len);
	for (i = 0; ok && i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			ok = 0;
	return ok;
}

/*
 * Check "eab add --domains" s: domain names separated by commas (white
 * space around each is ignored), at most CTL_DOMAINS_MAX, each lowercased
 * and then accepted by ident_parse() as a "dns" identifier without a
 * wildcard (so exactly the names an order could hold), none twice.
 * Returns 0 with *out a new JSON array of the names, or -1 after a
 * message (a usage error).
 */
static int
ctl_domains_parse(const char *s, struct json_object **out)
{
	struct json_object	*arr = NULL, *obj = NULL, *e;
	struct ident		 id;
	struct perr		 pe;
	char			 name[256], san[128];
	const char		*p, *end;
	size_t			 len, i, n;
	int			 rc = -1;

	*out = NULL;
	if ((arr = json_object_new_array()) == NULL ||
	    (obj = json_object_new_object()) == NULL ||
	    json_object_object_add(obj, "type",
	    json_object_new_string("dns")) != 0) {
		ctl_err("out of memory");
		goto out;
	}
	for (p = s; ; p = end + 1) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		for (len = end - p; len > 0 && (p[len - 1] == ' ' ||
		    p[len - 1] == '\t'); len--)
			continue;
		if (len == 0) {
			ctl_err("invalid --domains: an empty name (give "
			    "domain names separated by commas, e.g. "
			    "example.org,example.net)");
			goto out;
		}
		if (len >= sizeof(name)) {
			log_sanitize(san, sizeof(san), p, len);
			ctl_err("invalid --domains: \"%s\" is too long (a "
			    "domain name has at most 253 bytes)", san);
			goto out;
		}
		if (json_object_array_length(arr) == CTL_DOMAINS_MAX) {
			ctl_err("invalid --domains: more than %d names (give "
			    "fewer, or a common parent domain)",
			    CTL_DOMAINS_MAX);
			goto out;
		}
		for (i = 0; i < len; i++)
			name[i] = (p[i] >= 'A' && p[i] <= 'Z') ?
			    (char)(p[i] - 'A' + 'a') : p[i];
		name[len] = '\0';
		if (json_object_object_add(obj, "value",
		    json_object_new_string_len(name, (int)len)) != 0) {
			ctl_err("out of memory");
			goto out;
		}
		memset(&pe, 0, sizeof(pe));
		if (ident_parse(obj, &id, &pe) != ACME_PROB_NONE) {
			ctl_err("invalid --domains: %s (give domain names "
			    "separated by commas, e.g. example.org,"
			    "example.net)", pe.detail);
			goto out;
		}
		if (id.wildcard) {
			log_sanitize(san, sizeof(san), name, len);
			ctl_err("invalid --domains: \"%s\" is a wildcard (give "
			    "the domain without \"*.\": it covers every name "
			    "under it)", san);
			goto out;
		}
		n = json_object_array_length(arr);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(arr, i);
			if (strcmp(json_object_get_string(e), id.value) == 0) {
				ctl_err("invalid --domains: \"%s\" is listed "
				    "twice (remove one)", id.value);
				goto out;
			}
		}
		if (json_object_array_add(arr,
		    json_object_new_string(id.value)) != 0) {
			ctl_err("out of memory");
			goto out;
		}
		if (*end == '\0')
			break;
	}
	*out = arr;
	arr = NULL;
	rc = 0;
out:
	json_object_put(obj);
	json_object_put(arr);
	return rc;
}

/*
 * Check "eab add --profiles" s against the configuration c: profile
 * names separated by commas (white space around each is ignored), each
 * one of c's profiles (conf_profile()), none twice.  The order is kept:
 * the first one is the account's default when c's default profile is not
 * listed (order.c).  Returns 0 with *out a new JSON array of the names,
 * or -1 after a message (a usage error).
 */
static int
ctl_profiles_parse(const struct conf *c, const char *s,
    struct json_object **out)
{
	struct json_object	*arr = NULL, *e;
	const struct profile	*pr;
	char			 name[64], san[128], offered[512];
	const char		*p, *end;
	size_t			 len, i, n, off = 0;
	int			 m, rc = -1;

	*out = NULL;
	offered[0] = '\0';
	for (i = 0; i < c->profilessz; i++) {
		m = snprintf(offered + off, sizeof(offered) - off, "%s%s",
		    i > 0 ? ", " : "", c->profiles[i].name);
		if (m < 0 || (size_t)m >= sizeof(offered) - off)
			break;
		off += (size_t)m;
	}
	if ((arr = json_object_new_array()) == NULL) {
		ctl_err("out of memory");
		goto out;
	}
	for (p = s; ; p = end + 1) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		for (len = end - p; len > 0 && (p[len - 1] == ' ' ||
		    p[len - 1] == '\t'); len--)
			continue;
		if (len == 0) {
			ctl_err("invalid --profiles: an empty name (give "
			    "profile names separated by commas, from: %s)",
			    offered);
			goto out;
		}
		log_sanitize(san, sizeof(san), p, len);
		if (len >= sizeof(name)) {
			ctl_err("invalid --profiles: there is no profile "
			    "\"%s\" (the configuration offers: %s)", san,
			    offered);
			goto out;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		if ((pr = conf_profile(c, name)) == NULL) {
			ctl_err("invalid --profiles: there is no profile "
			    "\"%s\" in %s (the configuration offers: %s)", san,
			    c->path != NULL ? c->path : "the configuration",
			    offered);
			goto out;
		}
		n = json_object_array_length(arr);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(arr, i);
			if (strcmp(json_object_get_string(e), pr->name) == 0) {
				ctl_err("invalid --profiles: \"%s\" is listed "
				    "twice (remove one)", san);
				goto out;
			}
		}
		if (json_object_array_add(arr,
		    json_object_new_string(pr->name)) != 0) {
			ctl_err("out of memory");
			goto out;
		}
		if (*end == '\0')
			break;
	}
	*out = arr;
	arr = NULL;
	rc = 0;
out:
	json_object_put(arr);
	return rc;
}

/* EPOCH as ISO 8601 UTC in buf, or "-" if it cannot be shown; returns buf. */
static const char *
ctl_isotime(int64_t epoch, char *buf, size_t bufsz)
{
	struct tm	 tm;
	time_t		 t = (time_t)epoch;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, bufsz, "-");
	return buf;
}

/*
 * If argv[*i] is option NAME, as "NAME VALUE" or "NAME=VALUE", set *val,
 * move *i to the last word used and return 1.  Return 0 if the word is
 * something else, -1 (after a message) if the value is missing or the
 * option was given before (*val already set) and may not repeat.
 */
static int
ctl_opt(int argc, char *argv[], int *i, const char *name, const char **val,
    int repeat)
{
	size_t		 len = strlen(name);
	const char	*a = argv[*i];
	int		 rc = 0;

	if (strncmp(a, name, len) != 0 || (a[len] != '\0' && a[len] != '='))
		goto out;
	rc = -1;
	if (!repeat && *val != NULL)
		ctl_err("%s given twice (give it once)", name);
	else if (a[len] == '=') {
		*val = a + len + 1;
		rc = 1;
	} else if (*i + 1 >= argc)
		ctl_err("%s needs a value (see the usage below)", name);
	else {
		*i += 1;
		*val = argv[*i];
		rc = 1;
	}
out:
	return rc;
}

/*
 * Parse "COMMAND ..." (argv[0] is the first word after the global
 * options) into a.  Returns 0, or -1 after a message: a usage error.
 */
static int
ctl_parse(int argc, char *argv[], struct ctl_args *a)
{
	const char	*w1, *w2, *v;
	int		 i, r, rc = -1;

	if (argc < 1) {
		ctl_err("no command given (see the usage below)");
		goto out;
	}
	w1 = argv[0];
	w2 = argc > 1 ? argv[1] : NULL;
	if (strcmp(w1, "init") == 0) {
		a->cmd = CMD_INIT;
		i = 1;
	} else if (strcmp(w1, "eab") == 0 || strcmp(w1, "account") == 0) {
		int eab = w1[0] == 'e';

		if (w2 == NULL) {
			ctl_err("\"%s\" needs a subcommand (see the usage "
			    "below)", w1);
			goto out;
		}
		if (strcmp(w2, "add") == 0)
			a->cmd = eab ? CMD_EAB_ADD : CMD_ACCT_ADD;
		else if (strcmp(w2, "list") == 0)
			a->cmd = eab ? CMD_EAB_LIST : CMD_ACCT_LIST;
		else if (eab && strcmp(w2, "remove") == 0)
			a->cmd = CMD_EAB_REMOVE;
		else if (!eab && strcmp(w2, "show") == 0)
			a->cmd = CMD_ACCT_SHOW;
		else if (!eab && strcmp(w2, "deactivate") == 0)
			a->cmd = CMD_ACCT_DEACTIVATE;
		else {
			char	 san[64];

			log_sanitize(san, sizeof(san), w2, strlen(w2));
			ctl_err("unknown command \"%s %s\" (see the usage "
			    "below)", w1, san);
			goto out;
		}
		i = 2;
	} else if (strcmp(w1, "cert") == 0) {
		if (w2 == NULL) {
			ctl_err("\"cert\" needs a subcommand (see the usage "
			    "below)");
			goto out;
		}
		if (strcmp(w2, "list") == 0)
			a->cmd = CMD_CERT_LIST;
		else if (strcmp(w2, "show") == 0)
			a->cmd = CMD_CERT_SHOW;
		else if (strcmp(w2, "revoke") == 0)
			a->cmd = CMD_CERT_REVOKE;
		else {
			char	 san[64];

			log_sanitize(san, sizeof(san), w2, strlen(w2));
			ctl_err("unknown command \"cert %s\" (see the usage "
			    "below)", san);
			goto out;
		}
		i = 2;
	} else if (strcmp(w1, "crl") == 0) {
		a->cmd = CMD_CRL;
		i = 1;
	} else if (strcmp(w1, "renew-early") == 0) {
		a->cmd = CMD_RENEW_EARLY;
		i = 1;
	} else {
		char	 san[64];

		log_sanitize(san, sizeof(san), w1, strlen(w1));
		ctl_err("unknown command \"%s\" (see the usage below)", san);
		goto out;
	}

	for (; i < argc; i++) {
		r = 0;
		switch (a->cmd) {
		case CMD_INIT:
			if (strcmp(argv[i], "--ca") == 0) {
				a->ca = 1;
				r = 1;
			} else if ((r = ctl_opt(argc, argv, &i,
			    "--ca-key-type", &a->ca_key_type, 0)) == 0)
				r = ctl_opt(argc, argv, &i, "--ca-name",
				    &a->ca_name, 0);
			break;
		case CMD_EAB_ADD:
			if ((r = ctl_opt(argc, argv, &i, "--kid", &a->kid,
			    0)) == 0 &&
			    (r = ctl_opt(argc, argv, &i, "--alg", &a->alg,
			    0)) == 0 &&
			    (r = ctl_opt(argc, argv, &i, "--comment",
			    &a->comment, 0)) == 0)
				if ((r = ctl_opt(argc, argv, &i, "--domains",
				    &a->domains, 0)) == 0)
					r = ctl_opt(argc, argv, &i,
					    "--profiles", &a->profiles, 0);
			break;
		case CMD_ACCT_ADD:
			if ((r = ctl_opt(argc, argv, &i, "--key", &a->keyfile,
			    0)) != 0)
				break;
			v = NULL;
			if ((r = ctl_opt(argc, argv, &i, "--contact", &v,
			    1)) == 1) {
				const char **n;

				n = reallocarray(a->contacts,
				    a->contactsz + 1, sizeof(*n));
				if (n == NULL) {
					ctl_err("out of memory");
					r = -1;
					break;
				}
				a->contacts = n;
				a->contacts[a->contactsz++] = v;
			}
			break;
		/*
		 * These commands take no options, so their one argument may
		 * begin with '-': ids and key ids are base64url.
		 */
		case CMD_EAB_REMOVE:
			if (a->kid == NULL) {
				a->kid = argv[i];
				r = 1;
			}
			break;
		case CMD_ACCT_SHOW:
		case CMD_ACCT_DEACTIVATE:
			if (a->id == NULL) {
				a->id = argv[i];
				r = 1;
			}
			break;
		case CMD_CERT_SHOW:
			if (a->serial == NULL) {
				a->serial = argv[i];
				r = 1;
			}
			break;
		case CMD_CERT_REVOKE:
			if ((r = ctl_opt(argc, argv, &i, "--reason",
			    &a->reason, 0)) == 0 && a->serial == NULL) {
				a->serial = argv[i];
				r = 1;
			}
			break;
		case CMD_RENEW_EARLY:
			if ((r = ctl_opt(argc, argv, &i, "--serial",
			    &a->serial, 0)) == 0)
				r = ctl_opt(argc, argv, &i, "--issued-before",
				    &a->before, 0);
			break;
		default:
			break;
		}
		if (r == -1)
			goto out;
		if (r == 0) {
			char	 san[64];

			log_sanitize(san, sizeof(san), argv[i],
			    strlen(argv[i]));
			ctl_err("unexpected argument \"%s\" (see the usage "
			    "below)", san);
			goto out;
		}
	}

	switch (a->cmd) {
	case CMD_EAB_REMOVE:
		if (a->kid == NULL) {
			ctl_err("eab remove needs the key id (see "
			    "\"acmegwctl eab list\")");
			goto out;
		}
		break;
	case CMD_ACCT_ADD:
		if (a->keyfile == NULL) {
			ctl_err("account add needs --key FILE (a PEM public "
			    "key or a JWK file)");
			goto out;
		}
		break;
	case CMD_ACCT_SHOW:
	case CMD_ACCT_DEACTIVATE:
		if (a->id == NULL) {
			ctl_err("%s needs the account id (see \"acmegwctl "
			    "account list\")", w2);
			goto out;
		}
		break;
	case CMD_CERT_SHOW:
	case CMD_CERT_REVOKE:
		if (a->serial == NULL) {
			ctl_err("cert %s needs the serial (see \"acmegwctl "
			    "cert list\")", w2);
			goto out;
		}
		break;
	case CMD_RENEW_EARLY:
		if ((a->serial == NULL) == (a->before == NULL)) {
			ctl_err("renew-early needs either --serial SERIAL or "
			    "--issued-before YYYY-MM-DD");
			goto out;
		}
		break;
	default:
		break;
	}
	rc = 0;
out:
	return rc;
}

/*
 * Refuse to work on a state directory that belongs to another user: files
 * this process would create in the environment (region files, logs) would
 * then be unusable by the responder.  A directory that does not exist yet
 * is fine (store_open creates it).  Returns 0 or -1 after a message.
 */
static int
ctl_check_owner(const struct conf *conf)
{
	struct stat	 sb;
	int		 rc = -1;

	if (stat(conf->state_dir, &sb) == -1) {
		if (errno == ENOENT)
			rc = 0;
		else
			ctl_err("%s: %s (check state_dir in %s)",
			    conf->state_dir, strerror(errno), conf->path);
	} else if (!S_ISDIR(sb.st_mode))
		ctl_err("%s is not a directory (check state_dir in %s)",
		    conf->state_dir, conf->path);
	else if (sb.st_uid != geteuid())
		ctl_err("%s belongs to uid %lu, not to you (uid %lu) (run "
		    "acmegwctl as the user that owns it, e.g. with sudo -u)",
		    conf->state_dir, (unsigned long)sb.st_uid,
		    (unsigned long)geteuid());
	else
		rc = 0;
	return rc;
}

/* Report a failure of store_txn_run() or a store function. */
static void
ctl_store_err(const char *what, int rc)
{
	if (rc == STORE_BUSY)
		ctl_err("%s: the store stayed busy (try again)", what);
	else if (rc == STORE_FATAL)
		ctl_err("%s: %s (the store needs recovery: see "
		    "acmegw-worker(8))", what, store_strerror(rc));
	else
		ctl_err("%s: %s (check the state directory and the log)",
		    what, store_strerror(rc));
}

/* ------------------------------------------------------------------ */
/* Listing: scan a database, collect lines, print after the commit     */
/* ------------------------------------------------------------------ */

/*
 * String member key of rec, sanitised into buf (bufsz bytes), or dflt when
 * it is absent, empty or not a string.  Returns buf.
 */
static const char *
ctl_field(struct json_object *rec, const char *key, const char *dflt,
    char *buf, size_t bufsz)
{
	const char	*s;
	size_t		 len;

	if (json_get_str(rec, key, &s, &len) != 0 || len == 0) {
		s = dflt;
		len = strlen(dflt);
	}
	log_sanitize(buf, bufsz, s, len);
	return buf;
}

/* Member "created" of rec as ISO 8601 UTC in buf, or "-". */
static const char *
ctl_created(struct json_object *rec, char *buf, size_t bufsz)
{
	int64_t	 created;

	if (json_get_int(rec, "created", 0, INT64_MAX, &created) != 0)
		snprintf(buf, bufsz, "-");
	else
		ctl_isotime(created, buf, bufsz);
	return buf;
}

/*
 * Print the strings of rec's array member name joined with commas
 * (sanitised), or "-" when there is none.
 */
static void
ctl_joined(FILE *fp, struct json_object *rec, const char *name)
{
	struct json_object	*arr, *e;
	char			 san[253 * 4 + 8];
	size_t			 i, n = 0;

	if (json_get_array(rec, name, &arr) == 0) {
		for (i = 0; i < json_object_array_length(arr); i++) {
			e = json_object_array_get_idx(arr, i);
			if (!json_object_is_type(e, json_type_string))
				continue;
			log_sanitize(san, sizeof(san),
			    json_object_get_string(e),
			    (size_t)json_object_get_string_len(e));
			fprintf(fp, "%s%s", n++ ? "," : "", san);
		}
	}
	if (n == 0)
		fputs("-", fp);
}

/*
 * One EAB record as a list line: kid alg binding created domains profiles
 * comment.  domains and profiles are the record's "domains" and
 * "profiles" joined with commas, "-" when none.
 */
static void
ctl_eab_line(FILE *fp, const char *key, size_t keysz,
    struct json_object *rec)
{
	char			 skid[CTL_KID_MAX * 4 + 8];
	char			 scom[CTL_COMMENT_MAX * 4 + 8];
	char			 sacct[ACMEGW_ID_LEN * 4 + 8], salg[32];
	char			 when[32];

	log_sanitize(skid, sizeof(skid), key, keysz);
	ctl_field(rec, "account", "", sacct, sizeof(sacct));
	fprintf(fp, "%s\t%s\t%s%s\t%s\t", skid,
	    ctl_field(rec, "alg", "-", salg, sizeof(salg)),
	    sacct[0] != '\0' ? "bound " : "unbound", sacct,
	    ctl_created(rec, when, sizeof(when)));
	ctl_joined(fp, rec, "domains");
	fputc('\t', fp);
	ctl_joined(fp, rec, "profiles");
	fprintf(fp, "\t%s\n",
	    ctl_field(rec, "comment", "-", scom, sizeof(scom)));
}

/* One account record as a list line. */
static void
ctl_acct_line(FILE *fp, const char *key, size_t keysz,
    struct json_object *rec)
{
	char			 sid[ACMEGW_ID_LEN * 4 + 8], when[32];
	char			 sstatus[64], sorigin[32], sthumb[64];
	char			 san[1024];
	size_t			 len, i, n;
	struct json_object	*contacts = NULL, *e;

	log_sanitize(sid, sizeof(sid), key, keysz);
	fprintf(fp, "%s\t%s\t%s\t%s\t%s\t", sid,
	    ctl_field(rec, "status", "-", sstatus, sizeof(sstatus)),
	    ctl_field(rec, "origin", "acme", sorigin, sizeof(sorigin)),
	    ctl_created(rec, when, sizeof(when)),
	    ctl_field(rec, "thumb", "-", sthumb, sizeof(sthumb)));
	n = 0;
	if (json_get_array(rec, "contact", &contacts) == 0) {
		for (i = 0; i < json_object_array_length(contacts); i++) {
			e = json_object_array_get_idx(contacts, i);
			if (!json_object_is_type(e, json_type_string))
				continue;
			len = (size_t)json_object_get_string_len(e);
			log_sanitize(san, sizeof(san),
			    json_object_get_string(e), len);
			fprintf(fp, "%s%s", n++ ? "," : "", san);
		}
	}
	fprintf(fp, "%s\n", n ? "" : "-");
}

/*
 * One certificate record as a list line: serial, status, account,
 * identifiers joined with commas, notAfter.  A serial that was reserved
 * but never recorded as issued ("reserved", "failed": the signer may have
 * signed before a crash) shows as "possibly-issued".
 */
static void
ctl_cert_line(FILE *fp, const char *key, size_t keysz,
    struct json_object *rec)
{
	char			 sser[256], sst[64];
	char			 sacct[ACMEGW_ID_LEN * 4 + 8], when[32];
	char			 san[256 * 4 + 8];
	const char		*st, *v;
	struct json_object	*ids, *e;
	int64_t			 na;
	size_t			 i, n = 0;

	log_sanitize(sser, sizeof(sser), key, keysz);
	ctl_field(rec, "status", "-", sst, sizeof(sst));
	st = strcmp(sst, "reserved") == 0 || strcmp(sst, "failed") == 0 ?
	    "possibly-issued" : sst;
	if (json_get_int(rec, "not_after", 0, INT64_MAX, &na) != 0)
		snprintf(when, sizeof(when), "-");
	else
		ctl_isotime(na, when, sizeof(when));
	fprintf(fp, "%s\t%s\t%s\t", sser, st,
	    ctl_field(rec, "acct", "-", sacct, sizeof(sacct)));
	if (json_get_array(rec, "identifiers", &ids) == 0) {
		for (i = 0; i < json_object_array_length(ids); i++) {
			e = json_object_array_get_idx(ids, i);
			if (json_get_str(e, "value", &v, NULL) != 0)
				continue;
			log_sanitize(san, sizeof(san), v, strlen(v));
			fprintf(fp, "%s%s", n++ ? "," : "", san);
		}
	}
	fprintf(fp, "%s\t%s\n", n ? "" : "-", when);
}

/*
 * Transaction body of "eab list" and "account list": walk run->which with a
 * read-committed cursor (so no read lock outlives its record and a long
 * listing never blocks the responders) and collect one line per record.
 * The collected text is thrown away and rebuilt when the body is retried.
 */
static int
ctl_list_txn(DB_TXN *txn, void *arg)
{
	struct ctl_run		*run = arg;
	DB			*db = run->st->db[run->which];
	DBC			*cur = NULL;
	DBT			 k, v;
	struct json_object	*rec;
	struct perr		 pe;
	const char		*data;
	size_t			 datasz;
	int			 rc, rc2;

	if (run->outfp != NULL)
		fclose(run->outfp);
	free(run->out);
	run->out = NULL;
	run->outsz = 0;
	run->bad = 0;
	if ((run->outfp = open_memstream(&run->out, &run->outsz)) == NULL) {
		rc = CTL_TXN_NOMEM;
		goto out;
	}
	if ((rc = db->cursor(db, txn, &cur, DB_READ_COMMITTED)) != 0)
		goto out;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	while ((rc = cur->get(cur, &k, &v, DB_NEXT)) == 0) {
		data = v.data;
		datasz = v.size;
		/* Tolerate a stored terminating NUL. */
		if (datasz > 0 && data[datasz - 1] == '\0')
			datasz--;
		rec = json_parse_strict(data, datasz, &pe);
		if (rec == NULL ||
		    !json_object_is_type(rec, json_type_object)) {
			char	 san[256];

			log_sanitize(san, sizeof(san), k.data, k.size);
			ctl_err("record \"%s\" does not parse (restore the "
			    "store from a backup)", san);
			run->bad++;
			json_object_put(rec);
			continue;
		}
		if (run->which == SDB_EAB)
			ctl_eab_line(run->outfp, k.data, k.size, rec);
		else if (run->which == SDB_CERTS)
			ctl_cert_line(run->outfp, k.data, k.size, rec);
		else
			ctl_acct_line(run->outfp, k.data, k.size, rec);
		json_object_put(rec);
	}
	if (rc == DB_NOTFOUND)
		rc = 0;
	if ((rc2 = cur->close(cur)) != 0 && rc == 0)
		rc = rc2;
	if (rc == 0 && fflush(run->outfp) != 0)
		rc = CTL_TXN_NOMEM;
out:
	return rc;
}

/* "eab list" and "account list". */
static int
ctl_list(struct ctl_run *run, enum store_db which)
{
	int	 rc, ex = CTL_EXIT_FAIL;

	run->which = which;
	rc = store_txn_run(run->st, 0, ctl_list_txn, run);
	if (rc != 0) {
		if (rc == CTL_TXN_NOMEM)
			ctl_err("out of memory");
		else
			ctl_store_err("cannot list the store", rc);
		goto out;
	}
	if (run->outsz > 0 && fwrite(run->out, 1, run->outsz, stdout) !=
	    run->outsz)
		goto out;
	ex = run->bad ? CTL_EXIT_FAIL : CTL_EXIT_OK;
out:
	if (run->outfp != NULL)
		fclose(run->outfp);
	run->outfp = NULL;
	free(run->out);
	run->out = NULL;
	return ex;
}

/* ------------------------------------------------------------------ */
/* EAB keys                                                            */
/* ------------------------------------------------------------------ */

/* Transaction body of "eab add": the record, only if the kid is new. */
static int
ctl_eab_add_txn(DB_TXN *txn, void *arg)
{
	struct ctl_run	*run = arg;

	return store_put_json(run->st, txn, SDB_EAB, run->key, run->rec,
	    DB_NOOVERWRITE);
}

/* Transaction body that deletes run->key from SDB_EAB (if bound, notes it). */
static int
ctl_eab_del_txn(DB_TXN *txn, void *arg)
{
	struct ctl_run		*run = arg;
	struct json_object	*rec = NULL;
	const char		*acct;
	size_t			 acctsz;
	int			 rc;

	run->bound_to[0] = '\0';
	rc = store_get_json(run->st, txn, SDB_EAB, run->key, DB_RMW, &rec);
	if (rc != 0)
		goto out;
	if (json_get_str(rec, "account", &acct, &acctsz) == 0 &&
	    acctsz == ACMEGW_ID_LEN)
		memcpy(run->bound_to, acct, acctsz + 1);
	rc = store_del(run->st, txn, SDB_EAB, run->key, strlen(run->key));
out:
	json_object_put(rec);
	return rc;
}

/*
 * "eab add": make the record and its secret, store it, and show the key
 * once.  Should standard output fail, the key is removed again: a key that
 * nobody saw must not stay usable.
 */
static int
ctl_eab_add(struct ctl_run *run, const struct ctl_args *a, time_t now)
{
	char		 kid[CTL_KID_MAX + 1], secret[CTL_SECRET_MAX];
	const char	*alg = a->alg != NULL ? a->alg : "HS256";
	const char	*comment = a->comment != NULL ? a->comment : "";
	int		 rc, ex = CTL_EXIT_FAIL;

	secret[0] = '\0';
	if (a->kid != NULL)
		snprintf(kid, sizeof(kid), "%s", a->kid);
	else if (store_new_id(kid, sizeof(kid)) == -1) {
		ctl_err("cannot make a key id (check the system's random "
		    "source)");
		goto out;
	}
	if (eab_record_new(kid, alg, comment, now, secret, sizeof(secret),
	    &run->rec) == -1) {
		ctl_err("cannot make the EAB key (check the system's random "
		    "source)");
		goto out;
	}
	/* The suffixes the account made with this key may order under. */
	if (a->domlist != NULL && json_object_object_add(run->rec, "domains",
	    json_object_get(a->domlist)) != 0) {
		ctl_err("out of memory");
		goto out;
	}
	/* The profiles its orders may use (order.c), in the given order. */
	if (a->proflist != NULL && json_object_object_add(run->rec,
	    "profiles", json_object_get(a->proflist)) != 0) {
		ctl_err("out of memory");
		goto out;
	}
	run->key = kid;
	rc = store_txn_run(run->st, 0, ctl_eab_add_txn, run);
	if (rc == DB_KEYEXIST) {
		ctl_err("EAB key id %s exists already (choose another --kid, "
		    "or remove it first)", kid);
		goto out;
	} else if (rc != 0) {
		ctl_store_err("cannot store the EAB key", rc);
		goto out;
	}
	printf("kid=%s\nhmac_key=%s\nalg=%s\n", kid, secret, alg);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		rc = store_txn_run(run->st, 0, ctl_eab_del_txn, run);
		ctl_err("cannot write the key to standard output; %s",
		    rc == 0 ? "the key was removed again (run eab add again)" :
		    "REMOVING IT FAILED TOO (run eab remove)");
		goto out;
	}
	ex = CTL_EXIT_OK;
out:
	explicit_bzero(secret, sizeof(secret));
	return ex;
}

/* "eab remove KID". */
static int
ctl_eab_remove(struct ctl_run *run, const char *kid)
{
	int	 rc, ex = CTL_EXIT_FAIL;

	run->key = kid;
	rc = store_txn_run(run->st, 0, ctl_eab_del_txn, run);
	if (rc == DB_NOTFOUND) {
		ctl_err("no EAB key %s (see \"acmegwctl eab list\")", kid);
		ex = CTL_EXIT_NOTFOUND;
		goto out;
	} else if (rc != 0) {
		ctl_store_err("cannot remove the EAB key", rc);
		goto out;
	}
	if (run->bound_to[0] != '\0')
		printf("removed EAB key %s (it was bound to account %s, "
		    "which stays)\n", kid, run->bound_to);
	else
		printf("removed EAB key %s\n", kid);
	ex = CTL_EXIT_OK;
out:
	return ex;
}

/* ------------------------------------------------------------------ */
/* Accounts                                                            */
/* ------------------------------------------------------------------ */

/*
 * Read the whole key file (at most CTL_KEYFILE_MAX bytes) into a new
 * NUL-terminated buffer.  Returns it (the caller frees) or NULL after a
 * message.
 */
static char *
ctl_read_file(const char *path, size_t *lenp)
{
	char		*buf = NULL, *ret = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		ctl_err("%s: %s (give a readable key file)", path,
		    strerror(errno));
		goto out;
	}
	if ((buf = malloc(CTL_KEYFILE_MAX + 1)) == NULL) {
		ctl_err("out of memory");
		goto out;
	}
	for (;;) {
		n = read(fd, buf + len, CTL_KEYFILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			ctl_err("%s: %s (give a readable key file)", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CTL_KEYFILE_MAX) {
			ctl_err("%s: larger than %d bytes (give a public key, "
			    "not a bundle)", path, CTL_KEYFILE_MAX);
			goto out;
		}
	}
	buf[len] = '\0';
	*lenp = len;
	ret = buf;
	buf = NULL;
out:
	free(buf);
	if (fd != -1)
		close(fd);
	return ret;
}

/*
 * The public key in a file: a JWK object if its first non-blank character
 * is '{', a PEM SubjectPublicKeyInfo otherwise; both through the key
 * policy of jwk.c.  Returns the key (jwk_free) or NULL after a message.
 */
static struct jwk *
ctl_load_key(const char *path)
{
	struct json_object	*obj = NULL;
	struct jwk		*jwk = NULL;
	struct perr		 pe;
	char			*buf = NULL;
	size_t			 len = 0, i;

	memset(&pe, 0, sizeof(pe));
	if ((buf = ctl_read_file(path, &len)) == NULL)
		goto out;
	for (i = 0; i < len && strchr(" \t\r\n", buf[i]) != NULL; i++)
		continue;
	if (i < len && buf[i] == '{') {
		if ((obj = json_parse_strict(buf, len, &pe)) == NULL) {
			ctl_err("%s: not valid JSON: %s (give a public JWK "
			    "object)", path, pe.detail);
			goto out;
		}
		jwk = jwk_from_json(obj, &pe);
	} else
		jwk = jwk_from_pem(buf, len, &pe);
	if (jwk == NULL)
		ctl_err("%s: key refused: %s (give a PEM public key or a "
		    "JWK: RSA of 2048 bits or more, EC P-256/384/521 or "
		    "Ed25519)",
		    path, pe.detail[0] != '\0' ? pe.detail : "not a key");
out:
	json_object_put(obj);
	free(buf);
	return jwk;
}

/*
 * Transaction body of "account add": refuse a key that has an account,
 * then write the account and its key index together.
 */
static int
ctl_acct_add_txn(DB_TXN *txn, void *arg)
{
	struct ctl_run	*run = arg;
	void		*val = NULL;
	size_t		 valsz = 0;
	int		 rc;

	run->found_id[0] = '\0';
	rc = store_get(run->st, txn, SDB_ACCTKEYS, run->jwk->thumb,
	    ACMEGW_THUMB_LEN, DB_RMW, &val, &valsz);
	if (rc == 0) {
		if (valsz > ACMEGW_ID_LEN)
			valsz = ACMEGW_ID_LEN;
		log_sanitize(run->found_id, sizeof(run->found_id), val,
		    valsz);
		rc = CTL_TXN_EXISTS;
		goto out;
	} else if (rc != DB_NOTFOUND)
		goto out;
	if ((rc = store_put_json(run->st, txn, SDB_ACCOUNTS, run->key,
	    run->rec, DB_NOOVERWRITE)) != 0)
		goto out;
	rc = store_put(run->st, txn, SDB_ACCTKEYS, run->jwk->thumb,
	    ACMEGW_THUMB_LEN, run->key, ACMEGW_ID_LEN, DB_NOOVERWRITE);
	if (rc == DB_KEYEXIST)
		rc = CTL_TXN_EXISTS;
out:
	free(val);
	return rc;
}

/* "account add --key FILE [--contact URI]...". */
static int
ctl_acct_add(struct ctl_run *run, const struct ctl_args *a, time_t now)
{
	struct json_object	*contacts = NULL;
	struct jwk		*jwk = NULL;
	struct perr		 pe;
	char			 id[ACMEGW_ID_LEN + 1];
	size_t			 i;
	int			 rc, ex = CTL_EXIT_FAIL;

	memset(&pe, 0, sizeof(pe));
	if ((jwk = ctl_load_key(a->keyfile)) == NULL)
		goto out;
	if ((contacts = json_object_new_array()) == NULL) {
		ctl_err("out of memory");
		goto out;
	}
	for (i = 0; i < a->contactsz; i++)
		if (json_object_array_add(contacts,
		    json_object_new_string(a->contacts[i])) != 0) {
			ctl_err("out of memory");
			goto out;
		}
	if (account_contacts_check(run->conf, contacts, &pe) == -1) {
		ctl_err("contact refused: %s (give mailto: URIs)",
		    pe.detail[0] != '\0' ? pe.detail : "invalid");
		goto out;
	}
	if (store_new_id(id, sizeof(id)) == -1) {
		ctl_err("cannot make an account id (check the system's "
		    "random source)");
		goto out;
	}
	run->rec = account_record_new(id, jwk, contacts, 0, NULL, now);
	if (run->rec == NULL) {
		ctl_err("cannot make the account record (out of memory?)");
		goto out;
	}
	json_object_object_add(run->rec, "origin",
	    json_object_new_string("admin"));
	run->key = id;
	run->jwk = jwk;
	rc = store_txn_run(run->st, 0, ctl_acct_add_txn, run);
	if (rc == CTL_TXN_EXISTS) {
		if (run->found_id[0] != '\0')
			ctl_err("this key belongs to account %s already (see "
			    "\"acmegwctl account show %s\")", run->found_id,
			    run->found_id);
		else
			ctl_err("this key belongs to an account already (see "
			    "\"acmegwctl account list\")");
		goto out;
	} else if (rc != 0) {
		ctl_store_err("cannot store the account", rc);
		goto out;
	}
	printf("id=%s\nurl=%s/acct/%s\n", id, run->conf->base_url, id);
	ex = CTL_EXIT_OK;
out:
	json_object_put(contacts);
	jwk_free(jwk);
	return ex;
}

/* Transaction body of "account show": read the record. */
static int
ctl_acct_get_txn(DB_TXN *txn, void *arg)
{
	struct ctl_run	*run = arg;

	json_object_put(run->rec);
	run->rec = NULL;
	return store_get_json(run->st, txn, SDB_ACCOUNTS, run->key, 0,
	    &run->rec);
}

/*
 * Print run->rec as pretty JSON with a "url" member base_url/PATH/ID
 * added ("account show", "cert show").  Returns an exit status.
 */
static int
ctl_show_rec(struct ctl_run *run, const char *path, const char *id)
{
	char		 url[2048];
	const char	*s;

	snprintf(url, sizeof(url), "%s/%s/%s", run->conf->base_url, path, id);
	json_object_object_add(run->rec, "url", json_object_new_string(url));
	s = json_object_to_json_string_ext(run->rec,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL) {
		ctl_err("out of memory");
		return CTL_EXIT_FAIL;
	}
	printf("%s\n", s);
	return CTL_EXIT_OK;
}

/* "account show ID": the record as pretty JSON, with its URL. */
static int
ctl_acct_show(struct ctl_run *run, const char *id)
{
	int		 rc, ex = CTL_EXIT_FAIL;

	run->key = id;
	rc = store_txn_run(run->st, 0, ctl_acct_get_txn, run);
	if (rc == DB_NOTFOUND) {
		ctl_err("no account %s (see \"acmegwctl account list\")", id);
		ex = CTL_EXIT_NOTFOUND;
		goto out;
	} else if (rc != 0) {
		ctl_store_err("cannot read the account", rc);
		goto out;
	}
	/*
	 * An account record holds nothing secret (the key is public, an EAB
	 * binding is named by its kid only); drop any member that might
	 * carry key material should a later version add one.
	 */
	json_object_object_del(run->rec, "d");
	json_object_object_del(run->rec, "hmac_key");
	ex = ctl_show_rec(run, "acct", id);
out:
	return ex;
}

/* Transaction body of "account deactivate". */
static int
ctl_acct_deact_txn(DB_TXN *txn, void *arg)
{
	struct ctl_run		*run = arg;
	struct json_object	*rec = NULL;
	struct ctx		 ctx;
	const char		*status;
	size_t			 len;
	int			 rc;

	run->already = 0;
	run->nauthz = 0;
	rc = store_get_json(run->st, txn, SDB_ACCOUNTS, run->key, DB_RMW,
	    &rec);
	if (rc != 0)
		goto out;
	if (json_get_str(rec, "status", &status, &len) != 0) {
		rc = CTL_TXN_BADRECORD;
		goto out;
	}
	if (strcmp(status, "deactivated") == 0) {
		run->already = 1;
		goto out;
	}
	if (json_object_object_add(rec, "status",
	    json_object_new_string("deactivated")) != 0) {
		rc = ENOMEM;
		goto out;
	}
	/* A9: its pending authorizations go with it, as through ACME. */
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = run->conf;
	ctx.store = run->st;
	ctx.now = time(NULL);
	snprintf(ctx.acct_id, sizeof(ctx.acct_id), "%s", run->key);
	if ((rc = authz_deactivate_account(&ctx, txn, &run->nauthz)) == -1)
		rc = CTL_TXN_BADRECORD;
	if (rc == 0)
		rc = store_put_json(run->st, txn, SDB_ACCOUNTS, run->key,
		    rec, 0);
out:
	json_object_put(rec);
	return rc;
}

/* "account deactivate ID". */
static int
ctl_acct_deactivate(struct ctl_run *run, const char *id)
{
	int	 rc, ex = CTL_EXIT_FAIL;

	run->key = id;
	rc = store_txn_run(run->st, 0, ctl_acct_deact_txn, run);
	if (rc == DB_NOTFOUND) {
		ctl_err("no account %s (see \"acmegwctl account list\")", id);
		ex = CTL_EXIT_NOTFOUND;
		goto out;
	} else if (rc == CTL_TXN_BADRECORD) {
		ctl_err("account %s or one of its authorizations is damaged "
		    "(restore the store from a backup)", id);
		goto out;
	} else if (rc != 0) {
		ctl_store_err("cannot deactivate the account", rc);
		goto out;
	}
	if (run->already)
		printf("account %s is deactivated already\n", id);
	else
		printf("deactivated account %s and %u pending "
		    "authorizations\n", id, run->nauthz);
	ex = CTL_EXIT_OK;
out:
	return ex;
}

/* ------------------------------------------------------------------ */
/* Certificates, the CRL, early renewal                                */
/* ------------------------------------------------------------------ */

/* The serial argument as the store's key (lowercase hex); -1 after a message. */
static int
ctl_serial(const char *in, char *out, size_t outsz)
{
	if (revoke_serial_norm(in, out, outsz) == -1) {
		ctl_err("invalid serial (give it in hex, as \"acmegwctl cert "
		    "list\" shows it)");
		return -1;
	}
	return 0;
}

/* Transaction body of "cert show": read the record. */
static int
ctl_cert_get_txn(DB_TXN *txn, void *arg)
{
	struct ctl_run	*run = arg;

	json_object_put(run->rec);
	run->rec = NULL;
	return store_get_json(run->st, txn, SDB_CERTS, run->key, 0,
	    &run->rec);
}

/* "cert show SERIAL": the record as pretty JSON, with its URL. */
static int
ctl_cert_show(struct ctl_run *run, const char *arg)
{
	char		 serial[128];
	int		 rc, ex = CTL_EXIT_USAGE;

	if (ctl_serial(arg, serial, sizeof(serial)) == -1)
		goto out;
	ex = CTL_EXIT_FAIL;
	run->key = serial;
	rc = store_txn_run(run->st, 0, ctl_cert_get_txn, run);
	if (rc == DB_NOTFOUND) {
		ctl_err("no certificate %s (see \"acmegwctl cert list\")",
		    serial);
		ex = CTL_EXIT_NOTFOUND;
		goto out;
	} else if (rc != 0) {
		ctl_store_err("cannot read the certificate", rc);
		goto out;
	}
	ex = ctl_show_rec(run, "cert", serial);
out:
	return ex;
}

/*
 * Write a new CRL ("crl", and after "cert revoke" when crl_on_revoke is
 * on).  Returns an exit status.
 */
static int
ctl_crl(struct ctl_run *run, time_t now)
{
	char	 err[1024];
	int64_t	 n;

	err[0] = '\0';
	if (crl_update(run->conf, run->st, now, &n, err, sizeof(err)) == -1) {
		ctl_err("no CRL written: %s (check crl_file, ca_cert and "
		    "signer_path in %s)", err, run->conf->path);
		return CTL_EXIT_FAIL;
	}
	printf("CRL number %" PRId64 " written to %s\n", n,
	    run->conf->crl_file);
	return CTL_EXIT_OK;
}

/* "cert revoke SERIAL [--reason N]", then the CRL when so configured. */
static int
ctl_cert_revoke(struct ctl_run *run, const struct ctl_args *a, time_t now)
{
	struct perr	 pe;
	char		 serial[128], *end;
	long		 reason = 0;
	int		 rc, ex = CTL_EXIT_USAGE;

	memset(&pe, 0, sizeof(pe));
	if (ctl_serial(a->serial, serial, sizeof(serial)) == -1)
		goto out;
	if (a->reason != NULL) {
		errno = 0;
		reason = strtol(a->reason, &end, 10);
		if (a->reason[0] < '0' || a->reason[0] > '9' || *end != '\0' ||
		    errno != 0 || reason > 10) {
			ctl_err("invalid --reason (a CRL reason code: 0, 1, "
			    "3, 4, 5 or 9)");
			goto out;
		}
	}
	rc = revoke_admin(run->st, serial, (int)reason, now, &pe);
	if (rc == -1) {
		ctl_err("%s", pe.detail);
		ex = pe.prob == ACME_PROB_NOT_FOUND ? CTL_EXIT_NOTFOUND :
		    pe.prob == ACME_PROB_BAD_REVOCATION_REASON ?
		    CTL_EXIT_USAGE : CTL_EXIT_FAIL;
		goto out;
	} else if (rc != 0) {
		ctl_store_err("cannot revoke the certificate", rc);
		ex = CTL_EXIT_FAIL;
		goto out;
	}
	printf("revoked certificate %s (reason %ld)\n", serial, reason);
	ex = CTL_EXIT_OK;
	if (run->conf->crl_on_revoke && run->conf->crl_file != NULL)
		ex = ctl_crl(run, now);
out:
	return ex;
}

/* What "renew-early" needs inside its transaction. */
struct ctl_renew {
	struct ctl_run	*run;
	const char	*serial;	/* one certificate, or NULL */
	int64_t		 before;	/* else: notBefore earlier than this */
	time_t		 now;
	size_t		 count;		/* certificates changed */
	const char	*why;		/* --serial: why it was not changed */
};

/*
 * Set "renew_at" of record key to now when it is a valid, unexpired
 * certificate (and, without a serial, issued before r->before).  The
 * record is read with DB_RMW.  Returns 0 or a store error code.
 */
static int
ctl_renew_one(DB_TXN *txn, struct ctl_renew *r, const char *key)
{
	struct json_object	*rec = NULL;
	const char		*status;
	int64_t			 nb, na;
	int			 rc;

	rc = store_get_json(r->run->st, txn, SDB_CERTS, key, DB_RMW, &rec);
	if (rc != 0)
		goto out;
	if (json_get_str(rec, "status", &status, NULL) != 0 ||
	    strcmp(status, "valid") != 0) {
		r->why = "it is not a valid certificate";
		goto out;
	}
	if (json_get_int(rec, "not_after", 0, INT64_MAX, &na) != 0 ||
	    na <= (int64_t)r->now) {
		r->why = "it has expired";
		goto out;
	}
	if (r->serial == NULL &&
	    (json_get_int(rec, "not_before", 0, INT64_MAX, &nb) != 0 ||
	    nb >= r->before))
		goto out;
	json_object_object_add(rec, "renew_at",
	    json_object_new_int64(r->now));
	if ((rc = store_put_json(r->run->st, txn, SDB_CERTS, key, rec,
	    0)) == 0)
		r->count++;
out:
	json_object_put(rec);
	return rc;
}

/*
 * Transaction body of "renew-early": one serial, or every certificate
 * (keys collected with a read-committed cursor first, then each record
 * updated).
 */
static int
ctl_renew_txn(DB_TXN *txn, void *arg)
{
	struct ctl_renew	*r = arg;
	DB			*db = r->run->st->db[SDB_CERTS];
	DBC			*cur = NULL;
	DBT			 k, v;
	char		       **keys = NULL, **nk;
	size_t			 n = 0, i;
	int			 rc, rc2;

	r->count = 0;
	r->why = NULL;
	if (r->serial != NULL)
		return ctl_renew_one(txn, r, r->serial);
	if ((rc = db->cursor(db, txn, &cur, DB_READ_COMMITTED)) != 0)
		goto out;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	while ((rc = cur->get(cur, &k, &v, DB_NEXT)) == 0) {
		if ((nk = reallocarray(keys, n + 1, sizeof(*keys))) == NULL) {
			rc = CTL_TXN_NOMEM;
			break;
		}
		keys = nk;
		if ((keys[n] = strndup(k.data, k.size)) == NULL) {
			rc = CTL_TXN_NOMEM;
			break;
		}
		n++;
	}
	if (rc == DB_NOTFOUND)
		rc = 0;
	if ((rc2 = cur->close(cur)) != 0 && rc == 0)
		rc = rc2;
	for (i = 0; rc == 0 && i < n; i++) {
		rc = ctl_renew_one(txn, r, keys[i]);
		if (rc == DB_NOTFOUND || rc == EINVAL)
			rc = 0;		/* gone, or damaged: skip */
	}
out:
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	return rc;
}

/* "renew-early --serial S | --issued-before YYYY-MM-DD". */
static int
ctl_renew_early(struct ctl_run *run, const struct ctl_args *a, time_t now)
{
	struct ctl_renew	 r;
	struct tm		 tm;
	char			 serial[128] = "", c;
	int			 rc, ex = CTL_EXIT_USAGE;

	memset(&r, 0, sizeof(r));
	r.run = run;
	r.now = now;
	if (a->serial != NULL) {
		if (ctl_serial(a->serial, serial, sizeof(serial)) == -1)
			goto out;
		r.serial = serial;
	} else {
		memset(&tm, 0, sizeof(tm));
		if (strlen(a->before) != 10 || strspn(a->before,
		    "0123456789-") != 10 || a->before[4] != '-' ||
		    a->before[7] != '-' || sscanf(a->before, "%4d-%2d-%2d%c",
		    &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &c) != 3 ||
		    tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
		    tm.tm_mday > 31 || tm.tm_year < 1970) {
			ctl_err("invalid --issued-before (use YYYY-MM-DD, a "
			    "day in UTC)");
			goto out;
		}
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		r.before = (int64_t)timegm(&tm);
	}
	ex = CTL_EXIT_FAIL;
	rc = store_txn_run(run->st, 0, ctl_renew_txn, &r);
	if (rc == DB_NOTFOUND) {
		ctl_err("no certificate %s (see \"acmegwctl cert list\")",
		    serial);
		ex = CTL_EXIT_NOTFOUND;
		goto out;
	} else if (rc == CTL_TXN_NOMEM) {
		ctl_err("out of memory");
		goto out;
	} else if (rc != 0) {
		ctl_store_err("cannot change the certificates", rc);
		goto out;
	}
	if (r.serial != NULL && r.count == 0) {
		ctl_err("certificate %s not changed: %s", serial,
		    r.why != NULL ? r.why : "unknown reason");
		goto out;
	}
	printf("%zu certificate%s now due for renewal\n", r.count,
	    r.count == 1 ? " is" : "s are");
	ex = CTL_EXIT_OK;
out:
	return ex;
}

/* ------------------------------------------------------------------ */
/* main                                                                */
/* ------------------------------------------------------------------ */

int
main(int argc, char *argv[])
{
	struct ctl_args	 a;
	struct ctl_run	 run;
	struct conf	 conf;
	char		 err[1024];
	const char	*path;
	time_t		 now;
	int		 ch, ex = CTL_EXIT_FAIL;

	memset(&a, 0, sizeof(a));
	memset(&run, 0, sizeof(run));
	log_init("acmegwctl", 0);
	conf_init(&conf);
	/* Everything this tool creates in state_dir is its owner's alone. */
	umask(077);

	/* "+": options end at the command; ":": our own messages. */
	opterr = 0;
	while ((ch = getopt(argc, argv, "+:f:h")) != -1) {
		switch (ch) {
		case 'f':
			a.conf_path = optarg;
			break;
		case 'h':
			ctl_usage(stdout);
			ex = CTL_EXIT_OK;
			goto out;
		case ':':
			ctl_err("-%c needs a value (see the usage below)",
			    optopt);
			ctl_usage(stderr);
			ex = CTL_EXIT_USAGE;
			goto out;
		default:
			if (optopt > 0x20 && optopt < 0x7f)
				ctl_err("unknown option -%c (see the usage "
				    "below)", optopt);
			else
				ctl_err("unknown option (see the usage "
				    "below)");
			ctl_usage(stderr);
			ex = CTL_EXIT_USAGE;
			goto out;
		}
	}
	if (ctl_parse(argc - optind, argv + optind, &a) == -1) {
		ctl_usage(stderr);
		ex = CTL_EXIT_USAGE;
		goto out;
	}
	/* Argument values that can be checked before opening anything. */
	if (a.cmd == CMD_EAB_ADD) {
		if (a.kid != NULL && !ctl_kid_is_valid(a.kid)) {
			ctl_err("invalid key id (use 1 to %d characters of "
			    "A-Z a-z 0-9 . _ -, not starting with a dot)",
			    CTL_KID_MAX);
			ex = CTL_EXIT_USAGE;
			goto out;
		}
		if (a.alg != NULL && strcmp(a.alg, "HS256") != 0 &&
		    strcmp(a.alg, "HS384") != 0 &&
		    strcmp(a.alg, "HS512") != 0) {
			ctl_err("invalid --alg (use HS256, HS384 or HS512)");
			ex = CTL_EXIT_USAGE;
			goto out;
		}
		if (a.comment != NULL && !ctl_comment_is_valid(a.comment)) {
			ctl_err("invalid --comment (use at most %d bytes of "
			    "UTF-8 text without control characters)",
			    CTL_COMMENT_MAX);
			ex = CTL_EXIT_USAGE;
			goto out;
		}
		if (a.domains != NULL &&
		    ctl_domains_parse(a.domains, &a.domlist) == -1) {
			ex = CTL_EXIT_USAGE;
			goto out;
		}
	}
	if (a.cmd == CMD_EAB_REMOVE && !ctl_kid_is_valid(a.kid)) {
		ctl_err("invalid key id (see \"acmegwctl eab list\")");
		ex = CTL_EXIT_USAGE;
		goto out;
	}
	if ((a.cmd == CMD_ACCT_SHOW || a.cmd == CMD_ACCT_DEACTIVATE) &&
	    !ctl_id_is_valid(a.id)) {
		ctl_err("invalid account id (an id is %d characters of "
		    "A-Z a-z 0-9 - _; see \"acmegwctl account list\")",
		    ACMEGW_ID_LEN);
		ex = CTL_EXIT_USAGE;
		goto out;
	}

	if (a.cmd == CMD_INIT && ((!a.ca && (a.ca_key_type != NULL ||
	    a.ca_name != NULL)) || (a.ca_key_type != NULL &&
	    strcmp(a.ca_key_type, "ecdsa") != 0 &&
	    strcmp(a.ca_key_type, "rsa") != 0))) {
		ctl_err("invalid init options (--ca-key-type ecdsa|rsa and "
		    "--ca-name go with --ca)");
		ex = CTL_EXIT_USAGE;
		goto out;
	}
	if ((path = a.conf_path) == NULL &&
	    ((path = getenv("ACMEGW_CONF")) == NULL || *path == '\0'))
		path = ACMEGW_DEFAULT_CONF;
	err[0] = '\0';
	if (conf_load(&conf, path, err, sizeof(err)) == -1) {
		ctl_err("%s (fix the configuration file)",
		    err[0] != '\0' ? err : path);
		goto out;
	}
	if (a.cmd == CMD_EAB_ADD && a.profiles != NULL &&
	    ctl_profiles_parse(&conf, a.profiles, &a.proflist) == -1) {
		ex = CTL_EXIT_USAGE;
		goto out;
	}
	if (ctl_check_owner(&conf) == -1)
		goto out;
	err[0] = '\0';
	if ((run.st = store_open(&conf, 0, err, sizeof(err))) == NULL) {
		ctl_err("cannot open the store in %s: %s (check state_dir "
		    "and that you run as its owner)", conf.state_dir,
		    err[0] != '\0' ? err : "unknown error");
		goto out;
	}
	run.conf = &conf;
	now = time(NULL);

	switch (a.cmd) {
	case CMD_INIT:
		/* --ca: a local root and issuing CA (ca.c); never overwrites. */
		if (a.ca && ca_create(conf.ca_cert, conf.ca_key, conf.ca_chain,
		    a.ca_key_type != NULL && strcmp(a.ca_key_type, "rsa") == 0 ?
		    CA_KEY_RSA : CA_KEY_ECDSA, a.ca_name != NULL ? a.ca_name :
		    "acmegw", now, err, sizeof(err)) == -1) {
			ctl_err("cannot create the CA: %s", err);
			break;
		}
		if (a.ca)
			printf("created the issuing CA %s (key %s) and the root "
			    "%s (key %s.key: keep it offline)\n", conf.ca_cert,
			    conf.ca_key, conf.ca_chain, conf.ca_chain);
		printf("initialised %s\n", conf.state_dir);
		ex = CTL_EXIT_OK;
		break;
	case CMD_EAB_ADD:
		ex = ctl_eab_add(&run, &a, now);
		break;
	case CMD_EAB_LIST:
		ex = ctl_list(&run, SDB_EAB);
		break;
	case CMD_EAB_REMOVE:
		ex = ctl_eab_remove(&run, a.kid);
		break;
	case CMD_ACCT_ADD:
		ex = ctl_acct_add(&run, &a, now);
		break;
	case CMD_ACCT_LIST:
		ex = ctl_list(&run, SDB_ACCOUNTS);
		break;
	case CMD_ACCT_SHOW:
		ex = ctl_acct_show(&run, a.id);
		break;
	case CMD_ACCT_DEACTIVATE:
		ex = ctl_acct_deactivate(&run, a.id);
		break;
	case CMD_CERT_LIST:
		ex = ctl_list(&run, SDB_CERTS);
		break;
	case CMD_CERT_SHOW:
		ex = ctl_cert_show(&run, a.serial);
		break;
	case CMD_CERT_REVOKE:
		ex = ctl_cert_revoke(&run, &a, now);
		break;
	case CMD_CRL:
		ex = ctl_crl(&run, now);
		break;
	case CMD_RENEW_EARLY:
		ex = ctl_renew_early(&run, &a, now);
		break;
	default:
		abort();
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (ex == CTL_EXIT_OK)
			ctl_err("cannot write to standard output: %s "
			    "(check where the output goes)", strerror(errno));
		ex = CTL_EXIT_FAIL;
	}
out:
	json_object_put(run.rec);
	if (run.st != NULL)
		store_close(run.st);
	conf_clear(&conf);
	free(a.contacts);
	json_object_put(a.domlist);
	json_object_put(a.proflist);
	return ex;
}

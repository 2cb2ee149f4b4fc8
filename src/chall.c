/*
 * chall.c: challenges (RFC 8555 7.1.5, 7.5.1, 8): the challenge record,
 * its JSON object, the challenge resource that starts a validation, and
 * the poke that wakes acmegw-worker.
 *
 * Owns the SDB_CHALLS record format (brief "Records": v, id, authz, acct,
 * type, token, status, validated, error) and the SDB_JOBS entry a
 * challenge POST queues (8-byte big-endian queue time + challenge id ->
 * {"v":1,"chall":ID,"attempts":0,"started":0}).  The worker consumes the
 * jobs and writes the verdicts; this file only ever moves a challenge from
 * pending to processing (and, through authz.c, to invalid when its
 * authorization is deactivated mid-validation).
 *
 * Must never: connect anywhere (the validator does), queue a job for a
 * challenge that is not pending or whose authorization is not pending,
 * queue a job outside the transaction that marks the challenge processing,
 * poke the worker before that transaction committed (router.c does it
 * after the commit, from ctx->poke_worker), act on another account's
 * challenge (A6), or answer for a type switched off by configuration (P7).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "acmegw.h"

#define CHALL_TOKEN_BYTES	32	/* RFC 8555 8.1: >= 128 bits */
#define CHALL_TOKEN_LEN		43	/* base64url of 32 bytes */
#define CHALL_RETRY_AFTER	2	/* seconds, while processing */
#define CHALL_JOBKEY_LEN	(8 + ACMEGW_ID_LEN)

/* Wire names, in enum chall_type order. */
const char *const chall_type_str[CHALL__MAX] = {
	"http-01",		/* CHALL_HTTP01 */
	"dns-01",		/* CHALL_DNS01 */
	"tls-alpn-01",		/* CHALL_TLSALPN01 */
};

/*
 * The enum chall_type of a wire name such as "dns-01", or -1 when the
 * name is not one of chall_type_str.
 */
int
chall_type_parse(const char *s)
{
	int	 i;

	if (s == NULL)
		return -1;
	for (i = 0; i < CHALL__MAX; i++)
		if (strcmp(s, chall_type_str[i]) == 0)
			return i;
	return -1;
}

/*
 * Make a pending challenge of type for authorization authz of account
 * acct (both ACMEGW_ID_LEN-character ids) and store it in txn
 * (DB_NOOVERWRITE).  The token is 32 bytes of gnutls_rnd(GNUTLS_RND_RANDOM)
 * in base64url (43 characters).  The new id goes to id (idsz >=
 * ACMEGW_ID_LEN + 1).  Returns 0, -1 when no random bytes or memory could
 * be had (logged), or the store's error code.
 */
int
chall_new(struct store *st, DB_TXN *txn, const char *acct, const char *authz,
    enum chall_type type, char *id, size_t idsz)
{
	struct json_object	*rec = NULL;
	unsigned char		 raw[CHALL_TOKEN_BYTES];
	char			 token[CHALL_TOKEN_LEN + 1];
	int			 rc = -1;

	assert((unsigned int)type < CHALL__MAX);
	if (store_new_id(id, idsz) == -1)
		goto out;
	if (gnutls_rnd(GNUTLS_RND_RANDOM, raw, sizeof(raw)) != 0 ||
	    b64url_encode(raw, sizeof(raw), token, sizeof(token)) == -1) {
		log_warnx("chall_new: no random token could be made");
		goto out;
	}
	if ((rec = json_object_new_object()) == NULL ||
	    json_object_object_add(rec, "v",
	    json_object_new_int(ACMEGW_SCHEMA)) != 0 ||
	    json_object_object_add(rec, "id",
	    json_object_new_string(id)) != 0 ||
	    json_object_object_add(rec, "authz",
	    json_object_new_string(authz)) != 0 ||
	    json_object_object_add(rec, "acct",
	    json_object_new_string(acct)) != 0 ||
	    json_object_object_add(rec, "type",
	    json_object_new_string(chall_type_str[type])) != 0 ||
	    json_object_object_add(rec, "token",
	    json_object_new_string(token)) != 0 ||
	    json_object_object_add(rec, "status",
	    json_object_new_string("pending")) != 0) {
		log_warnx("chall_new: out of memory");
		goto out;
	}
	rc = store_put_json(st, txn, SDB_CHALLS, id, rec, DB_NOOVERWRITE);
out:
	explicit_bzero(raw, sizeof(raw));
	json_object_put(rec);
	return rc;
}

/*
 * Read challenge id in txn (flags 0 or DB_RMW) and check its shape: "id"
 * is id, "authz" and "acct" are ids, "type" is a known type, "token" is a
 * 43-character string and "status" a string.  Returns 0 with *rec (the
 * caller puts it), DB_NOTFOUND, -1 for a damaged record (logged), or
 * another store error code; *rec is NULL on failure.
 */
int
chall_load(struct store *st, DB_TXN *txn, const char *id, int flags,
    struct json_object **rec)
{
	struct json_object	*r = NULL;
	const char		*s, *type;
	size_t			 len;
	int			 rc;

	*rec = NULL;
	rc = store_get_json(st, txn, SDB_CHALLS, id, flags, &r);
	if (rc == EINVAL)
		rc = -1;
	if (rc != 0)
		goto out;
	rc = -1;
	if (json_get_str(r, "id", &s, NULL) != 0 || strcmp(s, id) != 0 ||
	    json_get_str(r, "authz", &s, &len) != 0 ||
	    len != ACMEGW_ID_LEN ||
	    json_get_str(r, "acct", &s, &len) != 0 ||
	    len != ACMEGW_ID_LEN ||
	    json_get_str(r, "type", &type, NULL) != 0 ||
	    chall_type_parse(type) == -1 ||
	    json_get_str(r, "token", &s, &len) != 0 ||
	    len != CHALL_TOKEN_LEN ||
	    json_get_str(r, "status", &s, NULL) != 0) {
		log_warnx("chall_load: challenge %s: damaged record", id);
		goto out;
	}
	*rec = r;
	r = NULL;
	rc = 0;
out:
	json_object_put(r);
	return rc;
}

/*
 * The RFC 8555 7.1.5 challenge object of record rec (borrowed): type,
 * url, status, token, validated (RFC 3339, when the record has it) and
 * error (a copy of the record's problem object, when it has one).
 * Returns 0 with *out (caller puts), or -1 when memory ran out or the
 * record lacks a member the object needs.
 */
int
chall_json(const struct conf *conf, struct json_object *rec,
    struct json_object **out)
{
	struct json_object	*o = NULL, *err, *errc = NULL;
	const char		*id, *type, *status, *token;
	char			 url[1024], when[32];
	int64_t			 validated;
	int			 rc = -1;

	*out = NULL;
	if (json_get_str(rec, "id", &id, NULL) != 0 ||
	    json_get_str(rec, "type", &type, NULL) != 0 ||
	    json_get_str(rec, "status", &status, NULL) != 0 ||
	    json_get_str(rec, "token", &token, NULL) != 0 ||
	    url_build(conf, url, sizeof(url), "/chall/%s", id) == -1)
		goto out;
	if ((o = json_object_new_object()) == NULL ||
	    json_object_object_add(o, "type",
	    json_object_new_string(type)) != 0 ||
	    json_object_object_add(o, "url",
	    json_object_new_string(url)) != 0 ||
	    json_object_object_add(o, "status",
	    json_object_new_string(status)) != 0 ||
	    json_object_object_add(o, "token",
	    json_object_new_string(token)) != 0)
		goto out;
	if (json_get_int(rec, "validated", 0, INT64_MAX - 1,
	    &validated) == 0) {
		if (order_time_str((time_t)validated, when,
		    sizeof(when)) == -1 ||
		    json_object_object_add(o, "validated",
		    json_object_new_string(when)) != 0)
			goto out;
	}
	if (json_get_obj(rec, "error", &err) == 0) {
		if (json_object_deep_copy(err, &errc, NULL) != 0 ||
		    json_object_object_add(o, "error", errc) != 0)
			goto out;
		errc = NULL;
	}
	*out = o;
	o = NULL;
	rc = 0;
out:
	json_object_put(errc);
	json_object_put(o);
	return rc;
}

/*
 * Queue the validation of challenge id in txn: the SDB_JOBS key is the
 * queue time (8 bytes, big-endian seconds) followed by the id, the value
 * {"v":1,"chall":ID,"attempts":0,"started":0}.  Returns 0, -1 when memory
 * ran out, or the store's error code.
 */
static int
chall_job_put(struct store *st, DB_TXN *txn, const char *id, time_t now)
{
	struct json_object	*job = NULL;
	unsigned char		 key[CHALL_JOBKEY_LEN];
	const char		*text;
	uint64_t		 t = now < 0 ? 0 : (uint64_t)now;
	int			 i, rc = -1;

	for (i = 7; i >= 0; i--) {
		key[i] = (unsigned char)(t & 0xff);
		t >>= 8;
	}
	memcpy(key + 8, id, ACMEGW_ID_LEN);
	if ((job = json_object_new_object()) == NULL ||
	    json_object_object_add(job, "v",
	    json_object_new_int(ACMEGW_SCHEMA)) != 0 ||
	    json_object_object_add(job, "chall",
	    json_object_new_string(id)) != 0 ||
	    json_object_object_add(job, "attempts",
	    json_object_new_int(0)) != 0 ||
	    json_object_object_add(job, "started",
	    json_object_new_int64(0)) != 0 ||
	    (text = json_compact(job)) == NULL)
		goto out;
	rc = store_put(st, txn, SDB_JOBS, key, sizeof(key), text,
	    strlen(text), 0);
out:
	json_object_put(job);
	return rc;
}

/*
 * POST /chall/ID (RFC 8555 7.5.1), signed by the challenge's account.  An
 * unknown id is 404, another account's challenge 403 (A6), a challenge
 * whose type is switched off now 403 (P7).  A payload (any JSON object:
 * its members are ignored, as RFC 8555 7.5.1 has it for "{}") asks for
 * validation: a pending challenge of a pending authorization turns
 * processing and a job is queued in the same transaction; ctx->poke_worker
 * asks the router to wake the worker once the transaction committed.  A
 * challenge in any other state, or of an authorization that is no longer
 * pending, is answered unchanged and nothing is queued.  POST-as-GET
 * reads.  The answer is 200 with the challenge, Link rel="up" to its
 * authorization, and Retry-After while processing.  Returns 0, -1
 * (refused, problem set) or a store error code.
 */
int
chall_post(struct ctx *ctx, DB_TXN *txn)
{
	struct json_object	*rec = NULL, *authz = NULL, *o = NULL;
	const char		*authz_id, *type, *status, *astatus;
	int			 rc = -1, t;

	if ((rc = ctx_load_own(ctx, txn, chall_load, "challenge",
	    &rec)) != 0)
		goto out;
	rc = -1;
	(void)json_get_str(rec, "authz", &authz_id, NULL);
	(void)json_get_str(rec, "type", &type, NULL);
	(void)json_get_str(rec, "status", &status, NULL);
	t = chall_type_parse(type);
	if ((ctx->conf->challenge_types & (1u << t)) == 0) {
		problem_set(ctx->resp, ACME_PROB_UNAUTHORIZED,
		    "%s challenges are switched off on this server; use "
		    "another challenge of the authorization", type);
		goto out;
	}

	rc = authz_load(ctx->store, txn, authz_id, DB_RMW, &authz);
	if (rc == DB_NOTFOUND || rc == -1) {
		log_warnx("chall_post: challenge %s: authorization %s cannot "
		    "be read", ctx->route_id, authz_id);
		problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL,
		    "the authorization of this challenge cannot be read");
		rc = -1;
		goto out;
	}
	if (rc != 0)
		goto out;
	if (authz_refresh(authz, ctx->now) &&
	    (rc = store_put_json(ctx->store, txn, SDB_AUTHZ, authz_id, authz,
	    0)) != 0)
		goto out;
	rc = -1;
	(void)json_get_str(authz, "status", &astatus, NULL);

	if (ctx->payload != NULL && strcmp(status, "pending") == 0 &&
	    strcmp(astatus, "pending") == 0) {
		if (json_object_object_add(rec, "status",
		    json_object_new_string("processing")) != 0)
			goto nomem;
		if ((rc = store_put_json(ctx->store, txn, SDB_CHALLS,
		    ctx->route_id, rec, 0)) != 0 ||
		    (rc = chall_job_put(ctx->store, txn, ctx->route_id,
		    ctx->now)) != 0) {
			if (rc == -1)
				goto nomem;
			goto out;
		}
		rc = -1;
		/* Re-read: json_object_object_add freed the old string. */
		(void)json_get_str(rec, "status", &status, NULL);
		(void)json_get_str(rec, "type", &type, NULL);
		ctx->poke_worker = 1;
		log_info("challenge %s (%s) of authorization %s: validation "
		    "queued", ctx->route_id, type, authz_id);
	}

	if (chall_json(ctx->conf, rec, &o) == -1)
		goto nomem;
	if (resp_header(ctx->resp, "Link", "<%s/authz/%s>;rel=\"up\"",
	    ctx->conf->base_url, authz_id) == -1)
		goto nomem;
	if (strcmp(status, "processing") == 0 &&
	    resp_header(ctx->resp, "Retry-After", "%d",
	    CHALL_RETRY_AFTER) == -1)
		goto nomem;
	if (resp_json(ctx->resp, 200, o) == -1)
		goto out;
	rc = 0;
	goto out;
nomem:
	problem_set(ctx->resp, ACME_PROB_SERVER_INTERNAL, "out of memory");
	rc = -1;
out:
	json_object_put(o);
	json_object_put(authz);
	json_object_put(rec);
	return rc;
}

/*
 * Wake acmegw-worker: write one byte, without blocking, to the FIFO
 * state_dir/worker.fifo.  No worker listening (ENXIO), no FIFO yet
 * (ENOENT), a full FIFO (EAGAIN: a wake-up is pending anyway) or a reader
 * that just left (EPIPE; SIGPIPE is ignored by the responder) are not
 * errors: the worker rescans its jobs every second.  Something at that
 * path that is not a FIFO is never written to.  Returns 0, or -1 on an
 * unexpected failure (logged).  Call it only after the transaction that
 * queued the job committed.
 */
int
chall_poke_worker(const struct conf *conf)
{
	struct stat	 sb;
	char		 path[PATH_MAX];
	int		 fd = -1, rc = -1;

	if (snprintf(path, sizeof(path), "%s/worker.fifo", conf->state_dir) >=
	    (int)sizeof(path)) {
		log_warnx("chall_poke_worker: state_dir is too long");
		goto out;
	}
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		if (errno == ENXIO || errno == ENOENT) {
			rc = 0;
			goto out;
		}
		log_warn("chall_poke_worker: %s", path);
		goto out;
	}
	if (fstat(fd, &sb) == -1) {
		log_warn("chall_poke_worker: fstat %s", path);
		goto out;
	}
	if (!S_ISFIFO(sb.st_mode)) {
		log_warnx("chall_poke_worker: %s is not a FIFO", path);
		goto out;
	}
	if (write(fd, "j", 1) == -1 && errno != EAGAIN && errno != EPIPE &&
	    errno != EINTR) {
		log_warn("chall_poke_worker: write %s", path);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	return rc;
}

/*
 * nonce.c: anti-replay nonces (RFC 8555 6.5; SECURITY.md 2.2).
 *
 * Owns the SDB_NONCES records: the key is 24 raw bytes, the issue time as
 * 8 bytes big-endian followed by 16 bytes of gnutls_rnd(GNUTLS_RND_NONCE)
 * (N9), with an empty value; a client sees base64url of the key (32
 * characters).  Keys sort by issue time, so expiry walks from the start.
 * A nonce is redeemed by deleting its record inside the request's
 * transaction: the delete is the atomic redemption (N2, N5).
 *
 * Must never: accept a nonce it did not find and delete; look up anything
 * that is not exactly a canonical 32-character nonce (N3); commit nonce
 * writes with DB_TXN_NOSYNC (B16: DB_TXN_WRITE_NOSYNC at most).
 */
#include <sys/types.h>

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "acmegw.h"

#define NONCE_RAW_LEN		24	/* 8 time + 16 random */
#define NONCE_RND_LEN		16
#define NONCE_FUTURE_SLACK	60	/* seconds a nonce may be "ahead" */
#define NONCE_EXPIRE_BATCH	1000	/* deletes per transaction (X10) */
#define NONCE_EXPIRE_BATCHES	50	/* transactions per nonce_expire() */

/* Write t as 8 bytes big-endian. */
static void
nonce_put_time(unsigned char *p, time_t t)
{
	uint64_t	 v = (uint64_t)t;
	int		 i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

/* Read 8 bytes big-endian as a time. */
static time_t
nonce_get_time(const unsigned char *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (time_t)v;
}

struct nonce_put {
	struct store	*st;
	unsigned char	 raw[NONCE_RAW_LEN];
};

static int
nonce_issue_txn(DB_TXN *txn, void *arg)
{
	struct nonce_put	*np = arg;

	return store_put(np->st, txn, SDB_NONCES, np->raw, sizeof(np->raw),
	    "", 0, DB_NOOVERWRITE);
}

/*
 * Make a new nonce issued at now, store it (its own transaction, written
 * without a synchronous flush: a nonce lost to a power failure only costs
 * the client a badNonce and a retry) and write its base64url form
 * (ACMEGW_NONCE_LEN characters and a NUL) into buf of bufsz bytes.
 * Returns 0; -1 after a log line when buf is too small or randomness
 * fails; or, after a log line, store_txn_run()'s non-zero code when the
 * nonce could not be stored (e.g. ENOSPC on a full disk: the caller says
 * why the answer has no nonce).  buf is "" unless 0.
 */
int
nonce_issue(struct store *st, time_t now, char *buf, size_t bufsz)
{
	struct nonce_put	 np;
	int			 rc, ret = -1;

	assert(st != NULL && buf != NULL);
	if (bufsz < ACMEGW_NONCE_LEN + 1) {
		log_warnx("nonce_issue: buffer too small");
		goto out;
	}
	np.st = st;
	nonce_put_time(np.raw, now);
	if (gnutls_rnd(GNUTLS_RND_NONCE, np.raw + 8, NONCE_RND_LEN) != 0) {
		log_warnx("nonce_issue: gnutls_rnd failed");
		goto out;
	}
	if (b64url_encode(np.raw, sizeof(np.raw), buf, bufsz) == -1) {
		log_warnx("nonce_issue: cannot encode");
		goto out;
	}
	if ((rc = store_txn_run(st, STORE_NOSYNC, nonce_issue_txn,
	    &np)) != 0) {
		log_warnx("nonce_issue: %s", store_strerror(rc));
		ret = rc;
		goto out;
	}
	ret = 0;
out:
	if (ret != 0 && bufsz > 0)
		buf[0] = '\0';
	return ret;
}

/*
 * Redeem nonce (the client's text) inside the caller's transaction txn at
 * time now, for a nonce lifetime of lifetime seconds.  Returns 0 when it
 * was ours, unexpired and unused: its record is deleted in txn, so a
 * commit redeems it once and only once (N2, N5).  Returns -1 with perr
 * badNonce when it is refused: not 32 characters of canonical base64url
 * (N3), expired (N4), issued more than a minute in the future (clock
 * stepped back), or not found (already used, or never issued).  Any other
 * store error is returned unchanged (a Berkeley DB code such as
 * DB_LOCK_DEADLOCK, for the caller's store_txn_run()), perr untouched.
 */
int
nonce_consume(struct store *st, DB_TXN *txn, const char *nonce, time_t now,
    unsigned int lifetime, struct perr *perr)
{
	unsigned char	*raw = NULL;
	size_t		 rawsz = 0;
	time_t		 issued;
	int		 rc;

	assert(st != NULL && txn != NULL && perr != NULL);
	if (nonce == NULL || strnlen(nonce, ACMEGW_NONCE_LEN + 1) !=
	    ACMEGW_NONCE_LEN ||
	    !b64url_is_canonical(nonce, ACMEGW_NONCE_LEN) ||
	    b64url_decode(nonce, ACMEGW_NONCE_LEN, &raw, &rawsz) == -1 ||
	    rawsz != NONCE_RAW_LEN) {
		perr_set(perr, ACME_PROB_BAD_NONCE,
		    "not a nonce from this server");
		rc = -1;
		goto out;
	}
	issued = nonce_get_time(raw);
	if (issued < 0 || issued - NONCE_FUTURE_SLACK > now) {
		perr_set(perr, ACME_PROB_BAD_NONCE,
		    "not valid yet; use the fresh nonce in this response");
		rc = -1;
		goto out;
	}
	if (issued + (time_t)lifetime < now) {
		perr_set(perr, ACME_PROB_BAD_NONCE,
		    "expired; use the fresh nonce in this response");
		rc = -1;
		goto out;
	}
	rc = store_del(st, txn, SDB_NONCES, raw, rawsz);
	if (rc == DB_NOTFOUND) {
		perr_set(perr, ACME_PROB_BAD_NONCE,
		    "already used or unknown");
		rc = -1;
	}
out:
	free(raw);
	return rc;
}

struct nonce_exp {
	struct store	*st;
	time_t		 now;
	unsigned int	 lifetime;
	size_t		 deleted;	/* in this batch */
	int		 done;		/* no expired nonce left */
};

/*
 * Delete up to NONCE_EXPIRE_BATCH expired nonces from the start of the
 * btree.  A key that is not 24 bytes can never be redeemed: it goes too.
 */
static int
nonce_expire_txn(DB_TXN *txn, void *arg)
{
	struct nonce_exp	*ne = arg;
	DB			*db = ne->st->db[SDB_NONCES];
	DBC			*dbc = NULL;
	DBT			 k, d;
	int			 rc, crc;

	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.flags = DB_DBT_REALLOC;
	d.flags = DB_DBT_PARTIAL;	/* dlen 0: the value is not needed */
	ne->deleted = 0;
	ne->done = 0;
	if ((rc = db->cursor(db, txn, &dbc, 0)) != 0) {
		log_warnx("nonce_expire: DB->cursor: %s", db_strerror(rc));
		dbc = NULL;
		goto out;
	}
	while (ne->deleted < NONCE_EXPIRE_BATCH) {
		rc = dbc->get(dbc, &k, &d, DB_NEXT | DB_RMW);
		if (rc == DB_NOTFOUND) {
			/* The only end of a scan (B9). */
			ne->done = 1;
			rc = 0;
			break;
		}
		if (rc != 0) {
			if (!store_is_retryable(rc))
				log_warnx("nonce_expire: DBC->get: %s",
				    db_strerror(rc));
			break;
		}
		if (k.size == NONCE_RAW_LEN &&
		    nonce_get_time(k.data) + (time_t)ne->lifetime >= ne->now) {
			ne->done = 1;
			break;
		}
		if (k.size != NONCE_RAW_LEN)
			log_warnx("nonce_expire: removing a malformed key "
			    "(%u bytes)", (unsigned int)k.size);
		if ((rc = dbc->del(dbc, 0)) != 0) {
			if (!store_is_retryable(rc))
				log_warnx("nonce_expire: DBC->del: %s",
				    db_strerror(rc));
			break;
		}
		ne->deleted++;
	}
out:
	if (dbc != NULL && (crc = dbc->close(dbc)) != 0) {
		log_warnx("nonce_expire: DBC->close: %s", db_strerror(crc));
		if (rc == 0)
			rc = crc;
	}
	free(k.data);
	return rc;
}

/*
 * Delete the nonces that expired by now (issued more than lifetime
 * seconds ago), oldest first, in transactions of at most 1000 deletes
 * and at most 50 of them per call (X10: bounded work; the worker calls
 * again later).  *count (if not NULL) gets the number deleted, also on
 * failure.  Returns 0, or -1 after a log line.
 */
int
nonce_expire(struct store *st, time_t now, unsigned int lifetime,
    size_t *count)
{
	struct nonce_exp	 ne;
	size_t			 total = 0;
	int			 i, rc, ret = -1;

	assert(st != NULL);
	memset(&ne, 0, sizeof(ne));
	ne.st = st;
	ne.now = now;
	ne.lifetime = lifetime;
	for (i = 0; i < NONCE_EXPIRE_BATCHES && !ne.done; i++) {
		if ((rc = store_txn_run(st, STORE_NOSYNC, nonce_expire_txn,
		    &ne)) != 0) {
			log_warnx("nonce_expire: %s", store_strerror(rc));
			goto out;
		}
		total += ne.deleted;
	}
	ret = 0;
out:
	if (count != NULL)
		*count = total;
	return ret;
}

/*
 * acmegw.h: the one internal header of acmegw.
 *
 * Types shared between modules, then the prototypes of every module,
 * grouped by file in the order of src/.  Only fcgi.c includes fcgiapp.h and
 * only store.c, worker.c and ctl.c touch Berkeley DB beyond the DB_TXN
 * handle that travels through the request path.
 *
 * Conventions (../shared/STYLE.md): int functions return 0 / -1, predicates
 * 1 / 0, constructors a pointer or NULL.  ACME failures travel as
 * enum acme_prob plus a detail sentence in a struct perr.
 */
#ifndef ACMEGW_H
#define ACMEGW_H

#include <sys/types.h>

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <db.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <json-c/json.h>

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/libexec/acmegw"	/* the package libexec dir */
#endif
#define ACMEGW_DEFAULT_CONF	SYSCONFDIR "/acmegw/acmegw.conf"

#define ACMEGW_ID_LEN		22	/* base64url of 16 random bytes */
#define ACMEGW_THUMB_LEN	43	/* base64url of a SHA-256 digest */
#define ACMEGW_NONCE_LEN	32	/* base64url of 24 bytes */
#define ACMEGW_SCHEMA		1	/* "v" member of every record */

/* ------------------------------------------------------------------ */
/* Problems (problem.c)                                                 */
/* ------------------------------------------------------------------ */

enum acme_prob {
	ACME_PROB_NONE = 0,
	ACME_PROB_MALFORMED,		/* 400 malformed */
	ACME_PROB_BAD_NONCE,		/* 400 badNonce */
	ACME_PROB_BAD_SIG_ALG,		/* 400 badSignatureAlgorithm + algorithms */
	ACME_PROB_BAD_PUBKEY,		/* 400 badPublicKey */
	ACME_PROB_ACCT_DNE,		/* 400 accountDoesNotExist */
	ACME_PROB_INVALID_CONTACT,	/* 400 invalidContact */
	ACME_PROB_UNSUPPORTED_CONTACT,	/* 400 unsupportedContact */
	ACME_PROB_UNAUTHORIZED,		/* 403 unauthorized */
	ACME_PROB_EAB_REQUIRED,		/* 403 externalAccountRequired */
	ACME_PROB_USER_ACTION,		/* 403 userActionRequired */
	ACME_PROB_CONFLICT,		/* 409 conflict */
	ACME_PROB_NOT_FOUND,		/* 404 malformed */
	ACME_PROB_METHOD,		/* 405 malformed (+ Allow) */
	ACME_PROB_MEDIA_TYPE,		/* 415 malformed */
	ACME_PROB_TOO_LARGE,		/* 413 malformed */
	ACME_PROB_RATE_LIMITED,		/* 429 rateLimited */
	ACME_PROB_SERVER_INTERNAL,	/* 500 serverInternal */
	ACME_PROB_UNAVAILABLE,		/* 503 serverInternal + Retry-After */
	ACME_PROB_BAD_CSR,		/* 400 badCSR */
	ACME_PROB_REJECTED_IDENT,	/* 400 rejectedIdentifier */
	ACME_PROB_UNSUPPORTED_IDENT,	/* 400 unsupportedIdentifier */
	ACME_PROB_ORDER_NOT_READY,	/* 403 orderNotReady */
	ACME_PROB_CAA,			/* 403 caa */
	ACME_PROB_DNS,			/* 400 dns */
	ACME_PROB_CONNECTION,		/* 400 connection */
	ACME_PROB_TLS,			/* 400 tls */
	ACME_PROB_INCORRECT_RESPONSE,	/* 400 incorrectResponse */
	ACME_PROB_BAD_REVOCATION_REASON,/* 400 badRevocationReason */
	ACME_PROB_ALREADY_REVOKED,	/* 400 alreadyRevoked */
	ACME_PROB_ALREADY_REPLACED,	/* 409 alreadyReplaced */
	ACME_PROB_INVALID_PROFILE,	/* 400 invalidProfile */
	ACME_PROB__MAX
};

/*
 * A failure on its way up: the problem type and a sentence a person can act
 * on.  Functions that can fail for a client-visible reason fill one in.
 */
struct perr {
	enum acme_prob	 prob;
	char		 detail[320];
};

/* ------------------------------------------------------------------ */
/* Requests and responses (fcgi.c, resp in problem.c)                   */
/* ------------------------------------------------------------------ */

enum http_method {
	METHOD_GET = 0,
	METHOD_HEAD,
	METHOD_POST,
	METHOD_OTHER,
	METHOD__MAX
};

/* One request as the web server handed it over; owned by fcgi.c. */
struct req {
	enum http_method method;
	char		*method_str;	/* as received, sanitised on use */
	char		*path;		/* PATH_INFO, "" when absent */
	char		*query;		/* QUERY_STRING, "" when absent */
	char		*ctype;		/* CONTENT_TYPE or NULL */
	char		*body;		/* NUL-terminated; NULL when not read */
	size_t		 bodysz;
	int		 body_too_large; /* CONTENT_LENGTH > max_body_size */
	int		 body_short;	/* fewer bytes than CONTENT_LENGTH */
	int		 has_nonce_hdr;	/* a Replay-Nonce request header */
	char		*remote_addr;	/* REMOTE_ADDR or "-" */
	char		*user_agent;	/* HTTP_USER_AGENT or NULL */
	char		 id[13];	/* request id for logs */
	time_t		 now;		/* read once, passed down */
};

#define RESP_MAXHDRS	12

struct resp_hdr {
	char	*name;
	char	*value;
};

/* One response being built; problem_set() and resp_*() fill it in. */
struct resp {
	int		 status;
	const char	*ctype;		/* static string; NULL means no body */
	char		*body;
	size_t		 bodysz;
	enum acme_prob	 prob;		/* ACME_PROB_NONE unless a problem */
	struct resp_hdr	 hdrs[RESP_MAXHDRS];
	size_t		 hdrsz;

	/*
	 * A post-response continuation (fcgi.c): a handler whose work goes
	 * on after its answer (finalize still signing) sets cont, cont_free
	 * and cont_arg (owned).  fcgi_run() calls cont(cont_arg) once the
	 * response was sent and the request finished, with no transaction
	 * open, then cont_free(cont_arg).  resp_clear() and resp_reset()
	 * call cont_free(cont_arg) without running cont.
	 */
	void		(*cont)(void *);
	void		(*cont_free)(void *);
	void		*cont_arg;
};

/* ------------------------------------------------------------------ */
/* Configuration (conf.c)                                               */
/* ------------------------------------------------------------------ */

enum enrollment {
	ENROLL_OPEN = 0,
	ENROLL_EAB,
	ENROLL__MAX
};

struct conf {
	char		*path;		/* file it came from */
	char		*base_url;	/* no trailing slash */
	char		*state_dir;
	enum enrollment	 enrollment;
	char		*terms_of_service; /* NULL: no agreement needed */
	char		*website;	/* NULL if unset */
	char		*location_header; /* name "Location" goes out as; NULL */
	char	       **caa_identities;
	size_t		 caa_identitiessz;
	unsigned int	 nonce_lifetime;	/* seconds, default 3600 */
	size_t		 max_body_size;		/* bytes, default 65536 */
	unsigned int	 max_contacts;		/* default 10 */
	unsigned int	 orders_per_page;	/* default 100 */
	unsigned int	 lock_timeout;		/* ms, default 2000 */
	unsigned int	 txn_retries;		/* default 5 */
	unsigned int	 db_cache_size;		/* KiB, default 8192 */
	unsigned int	 min_free_space;	/* KiB, default 32768; 0 off */
	unsigned int	 worker_idle_exit;	/* seconds, default 300 */
	char		*worker_path;	/* default LIBEXECDIR/acmegw-worker */
	int		 log_level;	/* 0 warn, 1 info, 2 debug; default 1 */

	/* Orders and authorizations (issue 3). */
	unsigned int	 max_identifiers;	/* per order, default 100 */
	char	       **allowed_domains;	/* suffixes; none: all allowed */
	size_t		 allowed_domainssz;
	char	       **forbidden_domains;	/* suffixes */
	size_t		 forbidden_domainssz;
	unsigned int	 authz_reuse;		/* seconds, default 30d; 0 off */
	int		 pre_authorization;	/* newAuthz; default 0 */
	unsigned int	 challenge_types;	/* bit per enum chall_type; all */
	unsigned int	 order_lifetime;	/* seconds, default 7d */
	unsigned int	 authz_lifetime;	/* seconds, default 7d */
	unsigned int	 max_validity;		/* notAfter - notBefore, 90d */

	/* Validation (issue 3). */
	unsigned int	 validate_http_port;	/* default 80 */
	unsigned int	 validate_tls_port;	/* default 443 */
	char		*resolver;		/* "ADDR:PORT"; NULL: system */
	int		 allow_private_targets;	/* default 0 */
	unsigned int	 validation_timeout;	/* ms, default 10000 */
	unsigned int	 max_validations;	/* at once, default 16 */
	unsigned int	 validation_attempts;	/* runs of one job, default 3 */
	char		*validator_path; /* default LIBEXECDIR/acmegw-validate */

	/* Issuance and revocation (issue 4). */
	char		*ca_cert;		/* issuing CA certificate, PEM */
	char		*ca_key;		/* PATH or pkcs11: URI; signer only */
	char		*ca_chain;		/* PEM above ca_cert; NULL none */
	char		*ca_alternate_chain;	/* NULL: no alternate */
	char		*signer_path;	/* default LIBEXECDIR/acmegw-sign */
	unsigned int	 signing_timeout;	/* ms, default 5000 */
	unsigned int	 signing_wait;	/* ms finalize waits; default 3000 */
	char		*default_profile;	/* default "default" */
	struct profile	*profiles;		/* at least one after load */
	size_t		 profilessz;
	unsigned int	 revocation_reasons;	/* bit per reason; 0 1 3 4 5 */
	char		*crl_file;		/* NULL: no CRL */
	unsigned int	 crl_validity;		/* seconds, default 7d */
	int		 crl_on_revoke;		/* default 1 */
	unsigned int	 crl_interval;		/* seconds, default 1d; 0 off */
	unsigned int	 ari_window;		/* percent, default 33 */
};

/* Key types a profile may allow: bit (1U << KT_x) of profile.key_types. */
enum key_type {
	KT_RSA2048 = 0,		/* RSA 2048..3071 bits */
	KT_RSA3072,		/* RSA 3072..4095 bits */
	KT_RSA4096,		/* RSA 4096..8192 bits */
	KT_P256,
	KT_P384,
	KT_ED25519,
	KT__MAX
};

/* One certificate profile (profile.NAME.* keys); owned by struct conf. */
struct profile {
	char		*name;
	unsigned int	 validity;	/* seconds, default 90d */
	unsigned int	 key_usage;	/* GNUTLS_KEY_* bits */
	char	       **eku;		/* OIDs, e.g. GNUTLS_KP_TLS_WWW_SERVER */
	size_t		 ekusz;
	unsigned int	 key_types;	/* bit per enum key_type */
	int		 common_name;	/* first name in the subject CN */
	char		*crl_url;	/* NULL: no CRL distribution point */
	char		*aia_url;	/* NULL: no caIssuers */
};

enum chall_type {
	CHALL_HTTP01 = 0,
	CHALL_DNS01,
	CHALL_TLSALPN01,
	CHALL__MAX
};

/* ------------------------------------------------------------------ */
/* Base64url, JSON, keys and JWS (b64.c json.c jwk.c jws.c)             */
/* ------------------------------------------------------------------ */

enum jwk_kty {
	JWK_RSA = 0,
	JWK_EC_P256,
	JWK_EC_P384,
	JWK_EC_P521,
	JWK_ED25519,
	JWK__MAX
};

/* A vetted public key: only jwk.c makes one, after the key policy. */
struct jwk {
	enum jwk_kty	 kty;
	unsigned int	 bits;		/* RSA modulus size, curve size */
	gnutls_pubkey_t	 pub;
	char		*canon;		/* RFC 7638 canonical JSON, NUL-terminated */
	char		 thumb[ACMEGW_THUMB_LEN + 1]; /* RFC 7638 thumbprint */
};

enum jws_mode {
	JWS_OUTER = 0,		/* request body: asymmetric, nonce and url */
	JWS_KEYCHANGE_INNER,	/* RFC 8555 7.3.5: jwk, url, no nonce */
	JWS_EAB,		/* RFC 8555 7.3.4: HS*, kid, url, no nonce */
	JWS_MODE__MAX
};

/* A parsed flattened JWS; everything owned, jws_clear() frees. */
struct jws {
	struct json_object *hdr;	/* protected header */
	const char	*alg;		/* borrowed from hdr */
	const char	*nonce;		/* borrowed from hdr, NULL if absent */
	const char	*url;		/* borrowed from hdr */
	const char	*kid;		/* borrowed from hdr, NULL if absent */
	struct jwk	*jwk;		/* from the header, NULL if kid */
	char		*signing_input;	/* ASCII(protected "." payload) */
	size_t		 signing_inputsz;
	unsigned char	*payload;	/* decoded, with a NUL after it */
	size_t		 payloadsz;	/* 0: POST-as-GET */
	unsigned char	*sig;
	size_t		 sigsz;
};

/* ------------------------------------------------------------------ */
/* The store (store.c)                                                  */
/* ------------------------------------------------------------------ */

enum store_db {
	SDB_META = 0,		/* "schema" -> version record */
	SDB_ACCOUNTS,		/* account id -> account record */
	SDB_ACCTKEYS,		/* key thumbprint -> account id */
	SDB_EAB,		/* EAB key id -> EAB record */
	SDB_NONCES,		/* 24 raw nonce bytes -> empty */
	SDB_ORDERS,		/* order id -> order record */
	SDB_ORDERS_BY_ACCT,	/* account id + order id -> empty */
	SDB_AUTHZ,		/* authz id -> authorization record */
	SDB_CHALLS,		/* challenge id -> challenge record */
	SDB_AUTHZ_REUSE,	/* account id + "|" + type + ":" + value -> authz id */
	SDB_JOBS,		/* 8-byte BE queue time + challenge id -> job */
	SDB_CERTS,		/* serial (lowercase hex) -> certificate record */
	SDB_CERTS_BY_ACCT,	/* account id + serial hex -> empty */
	SDB_BLOCKED_KEYS,	/* SPKI SHA-256 base64url -> block record */
	SDB__MAX
};

struct store {
	DB_ENV		*env;
	DB		*db[SDB__MAX];
	char		*home;
	unsigned int	 retries;	/* whole-txn retries on deadlock */
	unsigned int	 budget_ms;	/* keep retrying that long (lock_timeout) */
	int		 panic;		/* DB_RUNRECOVERY seen: exit soon */
	int		 open_rc;	/* why env is NULL: errno or DB code */
	time_t		 open_logged;	/* last log line of a failed open */
	char		 open_err[512];	/* why env is NULL: the message */
};

/* store_open() flags */
#define STORE_WORKER	0x01	/* the watcher: no worker start-up */
#define STORE_RETRY	0x02	/* failed open: closed store, store_retry() */

/* store_txn_run() flags */
#define STORE_NOSYNC	0x01	/* DB_TXN_WRITE_NOSYNC: nonces only */

/* Return values of store_txn_run() beyond 0 and a body's own codes. */
#define STORE_BUSY	(-30001)	/* deadlock retries exhausted */
#define STORE_FATAL	(-30002)	/* DB_RUNRECOVERY / panic */

/* ------------------------------------------------------------------ */
/* One request in flight (router.c and the handlers)                    */
/* ------------------------------------------------------------------ */

struct ctx {
	const struct conf *conf;
	struct store	*store;
	const struct req *req;
	struct resp	*resp;
	time_t		 now;
	struct jws	 jws;		/* the outer JWS of a POST */
	struct json_object *payload;	/* parsed payload; NULL: POST-as-GET */
	struct json_object *acct;	/* the kid account's record, or NULL */
	char		 acct_id[ACMEGW_ID_LEN + 1];
	const char	*route_id;	/* id from the path, borrowed */
	const char	*route_sub;	/* second path segment, borrowed */
	int		 poke_worker;	/* after commit: chall_poke_worker() */

	/*
	 * The second phase of a request (router.c): a handler that must work
	 * with no transaction open (finalize runs the signer) sets after and
	 * after_free with after_arg (owned).  Once the request's transaction
	 * committed, the router calls after(ctx, after_arg), which replaces
	 * the response; after_free(after_arg) always follows.  When the
	 * handler refuses, an attempt is retried or the commit fails, the
	 * router frees after_arg without running after.  An after that hands
	 * after_arg on (to the response's continuation, struct resp: cont)
	 * sets ctx->after_arg to NULL, and then nothing is freed here.
	 */
	void		(*after)(struct ctx *, void *);
	void		(*after_free)(void *);
	void		*after_arg;
};

/* ------------------------------------------------------------------ */
/* Prototypes                                                           */
/* ------------------------------------------------------------------ */

/* log.c */
void		 log_init(const char *role, int level);
void		 log_set_reqid(const char *);
void		 log_warn(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_warnx(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_info(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_debug(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 fatal(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
void		 fatalx(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
size_t		 log_sanitize(char *, size_t, const char *, size_t);

/* problem.c */
extern const char *const acme_prob_type[ACME_PROB__MAX];
int		 acme_prob_status(enum acme_prob);
enum acme_prob	 perr_set(struct perr *, enum acme_prob, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 resp_init(struct resp *);
void		 resp_clear(struct resp *);
void		 resp_reset(struct resp *);
int		 resp_header(struct resp *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
const char	*resp_header_get(const struct resp *, const char *);
int		 resp_json(struct resp *, int, struct json_object *);
void		 problem_set(struct resp *, enum acme_prob, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 problem_perr(struct resp *, const struct perr *);

/* b64.c */
size_t		 b64url_enclen(size_t);
int		 b64url_encode(const unsigned char *, size_t, char *, size_t);
int		 b64url_decode(const char *, size_t, unsigned char **, size_t *);
int		 b64url_is_canonical(const char *, size_t);

/* json.c */
#define JSON_MAX_DEPTH	10
struct json_object *json_parse_strict(const char *, size_t, struct perr *);
int		 json_has_dup_keys(const char *, size_t);
int		 json_utf8_is_valid(const char *, size_t);
int		 json_name_is_listed(const char *, const char *const *);
int		 json_get_str(struct json_object *, const char *,
		    const char **, size_t *);
int		 json_get_bool(struct json_object *, const char *, int *);
int		 json_get_int(struct json_object *, const char *, int64_t,
		    int64_t, int64_t *);
int		 json_get_obj(struct json_object *, const char *,
		    struct json_object **);
int		 json_get_array(struct json_object *, const char *,
		    struct json_object **);
int		 json_only_members(struct json_object *,
		    const char *const *, const char **);
const char	*json_compact(struct json_object *);

/* jwk.c */
extern const char *const jwk_kty_alg[JWK__MAX];
struct jwk	*jwk_from_json(struct json_object *, struct perr *);
struct jwk	*jwk_from_canon(const char *);
struct jwk	*jwk_from_pem(const char *, size_t, struct perr *);
void		 jwk_free(struct jwk *);
int		 jwk_thumbprint(const char *, char *, size_t);
int		 jwk_is_same(const struct jwk *, const struct jwk *);

/* jws.c */
enum acme_prob	 jws_parse(const char *, size_t, enum jws_mode, struct jws *,
		    struct perr *);
enum acme_prob	 jws_parse_obj(struct json_object *, enum jws_mode,
		    struct jws *, struct perr *);
enum acme_prob	 jws_verify(const struct jws *, const struct jwk *,
		    struct perr *);
enum acme_prob	 jws_verify_mac(const struct jws *, const unsigned char *,
		    size_t, struct perr *);
void		 jws_clear(struct jws *);
const char	*jws_algorithms(void);

/* conf.c */
void		 conf_init(struct conf *);
int		 conf_load(struct conf *, const char *, char *, size_t);
int		 conf_parse_buf(struct conf *, const char *, const char *,
		    size_t, char *, size_t);
void		 conf_clear(struct conf *);
void		 conf_dump(const struct conf *, FILE *);
extern const char *const key_type_str[KT__MAX];
const struct profile *conf_profile(const struct conf *, const char *);

/* store.c */
struct store	*store_open(const struct conf *, int, char *, size_t);
void		 store_close(struct store *);
int		 store_is_open(const struct store *);
const char	*store_open_error(const struct store *);
int		 store_retry(struct store *, const struct conf *);
int		 store_txn_run(struct store *, int,
		    int (*)(DB_TXN *, void *), void *);
int		 store_txn_child(struct store *, DB_TXN *,
		    int (*)(DB_TXN *, void *), void *);
int		 store_get(struct store *, DB_TXN *, enum store_db,
		    const void *, size_t, int, void **, size_t *);
int		 store_put(struct store *, DB_TXN *, enum store_db,
		    const void *, size_t, const void *, size_t, int);
int		 store_del(struct store *, DB_TXN *, enum store_db,
		    const void *, size_t);
int		 store_scan_prefix(struct store *, DB_TXN *, enum store_db,
		    const void *, size_t, size_t, int,
		    int (*)(const void *, size_t, const void *, size_t,
		    void *), void *);
int		 store_get_json(struct store *, DB_TXN *, enum store_db,
		    const char *, int, struct json_object **);
int		 store_put_json(struct store *, DB_TXN *, enum store_db,
		    const char *, struct json_object *, int);
int		 store_is_retryable(int);
int		 store_new_id(char *, size_t);
const char	*store_strerror(int);
int		 store_space_low(const struct conf *, unsigned long long *);
int		 store_err_is_space(int);
int		 store_err_is_access(int);
const char	*store_user(char *, size_t);

/* nonce.c */
int		 nonce_issue(struct store *, time_t, char *, size_t);
int		 nonce_consume(struct store *, DB_TXN *, const char *,
		    time_t, unsigned int, struct perr *);
int		 nonce_expire(struct store *, time_t, unsigned int, size_t *);

/* worker.c (the responder's side: start the watcher on demand) */
int		 worker_ensure(const struct conf *, time_t);
int		 worker_main(const struct conf *);
int		 worker_reconcile(struct store *, unsigned int, time_t,
		    size_t *);
int		 worker_crl_is_due(const struct conf *, time_t, time_t);

/* fcgi.c */
int		 fcgi_run(const struct conf *, struct store *,
		    volatile sig_atomic_t *);

/* router.c */
int		 router_handle(const struct conf *, struct store *,
		    const struct req *, struct resp *, char *, size_t);
int		 ctx_load_own(struct ctx *, DB_TXN *,
		    int (*)(struct store *, DB_TXN *, const char *, int,
		    struct json_object **), const char *,
		    struct json_object **);
int		 url_build(const struct conf *, char *, size_t, const char *,
		    ...) __attribute__((format(printf, 4, 5)));

/* directory.c */
void		 directory_get(struct ctx *);
void		 nonce_get(struct ctx *);

/* account.c */
int		 account_new(struct ctx *, DB_TXN *);
int		 account_post(struct ctx *, DB_TXN *);
int		 account_orders(struct ctx *, DB_TXN *);
int		 account_load(struct ctx *, DB_TXN *, const char *,
		    struct json_object **, struct jwk **);
int		 account_json(struct ctx *, struct json_object *,
		    struct json_object **);
int		 account_contacts_check(const struct conf *,
		    struct json_object *, struct perr *);
struct json_object *account_record_new(const char *, const struct jwk *,
		    struct json_object *, int, const char *, time_t);

/* keychange.c */
int		 keychange_post(struct ctx *, DB_TXN *);

/* eab.c */
int		 eab_record_new(const char *, const char *, const char *,
		    time_t, char *, size_t, struct json_object **);
int		 eab_check_bind(struct ctx *, DB_TXN *, struct json_object *,
		    const struct jwk *, const char *, struct perr *);

/* ident.c */
struct ident {
	int		 is_ip;		/* type "ip" (RFC 8738), else "dns" */
	int		 wildcard;	/* value starts with "*." */
	char		 value[256];	/* normalised; wildcards keep "*." */
};
enum acme_prob	 ident_parse(struct json_object *, struct ident *,
		    struct perr *);
int		 ident_is_allowed(const struct conf *, const struct ident *,
		    char *const *, size_t, struct perr *);
int		 ident_cmp(const struct ident *, const struct ident *);
const char	*ident_type_str(const struct ident *);

/* order.c */
int		 order_new(struct ctx *, DB_TXN *);
int		 order_post(struct ctx *, DB_TXN *);
int		 order_load(struct store *, DB_TXN *, const char *, int,
		    struct json_object **);
int		 order_own(struct ctx *, DB_TXN *, struct json_object **);
int		 order_reply(struct ctx *, struct json_object *, int,
		    const char *);
struct json_object *order_problem_obj(enum acme_prob, const char *,
		    struct json_object *);
int		 order_refresh(struct store *, DB_TXN *, struct json_object *,
		    time_t);
int		 order_json(struct ctx *, struct json_object *,
		    struct json_object **);
int		 order_time_str(time_t, char *, size_t);
int		 order_time_parse(const char *, size_t, time_t *);
int		 order_eab_domains(struct ctx *, DB_TXN *, char ***, size_t *,
		    struct perr *);
void		 order_eab_domains_free(char **, size_t);

/* authz.c */
int		 authz_new(struct ctx *, DB_TXN *);
int		 authz_post(struct ctx *, DB_TXN *);
int		 authz_deactivate_account(struct ctx *, DB_TXN *,
		    unsigned int *);
int		 authz_obtain(struct ctx *, DB_TXN *, const struct ident *,
		    char *, size_t, time_t *, struct perr *);
int		 authz_load(struct store *, DB_TXN *, const char *, int,
		    struct json_object **);
int		 authz_refresh(struct json_object *, time_t);
int		 authz_json(struct ctx *, DB_TXN *, struct json_object *,
		    struct json_object **);
size_t		 authz_chall_types(const struct conf *, const struct ident *,
		    enum chall_type *);

/* chall.c */
extern const char *const chall_type_str[CHALL__MAX];
int		 chall_type_parse(const char *);
int		 chall_new(struct store *, DB_TXN *, const char *, const char *,
		    enum chall_type, char *, size_t);
int		 chall_load(struct store *, DB_TXN *, const char *, int,
		    struct json_object **);
int		 chall_json(const struct conf *, struct json_object *,
		    struct json_object **);
int		 chall_post(struct ctx *, DB_TXN *);
int		 chall_poke_worker(const struct conf *);

/* helper.c (the parent's side of acmegw-validate and acmegw-sign) */
#define HELPER_IO_MAX		65536	/* request and answer bytes */
#define HELPER_POLLFDS		3	/* pollfd entries one helper needs */
#define HELPER_ST_KILLED	(-1)	/* killed by us: too much output... */
#define HELPER_ST_TIMEOUT	(-2)	/* killed at the deadline */
#define HELPER_ST_LOST		(-3)	/* not started, or status lost */
struct helper;
struct pollfd;
struct helper	*helper_start(const char *, char *const [], const void *,
		    size_t, unsigned int, char *, size_t);
int		 helper_step(struct helper *);
size_t		 helper_pollfds(const struct helper *, struct pollfd *,
		    size_t);
int		 helper_wait_ms(const struct helper *);
int		 helper_is_done(const struct helper *);
int		 helper_is_timed_out(const struct helper *);
int		 helper_answer(const struct helper *, const char **, size_t *,
		    int *, char *, size_t);
void		 helper_kill(struct helper *, const char *);
void		 helper_free(struct helper *);
int		 helper_run(const char *, char *const [], const void *, size_t,
		    unsigned int, char **, size_t *, int *, char *, size_t);

/* csr.c (CSR parse and policy: finalize and acmegw-sign) */
#define CSR_MAX_NAMES		100	/* SAN entries (R10) */
struct csr {
	gnutls_x509_crq_t crq;
	struct jwk	*key;		/* the CSR key, vetted; key->thumb */
	enum key_type	 ktype;
	char	       **names;		/* dns + ip, normalised, sorted */
	size_t		 namesz;
	unsigned char	 spki_hash[32];	/* SHA-256 of the SubjectPublicKeyInfo */
	char		 spki_b64[44];	/* its base64url, NUL-terminated */
};
enum acme_prob	 csr_parse(const unsigned char *, size_t, struct csr *,
		    struct perr *);
enum acme_prob	 csr_check(const struct csr *, struct json_object *,
		    const struct profile *, struct perr *);
void		 csr_clear(struct csr *);
int		 csr_key_type(const struct jwk *, enum key_type *);

/* ca.c (a local root and issuing CA for acmegwctl init) */
enum ca_keyalg {
	CA_KEY_ECDSA = 0,	/* P-256 */
	CA_KEY_RSA,		/* RSA 3072 */
	CA_KEY__MAX
};
int		 ca_create(const char *, const char *, const char *,
		    enum ca_keyalg, const char *, time_t, char *, size_t);
int		 ca_spki_hash(gnutls_pubkey_t, unsigned char *, size_t);

/* revoke.c (revokeCert, administrator revocation, the CRL) */
#define REVOKE_ADMIN_REASONS	0x23bu	/* 0 1 3 4 5 9 (BR 7.2.2) */
int		 revoke_post(struct ctx *, DB_TXN *);
void		 revoke_committed(struct ctx *);
int		 revoke_admin(struct store *, const char *, int, time_t,
		    struct perr *);
int		 revoke_serial_norm(const char *, char *, size_t);
int		 crl_update(const struct conf *, struct store *, time_t,
		    int64_t *, char *, size_t);

/* cert.c (finalize, certificate download, serials, the reconciler's step) */
#define CERT_SERIAL_RAW		16	/* CSPRNG bytes of a serial (S1) */
#define CERT_SERIAL_MAX		17	/* DER INTEGER content bytes */
#define CERT_SERIAL_HEXLEN	(2 * CERT_SERIAL_MAX)
#define CERT_RECONCILE_GRACE	30	/* s past signing_timeout (S9) */
int		 cert_finalize(struct ctx *, DB_TXN *);
int		 cert_post(struct ctx *, DB_TXN *);
int		 cert_serial_new(unsigned char *, size_t *, char *, size_t);
int		 cert_serial_is_valid(const char *, size_t);
int		 cert_reserve(struct store *, DB_TXN *, struct json_object *,
		    char *, size_t);
int		 cert_load(struct store *, DB_TXN *, const char *, int,
		    struct json_object **);
int		 cert_abandon(struct store *, DB_TXN *, const char *,
		    enum acme_prob, const char *);

/* ari.c (RFC 9773 renewal information, newOrder "replaces") */
#define ARI_RETRY_AFTER		21600	/* seconds */
#define ARI_CERTID_MAX		200	/* certID characters looked at */
int		 ari_certid_parse(const char *, size_t, char *, size_t,
		    char *, size_t, struct perr *);
int		 ari_window(const struct conf *, struct json_object *, time_t,
		    time_t *, time_t *);
void		 ari_get(struct ctx *);
int		 ari_replaces_check(struct ctx *, DB_TXN *, const char *,
		    size_t, const struct ident *, size_t, struct perr *);
int		 ari_mark_replaced(struct store *, DB_TXN *, const char *,
		    const char *);

/* validate*.c (acmegw-validate: the only program that connects outward) */
#define VAL_IO_MAX		65536	/* request and verdict bytes */
#define VAL_MAX_ADDRS		16	/* addresses resolved / listed */
#define VAL_ADDRSTRLEN		46	/* INET6_ADDRSTRLEN */
#define VAL_MAX_REDIRECTS	10	/* http-01 (SECURITY.md H7) */
#define VAL_MAX_BODY		128	/* http-01 body bytes read (H11) */
#define VAL_MAX_TXT		100	/* TXT / CAA records looked at (D3) */
#define VAL_MAX_CAA_IDS		32	/* settings.caa_identities */

enum val_method {
	VAL_HTTP01 = 0,
	VAL_DNS01,
	VAL_TLSALPN01,
	VAL__MAX
};

/* One IPv4 or IPv6 address, in network byte order. */
struct vaddr {
	int		 v6;
	unsigned char	 ip[16];		/* IPv4 in ip[0..4) */
};

/* One validation request, checked by validate.c; strings borrow json. */
struct vreq {
	struct json_object *json;		/* the parsed request, owned */
	enum val_method	 method;
	int		 is_ip;			/* identifier type "ip" */
	int		 wildcard;		/* "*." was stripped from name */
	char		 name[256];		/* lowercase DNS name or IP text */
	const char	*token;
	const char	*keyauth;
	size_t		 keyauthsz;
	const char	*account_uri;
	unsigned int	 http_port;
	unsigned int	 tls_port;
	char		 resolver[64];		/* "ADDR@PORT"; "" = system */
	int		 allow_private;
	unsigned int	 timeout_ms;
	const char	*caa_ids[VAL_MAX_CAA_IDS];
	size_t		 caa_idssz;
	int		 check_caa;
	uint64_t	 deadline;		/* CLOCK_MONOTONIC, ms */
};

/* The verdict being built: prob ACME_PROB_NONE means valid. */
struct vres {
	enum acme_prob	 prob;
	char		 detail[768];
	char		 addrs[VAL_MAX_ADDRS][VAL_ADDRSTRLEN];
	size_t		 addrsz;
};

/* validate.c */
extern const char *const val_method_str[VAL__MAX];
int		 val_name_is_valid(const char *, size_t);
uint64_t	 val_clock_ms(void);
unsigned int	 val_left_ms(const struct vreq *);
void		 val_set_phase(enum acme_prob);
void		 vres_addr(struct vres *, const struct vaddr *);
enum acme_prob	 vres_fail(struct vres *, enum acme_prob, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* validate_http.c */
int		 val_http01(const struct vreq *, struct vres *);

/* validate_dns.c */
int		 val_dns01(const struct vreq *, struct vres *);
int		 val_caa(const struct vreq *, struct vres *);
int		 vdns_lookup_addrs(const struct vreq *, const char *,
		    struct vaddr *, size_t, size_t *, struct vres *);
void		 vdns_ctx_free(void);

/* validate_tls.c */
int		 val_tlsalpn01(const struct vreq *, struct vres *);

/* validate_addr.c */
const char	*vaddr_refused_why(const struct vaddr *, int);
int		 vaddr_parse(const char *, struct vaddr *);
int		 vaddr_is_literal(const char *);
void		 vaddr_str(const struct vaddr *, char *, size_t);
int		 vaddr_reverse_name(const struct vaddr *, char *, size_t);
int		 vaddr_targets(const struct vreq *, const char *,
		    struct vaddr *, size_t, size_t *, struct vres *);

#endif /* ACMEGW_H */

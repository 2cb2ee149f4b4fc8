/*
 * sign.c: main of acmegw-sign, the only program that reads the CA key.
 *
 * Owns the signer protocol (one JSON request of at most 64 KiB on stdin,
 * one JSON answer on stdout; missing, unknown, duplicate or mistyped
 * members are errors: exit 1), the leaf certificate profile and the CRL
 * encoding.  It opens the CA key first (a group-readable file, the program
 * installed set-gid to that group, or a PKCS#11 URI), drops the set-gid
 * privilege, and only then reads the request.  It re-checks everything the
 * responder checked: the CSR (csr_parse, csr_check against the identifiers
 * and the named profile), the CSR key against the account key, the serial
 * and the validity; it verifies each certificate against the CA before
 * answering and logs every issuance (serial, names, profile).
 *
 * Installed set-gid, it reads its configuration without the group (so
 * "-f KEYFILE" cannot print a line of the key), and only from a file and
 * directory that root owns and nobody else can write (so a local user
 * cannot point it at a policy of their own), and drops the group for
 * good (real, effective and saved gid) once the key is open.
 *
 * Must never: read the request before the privilege is dropped, sign
 * anything the request did not pass every check for, open the store or
 * the network, or log key bytes.
 */
#define _GNU_SOURCE		/* setresgid, getresgid */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/pkcs11.h>
#include <gnutls/x509.h>
#include <gnutls/x509-ext.h>

#include "acmegw.h"

#define SIGN_READ_SECS	30		/* bound on reading the request */
#define SIGN_FILE_MAX	(1024 * 1024)	/* bytes of a CA file */
#define SIGN_SERIAL_MAX	20		/* DER content bytes (S1: 17) */
#define SIGN_CRL_MAX	10000		/* revoked entries in one CRL */
#define SIGN_SLACK	3600		/* validity over the profile's */
#define SIGN_BACKDATE	86400		/* oldest not_before accepted */

/* What main() holds for the two operations. */
struct signer {
	const struct conf	*conf;
	gnutls_privkey_t	 key;	/* the CA key */
	gnutls_x509_crt_t	 ca;	/* the issuing CA certificate */
	unsigned char		 ski[64]; /* its subject key id */
	size_t			 skisz;
	gnutls_digest_algorithm_t dig;
	int			 pk;	/* GNUTLS_PK_* of the CA key */
	time_t			 now;
};

static const char *const req_sign[] = {
	"v", "op", "csr", "serial", "identifiers", "not_before", "not_after",
	"profile", "account_thumb", NULL
};
static const char *const req_crl[] = {
	"v", "op", "number", "this_update", "next_update", "revoked", NULL
};
static const char *const req_entry[] = { "serial", "time", "reason", NULL };

/* ------------------------------------------------------------------ */
/* Files and I/O                                                        */
/* ------------------------------------------------------------------ */

/* Read the file at path (at most SIGN_FILE_MAX bytes) into d.  0 / -1. */
static int
sign_read_file(const char *path, gnutls_datum_t *d)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd, rc = -1;

	d->data = NULL;
	d->size = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > SIGN_FILE_MAX) {
		log_warnx("%s: not a regular file of at most %d bytes", path,
		    SIGN_FILE_MAX);
		goto out;
	}
	if ((d->data = gnutls_malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	while (len < (size_t)st.st_size) {
		n = read(fd, d->data + len, (size_t)st.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("%s: read", path);
			goto out;
		}
		len += (size_t)n;
	}
	d->data[len] = '\0';
	d->size = (unsigned int)len;
	rc = 0;
out:
	close(fd);
	if (rc == -1) {
		gnutls_free(d->data);
		d->data = NULL;
	}
	return rc;
}

/* Read all of fd 0, at most HELPER_IO_MAX bytes, into a new buffer. */
static int
sign_read_request(char **bufp, size_t *lenp)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 n;

	if ((buf = malloc(HELPER_IO_MAX + 2)) == NULL)
		return -1;
	for (;;) {
		n = read(STDIN_FILENO, buf + len, HELPER_IO_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("request: read");
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > HELPER_IO_MAX) {
			log_warnx("request: larger than %d bytes",
			    HELPER_IO_MAX);
			free(buf);
			return -1;
		}
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

/* Write obj as one line of JSON on stdout.  0 / -1. */
static int
sign_write(struct json_object *obj)
{
	const char	*s;
	size_t		 len, off = 0;
	ssize_t		 n;

	if ((s = json_compact(obj)) == NULL)
		return -1;
	len = strlen(s);
	if (len + 1 > HELPER_IO_MAX) {
		log_warnx("answer larger than %d bytes", HELPER_IO_MAX);
		return -1;
	}
	while (off < len) {
		n = write(STDOUT_FILENO, s + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("answer: write");
			return -1;
		}
		off += (size_t)n;
	}
	while ((n = write(STDOUT_FILENO, "\n", 1)) == -1 && errno == EINTR)
		continue;
	return n == 1 ? 0 : -1;
}

/* Answer {"v":1,"status":"refused","error":{type,detail}}.  0 / -1. */
static int
sign_refuse(const struct perr *pe)
{
	struct json_object	*a, *e;
	char			 detail[sizeof(pe->detail)];
	int			 rc;

	log_sanitize(detail, sizeof(detail), pe->detail, strlen(pe->detail));
	log_info("refused (%s): %s", acme_prob_type[pe->prob], detail);
	if ((a = json_object_new_object()) == NULL)
		return -1;
	if ((e = json_object_new_object()) == NULL) {
		json_object_put(a);
		return -1;
	}
	json_object_object_add(a, "v", json_object_new_int(1));
	json_object_object_add(a, "status", json_object_new_string("refused"));
	json_object_object_add(e, "type",
	    json_object_new_string(acme_prob_type[pe->prob]));
	json_object_object_add(e, "detail", json_object_new_string(detail));
	json_object_object_add(a, "error", e);
	rc = sign_write(a);
	json_object_put(a);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Request members                                                      */
/* ------------------------------------------------------------------ */

/* String member key, or log why not.  0 / -1. */
static int
req_str(struct json_object *o, const char *key, const char **v)
{
	if (json_get_str(o, key, v, NULL) == 0)
		return 0;
	log_warnx("malformed request: member \"%s\" missing or not a string",
	    key);
	return -1;
}

/* Integer member key in [min, max], or log why not.  0 / -1. */
static int
req_int(struct json_object *o, const char *key, int64_t min, int64_t max,
    int64_t *v)
{
	if (json_get_int(o, key, min, max, v) == 0)
		return 0;
	log_warnx("malformed request: member \"%s\" missing or not an "
	    "integer from %lld to %lld", key, (long long)min, (long long)max);
	return -1;
}

/*
 * A serial in lowercase hex (even length) into out: the content of a
 * positive DER INTEGER, minimal (a leading 00 only before a byte >= 0x80),
 * not zero, 1..SIGN_SERIAL_MAX bytes.  Returns the byte count or -1.
 */
static int
req_serial(const char *hex, unsigned char *out)
{
	size_t	 len = strlen(hex), i;
	int	 hi, lo, n;

	if (len == 0 || len % 2 != 0 || len / 2 > SIGN_SERIAL_MAX)
		return -1;
	for (i = 0; i < len; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') ||
		    (hex[i] >= 'a' && hex[i] <= 'f')))
			return -1;
	n = (int)(len / 2);
	for (i = 0; i < (size_t)n; i++) {
		hi = hex[2 * i] <= '9' ? hex[2 * i] - '0' : hex[2 * i] - 'a' +
		    10;
		lo = hex[2 * i + 1] <= '9' ? hex[2 * i + 1] - '0' :
		    hex[2 * i + 1] - 'a' + 10;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	if (out[0] & 0x80)
		return -1;			/* negative */
	if (out[0] == 0 && (n == 1 || !(out[1] & 0x80)))
		return -1;			/* zero, or not minimal */
	return n;
}

/* ------------------------------------------------------------------ */
/* Issuing a certificate                                                */
/* ------------------------------------------------------------------ */

/*
 * Append the contents of the PEM file path to *s (a heap string),
 * with a newline between.  0 / -1.
 */
static int
sign_cat(char **s, const char *data, size_t len)
{
	size_t	 have = *s ? strlen(*s) : 0;
	char	*n;

	if ((n = realloc(*s, have + len + 2)) == NULL)
		return -1;
	memcpy(n + have, data, len);
	have += len;
	if (have > 0 && n[have - 1] != '\n')
		n[have++] = '\n';
	n[have] = '\0';
	*s = n;
	return 0;
}

/* leaf PEM followed by the contents of files (NULL entries skipped). */
static char *
sign_chain(const gnutls_datum_t *leaf, const char *f1, const char *f2)
{
	gnutls_datum_t	 d;
	const char	*files[2] = { f1, f2 };
	char		*s = NULL;
	size_t		 i;

	if (sign_cat(&s, (const char *)leaf->data, leaf->size) == -1)
		return NULL;
	for (i = 0; i < 2; i++) {
		if (files[i] == NULL)
			continue;
		if (sign_read_file(files[i], &d) == -1) {
			free(s);
			return NULL;
		}
		if (sign_cat(&s, (const char *)d.data, d.size) == -1) {
			gnutls_free(d.data);
			free(s);
			return NULL;
		}
		gnutls_free(d.data);
	}
	return s;
}

/*
 * The subjectAltName extension for the identifiers (already checked
 * equal to the CSR's names).  With want_cn, the first DNS name of at
 * most 64 bytes goes into cn; otherwise, or when there is none, cn is
 * empty, the subject will be empty and the SAN is critical (RFC 5280
 * 4.2.1.6).  0 / -1.
 */
static int
sign_san(gnutls_x509_crt_t crt, struct json_object *ids, int want_cn,
    char *cn, size_t cnsz, struct perr *pe)
{
	gnutls_subject_alt_names_t	 san = NULL;
	gnutls_datum_t			 v, der = { NULL, 0 };
	struct ident			 id;
	unsigned char			 ip[16];
	size_t				 i, n;
	int				 rc = -1, v6;

	cn[0] = '\0';
	if (gnutls_subject_alt_names_init(&san) < 0)
		return -1;
	n = json_object_array_length(ids);
	for (i = 0; i < n; i++) {
		if (ident_parse(json_object_array_get_idx(ids, i), &id, pe) !=
		    ACME_PROB_NONE)
			goto out;
		if (id.is_ip) {
			v6 = strchr(id.value, ':') != NULL;
			if (inet_pton(v6 ? AF_INET6 : AF_INET, id.value, ip) !=
			    1)
				goto out;
			v.data = ip;
			v.size = v6 ? 16 : 4;
			if (gnutls_subject_alt_names_set(san,
			    GNUTLS_SAN_IPADDRESS, &v, NULL) < 0)
				goto out;
			continue;
		}
		if (want_cn && cn[0] == '\0' && strlen(id.value) <= 64 &&
		    strlen(id.value) < cnsz)
			snprintf(cn, cnsz, "%s", id.value);
		v.data = (unsigned char *)id.value;
		v.size = (unsigned int)strlen(id.value);
		if (gnutls_subject_alt_names_set(san, GNUTLS_SAN_DNSNAME, &v,
		    NULL) < 0)
			goto out;
	}
	if (gnutls_x509_ext_export_subject_alt_names(san, &der) < 0 ||
	    gnutls_x509_crt_set_extension_by_oid(crt, GNUTLS_X509EXT_OID_SAN,
	    der.data, der.size, cn[0] == '\0') < 0)
		goto out;
	rc = 0;
out:
	gnutls_free(der.data);
	gnutls_subject_alt_names_deinit(san);
	return rc;
}

/*
 * Handle a "sign" request.  Returns 0 when answered (issued or refused),
 * -1 on a malformed request or an internal failure.
 */
static int
sign_cert(struct signer *sg, struct json_object *req)
{
	const struct profile	*prof;
	struct csr		 csr;
	struct perr		 pe;
	struct json_object	*ids, *ans = NULL;
	gnutls_x509_crt_t	 crt = NULL, back = NULL;
	gnutls_datum_t		 pem = { NULL, 0 };
	gnutls_datum_t		 aia;
	const char		*b64, *hex, *pname, *thumb;
	unsigned char		*der = NULL, serial[SIGN_SERIAL_MAX];
	unsigned char		 kid[64], kid2[64];
	char			*chain = NULL, *alt = NULL, cn[80], names[512];
	size_t			 dersz, kidsz, kid2sz, i, off;
	int64_t			 v, nb, na;
	unsigned int		 ku, status;
	int			 serialsz, rc = -1, one_cn;

	memset(&csr, 0, sizeof(csr));
	memset(&pe, 0, sizeof(pe));
	if (json_only_members(req, req_sign, NULL) == -1) {
		log_warnx("malformed request: unknown member in \"sign\"");
		goto out;
	}
	if (req_int(req, "v", 1, 1, &v) == -1 ||
	    req_str(req, "csr", &b64) == -1 ||
	    req_str(req, "serial", &hex) == -1 ||
	    req_int(req, "not_before", 1, INT64_C(253402300799), &nb) == -1 ||
	    req_int(req, "not_after", 1, INT64_C(253402300799), &na) == -1 ||
	    req_str(req, "profile", &pname) == -1 ||
	    req_str(req, "account_thumb", &thumb) == -1)
		goto out;
	if (json_get_array(req, "identifiers", &ids) != 0 ||
	    json_object_array_length(ids) == 0) {
		log_warnx("malformed request: \"identifiers\" missing or not "
		    "a non-empty array");
		goto out;
	}
	if ((serialsz = req_serial(hex, serial)) == -1) {
		log_warnx("malformed request: \"serial\" is not the lowercase "
		    "hex of a positive minimal INTEGER of at most %d bytes",
		    SIGN_SERIAL_MAX);
		goto out;
	}
	if (strlen(thumb) != ACMEGW_THUMB_LEN) {
		log_warnx("malformed request: \"account_thumb\" is not a "
		    "thumbprint");
		goto out;
	}
	if (b64url_decode(b64, strlen(b64), &der, &dersz) == -1) {
		log_warnx("malformed request: \"csr\" is not base64url");
		goto out;
	}

	/* Policy: every refusal below is an answer, not a failure. */
	if ((prof = conf_profile(sg->conf, pname)) == NULL) {
		perr_set(&pe, ACME_PROB_INVALID_PROFILE, "no profile named in "
		    "the request exists in the signer's configuration");
		rc = sign_refuse(&pe);
		goto out;
	}
	if (csr_parse(der, dersz, &csr, &pe) != ACME_PROB_NONE ||
	    csr_check(&csr, ids, prof, &pe) != ACME_PROB_NONE) {
		if (pe.prob == ACME_PROB_SERVER_INTERNAL)
			goto out;
		rc = sign_refuse(&pe);
		goto out;
	}
	if (strcmp(csr.key->thumb, thumb) == 0) {
		perr_set(&pe, ACME_PROB_BAD_CSR, "the CSR key is the account "
		    "key; use a separate key for the certificate");
		rc = sign_refuse(&pe);
		goto out;
	}
	if (nb >= na || na - nb > (int64_t)prof->validity + SIGN_SLACK ||
	    nb < (int64_t)sg->now - SIGN_BACKDATE ||
	    nb > (int64_t)sg->now + SIGN_SLACK) {
		perr_set(&pe, ACME_PROB_SERVER_INTERNAL, "the requested "
		    "validity does not fit profile \"%s\" (%u s) or the "
		    "current time", prof->name, prof->validity);
		rc = sign_refuse(&pe);
		goto out;
	}

	/* The TBS certificate, fixed by the profile (R11). */
	if (gnutls_x509_crt_init(&crt) < 0) {
		crt = NULL;
		goto out;
	}
	if (sign_san(crt, ids, prof->common_name, cn, sizeof(cn), &pe) == -1)
		goto fail;
	one_cn = cn[0] != '\0';
	if (one_cn && gnutls_x509_crt_set_dn_by_oid(crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned int)strlen(cn)) < 0)
		goto fail;
	ku = prof->key_usage;
	if (csr.key->kty != JWK_RSA)
		ku &= ~(unsigned int)(GNUTLS_KEY_KEY_ENCIPHERMENT |
		    GNUTLS_KEY_DATA_ENCIPHERMENT);
	if (ku == 0)
		ku = GNUTLS_KEY_DIGITAL_SIGNATURE;
	kidsz = sizeof(kid);
	if (gnutls_x509_crt_set_version(crt, 3) < 0 ||
	    gnutls_x509_crt_set_serial(crt, serial, (size_t)serialsz) < 0 ||
	    gnutls_x509_crt_set_activation_time(crt, (time_t)nb) < 0 ||
	    gnutls_x509_crt_set_expiration_time(crt, (time_t)na) < 0 ||
	    gnutls_x509_crt_set_pubkey(crt, csr.key->pub) < 0 ||
	    gnutls_x509_crt_set_basic_constraints(crt, 0, -1) < 0 ||
	    gnutls_x509_crt_set_key_usage(crt, ku) < 0 ||
	    gnutls_pubkey_get_key_id(csr.key->pub, GNUTLS_KEYID_USE_SHA1, kid,
	    &kidsz) < 0 ||
	    gnutls_x509_crt_set_subject_key_id(crt, kid, kidsz) < 0 ||
	    gnutls_x509_crt_set_authority_key_id(crt, sg->ski, sg->skisz) < 0)
		goto fail;
	for (i = 0; i < prof->ekusz; i++)
		if (gnutls_x509_crt_set_key_purpose_oid(crt, prof->eku[i],
		    0) < 0)
			goto fail;
	if (prof->crl_url != NULL && gnutls_x509_crt_set_crl_dist_points(crt,
	    GNUTLS_SAN_URI, prof->crl_url, 0) < 0)
		goto fail;
	if (prof->aia_url != NULL) {
		aia.data = (unsigned char *)prof->aia_url;
		aia.size = (unsigned int)strlen(prof->aia_url);
		if (gnutls_x509_crt_set_authority_info_access(crt,
		    GNUTLS_IA_CAISSUERS_URI, &aia) < 0)
			goto fail;
	}
	if (gnutls_x509_crt_privkey_sign(crt, sg->ca, sg->key, sg->dig, 0) <
	    0) {
		log_warnx("signing the certificate failed");
		goto out;
	}

	/*
	 * S8: parsed back from its encoding, the result must verify against
	 * the CA and carry the CSR's key before anyone sees it.
	 */
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &pem) < 0 ||
	    gnutls_x509_crt_init(&back) < 0) {
		back = NULL;
		goto out;
	}
	kid2sz = sizeof(kid2);
	status = 0;
	if (gnutls_x509_crt_import(back, &pem, GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_crt_verify(back, &sg->ca, 1, 0, &status) < 0 ||
	    status != 0 ||
	    gnutls_x509_crt_get_key_id(back, GNUTLS_KEYID_USE_SHA1, kid2,
	    &kid2sz) < 0 || kid2sz != kidsz || memcmp(kid, kid2, kidsz) != 0) {
		log_warnx("the new certificate does not verify against the "
		    "CA or lost its key (status 0x%x)", status);
		goto out;
	}
	gnutls_free(pem.data);
	pem.data = NULL;
	if (gnutls_x509_crt_export2(back, GNUTLS_X509_FMT_PEM, &pem) < 0 ||
	    (chain = sign_chain(&pem, sg->conf->ca_cert,
	    sg->conf->ca_chain)) == NULL)
		goto out;
	if (sg->conf->ca_alternate_chain != NULL &&
	    (alt = sign_chain(&pem, sg->conf->ca_alternate_chain, NULL)) ==
	    NULL)
		goto out;
	if ((ans = json_object_new_object()) == NULL)
		goto out;
	json_object_object_add(ans, "v", json_object_new_int(1));
	json_object_object_add(ans, "status", json_object_new_string("ok"));
	json_object_object_add(ans, "cert", json_object_new_string_len(
	    (const char *)pem.data, (int)pem.size));
	json_object_object_add(ans, "chain", json_object_new_string(chain));
	if (alt != NULL)
		json_object_object_add(ans, "alt_chain",
		    json_object_new_string(alt));
	if (sign_write(ans) == -1)
		goto out;

	/* The audit line: serial, names, profile (names are ours now). */
	names[0] = '\0';
	for (i = 0, off = 0; i < csr.namesz && off + 1 < sizeof(names); i++) {
		off += (size_t)snprintf(names + off, sizeof(names) - off,
		    "%s%s", i ? "," : "", csr.names[i]);
		if (off >= sizeof(names))
			break;
	}
	log_info("issued serial %s profile %s names %s%s", hex, prof->name,
	    names, one_cn ? "" : " (no CN)");
	rc = 0;
	goto out;
fail:
	log_warnx("building the certificate failed");
out:
	free(chain);
	free(alt);
	gnutls_free(pem.data);
	if (ans != NULL)
		json_object_put(ans);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	if (back != NULL)
		gnutls_x509_crt_deinit(back);
	csr_clear(&csr);
	free(der);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The CRL, in DER by hand: GnuTLS cannot put a reasonCode on an entry  */
/* ------------------------------------------------------------------ */

struct dbuf {
	unsigned char	*p;
	size_t		 len;
	int		 err;
};

static void
db_add(struct dbuf *b, const void *data, size_t len)
{
	unsigned char	*n;

	if (b->err)
		return;
	if ((n = realloc(b->p, b->len + len + 1)) == NULL) {
		b->err = 1;
		return;
	}
	memcpy(n + b->len, data, len);
	b->p = n;
	b->len += len;
}

/* Append tag, DER length and content to b. */
static void
db_tlv(struct dbuf *b, unsigned char tag, const void *data, size_t len)
{
	unsigned char	 h[6];
	size_t		 hl = 0;

	h[hl++] = tag;
	if (len < 0x80)
		h[hl++] = (unsigned char)len;
	else if (len < 0x100) {
		h[hl++] = 0x81;
		h[hl++] = (unsigned char)len;
	} else if (len < 0x10000) {
		h[hl++] = 0x82;
		h[hl++] = (unsigned char)(len >> 8);
		h[hl++] = (unsigned char)len;
	} else {
		h[hl++] = 0x83;
		h[hl++] = (unsigned char)(len >> 16);
		h[hl++] = (unsigned char)(len >> 8);
		h[hl++] = (unsigned char)len;
	}
	if (len >= 0x1000000) {
		b->err = 1;
		return;
	}
	db_add(b, h, hl);
	db_add(b, data, len);
}

/* Append inner wrapped in tag to b and empty inner. */
static void
db_wrap(struct dbuf *b, unsigned char tag, struct dbuf *inner)
{
	if (inner->err)
		b->err = 1;
	db_tlv(b, tag, inner->p, inner->len);
	free(inner->p);
	memset(inner, 0, sizeof(*inner));
}

/* A positive INTEGER of value n. */
static void
db_uint(struct dbuf *b, uint64_t n)
{
	unsigned char	 v[9];
	size_t		 i = sizeof(v);

	do {
		v[--i] = (unsigned char)(n & 0xff);
		n >>= 8;
	} while (n != 0);
	if (v[i] & 0x80)
		v[--i] = 0;
	db_tlv(b, 0x02, v + i, sizeof(v) - i);
}

/* RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime after. */
static void
db_time(struct dbuf *b, time_t t)
{
	struct tm	 tm;
	char		 s[20];

	if (gmtime_r(&t, &tm) == NULL) {
		b->err = 1;
		return;
	}
	if (tm.tm_year + 1900 < 2050) {
		strftime(s, sizeof(s), "%y%m%d%H%M%SZ", &tm);
		db_tlv(b, 0x17, s, strlen(s));
	} else {
		strftime(s, sizeof(s), "%Y%m%d%H%M%SZ", &tm);
		db_tlv(b, 0x18, s, strlen(s));
	}
}

/* One Extension: SEQUENCE { OID, OCTET STRING value } (not critical). */
static void
db_ext(struct dbuf *b, const unsigned char *oid, size_t oidsz,
    struct dbuf *value)
{
	struct dbuf	 e = { NULL, 0, 0 };

	db_tlv(&e, 0x06, oid, oidsz);
	if (value->err)
		e.err = 1;
	db_tlv(&e, 0x04, value->p, value->len);
	free(value->p);
	memset(value, 0, sizeof(*value));
	db_wrap(b, 0x30, &e);
}

/* The AlgorithmIdentifier DER of a signature algorithm, or NULL. */
static const unsigned char *
sign_algid(gnutls_sign_algorithm_t alg, size_t *len)
{
	static const unsigned char ecdsa256[] = { 0x30, 0x0a, 0x06, 0x08,
	    0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
	static const unsigned char ecdsa384[] = { 0x30, 0x0a, 0x06, 0x08,
	    0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 };
	static const unsigned char rsa256[] = { 0x30, 0x0d, 0x06, 0x09,
	    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
	static const unsigned char rsa384[] = { 0x30, 0x0d, 0x06, 0x09,
	    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00 };
	static const unsigned char ed25519[] = { 0x30, 0x05, 0x06, 0x03,
	    0x2b, 0x65, 0x70 };

	switch (alg) {
	case GNUTLS_SIGN_ECDSA_SHA256:
		*len = sizeof(ecdsa256);
		return ecdsa256;
	case GNUTLS_SIGN_ECDSA_SHA384:
		*len = sizeof(ecdsa384);
		return ecdsa384;
	case GNUTLS_SIGN_RSA_SHA256:
		*len = sizeof(rsa256);
		return rsa256;
	case GNUTLS_SIGN_RSA_SHA384:
		*len = sizeof(rsa384);
		return rsa384;
	case GNUTLS_SIGN_EDDSA_ED25519:
		*len = sizeof(ed25519);
		return ed25519;
	default:
		return NULL;
	}
}

/*
 * Handle a "crl" request: a version 2 CRL with the CRL number, the AKI,
 * thisUpdate/nextUpdate and each revoked serial with its time and, when
 * not 0, its reasonCode; signed with the CA key and verified against the
 * CA certificate.  Returns 0 when answered, -1 otherwise.
 */
static int
sign_crl(struct signer *sg, struct json_object *req)
{
	static const unsigned char oid_crlnum[] = { 0x55, 0x1d, 0x14 };
	static const unsigned char oid_reason[] = { 0x55, 0x1d, 0x15 };
	static const unsigned char oid_aki[] = { 0x55, 0x1d, 0x23 };
	struct dbuf		 tbs = { NULL, 0, 0 }, t = { NULL, 0, 0 };
	struct dbuf		 ents = { NULL, 0, 0 }, e = { NULL, 0, 0 };
	struct dbuf		 x = { NULL, 0, 0 }, v = { NULL, 0, 0 };
	struct dbuf		 all = { NULL, 0, 0 }, crlb = { NULL, 0, 0 };
	struct json_object	*rev, *el, *ans = NULL;
	gnutls_datum_t		 dn = { NULL, 0 }, tbsd, sig = { NULL, 0 };
	gnutls_datum_t		 pem = { NULL, 0 }, derd;
	gnutls_x509_crl_t	 crl = NULL;
	gnutls_sign_algorithm_t	 salg;
	const unsigned char	*algid;
	const char		*hex;
	unsigned char		 serial[SIGN_SERIAL_MAX], r1;
	size_t			 algidsz, i, n;
	int64_t			 ver, num, tu, nu, rt, reason;
	int			 sz, rc = -1;
	unsigned int		 status;

	if (json_only_members(req, req_crl, NULL) == -1) {
		log_warnx("malformed request: unknown member in \"crl\"");
		goto out;
	}
	if (req_int(req, "v", 1, 1, &ver) == -1 ||
	    req_int(req, "number", 1, INT64_C(0x7fffffffffffffff) - 1,
	    &num) == -1 ||
	    req_int(req, "this_update", 1, INT64_C(253402300799), &tu) == -1 ||
	    req_int(req, "next_update", 1, INT64_C(253402300799), &nu) == -1)
		goto out;
	if (nu <= tu) {
		log_warnx("malformed request: next_update is not after "
		    "this_update");
		goto out;
	}
	if (json_get_array(req, "revoked", &rev) != 0 ||
	    (n = json_object_array_length(rev)) > SIGN_CRL_MAX) {
		log_warnx("malformed request: \"revoked\" missing, not an "
		    "array or longer than %d", SIGN_CRL_MAX);
		goto out;
	}
	salg = gnutls_pk_to_sign(sg->pk, sg->dig);
	if ((algid = sign_algid(salg, &algidsz)) == NULL) {
		log_warnx("the CA key's signature algorithm is not supported "
		    "for CRLs");
		goto out;
	}
	if (gnutls_x509_crt_get_raw_dn(sg->ca, &dn) < 0)
		goto out;

	/* revokedCertificates */
	for (i = 0; i < n; i++) {
		el = json_object_array_get_idx(rev, i);
		if (el == NULL || !json_object_is_type(el, json_type_object) ||
		    json_only_members(el, req_entry, NULL) == -1 ||
		    req_str(el, "serial", &hex) == -1 ||
		    req_int(el, "time", 1, INT64_C(253402300799), &rt) == -1 ||
		    req_int(el, "reason", 0, 10, &reason) == -1 ||
		    reason == 7 || (sz = req_serial(hex, serial)) == -1) {
			log_warnx("malformed request: revoked entry %zu", i);
			goto out;
		}
		db_tlv(&e, 0x02, serial, (size_t)sz);
		db_time(&e, (time_t)rt);
		if (reason != 0) {
			r1 = (unsigned char)reason;
			db_tlv(&v, 0x0a, &r1, 1);
			db_ext(&x, oid_reason, sizeof(oid_reason), &v);
			db_wrap(&e, 0x30, &x);
		}
		db_wrap(&ents, 0x30, &e);
	}

	db_uint(&tbs, 1);				/* v2 */
	db_add(&tbs, algid, algidsz);
	db_add(&tbs, dn.data, dn.size);
	db_time(&tbs, (time_t)tu);
	db_time(&tbs, (time_t)nu);
	if (n > 0)
		db_wrap(&tbs, 0x30, &ents);
	/* crlExtensions [0]: AKI keyIdentifier, CRL number. */
	db_tlv(&t, 0x80, sg->ski, sg->skisz);
	db_wrap(&v, 0x30, &t);
	db_ext(&x, oid_aki, sizeof(oid_aki), &v);
	db_uint(&v, (uint64_t)num);
	db_ext(&x, oid_crlnum, sizeof(oid_crlnum), &v);
	db_wrap(&t, 0x30, &x);
	db_wrap(&tbs, 0xa0, &t);
	db_wrap(&all, 0x30, &tbs);
	if (all.err)
		goto out;

	tbsd.data = all.p;
	tbsd.size = (unsigned int)all.len;
	if (gnutls_privkey_sign_data2(sg->key, salg, 0, &tbsd, &sig) < 0) {
		log_warnx("signing the CRL failed");
		goto out;
	}
	db_add(&crlb, all.p, all.len);
	db_add(&crlb, algid, algidsz);
	db_add(&t, "", 1);				/* no unused bits */
	db_add(&t, sig.data, sig.size);
	db_wrap(&crlb, 0x03, &t);
	db_wrap(&x, 0x30, &crlb);
	if (x.err)
		goto out;

	/* Parse it back and verify it before it leaves. */
	derd.data = x.p;
	derd.size = (unsigned int)x.len;
	if (gnutls_x509_crl_init(&crl) < 0) {
		crl = NULL;
		goto out;
	}
	if (gnutls_x509_crl_import(crl, &derd, GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_crl_verify(crl, &sg->ca, 1, 0, &status) < 0 ||
	    status != 0 ||
	    gnutls_x509_crl_get_crt_count(crl) != (int)n) {
		log_warnx("the new CRL does not parse or verify");
		goto out;
	}
	if (gnutls_x509_crl_export2(crl, GNUTLS_X509_FMT_PEM, &pem) < 0)
		goto out;
	if ((ans = json_object_new_object()) == NULL)
		goto out;
	json_object_object_add(ans, "v", json_object_new_int(1));
	json_object_object_add(ans, "status", json_object_new_string("ok"));
	json_object_object_add(ans, "crl", json_object_new_string_len(
	    (const char *)pem.data, (int)pem.size));
	if (sign_write(ans) == -1)
		goto out;
	log_info("CRL number %lld with %zu entries, next update %lld",
	    (long long)num, n, (long long)nu);
	rc = 0;
out:
	free(tbs.p);
	free(t.p);
	free(ents.p);
	free(e.p);
	free(x.p);
	free(v.p);
	free(all.p);
	free(crlb.p);
	gnutls_free(dn.data);
	gnutls_free(sig.data);
	gnutls_free(pem.data);
	if (crl != NULL)
		gnutls_x509_crl_deinit(crl);
	if (ans != NULL)
		json_object_put(ans);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Start-up                                                             */
/* ------------------------------------------------------------------ */

/*
 * Open the CA key named by ref: a pkcs11: URI (through p11-kit's
 * configured modules; the PIN in the URI's pin-value or pin-source) or
 * a PEM file.  Runs with the set-gid group.  0 / -1.
 */
static int
sign_open_key(const char *ref, gnutls_privkey_t *key)
{
	gnutls_datum_t	 d = { NULL, 0 };
	int		 r, rc = -1;

	if (gnutls_privkey_init(key) < 0) {
		*key = NULL;
		return -1;
	}
	if (strncmp(ref, "pkcs11:", 7) == 0) {
		if ((r = gnutls_privkey_import_url(*key, ref, 0)) < 0) {
			log_warnx("ca_key: PKCS#11 key: %s",
			    gnutls_strerror(r));
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (sign_read_file(ref, &d) == -1)
		goto out;
	if ((r = gnutls_privkey_import_x509_raw(*key, &d, GNUTLS_X509_FMT_PEM,
	    NULL, 0)) < 0) {
		log_warnx("ca_key %s: %s", ref, gnutls_strerror(r));
		goto out;
	}
	rc = 0;
out:
	if (d.data != NULL) {
		gnutls_memset(d.data, 0, d.size);
		gnutls_free(d.data);
	}
	if (rc == -1) {
		gnutls_privkey_deinit(*key);
		*key = NULL;
	}
	return rc;
}

/*
 * Whether the CA key sg->key belongs to the certificate key a: the key
 * id (SHA-256 of the public key) of the key's public half equals a's.
 * A key whose public half cannot be had (a PKCS#11 token need not hold
 * the public key) signs random bytes instead, verified with a; that costs
 * a signature and a verification, so it is only the fallback: the
 * signer runs once per certificate, and every certificate and CRL is
 * verified against ca_cert before it leaves anyway (S8).  1 / 0.
 */
static int
sign_key_is_ca(const struct signer *sg, gnutls_pubkey_t a, int pk)
{
	gnutls_pubkey_t	 p = NULL;
	gnutls_datum_t	 msg, sig = { NULL, 0 };
	gnutls_sign_algorithm_t salg;
	unsigned char	 id1[64], id2[64], rnd[32];
	size_t		 id1sz = sizeof(id1), id2sz = sizeof(id2);
	int		 ok = 0;

	if (gnutls_pubkey_init(&p) < 0) {
		p = NULL;
		goto out;
	}
	if (gnutls_pubkey_import_privkey(p, sg->key, 0, 0) == 0) {
		ok = gnutls_pubkey_get_key_id(p, GNUTLS_KEYID_USE_SHA256, id1,
		    &id1sz) == 0 &&
		    gnutls_pubkey_get_key_id(a, GNUTLS_KEYID_USE_SHA256, id2,
		    &id2sz) == 0 &&
		    id1sz == id2sz && memcmp(id1, id2, id1sz) == 0;
		goto out;
	}
	salg = gnutls_pk_to_sign(pk, sg->dig);
	msg.data = rnd;
	msg.size = sizeof(rnd);
	ok = gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) == 0 &&
	    gnutls_privkey_sign_data2(sg->key, salg, 0, &msg, &sig) == 0 &&
	    gnutls_pubkey_verify_data2(a, salg, 0, &msg, &sig) >= 0;
out:
	gnutls_free(sig.data);
	if (p != NULL)
		gnutls_pubkey_deinit(p);
	return ok;
}

/*
 * Load the CA certificate, pick the digest (SHA-384 for a P-384 key,
 * SHA-256 otherwise) and check that the key belongs to the certificate
 * (sign_key_is_ca()).  0 / -1.
 */
static int
sign_load_ca(struct signer *sg)
{
	gnutls_datum_t	 d = { NULL, 0 };
	gnutls_pubkey_t	 a = NULL;
	unsigned int	 bits = 0;
	int		 rc = -1, pk;

	if (sign_read_file(sg->conf->ca_cert, &d) == -1)
		goto out;
	if (gnutls_x509_crt_init(&sg->ca) < 0) {
		sg->ca = NULL;
		goto out;
	}
	if (gnutls_x509_crt_import(sg->ca, &d, GNUTLS_X509_FMT_PEM) < 0) {
		log_warnx("ca_cert %s: not a PEM certificate",
		    sg->conf->ca_cert);
		goto out;
	}
	if (gnutls_pubkey_init(&a) < 0) {
		a = NULL;
		goto out;
	}
	if (gnutls_pubkey_import_x509(a, sg->ca, 0) < 0)
		goto out;
	pk = gnutls_pubkey_get_pk_algorithm(a, &bits);
	sg->dig = (pk == GNUTLS_PK_ECDSA && bits >= 384) ? GNUTLS_DIG_SHA384 :
	    GNUTLS_DIG_SHA256;
	if (!sign_key_is_ca(sg, a, pk)) {
		log_warnx("ca_key does not belong to ca_cert %s",
		    sg->conf->ca_cert);
		goto out;
	}
	sg->skisz = sizeof(sg->ski);
	if (gnutls_x509_crt_get_subject_key_id(sg->ca, sg->ski, &sg->skisz,
	    NULL) < 0) {
		sg->skisz = sizeof(sg->ski);
		if (gnutls_pubkey_get_key_id(a, GNUTLS_KEYID_USE_SHA1, sg->ski,
		    &sg->skisz) < 0)
			goto out;
	}
	sg->pk = pk;
	rc = 0;
out:
	gnutls_free(d.data);
	if (a != NULL)
		gnutls_pubkey_deinit(a);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: acmegw-sign [-dq] [-f conf] < request\n");
	exit(1);
}

/*
 * Set-gid runs only: path (the configuration) and the directory holding it
 * must be owned by root and writable by nobody else, so that the policy
 * the key signs under is the administrator's.  Checked before the file is
 * read; a file in such a directory cannot be swapped in between.  Returns
 * 0, or -1 after logging why.
 */
static int
sign_conf_trusted(const char *path)
{
	struct stat	 st;
	char		*dir = NULL, *slash;
	int		 rc = -1;

	if (path[0] != '/') {
		log_warnx("%s: a set-gid acmegw-sign reads only a configuration "
		    "named by an absolute path", path);
		goto out;
	}
	if ((dir = strdup(path)) == NULL) {
		log_warn("strdup");
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) == -1) {
		log_warn("%s", dir);
		goto out;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		log_warnx("%s: a set-gid acmegw-sign reads its configuration "
		    "only from a directory owned by root and writable by no "
		    "one else", dir);
		goto out;
	}
	if (stat(path, &st) == -1) {
		log_warn("%s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		log_warnx("%s: a set-gid acmegw-sign reads only a regular "
		    "file owned by root and writable by no one else "
		    "(chown root; chmod go-w)", path);
		goto out;
	}
	rc = 0;
out:
	free(dir);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct conf		 conf;
	struct signer		 sg;
	struct json_object	*req = NULL;
	struct perr		 pe;
	const char		*path = ACMEGW_DEFAULT_CONF, *op;
	char			*buf = NULL, err[512];
	size_t			 len;
	gid_t			 rgid = getgid(), egid = getegid();
	gid_t			 r, e, sv;
	int			 ch, level = 1, rc = 1, setgid_run;

	setgid_run = rgid != egid;
	memset(&sg, 0, sizeof(sg));
	conf_init(&conf);
	while ((ch = getopt(argc, argv, "df:q")) != -1) {
		switch (ch) {
		case 'd':
			level = 2;
			break;
		case 'f':
			path = optarg;
			break;
		case 'q':
			level = 0;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("acmegw-sign", level);
	signal(SIGPIPE, SIG_IGN);
	sg.now = time(NULL);
	sg.conf = &conf;
	/* Set-gid: the configuration is read without the group. */
	if (setgid_run && setegid(rgid) == -1) {
		log_warn("cannot set the effective gid aside");
		goto out;
	}
	if (setgid_run && sign_conf_trusted(path) == -1)
		goto out;
	if (conf_load(&conf, path, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (setgid_run && setegid(egid) == -1) {
		log_warn("cannot take the set-gid group back");
		goto out;
	}
	if (conf.ca_cert == NULL || conf.ca_key == NULL) {
		log_warnx("%s: ca_cert and ca_key must be set to sign", path);
		goto out;
	}
	if (gnutls_global_init() < 0)
		goto out;

	/* The one privileged act, then the set-gid group is gone for good. */
	if (sign_open_key(conf.ca_key, &sg.key) == -1)
		goto out;
	if (setresgid(rgid, rgid, rgid) == -1 ||
	    getresgid(&r, &e, &sv) == -1 || r != rgid || e != rgid ||
	    sv != rgid) {
		log_warn("cannot drop the set-gid group");
		goto out;
	}
	if (sign_load_ca(&sg) == -1)
		goto out;

	alarm(SIGN_READ_SECS);
	if (sign_read_request(&buf, &len) == -1)
		goto out;
	alarm(0);
	memset(&pe, 0, sizeof(pe));
	if ((req = json_parse_strict(buf, len, &pe)) == NULL) {
		log_warnx("malformed request: %s", pe.detail);
		goto out;
	}
	if (json_get_str(req, "op", &op, NULL) != 0) {
		log_warnx("malformed request: no \"op\" string");
		goto out;
	}
	if (strcmp(op, "sign") == 0)
		rc = sign_cert(&sg, req) == 0 ? 0 : 1;
	else if (strcmp(op, "crl") == 0)
		rc = sign_crl(&sg, req) == 0 ? 0 : 1;
	else
		log_warnx("malformed request: \"op\" is not sign or crl");
out:
	if (req != NULL)
		json_object_put(req);
	free(buf);
	if (sg.ca != NULL)
		gnutls_x509_crt_deinit(sg.ca);
	if (sg.key != NULL)
		gnutls_privkey_deinit(sg.key);
	conf_clear(&conf);
	return rc;
}

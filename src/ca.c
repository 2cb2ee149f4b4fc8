/*
 * ca.c: a local root and issuing CA for a quick start (acmegwctl init --ca).
 *
 * Owns the CA profile of the certificates it makes: a self-signed root
 * (CA:TRUE, keyCertSign and cRLSign, 10 years) and an issuing CA signed by
 * it (CA:TRUE with pathlen 0, the same usages, 5 years), ECDSA P-256 or
 * RSA 3072 keys, 128-bit random serials.  It writes the issuing
 * certificate (ca_cert), the issuing key (ca_key, mode 0640), the root
 * certificate (ca_chain) and the root key next to it (ca_chain ".key",
 * mode 0600, to be moved offline).
 *
 * Must never: overwrite or follow a symbolic link to an existing file,
 * leave a key readable by others, or print key bytes.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "acmegw.h"

#define CA_ROOT_DAYS	3650
#define CA_ISSUING_DAYS	1826
#define CA_BACKDATE	300	/* seconds: clocks of relying parties */

/*
 * Write the SHA-256 of the DER SubjectPublicKeyInfo of pub into out
 * (outsz >= 32).  Returns 0, or -1 when it cannot be exported or hashed.
 */
int
ca_spki_hash(gnutls_pubkey_t pub, unsigned char *out, size_t outsz)
{
	gnutls_datum_t	 der = { NULL, 0 };
	int		 rc = -1;

	if (pub == NULL || outsz < 32)
		return -1;
	if (gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der) < 0)
		goto out;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, out) < 0)
		goto out;
	rc = 0;
out:
	gnutls_free(der.data);
	return rc;
}

/* A new key of the given algorithm as an abstract privkey, or NULL. */
static gnutls_privkey_t
ca_keygen(enum ca_keyalg alg, gnutls_x509_privkey_t *xkp)
{
	gnutls_x509_privkey_t	 xk = NULL;
	gnutls_privkey_t	 k = NULL;
	int			 r;

	if (gnutls_x509_privkey_init(&xk) < 0)
		return NULL;
	if (alg == CA_KEY_RSA)
		r = gnutls_x509_privkey_generate(xk, GNUTLS_PK_RSA, 3072, 0);
	else
		r = gnutls_x509_privkey_generate(xk, GNUTLS_PK_ECDSA,
		    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
	if (r < 0 || gnutls_privkey_init(&k) < 0) {
		gnutls_x509_privkey_deinit(xk);
		return NULL;
	}
	/* k borrows xk: the caller deinits both. */
	if (gnutls_privkey_import_x509(k, xk, 0) < 0) {
		gnutls_privkey_deinit(k);
		gnutls_x509_privkey_deinit(xk);
		return NULL;
	}
	*xkp = xk;
	return k;
}

/* A positive 128-bit random serial (17 bytes with a leading 0). */
static int
ca_serial(unsigned char *s, size_t *ssz)
{
	s[0] = 0;
	if (gnutls_rnd(GNUTLS_RND_KEY, s + 1, 16) < 0)
		return -1;
	s[1] |= 0x01;		/* never zero: a set bit somewhere */
	if (s[1] & 0x80) {
		*ssz = 17;
		return 0;
	}
	memmove(s, s + 1, 16);
	*ssz = 16;
	return 0;
}

/*
 * Make one CA certificate for key k (its x509 form xk): subject CN cn,
 * valid from now - CA_BACKDATE for days, pathlen (-1 none), signed by
 * issuer / ik, or self-signed when issuer is NULL.  Returns the
 * certificate or NULL.
 */
static gnutls_x509_crt_t
ca_cert_make(gnutls_privkey_t k, const char *cn, time_t now,
    unsigned int days, int pathlen, gnutls_x509_crt_t issuer,
    gnutls_privkey_t ik)
{
	gnutls_x509_crt_t	 c = NULL;
	gnutls_pubkey_t		 pub = NULL;
	unsigned char		 serial[17], kid[64];
	size_t			 serialsz, kidsz = sizeof(kid);
	int			 ok = 0;

	if (gnutls_x509_crt_init(&c) < 0) {
		c = NULL;
		goto out;
	}
	if (gnutls_pubkey_init(&pub) < 0) {
		pub = NULL;
		goto out;
	}
	if (gnutls_pubkey_import_privkey(pub, k, 0, 0) < 0 ||
	    gnutls_x509_crt_set_pubkey(c, pub) < 0 ||
	    gnutls_x509_crt_set_version(c, 3) < 0 ||
	    ca_serial(serial, &serialsz) == -1 ||
	    gnutls_x509_crt_set_serial(c, serial, serialsz) < 0 ||
	    gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0,
	    cn, (unsigned int)strlen(cn)) < 0 ||
	    gnutls_x509_crt_set_activation_time(c, now - CA_BACKDATE) < 0 ||
	    gnutls_x509_crt_set_expiration_time(c,
	    now + (time_t)days * 86400) < 0 ||
	    gnutls_x509_crt_set_basic_constraints(c, 1, pathlen) < 0 ||
	    gnutls_x509_crt_set_key_usage(c, GNUTLS_KEY_KEY_CERT_SIGN |
	    GNUTLS_KEY_CRL_SIGN | GNUTLS_KEY_DIGITAL_SIGNATURE) < 0)
		goto out;
	if (gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA1, kid,
	    &kidsz) < 0 || gnutls_x509_crt_set_subject_key_id(c, kid,
	    kidsz) < 0)
		goto out;
	if (issuer != NULL) {
		kidsz = sizeof(kid);
		if (gnutls_x509_crt_get_subject_key_id(issuer, kid, &kidsz,
		    NULL) < 0 || gnutls_x509_crt_set_authority_key_id(c, kid,
		    kidsz) < 0)
			goto out;
	}
	if (gnutls_x509_crt_privkey_sign(c, issuer != NULL ? issuer : c,
	    issuer != NULL ? ik : k, GNUTLS_DIG_SHA256, 0) < 0)
		goto out;
	ok = 1;
out:
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	if (!ok && c != NULL) {
		gnutls_x509_crt_deinit(c);
		c = NULL;
	}
	return c;
}

/* Create path exclusively with mode and write data to it.  0 / -1. */
static int
ca_write(const char *path, mode_t mode, const gnutls_datum_t *d,
    char *err, size_t errsz)
{
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd, rc = -1;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode)) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* The umask must not widen or narrow what we chose. */
	if (fchmod(fd, mode) == -1) {
		snprintf(err, errsz, "%s: chmod: %s", path, strerror(errno));
		goto out;
	}
	while (off < d->size) {
		n = write(fd, d->data + off, d->size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errsz, "%s: write: %s", path,
			    strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1) {
		snprintf(err, errsz, "%s: fsync: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (close(fd) == -1 && rc == 0) {
		snprintf(err, errsz, "%s: close: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc == -1)
		(void)unlink(path);
	return rc;
}

/*
 * Make a root CA and an issuing CA named after name ("NAME Root CA",
 * "NAME Issuing CA"; printable ASCII, 1..48 bytes) with keys of algorithm
 * alg, valid from now.  Writes the issuing certificate to cert_path
 * (0644), its key to key_path (0640), the root certificate to chain_path
 * (0644) and the root key to chain_path ".key" (0600), all PEM.  None of
 * the four may exist: they are created exclusively, and nothing is
 * written when one does.  Returns 0, or -1 with a message in err; on
 * failure the files written so far are removed.
 */
int
ca_create(const char *cert_path, const char *key_path, const char *chain_path,
    enum ca_keyalg alg, const char *name, time_t now, char *err, size_t errsz)
{
	gnutls_x509_privkey_t	 rxk = NULL, ixk = NULL;
	gnutls_privkey_t	 rk = NULL, ik = NULL;
	gnutls_x509_crt_t	 root = NULL, iss = NULL;
	gnutls_datum_t		 d[4] = { { NULL, 0 }, { NULL, 0 },
				    { NULL, 0 }, { NULL, 0 } };
	const char		*paths[4];
	mode_t			 modes[4] = { 0644, 0640, 0644, 0600 };
	char			*rootkey = NULL, cn[80];
	struct stat		 st;
	size_t			 i, written = 0;
	int			 rc = -1;

	if (cert_path == NULL || key_path == NULL || chain_path == NULL ||
	    key_path[0] != '/') {
		snprintf(err, errsz, "ca_cert, ca_key (a file, not pkcs11:) "
		    "and ca_chain must all be set in the configuration");
		goto out;
	}
	if (name == NULL || name[0] == '\0' || strlen(name) > 48) {
		snprintf(err, errsz, "the CA name must have 1 to 48 "
		    "characters");
		goto out;
	}
	for (i = 0; name[i] != '\0'; i++)
		if ((unsigned char)name[i] < 0x20 ||
		    (unsigned char)name[i] >= 0x7f) {
			snprintf(err, errsz, "the CA name must be printable "
			    "ASCII");
			goto out;
		}
	i = strlen(chain_path) + sizeof(".key");
	if ((rootkey = malloc(i)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	snprintf(rootkey, i, "%s.key", chain_path);
	paths[0] = cert_path;
	paths[1] = key_path;
	paths[2] = chain_path;
	paths[3] = rootkey;
	for (i = 0; i < 4; i++)
		if (lstat(paths[i], &st) == 0 || errno != ENOENT) {
			snprintf(err, errsz, "%s already exists; refusing to "
			    "overwrite it (remove it, or point the "
			    "configuration elsewhere)", paths[i]);
			goto out;
		}

	if ((rk = ca_keygen(alg, &rxk)) == NULL ||
	    (ik = ca_keygen(alg, &ixk)) == NULL) {
		snprintf(err, errsz, "cannot generate the CA keys");
		goto out;
	}
	snprintf(cn, sizeof(cn), "%s Root CA", name);
	if ((root = ca_cert_make(rk, cn, now, CA_ROOT_DAYS, -1, NULL,
	    NULL)) == NULL) {
		snprintf(err, errsz, "cannot make the root certificate");
		goto out;
	}
	snprintf(cn, sizeof(cn), "%s Issuing CA", name);
	if ((iss = ca_cert_make(ik, cn, now, CA_ISSUING_DAYS, 0, root,
	    rk)) == NULL) {
		snprintf(err, errsz, "cannot make the issuing certificate");
		goto out;
	}
	if (gnutls_x509_crt_export2(iss, GNUTLS_X509_FMT_PEM, &d[0]) < 0 ||
	    gnutls_x509_privkey_export2_pkcs8(ixk, GNUTLS_X509_FMT_PEM, NULL,
	    GNUTLS_PKCS_PLAIN, &d[1]) < 0 ||
	    gnutls_x509_crt_export2(root, GNUTLS_X509_FMT_PEM, &d[2]) < 0 ||
	    gnutls_x509_privkey_export2_pkcs8(rxk, GNUTLS_X509_FMT_PEM, NULL,
	    GNUTLS_PKCS_PLAIN, &d[3]) < 0) {
		snprintf(err, errsz, "cannot export the CA");
		goto out;
	}
	/* Keys first: a crash leaves no certificate without its key. */
	if (ca_write(paths[3], modes[3], &d[3], err, errsz) == -1)
		goto out;
	written = 1;
	if (ca_write(paths[1], modes[1], &d[1], err, errsz) == -1)
		goto out;
	written = 2;
	if (ca_write(paths[2], modes[2], &d[2], err, errsz) == -1)
		goto out;
	written = 3;
	if (ca_write(paths[0], modes[0], &d[0], err, errsz) == -1)
		goto out;
	written = 4;
	rc = 0;
out:
	if (rc == -1) {
		/* Remove what this call wrote, in reverse order. */
		if (written >= 3)
			(void)unlink(paths[2]);
		if (written >= 2)
			(void)unlink(paths[1]);
		if (written >= 1)
			(void)unlink(paths[3]);
	}
	for (i = 0; i < 4; i++) {
		if (d[i].data != NULL && (i == 1 || i == 3))
			gnutls_memset(d[i].data, 0, d[i].size);
		gnutls_free(d[i].data);
	}
	if (root != NULL)
		gnutls_x509_crt_deinit(root);
	if (iss != NULL)
		gnutls_x509_crt_deinit(iss);
	if (rk != NULL)
		gnutls_privkey_deinit(rk);
	if (ik != NULL)
		gnutls_privkey_deinit(ik);
	if (rxk != NULL)
		gnutls_x509_privkey_deinit(rxk);
	if (ixk != NULL)
		gnutls_x509_privkey_deinit(ixk);
	free(rootkey);
	return rc;
}

/*
 * csr.c: certificate signing requests (PKCS#10) under our policy.
 *
 * Owns what a CSR may contribute to a certificate: its public key (vetted
 * by jwk.c, the same key policy as account keys, so the thumbprint matches
 * the account-key index) and its names (dNSName and iPAddress SANs, or a
 * lone CN when there is no SAN at all).  Everything else in a CSR
 * (subject attributes, requested extensions) is ignored: the profile is
 * fixed by the CA (SECURITY.md R11).  Used by the responder's finalize
 * and, again, by acmegw-sign.
 *
 * Must never: accept DER that does not re-encode to the same bytes (R12),
 * a bad self-signature or a signature algorithm outside the allow-list
 * (R9), a name of another type (R6), an IP address written as a DNS name
 * (R5), or a CN that is not one of the names (R3); log key bytes.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "acmegw.h"

#define CSR_MAX_DER	16384	/* bytes of DER we look at */
#define CSR_NAME_MAX	256	/* bytes of one name, NUL included */

/* Signature algorithms a CSR may be self-signed with (R9). */
static const gnutls_sign_algorithm_t csr_sign_ok[] = {
	GNUTLS_SIGN_RSA_SHA256,
	GNUTLS_SIGN_RSA_SHA384,
	GNUTLS_SIGN_RSA_SHA512,
	GNUTLS_SIGN_ECDSA_SHA256,
	GNUTLS_SIGN_ECDSA_SHA384,
	GNUTLS_SIGN_ECDSA_SHA512,
	GNUTLS_SIGN_EDDSA_ED25519,
};

static int
csr_sign_is_ok(int alg)
{
	size_t	 i;

	for (i = 0; i < sizeof(csr_sign_ok) / sizeof(csr_sign_ok[0]); i++)
		if ((int)csr_sign_ok[i] == alg)
			return 1;
	return 0;
}

static int
csr_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 when the text s is an IPv4 or IPv6 address literal. */
static int
csr_is_ip_text(const char *s)
{
	unsigned char	 a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/*
 * Normalise a DNS name from the CSR (size bytes, not NUL-terminated) into
 * out: printable ASCII without NUL, lowercased.  Returns 0, or -1 with
 * perr filled.
 */
static int
csr_dns_norm(const unsigned char *v, size_t size, char *out, size_t outsz,
    struct perr *perr)
{
	char	 show[80];
	size_t	 i;

	if (size == 0 || size >= outsz) {
		perr_set(perr, ACME_PROB_BAD_CSR, "CSR has an empty or "
		    "over-long DNS name");
		return -1;
	}
	for (i = 0; i < size; i++) {
		if (v[i] <= 0x20 || v[i] >= 0x7f) {
			log_sanitize(show, sizeof(show), (const char *)v,
			    size);
			perr_set(perr, ACME_PROB_BAD_CSR, "CSR DNS name \"%s\" "
			    "has a byte that is not printable ASCII", show);
			return -1;
		}
		out[i] = (v[i] >= 'A' && v[i] <= 'Z') ? (char)(v[i] + 32) :
		    (char)v[i];
	}
	out[size] = '\0';
	if (csr_is_ip_text(out)) {
		log_sanitize(show, sizeof(show), out, size);
		perr_set(perr, ACME_PROB_BAD_CSR, "Identifier type is DNS but "
		    "value is an IP address (\"%s\"); use an iPAddress SAN",
		    show);
		return -1;
	}
	return 0;
}

/* Append a heap copy of name to c->names; refuse duplicates.  0 / -1. */
static int
csr_add_name(struct csr *c, const char *name, struct perr *perr)
{
	char	**nv;
	char	 show[80];
	size_t	 i;

	for (i = 0; i < c->namesz; i++)
		if (strcmp(c->names[i], name) == 0) {
			log_sanitize(show, sizeof(show), name, strlen(name));
			perr_set(perr, ACME_PROB_BAD_CSR, "CSR lists the name "
			    "\"%s\" twice", show);
			return -1;
		}
	if (c->namesz >= CSR_MAX_NAMES) {
		perr_set(perr, ACME_PROB_BAD_CSR, "CSR has more than %d names",
		    CSR_MAX_NAMES);
		return -1;
	}
	if ((nv = reallocarray(c->names, c->namesz + 1, sizeof(*nv))) ==
	    NULL) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL, "out of memory");
		return -1;
	}
	c->names = nv;
	if ((nv[c->namesz] = strdup(name)) == NULL) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL, "out of memory");
		return -1;
	}
	c->namesz++;
	return 0;
}

/* The SAN entries of the CSR into c->names (R5, R6, R10).  0 / -1. */
static int
csr_read_sans(struct csr *c, struct perr *perr)
{
	unsigned char	 buf[CSR_NAME_MAX];
	char		 name[CSR_NAME_MAX];
	size_t		 size;
	unsigned int	 type, crit, seq;
	int		 r;

	for (seq = 0; ; seq++) {
		if (seq > CSR_MAX_NAMES) {
			perr_set(perr, ACME_PROB_BAD_CSR, "CSR has more than "
			    "%d names", CSR_MAX_NAMES);
			return -1;
		}
		size = sizeof(buf);
		r = gnutls_x509_crq_get_subject_alt_name(c->crq, seq, buf,
		    &size, &type, &crit);
		if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (r == GNUTLS_E_SHORT_MEMORY_BUFFER) {
			perr_set(perr, ACME_PROB_BAD_CSR, "CSR has a subject "
			    "alternative name longer than %d bytes",
			    CSR_NAME_MAX - 1);
			return -1;
		}
		if (r < 0) {
			perr_set(perr, ACME_PROB_BAD_CSR, "CSR subject "
			    "alternative names cannot be read: %s",
			    gnutls_strerror(r));
			return -1;
		}
		switch (r) {
		case GNUTLS_SAN_DNSNAME:
			if (csr_dns_norm(buf, size, name, sizeof(name),
			    perr) == -1)
				return -1;
			break;
		case GNUTLS_SAN_IPADDRESS:
			if ((size != 4 && size != 16) ||
			    inet_ntop(size == 4 ? AF_INET : AF_INET6, buf,
			    name, sizeof(name)) == NULL) {
				perr_set(perr, ACME_PROB_BAD_CSR, "CSR has an "
				    "iPAddress SAN of %zu bytes", size);
				return -1;
			}
			break;
		default:
			perr_set(perr, ACME_PROB_BAD_CSR, "CSR has a subject "
			    "alternative name that is not a DNS name or an "
			    "IP address (email, URI, otherName and "
			    "directoryName are not allowed)");
			return -1;
		}
		if (csr_add_name(c, name, perr) == -1)
			return -1;
	}
	return 0;
}

/*
 * The subject CN (R3): at most one; when present it must be one of the
 * SAN names, and not an IP address (R5).  A CSR without SANs names its
 * only DNS name in the CN.  0 / -1.
 */
static int
csr_read_cn(struct csr *c, struct perr *perr)
{
	unsigned char	 buf[CSR_NAME_MAX];
	char		 cn[CSR_NAME_MAX], show[80];
	size_t		 size, i;
	int		 r;

	size = sizeof(buf);
	r = gnutls_x509_crq_get_dn_by_oid(c->crq, GNUTLS_OID_X520_COMMON_NAME,
	    1, 0, buf, &size);
	if (r != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
		perr_set(perr, ACME_PROB_BAD_CSR, "CSR has more than one "
		    "common name");
		return -1;
	}
	size = sizeof(buf);
	r = gnutls_x509_crq_get_dn_by_oid(c->crq, GNUTLS_OID_X520_COMMON_NAME,
	    0, 0, buf, &size);
	if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return 0;
	if (r < 0) {
		perr_set(perr, ACME_PROB_BAD_CSR, "CSR common name cannot be "
		    "read%s", r == GNUTLS_E_SHORT_MEMORY_BUFFER ?
		    " (too long)" : "");
		return -1;
	}
	if (size > 0 && buf[size - 1] == '\0')
		size--;
	/* An IP address in the CN is refused here too (R5). */
	if (csr_dns_norm(buf, size, cn, sizeof(cn), perr) == -1)
		return -1;
	if (c->namesz == 0)
		return csr_add_name(c, cn, perr);
	for (i = 0; i < c->namesz; i++)
		if (strcmp(c->names[i], cn) == 0)
			return 0;
	log_sanitize(show, sizeof(show), cn, strlen(cn));
	perr_set(perr, ACME_PROB_BAD_CSR, "CSR common name \"%s\" is not one "
	    "of its subject alternative names", show);
	return -1;
}

/*
 * The enum key_type of a vetted key into *kt: RSA by modulus size
 * (2048..3071 is rsa2048, 3072..4095 rsa3072, 4096 and up rsa4096),
 * P-256, P-384, Ed25519.  Returns 0, or -1 for a key that has no type
 * here (P-521).
 */
int
csr_key_type(const struct jwk *k, enum key_type *kt)
{
	assert(k != NULL && kt != NULL);
	switch (k->kty) {
	case JWK_RSA:
		if (k->bits >= 4096)
			*kt = KT_RSA4096;
		else if (k->bits >= 3072)
			*kt = KT_RSA3072;
		else
			*kt = KT_RSA2048;
		return 0;
	case JWK_EC_P256:
		*kt = KT_P256;
		return 0;
	case JWK_EC_P384:
		*kt = KT_P384;
		return 0;
	case JWK_ED25519:
		*kt = KT_ED25519;
		return 0;
	default:
		return -1;
	}
}

/*
 * The key of the CSR as a vetted struct jwk (the PEM SubjectPublicKeyInfo
 * goes through jwk_from_pem(), the policy of account keys) and the
 * SHA-256 of its SubjectPublicKeyInfo DER.  0 / -1.
 */
static int
csr_read_key(struct csr *c, struct perr *perr)
{
	gnutls_pubkey_t	 pub = NULL;
	gnutls_datum_t	 pem = { NULL, 0 }, der = { NULL, 0 };
	int		 rc = -1;

	if (gnutls_pubkey_init(&pub) < 0) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL, "out of memory");
		goto out;
	}
	if (gnutls_pubkey_import_x509_crq(pub, c->crq, 0) < 0 ||
	    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_PEM, &pem) < 0 ||
	    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der) < 0) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY, "the CSR public key "
		    "cannot be read or has an unsupported type");
		goto out;
	}
	if ((c->key = jwk_from_pem((const char *)pem.data, pem.size,
	    perr)) == NULL)
		goto out;
	if (csr_key_type(c->key, &c->ktype) == -1) {
		perr_set(perr, ACME_PROB_BAD_PUBKEY, "the CSR key type is not "
		    "supported; use RSA 2048 to 8192 bits, ECDSA P-256 or "
		    "P-384, or Ed25519");
		goto out;
	}
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size,
	    c->spki_hash) < 0 || b64url_encode(c->spki_hash,
	    sizeof(c->spki_hash), c->spki_b64, sizeof(c->spki_b64)) == -1) {
		perr_set(perr, ACME_PROB_SERVER_INTERNAL, "cannot hash the "
		    "CSR public key");
		goto out;
	}
	rc = 0;
out:
	gnutls_free(pem.data);
	gnutls_free(der.data);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	return rc;
}

/*
 * Parse the DER CSR der[0..dersz) into *c (zeroed first): the DER must
 * re-encode to exactly the same bytes (no trailing data, no BER; R12), be
 * self-signed with an allowed algorithm (RSA PKCS#1 v1.5 or ECDSA with
 * SHA-256/384/512, Ed25519; R9) and verify; its key must pass the key
 * policy of jwk.c and be RSA 2048..8192, P-256, P-384 or Ed25519 (R8); its
 * SANs may only be dNSName (lowercased, never an IP address text) and
 * iPAddress (text in inet_ntop() form), at most CSR_MAX_NAMES, none twice;
 * the CN, if any, must be one of them (R3), and stands for the only name
 * when there is no SAN.  c->names ends sorted.
 * Returns ACME_PROB_NONE, or the problem (BAD_CSR, BAD_PUBKEY for the key,
 * SERVER_INTERNAL when memory runs out) with perr filled.  Call
 * csr_clear() in both cases.
 */
enum acme_prob
csr_parse(const unsigned char *der, size_t dersz, struct csr *c,
    struct perr *perr)
{
	struct perr	 lperr;
	gnutls_datum_t	 in, out = { NULL, 0 };
	int		 r, alg;

	assert(c != NULL);
	if (perr == NULL)
		perr = &lperr;
	memset(c, 0, sizeof(*c));
	memset(perr, 0, sizeof(*perr));
	if (der == NULL || dersz == 0) {
		perr_set(perr, ACME_PROB_BAD_CSR, "the CSR is empty");
		goto out;
	}
	if (dersz > CSR_MAX_DER) {
		perr_set(perr, ACME_PROB_BAD_CSR, "the CSR is larger than %d "
		    "bytes", CSR_MAX_DER);
		goto out;
	}
	if (gnutls_x509_crq_init(&c->crq) < 0) {
		c->crq = NULL;
		perr_set(perr, ACME_PROB_SERVER_INTERNAL, "out of memory");
		goto out;
	}
	in.data = (unsigned char *)(uintptr_t)der;
	in.size = (unsigned int)dersz;
	if ((r = gnutls_x509_crq_import(c->crq, &in, GNUTLS_X509_FMT_DER)) <
	    0) {
		perr_set(perr, ACME_PROB_BAD_CSR, "the CSR is not valid DER "
		    "PKCS#10: %s", gnutls_strerror(r));
		goto out;
	}
	if (gnutls_x509_crq_export2(c->crq, GNUTLS_X509_FMT_DER, &out) < 0 ||
	    out.size != dersz || memcmp(out.data, der, dersz) != 0) {
		perr_set(perr, ACME_PROB_BAD_CSR, "the CSR is not in "
		    "distinguished encoding (trailing data or a non-DER "
		    "length)");
		goto out;
	}
	alg = gnutls_x509_crq_get_signature_algorithm(c->crq);
	if (!csr_sign_is_ok(alg)) {
		perr_set(perr, ACME_PROB_BAD_CSR, "CSR signature algorithm "
		    "%s is not supported; sign with SHA-256, SHA-384 or "
		    "SHA-512 (RSA PKCS#1 v1.5 or ECDSA) or Ed25519",
		    alg > 0 && gnutls_sign_get_name(alg) != NULL ?
		    gnutls_sign_get_name(alg) : "(unknown)");
		goto out;
	}
	if (csr_read_key(c, perr) == -1)
		goto out;
	if (gnutls_x509_crq_verify(c->crq, 0) < 0) {
		perr_set(perr, ACME_PROB_BAD_CSR, "invalid signature on CSR");
		goto out;
	}
	if (csr_read_sans(c, perr) == -1 || csr_read_cn(c, perr) == -1)
		goto out;
	if (c->namesz == 0) {
		perr_set(perr, ACME_PROB_BAD_CSR, "the CSR names no DNS name or "
		    "IP address");
		goto out;
	}
	qsort(c->names, c->namesz, sizeof(*c->names), csr_strcmp);
	perr->prob = ACME_PROB_NONE;
out:
	gnutls_free(out.data);
	return perr->prob;
}

/*
 * Check a parsed CSR against the identifiers it must name (a JSON array
 * of {"type","value"} objects, normalised by ident_parse()) and the
 * profile: the set of CSR names must equal the set of identifier values
 * exactly (R2, R5, R6), and the key type must be one the profile allows
 * (R8).  Returns ACME_PROB_NONE, or BAD_CSR / BAD_PUBKEY with perr filled
 * (MALFORMED or another ident_parse() problem for a bad identifiers array).
 */
enum acme_prob
csr_check(const struct csr *c, struct json_object *ids,
    const struct profile *prof, struct perr *perr)
{
	struct perr	 lperr;
	struct ident	 id;
	char		 show[80];
	char		*seen = NULL;
	size_t		 n, i, j;
	enum acme_prob	 p;

	assert(c != NULL && prof != NULL);
	if (perr == NULL)
		perr = &lperr;
	memset(perr, 0, sizeof(*perr));
	if (ids == NULL || !json_object_is_type(ids, json_type_array) ||
	    (n = json_object_array_length(ids)) == 0) {
		p = perr_set(perr, ACME_PROB_MALFORMED, "the identifiers are "
		    "not a non-empty array");
		goto out;
	}
	if ((seen = calloc(c->namesz + 1, 1)) == NULL) {
		p = perr_set(perr, ACME_PROB_SERVER_INTERNAL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((p = ident_parse(json_object_array_get_idx(ids, i), &id,
		    perr)) != ACME_PROB_NONE)
			goto out;
		for (j = 0; j < c->namesz; j++)
			if (strcmp(c->names[j], id.value) == 0)
				break;
		if (j == c->namesz) {
			log_sanitize(show, sizeof(show), id.value,
			    strlen(id.value));
			p = perr_set(perr, ACME_PROB_BAD_CSR, "CSR does not "
			    "name the order's identifier \"%s\"", show);
			goto out;
		}
		seen[j] = 1;
	}
	for (j = 0; j < c->namesz; j++)
		if (!seen[j]) {
			log_sanitize(show, sizeof(show), c->names[j],
			    strlen(c->names[j]));
			p = perr_set(perr, ACME_PROB_BAD_CSR, "CSR names \"%s\", "
			    "which is not an identifier of the order", show);
			goto out;
		}
	if (n != c->namesz) {
		p = perr_set(perr, ACME_PROB_BAD_CSR, "the order's identifiers "
		    "repeat a name");
		goto out;
	}
	if (!(prof->key_types & (1U << c->ktype))) {
		p = perr_set(perr, ACME_PROB_BAD_PUBKEY, "key type %s is not "
		    "allowed by profile \"%s\"", key_type_str[c->ktype],
		    prof->name);
		goto out;
	}
	p = ACME_PROB_NONE;
out:
	free(seen);
	return p;
}

/* Free what csr_parse() put into c and zero it; a zeroed c is fine. */
void
csr_clear(struct csr *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	if (c->crq != NULL)
		gnutls_x509_crq_deinit(c->crq);
	jwk_free(c->key);
	for (i = 0; i < c->namesz; i++)
		free(c->names[i]);
	free(c->names);
	memset(c, 0, sizeof(*c));
}

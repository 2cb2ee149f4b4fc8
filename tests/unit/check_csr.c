/*
 * check_csr.c: unit tests for csr.c, the CSR parser and policy.
 *
 * Every CSR is made here by GnuTLS (gnutls_x509_crq_*) with the key, names
 * and signature each case needs.  Most cases are refusals, named after the
 * SECURITY.md R rows: extra and missing names (R2), a CN outside the SANs
 * (R3), IP addresses written as DNS names (R5), other SAN types (R6), weak
 * or unsupported keys (R8), bad signatures and algorithms (R9), broken
 * DER (R12); and the profile's key types.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <gnutls/x509.h>

#include "acmegw.h"

static struct perr	 pe;
static struct conf	 conf;

/* One SAN of a test CSR. */
struct tsan {
	unsigned int	 type;		/* GNUTLS_SAN_* */
	const char	*value;		/* text; IP addresses as text */
};

/* A new private key: pk GNUTLS_PK_RSA (bits) or ECDSA (curve bits). */
static gnutls_x509_privkey_t
key_new(gnutls_pk_algorithm_t pk, unsigned int bits)
{
	gnutls_x509_privkey_t	 k;

	ck_assert_int_ge(gnutls_x509_privkey_init(&k), 0);
	if (gnutls_x509_privkey_generate(k, pk, bits, 0) < 0) {
		gnutls_x509_privkey_deinit(k);
		return NULL;
	}
	return k;
}

/*
 * A DER CSR for key with subject CN cn (NULL: none) and the SANs,
 * signed with dig.  *der is malloc()ed.  Returns 0, or -1 when GnuTLS
 * refuses to make it (then the caller skips).
 */
static int
csr_make(gnutls_x509_privkey_t k, const char *cn, const struct tsan *sans,
    size_t n, gnutls_digest_algorithm_t dig, unsigned char **der,
    size_t *dersz)
{
	gnutls_x509_crq_t	 crq;
	gnutls_datum_t		 out = { NULL, 0 };
	unsigned char		 ip[16];
	size_t			 i;
	int			 rc = -1, v6;

	ck_assert_int_ge(gnutls_x509_crq_init(&crq), 0);
	ck_assert_int_ge(gnutls_x509_crq_set_version(crq, 1), 0);
	if (cn != NULL)
		ck_assert_int_ge(gnutls_x509_crq_set_dn_by_oid(crq,
		    GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn)), 0);
	for (i = 0; i < n; i++) {
		if (sans[i].type == GNUTLS_SAN_IPADDRESS) {
			v6 = strchr(sans[i].value, ':') != NULL;
			ck_assert_int_eq(inet_pton(v6 ? AF_INET6 : AF_INET,
			    sans[i].value, ip), 1);
			ck_assert_int_ge(gnutls_x509_crq_set_subject_alt_name(
			    crq, GNUTLS_SAN_IPADDRESS, ip, v6 ? 16 : 4,
			    GNUTLS_FSAN_APPEND), 0);
		} else
			ck_assert_int_ge(gnutls_x509_crq_set_subject_alt_name(
			    crq, sans[i].type, sans[i].value,
			    strlen(sans[i].value), GNUTLS_FSAN_APPEND), 0);
	}
	ck_assert_int_ge(gnutls_x509_crq_set_key(crq, k), 0);
	if (gnutls_x509_crq_sign2(crq, k, dig, 0) < 0 ||
	    gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_DER, &out) < 0)
		goto out;
	*der = malloc(out.size + 16);
	ck_assert_ptr_nonnull(*der);
	memcpy(*der, out.data, out.size);
	*dersz = out.size;
	rc = 0;
out:
	gnutls_free(out.data);
	gnutls_x509_crq_deinit(crq);
	return rc;
}

/* The identifiers array of "type:value" strings, NULL-terminated. */
static struct json_object *
ids_make(const char *const *v)
{
	struct json_object	*a, *o;
	const char		*colon;

	a = json_object_new_array();
	for (; *v != NULL; v++) {
		colon = strchr(*v, ':');
		ck_assert_ptr_nonnull(colon);
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string_len(
		    *v, (int)(colon - *v)));
		json_object_object_add(o, "value",
		    json_object_new_string(colon + 1));
		json_object_array_add(a, o);
	}
	return a;
}

/* Parse and check der against ids and the default profile. */
static enum acme_prob
run(const unsigned char *der, size_t dersz, const char *const *ids,
    const struct profile *prof)
{
	struct csr		 c;
	struct json_object	*a;
	enum acme_prob		 p;

	memset(&pe, 0, sizeof(pe));
	p = csr_parse(der, dersz, &c, &pe);
	if (p == ACME_PROB_NONE) {
		a = ids_make(ids);
		p = csr_check(&c, a, prof != NULL ? prof :
		    conf_profile(&conf, NULL), &pe);
		json_object_put(a);
	}
	csr_clear(&c);
	return p;
}

static gnutls_x509_privkey_t	 p256;

static void
setup(void)
{
	char	 err[256];
	const char *text =
	    "base_url = https://acme.test/acme\n"
	    "state_dir = /nonexistent\n"
	    "profile.default.validity = 90d\n"
	    "profile.ed.key_types = ed25519 p256\n"
	    "profile.ec.key_types = p256 p384\n";

	conf_init(&conf);
	ck_assert_msg(conf_parse_buf(&conf, "t", text, strlen(text), err,
	    sizeof(err)) == 0, "%s", err);
	p256 = key_new(GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1));
	ck_assert_ptr_nonnull(p256);
}

static void
teardown(void)
{
	gnutls_x509_privkey_deinit(p256);
	conf_clear(&conf);
}

static const struct tsan two[] = {
	{ GNUTLS_SAN_DNSNAME, "www.example.com" },
	{ GNUTLS_SAN_DNSNAME, "example.com" },
};
static const char *const ids_two[] = {
	"dns:example.com", "dns:www.example.com", NULL
};

/* ------------------------------------------------------------------ */
/* csr_parse / csr_check: good CSRs                                     */
/* ------------------------------------------------------------------ */

static void
good_key(gnutls_x509_privkey_t k, const char *profile, enum key_type kt,
    gnutls_digest_algorithm_t dig)
{
	unsigned char	*der;
	size_t		 dersz;
	struct csr	 c;

	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(csr_make(k, "www.example.com", two, 2, dig, &der,
	    &dersz), 0);
	ck_assert_msg(run(der, dersz, ids_two, conf_profile(&conf, profile))
	    == ACME_PROB_NONE, "%s", pe.detail);
	ck_assert_int_eq(csr_parse(der, dersz, &c, &pe), ACME_PROB_NONE);
	ck_assert_int_eq(c.ktype, kt);
	ck_assert_uint_eq(c.namesz, 2);
	ck_assert_str_eq(c.names[0], "example.com");	/* sorted */
	ck_assert_str_eq(c.names[1], "www.example.com");
	ck_assert_uint_eq(strlen(c.key->thumb), ACMEGW_THUMB_LEN);
	ck_assert_uint_eq(strlen(c.spki_b64), 43);
	csr_clear(&c);
	free(der);
}

START_TEST(test_csr_parse_good_p256)
{
	good_key(p256, NULL, KT_P256, GNUTLS_DIG_SHA256);
}
END_TEST

START_TEST(test_csr_parse_good_p384)
{
	gnutls_x509_privkey_t	 k;

	k = key_new(GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1));
	good_key(k, NULL, KT_P384, GNUTLS_DIG_SHA384);
	gnutls_x509_privkey_deinit(k);
}
END_TEST

START_TEST(test_csr_parse_good_rsa2048)
{
	gnutls_x509_privkey_t	 k;

	k = key_new(GNUTLS_PK_RSA, 2048);
	good_key(k, NULL, KT_RSA2048, GNUTLS_DIG_SHA256);
	gnutls_x509_privkey_deinit(k);
}
END_TEST

START_TEST(test_csr_parse_good_ed25519_when_allowed)
{
	gnutls_x509_privkey_t	 k;

	k = key_new(GNUTLS_PK_EDDSA_ED25519,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519));
	good_key(k, "ed", KT_ED25519, GNUTLS_DIG_SHA512);
	gnutls_x509_privkey_deinit(k);
}
END_TEST

/* The key thumbprint equals the JWK thumbprint of the same key. */
START_TEST(test_csr_parse_thumb_matches_jwk)
{
	unsigned char	*der;
	size_t		 dersz, pemsz = 0;
	struct csr	 c;
	struct jwk	*j;
	gnutls_pubkey_t	 pub;
	gnutls_datum_t	 pem;

	ck_assert_int_eq(csr_make(p256, NULL, two, 2, GNUTLS_DIG_SHA256,
	    &der, &dersz), 0);
	ck_assert_int_eq(csr_parse(der, dersz, &c, &pe), ACME_PROB_NONE);
	ck_assert_int_ge(gnutls_pubkey_init(&pub), 0);
	ck_assert_int_ge(gnutls_pubkey_import_x509_crq(pub, c.crq, 0), 0);
	ck_assert_int_ge(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_PEM,
	    &pem), 0);
	pemsz = pem.size;
	j = jwk_from_pem((const char *)pem.data, pemsz, &pe);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(j->thumb, c.key->thumb);
	jwk_free(j);
	gnutls_free(pem.data);
	gnutls_pubkey_deinit(pub);
	csr_clear(&c);
	free(der);
}
END_TEST

START_TEST(test_csr_parse_cn_only)
{
	unsigned char		*der;
	size_t			 dersz;
	const char *const	 ids[] = { "dns:only.example.com", NULL };

	ck_assert_int_eq(csr_make(p256, "only.example.com", NULL, 0,
	    GNUTLS_DIG_SHA256, &der, &dersz), 0);
	ck_assert_msg(run(der, dersz, ids, NULL) == ACME_PROB_NONE, "%s",
	    pe.detail);
	free(der);
}
END_TEST

START_TEST(test_csr_parse_R2_uppercase_normalised)
{
	static const struct tsan upper[] = {
		{ GNUTLS_SAN_DNSNAME, "WWW.Example.COM" },
		{ GNUTLS_SAN_DNSNAME, "example.com" },
	};
	unsigned char	*der;
	size_t		 dersz;

	ck_assert_int_eq(csr_make(p256, NULL, upper, 2, GNUTLS_DIG_SHA256,
	    &der, &dersz), 0);
	ck_assert_msg(run(der, dersz, ids_two, NULL) == ACME_PROB_NONE, "%s",
	    pe.detail);
	free(der);
}
END_TEST

START_TEST(test_csr_parse_ip_and_wildcard)
{
	static const struct tsan s[] = {
		{ GNUTLS_SAN_DNSNAME, "*.example.com" },
		{ GNUTLS_SAN_IPADDRESS, "192.0.2.1" },
		{ GNUTLS_SAN_IPADDRESS, "2001:db8::1" },
	};
	const char *const ids[] = { "ip:2001:db8::1", "dns:*.example.com",
	    "ip:192.0.2.1", NULL };
	unsigned char	*der;
	size_t		 dersz;

	ck_assert_int_eq(csr_make(p256, NULL, s, 3, GNUTLS_DIG_SHA256, &der,
	    &dersz), 0);
	ck_assert_msg(run(der, dersz, ids, NULL) == ACME_PROB_NONE, "%s",
	    pe.detail);
	free(der);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Refusals                                                             */
/* ------------------------------------------------------------------ */

/* Make a P-256 CSR with cn and sans and expect problem p from run(). */
static void
refused(const char *cn, const struct tsan *sans, size_t n,
    const char *const *ids, enum acme_prob p, const char *needle)
{
	unsigned char	*der;
	size_t		 dersz;

	ck_assert_int_eq(csr_make(p256, cn, sans, n, GNUTLS_DIG_SHA256, &der,
	    &dersz), 0);
	ck_assert_int_eq(run(der, dersz, ids, NULL), p);
	if (needle != NULL)
		ck_assert_msg(strstr(pe.detail, needle) != NULL,
		    "\"%s\" not in \"%s\"", needle, pe.detail);
	free(der);
}

START_TEST(test_csr_check_R2_extra_name)
{
	static const struct tsan s[] = {
		{ GNUTLS_SAN_DNSNAME, "www.example.com" },
		{ GNUTLS_SAN_DNSNAME, "example.com" },
		{ GNUTLS_SAN_DNSNAME, "evil.example.net" },
	};

	refused(NULL, s, 3, ids_two, ACME_PROB_BAD_CSR, "evil.example.net");
}
END_TEST

START_TEST(test_csr_check_R2_missing_name)
{
	static const struct tsan s[] = {
		{ GNUTLS_SAN_DNSNAME, "example.com" },
	};

	refused(NULL, s, 1, ids_two, ACME_PROB_BAD_CSR, "www.example.com");
}
END_TEST

START_TEST(test_csr_parse_R2_duplicate_name)
{
	static const struct tsan s[] = {
		{ GNUTLS_SAN_DNSNAME, "example.com" },
		{ GNUTLS_SAN_DNSNAME, "EXAMPLE.com" },
	};
	const char *const ids[] = { "dns:example.com", NULL };

	refused(NULL, s, 2, ids, ACME_PROB_BAD_CSR, "twice");
}
END_TEST

START_TEST(test_csr_check_R2_ip_vs_dns_type)
{
	static const struct tsan s[] = {
		{ GNUTLS_SAN_IPADDRESS, "192.0.2.1" },
	};
	const char *const ids[] = { "ip:192.0.2.2", NULL };

	refused(NULL, s, 1, ids, ACME_PROB_BAD_CSR, NULL);
}
END_TEST

START_TEST(test_csr_parse_R3_cn_not_in_san)
{
	refused("other.example.com", two, 2, ids_two, ACME_PROB_BAD_CSR,
	    "common name");
}
END_TEST

START_TEST(test_csr_parse_R5_ip_in_dns_san)
{
	static const struct tsan s[] = {
		{ GNUTLS_SAN_DNSNAME, "192.0.2.1" },
	};
	const char *const ids[] = { "ip:192.0.2.1", NULL };

	refused(NULL, s, 1, ids, ACME_PROB_BAD_CSR, "IP address");
}
END_TEST

START_TEST(test_csr_parse_R5_ip_in_cn)
{
	static const struct tsan s[] = {
		{ GNUTLS_SAN_IPADDRESS, "192.0.2.1" },
	};
	const char *const ids[] = { "ip:192.0.2.1", NULL };

	refused("192.0.2.1", s, 1, ids, ACME_PROB_BAD_CSR, "IP address");
}
END_TEST

START_TEST(test_csr_parse_R6_email_san)
{
	static const struct tsan s[] = {
		{ GNUTLS_SAN_DNSNAME, "example.com" },
		{ GNUTLS_SAN_RFC822NAME, "a@example.com" },
	};
	const char *const ids[] = { "dns:example.com", NULL };

	refused(NULL, s, 2, ids, ACME_PROB_BAD_CSR, "not a DNS name");
}
END_TEST

START_TEST(test_csr_parse_R6_uri_san)
{
	static const struct tsan s[] = {
		{ GNUTLS_SAN_URI, "https://example.com/" },
		{ GNUTLS_SAN_DNSNAME, "example.com" },
	};
	const char *const ids[] = { "dns:example.com", NULL };

	refused(NULL, s, 2, ids, ACME_PROB_BAD_CSR, "not a DNS name");
}
END_TEST

START_TEST(test_csr_parse_R6_no_names)
{
	refused(NULL, NULL, 0, ids_two, ACME_PROB_BAD_CSR, "no DNS name");
}
END_TEST

START_TEST(test_csr_parse_R10_too_many_names)
{
	struct tsan	 s[CSR_MAX_NAMES + 1];
	char		 names[CSR_MAX_NAMES + 1][32];
	size_t		 i;

	for (i = 0; i <= CSR_MAX_NAMES; i++) {
		snprintf(names[i], sizeof(names[i]), "n%zu.example.com", i);
		s[i].type = GNUTLS_SAN_DNSNAME;
		s[i].value = names[i];
	}
	refused(NULL, s, CSR_MAX_NAMES + 1, ids_two, ACME_PROB_BAD_CSR,
	    "more than");
}
END_TEST

START_TEST(test_csr_parse_R8_rsa1024)
{
	gnutls_x509_privkey_t	 k;
	unsigned char		*der;
	size_t			 dersz;

	k = key_new(GNUTLS_PK_RSA, 1024);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(csr_make(k, NULL, two, 2, GNUTLS_DIG_SHA256, &der,
	    &dersz), 0);
	ck_assert_int_eq(run(der, dersz, ids_two, NULL),
	    ACME_PROB_BAD_PUBKEY);
	ck_assert_ptr_nonnull(strstr(pe.detail, "1024"));
	free(der);
	gnutls_x509_privkey_deinit(k);
}
END_TEST

START_TEST(test_csr_parse_R8_p521_no_key_type)
{
	gnutls_x509_privkey_t	 k;
	unsigned char		*der;
	size_t			 dersz;

	k = key_new(GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP521R1));
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(csr_make(k, NULL, two, 2, GNUTLS_DIG_SHA512, &der,
	    &dersz), 0);
	ck_assert_int_eq(run(der, dersz, ids_two, NULL),
	    ACME_PROB_BAD_PUBKEY);
	free(der);
	gnutls_x509_privkey_deinit(k);
}
END_TEST

START_TEST(test_csr_parse_R8_p192)
{
	gnutls_x509_privkey_t	 k;
	unsigned char		*der;
	size_t			 dersz;

	/* GnuTLS 3.7 may not make P-192 keys at all: nothing to test then. */
	k = key_new(GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP192R1));
	if (k == NULL)
		return;
	if (csr_make(k, NULL, two, 2, GNUTLS_DIG_SHA256, &der, &dersz) == 0) {
		ck_assert_int_ne(run(der, dersz, ids_two, NULL),
		    ACME_PROB_NONE);
		free(der);
	}
	gnutls_x509_privkey_deinit(k);
}
END_TEST

START_TEST(test_csr_check_R8_ed25519_not_in_profile)
{
	gnutls_x509_privkey_t	 k;
	unsigned char		*der;
	size_t			 dersz;

	k = key_new(GNUTLS_PK_EDDSA_ED25519,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519));
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(csr_make(k, NULL, two, 2, GNUTLS_DIG_SHA512, &der,
	    &dersz), 0);
	ck_assert_int_eq(run(der, dersz, ids_two, NULL),
	    ACME_PROB_BAD_PUBKEY);
	ck_assert_ptr_nonnull(strstr(pe.detail, "ed25519"));
	free(der);
	gnutls_x509_privkey_deinit(k);
}
END_TEST

START_TEST(test_csr_check_R8_rsa_not_in_profile)
{
	gnutls_x509_privkey_t	 k;
	unsigned char		*der;
	size_t			 dersz;

	k = key_new(GNUTLS_PK_RSA, 2048);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(csr_make(k, NULL, two, 2, GNUTLS_DIG_SHA256, &der,
	    &dersz), 0);
	ck_assert_int_eq(run(der, dersz, ids_two, conf_profile(&conf, "ec")),
	    ACME_PROB_BAD_PUBKEY);
	ck_assert_ptr_nonnull(strstr(pe.detail, "rsa2048"));
	free(der);
	gnutls_x509_privkey_deinit(k);
}
END_TEST

START_TEST(test_csr_parse_R9_bad_signature)
{
	unsigned char	*der;
	size_t		 dersz;

	ck_assert_int_eq(csr_make(p256, NULL, two, 2, GNUTLS_DIG_SHA256, &der,
	    &dersz), 0);
	/* The signature ends the DER: flip a bit inside the ECDSA s. */
	der[dersz - 3] ^= 0x01;
	ck_assert_int_eq(run(der, dersz, ids_two, NULL), ACME_PROB_BAD_CSR);
	ck_assert_ptr_nonnull(strstr(pe.detail, "invalid signature"));
	free(der);
}
END_TEST

START_TEST(test_csr_parse_R9_sha1_refused)
{
	unsigned char	*der;
	size_t		 dersz;

	/* When GnuTLS will not sign with SHA-1 there is nothing to test. */
	if (csr_make(p256, NULL, two, 2, GNUTLS_DIG_SHA1, &der, &dersz) ==
	    -1)
		return;
	ck_assert_int_eq(run(der, dersz, ids_two, NULL), ACME_PROB_BAD_CSR);
	ck_assert_ptr_nonnull(strstr(pe.detail, "not supported"));
	free(der);
}
END_TEST

START_TEST(test_csr_parse_R12_trailing_garbage)
{
	unsigned char	*der;
	size_t		 dersz;

	ck_assert_int_eq(csr_make(p256, NULL, two, 2, GNUTLS_DIG_SHA256, &der,
	    &dersz), 0);
	der[dersz] = 0x00;
	der[dersz + 1] = 0x00;
	ck_assert_int_eq(run(der, dersz + 2, ids_two, NULL),
	    ACME_PROB_BAD_CSR);
	free(der);
}
END_TEST

START_TEST(test_csr_parse_R12_truncated)
{
	unsigned char	*der;
	size_t		 dersz;

	ck_assert_int_eq(csr_make(p256, NULL, two, 2, GNUTLS_DIG_SHA256, &der,
	    &dersz), 0);
	ck_assert_int_eq(run(der, dersz - 1, ids_two, NULL),
	    ACME_PROB_BAD_CSR);
	ck_assert_int_eq(run(der, 10, ids_two, NULL), ACME_PROB_BAD_CSR);
	free(der);
}
END_TEST

START_TEST(test_csr_parse_R12_long_form_length)
{
	unsigned char	*der, *ber;
	size_t		 dersz;

	ck_assert_int_eq(csr_make(p256, NULL, two, 2, GNUTLS_DIG_SHA256, &der,
	    &dersz), 0);
	/* Re-encode the outer length with one byte too many: 0x8n+1 00 L. */
	ck_assert_int_eq(der[0], 0x30);
	ck_assert(der[1] == 0x81 || der[1] == 0x82);
	ber = malloc(dersz + 1);
	ck_assert_ptr_nonnull(ber);
	ber[0] = 0x30;
	ber[1] = (unsigned char)(der[1] + 1);
	ber[2] = 0x00;
	memcpy(ber + 3, der + 2, dersz - 2);
	ck_assert_int_eq(run(ber, dersz + 1, ids_two, NULL),
	    ACME_PROB_BAD_CSR);
	free(ber);
	free(der);
}
END_TEST

START_TEST(test_csr_parse_R12_empty)
{
	static const unsigned char	 seq[] = { 0x30, 0x00 };

	ck_assert_int_eq(run(NULL, 0, ids_two, NULL), ACME_PROB_BAD_CSR);
	ck_assert_int_eq(run(seq, sizeof(seq), ids_two, NULL),
	    ACME_PROB_BAD_CSR);
	ck_assert_int_eq(run((const unsigned char *)"garbage", 7, ids_two,
	    NULL), ACME_PROB_BAD_CSR);
}
END_TEST

START_TEST(test_csr_check_bad_identifiers)
{
	unsigned char		*der;
	size_t			 dersz;
	struct csr		 c;
	struct json_object	*a;

	ck_assert_int_eq(csr_make(p256, NULL, two, 2, GNUTLS_DIG_SHA256, &der,
	    &dersz), 0);
	ck_assert_int_eq(csr_parse(der, dersz, &c, &pe), ACME_PROB_NONE);
	a = json_object_new_array();
	ck_assert_int_eq(csr_check(&c, a, conf_profile(&conf, NULL), &pe),
	    ACME_PROB_MALFORMED);
	json_object_put(a);
	ck_assert_int_eq(csr_check(&c, NULL, conf_profile(&conf, NULL), &pe),
	    ACME_PROB_MALFORMED);
	csr_clear(&c);
	csr_clear(&c);		/* twice is fine */
	free(der);
}
END_TEST

START_TEST(test_csr_key_type_rsa_sizes)
{
	struct jwk	 k;
	enum key_type	 kt;

	memset(&k, 0, sizeof(k));
	k.kty = JWK_RSA;
	k.bits = 2048;
	ck_assert_int_eq(csr_key_type(&k, &kt), 0);
	ck_assert_int_eq(kt, KT_RSA2048);
	k.bits = 3072;
	ck_assert_int_eq(csr_key_type(&k, &kt), 0);
	ck_assert_int_eq(kt, KT_RSA3072);
	k.bits = 8192;
	ck_assert_int_eq(csr_key_type(&k, &kt), 0);
	ck_assert_int_eq(kt, KT_RSA4096);
	k.kty = JWK_EC_P521;
	ck_assert_int_eq(csr_key_type(&k, &kt), -1);
}
END_TEST

static Suite *
csr_suite(void)
{
	Suite	*s = suite_create("csr");
	TCase	*tc;

	tc = tcase_create("csr_parse");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_csr_parse_good_p256);
	tcase_add_test(tc, test_csr_parse_good_p384);
	tcase_add_test(tc, test_csr_parse_good_rsa2048);
	tcase_add_test(tc, test_csr_parse_good_ed25519_when_allowed);
	tcase_add_test(tc, test_csr_parse_thumb_matches_jwk);
	tcase_add_test(tc, test_csr_parse_cn_only);
	tcase_add_test(tc, test_csr_parse_R2_uppercase_normalised);
	tcase_add_test(tc, test_csr_parse_ip_and_wildcard);
	tcase_add_test(tc, test_csr_parse_R2_duplicate_name);
	tcase_add_test(tc, test_csr_parse_R3_cn_not_in_san);
	tcase_add_test(tc, test_csr_parse_R5_ip_in_dns_san);
	tcase_add_test(tc, test_csr_parse_R5_ip_in_cn);
	tcase_add_test(tc, test_csr_parse_R6_email_san);
	tcase_add_test(tc, test_csr_parse_R6_uri_san);
	tcase_add_test(tc, test_csr_parse_R6_no_names);
	tcase_add_test(tc, test_csr_parse_R10_too_many_names);
	tcase_add_test(tc, test_csr_parse_R8_rsa1024);
	tcase_add_test(tc, test_csr_parse_R8_p521_no_key_type);
	tcase_add_test(tc, test_csr_parse_R8_p192);
	tcase_add_test(tc, test_csr_parse_R9_bad_signature);
	tcase_add_test(tc, test_csr_parse_R9_sha1_refused);
	tcase_add_test(tc, test_csr_parse_R12_trailing_garbage);
	tcase_add_test(tc, test_csr_parse_R12_truncated);
	tcase_add_test(tc, test_csr_parse_R12_long_form_length);
	tcase_add_test(tc, test_csr_parse_R12_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("csr_check");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_csr_check_R2_extra_name);
	tcase_add_test(tc, test_csr_check_R2_missing_name);
	tcase_add_test(tc, test_csr_check_R2_ip_vs_dns_type);
	tcase_add_test(tc, test_csr_check_R8_ed25519_not_in_profile);
	tcase_add_test(tc, test_csr_check_R8_rsa_not_in_profile);
	tcase_add_test(tc, test_csr_check_bad_identifiers);
	suite_add_tcase(s, tc);

	tc = tcase_create("csr_key_type");
	tcase_add_test(tc, test_csr_key_type_rsa_sizes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(csr_suite());
	int	 failed;

	log_init("check_csr", 0);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

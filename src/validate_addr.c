/*
 * validate_addr.c: the address policy of acmegw-validate.
 *
 * Owns the decision whether the validator may connect to an address: the
 * IANA IPv4 and IPv6 Special-Purpose Address Registries (being listed is
 * enough, as in Boulder's iana/ip.go), plus multicast, the deprecated
 * IPv4-compatible and site-local forms, and the IPv4 address embedded in
 * IPv4-mapped, NAT64 and 6to4 addresses (SECURITY.md H2).  Also IP literal
 * parsing and recognition (H4), the text form of an address and the
 * reverse-DNS name used as SNI for IP identifiers (RFC 8738 section 6),
 * and vaddr_targets(), which resolves a host and keeps the addresses the
 * policy allows.
 *
 * Must never: open a socket; let an address through that the tables
 * refuse; treat an unparsable address as allowed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "acmegw.h"

/*
 * How hard a registry entry refuses: VA_PRIVATE entries (loopback, private
 * use, link-local, documentation ...) are lifted by allow_private, which
 * exists for tests and closed networks; VA_ALWAYS entries (unspecified,
 * multicast, broadcast and reserved space) can never be a web server.
 */
enum va_class {
	VA_PRIVATE = 1,
	VA_ALWAYS
};

/* Where an IPv6 prefix hides an IPv4 address. */
enum va_embed {
	VA_EMBED_NONE = 0,
	VA_EMBED_LOW32,		/* last 32 bits: mapped, compatible, NAT64 */
	VA_EMBED_6TO4		/* bits 16..47: 2002:AABB:CCDD::/48 */
};

struct va_net {
	unsigned char	 net[16];
	unsigned int	 plen;
	enum va_class	 cls;
	enum va_embed	 embed;
	const char	*why;
};

/* IANA IPv4 Special-Purpose Address Registry, plus 224/4 multicast. */
static const struct va_net va_v4[] = {
	{ { 0, 0, 0, 0 }, 8, VA_ALWAYS, 0, "this network" },
	{ { 10, 0, 0, 0 }, 8, VA_PRIVATE, 0, "private-use" },
	{ { 100, 64, 0, 0 }, 10, VA_PRIVATE, 0, "shared address space" },
	{ { 127, 0, 0, 0 }, 8, VA_PRIVATE, 0, "loopback" },
	{ { 169, 254, 0, 0 }, 16, VA_PRIVATE, 0, "link-local" },
	{ { 172, 16, 0, 0 }, 12, VA_PRIVATE, 0, "private-use" },
	{ { 192, 0, 0, 0 }, 24, VA_PRIVATE, 0, "IETF protocol assignments" },
	{ { 192, 0, 2, 0 }, 24, VA_PRIVATE, 0, "documentation" },
	{ { 192, 31, 196, 0 }, 24, VA_PRIVATE, 0, "AS112" },
	{ { 192, 52, 193, 0 }, 24, VA_PRIVATE, 0, "AMT" },
	{ { 192, 88, 99, 0 }, 24, VA_PRIVATE, 0, "6to4 relay anycast" },
	{ { 192, 168, 0, 0 }, 16, VA_PRIVATE, 0, "private-use" },
	{ { 192, 175, 48, 0 }, 24, VA_PRIVATE, 0, "AS112 direct delegation" },
	{ { 198, 18, 0, 0 }, 15, VA_PRIVATE, 0, "benchmarking" },
	{ { 198, 51, 100, 0 }, 24, VA_PRIVATE, 0, "documentation" },
	{ { 203, 0, 113, 0 }, 24, VA_PRIVATE, 0, "documentation" },
	{ { 224, 0, 0, 0 }, 4, VA_ALWAYS, 0, "multicast" },
	{ { 240, 0, 0, 0 }, 4, VA_ALWAYS, 0, "reserved" },
};

/*
 * IANA IPv6 Special-Purpose Address Registry, plus multicast, site-local
 * and the IPv4-compatible form.  More specific entries come first: the
 * first match decides.
 */
static const struct va_net va_v6[] = {
	{ { 0 }, 128, VA_ALWAYS, 0, "unspecified" },
	{ { [15] = 1 }, 128, VA_PRIVATE, 0, "loopback" },
	{ { 0 }, 96, VA_PRIVATE, VA_EMBED_LOW32, "IPv4-compatible" },
	{ { [10] = 0xff, [11] = 0xff }, 96, VA_PRIVATE, VA_EMBED_LOW32,
	    "IPv4-mapped" },
	{ { 0x00, 0x64, 0xff, 0x9b }, 96, VA_PRIVATE, VA_EMBED_LOW32,
	    "NAT64" },
	{ { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }, 48, VA_PRIVATE, 0,
	    "local-use NAT64" },
	{ { 0x01, 0x00 }, 64, VA_PRIVATE, 0, "discard-only" },
	{ { 0x01, 0x00, 0, 0, 0, 0, 0, 1 }, 64, VA_PRIVATE, 0, "dummy prefix" },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, VA_PRIVATE, 0, "documentation" },
	{ { 0x20, 0x01 }, 23, VA_PRIVATE, 0, "IETF protocol assignments" },
	{ { 0x20, 0x02 }, 16, VA_PRIVATE, VA_EMBED_6TO4, "6to4" },
	{ { 0x26, 0x20, 0x00, 0x4f, 0x80, 0x00 }, 48, VA_PRIVATE, 0,
	    "AS112 direct delegation" },
	{ { 0x3f, 0xff }, 20, VA_PRIVATE, 0, "documentation" },
	{ { 0x5f, 0x00 }, 16, VA_PRIVATE, 0, "segment routing" },
	{ { 0xfc }, 7, VA_PRIVATE, 0, "unique local" },
	{ { 0xfe, 0x80 }, 10, VA_PRIVATE, 0, "link-local" },
	{ { 0xfe, 0xc0 }, 10, VA_PRIVATE, 0, "site-local" },
	{ { 0xff }, 8, VA_ALWAYS, 0, "multicast" },
};

/* Predicate: the first plen bits of a and net are equal. */
static int
va_prefix_is_equal(const unsigned char *a, const unsigned char *net,
    unsigned int plen)
{
	unsigned int	 full = plen / 8, rest = plen % 8;
	unsigned char	 mask;

	if (memcmp(a, net, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

/* The first entry of tab (n entries) that covers ip, or NULL. */
static const struct va_net *
va_lookup(const struct va_net *tab, size_t n, const unsigned char *ip)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (va_prefix_is_equal(ip, tab[i].net, tab[i].plen))
			return &tab[i];
	return NULL;
}

/*
 * Why the validator must not connect to a: a static phrase such as
 * "loopback", or NULL when the address is allowed.  With allow_private
 * only the VA_ALWAYS entries refuse, including an IPv4 address of that
 * class embedded in an IPv6 address (::ffff:224.0.0.1).  The embedded
 * address of a mapped, NAT64 or 6to4 address is judged as well, so the
 * answer names the worse of the two.
 */
const char *
vaddr_refused_why(const struct vaddr *a, int allow_private)
{
	const struct va_net	*e, *e4 = NULL;
	unsigned char		 v4[4];

	assert(a != NULL);
	if (!a->v6) {
		e = va_lookup(va_v4, sizeof(va_v4) / sizeof(va_v4[0]), a->ip);
		if (e == NULL)
			return NULL;
		if (e->cls == VA_ALWAYS || !allow_private)
			return e->why;
		return NULL;
	}
	e = va_lookup(va_v6, sizeof(va_v6) / sizeof(va_v6[0]), a->ip);
	if (e == NULL)
		return NULL;
	if (e->embed == VA_EMBED_LOW32)
		memcpy(v4, a->ip + 12, 4);
	else if (e->embed == VA_EMBED_6TO4)
		memcpy(v4, a->ip + 2, 4);
	if (e->embed != VA_EMBED_NONE)
		e4 = va_lookup(va_v4, sizeof(va_v4) / sizeof(va_v4[0]), v4);
	if (e4 != NULL && e4->cls == VA_ALWAYS)
		return e4->why;
	if (e->cls == VA_ALWAYS || !allow_private)
		return e->why;
	return NULL;
}

/*
 * Parse the text form of one IP address, strictly: dotted-quad IPv4 as
 * inet_pton(3) takes it (no "127.1", no octal or hex) or IPv6 without
 * brackets and without a zone.  Returns 0 with *a filled in, -1 if s is
 * not such an address.
 */
int
vaddr_parse(const char *s, struct vaddr *a)
{
	struct in_addr	 in4;
	struct in6_addr	 in6;

	assert(s != NULL && a != NULL);
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &in4) == 1) {
		memcpy(a->ip, &in4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6) == 1) {
		a->v6 = 1;
		memcpy(a->ip, &in6, 16);
		return 0;
	}
	return -1;
}

/*
 * Predicate: host (a URL host part) is an IP address in any form some
 * resolver or URL parser would take as one: bracketed IPv6, anything
 * inet_aton(3) accepts ("127.1", "0x7f.1", "2130706433"), or a name whose
 * last label is numeric (the WHATWG rule).  Used to refuse IP literals in
 * redirects for dns identifiers (SECURITY.md H4).
 */
int
vaddr_is_literal(const char *host)
{
	struct in_addr	 in4;
	struct in6_addr	 in6;
	const char	*last;
	size_t		 len, i, start;

	assert(host != NULL);
	if (host[0] == '[' || strchr(host, ':') != NULL)
		return 1;
	if (inet_aton(host, &in4) != 0 || inet_pton(AF_INET6, host, &in6) == 1)
		return 1;
	len = strlen(host);
	if (len > 0 && host[len - 1] == '.')
		len--;
	if (len == 0)
		return 0;
	for (i = len; i > 0 && host[i - 1] != '.'; i--)
		;
	last = host + i;
	start = 0;
	if (len - i > 2 && last[0] == '0' && (last[1] == 'x' ||
	    last[1] == 'X'))
		start = 2;
	for (i = start; last + i < host + len; i++)
		if (!(start ? isxdigit((unsigned char)last[i]) :
		    isdigit((unsigned char)last[i])))
			return 0;
	return 1;
}

/* Write the text form of a into buf (at least VAL_ADDRSTRLEN bytes). */
void
vaddr_str(const struct vaddr *a, char *buf, size_t bufsz)
{
	assert(a != NULL && buf != NULL && bufsz > 0);
	if (inet_ntop(a->v6 ? AF_INET6 : AF_INET, a->ip, buf,
	    (socklen_t)bufsz) == NULL)
		snprintf(buf, bufsz, "?");
}

/*
 * Write the reverse-DNS name of a (RFC 8738 section 6: "4.3.2.1.in-addr.
 * arpa" for 1.2.3.4, nibbles under ip6.arpa for IPv6), without a trailing
 * dot, as it goes into SNI.  Returns 0, or -1 if bufsz is too small.
 */
int
vaddr_reverse_name(const struct vaddr *a, char *buf, size_t bufsz)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 o = 0, i;
	int			 n;

	assert(a != NULL && buf != NULL);
	if (!a->v6) {
		n = snprintf(buf, bufsz, "%u.%u.%u.%u.in-addr.arpa",
		    a->ip[3], a->ip[2], a->ip[1], a->ip[0]);
		return (n < 0 || (size_t)n >= bufsz) ? -1 : 0;
	}
	if (bufsz < 16 * 4 + sizeof("ip6.arpa"))
		return -1;
	for (i = 16; i > 0; i--) {
		buf[o++] = hex[a->ip[i - 1] & 0xf];
		buf[o++] = '.';
		buf[o++] = hex[a->ip[i - 1] >> 4];
		buf[o++] = '.';
	}
	memcpy(buf + o, "ip6.arpa", sizeof("ip6.arpa"));
	return 0;
}

/*
 * The addresses the validator may connect to for host: an IP literal as
 * is, otherwise the A and AAAA records (vdns_lookup_addrs()).  Refused
 * addresses (vaddr_refused_why()) are dropped; what is left goes to
 * out[0..*outsz), IPv6 before IPv4 (SECURITY.md H20), each family in the
 * order the resolver gave.  Returns 0 when at least one address is left.
 * Returns -1 with res filled in otherwise: "dns" when the lookup failed or
 * found nothing, "connection" when every address was refused (the detail
 * names them), serverInternal for an internal failure.
 */
int
vaddr_targets(const struct vreq *req, const char *host, struct vaddr *out,
    size_t outmax, size_t *outsz, struct vres *res)
{
	struct vaddr	 all[VAL_MAX_ADDRS];
	size_t		 n = 0, i, k = 0, fam;
	char		 refused[512], one[VAL_ADDRSTRLEN];
	const char	*why;
	int		 rc = -1, len;

	assert(outmax > 0);
	*outsz = 0;
	refused[0] = '\0';
	if (vaddr_parse(host, &all[0]) == 0)
		n = 1;
	else if (vdns_lookup_addrs(req, host, all, VAL_MAX_ADDRS, &n,
	    res) == -1)
		goto out;

	for (fam = 0; fam < 2; fam++) {
		for (i = 0; i < n; i++) {
			if (all[i].v6 != (fam == 0))
				continue;
			if ((why = vaddr_refused_why(&all[i],
			    req->allow_private)) == NULL) {
				if (k < outmax)
					out[k++] = all[i];
				continue;
			}
			vaddr_str(&all[i], one, sizeof(one));
			log_info("%s: address %s refused (%s)", host, one,
			    why);
			len = (int)strlen(refused);
			snprintf(refused + len, sizeof(refused) - (size_t)len,
			    "%s%s (%s)", len ? ", " : "", one, why);
		}
	}
	if (k == 0) {
		vres_fail(res, ACME_PROB_CONNECTION,
		    "No valid IP addresses found for %s: %s refused by the "
		    "address policy", host, refused);
		goto out;
	}
	*outsz = k;
	rc = 0;
out:
	return rc;
}

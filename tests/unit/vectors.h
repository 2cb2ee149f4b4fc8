/*
 * vectors.h: published JOSE test vectors used by check_jwk and check_jws.
 *
 * RFC 7515 appendix A.1 (HS256), A.2 (RS256), A.3 (ES256); RFC 7638 3.1
 * (thumbprint); RFC 8037 A.2-A.4 (Ed25519).  Copied verbatim; do not
 * "fix" them.
 */
#ifndef VECTORS_H
#define VECTORS_H

/* The payload shared by RFC 7515 A.1-A.3. */
#define RFC7515_PAYLOAD \
	"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt" \
	"cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"

/* RFC 7515 A.1: HMAC SHA-256.  Header {"typ":"JWT",\r\n "alg":"HS256"}. */
#define RFC7515_A1_KEY \
	"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iP" \
	"S4hcgUuTwjAzZr1Z9CAow"
#define RFC7515_A1_PROTECTED	"eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
#define RFC7515_A1_SIG		"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

/* RFC 7515 A.2: RSASSA-PKCS1-v1_5 SHA-256.  Header {"alg":"RS256"}. */
#define RFC7515_A2_N \
	"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-" \
	"Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWv" \
	"G6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUs" \
	"LA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9" \
	"kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kz" \
	"k2PAcDTW9gb54h4FRWyuXpoQ"
#define RFC7515_A2_JWK \
	"{\"kty\":\"RSA\",\"n\":\"" RFC7515_A2_N "\",\"e\":\"AQAB\"}"
#define RFC7515_A2_PROTECTED	"eyJhbGciOiJSUzI1NiJ9"
#define RFC7515_A2_SIG \
	"cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7" \
	"AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4" \
	"BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K" \
	"0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv" \
	"hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB" \
	"p0igcN_IoypGlUPQGe77Rw"

/* RFC 7515 A.3: ECDSA P-256 SHA-256.  Header {"alg":"ES256"}. */
#define RFC7515_A3_X		"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define RFC7515_A3_Y		"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
#define RFC7515_A3_JWK \
	"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" RFC7515_A3_X \
	"\",\"y\":\"" RFC7515_A3_Y "\"}"
#define RFC7515_A3_PROTECTED	"eyJhbGciOiJFUzI1NiJ9"
#define RFC7515_A3_SIG \
	"DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA" \
	"pmWQxfKTUJqPP3-Kg6NU1Q"

/* RFC 7638 3.1: an RSA key and its SHA-256 thumbprint. */
#define RFC7638_N \
	"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86z" \
	"wu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5Js" \
	"GY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMic" \
	"AtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-" \
	"bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF" \
	"Cur-kEgU8awapJzKnqDKgw"
/* As printed in the RFC, with the optional alg and kid members removed
 * (kid inside a JWK is refused by our policy, J15). */
#define RFC7638_JWK \
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\"," \
	"\"alg\":\"RS256\"}"
#define RFC7638_JWK_WITH_KID \
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\"," \
	"\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}"
#define RFC7638_CANON \
	"{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\"}"
#define RFC7638_THUMB		"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

/* RFC 8037 A.2-A.4: Ed25519 public key, thumbprint and JWS. */
#define RFC8037_X		"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define RFC8037_JWK \
	"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X "\"}"
#define RFC8037_THUMB		"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
#define RFC8037_PROTECTED	"eyJhbGciOiJFZERTQSJ9"
#define RFC8037_PAYLOAD		"RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
#define RFC8037_SIG \
	"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5B" \
	"hVsPt9g7sVvpAr_MuM0KAg"

#endif /* VECTORS_H */

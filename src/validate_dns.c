/* validate_dns.c: not written yet */
#include "acmegw.h"

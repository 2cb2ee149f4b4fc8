/* validate_tls.c: not written yet */
#include "acmegw.h"

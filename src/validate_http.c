/* validate_http.c: not written yet */
#include "acmegw.h"

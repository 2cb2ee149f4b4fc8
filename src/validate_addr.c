/* validate_addr.c: not written yet */
#include "acmegw.h"

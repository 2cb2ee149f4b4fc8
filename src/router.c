/* router.c: not written yet */
#include "acmegw.h"

/* keychange.c: not written yet */
#include "acmegw.h"

/* not written yet */
#include "acmegw.h"
int main(void) { return 1; }

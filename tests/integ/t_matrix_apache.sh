#!/bin/sh
# t_matrix_apache.sh: the client matrix (tests/integ/matrix.sh) with acmegw
# behind Apache and mod_fcgid (lib.sh APACHE=1).
APACHE=1
. "$top_srcdir/tests/integ/matrix.sh"

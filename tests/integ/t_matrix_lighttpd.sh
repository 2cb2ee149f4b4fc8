#!/bin/sh
# t_matrix_lighttpd.sh: the client matrix (tests/integ/matrix.sh) with acmegw
# behind lighttpd and mod_fastcgi.
. "$top_srcdir/tests/integ/matrix.sh"

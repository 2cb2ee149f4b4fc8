#!/bin/sh
# t_load_issue_lighttpd.sh: load and crash safety with real issuance
# (tests/integ/load_issue.sh, SECURITY.md F4) with acmegw behind lighttpd
# and mod_fastcgi.
. "$top_srcdir/tests/integ/load_issue.sh"

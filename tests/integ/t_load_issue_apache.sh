#!/bin/sh
# t_load_issue_apache.sh: load and crash safety with real issuance
# (tests/integ/load_issue.sh, SECURITY.md F4) with acmegw behind Apache
# and mod_fcgid (lib.sh APACHE=1).
APACHE=1
. "$top_srcdir/tests/integ/load_issue.sh"

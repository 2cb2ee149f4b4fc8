#!/bin/sh
# t_mandoc.sh: every man page is mdoc that mandoc -Tlint passes without a
# single message, and every program has its page.
set -u
command -v mandoc >/dev/null 2>&1 || { echo "SKIP: mandoc not installed"; exit 77; }
fail=0
for p in acmegw.conf.5 acmegw.fcgi.8 acmegw-worker.8 acmegwctl.8 \
    acmegw-validate.8 acmegw-sign.8 acmegw-bench.1; do
	f="$top_srcdir/man/$p"
	if [ ! -s "$f" ]; then
		echo "FAIL: $p missing or empty"
		fail=1
		continue
	fi
	# mandoc finds the pages named in .Xr only from inside man/.
	# A stale mandoc.db of the machine is not the page's fault.
	out=$(cd "$top_srcdir/man" && mandoc -Tlint "$p" 2>&1 | grep -v 'mandoc\.db')
	if [ -n "$out" ]; then
		echo "FAIL: $p:"
		echo "$out"
		fail=1
	else
		echo "ok: $p"
	fi
done
exit $fail

#!/bin/sh
# Dead-man's switch for the Suara nightly job: report its exit status to a monitor that alerts when
# the ping is a failure or does not arrive at all (healthchecks.io, Uptime Kuma push, Cronitor...).
# Usage: healthcheck.sh EXIT_STATUS   (or $EXIT_STATUS in the environment, as systemd sets it).
# Does nothing unless SUARA_HEALTHCHECK_URL is set; never fails the job itself.
# healthchecks.io reads <url>/0 as success and <url>/<n> as failure with exit status n.
status="${1:-${EXIT_STATUS:-1}}"
case "$status" in
    ''|*[!0-9]*) status=1 ;;  # killed by a signal (timeout): systemd passes TERM/KILL
esac
[ -n "${SUARA_HEALTHCHECK_URL:-}" ] || exit 0
curl -fsS -m 10 --retry 3 -o /dev/null "${SUARA_HEALTHCHECK_URL%/}/$status" || true
exit 0

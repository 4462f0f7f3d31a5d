#!/usr/bin/env bash
# Run a step that fetches from a registry (pip, npm, apt), and run it again after a pause when it fails.
#
# Why: a dropped connection mid-download (seen here: pip gave up on a 42 MB wheel at the same byte six times in one
# run) fails the whole set-up, though the same command succeeds a minute later. pip's own retries reuse the broken
# transfer; a fresh run starts clean, and pip's cache keeps what already arrived. A step that fails for a real
# reason (a version conflict) fails the same way each time, so the last try's message is the one to read.
# usage: scripts/retry.sh COMMAND [ARG...]     (RETRY_TRIES, default 4; RETRY_PAUSE, default 15 s, tripled each time)
set -uo pipefail
tries=${RETRY_TRIES:-4}
pause=${RETRY_PAUSE:-15}
for ((try = 1; ; try++)); do
  "$@" && exit 0
  status=$?
  if ((try >= tries)); then
    free=$(df -h --output=avail . 2>/dev/null | tail -1 | tr -d ' ')
    echo "retry: '$*' failed $tries times (last exit $status); check the network and the free disk space" \
      "(${free:-unknown} free here; make test needs about 10 GB), then run make again" >&2
    exit "$status"
  fi
  echo "retry: '$1' failed (exit $status); try $((try + 1)) of $tries in ${pause} s" >&2
  sleep "$pause"
  pause=$((pause * 3))
done

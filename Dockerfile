# The migration-guard action. Build stage: a wheel of this project (non-editable).
FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY . /src
RUN pip wheel --no-deps --wheel-dir /wheels /src

FROM python:3.12-slim
# Unbuffered: workflow commands on stdout must not land out of order with stderr.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# git compares a push with its previous commit. The runner mounts a workspace owned by
# another user, which git refuses ("dubious ownership") unless it is marked safe.
# The Debian package version follows the base image, so it is not pinned here.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends git \
 && rm -rf /var/lib/apt/lists/* \
 && git config --system --add safe.directory '*'

COPY requirements/action.txt /tmp/action.txt
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir -r /tmp/action.txt \
 && pip install --no-cache-dir --no-deps /wheels/*.whl \
 && rm -rf /wheels /tmp/action.txt \
 && python -c "import validator.github.action, github, pglast"

# Only the entry point lives in /app: the package comes from site-packages.
COPY entrypoint.py /app/entrypoint.py
# No USER (the runner needs root to write GITHUB_OUTPUT and read the workspace) and no
# WORKDIR (the runner mounts the workspace and makes it the working directory).
ENTRYPOINT ["python", "/app/entrypoint.py"]

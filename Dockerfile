# The migration-guard action. The image holds the Python packages the action imports and
# nothing else: no git (the REST API says what changed), no compiler, no pip.
#
# Build stage: a virtual environment with this project and its pinned run-time dependencies,
# shared objects stripped of debug symbols, C sources removed, bytecode compiled.
FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
# binutils for strip: pglast's parser ships with 24 MB of debug symbols.
# The Debian package version follows the base image, so it is not pinned here.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends binutils \
 && rm -rf /var/lib/apt/lists/*
COPY requirements/action.txt /tmp/action.txt
COPY . /src
# --no-deps with the exact list: it leaves out PyJWT's cryptography extra (16 MB), which only
# signs GitHub App tokens, something the action never does.
RUN python -m venv --without-pip /opt/mg \
 && pip --python /opt/mg/bin/python install --no-deps --no-compile -r /tmp/action.txt /src \
 && find /opt/mg -name '*.so' -exec strip --strip-unneeded {} + \
 && find /opt/mg \( -name '*.c' -o -name '*.h' -o -name '*.pyx' -o -name '*.pxd' -o -name '*.pyi' \) -delete \
 && /opt/mg/bin/python -m compileall -q -j 0 --invalidation-mode unchecked-hash /opt/mg/lib \
 && /opt/mg/bin/python -c "import migration_guard.github.action, migration_guard.github.publish, migration_guard.engine, github, pglast"

FROM python:3.12-slim
# Unbuffered: workflow commands on stdout must not land out of order with stderr.
# The bytecode was compiled at build time; nothing is written at run time.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
COPY --from=build /opt/mg /opt/mg
COPY entrypoint.py /app/entrypoint.py
# No USER (the runner needs root to write GITHUB_OUTPUT and read the workspace) and no
# WORKDIR (the runner mounts the workspace and makes it the working directory).
ENTRYPOINT ["/opt/mg/bin/python", "/app/entrypoint.py"]

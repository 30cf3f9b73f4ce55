# syntax=docker/dockerfile:1
# One multi-stage build, one target per service:
#   docker build --target intake -t complaint-intake .   (likewise classifier, notifier, archive)
#   docker build --target tools  -t complaint-tools  .   (creates the Kafka topics, see compose)
# Each service image holds only that service's locked dependencies (uv sync --package), runs as
# uid 10001 and carries no compiler, uv or source tree. tests/unit/test_deploy_dockerfile.py
# checks this file; tests/integration/test_deploy_image_install.py runs its uv steps.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ghcr.io/astral-sh/uv:0.13.8 AS uv

# ---- build: a virtual environment per service from the workspace lock file --------------------
FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# Every workspace member's metadata first: uv needs the whole workspace to read the lock file,
# and this layer (the third-party dependencies) changes far less often than the code.
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/
COPY services/runtime/pyproject.toml services/runtime/
COPY services/intake/pyproject.toml services/intake/
COPY services/classifier/pyproject.toml services/classifier/
COPY services/notifier/pyproject.toml services/notifier/
COPY services/archive/pyproject.toml services/archive/

FROM build AS build-intake
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --no-install-workspace --package complaint-intake
COPY shared/src shared/src
COPY services services
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package complaint-intake

FROM build AS build-classifier
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --no-install-workspace --package complaint-classifier
COPY shared/src shared/src
COPY services services
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package complaint-classifier

FROM build AS build-notifier
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --no-install-workspace --package complaint-notifier
COPY shared/src shared/src
COPY services services
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package complaint-notifier

FROM build AS build-archive
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --no-install-workspace --package complaint-archive
COPY shared/src shared/src
COPY services services
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package complaint-archive

# The topic tool needs the event catalogue and aiokafka, both in complaint-runtime's closure.
FROM build AS build-tools
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --no-install-workspace --package complaint-runtime
COPY shared/src shared/src
COPY services services
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package complaint-runtime

# ---- runtime base: the same Python image as the build, so the venv's interpreter path holds ----
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 complaints \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin complaints
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8000
WORKDIR /app
EXPOSE 8000
# Ready = the service answers and its Kafka and MongoDB checks pass (urlopen raises on 503).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('HTTP_PORT', '8000') + '/health/ready', timeout=4)"]

FROM runtime AS intake
COPY --from=build-intake /app/.venv /app/.venv
COPY deploy/policies deploy/policies
ENV POLICIES_DIR=/app/deploy/policies
USER 10001:10001
ENTRYPOINT ["complaint-intake"]

# The data files a service reads ship in its image; Kubernetes mounts ConfigMaps over them.
FROM runtime AS classifier
COPY --from=build-classifier /app/.venv /app/.venv
COPY deploy/policies deploy/policies
ENV POLICIES_DIR=/app/deploy/policies
USER 10001:10001
ENTRYPOINT ["complaint-classifier"]

FROM runtime AS notifier
COPY --from=build-notifier /app/.venv /app/.venv
COPY deploy/policies deploy/policies
COPY deploy/calendars deploy/calendars
COPY deploy/directory.yaml deploy/directory.yaml
ENV POLICIES_DIR=/app/deploy/policies \
    CALENDARS_DIR=/app/deploy/calendars \
    DIRECTORY_FILE=/app/deploy/directory.yaml
USER 10001:10001
ENTRYPOINT ["complaint-notifier"]

FROM runtime AS archive
COPY --from=build-archive /app/.venv /app/.venv
COPY deploy/policies deploy/policies
ENV POLICIES_DIR=/app/deploy/policies
USER 10001:10001
ENTRYPOINT ["complaint-archive"]

FROM runtime AS tools
COPY --from=build-tools /app/.venv /app/.venv
COPY deploy/local/topics.py deploy/local/topics.py
HEALTHCHECK NONE
USER 10001:10001
CMD ["python", "deploy/local/topics.py"]

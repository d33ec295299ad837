# Flask on uv on the same Debian stack, as a careful Dockerfile user writes it: Debian's python3
# with apt's cache mounted, uv from PyPI, `uv sync --locked` with uv's cache mounted before the
# code is copied, a final stage with only python3, the venv and the app.
ARG STACK_BUILD
ARG STACK_RUN

FROM ${STACK_BUILD} AS build
USER root
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-venv
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=secret,id=ca,target=/etc/ssl/certs/ca-certificates.crt \
    python3 -m venv /opt/uv && PIP_CERT=/etc/ssl/certs/ca-certificates.crt /opt/uv/bin/pip install uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=secret,id=ca,target=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON=/usr/bin/python3 \
    UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 \
    /opt/uv/bin/uv sync --locked --no-dev --no-install-project
COPY . .

FROM ${STACK_RUN}
USER root
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update -qq && apt-get install -y -qq --no-install-recommends python3
COPY --from=build --chown=1000:1000 /opt/venv /opt/venv
COPY --from=build --chown=1000:1000 /app /app
USER 1000:1000
WORKDIR /app
ENV PATH=/opt/venv/bin:/usr/bin:/bin PYTHONUNBUFFERED=1
CMD ["gunicorn", "app:app"]

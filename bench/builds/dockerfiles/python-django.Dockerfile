# Django on the same Debian stack, as a careful Dockerfile user writes it: Debian's python3 with
# apt's cache mounted, a venv filled from requirements.txt with pip's cache mounted before the
# code is copied, collectstatic, a final stage with only python3, the venv and the app.
ARG STACK_BUILD
ARG STACK_RUN

FROM ${STACK_BUILD} AS build
USER root
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-venv
RUN python3 -m venv --without-pip /opt/venv && python3 -m venv /opt/pip
WORKDIR /app
COPY requirements.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=secret,id=ca,target=/etc/ssl/certs/ca-certificates.crt \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt /opt/pip/bin/pip --python /opt/venv/bin/python install -r requirements.txt
COPY . .
RUN /opt/venv/bin/python manage.py collectstatic --noinput

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
# gunicorn binds 0.0.0.0:$PORT when PORT is set
CMD ["gunicorn", "mysite.wsgi"]

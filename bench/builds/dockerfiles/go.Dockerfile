# Go on the same Debian stack, as a careful Dockerfile user writes it: the toolchain fetched once
# from the module proxy, modules downloaded before the code is copied, module and build caches
# in BuildKit cache mounts, only the static binary in a slim final stage run as a non-root user.
ARG STACK_BUILD
ARG STACK_RUN

FROM ${STACK_BUILD} AS toolchain
USER root
ARG GO_VERSION
ADD https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go${GO_VERSION}.linux-amd64.zip /tmp/go.zip
RUN python3 -m zipfile -e /tmp/go.zip /tmp/go \
 && mv /tmp/go/golang.org/toolchain@v0.0.1-go${GO_VERSION}.linux-amd64 /usr/local/go \
 && chmod 755 /usr/local/go/bin/* /usr/local/go/pkg/tool/linux_amd64/* \
 && rm -rf /tmp/go /tmp/go.zip

FROM toolchain AS build
WORKDIR /src
ENV PATH=/usr/local/go/bin:/usr/sbin:/usr/bin:/sbin:/bin GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod \
    --mount=type=secret,id=ca,target=/etc/ssl/certs/ca-certificates.crt \
    go mod download
COPY . .
RUN --mount=type=cache,target=/root/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags='-s -w' -o /out/goweb .

FROM ${STACK_RUN}
COPY --from=build --chown=1000:1000 /out/goweb /app/bin/goweb
USER 1000:1000
WORKDIR /app
CMD ["/app/bin/goweb"]

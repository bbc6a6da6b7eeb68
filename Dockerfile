# seedfeed in a container: a build stage with the Rust toolchain, then a slim run stage that
# holds only the binary and runs as an unprivileged user.
#
#   docker build --build-arg SEEDFEED_COMMIT=$(git rev-parse --short=12 HEAD) -t seedfeed .
#   docker run -p 8080:8080 -v /path/to/seeds:/srv/seeds:ro -v seedfeed-state:/var/lib/seedfeed seedfeed
#
# The image's config is contrib/config.toml (seeds at /srv/seeds, read-only; the index cache in
# the volume /var/lib/seedfeed); mount your own at /etc/seedfeed/config.toml to change it.
FROM rust:1.89-slim-bookworm AS build
WORKDIR /src
# The commit `seedfeed --version` names (the build context has no git history).
ARG SEEDFEED_COMMIT=unknown
ENV SEEDFEED_COMMIT=${SEEDFEED_COMMIT}
COPY . .
RUN cargo build --release --locked --bin seedfeed

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent seedfeed \
    && mkdir -p /var/lib/seedfeed /srv/seeds /etc/seedfeed \
    && chown seedfeed:seedfeed /var/lib/seedfeed
COPY --from=build /src/target/release/seedfeed /usr/local/bin/seedfeed
COPY contrib/config.toml /etc/seedfeed/config.toml
USER seedfeed:seedfeed
VOLUME ["/srv/seeds", "/var/lib/seedfeed"]
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/seedfeed", "--config", "/etc/seedfeed/config.toml"]
CMD ["serve"]

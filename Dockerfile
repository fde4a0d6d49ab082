# recoveryd's one image: the Home Assistant add-on (config.yaml; the Supervisor builds it from
# this folder) and the Docker Compose stack (docker-compose.yml) both build it from here.
# With no command it starts as the add-on where the Supervisor gave it a token, else `run`.
FROM python:3.11-slim-bookworm

# The add-on builder's arguments (developers.home-assistant.io, App configuration).
ARG BUILD_VERSION=0.1.0
ARG BUILD_ARCH=amd64

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY recoveryd ./recoveryd
COPY integrations ./integrations
COPY config/docker/entrypoint.sh /usr/local/bin/recoveryd-entrypoint
RUN pip install --no-cache-dir . \
    && chmod 0755 /usr/local/bin/recoveryd-entrypoint \
    && useradd --system --home-dir /var/lib/recoveryd recoveryd \
    && mkdir -p /var/lib/recoveryd \
    && chown recoveryd /var/lib/recoveryd

LABEL \
    io.hass.version="${BUILD_VERSION}" \
    io.hass.type="app" \
    io.hass.arch="${BUILD_ARCH}" \
    org.opencontainers.image.title="recoveryd" \
    org.opencontainers.image.description="Recovery orchestration for Home Assistant households" \
    org.opencontainers.image.licenses="GPL-3.0-or-later"

ENV RECOVERYD_CONFIG=/config/recoveryd.yaml
VOLUME ["/var/lib/recoveryd"]
HEALTHCHECK --interval=60s --timeout=10s CMD ["recoveryd-entrypoint", "health"]
ENTRYPOINT ["recoveryd-entrypoint"]

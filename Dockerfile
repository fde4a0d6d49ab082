# recoveryd as a container: `docker compose up -d` (see README, "Running it at home").
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY recoveryd ./recoveryd
COPY integrations ./integrations
RUN pip install --no-cache-dir . \
    && useradd --system --home-dir /var/lib/recoveryd recoveryd \
    && mkdir -p /var/lib/recoveryd \
    && chown recoveryd /var/lib/recoveryd

USER recoveryd
ENV RECOVERYD_CONFIG=/config/recoveryd.yaml
VOLUME ["/var/lib/recoveryd"]
HEALTHCHECK --interval=60s --timeout=10s CMD ["recoveryd", "check-config"]
ENTRYPOINT ["recoveryd"]
CMD ["run"]

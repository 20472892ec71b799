# Régie's user-code image: the Dagster code location (gRPC server), the run workers launched by
# dagster-k8s, and the planner API (`regie serve`). Build: docker build -t regie-user-code:0.1.0 .
FROM python:3.11-slim

LABEL org.opencontainers.image.title="regie-user-code" \
      org.opencontainers.image.source="https://github.com/regie-mobility/regie" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    REGIE_CONFIG_DIR=/opt/regie/configs \
    REGIE_DATA_DIR=/var/lib/regie \
    NUMBA_CACHE_DIR=/var/cache/regie/numba

WORKDIR /opt/regie
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock "psycopg[binary]>=3.2,<4"

COPY pyproject.toml README.md workspace.yaml ./
COPY regie ./regie
COPY quality ./quality
COPY assets ./assets
COPY pipelines ./pipelines
COPY bench ./bench
COPY configs ./configs
RUN pip install --no-cache-dir --no-deps . \
    && mkdir -p "$DAGSTER_HOME" "$REGIE_DATA_DIR" "$NUMBA_CACHE_DIR" \
    && useradd --system --uid 10001 regie \
    && chown -R regie "$DAGSTER_HOME" "$REGIE_DATA_DIR" /var/cache/regie
USER regie

# 3030: the Dagster code location (gRPC); 8000: the planner API and portal (regie serve)
EXPOSE 3030 8000
CMD ["dagster", "api", "grpc", "--module-name", "pipelines.definitions", "--host", "0.0.0.0", "--port", "3030"]

# The API server. Alone (`docker run -p 127.0.0.1:8080:8080 IMAGE`) it serves the embedded
# in-memory backend seeded with the sample readings; docker-compose.yml points it at DynamoDB
# Local instead (AWS_ENDPOINT_URL_DYNAMODB). Configuration: the variables in README.md.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app
# Only what the package needs (.dockerignore keeps the rest of the repository out).
COPY pyproject.toml README.md ./
COPY gql ./gql
# The redis extra: GQL_REDIS_URL (the live relay between replicas) works in the image.
RUN pip install '.[redis]' \
    && useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin gql

# `docker stop` sends STOPSIGNAL, then SIGKILL after its timeout: 10 s unless `docker run
# --stop-timeout` or compose's stop_grace_period says otherwise. On SIGTERM the server drains
# (readiness 503, requests in flight finish, subscriptions complete) and exits 0 within
# GQL_SHUTDOWN_SECONDS, set here below Docker's default so that nothing is killed mid-drain.
STOPSIGNAL SIGTERM
ENV GQL_SHUTDOWN_SECONDS=8

# Numeric, so that runtimes enforcing "run as non-root" can check it.
USER 10001:10001
EXPOSE 8080

# slim has no curl: the check is Python's urllib (any error or non-2xx answer exits 1).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]

CMD ["gql", "serve", "--host", "0.0.0.0", "--port", "8080"]

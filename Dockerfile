# The sandbox image. docker-compose.yml also runs locust from it, so it carries
# the load-test tools as well. Build from the repository root:
#   docker build -t partystar-sandbox .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY openapi/ openapi/
COPY mockserver/ mockserver/
COPY partystar_client/ partystar_client/
COPY loadtests/ loadtests/
COPY contracts/ contracts/
# Editable, because the sandbox reads openapi/partystar.yaml beside its package folder.
RUN pip install -e ".[postgres,load]"
COPY deploy/sandbox.yaml /etc/partystar/sandbox.yaml

RUN useradd --system --uid 10001 --home-dir /app partystar
USER partystar
EXPOSE 8080

CMD ["partystar-sandbox", "serve", "--host", "0.0.0.0", "--port", "8080", "--config", "/etc/partystar/sandbox.yaml"]

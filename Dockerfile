# Launch tracker daemon.
#   docker build -t launch-tracker .
#   docker run -d --name tracker -v tracker-data:/data \
#       -e TRACKER_TELEGRAM_TOKEN=... -e TRACKER_DATABASE_URL=postgresql://tracker@db/tracker \
#       launch-tracker
#   docker exec tracker tracker status        # exit 0 running, 3 not running, 4 a source failing
# Without TRACKER_DATABASE_URL the database is SQLite in the /data volume. compose.yaml runs
# it with PostgreSQL. The dependencies are the pinned, hashed ones of requirements.lock
# (regenerate with scripts/lock), so two builds of one commit install the same versions.
# The web view (tracker serve) is off in the bundled config; mount one with [serve]
# enabled = true and address = "0.0.0.0", and publish the port (-p 8080:8080).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    TRACKER_CONFIG=/etc/tracker/tracker.toml
RUN useradd --system --create-home --home-dir /data tracker
WORKDIR /app
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml README.md LICENSE ./
COPY tracker ./tracker
RUN pip install --no-deps . && tracker --version
COPY config/tracker.example.toml /etc/tracker/tracker.toml
RUN sed -i 's|^data_dir = ""|data_dir = "/data"|' /etc/tracker/tracker.toml
USER tracker
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
# Healthy while a daemon beats (heartbeat every 30 s, down after 120 s) and no source is
# failing past its threshold: `tracker status` exits non-zero otherwise.
HEALTHCHECK --interval=1m --timeout=20s --start-period=2m --retries=3 CMD tracker status > /dev/null
CMD ["sh", "-c", "tracker db upgrade && exec tracker run"]

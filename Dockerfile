# Launch tracker daemon.
#   docker build -t launch-tracker .
#   docker run -d --name tracker -v tracker-data:/data \
#       -e TRACKER_TELEGRAM_TOKEN=... -e TRACKER_DATABASE_URL=postgresql://tracker@db/tracker \
#       launch-tracker
#   docker exec tracker tracker status
# Without TRACKER_DATABASE_URL the database is SQLite in the /data volume.
# The web view (tracker serve) is off in the bundled config; mount one with [serve]
# enabled = true and address = "0.0.0.0", and publish the port (-p 8080:8080).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    TRACKER_CONFIG=/etc/tracker/tracker.toml
RUN useradd --system --create-home --home-dir /data tracker
WORKDIR /app
COPY pyproject.toml README.md ./
COPY tracker ./tracker
RUN pip install '.[postgres,web]'
COPY config/tracker.example.toml /etc/tracker/tracker.toml
RUN sed -i 's|^data_dir = ""|data_dir = "/data"|' /etc/tracker/tracker.toml
USER tracker
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5m --timeout=20s CMD tracker status > /dev/null || exit 1
CMD ["sh", "-c", "tracker db upgrade && exec tracker run"]

# One image for the control plane and the agent workers (docker-compose.yml picks the command).
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json web/.npmrc ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY control_plane control_plane
COPY agent agent
COPY migrations migrations
COPY web web
COPY --from=web /src/web/node_modules web/node_modules
RUN pip install --no-cache-dir ".[offline]"
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["python", "-m", "control_plane", "serve", "--host", "0.0.0.0", "--port", "8000"]

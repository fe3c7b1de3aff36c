# Production image of the sales activity tracker.
#
# Stage 1 installs the front-end packages pinned in package-lock.json; stage 2
# is the Python runtime, with the static files collected at build time and
# served by WhiteNoise. Every setting comes from the environment at run time
# (see docker-compose.yml and README.md); nothing secret is baked in.

# --- Stage 1: front-end packages (bootstrap, htmx, chart.js, ...) -----------
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# --- Stage 2: the Python runtime --------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Runtime dependencies only; requirements-dev.txt (test and lint tools) stays out.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# The translations, compiled by Babel (a runtime requirement) so the image needs no GNU gettext.
RUN find locale -name django.po -execdir pybabel -q compile -i django.po -o django.mo \;
COPY --from=assets /build/node_modules ./node_modules

# Collect and compress the static files into the image. The key is a
# build-only placeholder for this one command; the real one is given at run time.
RUN DEBUG=0 SECRET_KEY=build-only-collectstatic-key python manage.py collectstatic --noinput

# An unprivileged user; the code and static files stay owned by root, read-only to it.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app
USER app

EXPOSE 8000

CMD ["gunicorn", "salestracker.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

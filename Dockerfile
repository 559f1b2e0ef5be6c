# JADA Ops images. `docker build .` gives the production image (last stage, "app"): the runtime
# requirements only — no moto, no test or benchmark tooling — run as a non-root user. Every app
# process (web, worker, beat, the one-shot setup) runs from it. The "standin" target is the
# local AWS stand-in (moto's server) for the compose stack; production never builds it.

FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

# Local only: moto's server and its dependencies (Flask, cfn-lint, ...), from requirements-local.txt.
FROM base AS standin
COPY requirements-local.txt ./
RUN pip install -r requirements-local.txt \
 && useradd --system --create-home --uid 10001 jada
USER jada
EXPOSE 5000
CMD ["moto_server", "-H", "0.0.0.0", "-p", "5000"]

FROM base AS app
COPY . .
# Static files are collected at build time and served by whitenoise; the key is for this step only.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-real-secret-0123456789 JADA_IGNORE_DOTENV=true \
    python manage.py collectstatic --noinput --verbosity 0 \
 && useradd --system --create-home --uid 10001 jada \
 && chown -R jada /app
USER jada

EXPOSE 8000
CMD ["gunicorn", "jada.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", \
     "--limit-request-field_size", "16384", "--access-logfile", "-"]

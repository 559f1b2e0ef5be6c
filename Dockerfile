# One image for every process of JADA Ops: web (gunicorn + whitenoise), worker, beat, the one-shot
# setup and, in the local stack, the AWS stand-in (moto's server is a pinned dependency).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

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

# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PAPERDAILY_VAR_DIR=/app/var

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN useradd --system --home /app paperdaily \
    && mkdir -p var/media \
    && DEBUG=true python manage.py collectstatic --noinput \
    && chown -R paperdaily var
USER paperdaily

EXPOSE 8000
CMD ["gunicorn", "paperdaily.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30", "--access-logfile", "-"]

# sardoba: one image for the web (ASGI) and the iiko worker.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

RUN groupadd --system sardoba && useradd --system --gid sardoba --home /app sardoba

COPY pyproject.toml ./
COPY sardoba ./sardoba
COPY accounts ./accounts
COPY cashback ./cashback
COPY news ./news
COPY catalog ./catalog
COPY notifications ./notifications
COPY manage.py ./

RUN pip install . \
    && DJANGO_SETTINGS_MODULE=sardoba.settings.local python manage.py collectstatic --no-input \
    && mkdir -p /app/media && chown -R sardoba:sardoba /app/media

USER sardoba

EXPOSE 8000
ENV DJANGO_SETTINGS_MODULE=sardoba.settings.production \
    MEDIA_ROOT=/app/media

CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers", "sardoba.asgi:application"]

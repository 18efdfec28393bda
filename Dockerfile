FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir -e . \
    && SECRET_KEY=build-only-$(python -c 'import secrets;print(secrets.token_hex(32))') ALLOWED_HOSTS=x \
       python manage.py collectstatic --noinput --settings=aftersales.settings.production
EXPOSE 8000
CMD ["gunicorn", "aftersales.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]

"""WSGI entry point for production servers: `gunicorn -w 2 -b 127.0.0.1:8000 casework.wsgi:app`.

Configuration comes from instance/config.py and the environment (DATABASE_URL, SECRET_KEY, CASEWORK_PRODUCTION=1, …).
"""
from casework import create_app

app = create_app()

"""The HTTP side of the app server: sign-in and session cookies, the guard in front of the
pages, security headers, the health check and attachment downloads. Built into one ASGI
application with the Streamlit pages by ``server.py``; every rule it applies is the core's."""

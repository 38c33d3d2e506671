"""Server-rendered web pages (Jinja2, no JS build step) in Dutch and English."""

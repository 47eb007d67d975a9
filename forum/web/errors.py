"""Error pages."""

from flask import Flask, render_template

from forum.extensions import db

TITLES = {
    400: "Sorry, there is a problem with that request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "Sorry, that action is not allowed here",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}


def register_error_pages(app: Flask) -> None:
    """Render friendly pages for HTTP errors."""

    def render(error):
        code = getattr(error, "code", 500) or 500
        if code == 500:
            db.session.rollback()
        return render_template("errors/error.html", code=code, title=TITLES.get(code, "Error")), code

    for code in TITLES:
        app.register_error_handler(code, render)

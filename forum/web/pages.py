"""Static information pages and the site navigation."""

from flask import Blueprint, Flask, current_app, render_template
from flask_login import current_user

bp = Blueprint("pages", __name__)

# (endpoint, label, administrators only); an endpoint not registered in this app is left out.
NAVIGATION = [
    ("forums.index", "My forums", False),
    ("progress.mine", "My actions", False),
    ("admin.index", "Administration", True),
    ("admin.audit", "Audit trail", True),
    ("account.password", "Change password", False),
]


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement (public)."""
    return render_template("pages/accessibility.html")


def register_navigation(app: Flask) -> None:
    """Make nav_items() available to templates."""

    @app.context_processor
    def navigation():
        def nav_items() -> list[tuple[str, str]]:
            if not current_user.is_authenticated:
                return []
            return [
                (endpoint, label)
                for endpoint, label, admin_only in NAVIGATION
                if endpoint in current_app.view_functions and (current_user.is_admin or not admin_only)
            ]

        return {"nav_items": nav_items}

"""Administrators' flask commands: agencies, users, forums and the demo data."""

import os
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from forum.services import ServiceError
from forum.services.accounts import create_agency, create_user, find_agency
from forum.services.administration import current_template
from forum.services.forums import add_participant
from forum.services.invitations import invite
from forum.services.scheduling import create_forum
from forum.unit_of_work import unit_of_work

agency_cli = AppGroup("agency", help="Manage agencies.")
user_cli = AppGroup("user", help="Manage user accounts.")
forum_cli = AppGroup("forum", help="Manage forums.")


def _refuse(error: ServiceError) -> None:
    """Report a refusal (its unit of work was rolled back) and exit non-zero."""
    raise click.ClickException(error.message)


@agency_cli.command("create")
@click.argument("name")
def agency_create(name: str) -> None:
    """Create an agency."""
    try:
        with unit_of_work():
            agency = create_agency(name)
    except ServiceError as error:
        _refuse(error)
    click.echo(f"Created agency {agency.id}: {agency.name}")


@user_cli.command("create")
@click.argument("email")
@click.option("--name", "full_name", required=True, help="The person's full name.")
@click.option("--agency", "agency_name", required=True, help="The name of an existing agency.")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from standard input.")
def user_create(email: str, full_name: str, agency_name: str, admin: bool, password_stdin: bool) -> None:
    """Create a user account; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else ""
    try:
        with unit_of_work():
            user = create_user(email, full_name, agency_name, password, is_admin=admin)
    except ServiceError as error:
        _refuse(error)
    click.echo(f"Created user {user.id}: {user.email}{' (administrator)' if admin else ''}")


@forum_cli.command("create")
@click.argument("reference")
@click.option("--title", required=True, help="The forum's title.")
@click.option("--chair", "chair_email", required=True, help="Email address of the chair.")
def forum_create(reference: str, title: str, chair_email: str) -> None:
    """Create a forum with its chair; prints the forum's URL path last."""
    try:
        with unit_of_work():
            template = current_template(current_app.config["FORMULATION_TEMPLATE"])
            forum = create_forum(reference, title, chair_email, template)
    except ServiceError as error:
        _refuse(error)
    click.echo(f"Created forum {forum.id}: {forum.reference}")
    click.echo(forum.path)


@forum_cli.command("add-participant")
@click.argument("forum_id", type=int)
@click.argument("email")
@click.option("--role", required=True, help="chair, contributor or observer.")
def forum_add_participant(forum_id: int, email: str, role: str) -> None:
    """Add a user to a forum with a role (or change their role)."""
    try:
        with unit_of_work():
            participant = add_participant(forum_id, email, role)
    except ServiceError as error:
        _refuse(error)
    click.echo(f"{participant.user.email} is {participant.role.value} in forum {forum_id}")


@forum_cli.command("invite")
@click.argument("forum_id", type=int)
@click.argument("email")
@click.option("--role", required=True, help="chair, contributor or observer.")
@click.option(
    "--days", type=int, default=None, help="How many days the link works (default INVITATION_DAYS, 7)."
)
@click.option("--agency", "agency_name", default=None, help="The agency they represent (else they choose).")
def forum_invite(forum_id: int, email: str, role: str, days: int | None, agency_name: str | None) -> None:
    """Invite an email address to a forum; prints the single-use invitation link."""
    try:
        with unit_of_work():
            agency = find_agency(agency_name) if agency_name else None
            if agency_name and (agency is None or not agency.active):
                raise ServiceError(f"Unknown agency {agency_name!r}.")
            days = days or current_app.config["INVITATION_DAYS"]
            invitation, token = invite(
                forum_id, email, role, None, days, agency_id=agency.id if agency else None
            )
    except ServiceError as error:
        _refuse(error)
    base = server_address()
    click.echo(
        f"Invited {invitation.email} as {invitation.role.value} to forum {forum_id}; the link works once:"
    )
    click.echo(f"{base.rstrip('/')}/invitations/{token}")


@forum_cli.command("export")
@click.argument("forum_id", type=int)
@click.option("--version", "number", type=int, required=True, help="The locked version's number.")
@click.option("--format", "fmt", required=True, help="pdf, docx, json, md, csv, ics, family-pdf or zip.")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="File to write."
)
def forum_export(forum_id: int, number: int, fmt: str, out: str) -> None:
    """Write one output of a locked version to a file (audited as a download)."""
    from forum.services.downloads import export

    try:
        with unit_of_work():
            body, _media_type, name = export(forum_id, number, fmt, actor_id=None)
    except ServiceError as error:
        _refuse(error)
    with open(out, "wb") as handle:
        handle.write(body)
    click.echo(f"Wrote {len(body)} bytes ({name}) to {out}")


retention_cli = AppGroup("retention", help="Purge what the retention policy no longer keeps.")


@retention_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only say what would be purged; change nothing.")
def retention_purge(dry_run: bool) -> None:
    """Purge live documents (and by RETAIN_LOCKED_VERSIONS, versions) of forums locked long ago."""
    from forum.services.retention import Policy, purge

    try:
        policy = Policy.from_config(current_app.config)
    except ServiceError as error:
        _refuse(error)
    if policy.retention_days == 0:
        click.echo("RETENTION_DAYS is 0 (not set): nothing is purged.")
        return
    click.echo(f"Policy: {policy.describe()}.")
    with unit_of_work():
        purges = purge(policy, dry_run=dry_run)
    verb = "Would purge" if dry_run else "Purged"
    for item in purges:
        click.echo(f"{verb} {item.describe()}")
    summary = f"{len(purges)} forum(s)" + (
        " would be purged; nothing was changed (dry run)." if dry_run else " purged."
    )
    click.echo(summary)


reminders_cli = AppGroup("reminders", help="Remind action owners, lead workers and chairs of dates.")


@reminders_cli.command("send")
@click.option(
    "--today", "today_text", help="Act as if today were this date (YYYY-MM-DD); default: today, UK time."
)
def reminders_send(today_text: str | None) -> None:
    """Give every reminder that is due and not yet given (for cron; running it again sends nothing twice)."""
    from datetime import date

    from forum.services.progress import today_in_london
    from forum.services.reminders import give, owed

    try:
        today = date.fromisoformat(today_text) if today_text else today_in_london()
    except ValueError as error:
        raise click.ClickException(f"--today must be a date like 2026-07-01, not {today_text!r}.") from error
    config = current_app.config
    mail = {
        key: config.get(key)
        for key in (
            "MAIL_SERVER",
            "MAIL_PORT",
            "MAIL_USE_TLS",
            "MAIL_USERNAME",
            "MAIL_PASSWORD",
            "MAIL_SENDER",
            "SERVER_PUBLIC_URL",
        )
    }
    given = {"email": 0, "page": 0, None: 0}
    for reminder in owed(today, config["REMINDER_DAYS_BEFORE_DUE"], config["REMINDER_DAYS_BEFORE_REVIEW"]):
        with unit_of_work():  # one reminder at a time: an email sent is recorded before the next is sent
            given[give(reminder, mail)] += 1
    emailed, shown, failed = given["email"], given["page"], given[None]
    click.echo(
        f"Reminders for {today.isoformat()}: {emailed} emailed, {shown} shown on My forums, {failed} failed (retried next run)."
    )
    if failed:
        sys.exit(1)


def server_address() -> str:
    """Where people open the service: SERVER_PUBLIC_URL, else http://HOST:PORT as wsgi.py listens."""
    if current_app.config["SERVER_PUBLIC_URL"]:
        return current_app.config["SERVER_PUBLIC_URL"]
    host = os.environ.get("HOST", "127.0.0.1")
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - only naming where to open it
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{os.environ.get('PORT', '5000')}"


@click.command("seed-demo")
def seed_demo() -> None:
    """Create a small demo (development only); does nothing if it exists already."""
    from forum.services.demo import seed

    if not current_app.config.get("SEED_DEMO"):
        raise click.ClickException("Demo data is only seeded in development mode.")
    with unit_of_work():
        lines = seed(current_template(current_app.config["FORMULATION_TEMPLATE"]), server_address())
    for line in lines:
        click.echo(line)


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    for command in (agency_cli, user_cli, forum_cli, retention_cli, reminders_cli, seed_demo):
        app.cli.add_command(command)

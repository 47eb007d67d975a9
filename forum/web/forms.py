"""Forms of the administration, invitation, account and forum-management pages (Flask-WTF, CSRF)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from forum.models import Agency, ForumRole
from forum.services import ServiceError

LONDON = ZoneInfo("Europe/London")
ROLE_CHOICES = [
    SelectChoice(ForumRole.CONTRIBUTOR.value, "Contributor – writes into the forum and votes"),
    SelectChoice(ForumRole.OBSERVER.value, "Observer – sees the forum, read-only"),
    SelectChoice(ForumRole.CHAIR.value, "Chair – runs the forum"),
]
SHORT_ROLE_CHOICES = [  # the form explains the roles once, above its rows
    SelectChoice(ForumRole.CONTRIBUTOR.value, "Contributor"),
    SelectChoice(ForumRole.OBSERVER.value, "Observer"),
    SelectChoice(ForumRole.CHAIR.value, "Chair"),
]
CHOOSING_HINT = "At least 12 characters. A few unrelated words make a strong password."


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class ProgressForm(FlaskForm):
    """A status and a short note on one action of a locked plan."""

    status = SelectField(
        "Status",
        choices=[
            SelectChoice("not_started", "Not started"),
            SelectChoice("on_track", "On track"),
            SelectChoice("done", "Done"),
            SelectChoice("stuck", "Stuck"),
        ],
        validators=[InputRequired("Choose a status")],
    )
    note = TextAreaField(
        "Note (optional)", validators=[Length(max=1000, message="The note must be at most 1000 characters")]
    )


class AgencyForm(FlaskForm):
    name = StringField("Agency name", validators=[DataRequired("Enter the agency's name"), Length(max=120)])


def agency_choices(agencies: list[Agency], blank: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice(agency.id, agency.name) for agency in agencies]
    return [SelectChoice(0, blank), *choices] if blank else choices


class UserCreateForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter an email address"), Length(max=254)])
    full_name = StringField(
        "Full name", validators=[DataRequired("Enter the person's full name"), Length(max=120)]
    )
    agency_id = SelectField("Agency", coerce=int, validators=[InputRequired("Choose an agency")])
    is_admin = BooleanField("Administrator (manages agencies, accounts and the audit trail)")


class UserEditForm(FlaskForm):
    agency_id = SelectField("Agency", coerce=int, validators=[InputRequired("Choose an agency")])
    is_admin = BooleanField("Administrator (manages agencies, accounts and the audit trail)")


class PanelForm(Form):
    key = HiddenField()
    position = IntegerField(
        "Position",
        validators=[InputRequired("Enter a position from 1 to 6"), NumberRange(1, 6, "Enter 1 to 6")],
    )
    name = StringField("Name", validators=[DataRequired("Enter the panel's name"), Length(max=60)])
    help = TextAreaField(
        "Help text", validators=[DataRequired("Enter the panel's help text"), Length(max=500)]
    )


class TemplateForm(FlaskForm):
    name = StringField(
        "Template name", validators=[DataRequired("Enter the template's name"), Length(max=120)]
    )
    panels = FieldList(FormField(PanelForm), min_entries=6, max_entries=6)

    def template(self) -> dict:
        """The template the form describes, panels in the chosen order."""
        panels = sorted(
            self.panels.entries, key=lambda entry: (entry.form.position.data, entry.form.key.data)
        )
        return {
            "name": self.name.data.strip(),
            "panels": [
                {"key": p.form.key.data, "name": p.form.name.data.strip(), "help": p.form.help.data.strip()}
                for p in panels
            ],
        }


class ForumDetailsForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired("Enter a title"), Length(max=200)],
        description="For example, the family's forum and the area. Do not use the child's full name.",
    )
    day = DateField(
        "Date", validators=[Optional()], description="For example 2026-03-27. Leave empty if not yet known."
    )
    at = TimeField("Start time", validators=[Optional()], description="UK time, for example 09:30.")
    presenting_agency_id = SelectField("Presenting practitioner's agency", coerce=int, default=0)

    def validate_at(self, field) -> None:
        if field.data is not None and self.day.data is None:
            raise ValidationError("Enter a date as well as a time")

    def scheduled_at(self) -> datetime | None:
        """The date and time entered (UK time), in UTC; None when no date was given."""
        if self.day.data is None:
            return None
        return combine(self.day.data, self.at.data or time(9, 0))

    def show(self, scheduled_at: datetime | None) -> None:
        """Fill the date and time fields from a stored UTC time."""
        if scheduled_at is not None:
            local = scheduled_at.astimezone(LONDON)
            self.day.data, self.at.data = local.date(), local.time().replace(second=0, microsecond=0)


def combine(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


class ScheduleForm(ForumDetailsForm):
    reference = StringField(
        "Reference",
        validators=[DataRequired("Enter the forum's reference"), Length(max=64)],
        description="Letters, digits and / _ . - for example RF-2026-014.",
    )


INVITE_ROWS = 5  # empty rows the invitation form starts with
MAX_INVITE_ROWS = 20


class InviteeForm(Form):
    """One person in the invitation form; a row without an email address is left out."""

    email = EmailField("Email address", validators=[Optional(), Length(max=254)])
    agency_id = SelectField("Agency they represent", coerce=int, default=0)
    role = SelectField("Role in this forum", choices=SHORT_ROLE_CHOICES, default=ForumRole.CONTRIBUTOR.value)


class InvitePeopleForm(FlaskForm):
    """The chair invites several people at once, choosing each one's agency and role."""

    people = FieldList(FormField(InviteeForm), min_entries=INVITE_ROWS, max_entries=MAX_INVITE_ROWS)

    def set_agencies(self, agencies: list[Agency]) -> None:
        for row in self.people:
            row.form.agency_id.choices = agency_choices(agencies, blank="Choose an agency")

    def filled_rows(self) -> list[tuple[int, InviteeForm]]:
        """(index, row) of the rows with an email address."""
        return [
            (index, row.form) for index, row in enumerate(self.people) if (row.form.email.data or "").strip()
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        filled = self.filled_rows()
        if not filled and self.people.entries:
            self.people[0].form.email.errors = [*self.people[0].form.email.errors, "Enter an email address"]
            return False
        for index, row in filled:
            if not row.agency_id.data:
                row.agency_id.errors = [
                    *row.agency_id.errors,
                    f"Choose the agency person {index + 1} represents",
                ]
                valid = False
        return valid


class AccountSearchForm(Form):
    """Search accounts by name or email (GET, no CSRF)."""

    q = StringField(
        "Name or email address",
        validators=[Optional(), Length(max=254)],
        description="At least 2 letters. People already in the forum are not listed.",
    )


class AddAccountForm(FlaskForm):
    user_id = HiddenField(validators=[DataRequired()])
    role = SelectField("Role", choices=ROLE_CHOICES, default=ForumRole.CONTRIBUTOR.value)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.capitalize()) for r in ForumRole])


def _new_password(label: str = "New password"):
    return PasswordField(
        label,
        validators=[DataRequired("Enter a password"), Length(max=256)],
        description=CHOOSING_HINT,
    )


def _confirm(field: str = "password"):
    return PasswordField(
        "Confirm the password",
        validators=[DataRequired("Enter the password again"), EqualTo(field, "The passwords do not match")],
    )


class AccountSetupForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired("Enter your full name"), Length(max=120)])
    agency_id = SelectField(
        "Your agency",
        coerce=int,
        default=0,
        validators=[NumberRange(min=1, message="Choose your agency")],
        description="The organisation you represent at the forum.",
    )
    password = _new_password("Password")
    confirm = _confirm()


class SetPasswordForm(FlaskForm):
    password = _new_password()
    confirm = _confirm()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password"), Length(max=256)]
    )
    password = _new_password()
    confirm = _confirm()


def errors_of(form: FlaskForm) -> list[tuple[str, str]]:
    """Every error as (field id, message), nested fields included, for the error summary."""
    found = [(_first_field_id(form), message) for message in form.form_errors]

    def walk(field) -> None:
        if isinstance(field, FieldList):
            for entry in field.entries:
                walk(entry)
        elif isinstance(field, FormField):
            for sub in field.form:
                walk(sub)
        else:
            found.extend((field.id, message) for message in field.errors)

    for field in form:
        walk(field)
    return found


def _first_field_id(form: FlaskForm) -> str:
    for field in form:
        if field.type not in ("CSRFTokenField", "HiddenField"):
            return field.id
    return ""


def refuse(form: FlaskForm, error: ServiceError, fields: dict[str, str] | None = None) -> None:
    """Show a service's refusal on the field it is about (by error code), or above the form."""
    name = (fields or {}).get(error.code, error.code)
    field = getattr(form, name, None) if isinstance(name, str) else None
    if field is not None and hasattr(field, "errors") and not isinstance(field, FieldList):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)

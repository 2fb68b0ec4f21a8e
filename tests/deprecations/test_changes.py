"""The change functions: the only way entries change, always with history and a revision."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from deprecations import changes
from deprecations.models import Change, Offering, Retirement
from tests.deprecations import factories

pytestmark = pytest.mark.django_db


def test_create_retirement_records_creation_and_revision_1():
    e = factories.entry(aliases=["chatgpt-4o"])
    assert e.revision == 1
    [c] = e.changes.all()
    assert (c.kind, c.new_date, c.via) == (Change.Kind.CREATED, date(2026, 2, 17), "test")
    assert list(e.offering.aliases.values_list("name", flat=True)) == ["chatgpt-4o"]


def test_moving_the_shutdown_date_records_old_new_who_and_raises_revision(django_user_model):
    curator = django_user_model.objects.create(username="curator")
    e = factories.entry()
    assert changes.move_date(e, "shutdown_on", date(2026, 2, 16), by=curator, note="press")
    e.refresh_from_db()
    assert (e.shutdown_on, e.revision) == (date(2026, 2, 16), 2)
    moved = e.changes.get(kind=Change.Kind.MOVED)
    assert (moved.old_date, moved.new_date, moved.who, moved.revision) == (
        date(2026, 2, 17), date(2026, 2, 16), "curator", 2)


def test_publishing_an_entry_that_waited_records_it_once(django_user_model):
    curator = django_user_model.objects.create(username="curator")
    e = factories.entry(published=False)
    assert changes.publish(e, by=curator, via="admin")
    e.refresh_from_db()
    assert e.published and e.revision == 2
    published = e.changes.get(kind=Change.Kind.PUBLISHED)
    assert (published.new_date, published.who, published.revision) == (
        date(2026, 2, 17), "curator", 2)
    assert not changes.publish(e, by=curator)  # published already: nothing to record
    e.refresh_from_db()
    assert e.revision == 2 and e.changes.count() == 2


def test_moving_to_the_same_date_changes_nothing():
    e = factories.entry()
    assert not changes.move_date(e, "shutdown_on", date(2026, 2, 17))
    e.refresh_from_db()
    assert e.revision == 1 and e.changes.count() == 1


def test_a_shutdown_before_the_announcement_is_refused_and_nothing_is_saved():
    e = factories.entry()
    with pytest.raises(ValidationError):
        changes.move_date(e, "shutdown_on", date(2025, 1, 1))
    e.refresh_from_db()
    assert e.shutdown_on == date(2026, 2, 17) and e.revision == 1


def test_the_database_itself_refuses_a_shutdown_before_the_announcement():
    e = factories.entry()
    with pytest.raises(IntegrityError), transaction.atomic():
        Retirement.objects.filter(pk=e.pk).update(shutdown_on=date(2020, 1, 1))


def test_an_identifier_is_unique_per_vendor_in_the_database():
    e = factories.entry()
    with pytest.raises(IntegrityError), transaction.atomic():
        Offering.objects.create(vendor=e.offering.vendor, identifier="chatgpt-4o-latest")
    other = factories.vendor("azure", "Azure")
    assert Offering.objects.create(vendor=other, identifier="chatgpt-4o-latest")


def test_moving_several_dates_at_once_passes_through_no_invalid_state():
    e = factories.entry(announced=date(2025, 11, 18), shutdown=date(2026, 2, 17))
    # Announcement after the old shutdown: only valid together with the new shutdown.
    changes.move_dates(e, {"announced_on": date(2026, 3, 1), "shutdown_on": date(2026, 6, 1)})
    e.refresh_from_db()
    assert (e.announced_on, e.shutdown_on, e.revision) == (date(2026, 3, 1), date(2026, 6, 1), 3)


def test_withdraw_and_reinstate_leave_history(today):
    e = factories.entry()
    assert changes.withdraw(e, via="test", note="vendor extended support")
    assert not changes.withdraw(e)
    e.refresh_from_db()
    assert e.status == Retirement.Status.WITHDRAWN and e.revision == 2
    assert changes.reinstate(e, today=today)
    e.refresh_from_db()
    assert e.status == Retirement.Status.SCHEDULED
    assert [c.kind for c in e.changes.all()] == ["created", "withdrawn", "reinstated"]


def test_refresh_statuses_retires_past_entries_without_touching_withdrawn_ones():
    past = factories.entry("gpt-4-0314", shutdown=date(2026, 3, 26), announced=None)
    future = factories.entry("future-model", shutdown=date(2027, 1, 1), announced=None)
    gone = factories.entry("withdrawn-model", shutdown=date(2026, 1, 1), announced=None)
    changes.withdraw(gone)
    assert changes.refresh_statuses(date(2026, 11, 25)) == 1
    statuses = dict(Retirement.objects.values_list("offering__identifier", "status"))
    assert statuses == {"gpt-4-0314": "retired", "future-model": "scheduled",
                        "withdrawn-model": "withdrawn"}
    assert changes.refresh_statuses(date(2026, 11, 25)) == 0
    for e in (past, future):
        e.refresh_from_db()
        assert e.revision == 1  # retiring on schedule is not a change of the entry


def test_moving_a_retired_entry_into_the_future_makes_it_scheduled_again():
    e = factories.entry("gpt-4-0314", shutdown=date(2026, 3, 26), announced=None)
    changes.refresh_statuses(date(2026, 11, 25))
    changes.move_date(e, "shutdown_on", date(2027, 3, 26))
    changes.refresh_statuses(date(2026, 11, 25))
    e.refresh_from_db()
    assert e.status == Retirement.Status.SCHEDULED


def test_a_tentative_shutdown_is_kept_and_its_qualifier_moves_with_history():
    e = factories.entry(shutdown_tentative=True)
    assert e.changes.get().new_tentative
    # The vendor confirms the same day: the date stays, the qualifier goes, history says so.
    assert changes.move_dates(e, {"shutdown_on": date(2026, 2, 17)}, tentative=False)
    e.refresh_from_db()
    assert (e.shutdown_tentative, e.revision) == (False, 2)
    moved = e.changes.get(kind=Change.Kind.MOVED)
    assert (moved.old_date, moved.new_date, moved.old_tentative, moved.new_tentative) == (
        date(2026, 2, 17), date(2026, 2, 17), True, False)
    assert not changes.move_dates(e, {"shutdown_on": date(2026, 2, 17)}, tentative=False)


def test_moving_another_date_leaves_the_shutdown_qualifier_alone():
    e = factories.entry(shutdown_tentative=True)
    assert changes.move_dates(e, {"deprecated_on": date(2025, 12, 1)}, tentative=False)
    e.refresh_from_db()
    assert e.shutdown_tentative
    assert e.changes.get(kind=Change.Kind.MOVED).field == "deprecated_on"

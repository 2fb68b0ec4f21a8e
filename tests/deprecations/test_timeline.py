"""The timeline: which marks fall in the window, where, and what they are called."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace as NS

from django.template.loader import render_to_string
from django.utils import translation

from deprecations import timeline

TODAY = date(2026, 1, 18)


def entry(identifier, shutdown, vendor="OpenAI", **kw):
    v = NS(name=vendor, get_absolute_url=lambda: f"/vendors/{vendor.lower()}/")
    return NS(offering=NS(identifier=identifier, vendor=v), shutdown_on=shutdown,
              announced_on=kw.get("announced"), deprecated_on=kw.get("deprecated"),
              shutdown_tentative=kw.get("tentative", False),
              get_absolute_url=lambda: f"/e/{identifier}/")


def test_window_is_twelve_months_back_and_twelve_ahead():
    assert timeline.window(TODAY) == (date(2025, 1, 1), date(2027, 2, 1))


def test_one_row_per_vendor_one_mark_per_shutdown_in_the_window_named_for_screen_readers():
    tl = timeline.build([entry("chatgpt-4o-latest", date(2026, 2, 17)),
                         entry("gpt-4-0314", date(2026, 4, 26)),
                         entry("claude-3-opus", date(2026, 1, 5), "Anthropic"),
                         entry("ancient", date(2023, 1, 4)),
                         entry("far-future", date(2030, 1, 1))], today=TODAY)
    assert [r.label for r in tl.rows] == ["Anthropic", "OpenAI"]
    assert tl.mark_count == 3
    mark = tl.rows[1].marks[0]
    assert mark.title == "chatgpt-4o-latest (OpenAI): shutdown 17 Feb 2026"
    assert mark.url == "/e/chatgpt-4o-latest/" and not mark.past and mark.band == "within-30"
    assert tl.rows[0].marks[0].past  # 5 Jan 2026 is before today


def test_marks_are_placed_in_time_order_and_today_sits_between():
    tl = timeline.build([entry("a", date(2025, 6, 1)), entry("b", date(2026, 6, 1))],
                        today=TODAY)
    a, b = tl.rows[0].marks
    assert timeline.LABEL <= a.x < tl.today_x < b.x <= tl.width


def test_marks_too_close_to_draw_apart_become_one_mark_with_a_count():
    tl = timeline.build([entry("a", date(2026, 2, 17)), entry("b", date(2026, 2, 17)),
                         entry("c", date(2026, 3, 10)), entry("d", date(2026, 6, 1)),
                         entry("old", date(2026, 1, 5), "Anthropic"),
                         entry("new", date(2026, 1, 22), "Anthropic")], today=TODAY)
    anthropic, openai = tl.rows
    cluster, single = openai.marks
    assert (cluster.count, cluster.kind, single.count) == (3, "cluster", 1)
    assert cluster.title == ("3 dates: a (OpenAI): shutdown 17 Feb 2026; "
                             "b (OpenAI): shutdown 17 Feb 2026; c (OpenAI): shutdown 10 Mar 2026")
    # the vendor page, at the month of the first, lists them all
    assert cluster.url == "/vendors/openai/#up-2026-02" and single.url == "/e/d/"
    assert cluster.band == "within-30" and not cluster.past
    assert tl.mark_count == 6
    [mixed] = anthropic.marks  # one past, one within 7 days
    assert mixed.count == 2 and not mixed.past and mixed.band == "within-7"
    assert mixed.url == "/vendors/anthropic/#past-2026-01"


def test_no_two_marks_of_a_row_are_closer_than_the_gap():
    days = [date(2025, 3, 1) + timedelta(days=9 * i) for i in range(70)]
    tl = timeline.build([entry(f"m{i}", d) for i, d in enumerate(days)], today=TODAY)
    xs = [m.x for m in tl.rows[0].marks]
    # groups start a little over a gap apart: never merged further than that
    assert xs == sorted(xs) and len(xs) > (xs[-1] - xs[0]) / (2 * timeline.CLUSTER_GAP)
    assert min(b - a for a, b in zip(xs, xs[1:], strict=False)) >= timeline.CLUSTER_GAP
    assert tl.mark_count == 70  # every entry is in one mark or another


def test_entry_line_shows_its_dates_and_every_earlier_date():
    e = entry("chatgpt-4o-latest", date(2026, 2, 17), announced=date(2025, 11, 18))
    moved = NS(kind="moved", field="shutdown_on", old_date=date(2026, 1, 16),
               new_date=date(2026, 2, 17), old_tentative=False,
               changed_at=datetime(2025, 11, 20, tzinfo=UTC))
    tl = timeline.retirement_line(e, [moved], today=TODAY)
    kinds = [m.kind for m in tl.rows[0].marks]
    assert kinds == ["announced", "moved", "shutdown"]
    assert "shutdown was 16 Jan 2026 until 20 Nov 2025" in tl.rows[0].marks[1].title


def test_entry_line_dates_a_day_apart_are_one_mark_named_for_both():
    e = entry("chatgpt-4o-latest", date(2026, 2, 17), announced=date(2025, 11, 18),
              deprecated=date(2025, 11, 18))
    moved = NS(kind="moved", field="shutdown_on", old_date=date(2026, 2, 16),
               new_date=date(2026, 2, 17), old_tentative=False,
               changed_at=datetime(2025, 11, 20, tzinfo=UTC))
    both, dates = timeline.retirement_line(e, [moved], today=TODAY).rows[0].marks
    assert both.title == "2 dates: announced 18 Nov 2025; deprecated 18 Nov 2025"
    assert dates.title == ("2 dates: shutdown was 16 Feb 2026 until 20 Nov 2025; "
                           "shutdown 17 Feb 2026")
    assert both.url == dates.url == ""  # nothing to link to on its own page


def test_the_today_label_turns_left_when_it_would_be_cut_off():
    old = entry("gpt-3", date(2024, 1, 4), announced=date(2023, 7, 6))
    late = timeline.retirement_line(old, [], today=date(2026, 1, 18))
    assert late.today_label_leftwards
    svg = render_to_string("deprecations/_timeline.html", {"tl": late, "tl_id": "entry"})
    assert 'dx="-4" class="tl-today-label tl-today-label-left"' in svg
    soon = timeline.retirement_line(entry("x", date(2026, 6, 1)), [], today=TODAY)
    assert not soon.today_label_leftwards


def test_the_svg_has_a_title_per_mark_links_and_a_today_line():
    tl = timeline.build([entry("chatgpt-4o-latest", date(2026, 2, 17))], today=TODAY,
                        title="Retirements")
    svg = render_to_string("deprecations/_timeline.html", {"tl": tl, "tl_id": "home"})
    assert '<title id="tl-title-home">Retirements</title>' in svg
    assert "<title>chatgpt-4o-latest (OpenAI): shutdown 17 Feb 2026</title>" in svg
    assert 'href="/e/chatgpt-4o-latest/"' in svg and 'class="tl-today"' in svg
    assert 'aria-label="chatgpt-4o-latest (OpenAI): shutdown 17 Feb 2026"' in svg


def test_a_cluster_shows_its_count_and_is_named_for_every_mark():
    tl = timeline.build([entry("a", date(2026, 2, 17)), entry("b", date(2026, 2, 20))],
                        today=TODAY)
    svg = render_to_string("deprecations/_timeline.html", {"tl": tl, "tl_id": "home"})
    assert ('<a href="/vendors/openai/#up-2026-02" aria-label="2 dates: a (OpenAI): shutdown '
            '17 Feb 2026; b (OpenAI): shutdown 20 Feb 2026">') in svg
    assert 'class="tl-count" aria-hidden="true">2</text>' in svg
    line = timeline.retirement_line(entry("a", date(2026, 2, 17)), [], today=TODAY)
    svg = render_to_string("deprecations/_timeline.html", {"tl": line, "tl_id": "entry"})
    assert '<g role="img" aria-label="shutdown 17 Feb 2026">' in svg


def test_months_and_mark_titles_follow_the_active_language():
    e = entry("chatgpt-4o-latest", date(2026, 2, 17), announced=date(2025, 11, 18))
    moved = NS(kind="moved", field="shutdown_on", old_date=date(2026, 2, 16),
               new_date=date(2026, 2, 17), old_tentative=False,
               changed_at=datetime(2025, 11, 20, tzinfo=UTC))
    with translation.override("en"):
        tl = timeline.build([e], today=TODAY)
        assert [t.label for t in tl.ticks[:3]] == ["Jan", "Feb", "Mar"]
    with translation.override("fr"):
        tl = timeline.build([e], today=TODAY)
        assert [t.label for t in tl.ticks[:3]] == ["janv.", "févr.", "mars"]
        assert tl.rows[0].marks[0].title == (
            "chatgpt-4o-latest (OpenAI)\u00a0: arrêt le 17 févr. 2026")
        line = timeline.retirement_line(e, [moved], today=TODAY)
    assert [m.title for m in line.rows[0].marks] == [
        "annonce le 18 nov. 2025",
        "2 dates\u00a0: date d'arrêt\u00a0: 16 févr. 2026 jusqu'au 20 nov. 2025\u00a0; "
        "arrêt le 17 févr. 2026"]


def test_a_tentative_date_is_labelled_not_before_and_drawn_as_such():
    e = entry("gemini-2.0-flash", date(2026, 2, 5), "Google", tentative=True)
    mark = timeline.build([e], today=TODAY).rows[0].marks[0]
    assert mark.title == "gemini-2.0-flash (Google): shutdown not before 5 Feb 2026"
    assert mark.tentative and mark.band == "within-30"
    firmed = NS(kind="moved", field="shutdown_on", old_date=date(2026, 1, 20),
                new_date=date(2026, 2, 5), old_tentative=True,
                changed_at=datetime(2026, 1, 2, tzinfo=UTC))
    qualified = NS(kind="moved", field="shutdown_on", old_date=date(2026, 2, 5),
                   new_date=date(2026, 2, 5), old_tentative=False,
                   changed_at=datetime(2026, 1, 3, tzinfo=UTC))
    marks = timeline.retirement_line(e, [firmed, qualified], today=TODAY).rows[0].marks
    assert [m.title for m in marks] == ["shutdown was not before 20 Jan 2026 until 2 Jan 2026",
                                        "shutdown not before 5 Feb 2026"]  # in time order
    svg = render_to_string("deprecations/_timeline.html", {
        "tl": timeline.build([e], today=TODAY), "tl_id": "t"})
    assert "tl-tentative" in svg
    with translation.override("fr"):
        mark = timeline.build([e], today=TODAY).rows[0].marks[0]
        assert mark.title == "gemini-2.0-flash (Google)\xa0: arrêt pas avant le 5 févr. 2026"

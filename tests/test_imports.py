"""The project's imports go one way: no module imports itself back through others, and the
catalogue (``deprecations``) never imports the alerts (``notifier``), which read it.

grimp reads the source (imports inside functions included, ``if TYPE_CHECKING`` ones left
out: they never run); the standard library's ``graphlib`` names a circle when there is one.
"""

from graphlib import CycleError, TopologicalSorter

import grimp
import pytest

PACKAGES = ("depcal", "deprecations", "notifier", "depcal_scan")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*PACKAGES, cache_dir=None, exclude_type_checking_imports=True)


def imports(graph) -> dict[str, set[str]]:
    """Each module of the project and the project's modules it imports."""
    return {module: graph.find_modules_directly_imported_by(module) for module in graph.modules
            if module.split(".")[0] in PACKAGES}


def circle(edges: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports (its modules, the first repeated last), or None."""
    try:
        TopologicalSorter(edges).prepare()
    except CycleError as error:
        return list(reversed(error.args[1]))
    return None


def test_no_import_circle(graph):
    found = circle(imports(graph))
    assert found is None, "import circle: " + " -> ".join(found)


def test_the_catalogue_never_imports_the_alerts(graph):
    chain = graph.find_shortest_chain(importer="deprecations", imported="notifier",
                                      as_packages=True)
    assert chain is None, "deprecations imports notifier: " + " -> ".join(chain)


def test_a_circle_is_found():
    """The check itself: a circle of three modules is named, a line of them is not."""
    edges = {"a.mail": {"a.tasks"}, "a.tasks": {"a.outbox"}, "a.outbox": {"a.mail"}}
    assert set(circle(edges)) == {"a.mail", "a.tasks", "a.outbox"}
    assert circle({"a.mail": {"a.tasks"}, "a.tasks": {"a.outbox"}, "a.outbox": set()}) is None

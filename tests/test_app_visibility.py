"""Private and shared scenarios in the app (issue 15), with AppTest: the library's save, list, open,
duplicate, rename, delete, history and restore, share links in both forms, and uploads, each as a
signed-in user (alice, bob), an admin (root) or an anonymous visitor sees them.

"Someone else" is a store on the test's own database (conftest.saved_dir), as in test_app_library.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, open_app, rendered
from simulator.scenario import Scenario, load_scenario
from simulator.storage.database import Actor, open_store
from test_app_library import AUTH, SAVE_AS, flashed as raw_flashed

ALICE = Actor("alice@example.com", "10.0.0.1")
BOB = Actor("bob@example.com", "10.0.0.2")
LIBRARY = "app_pages/library.py"


def user(email: str | None) -> dict:
    return {"is_logged_in": False} if email is None else {"is_logged_in": True, "email": email, "sub": email,
                                                          "iss": "http://id"}


def session(email: str | None, page: str | None = LIBRARY, **params) -> AppTest:
    """The app for a session signed in as ``email`` (None: an anonymous visitor), opened with these
    query parameters, then on ``page``."""
    def signed_in(at: AppTest) -> None:
        at.secrets.update(AUTH)
        at.user = user(email)

    return open_app(page, prepare=signed_in, **params)


def flashed(at: AppTest) -> str:
    return rendered(raw_flashed(at))


def shown(at: AppTest) -> str:
    """The scenario the sidebar shows."""
    return rendered(at.sidebar.subheader[0].value)


def plan(catalog, name: str, **workload) -> Scenario:
    data = load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog).model_dump()
    data["name"] = name
    data["workload"].update(workload)
    return Scenario.model_validate(data)


def listed(at: AppTest) -> list[str]:
    """The refs of the saved scenarios the library's table shows."""
    [table] = [d.value for d in at.dataframe if "seen by" in d.value.columns]
    return list(table[table["kind"] == "saved"]["id"])


def page_text(at: AppTest) -> str:
    """Everything the page says, as a reader sees it (ui.fmt.plain's escapes undone)."""
    return " ".join(rendered(str(e.value)) for e in [*at.markdown, *at.caption, *at.success, *at.error, *at.warning,
                                           *at.info, *at.sidebar.markdown, *at.sidebar.caption, *at.subheader,
                                           *at.sidebar.subheader, *at.code])


def share_link(at: AppTest) -> str:
    return next(c.value for c in at.code if "?" in c.value)


def test_a_signed_in_user_saves_private_and_the_link_names_them(saved_dir):
    at = session("alice@example.com")
    assert not at.checkbox(key="lib_save_as_private").disabled
    at.text_input(key="lib_save_as_name").set_value("Secret plan")
    at.checkbox(key="lib_save_as_private").check()
    at.button(key=SAVE_AS).click().run()
    assert "private: only you (and admins) see it" in flashed(at)
    [entry] = [e for e in open_store().entries(ALICE) if not e.read_only]
    assert (entry.ref, entry.visibility) == ("alice@example.com/secret-plan", "private")
    assert "?s=alice%40example.com/secret-plan" in share_link(at)  # the sidebar's link, the author URL-encoded
    assert listed(at) == ["alice@example.com/secret-plan"]
    assert listed(session("bob@example.com")) == [] and listed(session(None)) == []


def test_a_visitor_cannot_tick_private_and_a_default_save_is_shared(saved_dir):
    at = session(None)
    assert at.checkbox(key="lib_save_as_private").disabled
    at.text_input(key="lib_save_as_name").set_value("Open plan")
    at.button(key=SAVE_AS).click().run()
    [entry] = [e for e in open_store().entries() if not e.read_only]
    assert (entry.ref, entry.owner, entry.visibility) == ("open-plan", None, "shared")
    assert "?s=open-plan" in share_link(at)
    at.selectbox(key="lib_choice").set_value("open-plan").run()
    assert not [b for b in at.button if b.key == "lib_visibility"]  # a scenario of nobody stays shared
    assert "Owner: nobody" in page_text(at)


def test_a_link_to_someone_elses_private_scenario_says_only_that_it_is_not_shared(saved_dir, catalog):
    secret = open_store().save(plan(catalog, "Acquisition plan", queries_per_month=987_654), actor=ALICE,
                               private=True)
    for viewer in ("bob@example.com", None):
        at = session(viewer, page=None, s=secret.ref)
        text = page_text(at)
        assert "'alice@example.com/acquisition-plan' is not shared with you" in text
        assert "Acquisition" not in text and "987" not in text
        assert shown(at) == "Customer-support bot"  # the default scenario, as for an unknown link
        unknown = session(viewer, page=None, s="alice@example.com/no-such-plan")
        assert shown(unknown) == "Customer-support bot"
    mine = session("alice@example.com", page=None, s=secret.ref)
    assert shown(mine) == "Acquisition plan"


def test_an_admin_sees_and_opens_every_scenario(saved_dir, catalog, monkeypatch):
    monkeypatch.setenv("CROSSOVER_ADMINS", "root@example.com")
    secret = open_store().save(plan(catalog, "Secret"), actor=ALICE, private=True)
    at = session("root@example.com")
    assert listed(at) == [secret.ref]
    at.selectbox(key="lib_choice").set_value(secret.ref).run()
    at.button(key="lib_open").click().run()
    assert shown(at) == "Secret"
    assert "History of 'Secret'" in [e.label for e in at.expander]


def test_the_owner_makes_it_private_then_shared_and_nobody_else_can(saved_dir, catalog):
    store = open_store()
    entry = store.save(plan(catalog, "Plan"), actor=ALICE)
    bob = session("bob@example.com")
    bob.selectbox(key="lib_choice").set_value(entry.ref).run()
    assert bob.button(key="lib_visibility").disabled
    alice = session("alice@example.com")
    alice.selectbox(key="lib_choice").set_value(entry.ref).run()
    assert alice.button(key="lib_visibility").label == "Make private (only me)"
    alice.button(key="lib_visibility").click().run()
    assert "'Plan' is now private" in flashed(alice)
    assert entry.ref not in [e.ref for e in store.entries(BOB)]
    assert alice.button(key="lib_visibility").label == "Share with the team"
    assert [r["action"] for r in store.audit_log(1, viewer=ALICE)] == ["make_private"]
    bob.run()  # his next run no longer lists it
    assert entry.ref not in listed(bob)
    alice.button(key="lib_visibility").click().run()
    assert "'Plan' is now shared with the team" in flashed(alice)
    assert entry.ref in [e.ref for e in store.entries(BOB)]


def test_a_teammate_duplicates_a_shared_scenario_as_theirs_but_cannot_rename_or_delete_it(saved_dir, catalog):
    store = open_store()
    entry = store.save(plan(catalog, "Plan"), actor=ALICE)
    at = session("bob@example.com")
    at.selectbox(key="lib_choice").set_value(entry.ref).run()
    at.button(key="lib_duplicate").click().run()
    assert "Duplicated as 'Plan (copy)' (`bob@example.com/plan-copy`), yours" in flashed(at)
    at.selectbox(key="lib_choice").set_value(entry.ref).run()
    at.text_input(key="lib_rename_name").set_value("Bob's now")
    at.button(key="lib_rename").click().run()
    assert "only alice@example.com or an admin can rename 'Plan'" in flashed(at)
    at.selectbox(key="lib_choice").set_value(entry.ref).run()
    at.button(key="lib_delete").click().run()
    assert "only alice@example.com or an admin can delete 'Plan'" in flashed(at)
    assert sorted(e.ref for e in store.entries(BOB) if not e.read_only) == [entry.ref, "bob@example.com/plan-copy"]


def test_two_authors_with_the_same_name_and_an_old_link_opens_the_oldest_one_seen(saved_dir, catalog):
    store = open_store()
    alices = store.save(plan(catalog, "Plan", queries_per_month=111_000), actor=ALICE, private=True)
    bobs = store.save(plan(catalog, "Plan", queries_per_month=222_000), actor=BOB)
    alice = session("alice@example.com", page=None, s="plan")  # a link from before owners: the oldest she sees
    assert alice.sidebar.number_input(key="sidebar_volume").value == 111_000
    assert "?s=alice%40example.com/plan" in share_link(alice)  # and the link is now the new form
    bob = session("bob@example.com", page=None, s="plan")  # alice's is not his to see
    assert bob.sidebar.number_input(key="sidebar_volume").value == 222_000
    assert "?s=bob%40example.com/plan" in share_link(bob)
    both = session("alice@example.com")
    assert sorted(listed(both)) == [alices.ref, bobs.ref]
    assert session("bob@example.com", page=None, s=bobs.ref).sidebar.number_input(key="sidebar_volume").value == 222_000


def test_the_history_and_restore_of_a_shared_scenario_by_a_teammate(saved_dir, catalog):
    store = open_store()
    first = store.save(plan(catalog, "Plan", queries_per_month=1_000), actor=ALICE)
    store.save(plan(catalog, "Plan", queries_per_month=2_000), first.ref, replaces=first.version, actor=ALICE)
    at = session("bob@example.com")
    at.selectbox(key="lib_choice").set_value(first.ref).run()
    at.button(key="lib_history_restore").click().run()
    assert "Restored version 1 of 'Plan'" in flashed(at)
    assert [v.author for v in store.history(first.ref)] == ["bob@example.com", "alice@example.com",
                                                            "alice@example.com"]
    store.set_visibility(first.ref, "private", actor=ALICE)
    # bob's page still shows it; his next restore is refused and nothing changes
    at.button(key="lib_history_restore").click().run()
    assert "is not shared with you" in flashed(at) and len(store.history(first.ref, viewer=ALICE)) == 3


def upload_then_save(email: str, private: bool, data: bytes) -> AppTest:
    """The library page as ``email``, a YAML upload opened on its first run, then saved as new."""

    def script(data):
        import runpy
        from pathlib import Path
        from unittest import mock

        import streamlit as st

        import app_pages
        from app_pages import state

        class Upload:  # what st.file_uploader returns (AppTest cannot upload files)
            file_id, name = "id-upload", "upload.yaml"

            def getvalue(self):
                return data

        state.init()
        with mock.patch.object(st, "file_uploader", lambda *a, **k: Upload()):
            runpy.run_path(str(Path(list(app_pages.__path__)[0]) / "library.py"))

    at = AppTest.from_function(script, default_timeout=30, args=(data,))
    at.secrets.update(AUTH)
    at.user = user(email)
    at.run()
    assert "Opened upload.yaml as an unsaved scenario" in flashed(at)
    at.text_input(key="lib_save_as_name").set_value("Uploaded plan")
    if private:
        at.checkbox(key="lib_save_as_private").check()
    at.button(key=SAVE_AS).click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("private", [False, True])
def test_an_upload_saved_in_the_library_is_the_uploaders_under_the_same_rules(saved_dir, catalog, private):
    data = plan(catalog, "From a file", queries_per_month=42_000).to_yaml().encode()
    upload_then_save("alice@example.com", private, data)
    [entry] = [e for e in open_store().entries(ALICE) if not e.read_only]
    assert (entry.ref, entry.visibility) == ("alice@example.com/uploaded-plan", "private" if private else "shared")
    assert [v.author for v in open_store().history(entry.ref, viewer=ALICE)] == ["alice@example.com"]
    assert (entry.ref in [e.ref for e in open_store().entries(BOB)]) is not private


def test_the_reports_live_view_link_names_the_owner(saved_dir, catalog):
    entry = open_store().save(plan(catalog, "Plan"), actor=ALICE)
    at = session("alice@example.com", page=None, s="plan")  # an old link: the report has the new form
    at.button(key="export_prepare").click().run()
    assert 'Live view: <a href="http://localhost:8501/?s=alice%40example.com/plan">' in \
        at.session_state["export_files"]["html"]
    assert entry.ref == "alice@example.com/plan"


@pytest.mark.parametrize("action, refused", [("lib_open", "Not opened"), ("lib_duplicate", "Not duplicated"),
                                             ("lib_rename", "Not renamed"), ("lib_delete", "Not deleted")])
def test_a_page_drawn_before_it_was_made_private_cannot_act_on_it(saved_dir, catalog, action, refused):
    store = open_store()
    entry = store.save(plan(catalog, "Plan", queries_per_month=314_000), actor=ALICE)
    bob = session("bob@example.com")
    bob.selectbox(key="lib_choice").set_value(entry.ref).run()
    store.set_visibility(entry.ref, "private", actor=ALICE)  # after bob's page was drawn
    bob.button(key=action).click().run()
    assert f"{refused}: 'alice@example.com/plan' is not shared with you" in flashed(bob) + page_text(bob)
    assert "314" not in page_text(bob)
    assert [e.ref for e in store.entries(ALICE) if not e.read_only] == [entry.ref]  # nothing changed
    assert len(store.history(entry.ref, viewer=ALICE)) == 1


def test_save_changes_keeps_the_ref_so_the_next_save_and_the_link_name_the_same_scenario(saved_dir, catalog):
    store = open_store()
    free = store.save(plan(catalog, "Other", queries_per_month=5), actor=Actor())  # nobody's: its id is "other"
    mine = store.save(plan(catalog, "Other", queries_per_month=6), actor=ALICE)  # alice's own "Other": also "other"
    assert (free.ref, mine.ref) == ("other", "alice@example.com/other")
    at = session("alice@example.com", s=mine.ref)
    for volume in (700_000, 800_000):
        at.number_input(key="sidebar_volume").set_value(volume).run()
        at.button(key="lib_save").click().run()
        assert "Saved 'Other'" in flashed(at)
        assert at.session_state["scenario_origin"]["slug"] == mine.ref
    assert "?s=alice%40example.com/other" in share_link(at)
    assert store.load(mine.ref, catalog)[0].workload.queries_per_month == 800_000
    assert store.load("other", catalog)[0].workload.queries_per_month == 5  # nobody's, untouched


def test_the_trash_names_the_owner_and_shows_a_private_one_to_its_owner_only(saved_dir, catalog):
    store = open_store()
    for private in (False, True):
        entry = store.save(plan(catalog, f"Gone {private}"), actor=ALICE, private=private)
        store.delete(entry.ref, replaces=entry.version, actor=ALICE)
    alice = [c.value for c in session("alice@example.com").markdown if "deleted" in c.value]
    bob = [c.value for c in session("bob@example.com").markdown if "deleted" in c.value]
    assert len(alice) == 2 and all("`alice@example.com/gone-" in t for t in alice)
    assert len(bob) == 1 and "`alice@example.com/gone-false`" in bob[0]

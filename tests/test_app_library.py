"""The Scenario library page under concurrent use and at full size (issue 16.6-16.9), on the
database store with its history (issue 15), with AppTest.

"Someone else" is a second store on the same database changing it between two runs of the page.
"""

from streamlit.testing.v1 import AppTest

from conftest import ROOT, SHIPPED_SCENARIOS, open_app, rendered
from ui import fmt
from simulator.scenario import Scenario, load_scenario
from simulator.storage.database import Actor, DatabaseStore, open_store

SAVE_AS = "FormSubmitter:lib_save_as-Save as new scenario"


def someone_else() -> DatabaseStore:
    return open_store()  # the test's own database: a SQLite file in its CROSSOVER_DATA_DIR (conftest.saved_dir)


def saved() -> list[str]:
    """The ids of the saved scenarios, as the store lists them."""
    return [e.slug for e in someone_else().entries() if not e.read_only]


def volume(slug: str) -> float:
    return someone_else().load(slug)[0].workload.queries_per_month


def scenario(catalog, name, **workload):
    data = load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog).model_dump()
    data["name"] = name
    data["workload"].update(workload)
    return Scenario.model_validate(data)


def flashed(at) -> str:
    return " ".join(m.value for m in [*at.success, *at.error, *at.warning, *at.info])


def test_restore_restores_the_copy_the_user_saw(saved_dir, catalog):
    other = someone_else()
    kept = other.save(scenario(catalog, "Kept"))
    theirs = other.save(scenario(catalog, "Theirs"))
    other.delete(kept.slug, replaces=kept.version)
    at = open_app("app_pages/library.py")
    [restore] = [b for b in at.button if b.label == "Restore"]  # the only copy in the trash: Kept
    other.delete(theirs.slug, replaces=theirs.version)  # now first in the trash
    restore.click().run()
    assert saved() == ["kept"]
    assert [t.slug for t in other.trash()] == ["theirs"]


def plan_changed_after_the_page_was_drawn(catalog):
    """The library page with "plan" chosen, and a colleague's save of "plan" right after it was drawn."""
    other = someone_else()
    seen = other.save(scenario(catalog, "Plan"))
    at = open_app("app_pages/library.py")
    at.selectbox(key="lib_choice").set_value("plan").run()
    other.save(scenario(catalog, "Plan", queries_per_month=777), "plan", replaces=seen.version)
    return at, other


def test_delete_refuses_a_scenario_changed_since_the_page_was_drawn(saved_dir, catalog):
    at, other = plan_changed_after_the_page_was_drawn(catalog)
    at.button(key="lib_delete").click().run()
    assert "changed by someone else" in flashed(at)
    assert volume("plan") == 777
    assert not other.trash()


def test_rename_refuses_a_scenario_changed_since_the_page_was_drawn(saved_dir, catalog):
    at, _ = plan_changed_after_the_page_was_drawn(catalog)
    at.text_input(key="lib_rename_name").set_value("Renamed")
    at.button(key="lib_rename").click().run()
    assert "changed by someone else" in flashed(at)
    assert saved() == ["plan"] and len(someone_else().history("plan")) == 2


def test_rename_of_the_scenario_seen(saved_dir, catalog):
    someone_else().save(scenario(catalog, "Plan"))
    at = open_app("app_pages/library.py")
    at.selectbox(key="lib_choice").set_value("plan").run()
    at.text_input(key="lib_rename_name").set_value("Renamed plan")
    at.button(key="lib_rename").click().run()
    assert "Renamed to 'Renamed plan'" in flashed(at)
    assert saved() == ["renamed-plan"]


def test_duplicate_of_a_long_name_makes_a_copy(saved_dir, catalog):
    long = someone_else().save(scenario(catalog, "A plan with a long name " + "x" * 120))
    at = open_app("app_pages/library.py")
    for n in (1, 2):
        at.selectbox(key="lib_choice").set_value(long.slug).run()
        at.button(key="lib_duplicate").click().run()
        assert "Duplicated as" in flashed(at) and len(saved()) == 1 + n


def test_a_second_click_on_save_as_is_not_refused(saved_dir):
    at = open_app("app_pages/library.py")
    for _ in range(2):  # the second submit arrives before the first one's rerun drew the page
        at.text_input(key="lib_save_as_name").set_value("Q1 plan")
        at.button(key=SAVE_AS).click().run()
        assert not at.error and "Saved as 'Q1 plan'" in flashed(at)
    assert saved() == ["q1-plan"] and len(someone_else().history("q1-plan")) == 1


def test_names_that_share_their_first_64_characters_are_two_scenarios(saved_dir, catalog):
    stem = "Quarterly plan for the support organisation in all regions and teams "  # 69 characters
    other = someone_else().save(scenario(catalog, stem + "A"))
    at = open_app("app_pages/library.py")
    at.text_input(key="lib_save_as_name").set_value(stem + "B")
    at.button(key=SAVE_AS).click().run()
    assert "Saved as" in flashed(at) and not at.warning  # nothing offered to replace
    assert someone_else().load(other.slug, catalog)[1] == other.version and len(saved()) == 2


def test_a_cyrillic_name_can_be_saved(saved_dir):
    at = open_app("app_pages/library.py")
    at.text_input(key="lib_save_as_name").set_value("План на квартал")
    at.button(key=SAVE_AS).click().run()
    assert not at.error and "Saved as 'План на квартал'" in flashed(at)


def test_replace_asks_then_replaces_the_scenario_with_that_name(saved_dir, catalog):
    other = someone_else()
    mine = other.save(scenario(catalog, "Plan"))
    at = open_app("app_pages/library.py")
    at.number_input(key="sidebar_volume").set_value(777_000).run()
    at.text_input(key="lib_save_as_name").set_value("PLAN")  # the same name, typed differently
    at.button(key=SAVE_AS).click().run()
    assert any("Replace the saved scenario `plan`" in w.value for w in at.warning)
    assert any("stays in its history" in w.value for w in at.warning)
    at.button(key="lib_overwrite_yes").click().run()
    assert "the previous version is in its history" in flashed(at)
    assert volume("plan") == 777_000 and not other.trash()
    assert [v.sha256 for v in other.history("plan")][1] == mine.version


def test_a_full_library_is_paged_and_searched(saved_dir, catalog):
    other = someone_else()
    for n in range(120):
        other.save(scenario(catalog, f"Plan {n}"))
    at = open_app("app_pages/library.py")
    assert len(at.dataframe[0].value) == 50 and len(at.selectbox(key="lib_choice").options) == 50
    total = 120 + len(SHIPPED_SCENARIOS)  # with the shipped examples
    assert any(f"{total} of {total} scenarios; page 1 of 3" in c.value for c in at.caption)
    at.number_input(key="lib_page").set_value(3).run()
    assert len(at.dataframe[0].value) == total - 100
    at.text_input(key="lib_search").set_value("plan 11").run()  # Plan 11, Plan 110 … Plan 119
    assert sorted(at.dataframe[0].value["name"]) == sorted(["Plan 11", *(f"Plan 11{d}" for d in range(10))])
    assert len(at.multiselect(key="lib_compare").options) == 11


def test_a_file_that_cannot_be_read_is_refused_by_the_import_with_its_problem(saved_dir, catalog, capfd):
    from simulator.storage.store import ScenarioStore  # the store saved work lived in before
    ScenarioStore(saved_dir).save(scenario(catalog, "Good"))
    (saved_dir / "broken.yaml").write_text("name: [unclosed\n")
    at = open_app()
    [notice] = [rendered(w.value) for w in at.warning if "imported" in w.value]
    assert notice.startswith("1 saved scenario was imported into Crossover's database")
    assert "Not imported: `broken.yaml` (not valid YAML at line 2" in notice
    assert str(saved_dir) not in notice and "not imported broken.yaml: not valid YAML" in capfd.readouterr().err
    at.switch_page("app_pages/library.py").run()
    assert "Good (good)" in at.selectbox(key="lib_choice").options
    assert saved() == ["good"] and (saved_dir / "broken.yaml").exists()  # the folder is left as it was
    again = open_app()  # once per process: no second import, no second notice
    assert not [w for w in again.warning if "imported" in w.value] and "imported" not in capfd.readouterr().err


def test_a_saved_scenario_with_an_examples_id_is_shown_and_can_be_trashed(saved_dir, catalog, tmp_path):
    (tmp_path / "no-examples").mkdir()  # saved before an example of that id was shipped
    DatabaseStore(someone_else().url, examples=tmp_path / "no-examples").save(scenario(catalog, "Shadow"), "support-bot")
    at = open_app("app_pages/library.py", s="support-bot")
    assert at.session_state["scenario_origin"]["kind"] == "example"
    assert any("cannot be opened" in w.value for w in at.warning)
    assert any("`support-bot`" in m.value and "shipped example" in m.value for m in at.markdown)
    at.button(key="lib_trash_file_support-bot").click().run()
    assert not any("cannot be opened" in w.value for w in at.warning)
    assert [t.slug for t in someone_else().trash()] == ["support-bot"]


def test_changes_are_logged_and_shown(saved_dir):
    at = open_app("app_pages/library.py")
    at.text_input(key="lib_save_as_name").set_value("Q1 plan")
    at.button(key=SAVE_AS).click().run()
    [log] = [d.value for d in at.dataframe if "action" in d.value.columns]
    assert list(log[["action", "slug", "name", "user"]].iloc[0]) == ["save", "q1-plan", "Q1 plan", "anonymous"]
    assert someone_else().audit_log(1)[0]["slug"] == "q1-plan"


# Streamlit only needs the section to exist for st.login; AppTest never calls the provider.
AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                 "client_id": "crossover", "client_secret": "s",
                 "server_metadata_url": "http://id.invalid/.well-known/openid-configuration"}}


def library_as(user: dict, secrets: dict) -> AppTest:
    """The library page for a session whose st.user is ``user``, with these secrets."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.secrets.update(secrets)
    at.user = user
    at.run()
    at.switch_page("app_pages/library.py").run()
    assert not at.exception, at.exception
    return at


def logged_user(at: AppTest) -> str:
    [log] = [d.value for d in at.dataframe if "action" in d.value.columns]
    return log["user"].iloc[0]


def test_a_signed_in_user_is_shown_and_their_save_is_logged_under_their_email(saved_dir):
    at = library_as({"is_logged_in": True, "email": "alice@example.com", "sub": "a1", "iss": "http://id"}, AUTH)
    # shown through fmt.plain: escaped, and no link made of the address
    assert f"Signed in as **{fmt.plain('alice@example.com')}**" in [c.value for c in at.sidebar.caption]
    assert {"sign_out"} == {b.key for b in at.sidebar.button} & {"sign_in", "sign_out"}
    at.text_input(key="lib_save_as_name").set_value("Alice's plan")
    at.button(key=SAVE_AS).click().run()
    assert logged_user(at) == "alice@example.com"


def test_with_sign_in_configured_a_visitor_is_offered_it_and_stays_anonymous(saved_dir):
    at = library_as({"is_logged_in": False}, AUTH)
    assert {"sign_in"} == {b.key for b in at.sidebar.button} & {"sign_in", "sign_out"}
    at.text_input(key="lib_save_as_name").set_value("Visitor's plan")
    at.button(key=SAVE_AS).click().run()
    assert logged_user(at) == "anonymous"


def test_without_sign_in_configured_claims_in_st_user_are_not_believed(saved_dir):
    at = library_as({"is_logged_in": True, "email": "alice@example.com"}, {})
    assert {b.key for b in at.sidebar.button}.isdisjoint({"sign_in", "sign_out"})
    assert not any("Signed in" in c.value for c in at.sidebar.caption)
    at.text_input(key="lib_save_as_name").set_value("Plan")
    at.button(key=SAVE_AS).click().run()
    assert logged_user(at) == "anonymous"


def test_a_bad_identity_setting_is_said_and_everyone_is_anonymous(saved_dir, monkeypatch):
    monkeypatch.setenv("CROSSOVER_USER_HEADER", "X-Forwarded-User")
    monkeypatch.setenv("CROSSOVER_TRUSTED_PROXIES", "10.0.0/8")
    at = open_app()
    warned = " ".join(w.value for w in at.warning)  # above the first page the session opens
    assert "Everyone is anonymous" in warned and fmt.plain("CROSSOVER_TRUSTED_PROXIES: '10.0.0/8'") in warned
    at.switch_page("app_pages/library.py").run()
    assert not any("Everyone is anonymous" in w.value for w in at.warning)  # said once, not on every run
    assert any("recorded as **anonymous**" in c.value for c in at.caption)


def test_the_page_shows_no_server_path(saved_dir):
    at = open_app("app_pages/library.py")
    texts = [e.value for e in [*at.caption, *at.markdown, *at.info, *at.warning]]
    assert texts and not any(str(saved_dir) in t or str(ROOT) in t for t in texts)


# --- History (issue 15) -----------------------------------------------------------------------------------
def plan(catalog, **workload):
    """support-bot as "Plan", its growth a single value (not support-bot's range)."""
    data = scenario(catalog, "Plan").model_dump()
    data["ranges"].pop("workload.monthly_growth")  # a range sets its point value: drop it before setting one
    data["workload"].update(workload)
    return Scenario.model_validate(data)


def plan_with_three_versions(catalog):
    other = someone_else()
    v1 = other.save(plan(catalog, monthly_growth=0.05), actor=Actor(user="ana"), message="first draft")
    v2 = other.save(plan(catalog, monthly_growth=0.12), "plan", replaces=v1.version, actor=Actor(user="bo"))
    v3 = other.save(plan(catalog, monthly_growth=0.12, queries_per_month=900_000), "plan", replaces=v2.version)
    return other, (v1, v2, v3)


PLAN = "ana/plan"  # the ref of ana's "Plan": its owner, then its id


def history_page():
    at = open_app("app_pages/library.py")
    at.selectbox(key="lib_choice").set_value(PLAN).run()
    return at


def test_the_history_lists_versions_newest_first_and_a_diff_in_the_editors_units(saved_dir, catalog):
    plan_with_three_versions(catalog)
    at = history_page()
    [versions] = [d.value for d in at.dataframe if "author" in d.value.columns]
    assert list(versions["version"]) == [3, 2, 1] and list(versions["author"]) == ["anonymous", "bo", "ana"]
    assert list(versions["message"]) == ["", "", "first draft"]
    diff = next(rendered(m.value) for m in at.markdown if "→" in m.value)  # 2 -> 3 by default: the last change
    assert "Queries per month (queries/month): 400000 → 900000" in diff and "growth" not in diff
    at.selectbox(key=f"lib_history_old_{PLAN}").set_value(1).run()
    diff = next(rendered(m.value) for m in at.markdown if "→" in m.value)
    assert "Monthly growth (%/month): 5.0 → 12.0" in diff


def test_the_history_says_which_versions_are_no_longer_kept(saved_dir, catalog, monkeypatch):
    from simulator.storage import rows
    monkeypatch.setattr(rows, "MAX_VERSIONS", 2)
    plan_with_three_versions(catalog)
    at = history_page()
    [versions] = [d.value for d in at.dataframe if "author" in d.value.columns]
    assert list(versions["version"]) == [3, 2]
    assert any(c.value.startswith("Versions 1 to 1 are no longer kept: a scenario keeps its newest 2 versions")
               for c in at.caption)


def test_restore_this_version_saves_it_as_the_newest_and_names_the_one_it_replaces(saved_dir, catalog):
    other, (v1, _, v3) = plan_with_three_versions(catalog)
    at = history_page()
    at.selectbox(key=f"lib_history_restore_{PLAN}").set_value(1).run()
    assert any("it replaces version 3 (the current one)" in c.value for c in at.caption)
    at.button(key="lib_history_restore").click().run()
    assert "Restored version 1 of 'Plan' as its newest version; version 3, which it replaces, stays" in flashed(at)
    history = other.history("plan")
    assert (history[0].number, history[0].sha256, history[0].message) == (4, v1.version, "restored version 1")
    assert history[1].sha256 == v3.version  # the one replaced stays in the history


def test_a_stale_restore_names_who_changed_it_and_offers_the_choices_of_a_stale_save(saved_dir, catalog):
    other, (_, _, v3) = plan_with_three_versions(catalog)
    at = history_page()
    at.selectbox(key=f"lib_history_restore_{PLAN}").set_value(1).run()
    theirs = other.save(scenario(catalog, "Plan", queries_per_month=5), "plan", replaces=v3.version,
                        actor=Actor(user="cy@example.com"))
    at.button(key="lib_history_restore").click().run()
    [refusal] = [rendered(e.value) for e in at.error if e.value.startswith("Not restored")]
    assert f"'{PLAN}' was changed by cy@example.com at" in refusal
    assert other.load("plan")[1] == theirs.version and len(other.history("plan")) == 4
    at.button(key="lib_conflict_reload").click().run()
    assert at.session_state["scenario_origin"] == {"kind": "saved", "slug": PLAN, "version": theirs.version}


def test_a_save_carries_its_message_into_the_history(saved_dir, catalog):
    someone_else().save(scenario(catalog, "Plan"))
    at = open_app("app_pages/library.py", s="plan")
    at.number_input(key="sidebar_volume").set_value(650_000).run()
    at.text_input(key="lib_save_message").set_value("Sales' new forecast")
    at.button(key="lib_save").click().run()
    assert "Saved 'Plan'" in flashed(at)
    assert [v.message for v in someone_else().history("plan")] == ["Sales' new forecast", None]
    at.text_input(key="lib_save_as_name").set_value("Plan B")
    at.text_input(key="lib_save_as_message").set_value("the pessimistic case")
    at.button(key=SAVE_AS).click().run()
    assert [v.message for v in someone_else().history("plan-b")] == ["the pessimistic case"]


def test_a_database_that_cannot_be_opened_is_said_once_and_the_rest_of_the_app_works(saved_dir, monkeypatch):
    monkeypatch.setenv("CROSSOVER_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/x")
    at = open_app("app_pages/library.py")
    [error] = [rendered(e.value) for e in at.error]
    assert "cannot be shown, opened or changed: the scenario database cannot be opened (the database server does " \
           "not answer" in error and "Customer-support bot" in error
    assert "127.0.0.1" not in error and not at.exception
    [download] = [d for d in at.get("download_button") if d.proto.label == "Download the current scenario (YAML)"]
    at.switch_page("app_pages/break_even.py").run()
    assert not at.exception and not at.error
    before = at.session_state["scenario_yaml"]
    at.number_input(key="sidebar_volume").set_value(2_000_000).run()
    assert at.session_state["scenario_yaml"] != before and not at.exception  # still evaluating
    broken = open_app(s="not-an-example")  # a saved scenario's link: said, and the default shown
    assert any("database cannot be opened" in w.value for w in broken.warning)
    monkeypatch.setenv("CROSSOVER_DATABASE_URL", "not a url")
    [error] = [rendered(e.value) for e in open_app("app_pages/library.py").error]
    assert "CROSSOVER_DATABASE_URL is not an address it can use" in error and "not a url" not in error

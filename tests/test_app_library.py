"""The Scenario library page under concurrent use and at full size (issue 16.6-16.9), with AppTest.

"Someone else" is a second ScenarioStore on the same folder changing it between two runs of the page.
"""

import yaml
from streamlit.testing.v1 import AppTest

from conftest import ROOT, SHIPPED_SCENARIOS, open_app
from ui import fmt
from simulator.scenario import Scenario, load_scenario
from simulator.storage.store import ScenarioStore

SAVE_AS = "FormSubmitter:lib_save_as-Save as new scenario"


def someone_else():
    return ScenarioStore()  # CROSSOVER_SCENARIO_DIR is the test's folder (conftest.saved_dir)


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
    assert (saved_dir / "kept.yaml").exists() and not (saved_dir / "theirs.yaml").exists()
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
    assert yaml.safe_load((saved_dir / "plan.yaml").read_text())["workload"]["queries_per_month"] == 777
    assert not other.trash()


def test_rename_refuses_a_scenario_changed_since_the_page_was_drawn(saved_dir, catalog):
    at, _ = plan_changed_after_the_page_was_drawn(catalog)
    at.text_input(key="lib_rename_name").set_value("Renamed")
    at.button(key="lib_rename").click().run()
    assert "changed by someone else" in flashed(at)
    assert sorted(p.name for p in saved_dir.glob("*.yaml")) == ["plan.yaml"]


def test_rename_of_the_scenario_seen(saved_dir, catalog):
    someone_else().save(scenario(catalog, "Plan"))
    at = open_app("app_pages/library.py")
    at.selectbox(key="lib_choice").set_value("plan").run()
    at.text_input(key="lib_rename_name").set_value("Renamed plan")
    at.button(key="lib_rename").click().run()
    assert "Renamed to 'Renamed plan'" in flashed(at)
    assert sorted(p.name for p in saved_dir.glob("*.yaml")) == ["renamed-plan.yaml"]


def test_duplicate_of_a_long_name_makes_a_copy(saved_dir, catalog):
    long = someone_else().save(scenario(catalog, "A plan with a long name " + "x" * 120))
    at = open_app("app_pages/library.py")
    for n in (1, 2):
        at.selectbox(key="lib_choice").set_value(long.slug).run()
        at.button(key="lib_duplicate").click().run()
        assert "Duplicated as" in flashed(at) and len(list(saved_dir.glob("*.yaml"))) == 1 + n


def test_a_second_click_on_save_as_is_not_refused(saved_dir):
    at = open_app("app_pages/library.py")
    for _ in range(2):  # the second submit arrives before the first one's rerun drew the page
        at.text_input(key="lib_save_as_name").set_value("Q1 plan")
        at.button(key=SAVE_AS).click().run()
        assert not at.error and "Saved as 'Q1 plan'" in flashed(at)
    assert [p.name for p in saved_dir.glob("*.yaml")] == ["q1-plan.yaml"]


def test_names_that_share_their_first_64_characters_are_two_scenarios(saved_dir, catalog):
    stem = "Quarterly plan for the support organisation in all regions and teams "  # 69 characters
    other = someone_else().save(scenario(catalog, stem + "A"))
    at = open_app("app_pages/library.py")
    at.text_input(key="lib_save_as_name").set_value(stem + "B")
    at.button(key=SAVE_AS).click().run()
    assert "Saved as" in flashed(at) and not at.warning  # nothing offered to replace
    assert someone_else().load(other.slug, catalog)[1] == other.version and len(list(saved_dir.glob("*.yaml"))) == 2


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
    at.button(key="lib_overwrite_yes").click().run()
    assert yaml.safe_load((saved_dir / "plan.yaml").read_text())["workload"]["queries_per_month"] == 777_000
    assert [t.slug for t in other.trash()] == [mine.slug]


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


def test_a_broken_file_is_shown_and_can_be_trashed(saved_dir, catalog):
    someone_else().save(scenario(catalog, "Good"))
    (saved_dir / "broken.yaml").write_text("name: [unclosed\n")
    at = open_app("app_pages/library.py")
    assert any("cannot be used" in w.value for w in at.warning)
    assert any("broken.yaml" in m.value and "not valid YAML" in m.value for m in at.markdown)
    at.button(key="lib_trash_file_broken").click().run()
    assert not (saved_dir / "broken.yaml").exists() and not any("cannot be used" in w.value for w in at.warning)


def test_a_saved_file_cannot_shadow_an_example(saved_dir, catalog):
    saved_dir.mkdir(parents=True, exist_ok=True)
    (saved_dir / "support-bot.yaml").write_text(scenario(catalog, "Shadow").to_yaml())
    at = open_app("app_pages/library.py", s="support-bot")
    assert at.session_state["scenario_origin"]["kind"] == "example"
    assert any("support-bot.yaml" in m.value and "shipped example" in m.value for m in at.markdown)


def test_changes_are_logged_and_shown(saved_dir):
    at = open_app("app_pages/library.py")
    at.text_input(key="lib_save_as_name").set_value("Q1 plan")
    at.button(key=SAVE_AS).click().run()
    [log] = [d.value for d in at.dataframe if "action" in d.value.columns]
    assert list(log[["action", "slug", "name", "user"]].iloc[0]) == ["save", "q1-plan", "Q1 plan", "anonymous"]
    assert (saved_dir / ".audit.jsonl").exists()


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

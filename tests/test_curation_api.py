"""The curation API (`/curation/suggest`, `/curation/facts`) on a built copy of the essay."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, URIRef

from alliance_kg.app import create_app
from alliance_kg.cli import main as cli_main
from alliance_kg.live_reload import attach
from alliance_kg.project import ID_NS, Project, source_iri
from alliance_kg.vocab import AKG

from .conftest import write_build

SLUG = "us-japan-alliance-adrift-again"
FACTS = f"triples/{SLUG}.trig"
JAPAN = f"{ID_NS}actor/japan"
ATTACKS = f"{ID_NS}event/september-11-attacks"
TOKEN = "curate-me"
COMMITTED_TO = URIRef(str(AKG) + "committedTo")  # not in the generated namespace


@pytest.fixture
def project(built: Project, tmp_path: Path) -> Project:
    """A copy of the built essay project (its build included), free to change."""
    shutil.copytree(built.root, tmp_path / "project", symlinks=True)
    return Project(tmp_path / "project")


def make_app(project: Project, **settings: object) -> Flask:
    config = {
        "BUILD_DIR": str(project.build_dir / "current"),
        "INSTANCE_PATH": str(project.root / "instance"),
        "WARM_PAGES": False,
        "TESTING": True,
        **settings,
    }
    return create_app(config)


@pytest.fixture
def dev(project: Project) -> FlaskClient:
    """The app as `serve --dev` runs it: the live reloader attached (its thread not started)."""
    app = make_app(project)
    attach(app, project)
    return app.test_client()


def suggest(client: FlaskClient, **args: str) -> list[dict]:
    response = client.get("/curation/suggest", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def test_suggest_finds_individuals_by_label_and_alternative_label(dev: FlaskClient) -> None:
    abe = suggest(dev, q="abe", source=SLUG)[0]
    assert (abe["iri"], abe["curie"], abe["label"]) == (
        f"{ID_NS}actor/shinzo-abe",
        "actor:shinzo-abe",
        "Shinzo Abe",
    )
    assert abe["kind"] == "Political leader"
    government = suggest(dev, q="U.S. government")
    assert government[0]["curie"] == "actor:bush-administration"


def test_property_suggestions_fit_the_subject_types(dev: FlaskClient) -> None:
    found = {hit["curie"] for hit in suggest(dev, kind="property", subject=JAPAN, limit="100")}
    assert "akg:committedTo" in found  # domain akg:Actor, above akg:State
    assert "akg:positionTitle" not in found  # domain akg:Person, disjoint with akg:State
    assert "akg:year" not in found  # domain akg:Event
    titles = {hit["curie"] for hit in suggest(dev, q="position", kind="property")}
    assert "akg:positionTitle" in titles  # without a subject, nothing is filtered


def test_value_suggestions_fit_the_property_range(dev: FlaskClient) -> None:
    issues = suggest(dev, q="", property=str(COMMITTED_TO), source=SLUG, limit="100")
    assert issues and all(hit["curie"].startswith("issue:") for hit in issues)
    response = dev.get("/curation/suggest", query_string={"q": "20", "property": str(AKG.year)})
    body = response.get_json()
    assert body["results"] == []
    assert body["expects"]["curie"] == "xsd:gYear"


def test_a_valid_add_is_written_in_its_sentence_graph_formatted(
    dev: FlaskClient, project: Project
) -> None:
    body = {
        "source": SLUG,
        "sentence": "p1-s1",
        "add": [{"subject": "Japan", "property": "akg:committedTo", "object": "Defense of Japan"}],
    }
    response = dev.post("/curation/facts", json=body)
    answer = response.get_json()
    assert response.status_code == 200, answer
    assert answer["written"] == [FACTS] and answer["rebuild"] is True
    assert "akg:committedTo issue:defense-of-japan" in answer["changes"][0]["added"]
    dataset = Dataset().parse(project.root / FACTS, format="trig")
    graph = dataset.graph(URIRef(f"{source_iri(SLUG)}/p1-s1"))
    assert (URIRef(JAPAN), COMMITTED_TO, URIRef(f"{ID_NS}issue/defense-of-japan")) in graph
    assert cli_main(["--project", str(project.root), "fmt", "--check"]) == 0


def test_a_refused_add_answers_422_and_changes_no_file(dev: FlaskClient, project: Project) -> None:
    before = (project.root / FACTS).read_bytes()
    wrong_year = {"subject": "9/11", "property": "akg:year", "object": '"2001-09-11"^^xsd:date'}
    response = dev.post(
        "/curation/facts", json={"source": SLUG, "sentence": "p1-s5", "add": [wrong_year]}
    )
    assert response.status_code == 422
    problems = response.get_json()["problems"]
    ranged = [p for p in problems if p["rule"] == "literal-range"]
    assert ranged and ranged[0]["resource"] == ATTACKS and ranged[0]["file"] == FACTS
    assert "the range is xsd:gYear" in ranged[0]["message"]
    unknown = dev.post("/curation/facts", json={"source": SLUG, "sentence": "p9-s9", "add": []})
    assert unknown.status_code == 422
    assert "'p9-s9' is unknown" in unknown.get_json()["problems"][0]["message"]
    assert (project.root / FACTS).read_bytes() == before


def test_a_value_outside_the_range_is_refused_before_validation(dev: FlaskClient) -> None:
    fact = {"subject": "9/11", "property": "akg:year", "object": "Sept. 2001"}
    response = dev.post(
        "/curation/facts", json={"source": SLUG, "sentence": "p1-s5", "add": [fact]}
    )
    assert response.status_code == 422
    message = response.get_json()["problems"][0]["message"]
    assert message == "add[0].object: 'Sept. 2001' is not a valid xsd:gYear, the range of akg:year"


def test_without_dev_mode_or_token_curation_is_forbidden(project: Project) -> None:
    client = make_app(project).test_client()
    assert client.get("/curation/suggest", query_string={"q": "abe"}).status_code == 403
    before = (project.root / FACTS).read_bytes()
    fact = {"subject": "Japan", "property": "akg:committedTo", "object": "Defense of Japan"}
    body = {"source": SLUG, "sentence": "p1-s1", "add": [fact]}
    assert client.post("/curation/facts", json=body).status_code == 403
    assert (project.root / FACTS).read_bytes() == before


def test_dev_mode_refuses_another_site(dev: FlaskClient) -> None:
    headers = {"Origin": "https://elsewhere.example"}
    assert dev.get("/curation/suggest?q=abe", headers=headers).status_code == 403


def test_dev_mode_refuses_a_name_rebound_to_this_machine(
    dev: FlaskClient, project: Project
) -> None:
    """DNS rebinding: the browser sends the attacker's name as Host and Origin alike."""
    before = (project.root / FACTS).read_bytes()
    headers = {"Host": "attacker.example:8766", "Origin": "http://attacker.example:8766"}
    fact = {"subject": "Japan", "property": "skos:altLabel", "object": "Rebound"}
    body = {"source": SLUG, "sentence": "p1-s4", "add": [fact]}
    assert dev.post("/curation/facts", json=body, headers=headers).status_code == 403
    assert (project.root / FACTS).read_bytes() == before
    local = {"Host": "127.0.0.1:8766", "Origin": "http://localhost:8766"}
    assert dev.get("/curation/suggest?q=abe", headers=local).status_code == 200


def test_the_update_token_allows_curation_on_a_shared_server(project: Project) -> None:
    client = make_app(project, UPDATE_TOKEN=TOKEN).test_client()
    assert client.get("/curation/suggest?q=abe").status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/curation/suggest?q=abe", headers=wrong).status_code == 403
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert suggest_with(client, auth)[0]["label"] == "Shinzo Abe"
    body = {"source": SLUG, "sentence": "p9-s9", "add": []}
    assert client.post("/curation/facts", json=body, headers=auth).status_code == 422


def test_a_server_that_knows_no_project_folder_answers_404(tmp_path: Path) -> None:
    build = write_build(tmp_path / "served", "GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> . }", "v1")
    settings = {"BUILD_DIR": str(build), "INSTANCE_PATH": str(tmp_path), "UPDATE_TOKEN": TOKEN}
    client = create_app({**settings, "WARM_PAGES": False}).test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/curation/suggest?q=a", headers=auth).status_code == 404


def suggest_with(client: FlaskClient, headers: dict[str, str]) -> list[dict]:
    response = client.get("/curation/suggest?q=abe", headers=headers)
    assert response.status_code == 200
    return response.get_json()["results"]


def test_a_fact_stated_already_changes_nothing(dev: FlaskClient) -> None:
    """Plain text is typed by the property's range, so "2001" is the year already stated."""
    fact = {"subject": "9/11", "property": "akg:year", "object": "2001"}
    body = {"source": SLUG, "sentence": "p1-s5", "add": [fact], "dry_run": True}
    response = dev.post("/curation/facts", json=body)
    answer = response.get_json()
    assert response.status_code == 200, answer
    assert answer["written"] == [] and answer["changes"][0]["added"] == ""


@pytest.mark.parametrize("subject", ["<http://x y>", "<http://x> <http://y>"])
def test_a_malformed_iri_is_a_refusal_not_an_error(dev: FlaskClient, subject: str) -> None:
    fact = {"subject": subject, "property": "rdfs:label", "object": "x"}
    answer = dev.post("/curation/facts", json={"source": SLUG, "sentence": "p1-s1", "add": [fact]})
    assert answer.status_code == 422
    assert "not a valid IRI" in answer.get_data(as_text=True)


def test_a_facts_file_that_does_not_parse_is_named_not_an_error(
    dev: FlaskClient, project: Project
) -> None:
    broken = project.triples_dir / "broken.trig"
    broken.write_text("PREFIX s: <x:>\ns:a s:b", "utf-8")
    fact = {"subject": "Japan", "property": "skos:altLabel", "object": "Nippon"}
    body = {"source": SLUG, "sentence": "p1-s4", "add": [fact]}
    answer = dev.post("/curation/facts", json=body)
    broken.unlink()
    assert answer.status_code == 422
    assert "triples/broken.trig does not parse" in answer.get_data(as_text=True)

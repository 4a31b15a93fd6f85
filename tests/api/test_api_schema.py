"""The OpenAPI schema: generated without a warning, valid, and true to what the API answers.

Answers are validated strictly against it: every documented field present, none undocumented
(``additionalProperties: false`` is added to each object), ``null`` only where marked nullable.
"""

import json

import jsonschema
import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema

from papers.models import Repository
from recommendations.models import Figure
from tests.factories import make_entry, make_issue, make_paper, make_recommender, make_tag

READ_PATHS = {
    "/api/": [],
    "/api/issues/": [400],
    "/api/issues/{number}/": [],
    "/api/papers/": [400],
    "/api/papers/{id}/": [],
    "/api/tags/": [400],
    "/api/tags/{slug}/": [],
    "/api/areas/": [400],
    "/api/recommenders/": [400],
    "/api/recommenders/{handle}/": [],
    "/api/search/": [400],
}


@pytest.fixture(scope="module")
def schema():
    GENERATOR_STATS.reset()
    generated = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, "schema generation warned or erred"
    return json.loads(OpenApiJsonRenderer().render(generated))


def test_it_generates_the_schema_without_warnings_and_valid(tmp_path):
    GENERATOR_STATS.reset()

    # --fail-on-warn raises on any warning or error; --validate checks against the OpenAPI 3 spec.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    assert (tmp_path / "schema.yml").read_text().startswith("openapi: 3")


def test_it_validates_against_the_openapi_specification(schema):
    validate_schema(schema)


def test_it_documents_every_reading_endpoint_with_its_errors(schema):
    for path, extra_statuses in READ_PATHS.items():
        operation = schema["paths"][path]["get"]
        assert operation["summary"], path
        for status in [403, 429, *extra_statuses] + ([404] if path != "/api/" else []):
            body = operation["responses"][str(status)]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/Error"}, (path, status)


def test_it_documents_the_filters_with_their_types(schema):
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/papers/"]["get"]["parameters"]}

    assert parameters["year"]["type"] == "integer"
    assert parameters["has_code"]["type"] == "boolean"
    assert parameters["issue"]["minimum"] == 1
    assert parameters["page_size"]["maximum"] == 100
    search = {p["name"]: p for p in schema["paths"]["/api/search/"]["get"]["parameters"]}
    assert search["q"]["required"] is True


def strict(node):
    """OpenAPI 3.0 schema -> JSON Schema that refuses undocumented keys and unmarked nulls."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": node["$ref"]}
    node = {
        key: (strict(value) if key != "properties" else {k: strict(v) for k, v in value.items()})
        for key, value in node.items()
    }
    if node.get("type") == "object" and "properties" in node:
        node.setdefault("additionalProperties", False)
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def assert_matches(schema, path, status, response):
    documented = schema["paths"][path]["get"]["responses"][str(status)]["content"]["application/json"]["schema"]
    document = {**strict(documented), "components": strict(schema["components"])}
    jsonschema.validate(response.json(), document, cls=jsonschema.Draft7Validator)


@pytest.mark.django_db
def test_it_answers_exactly_what_the_schema_describes(api_client, schema, freeze, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    tag = make_tag("Object Detection", slug="object-detection")
    paper = make_paper(
        "CornerNet",
        authors=["Hei Law"],
        code_urls=["https://github.com/princeton-vl/CornerNet"],
        dataset_urls=["https://cocodataset.org/"],
        year=2018,
        arxiv_id="1808.01244",
        institutions=["Princeton"],
    )
    untitled = make_paper("", year=None)
    issue = make_issue(1, title="PaperDaily #1", intro="Hi.")
    recommendation = make_entry(issue, paper=paper, tag=tag, recommender=make_recommender("qaq"))
    make_entry(issue, paper=untitled, tag=tag)
    make_entry(make_issue(2), paper=make_paper("CenterNet"), tag=tag)
    Figure.objects.create(recommendation=recommendation, image="figures/x/model.png", width=10, height=5, caption="A")
    freeze(issue)
    Repository.objects.update(stars=5)

    answers = {
        ("/api/", 200): "/api/",
        ("/api/issues/", 200): "/api/issues/",
        ("/api/issues/{number}/", 200): "/api/issues/1/",
        ("/api/papers/", 200): "/api/papers/",
        ("/api/papers/{id}/", 200): f"/api/papers/{paper.pk}/",
        ("/api/tags/", 200): "/api/tags/",
        ("/api/tags/{slug}/", 200): "/api/tags/object-detection/",
        ("/api/areas/", 200): "/api/areas/",
        ("/api/recommenders/", 200): "/api/recommenders/",
        ("/api/recommenders/{handle}/", 200): "/api/recommenders/qaq/",
        ("/api/search/", 200): "/api/search/?q=cornernet",
        ("/api/papers/", 400): "/api/papers/?year=x",
        ("/api/papers/{id}/", 404): f"/api/papers/{untitled.pk + 1000}/",
        ("/api/search/", 400): "/api/search/",
    }
    for (path, status), url in answers.items():
        response = api_client.get(url)
        assert response.status_code == status, url
        assert_matches(schema, path, status, response)


def test_its_strict_check_refuses_an_undocumented_key_and_an_unmarked_null(schema):
    document = {"$ref": "#/components/schemas/IssueRef", "components": strict(schema["components"])}
    good = {
        "number": 1,
        "title": "",
        "published_at": "2019-01-25T04:00:00Z",
        "url": "http://x/",
        "html_url": "http://x/",
    }
    jsonschema.validate(good, document, cls=jsonschema.Draft7Validator)

    for bad in ({**good, "secret": 1}, {**good, "title": None}, {k: v for k, v in good.items() if k != "url"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, document, cls=jsonschema.Draft7Validator)


@pytest.mark.django_db
def test_it_links_every_collection_and_the_docs_from_the_root(api_client):
    links = api_client.get("/api/").json()

    assert links["issues"] == "http://testserver/api/issues/"
    assert links["search"] == "http://testserver/api/search/"
    assert links["schema"] == "http://testserver/api/schema/"
    for url in links.values():
        assert api_client.get(url.removeprefix("http://testserver")).status_code in (200, 400), url


@pytest.mark.django_db
def test_it_serves_the_docs_page(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_it_sends_the_old_redoc_address_to_the_docs_page(client):
    response = client.get("/api/redoc/")

    assert response.status_code == 301
    assert response["Location"] == "/api/docs/"

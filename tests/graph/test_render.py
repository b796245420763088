"""The renderers: Mermaid and DOT text that parse, and an SVG picture with a sound layout."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
import yaml

from arazzo_runner.graph import FORMATS, Flow, flow_of, render, to_dot, to_mermaid, to_svg
from arazzo_runner.loading.sources import load

from ..paths import FLAGSHIP, ROOT
from .checkers import SVG, check_mermaid, check_svg, dot_strings, overlaps

DATA = Path(__file__).parent / "data"
STEPS = ("createService", "addNumber", "confirmService")


def every_flow() -> list[tuple[str, str]]:
    """(file, workflowId) of every example and test workflow."""
    found = []
    for path in sorted((ROOT / "workflows").glob("*.yml")) + sorted(DATA.glob("*.arazzo.yml")):
        for workflow in load(str(path)).document.workflows:
            found.append((str(path), str(workflow.workflow_id)))
    return found


def flow(path: Path | str, workflow_id: str) -> Flow:
    return flow_of(load(str(path)), workflow_id)


def test_flagship_mermaid_names_the_three_steps() -> None:
    chart = check_mermaid(to_mermaid(flow(FLAGSHIP, "provision-messaging-service-add-number")))
    assert [chart.nodes[f"s{i}"].split("\n")[0] for i in range(3)] == list(STEPS)
    assert chart.nodes["s1"] == "addNumber\nPOST /Services/{ServiceSid}/PhoneNumbers"
    assert ("s2", "-->", "", "succeeded") in chart.edges
    assert ("s0", "-->", "failure", "failed") in chart.edges
    assert chart.classes["succeeded"] == "succeeded" and chart.classes["s0"] == "operation"


@pytest.mark.parametrize(("path", "workflow_id"), every_flow())
def test_every_workflow_renders_in_every_format(path: str, workflow_id: str) -> None:
    drawn = flow(path, workflow_id)
    chart = check_mermaid(to_mermaid(drawn))
    assert len(chart.edges) == len(drawn.edges)
    assert [label for _, _, label, _ in chart.edges] == [edge.label for edge in drawn.edges]
    strings = dot_strings(to_dot(drawn))
    assert strings[0] == workflow_id
    picture = check_svg(to_svg(drawn))
    assert set(picture.node_boxes) == {node.id for node in drawn.nodes}
    for a, b in combinations(picture.node_boxes.values(), 2):
        assert not overlaps(a, b)
    for step in drawn.steps:
        assert step.label in picture.texts or any(text.endswith("…") for text in picture.texts)
    assert render(drawn, "svg") == to_svg(drawn)  # the same flow gives the same picture


def test_mermaid_escapes_text_that_could_break_the_syntax() -> None:
    drawn = flow(DATA / "unloadable.arazzo.yml", "blind")
    text = to_mermaid(drawn)
    chart = check_mermaid(text)
    assert chart.nodes["s0"] == 'say "hi" <b>&amp;</b>\nop[1]{x}|"y"'
    assert "#quot;hi#quot;" in text and "#lt;b#gt;" in text
    (label,) = [label for _, _, label, b in chart.edges if label.startswith("end")]
    assert label.startswith('end "now" <em>: $response.body#/done == true && $status')


def test_dot_quotes_and_escapes() -> None:
    drawn = flow(DATA / "unloadable.arazzo.yml", "blind")
    text = to_dot(drawn)
    assert text.startswith('digraph "blind" {\n') and text.endswith("}\n")
    strings = dot_strings(text)
    assert 'say "hi" <b>&amp;</b>\\nop[1]{x}|"y"' in strings  # \n is DOT's own line break
    assert '"s0" -> "s1"' in text
    back = to_dot(flow(DATA / "actions.arazzo.yml", "actions"))
    assert (
        '"s1" -> "s0" [color="#c62828", fontcolor="#c62828", label="giveUp: $statusCode == 404", constraint=false];'
        in back
    )
    assert '"s0" -> "s2" [color="#1e64c8", fontcolor="#1e64c8", label="dependsOn", style=dashed];' in to_dot(
        flow(DATA / "depends.arazzo.yml", "ordered")
    )


def test_flagship_svg_is_a_standalone_document() -> None:
    text = to_svg(flow(FLAGSHIP, "provision-messaging-service-add-number"))
    assert text.startswith('<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="')
    picture = check_svg(text)
    assert picture.root[0].text == "Flow of workflow provision-messaging-service-add-number"
    for step in STEPS:
        assert picture.texts.count(step) == 1
    assert "POST /Services/{ServiceSid}/PhoneNumbers" in picture.texts
    kinds = [path.get("data-kind") for path in picture.root.iter(f"{SVG}path") if path.get("data-kind")]
    assert kinds == ["next", "next", "failure", "next", "failure", "next", "failure"]
    # the ends are below the last step, the steps top to bottom in order
    tops = [picture.node_boxes[node][1] for node in ("start", "s0", "s1", "s2", "succeeded", "failed")]
    assert tops == sorted(tops)


def test_svg_text_is_escaped_and_colours_follow_the_edge_kind() -> None:
    text = to_svg(flow(DATA / "unloadable.arazzo.yml", "blind"))
    assert "&lt;b&gt;&amp;amp;&lt;/b&gt;" in text and "<b>" not in text
    picture = check_svg(text)
    assert 'say "hi" <b>&amp;</b>' in picture.texts
    edges = [path for path in picture.root.iter(f"{SVG}path") if path.get("data-kind")]
    colours = {path.get("data-kind"): path.get("stroke") for path in edges}
    assert colours == {"next": "#7a7a7a", "success": "#2e7d32", "failure": "#c62828"}
    dashed = to_svg(flow(DATA / "depends.arazzo.yml", "ordered"))
    assert 'stroke="#1e64c8" stroke-dasharray="5 4"' in dashed


def test_svg_draws_retries_and_gotos_beside_the_column() -> None:
    drawn = flow(DATA / "actions.arazzo.yml", "actions")
    picture = check_svg(to_svg(drawn))
    paths = {(p.get("data-kind"), p.findtext(f"{SVG}title")): p.get("d") for p in picture.root.iter(f"{SVG}path")}
    retry = paths[("retry", "retryBusy (retry ×2, after 0.5s): $statusCode == 503")]
    assert retry is not None and " C" in retry  # a curve, from the node back to it
    back = paths[("failure", "giveUp: $statusCode == 404")]
    assert back is not None and " Q" in back and " V" in back  # out, along a lane, and in
    s0 = picture.node_boxes["s0"]
    lane_x = float(back.split(" V")[0].split(" ")[-1].split(",")[0])
    assert lane_x > s0[0] + s0[2]  # failures run on the right of the steps
    assert "report" in picture.texts and "goto workflow" in picture.texts


def test_id_prefix_keeps_inlined_drawings_apart() -> None:
    drawn = flow(FLAGSHIP, "provision-messaging-service-add-number")
    assert 'id="arazzo-provision-messaging-service-add-number-arrow-next"' in to_svg(drawn)
    text = to_svg(drawn, id_prefix="case7-")
    assert 'id="case7-arrow-next"' in text and "url(#case7-arrow-failure)" in text
    check_svg(text)


def _chain(tmp_path: Path, count: int, *, jumps: bool) -> Flow:
    steps = []
    for number in range(count):
        step: dict[str, object] = {"stepId": f"step{number}", "operationId": "getThing"}
        if jumps and number % 3 == 2:
            step["onSuccess"] = [
                {
                    "name": f"again{number}",
                    "type": "goto",
                    "stepId": f"step{number - 2}",
                    "criteria": [{"condition": "$statusCode == 202"}],
                }
            ]
        if jumps and number % 7 == 0:
            step["onFailure"] = [
                {
                    "name": f"retry{number}",
                    "type": "retry",
                    "retryLimit": 2,
                    "criteria": [{"condition": "$statusCode == 503"}],
                }
            ]
        steps.append(step)
    document = {
        "arazzo": "1.0.1",
        "info": {"title": "chain", "version": "1"},
        "sourceDescriptions": [{"name": "things", "url": str(DATA / "things-openapi.yml"), "type": "openapi"}],
        "workflows": [{"workflowId": "chain", "steps": steps}],
    }
    path = tmp_path / f"chain-{count}-{jumps}.arazzo.yml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return flow(path, "chain")


def test_fifty_steps_with_back_edges_stay_readable(tmp_path: Path) -> None:
    plain, jumping = _chain(tmp_path, 50, jumps=False), _chain(tmp_path, 50, jumps=True)
    straight, busy = check_svg(to_svg(plain)), check_svg(to_svg(jumping))
    assert len(busy.node_boxes) == 53 and len([e for e in jumping.edges if e.kind == "success"]) == 16
    assert busy.width > straight.width  # the back edges take lanes beside the column
    assert busy.width < 900  # lanes are reused where edges do not overlap
    for a, b in combinations(busy.node_boxes.values(), 2):
        assert not overlaps(a, b)
    for a, b in combinations(busy.label_boxes, 2):
        assert not overlaps(a, b), (a, b)
    check_mermaid(to_mermaid(jumping))
    dot_strings(to_dot(jumping))


def test_render_refuses_an_unknown_format() -> None:
    assert FORMATS == ("mermaid", "dot", "svg")
    with pytest.raises(ValueError, match="unknown graph format 'png'"):
        render(flow(FLAGSHIP, "provision-messaging-service-add-number"), "png")

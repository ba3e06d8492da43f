#!/usr/bin/env python3
"""Checks the hand-written JSON Schema checker against Python's jsonschema (the peer).

Each case is a schema and an instance; jsonschema (Draft 2020-12) decides whether the
instance is valid. The verdicts form the fixture the Swift tests hold the Swift checker to
(Tests/EngineTests/Fixtures/schema-cases.json). Cases cover every keyword the checker
supports, and the real workflow schema against the shipped pledge definition and broken
variants of it. Fails if the committed fixture differs from jsonschema's verdicts now.
Run with --write to regenerate.
"""
from peer_fixture import check_or_write
import copy, json, pathlib, sys
import jsonschema

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "Tests" / "EngineTests" / "Fixtures" / "schema-cases.json"

KEYWORD_CASES = [
    ({"type": "string"}, ["x", 1, None]),
    ({"type": ["integer", "null"]}, [1, 1.0, 1.5, None, "1"]),
    ({"type": "number", "minimum": 2, "maximum": 5}, [2, 5, 1.9, 5.5, 3]),
    ({"enum": ["a", 1, None]}, ["a", 1, 1.0, None, "b"]),
    ({"const": {"a": [1, 2]}}, [{"a": [1, 2]}, {"a": [2, 1]}]),
    ({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}, "additionalProperties": False},
     [{"a": "x"}, {}, {"a": 1}, {"a": "x", "b": 1}]),
    ({"type": "object", "patternProperties": {"^x-": {"type": "integer"}}, "additionalProperties": {"type": "string"}},
     [{"x-a": 1, "b": "s"}, {"x-a": "s"}, {"b": 2}]),
    ({"propertyNames": {"pattern": "^[a-z]+$"}, "minProperties": 1}, [{"abc": 1}, {"aB": 1}, {}]),
    ({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2, "uniqueItems": True},
     [[1], [], [1, 2, 3], [1, 1], [1, "a"]]),
    ({"type": "array", "uniqueItems": True},
     [["a", "b"], ["a", "a"], ["b", "a", "b"], ["a", 1, "1"], [1, 1.0], [{"a": 1}, {"a": 1}], [["x"], ["x"]], [None, None]]),
    ({"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^[a-z]"}, ["ab", "a", "abcd", "Ab", "é€x"]),
    ({"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]}, ["s", 3, -1, None]),
    ({"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 10}]}, [3, 12, 10.5, "x"]),
    ({"allOf": [{"minLength": 1}, {"maxLength": 2}]}, ["", "a", "abc"]),
    ({"not": {"enum": ["start", "migrate"]}}, ["go", "start"]),
    ({"$defs": {"k": {"type": "string", "pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"}}, "$ref": "#/$defs/k"},
     ["report-due", "Report", "a--b", "x1-y2"]),
    (False, [1]), (True, [1]),
]


def broken_pledges(pledge):
    variants = []
    v = copy.deepcopy(pledge); del v["states"]; variants.append(v)
    v = copy.deepcopy(pledge); v["version"] = 0; variants.append(v)
    v = copy.deepcopy(pledge); v["transitions"][0]["from"] = "draft"; variants.append(v)
    v = copy.deepcopy(pledge); v["transitions"][0]["by"] = [{"role": "secretariat", "relation": "owner"}]; variants.append(v)
    v = copy.deepcopy(pledge); v["transitions"][0]["event"] = "start"; variants.append(v)
    v = copy.deepcopy(pledge); v["transitions"][3]["effects"] = [{"notify": {"template": "x", "to": {"role": "secretariat"}, "subject": "", "body": "b"}}]; variants.append(v)
    v = copy.deepcopy(pledge); v["startFields"]["Bad Name"] = {"type": "string"}; variants.append(v)
    v = copy.deepcopy(pledge); v["startFields"]["text"]["type"] = "paragraph"; variants.append(v)
    v = copy.deepcopy(pledge); v["colour"] = "red"; variants.append(v)
    v = copy.deepcopy(pledge); v["transitions"][0]["effects"] = [{"cancelTimer": "x", "notify": {}}]; variants.append(v)
    return variants


def verdict(schema, instance):
    return jsonschema.Draft202012Validator(schema).is_valid(instance)


def main():
    cases = []
    for schema, instances in KEYWORD_CASES:
        for instance in instances:
            cases.append({"schema": schema, "instance": instance, "valid": verdict(schema, instance)})
    workflow_schema = json.loads((ROOT / "Workflows" / "schema" / "workflow.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(workflow_schema)
    pledge = json.loads((ROOT / "Workflows" / "pledge.workflow.json").read_text())
    for instance in [pledge] + broken_pledges(pledge):
        cases.append({"schema": "workflow.schema.json", "instance": instance, "valid": verdict(workflow_schema, instance)})
    text = json.dumps(cases, indent=1, ensure_ascii=False) + "\n"
    return check_or_write(FIXTURE, text, "schema peer check", f"{len(cases)} cases ({sum(c['valid'] for c in cases)} valid, {len(cases) - sum(c['valid'] for c in cases)} invalid) agree with jsonschema's verdicts in the fixture")

if __name__ == "__main__":
    sys.exit(main())

"""The Python producer against the shared test vectors: what the Java side accepts, it accepts; what the Java side
dead-letters for a schema reason, its validation refuses, naming the same field."""
import json
import pathlib
import unittest

import jsonschema

import parley_client

VECTORS = pathlib.Path(__file__).resolve().parents[2] / "schemas" / "test-vectors"


def json_path(error):
    path = "$"
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


class PromptVectors(unittest.TestCase):
    def test_valid_prompts_validate(self):
        files = sorted((VECTORS / "prompt" / "valid").glob("*.json"))
        self.assertGreater(len(files), 5)
        for file in files:
            with self.subTest(file.name):
                parley_client.validate_prompt(json.loads(file.read_text(encoding="utf-8")))

    def test_schema_invalid_prompts_are_refused_naming_the_field(self):
        cases = json.loads((VECTORS / "prompt" / "invalid" / "cases.json").read_text(encoding="utf-8"))
        checked = 0
        for name, case in sorted(cases.items()):
            if case["code"] not in ("schema_violation", "invalid_value"):
                continue  # bytes-level cases (UTF-8, JSON syntax, size, key) are the transport's business
            with self.subTest(name):
                document = json.loads((VECTORS / "prompt" / "invalid" / name).read_text(encoding="utf-8"))
                with self.assertRaises(jsonschema.ValidationError) as raised:
                    parley_client.validate_prompt(document)
                error = raised.exception
                if "field" not in case:
                    pass  # several violations at once: which one a validator reports first is its own business
                elif case["code"] == "schema_violation" and error.validator in ("required", "additionalProperties"):
                    # These report the parent object; the field is named in the message.
                    self.assertTrue(case["field"].split(".")[-1].split("[")[0] in error.message, error.message)
                elif case["code"] == "schema_violation":
                    self.assertEqual(json_path(error), case["field"], error.message)
                checked += 1
        self.assertGreater(checked, 30)

    def test_replies_validate(self):
        for file in sorted((VECTORS / "reply" / "valid").glob("*.json")):
            with self.subTest(file.name):
                parley_client.validate_reply(json.loads(file.read_text(encoding="utf-8")))
        for file in sorted((VECTORS / "reply" / "invalid").glob("*.json")):
            if file.name == "cases.json":
                continue
            with self.subTest(file.name):
                with self.assertRaises(jsonschema.ValidationError):
                    parley_client.validate_reply(json.loads(file.read_text(encoding="utf-8")))

    def test_a_made_prompt_is_valid(self):
        parley_client.validate_prompt(parley_client.make_prompt("conv-1", "hello", max_tokens=8))


if __name__ == "__main__":
    unittest.main()

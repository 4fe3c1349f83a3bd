"""The plain way to write one letter, as a script someone would write with docxtpl alone (no formgen).

    python benchmarks/plain_letter.py TEMPLATE.docx CONTEXT.json OUT.docx

CONTEXT.json is the template context formgen builds for the letter (benchmarks/run.py writes it), with the
results of the template's two filters (rule, keep_last_words) for the values it holds, so this script writes
the same letter without measuring fonts: the plain side is given that work for free.
"""
import json
import sys

from docxtpl import DocxTemplate
from jinja2 import Environment

template, context_file, out = sys.argv[1:4]
with open(context_file, encoding="utf-8") as f:
    context = json.load(f)
filtered = context.pop("__filters__")
env = Environment(autoescape=True)
for name, results in filtered.items():
    env.filters[name] = lambda *args, _results=results: _results[json.dumps(args, ensure_ascii=False)]
doc = DocxTemplate(template)
doc.render(context, jinja_env=env, autoescape=True)
doc.save(out)

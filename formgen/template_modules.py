"""The shipped templates' parts compiled ahead by Jinja (its compile_templates), loaded with its ModuleLoader.

Compiling a letter's document.xml (docxtpl's patch, then Jinja's lexer, parser and code generator) took a fresh
`formgen render` 15 ms on the quiet machine; Jinja can write a template as a Python module once and load it later,
and Python caches that module's bytecode as it caches formgen's own. tools/build_compiled_templates.py writes one
module per rendered part of each template formgen ships into FOLDER, named (Jinja hashes the name) by the template,
the part, the sha256 of the part's bytes and the Jinja and docxtpl versions: a template rebuilt, another Jinja or
docxtpl, and the name is not found, the part is compiled as before. tests/test_template_modules.py checks the modules against
what Jinja compiles now and the documents against those rendered from the parts compiled here.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import docxtpl
import jinja2
from jinja2 import ModuleLoader, Template, TemplateNotFound

FOLDER = Path(__file__).parent / "templates" / "compiled"


def part_name(template: str, part: str, data: bytes) -> str:
    """The name a part is compiled under: what the module holds depends on all of it."""
    return (f"{template}/{part}@{hashlib.sha256(data).hexdigest()}"
            f"+jinja2-{jinja2.__version__}+docxtpl-{docxtpl.__version__}")


@lru_cache(maxsize=1)
def _loader() -> ModuleLoader:
    return ModuleLoader(str(FOLDER))


def load(env: jinja2.Environment, name: str) -> Template | None:
    """The part compiled ahead under name, bound to env; None when it is not there."""
    if not FOLDER.is_dir():
        return None
    try:
        return _loader().load(env, name, env.make_globals(None))  # the globals from_string gives: range
    except TemplateNotFound:
        return None


def compile_into(folder: Path, env: jinja2.Environment, sources: dict[str, str]) -> list[Path]:
    """Jinja's compile_templates of sources (name -> the part as formgen compiles it: rendering.shipped_part_sources)
    into folder, one module each."""
    env = env.overlay(loader=jinja2.DictLoader(sources))
    env.compile_templates(str(folder), zip=None, ignore_errors=False)
    return sorted(folder / ModuleLoader.get_module_filename(name) for name in sources)

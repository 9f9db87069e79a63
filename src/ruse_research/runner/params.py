"""Params files: read one ``params/<run>.yaml`` and check it against its notebook's ``parameters`` cell.

One params file is one run, named by its file stem (``staff_attitudes.bg``). Everything here
happens before any kernel starts: the YAML is read strictly (:func:`ruse_research._yaml.load`,
dates kept as text), the notebook's ``parameters`` cell is parsed with :mod:`ast` (never run),
every override must name a parameter of that cell and have the type of its default, ``lang``
must be a report language (:func:`ruse_research.i18n.check_language`) and every ``*_path`` /
``*_file`` parameter must name an existing file. Data files of ``<codebook>_path`` parameters
are validated against their codebook by :func:`validate_inputs`.

A path parameter that names a default location (``data/raw/<file>``, the default margins
file) is read from the active region profile's own (``RUSE_RESEARCH_PROFILE``;
:meth:`ruse_research.data.profile.Profile.data_path`) and passed to the notebook as such, so
the same params files run every region. Titles and descriptions may name the profile's fields
as ``{administration}``, ``{region}`` ... (:meth:`ruse_research.data.profile.Profile.placeholders`).

Examples
--------
>>> parse_parameters_cell("lang = 'en'\\nalpha = 0.05\\nstaff_path = 'data/raw/staff.csv'")
{'lang': 'en', 'alpha': 0.05, 'staff_path': 'data/raw/staff.csv'}
"""

from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ruse_research import _yaml, paths
from ruse_research.data import profile as region_profile
from ruse_research.errors import ParamsError, shown
from ruse_research.i18n import LANGUAGES, check_language
from ruse_research.runner import cache, guard

# Parameters with these name endings are input files: they must exist, and their content is hashed.
INPUT_SUFFIXES = ("_path", "_file")
PARAMS_KEYS = ("notebook", "title", "description", "parameters")
#: Parameters (besides input files) that ``null`` switches off whatever their default.
NULLABLE = ("trim_bounds",)


class Expression:
    """A parameters-cell default that is not a literal (its type cannot be checked)."""

    def __init__(self, source: str):
        self.source = source

    def __repr__(self) -> str:
        return f"<expression {self.source}>"


def parse_parameters_cell(source: str) -> dict[str, object]:
    """Names and default values assigned at the top level of a ``parameters`` cell.

    Literal defaults come back as Python values; anything else (a call, a name) comes back as
    an opaque expression whose type is not checked.

    Raises
    ------
    SyntaxError
        When the cell is not valid Python.

    Examples
    --------
    >>> parse_parameters_cell("lang = 'en'  # bg | en\\nseed: int = 20190118\\nn = None")
    {'lang': 'en', 'seed': 20190118, 'n': None}
    """
    tree = ast.parse(source)
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            try:
                found[target.id] = ast.literal_eval(value)
            except (ValueError, SyntaxError, TypeError):
                found[target.id] = Expression(ast.get_source_segment(source, value) or "")
    return found


def _notebook_summary(path: Path) -> dict[str, object]:
    """Code hash and JSON-encoded parameter defaults of a notebook (cached by the hash store)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(nb, dict) or not isinstance(nb.get("cells", []), list) or not all(
            isinstance(c, dict) for c in nb.get("cells", [])):
        raise ValueError(f"found JSON {type(nb).__name__}, expected a notebook (a JSON object with cells)")
    source = None
    ranges: dict[str, list] = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            raw = cell.get("source", "")
            source = "".join(raw) if isinstance(raw, list) else raw
            ranges = guard.declared_ranges(cell.get("metadata", {}))
            break
    defaults: dict[str, object] | None = None
    syntax_error = None
    if source is not None:
        try:
            defaults = {name: _encode_default(v) for name, v in parse_parameters_cell(source).items()}
        except SyntaxError as exc:
            syntax_error = f"line {exc.lineno}: {exc.msg}"
    return {
        "code_hash": cache.notebook_code_hash(nb),
        "defaults": defaults,
        "syntax_error": syntax_error,
        "ranges": ranges,
    }


def _encode_default(value: object) -> object:
    if isinstance(value, Expression):
        return {"__expression__": value.source}
    if isinstance(value, tuple):
        value = list(value)
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return {"__expression__": repr(value)}
    return {"__value__": value}


def _decode_default(encoded: dict) -> object:
    if "__expression__" in encoded:
        return Expression(encoded["__expression__"])
    return encoded["__value__"]


_TYPE_WORDS = {bool: "true or false", int: "a whole number", float: "a number", str: "text",
               list: "a list", dict: "a mapping"}


def _type_matches(default: object, value: object) -> bool:
    if default is None or isinstance(default, Expression):
        return True
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, list):
        return isinstance(value, list)
    if isinstance(default, dict):
        return isinstance(value, dict)
    return type(value) is type(default)


def _type_word(default: object) -> str:
    for kind, word in _TYPE_WORDS.items():
        if type(default) is kind:
            return word
    return type(default).__name__


def relative_to_root(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` in POSIX form (unchanged when it lies outside).

    Examples
    --------
    >>> relative_to_root(Path("/p/data/x.csv"), Path("/p"))
    'data/x.csv'
    """
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Run:
    """One run: a params file checked against its notebook.

    ``parameters`` are the merged values (notebook defaults updated by ``overrides``); ``inputs``
    maps each ``*_path`` parameter to its resolved file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> run = Run(name="demo.bg", params_file=root / "params/demo.bg.yaml", notebook=root / "nb.ipynb",
    ...           notebook_rel="nb.ipynb", titles={"bg": "Демо", "en": "Demo"}, descriptions={},
    ...           overrides={"lang": "bg"}, parameters={"lang": "bg"}, lang="bg", inputs={}, code_hash="0")
    >>> run.title
    'Демо'
    """

    name: str
    params_file: Path
    notebook: Path
    notebook_rel: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    overrides: dict[str, object]
    parameters: dict[str, object]
    lang: str
    inputs: dict[str, Path]
    code_hash: str
    #: Region profile of a run-matrix run (``None``: the environment's); see runner/matrix.py.
    profile: str | None = None

    @property
    def title(self) -> str:
        """The title in the run's language."""
        return self.titles.get(self.lang) or next(iter(self.titles.values()), self.name)

    @property
    def description(self) -> str:
        return self.descriptions.get(self.lang, "")


def discover_runs(root: Path | None = None) -> list[Path]:
    """The params files of the project, sorted by run name.

    Examples
    --------
    >>> all(p.suffix == ".yaml" for p in discover_runs())
    True
    """
    root = root or paths.project_root()
    folder = root / "params"
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def _text_by_language(value: object, where: str, key: str) -> dict[str, str]:
    if isinstance(value, str):
        return {lang: value for lang in LANGUAGES}
    if isinstance(value, dict) and value and set(value) <= set(LANGUAGES) and all(
        isinstance(v, str) for v in value.values()
    ):
        return dict(value)
    raise ParamsError(f"{where}: {key}: found {shown(value)}, expected text or a mapping {{bg: ..., en: ...}}")


def _with_profile(texts: dict[str, str], region: region_profile.Profile | None, where: str,
                  key: str) -> dict[str, str]:
    """``texts`` with the profile's fields (``{administration}``, ``{region}`` ...) filled in."""
    if region is None:
        return texts
    out = {}
    for lang, text in texts.items():
        fields = region.placeholders(lang)
        try:
            out[lang] = text.format_map(fields) if "{" in text else text
        except (KeyError, ValueError, IndexError) as exc:
            raise ParamsError(f"{where}: {key}.{lang}: placeholder {exc} is not a profile field; "
                              f"expected one of {{{'}, {'.join(sorted(fields))}}}") from None
    return out


def load_run(params_file: Path, store: cache.FileHashStore | None = None, root: Path | None = None,
             *, allow_notebooks=(), allow_inputs=()) -> Run:
    """Read one params file and check it against its notebook's ``parameters`` cell.

    Nothing is executed: the parameters cell is parsed with :mod:`ast`.

    Raises
    ------
    ParamsError
        One line naming the params file, the key and what was expected: broken YAML, a
        top-level key other than notebook/title/description/parameters, an unknown parameter,
        a value of the wrong type, ``lang`` not bg/en, or a ``*_path`` file that does not exist.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "params").mkdir()
    >>> nb = {"cells": [{"cell_type": "code", "source": "lang = 'en'\\nalpha = 0.05", "outputs": [],
    ...        "metadata": {"tags": ["parameters"]}, "execution_count": None}], "metadata": {},
    ...        "nbformat": 4, "nbformat_minor": 5}
    >>> (root / "notebooks").mkdir()
    >>> _ = (root / "notebooks" / "demo.ipynb").write_text(json.dumps(nb))
    >>> _ = (root / "params" / "demo.bg.yaml").write_text("notebook: notebooks/demo.ipynb\\ntitle: Demo\\nparameters: {lang: bg, alpha: 0.1}\\n")
    >>> load_run(root / "params" / "demo.bg.yaml", root=root).parameters
    {'lang': 'bg', 'alpha': 0.1}
    >>> _ = (root / "params" / "demo.bg.yaml").write_text("notebook: notebooks/demo.ipynb\\ntitle: Demo\\nparameters: {alpha: high}\\n")
    >>> load_run(root / "params" / "demo.bg.yaml", root=root)
    Traceback (most recent call last):
    ruse_research.errors.ParamsError: .../demo.bg.yaml: parameters.alpha: found 'high', expected a number like the notebook default 0.05
    """
    root = root or paths.project_root()
    where = relative_to_root(params_file, root)
    guard.check_run_name(run_name(params_file), where)
    return run_from_data(_read_params_yaml(params_file, where), params_file, store, root,
                         allow_notebooks=allow_notebooks, allow_inputs=allow_inputs)


def run_from_data(data: object, params_file: Path, store: cache.FileHashStore | None = None,
                  root: Path | None = None, name: str | None = None,
                  *, allow_notebooks=(), allow_inputs=()) -> Run:
    """:func:`load_run` of the already-read content ``data`` of ``params_file`` (a run matrix,
    :mod:`ruse_research.runner.matrix`, gives one per expanded run, named ``name``)."""
    root = root or paths.project_root()
    store = store or cache.FileHashStore()
    where = relative_to_root(params_file, root)
    if not isinstance(data, dict):
        raise ParamsError(f"{where}: found {type(data).__name__}, expected a mapping with keys {', '.join(PARAMS_KEYS)}")
    unknown = sorted(str(k) for k in data if k not in PARAMS_KEYS)
    if unknown:
        raise ParamsError(f"{where}: {shown(unknown[0])[1:-1]}: unknown key, expected only {', '.join(PARAMS_KEYS)}")
    for required in ("notebook", "title"):
        if required not in data:
            raise ParamsError(f"{where}: {required}: missing, expected it at the top level")

    notebook_value = data["notebook"]
    if not isinstance(notebook_value, str) or not notebook_value.endswith(".ipynb"):
        raise ParamsError(f"{where}: notebook: found {shown(notebook_value)}, expected a path to an .ipynb file")
    notebook = paths.resolve(notebook_value, root=root)
    if not notebook.is_file():
        raise ParamsError(f"{where}: notebook: file {shown(notebook_value)[1:-1]} not found (looked in {notebook})")
    outside_notebook = guard.check_notebook(notebook, root, where, allow_notebooks)
    region = cache.region_if_any()
    titles = _with_profile(_text_by_language(data["title"], where, "title"), region, where, "title")
    descriptions = _with_profile(_text_by_language(data.get("description", ""), where, "description"),
                                 region, where, "description")

    overrides = data.get("parameters") or {}
    if not isinstance(overrides, dict):
        raise ParamsError(f"{where}: parameters: found {shown(overrides)}, expected a mapping of parameter names to values")

    try:
        summary = store.derived("notebook-summary-v2", notebook, _notebook_summary)
    except (OSError, ValueError) as exc:
        raise ParamsError(f"{where}: notebook: cannot read {shown(notebook_value)[1:-1]} as a notebook "
                          f"({shown(str(exc), 120)[1:-1]})") from None
    if summary["syntax_error"]:
        raise ParamsError(f"{where}: notebook: the parameters cell of {notebook_value} is not valid Python ({summary['syntax_error']})")
    if summary["defaults"] is None:
        raise ParamsError(f"{where}: notebook: {notebook_value} has no code cell tagged 'parameters', expected one holding the defaults")
    defaults = {name: _decode_default(v) for name, v in summary["defaults"].items()}

    for key, value in overrides.items():
        if key not in defaults:
            known = ", ".join(sorted(defaults)) or "none"
            raise ParamsError(f"{where}: parameters.{shown(key)[1:-1]}: unknown parameter, expected one of: {known}")
        if value is None and (key.endswith(INPUT_SUFFIXES) or key in NULLABLE):
            continue  # an input file or a check left out (staff_path: null, trim_bounds: null)
        if not _type_matches(defaults[key], value):
            raise ParamsError(
                f"{where}: parameters.{key}: found {shown(value)}, expected {_type_word(defaults[key])} "
                f"like the notebook default {defaults[key]!r}"
            )
        guard.check_value(where, key, value, defaults[key], summary.get("ranges", {}).get(key))
    parameters = {**defaults, **overrides}
    for key, value in sorted(parameters.items()):
        if (region is not None and key.endswith(INPUT_SUFFIXES) and isinstance(value, str)
                and region.data_path(value) != value):
            parameters[key] = region.data_path(value)
            overrides = {**overrides, key: parameters[key]}  # the kernel gets the profile's file
    origin = "parameters.lang" if "lang" in overrides else "notebook default of lang"
    lang = check_language(parameters.get("lang", "en"), where=f"{where}: {origin}")

    inputs: dict[str, Path] = {}
    for key, value in sorted(parameters.items()):
        if not key.endswith(INPUT_SUFFIXES) or value is None or isinstance(value, Expression):
            continue
        origin = f"parameters.{key}" if key in overrides else f"notebook default of {key}"
        if not isinstance(value, str | os.PathLike):
            raise ParamsError(f"{where}: {origin}: found {shown(value)}, expected a file path")
        resolved = paths.resolve(value, root=root)
        if not resolved.is_file():
            raise ParamsError(f"{where}: {origin}: file {shown(str(value))[1:-1]} not found "
                              f"(looked in {shown(str(resolved), 160)[1:-1]})")
        guard.check_input(resolved, root, where, origin, allow_inputs)
        inputs[key] = resolved
    if outside_notebook:  # let in by --allow-notebook: its hash goes into the provenance
        inputs["notebook"] = notebook

    return Run(
        name=name or run_name(params_file),
        params_file=params_file,
        notebook=notebook,
        notebook_rel=relative_to_root(notebook, root),
        titles=titles,
        descriptions=descriptions,
        overrides=dict(overrides),
        parameters=parameters,
        lang=lang,
        inputs=inputs,
        code_hash=str(summary["code_hash"]),
    )


def codebook_for(parameter: str, root: Path | None = None) -> Path | None:
    """The codebook of a ``<codebook>_path`` parameter, when ``data/codebooks/<codebook>.yaml`` exists.

    Examples
    --------
    >>> codebook_for("not_a_codebook_path") is None
    True
    """
    if not parameter.endswith("_path"):
        return None
    root = root or paths.project_root()
    candidate = root / "data" / "codebooks" / f"{parameter[: -len('_path')]}.yaml"
    return candidate if candidate.is_file() else None


def validate_inputs(run: Run, root: Path | None = None) -> list[str]:
    """Validate each ``<codebook>_path`` input of ``run`` with ``ruse_research.data.io.validate_file``.

    Returns the one-line summaries; raises the ``DataError`` (or other ``RuseError``) of the first
    bad file. Called for every run that will execute, before any kernel starts.

    Examples
    --------
    >>> from ruse_research import paths
    >>> validate_inputs(load_run(paths.params_dir() / "staff_attitudes.en.yaml"))
    ["staff.csv: 98 rows, 66 columns, encoding utf-8, delimiter ',' - OK"]
    """
    root = root or paths.project_root()
    summaries = []
    for key, path in sorted(run.inputs.items()):
        codebook = codebook_for(key, root)
        if codebook is None:
            continue
        from ruse_research.data import io as ruse_io  # lazy: pulls in pandas

        summaries.append(str(ruse_io.validate_file(path, codebook.stem)))
    summaries.extend(check_stakeholder_inputs(run, root))
    return summaries


def check_stakeholder_inputs(run: Run, root: Path | None = None) -> list[str]:
    """The stakeholder study's checks that need its files, before any kernel starts.

    The margins file (``margins_path``) is read with the exports' reader and checked
    (:func:`ruse_research.stats.survey.reference.read_margins`), its survey variables must be
    items of the stakeholders codebook, ``weight_column`` must name a numeric item of it, and
    ``latest_wave`` (when not null) must be a wave of the stakeholders file. Each problem is
    one line naming the params file, the parameter or file and what to change.

    Examples
    --------
    >>> from ruse_research import paths
    >>> check_stakeholder_inputs(load_run(paths.params_dir() / "stakeholder_opinions.en.yaml"))  # active profile's margins
    ['population_margins.csv: 3 margins (sex, age_group, municipality), ... categories - OK']
    """
    root = root or paths.project_root()
    where = relative_to_root(run.params_file, root)
    parameters, out = run.parameters, []
    book_file = codebook_for("stakeholders_path", root)
    if "stakeholders_path" not in parameters or book_file is None:
        return out
    from ruse_research.data.codebook import load_codebook  # lazy: pulls in pandas

    book = load_codebook(book_file)
    staff_book = codebook_for("staff_path", root)
    if run.inputs.get("staff_path") is not None and staff_book is not None:
        book.mirror_pairs(load_codebook(staff_book))  # a mirror item naming no staff item
    weight_column = parameters.get("weight_column")
    if weight_column is not None:
        if not isinstance(weight_column, str) or weight_column not in book.item_ids or (
            book.item(weight_column).type not in ("numeric", "integer")
        ):
            raise ParamsError(
                f"{where}: parameters.weight_column: found {shown(weight_column)}, expected null or "
                f"a numeric item of codebook {book_file.name}"
            )
    margins = run.inputs.get("margins_path")
    if margins is not None and weight_column is None:
        from ruse_research.stats.survey.reference import read_margins

        table = read_margins(margins)
        for variable, (survey_variable, _) in table.recodes.items():
            if survey_variable not in book.item_ids:
                raise ParamsError(
                    f"{table.file}: margin {variable!r}: survey_variable {shown(survey_variable)} is "
                    f"not an item of codebook {book_file.name}; fix the margins file"
                )
        out.append(f"{table.file}: {len(table.margins)} margins ({', '.join(table.margins)}), "
                   f"{len(table.codes)} categories - OK")
    latest = parameters.get("latest_wave")
    data = run.inputs.get("stakeholders_path")
    if latest is not None and data is not None:
        from ruse_research.data import io as ruse_io

        waves = sorted(int(w) for w in ruse_io.read_survey(data, book)["wave"].dropna().unique())
        if latest not in waves:
            raise ParamsError(
                f"{where}: parameters.latest_wave: found {shown(latest)}, expected a wave of "
                f"{data.name} ({', '.join(map(str, waves))}) or null for the last one"
            )
    return out


def _read_params_yaml(params_file: Path, where: str) -> object:
    """The parsed params file; YAML problems become one-line ParamsErrors naming the line."""
    try:
        text = params_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ParamsError(f"{where}: not UTF-8 text, expected a YAML file") from None
    try:
        return _yaml.load(text, source=where, dates=False)
    except _yaml.YamlError as exc:
        detail = str(exc).removeprefix(f"{where}: ")
        joiner = " at " if detail.startswith("line ") else ": "
        raise ParamsError(f"{where}: broken YAML{joiner}{detail}") from None


def select_runs(names: list[str] | None, root: Path) -> list[Path]:
    """The params files for ``names`` (all when empty); unknown names raise ``ParamsError``.

    Examples
    --------
    >>> select_runs(["no_such_run"], paths.project_root())
    Traceback (most recent call last):
    ruse_research.errors.ParamsError: params/no_such_run.yaml: no such run, expected one of: ...
    """
    files = discover_runs(root)
    if not names:
        return files
    by_name = {run_name(p): p for p in files}
    missing = [n for n in names if n not in by_name]
    if missing:
        known = ", ".join(sorted(by_name)) or "none"
        raise ParamsError(f"params/{missing[0]}.yaml: no such run, expected one of: {known}")
    return [by_name[n] for n in dict.fromkeys(names)]


def run_name(params_file: Path) -> str:
    """The run a params file describes: its name without ``.yaml``.

    Examples
    --------
    >>> run_name(Path("params/staff_attitudes.bg.yaml"))
    'staff_attitudes.bg'
    """
    return params_file.name[: -len(".yaml")]

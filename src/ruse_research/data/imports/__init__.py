"""Import of survey tools' exports: map their columns and answers onto a codebook, then apply.

``ruse-research map EXPORT --codebook NAME`` writes a starter mapping (:mod:`.mapping`);
``ruse-research import EXPORT --map MAP.yaml --codebook NAME --out FILE`` applies it
(:mod:`.apply`) and writes the codebook's own export, validated. :mod:`.exports` reads
the export and tells the tool; :mod:`.matching` does the fuzzy matching.

The export shapes handled, and where they come from:

* **Google Forms** "Download responses (.csv)": first column ``Timestamp`` (localised,
  ``Клеймо за време``), question titles as headers (grids: ``Title [Row]``), answers as the
  option labels, checkbox answers joined with ``", "``.
* **LimeSurvey** CSV export (``application/helpers/admin/export/Writer.php``,
  ``FormattingOptions.php``, ``CsvWriter.php`` in LimeSurvey's source): headings
  ``code`` (``Q8``, subquestions ``Q8[SQ001]``), ``abbreviated``, ``full`` (``Question
  [Subquestion]``) or ``codetext``; answers ``short`` (answer codes such as ``A1``,
  multiple choice ``Y`` or blank, unless "convert Y/N to" is set) or ``long`` (full
  answers); every value quoted, UTF-8 with BOM; the response table's ``id``,
  ``submitdate``, ``lastpage``, ``startlanguage``, ``seed`` columns first.
* **LimeSurvey SPSS** export (``application/helpers/export_helper.php``, ``SPSSFieldMap``
  and ``SPSSGetValues``): variables named ``<code>_<subquestion>``, labels
  ``[subquestion] question``, multiple choice 1 (``Yes``) / 0 (``Not Selected``), yes/no
  1/2, list answers as their codes with the answer texts as value labels.
* **KoBoToolbox** XLS/CSV exports (kpi's export-settings API: ``lang`` ``_xml`` for XML
  values and headers or a form language such as ``English (en)``, the XLSForm's
  ``label::English (en)`` column; ``group_sep`` ``/``; ``multiple_select`` ``both``,
  ``summary`` or ``details``; CSV separated by ``;``) and formpack's
  ``FormChoiceFieldWithMultipleSelect`` (summary cell of space-separated choices,
  ``name/option`` detail columns holding 1 or 0); metadata ``_id``, ``_uuid``,
  ``_submission_time``, ``_index``, ``start``, ``end``.

Examples
--------
>>> from ruse_research.data.imports import exports
>>> exports.detect(__import__("pathlib").Path("x.csv"), ["Клеймо за време", "Пол"], sav=False)
'google_forms'
"""

"""ruse_research: a reproducible study of a regional administration through the eyes of civil society.

Subpackages, top to bottom (imports run one way): ``runner`` (executes the study notebooks),
``display`` (what notebooks show), ``studies`` (one pipeline per study), ``stats`` (estimators),
``data`` and ``synthetic`` (instruments, exports, demonstration data), and the core modules
``errors``, ``paths``, ``_yaml``, ``i18n``, ``contract``, ``deterministic``. See
``docs/ARCHITECTURE.md``.
"""

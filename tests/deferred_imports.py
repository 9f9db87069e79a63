"""pytest plugin named in ``addopts`` (``-p deferred_imports``): loaded before nbval's plugin.

nbval imports nbformat, hence jsonschema, when pytest loads plugins, before any conftest.py;
:func:`ruse_research._deferred.defer_rfc3987_syntax` must run first to spare each pytest
process (the controller and every xdist worker) the RFC 3987 grammar build.
"""

from ruse_research._deferred import defer_rfc3987_syntax

defer_rfc3987_syntax()

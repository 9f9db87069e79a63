"""What notebooks show: catalogs, formats, tables, figures, text blocks and plots.

``report`` is the notebooks' one import for display (it re-exports :mod:`.catalog`,
:mod:`.formats`, :mod:`.tables`, :mod:`.figures`, :mod:`.blocks`); ``plots`` draws the figures.
The layer imports studies, stats, data and the core, never the runner.
"""

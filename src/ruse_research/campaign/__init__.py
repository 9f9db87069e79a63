"""The information campaign: public summaries, shareable cards, a press release and open data.

A campaign is a derived product of the studies' *published* results (``outputs/<run>/``), built
by ``ruse-research run`` after the studies into ``outputs/campaign.<lang>/``
(:func:`ruse_research.campaign.step.build_campaigns`). It sits between the command line and the
runner: it reads what the runner published and prints with the runner's Chromium printer, and it
formats with the display layer's catalogs and number formats.
"""

"""Reads for the dashboards, one module per job (each metric is defined once, in ``figures``):

- ``figures``: the figures and their ratios (win rate, deal size, rates, attainment, pace...);
- ``per_rep``: each rep's figures for a range, the team total and the team average;
- ``team``: the team dashboard's other reads (leaderboards, stages, revenue split, trends);
- ``rep``: "My week";
- ``one_on_one``: the one-on-one page and the snapshot a closed one-on-one keeps;
- ``exports``: the dashboards' CSV tables (team, My week, one-on-one);
- ``activity_counts``: the activity list's counts by kind, from the activity rollup.
"""

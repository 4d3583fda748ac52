"""The rules of an answer, each written once, on arrays: one answer is an array of one.

Three callers apply them, and must agree to the row:
- one answer from the survey form or the API (`surveys.validation.validate_answers`,
  `surveys.services.response_build`), through arrays of one value;
- the CSV import (`surveys.importing`), on whole columns, once per distinct cell;
- the demo generator (`surveys.demo`), on a whole synthetic sample.

    fields.py          what each field of DESIGN.md takes: FIELDS, the messages, the
                       per-field checks (`clean_values`) and the rules between fields
                       (`cross_field_problems`)
    fte.py             normalization: gross annual full-time equivalents
    flags.py           outliers stage 1: the flags the bounds raise, on columns
    sanity_bounds.py   the bounds by country, in its currency (data: France's, scaled
                       to each country's pay level)
    legal_minimums.py  the legal minimum wages, national or by province (the data the
                       migrations copy) and the minimum in force in a given year

Pure: numpy and Django's translation only, no ORM and no pandas (the single
answer runs in web processes, which do not load pandas). Reading the
database (the legal minimums editors keep up to date) is the callers' job
(`surveys.services.legal_minimum_table`). tests/surveys/test_validation_agreement.py
holds the three callers to the same errors, values and flags.
"""

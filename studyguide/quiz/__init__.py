"""Tests and quizzes from the exercise bank: ``make quiz QUIZ=quizzes/<name>.yaml``.

``spec.py`` reads the quiz file and decides everything (which exercises, each version's
order and choices, the marks); ``builder.py`` draws the papers and keys through the print
pipeline and writes the same selection as a question bank through ``studyguide.lms``.
"""

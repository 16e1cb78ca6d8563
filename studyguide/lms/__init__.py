"""Exports of the auto-gradable exercises for learning platforms (GIFT, Moodle XML, QTI 2.1)."""

"""Flashcards (``-b flashcards``): the glossary as an Anki package, a tab-separated file
for Quizlet and other tools, and a printable sheet of cut-out cards."""

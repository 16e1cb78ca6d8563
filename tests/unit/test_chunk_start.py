"""The contents prints where a chunk starts before the chunk is laid out; the layout must
then put the chunk's first anchor on its first page, or the build stops."""

import pytest
from sphinx.errors import SphinxError

from studyguide.pdf.chunks import LATE, Chunk, PageNumbers


def test_a_chunk_whose_start_is_not_on_its_first_page_is_refused():
    numbers = PageNumbers()
    numbers.place(Chunk("a", 1, [], "a"), 2, {})
    index = Chunk("i", LATE, [], "index", index=True)
    assert numbers.start_of(index) == 3
    with pytest.raises(SphinxError, match=r"index: #book-index is laid out on page 3"):
        numbers.place(index, 4, {"book-index": 2})


def test_a_chunk_that_starts_on_its_first_page_is_placed():
    numbers = PageNumbers()
    index = Chunk("i", LATE, [], "index", index=True)
    numbers.place(index, 2, {"book-index": 0, "entry": 1})
    assert numbers.label("book-index") == "1" and numbers.label("entry") == "2"

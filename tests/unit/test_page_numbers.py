"""Page numbering of a book rendered in chunks: each chunk opens on a right-hand page."""

from studyguide.pdf.chunks import BODY, LATE, Chunk, PageNumbers


def chunk(name: str, stage: int = BODY) -> Chunk:
    return Chunk(name, stage, [], name)


def test_chunks_start_on_odd_pages_with_blank_pages_between():
    numbers = PageNumbers()
    numbers.place(chunk("a"), 11, {"a-top": 0, "a-end": 10})
    numbers.place(chunk("b"), 4, {"b-top": 0})
    numbers.place(chunk("c"), 3, {"c-mid": 1})
    assert numbers.start == {"a": 1, "b": 13, "c": 17}
    assert numbers.blank_before == {"a": False, "b": True, "c": False}
    assert numbers.blanks == {12}
    assert [numbers.label(a) for a in ("a-top", "a-end", "b-top", "c-mid")] == ["1", "11", "13", "18"]
    assert numbers.label("nowhere") is None
    folios = numbers.folios()
    assert len(folios) == 19 and folios[11] == "" and folios[12] == "13" and folios[-1] == "19"


def test_a_late_chunk_knows_its_start_before_it_is_laid_out():
    numbers = PageNumbers()
    numbers.place(chunk("a"), 3, {})
    late = chunk("key", LATE)
    assert numbers.start_of(late) == 5  # after a blank page 4
    numbers.place(late, 2, {"key-1": 1})
    assert numbers.label("key-1") == "6" and numbers.total == 6


def test_folios_go_to_the_workers_in_even_pieces_that_cover_every_page(tmp_path):
    from studyguide.pdf.schedule import FOLIO_PIECE, Schedule

    numbers = PageNumbers()
    numbers.place(chunk("a"), 2 * FOLIO_PIECE + 51, {})
    numbers.place(chunk("b"), 4, {})  # after a blank page
    schedule = Schedule(None, tmp_path, [], numbers)
    pieces = schedule.folio_pieces()
    assert [n for n, _ in pieces] == [1, 2, 3]
    assert [len(p) for _, p in pieces] == [FOLIO_PIECE, FOLIO_PIECE, 56] and FOLIO_PIECE % 2 == 0
    assert [f for _, p in pieces for f in p] == numbers.folios()
    assert pieces[1][1][0] == str(FOLIO_PIECE + 1)  # each piece opens on a right-hand page


def test_a_short_book_has_its_folios_in_one_piece(tmp_path):
    from studyguide.pdf.schedule import Schedule

    numbers = PageNumbers()
    numbers.place(chunk("a"), 5, {})
    assert Schedule(None, tmp_path, [], numbers).folio_pieces() == [(1, ["1", "2", "3", "4", "5"])]

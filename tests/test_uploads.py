"""Uploaded documents: limits and validation for the Tokens page, with the exact messages users see."""

import pytest

from simulator.storage import uploads
from simulator.storage.uploads import (
    MAX_FILE_BYTES, UPLOAD_MB, EmptyFile, NotText, TooLarge, UploadError, WrongExtension, decode_upload, decode_uploads,
)


def test_a_good_file_is_decoded():
    assert decode_upload("notes.txt", "Grüße, tokens!\n".encode()) == "Grüße, tokens!\n"


@pytest.mark.parametrize("name", ["a.md", "b.csv", "c.json", "D.TXT"])
def test_every_accepted_extension_in_any_case(name):
    assert decode_upload(name, b"x,y\n1,2\n") == "x,y\n1,2\n"


def test_a_byte_order_mark_is_dropped_and_folders_are_not_shown():
    assert decode_upload("C:/docs/spec.md", b"\xef\xbb\xbf# Title") == "# Title"
    with pytest.raises(EmptyFile) as err:
        decode_upload("docs/sub/empty.md", b"")
    assert str(err.value) == "empty.md: the file is empty"


def test_wrong_extension():
    with pytest.raises(WrongExtension) as err:
        decode_upload("report.pdf", b"%PDF-1.7")
    assert str(err.value) == "report.pdf: only .txt, .md, .csv, .json files can be counted (this one has .pdf)"
    with pytest.raises(WrongExtension) as err:
        decode_upload("README", b"hello")
    assert str(err.value) == "README: only .txt, .md, .csv, .json files can be counted (this one has no extension)"


def test_too_large():
    assert MAX_FILE_BYTES == 5 * UPLOAD_MB == 5_000_000  # the MB the upload widget counts (issue 13)
    assert decode_upload("limit.txt", b"a" * MAX_FILE_BYTES) == "a" * MAX_FILE_BYTES  # the limit itself is allowed
    with pytest.raises(TooLarge) as err:
        decode_upload("big.txt", b"a" * (MAX_FILE_BYTES + 1))
    assert str(err.value) == "big.txt: 5,000,001 bytes is over the limit of 5 MB (5,000,000 bytes) per file"


def test_binary():
    with pytest.raises(NotText) as err:
        decode_upload("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert str(err.value) == "image.txt: looks like a binary file (it contains NUL bytes), not text"
    with pytest.raises(NotText):  # UTF-16 has NUL bytes in ASCII text
        decode_upload("wide.txt", "hello".encode("utf-16"))


def test_invalid_utf8():
    with pytest.raises(NotText) as err:
        decode_upload("latin1.csv", "name\ncafé\n".encode("latin-1"))
    assert str(err.value) == ("latin1.csv: not UTF-8 text (invalid byte at position 8); "
                              "save it as UTF-8 and upload it again")


@pytest.mark.parametrize("data", [b"", b"   \n\t\n", b"\xef\xbb\xbf"])
def test_empty(data):
    with pytest.raises(EmptyFile) as err:
        decode_upload("blank.txt", data)
    assert str(err.value) == "blank.txt: the file is empty"


def test_every_refusal_is_a_value_error():
    for cls in (WrongExtension, TooLarge, NotText, EmptyFile):
        assert issubclass(cls, UploadError) and issubclass(cls, ValueError)


def test_several_files_keep_the_good_ones_and_respect_the_total():
    files = [("a.txt", b"a" * 40), ("bad.exe", b"MZ"), ("b.md", b"b" * 40), ("c.txt", b"c" * 30), ("d.txt", b"d" * 20)]
    out = decode_uploads(files, max_file_bytes=50, max_total_bytes=100)
    assert [name for name, _ in out.texts] == ["a.txt", "b.md", "d.txt"]
    assert out.accepted_bytes == 100
    assert [type(e) for e in out.errors] == [WrongExtension, TooLarge]
    assert str(out.errors[1]) == ("c.txt: refused, the files together would be over the "
                                  f"{100 / UPLOAD_MB:g} MB total limit (80 bytes already accepted)")


def test_the_shipped_limits():
    assert (uploads.MAX_FILE_MB, uploads.MAX_TOTAL_MB) == (5, 20)
    assert uploads.MAX_TOTAL_BYTES == 20_000_000


def test_a_compressed_bomb_renamed_to_txt_is_refused_as_binary():
    import gzip

    from simulator.storage.uploads import NotText, decode_upload
    bomb = gzip.compress(b"0" * 20_000_000)  # 20 MB of text packed into ~20 kB
    with pytest.raises(NotText):
        decode_upload("notes.txt", bomb)


def test_past_the_file_count_limit_one_message_says_how_many_were_not_read():
    files = [(f"f{i}.txt", b"x") for i in range(uploads.MAX_FILES + 2_000)]
    out = decode_uploads(files)
    assert len(out.texts) == uploads.MAX_FILES
    assert [str(e) for e in out.errors] == [  # not 2,000 messages
        f"2,000 more files were not read: at most {uploads.MAX_FILES} files are counted at a time"]
    assert isinstance(out.errors[0], uploads.TooMany)


def test_a_long_file_name_is_shortened_in_its_message():
    name = "x" * 5_000 + ".pdf"
    with pytest.raises(WrongExtension) as err:
        decode_upload(name, b"%PDF")
    shown = "x" * (uploads.MAX_NAME_CHARS - 1) + "…"
    assert str(err.value) == f"{shown}: only .txt, .md, .csv, .json files can be counted (this one has .pdf)"
    out = decode_uploads([("y" * 5_000 + ".txt", b"text")])
    assert out.texts[0][0] == "y" * (uploads.MAX_NAME_CHARS - 1) + "…"  # the name the page shows

"""Atomic writes: the old file or the new one, never half of either, with the old one's mode."""

import os

import pytest

from zerodl.atomic import atomic_open, atomic_write_bytes


@pytest.fixture
def umask():
    def set_mask(mask):
        os.umask(mask)

    old = os.umask(0o022)
    yield set_mask
    os.umask(old)


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o666, 0o444])
def test_a_replaced_file_keeps_its_mode(tmp_path, umask, mode):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"old")
    os.chmod(path, mode)
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new" and os.stat(path).st_mode & 0o777 == mode


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_follows_the_umask(tmp_path, umask, mask, mode):
    umask(mask)
    atomic_write_bytes(tmp_path / "new.json", b"{}")
    assert os.stat(tmp_path / "new.json").st_mode & 0o777 == mode


def test_the_temporary_file_is_never_more_open_than_the_result(tmp_path, umask):
    """While the data is written, the temporary file already has the final mode."""
    path = tmp_path / "secret"
    path.write_bytes(b"old")
    os.chmod(path, 0o600)
    with atomic_open(path) as f:
        assert os.fstat(f.fileno()).st_mode & 0o777 == 0o600


def test_the_folder_is_synced_after_the_rename(tmp_path, monkeypatch):
    import stat

    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    atomic_write_bytes(tmp_path / "f", b"data")
    assert synced == [False, True]  # the file's data, then the folder that names it


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_open(path) as f:
        f.write(b"half")
        raise RuntimeError("killed")
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["f"]

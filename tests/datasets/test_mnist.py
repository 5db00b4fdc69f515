import gzip
import hashlib
import io
import struct
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from zerodl.datasets import DATASETS, find_dataset, load_mnist, split_validation
from zerodl.datasets.sources import FILES, ArchiveSource, DatasetSpec
from zerodl.errors import DataError


def idx(array: np.ndarray) -> bytes:
    return bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def make_files(n_train=20, n_test=10, n_train_labels=None, seed=0) -> dict[str, bytes]:
    rng = np.random.default_rng(seed)
    images = [rng.integers(0, 256, (n, 28, 28), dtype=np.uint8) for n in (n_train, n_test)]
    labels = [np.arange(n, dtype=np.uint8) % 10 for n in (n_train_labels or n_train, n_test)]
    raw = [idx(images[0]), idx(labels[0]), idx(images[1]), idx(labels[1])]
    return {name: gzip.compress(data, mtime=0) for name, data in zip(FILES, raw, strict=True)}


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def spec_for(files: dict[str, bytes], **kw) -> DatasetSpec:
    return DatasetSpec(
        name="tiny",
        gz_md5={k: md5(v) for k, v in files.items()},
        content_md5={k: md5(gzip.decompress(v)) for k, v in files.items()},
        **{"mirrors": (), **kw},
    )


def write(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


@pytest.fixture
def tiny(monkeypatch, tmp_path):
    """A registered named dataset 'tiny' with known checksums, and an empty user cache."""
    files = make_files()
    spec = spec_for(files)
    monkeypatch.setitem(DATASETS, "tiny", spec)
    monkeypatch.setenv("ZERODL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ZERODL_DATA_DIR", raising=False)
    return files


# -- the real datasets ---------------------------------------------------------------------------
def test_fashion_mnist_from_data_dir(data_dir, monkeypatch):
    monkeypatch.setenv("ZERODL_DATA_DIR", str(data_dir))
    (x, t), (xt, _) = load_mnist(dataset="fashion-mnist")
    assert x.shape == (60000, 784) and xt.shape == (10000, 784)
    assert x.dtype == np.float32 and 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_array_equal(np.bincount(t), [6000] * 10)
    assert find_dataset("fashion-mnist").source == "ZERODL_DATA_DIR"


def test_mnist_10k_by_path(mnist10k):
    (x, t), (xt, _) = load_mnist(dataset=str(mnist10k), flatten=False, one_hot_label=True)
    assert x.shape == (10000, 1, 28, 28) and xt.shape == (10000, 1, 28, 28)
    assert t.shape == (10000, 10) and np.all(t.sum(axis=1) == 1)
    (_, _), (raw, labels) = load_mnist(normalize=False, dataset=str(mnist10k))
    assert raw.dtype == np.uint8 and labels.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(labels)[:3], [980, 1135, 1032])


# -- finding and verifying -----------------------------------------------------------------------
def test_lookup_order_data_dir_before_env(tiny, tmp_path, monkeypatch):
    write(tmp_path / "a" / "tiny", tiny)
    write(tmp_path / "b" / "tiny", tiny)
    monkeypatch.setenv("ZERODL_DATA_DIR", str(tmp_path / "b"))
    assert find_dataset("tiny", data_dir=tmp_path / "a").source == "--data-dir"
    assert find_dataset("tiny").source == "ZERODL_DATA_DIR"
    (x, _), (xt, _) = load_mnist(dataset="tiny", download=False)
    assert x.shape == (20, 784) and xt.shape == (10, 784)


def test_recompressed_file_passes_by_content(tiny, tmp_path):
    recompressed = {k: gzip.compress(gzip.decompress(v), compresslevel=1, mtime=123)
                    for k, v in tiny.items()}
    assert recompressed[FILES[0]] != tiny[FILES[0]]
    write(tmp_path / "tiny", recompressed)
    assert find_dataset("tiny", data_dir=tmp_path, download=False).path == tmp_path / "tiny"


def test_checksum_mismatch_is_reported_by_name_and_not_used(tiny, tmp_path):
    bad = dict(tiny)
    bad[FILES[2]] = make_files(seed=1)[FILES[2]]
    write(tmp_path / "tiny", bad)
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte\.gz: checksum mismatch.*not used"):
        load_mnist(dataset="tiny", data_dir=tmp_path, download=False)


def test_missing_offline_lists_every_place_and_how_to_provide(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("ZERODL_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(DataError) as e:
        load_mnist(dataset="tiny", data_dir=tmp_path / "arg", download=False)
    msg = str(e.value)
    for place in ("arg/tiny (--data-dir)", "env/tiny (ZERODL_DATA_DIR)", "cache/tiny (user cache)",
                  "not attempted (offline)", "ZERODL_DATA_DIR", "train-images-idx3-ubyte.gz"):
        assert place in msg


def test_debian_hint_for_fashion_mnist(monkeypatch, tmp_path):
    monkeypatch.setenv("ZERODL_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("ZERODL_DATA_DIR", raising=False)
    spec = DATASETS["fashion-mnist"]
    monkeypatch.setitem(DATASETS, "fashion-mnist",
                        DatasetSpec(**{**spec.__dict__, "system_dirs": (str(tmp_path / "sys"),)}))
    with pytest.raises(DataError, match="apt-get install dataset-fashion-mnist"):
        load_mnist(dataset="fashion-mnist", download=False)


def test_counts_that_disagree(tmp_path):
    write(tmp_path / "d", make_files(n_train=20, n_train_labels=19))
    with pytest.raises(DataError, match=r"20 images but .* 19 labels"):
        load_mnist(dataset=str(tmp_path / "d"))


def test_unknown_name_and_incomplete_folder(tmp_path):
    with pytest.raises(DataError, match="unknown dataset 'cifar'"):
        load_mnist(dataset="cifar")
    (tmp_path / "d").mkdir()
    with pytest.raises(DataError, match="missing train-images"):
        load_mnist(dataset=str(tmp_path / "d"))


def test_second_load_comes_from_parsed_cache(tiny, tmp_path):
    write(tmp_path / "tiny", tiny)
    first = load_mnist(dataset="tiny", data_dir=tmp_path, download=False)
    assert len(list((tmp_path / "cache" / "parsed").glob("*.npy"))) == 4
    second = load_mnist(dataset="tiny", data_dir=tmp_path, download=False)
    np.testing.assert_array_equal(first[0][0], second[0][0])


# -- downloading ---------------------------------------------------------------------------------
class Mirrors:
    """A local HTTP server: /html/ answers 200 with a web page, /good/ serves the files, /short/
    promises more bytes than it sends, /deb/ serves a package."""

    def __init__(self, files: dict[str, bytes], deb: bytes = b""):
        routes = {f"/good/{k}": v for k, v in files.items()}
        routes["/deb/pkg.deb"] = deb

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.startswith("/html/"):
                    body = b"<html>moved</html>"
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif self.path.startswith("/short/"):
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    self.wfile.write(b"\x1f\x8b partial")
                elif self.path in routes:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(routes[self.path])))
                    self.end_headers()
                    self.wfile.write(routes[self.path])
                else:
                    self.send_error(404)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve():
    servers = []

    def start(files, deb=b""):
        servers.append(Mirrors(files, deb))
        return servers[-1].url

    yield start
    for s in servers:
        s.close()


def test_html_page_with_status_200_moves_on_to_next_mirror(tiny, monkeypatch, tmp_path, serve):
    url = serve(tiny)
    monkeypatch.setitem(DATASETS, "tiny", spec_for(tiny, mirrors=(f"{url}/html/", f"{url}/good/")))
    (x, _), _ = load_mnist(dataset="tiny")
    assert x.shape == (20, 784)
    cached = tmp_path / "cache" / "tiny"
    assert sorted(p.name for p in cached.iterdir()) == sorted(FILES)
    assert find_dataset("tiny").source == "user cache"


def test_interrupted_and_wrong_downloads_leave_nothing(tiny, monkeypatch, tmp_path, serve):
    url = serve(tiny)
    mirrors = (f"{url}/short/", f"{url}/html/", f"{url}/missing/", "http://127.0.0.1:9/")
    monkeypatch.setitem(DATASETS, "tiny", spec_for(tiny, mirrors=mirrors))
    with pytest.raises(DataError) as e:
        load_mnist(dataset="tiny")
    msg = str(e.value)
    assert "/short/train-images" in msg and "/html/train-images" in msg and "checksum mismatch" in msg
    assert "404" in msg
    assert list((tmp_path / "cache" / "tiny").iterdir()) == []


def deb_with(files: dict[str, bytes], member_dir: str) -> bytes:
    payload = io.BytesIO()
    with tarfile.open(fileobj=payload, mode="w:xz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"./{member_dir}{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    members = [(b"debian-binary", b"2.0\n"), (b"data.tar.xz", payload.getvalue())]
    out = b"!<arch>\n"
    for name, data in members:
        out += name.ljust(16) + b"0".ljust(12) + b"0".ljust(6) + b"0".ljust(6) + b"100644".ljust(8)
        out += str(len(data)).encode().ljust(10) + b"`\n" + data + (b"\n" if len(data) % 2 else b"")
    return out


def test_debian_package_is_a_mirror_of_last_resort(tiny, monkeypatch, serve):
    recompressed = {k: gzip.compress(gzip.decompress(v), compresslevel=1) for k, v in tiny.items()}
    deb = deb_with(recompressed, "usr/share/datasets/tiny/")
    url = serve(tiny, deb)
    archive = ArchiveSource(f"{url}/deb/pkg.deb", hashlib.sha256(deb).hexdigest(),
                            "usr/share/datasets/tiny/")
    monkeypatch.setitem(DATASETS, "tiny", spec_for(tiny, mirrors=(f"{url}/html/",),
                                                   archives=(archive,)))
    assert find_dataset("tiny").source == "downloaded"


def test_debian_package_with_wrong_checksum_is_refused(tiny, monkeypatch, serve, tmp_path):
    url = serve(tiny, deb_with(tiny, "x/"))
    archive = ArchiveSource(f"{url}/deb/pkg.deb", "0" * 64, "x/")
    monkeypatch.setitem(DATASETS, "tiny", spec_for(tiny, archives=(archive,)))
    with pytest.raises(DataError, match=r"pkg\.deb: checksum mismatch"):
        find_dataset("tiny")
    assert list((tmp_path / "cache" / "tiny").iterdir()) == []


# -- validation split ----------------------------------------------------------------------------
def test_split_validation_is_disjoint_and_seeded():
    x = np.arange(100).reshape(100, 1)
    t = np.arange(100)
    (xa, ta), (xv, tv) = split_validation(x, t, 0.2, seed=3)
    assert len(xv) == 20 and len(xa) == 80
    assert set(ta).isdisjoint(tv) and set(ta) | set(tv) == set(range(100))
    np.testing.assert_array_equal(xa[:, 0], ta)
    (_, tb), _ = split_validation(x, t, 0.2, seed=3)
    np.testing.assert_array_equal(ta, tb)
    with pytest.raises(ValueError, match="between 0 and 1"):
        split_validation(x, t, 1.5)


# -- aliases -------------------------------------------------------------------------------------
def test_alias_points_a_name_at_a_folder_and_is_never_the_verified_dataset(tiny, tmp_path,
                                                                            monkeypatch):
    import os

    write(tmp_path / "mine", tiny)
    write(tmp_path / "data" / "tiny", tiny)  # the verified copy, which the alias must not reach
    monkeypatch.setenv("ZERODL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ZERODL_DATASET_ALIASES",
                       os.pathsep.join([f"tiny={tmp_path / 'mine'}", "digits=" + str(tmp_path / "mine")]))
    location = find_dataset("tiny", download=False)
    assert location.path == tmp_path / "mine" and location.spec is None
    assert location.name == str((tmp_path / "mine").resolve())
    assert location.source == "ZERODL_DATASET_ALIASES alias"
    assert location.metadata()["dataset"] == str((tmp_path / "mine").resolve())
    (x, _), (xt, _) = load_mnist(dataset="digits", download=False)
    assert x.shape == (20, 784) and xt.shape == (10, 784)


def test_alias_keeps_the_class_names_of_the_name_it_borrows(mnist10k, monkeypatch):
    monkeypatch.setenv("ZERODL_DATASET_ALIASES", f"fashion-mnist={mnist10k}")
    meta = find_dataset("fashion-mnist").metadata()
    assert meta["classes"][0] == "T-shirt/top" and meta["framing"] == "fit"
    assert meta["dataset"] == str(mnist10k.resolve())


@pytest.mark.parametrize("value, message", [
    ("mnist", "'mnist' is not NAME=FOLDER"),
    ("=/tmp", "'=/tmp' is not NAME=FOLDER"),
    ("mnist=/no/such/folder", "alias .* of /no/such/folder: no such folder"),
])
def test_bad_aliases_are_named(value, message, monkeypatch):
    monkeypatch.setenv("ZERODL_DATASET_ALIASES", value)
    with pytest.raises(DataError, match=message):
        load_mnist(dataset="mnist", download=False)

"""Where MNIST and Fashion-MNIST come from, and the checksums that say a file is the real one."""

from __future__ import annotations

from dataclasses import dataclass, field

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)


@dataclass(frozen=True)
class ArchiveSource:
    """A package (.deb) that holds all four files under `member_dir`, verified by its SHA-256."""

    url: str
    sha256: str
    member_dir: str


@dataclass(frozen=True)
class DatasetSpec:
    """A named dataset: known MD5s (of the .gz and of its content), mirrors, and system folders.

    A file passes verification when either checksum matches: repackagers (Debian) recompress the
    files, which changes the .gz bytes but not what they decompress to.
    """

    name: str
    gz_md5: dict[str, str]
    content_md5: dict[str, str]
    mirrors: tuple[str, ...]
    archives: tuple[ArchiveSource, ...] = ()
    system_dirs: tuple[str, ...] = ()
    classes: tuple[str, ...] = field(default_factory=lambda: tuple(str(i) for i in range(10)))


MNIST = DatasetSpec(
    name="mnist",
    gz_md5={
        TRAIN_IMAGES: "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        TRAIN_LABELS: "d53e105ee54ea40749a09fcbcd1e9432",
        TEST_IMAGES: "9fb629c4189551a2d022fa330f9573f3",
        TEST_LABELS: "ec29112dd5afa0611ce80d1b7f02629c",
    },
    content_md5={
        TEST_IMAGES: "2646ac647ad5339dbf082846283269ea",
        TEST_LABELS: "27ae3e4e09519cfbb04c329615203637",
    },
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
)

FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    gz_md5={
        TRAIN_IMAGES: "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        TRAIN_LABELS: "25c81989df183df01b3e8a0aad5dffbe",
        TEST_IMAGES: "bef4ecab320f06d8554ea6380940ec79",
        TEST_LABELS: "bb300cfdad3c16e7a12a480ee83cd310",
    },
    content_md5={
        TRAIN_IMAGES: "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        TRAIN_LABELS: "9018921c3c673c538a1fc5bad174d6f9",
        TEST_IMAGES: "8181f5470baa50b63fa0f6fddb340f0a",
        TEST_LABELS: "15d484375f8d13e6eb1aabb0c3f46965",
    },
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    archives=(
        ArchiveSource(
            url="http://deb.debian.org/debian/pool/main/d/dataset-fashion-mnist/"
            "dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb",
            sha256="39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0",
            member_dir="usr/share/datasets/fashion-mnist/",
        ),
    ),
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    classes=(
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ),
)

DATASETS = {spec.name: spec for spec in (MNIST, FASHION_MNIST)}

"""The downloader against a local HTTP server on 127.0.0.1 (no test touches the internet)."""
import functools
import hashlib
import http.server
import threading

import pytest

import chainrule.data as crd
from chainrule.errors import ConfigError, DataError

PAYLOAD = b"chainrule fixture " * 5000


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "file.bin").write_bytes(PAYLOAD)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_good_checksum_puts_file_in_place(tmp_path, server):
    dest = tmp_path / "dl" / "file.bin"
    seen = []
    out = crd.download(f"{server}/file.bin", dest, hashlib.sha256(PAYLOAD).hexdigest(),
                       progress=lambda done, total: seen.append((done, total)))
    assert out == dest and dest.read_bytes() == PAYLOAD
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert [p.name for p in dest.parent.iterdir()] == ["file.bin"]          # no temporary left


def test_bad_checksum_raises_and_leaves_nothing(tmp_path, server):
    dest = tmp_path / "dl" / "file.bin"
    with pytest.raises(DataError, match="SHA-256"):
        crd.download(f"{server}/file.bin", dest, "0" * 64)
    assert not dest.exists() and list(dest.parent.iterdir()) == []


def test_bad_checksum_keeps_previous_file(tmp_path, server):
    dest = tmp_path / "file.bin"
    dest.write_bytes(b"old")
    with pytest.raises(DataError):
        crd.download(f"{server}/file.bin", dest, "1" * 64)
    assert dest.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["file.bin", "www"]


def test_existing_good_file_not_downloaded_again(tmp_path):
    dest = tmp_path / "file.bin"
    dest.write_bytes(PAYLOAD)
    # the URL is unreachable: success proves nothing was fetched
    assert crd.download("http://127.0.0.1:9/x", dest, hashlib.sha256(PAYLOAD).hexdigest()) == dest


def test_mirrors_and_failures(tmp_path, server):
    good = hashlib.sha256(PAYLOAD).hexdigest()
    dest = tmp_path / "m.bin"
    crd.download([f"{server}/missing.bin", f"{server}/file.bin"], dest, good)
    assert dest.read_bytes() == PAYLOAD
    with pytest.raises(DataError, match="missing.bin.*404"):
        crd.download(f"{server}/missing.bin", tmp_path / "n.bin", good)
    assert not (tmp_path / "n.bin").exists()


@pytest.mark.parametrize("sha", [None, "abc", "g" * 64])
def test_checksum_required(tmp_path, sha):
    with pytest.raises(ConfigError, match="sha256"):
        crd.download("http://127.0.0.1:9/x", tmp_path / "x", sha)


def test_only_http(tmp_path):
    with pytest.raises(ConfigError, match="http"):
        crd.download("file:///etc/passwd", tmp_path / "x", "0" * 64)


def test_known_checksums_are_well_formed():
    for name, (_, files) in crd.DOWNLOADS.items():
        for filename, (urls, sha) in files.items():
            assert len(sha) == 64 and int(sha, 16) >= 0 and all(u.endswith(filename) for u in urls)
    assert crd.DOWNLOADS["cifar10"][1]["cifar-10-python.tar.gz"][1].startswith("6d958be0")


def test_fetch_uses_published_table(tmp_path, server, monkeypatch, write_idx_set):
    """fetch() downloads every file of a data set into <dir>/<name>/ with the table's checksums."""
    import gzip
    write_idx_set(tmp_path / "src", gz=True)
    table = {}
    for f in (tmp_path / "src").iterdir():
        (tmp_path / "www" / f.name).write_bytes(f.read_bytes())
        table[f.name] = ((f"{server}/{f.name}",), hashlib.sha256(f.read_bytes()).hexdigest())
    monkeypatch.setitem(crd.DOWNLOADS, "mnist", ("mnist", table))
    folder = crd.fetch("mnist", tmp_path / "data")
    assert folder == tmp_path / "data" / "mnist" and len(list(folder.iterdir())) == 4
    splits = crd.load_dataset("mnist", data_dir=tmp_path / "data", val_size=2)
    assert splits.name == "MNIST" and len(splits.train) == 10
    assert gzip.decompress((folder / "train-labels-idx1-ubyte.gz").read_bytes())[:4] == b"\x00\x00\x08\x01"


def test_an_interrupted_download_leaves_neither_file_nor_temporary(tmp_path, server):
    """Ctrl-C in the middle of the stream: the temporary file is removed, nothing is renamed into place."""
    dest = tmp_path / "dl" / "file.bin"

    def interrupt(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        crd.download(f"{server}/file.bin", dest, hashlib.sha256(PAYLOAD).hexdigest(), progress=interrupt)
    assert list(dest.parent.iterdir()) == []


def test_a_connection_cut_short_is_a_data_error_and_leaves_nothing(tmp_path):
    """The server promises more bytes than it sends, then hangs up."""
    class Short(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD[:1000])
            self.close_connection = True

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Short)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        dest = tmp_path / "dl" / "file.bin"
        with pytest.raises(DataError, match=r"Could not download file.bin \(.*ended after 1,000 of 90,000 bytes"):
            crd.download(f"http://127.0.0.1:{httpd.server_address[1]}/file.bin", dest,
                         hashlib.sha256(PAYLOAD).hexdigest(), timeout=10)
        assert list(dest.parent.iterdir()) == []
    finally:
        httpd.shutdown()
        httpd.server_close()

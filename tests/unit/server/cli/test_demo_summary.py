"""The demo's summary shows the user's own files for the kiln:// URIs its in-process gateway returns."""

from kiln_server.cli.demo_command import _local


def test_kiln_uris_become_the_local_files_of_the_demos_own_store(tmp_path):
    root = str(tmp_path / "artifacts")
    uri = "kiln://artifacts/jobs/demo/j-1/artifacts/loss_curve.png"
    assert _local(uri, root) == str(tmp_path / "artifacts/jobs/demo/j-1/artifacts/loss_curve.png")
    assert _local("", root) == "-"
    # A remote store has no local file: the URI is what there is to show.
    assert _local(uri, "memory://bucket") == uri

"""``roost backup`` of the embedded default while it serves, and ``roost
restore`` into a fresh data directory: what was committed before the backup
comes back (database and media), what came after does not, and the restored
server answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from roost.app import create_app
from roost.backup import make_backup
from roost.cli import main
from roost.config import Settings
from tests.helpers import ApiClient

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@SQLITE_ONLY
def test_backup_while_serving_then_restore(settings: Settings, tmp_path: Path) -> None:
    media = settings.data_dir / "media" / "ab"
    with ApiClient.start(settings) as client:
        alice = client.make_user("alice")
        kept = client.post("/api/v1/statuses", user=alice, data={"status": "before"}).json()
        media.mkdir(parents=True)
        (media / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
        backup = make_backup(settings, tmp_path / "backups")  # the server still runs
        lost = client.post("/api/v1/statuses", user=alice, data={"status": "after"}).json()
        assert lost["id"] != kept["id"]

    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["media"] == "media" and manifest["schema_revision"]

    restored_dir = tmp_path / "restored"
    env = {"ROOST_DATA_DIR": str(restored_dir)}
    result = CliRunner().invoke(main, ["restore", str(backup)], env=env)
    assert result.exit_code == 0, result.output
    assert (restored_dir / "media" / "ab" / "photo.jpg").read_bytes() == b"\xff\xd8 a photo"
    again = CliRunner().invoke(main, ["restore", str(backup)], env=env)
    assert again.exit_code != 0 and "--force" in again.output  # never over live data

    # Served as is (ApiClient.start would empty the tables first).
    app = create_app(settings.replace(data_dir=restored_dir))
    with TestClient(app, base_url="http://testserver") as http:
        statuses = http.get(f"/api/v1/accounts/{alice.sid}/statuses")
        assert statuses.status_code == 200, statuses.text
        assert [s["content"] for s in statuses.json()] == ["<p>before</p>"]
        assert http.get(f"/api/v1/statuses/{lost['id']}").status_code == 404


def test_backup_command_writes_a_directory_and_refuses_postgresql(tmp_path: Path) -> None:
    data = tmp_path / "data"
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"], env={"ROOST_DATA_DIR": str(data)}).exit_code == 0
    made = runner.invoke(main, ["backup", str(tmp_path / "out")], env={"ROOST_DATA_DIR": str(data)})
    assert made.exit_code == 0, made.output
    (written,) = (tmp_path / "out").iterdir()
    assert (written / "roost.db").stat().st_size > 0
    assert json.loads((written / "manifest.json").read_text())["media"] is None
    refused = runner.invoke(
        main,
        ["backup", str(tmp_path / "pg")],
        env={"ROOST_DATABASE_URL": "postgresql://roost@db.invalid/roost"},
    )
    assert refused.exit_code != 0 and "pg_dump" in refused.output

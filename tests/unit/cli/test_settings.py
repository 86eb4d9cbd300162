"""Settings the CLI builds: the data directory is absolute whatever the user typed,
because function environments run in directories below it from other processes."""

from __future__ import annotations

from pathlib import Path

from tenku.config import from_environment


def test_data_dir_is_absolute_from_the_environment_and_from_options(tmp_path: Path) -> None:
    default = from_environment({})
    assert default.data_dir == Path(".tenku").absolute()
    assert from_environment({"TENKU_DATA_DIR": "state"}).data_dir == Path("state").absolute()
    assert default.with_overrides(data_dir=Path("x")).data_dir == Path("x").absolute()
    assert default.with_overrides(data_dir=tmp_path).data_dir == tmp_path
    assert default.with_overrides(data_dir=None, port=1).data_dir == default.data_dir

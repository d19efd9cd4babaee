# Sourced by scripts/demo and scripts/test: a project virtualenv with the tap installed.
PYTHON_BIN=${PYTHON:-python3}
if ! "$PYTHON_BIN" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "tap-pixieset needs Python 3.10 or newer (found: $("$PYTHON_BIN" --version 2>&1))." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $("$PYTHON_BIN" --version) ..." >&2
  "$PYTHON_BIN" -m venv .venv
fi
_stamp=".venv/.installed-$(cat pyproject.toml | cksum | cut -d' ' -f1)"
if [ ! -f "$_stamp" ]; then
  echo "Installing tap-pixieset and its test tools into .venv ..." >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
  rm -f .venv/.installed-*
  touch "$_stamp"
fi

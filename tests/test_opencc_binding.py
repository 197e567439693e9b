"""The official OpenCC binding must be the one imported: the pure-Python
opencc-python-reimplemented installs the same module name and is ~50x slower."""
import importlib.metadata
import importlib.util

import opencc


def test_imported_opencc_is_the_official_cpp_binding():
    assert importlib.util.find_spec("opencc.clib") is not None, f"opencc at {opencc.__file__} has no C++ extension"
    owners = importlib.metadata.packages_distributions().get("opencc", [])
    assert "opencc-python-reimplemented" not in [o.lower() for o in owners], owners
    assert any(o.lower() == "opencc" for o in owners), owners


def test_t2s_config_is_available():
    assert opencc.OpenCC("t2s").convert("權說明") == "权说明"

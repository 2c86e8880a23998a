"""Lazy public namespaces (PEP 562): a name is imported from its module on first access.

A package lists its public names once, as ``{name: "module"}`` or ``{name: "module:attribute"}``
with modules relative to the package; :func:`attach` returns the module-level ``__getattr__``,
``__dir__`` and ``__all__``. Nothing is imported until a name is used, so ``import ghostsym``
loads neither JAX, optax nor matplotlib.

>>> getattr_, dir_, all_ = attach("ghostsym", {"notation": "notation"})
>>> all_
['notation']
>>> getattr_("notation").__name__
'ghostsym.notation'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def attach(
    package: str, exports: dict[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """The ``__getattr__``, ``__dir__`` and ``__all__`` of a lazily populated ``package``.

    ``exports`` maps each public name to ``"module"`` (the name is that submodule, or an
    attribute of the same name in it) or ``"module:attribute"``.

    >>> getattr_, _, _ = attach("ghostsym", {"InvalidInputError": "errors"})
    >>> getattr_("InvalidInputError").__name__
    'InvalidInputError'
    """

    def __getattr__(name: str) -> object:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, _, attribute = exports[name].partition(":")
        module = importlib.import_module(f"{package}.{module_name}")
        if attribute:
            value = getattr(module, attribute)
        elif module_name.rsplit(".", 1)[-1] == name:
            value = module
        else:
            value = getattr(module, name)
        return value

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__, list(exports)

"""The ADNN spec language."""

from __future__ import annotations

from adnn_lint.spec.model import (
    SPEC_VERSION,
    Contract,
    DataSpec,
    Domain,
    InitSpec,
    LayerSpec,
    ModelSpec,
    SearchSpec,
    SourceRef,
    Spec,
    TrainSpec,
)

__all__ = [
    "SPEC_VERSION",
    "Contract",
    "DataSpec",
    "Domain",
    "InitSpec",
    "LayerSpec",
    "ModelSpec",
    "SearchSpec",
    "SourceRef",
    "Spec",
    "TrainSpec",
]

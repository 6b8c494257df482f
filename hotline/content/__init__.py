"""Staff-editable content: YAML files -> a validated, immutable Catalog plus problems."""
from hotline.content.catalog import Catalog, Language, Node, Option, Resource, Voice
from hotline.content.loader import load
from hotline.content.problems import Problem

__all__ = ["Catalog", "Language", "Node", "Option", "Problem", "Resource", "Voice", "load"]

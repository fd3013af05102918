"""bpa-provider: the domain layer — rules, services, CLI, configuration and demo data.

Imports point one way: screens -> bpa_provider -> db. Nothing here imports Textual.
"""

__version__ = "0.1.0"

"""vipu-mailer: monthly letters to the VIP network's VIPU contacts."""

__all__ = ["__version__"]

__version__ = "0.1.0"

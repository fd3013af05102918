"""Translation catalogs (`<lang>/LC_MESSAGES/bpa.po` and the compiled `bpa.mo`) and the
extraction script that keeps them in step with the code (`python -m bpa_provider.locale.extract`)."""

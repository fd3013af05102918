"""`python -m bpa_provider.cli`: the form the SSH forced command uses (with `python -I`)."""

from bpa_provider.cli import main

raise SystemExit(main())

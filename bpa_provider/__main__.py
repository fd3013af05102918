"""`python -m bpa_provider`: the same program as the `bpa-provider` console script."""

from bpa_provider.cli import main

raise SystemExit(main())

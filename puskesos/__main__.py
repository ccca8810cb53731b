from puskesos.cli import main

raise SystemExit(main())

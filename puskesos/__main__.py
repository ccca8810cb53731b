from puskesos.app import main

raise SystemExit(main())

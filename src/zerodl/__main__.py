from zerodl.cli import main

raise SystemExit(main())

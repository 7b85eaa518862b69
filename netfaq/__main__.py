from netfaq.tools.cli import main

raise SystemExit(main())

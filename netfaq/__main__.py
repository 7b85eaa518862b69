from netfaq.cli import main

raise SystemExit(main())

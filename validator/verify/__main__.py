from validator.verify.cli import main

raise SystemExit(main())

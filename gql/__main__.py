from gql.cli import main

raise SystemExit(main())

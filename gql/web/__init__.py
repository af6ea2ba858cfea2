"""The HTTP edge: the app, its middleware, the GraphQL view, WebSockets, the server."""

"""The HTTP edge: the app, its middleware, the GraphQL view, WebSockets and the server.

app.py       create_app(settings, store=None): routes, lifespan, wiring of every subsystem
backend.py   the store, the hub's source and the in-process consumer, from the settings
http.py      authentication and body-size middleware, coded refusals
view.py      the GraphQL view over HTTP and WebSocket
sockets.py   WebSocket limits: sockets per server, subscriptions per socket, time budgets
graphiql.py  GraphiQL with its assets vendored under static/
server.py    uvicorn: logging, workers, SIGTERM
shutdown.py  the drain: requests in flight finish, subscriptions complete
"""

from gql.web.server import serve

__all__ = ["serve"]

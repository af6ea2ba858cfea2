"""The HTTP edge: the app, its middleware, the GraphQL view, WebSockets and the server.

app.py       create_app(settings, store=None): routes, lifespan, wiring of every subsystem
backend.py   the store, the hub's source and the in-process consumer, from the settings
http.py      authentication and body-size middleware, coded refusals
view.py      the GraphQL view over HTTP and WebSocket
jsonbody.py  JSON bodies and messages with numbers kept exact until checked
sockets.py   one WebSocket: reading, the coded refusals, SLOW_CONSUMER, its log line
transportws.py, legacyws.py   the two subprotocols' handlers over Strawberry's
protocol.py  the shape of each client message (4400 otherwise)
outbox.py    a socket's bounded outgoing queue; a peer that stops reading is dropped
slots.py     sockets per process, and the share not yet past connection_init
wsprotocol.py  uvicorn's WebSocket protocol, able to abort a connection
graphiql.py  GraphiQL with its assets vendored under static/
server.py    uvicorn: logging, workers, SIGTERM
shutdown.py  the drain: requests in flight finish, subscriptions complete
"""

from gql.web.server import serve

__all__ = ["serve"]

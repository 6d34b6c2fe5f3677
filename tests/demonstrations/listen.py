"""What every demonstration server shares: listen on the port the tester gives (PORT) and serve each
connection on a thread of its own, with `handle(connection, *extra)`."""

from __future__ import annotations

import os
import socket
import threading


def serve_forever(handle, *extra, banner: str = "Listening", host: str = "localhost") -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, int(os.environ.get("PORT", "4221"))))
    listener.listen(64)
    print(banner, flush=True)
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=handle, args=(connection, *extra), daemon=True).start()

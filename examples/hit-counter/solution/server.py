import os  # noqa: F401
import socket  # noqa: F401


def main():
    print("Logs from your program will appear here!")
    # Stage 1: listen on the port in the PORT environment variable, and accept connections.


if __name__ == "__main__":
    main()

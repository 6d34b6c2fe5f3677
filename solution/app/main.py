import os  # noqa: F401
import socket  # noqa: F401


def main():
    # Anything you print shows up in the tester's output, which helps when debugging.
    print("Logs from your program will appear here!")

    # Uncomment this to pass the first stage
    #
    # port = int(os.environ.get("PORT", "4221"))
    # server_socket = socket.create_server(("localhost", port))
    # while True:
    #     connection, _address = server_socket.accept()  # wait for the next client


if __name__ == "__main__":
    main()

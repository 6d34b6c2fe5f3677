"""What to try next: the usual mistake behind each kind of failure, in one place.

Messages say what happened; hints say why it usually happens. Keeping them together keeps the voice
consistent and lets a test check that every failure kind has one.
"""

from __future__ import annotations

PARSE = {
    "bare-lf": "HTTP lines end with \\r\\n, not \\n alone. Check every line you write, including the empty "
               "line after the headers: the head ends with \\r\\n\\r\\n.",
    "status-line": "The first line of a response is exactly 'HTTP/1.1 <code> <reason>\\r\\n', for example "
                   "'HTTP/1.1 200 OK\\r\\n'.",
    "header": "Each header is 'Name: value\\r\\n': the name, a colon right after it, then the value.",
    "framing": "Content-Length is the number of body bytes, written in decimal; send it once.",
    "truncated": "The connection closed before the response was complete: write the whole response before "
                 "closing the socket (sendall, not send).",
    "too-long": "The tester never found the end of the response head: after the last header comes an empty "
                "line, so the head ends with \\r\\n\\r\\n.",
    "no-blank-line": "After the last header, write an empty line: the head ends with \\r\\n\\r\\n, even when "
                     "there are no headers at all.",
    "syntax": "Compare the bytes above with the format: status line, headers, empty line, body.",
}

NO_RESPONSE = ("Your server accepted the connection but sent nothing back. Read the request until the empty "
               "line that ends its headers (\\r\\n\\r\\n), then write the response on the same socket.")
NO_RESPONSE_PARTIAL_HEAD = ("The response head never ended. After the last header, write an empty line: the "
                            "head ends with \\r\\n\\r\\n, even when there are no headers at all.")
SHORT_BODY = ("Content-Length is larger than the body you sent, so the client waits for bytes that never "
              "come. Count exactly the bytes of the body you send (nothing extra, such as a newline you "
              "do not send), and send all of them (sendall).")
TRAILING = ("Content-Length is smaller than the body you sent. The client stops reading after that many "
            "bytes and takes the rest for the start of the next response. Count bytes, not characters "
            "(len(body_bytes), not len(text)), and send nothing after the body, not even \\r\\n.")
SECOND_RESPONSE = ("Your server answered a request that was never sent: it stopped reading this request too early, "
                   "took the rest of it for a new request, and answered that too. A request ends where its framing "
                   "says: a chunked body (Transfer-Encoding: chunked, which overrides Content-Length) at its 0 "
                   "chunk and the empty line after the trailers, any other body after Content-Length bytes.")
HEAD_BODY = ("Answer HEAD with the status and headers a GET would get, Content-Length included (the length the "
             "body would have), and then nothing: no body. The client reads no body after a response to HEAD, so "
             "body bytes would be taken for the start of the next response.")
NO_BODY_STATUS = ("204 No Content and 304 Not Modified responses end with their head: send no body, not even an "
                  "empty line after the head's own.")
CLOSE_DELIMITED_OPEN = ("A response with no Content-Length ends only when the server closes the connection "
                        "(RFC 9112 §6.3). Your server kept it open, so no client can tell where the response "
                        "ends. Send Content-Length (0 for an empty body) with every response.")
SLOW = ("Your server sent the response in small pieces with long pauses. Build the whole response first and "
        "write it with one sendall(); do not sleep or wait for anything between writes.")
ENDLESS = ("Your server kept sending without end. A response is a head and exactly the body it announces: write "
           "it once, then read the next request (or close the connection).")
EXITED = ("Your program ended while the tester was still using it; its last output lines, shown above, "
          "should say why (an uncaught exception?). A server keeps running and serves connection after "
          "connection until it is stopped.")
EXITED_CLEANLY = ("Your program returned (exit code 0) while the tester was still using it: it served what came "
                  "and then reached the end of main. Put accept() and the handling of each connection in a "
                  "loop (while True:), so the server serves connection after connection until it is stopped.")
# a crash report the program printed (tester/crashes.py): {error} is its error line, quoted (`...`, or "..."
# when it holds a backtick itself), {fix} one of CRASH_FIX
CRASHED = "Your program crashed while handling this request: it printed {error} (in its output above). {fix}"
CRASHED_AND_EXITED = ("Your program crashed and ended while the tester was still using it: it printed {error} "
                      "(in its output above). {fix} A server keeps running whatever one request does: an error "
                      "while handling a connection may end that connection, never the whole program.")
CRASH_FIX = {
    "where and stack": "Fix that error: it happened at {where}; the lines {stack} it show the calls that led there.",
    "where": "Fix that error: it happened at {where}.",
    "stack": "Fix that error; the lines {stack} it show where it happened.",
    "neither": "Fix that error.",
}
RUST_BACKTRACE = " Run your program with RUST_BACKTRACE=1 set to see the calls that led there."
CRASH_UNFINISHED = ("Your program crashed while handling this request: it started printing a {runtime} crash report "
                    "(in its output above) but did not finish it. Read it from its first line: it names the error "
                    "and where it happened.")
CLOSED_EARLY = ("Keep the socket open after a response: read the next request on the same connection until "
                "the client closes it or sends 'Connection: close'.")
REFUSED = ("Nothing accepts connections on the port any more. Did your program exit or crash after an "
           "earlier connection? Serve connections in a loop.")
RESET = ("The server reset the connection. That happens when a socket is closed while bytes of the request are "
         "still unread in it (did one recv() miss the rest of a long body?), or when the program crashes. Read "
         "the whole request, the head and then Content-Length bytes of body, before you answer and close.")
POOL = ("Your server serves a fixed number of connections at once ({count}), as a pool of {count} worker threads "
        "does: each client holds a worker for as long as its connection is open, even while it is idle or slow "
        "to send, and the next client waits until one of them leaves. Start a thread (or task) for every "
        "accepted connection instead of a fixed pool, or serve them all with non-blocking I/O.")
HELD_UNTIL_CLOSE = ("Your server serves one connection until it closes before it answers another: a lock held "
                    "around the whole handling of a connection, or a loop that reads one client's requests "
                    "until it leaves. Persistent connections stay open between requests, so that blocks every "
                    "other client. Hold a lock only around the shared state it protects, never across recv(), "
                    "and serve each connection in its own thread (or task).")

GZIP_LENGTH = "Set Content-Length after compressing: it counts the bytes sent, the compressed ones."
CHUNKED_END = "A chunked body ends with a chunk of size zero: 0\\r\\n\\r\\n."
REAL_CLIENT = ("The byte-level checks may pass while a real client still fails: check Content-Length, "
               "Content-Encoding and that the body really is what they say.")
BUSY_LOOP = ("When the client closes a connection, recv() returns b\"\" (empty bytes) at once, every time it is "
             "called. A loop that only acts on data, and never stops on b\"\", spins for ever and burns a core "
             "per closed connection. Stop reading when recv() returns b\"\": close the socket and end that "
             "connection's thread or task.")
BODY_UNANSWERED = ("The request had a body and got no answer. After the head (up to \\r\\n\\r\\n), read exactly "
                   "Content-Length more bytes, which may take several recv() calls, then answer; do not wait for "
                   "more than that, nor for the connection to end: the client keeps it open for your response.")
BODY_UNTIL_EOF = ("Your server waits for recv() to return b\"\" before it answers, but the client does not close "
                  "its side: it waits for the response. Read the head up to \\r\\n\\r\\n, then exactly "
                  "Content-Length bytes of body (int of the header's value), and answer as soon as you have them.")
RESET_ON_CONNECT = ("The connection was reset as soon as it was accepted. That happens when the program closes "
                    "its listening socket with connections still waiting, or sets SO_LINGER to 0 and closes. Keep "
                    "the listening socket open and accept connections for as long as the program runs.")
RESET_INSTEAD_OF_CLOSE = ("A reset usually means the socket was closed with unread bytes in it, or the process "
                          "died. Read the whole request before responding, then close the socket normally.")
CLOSE_EXPECTED = ("This response must be the last on its connection: send it (with 'Connection: close', so the "
                  "client knows), then close the socket.")
CLOSE_REQUESTED = ("When a request carries 'Connection: close', answer it with 'Connection: close' and then "
                   "close the socket.")
NOT_LISTENING = ("Create a server socket, bind it to port {port} (read it from the PORT environment variable, "
                 "default 4221), listen, and accept connections. Is it listening on another port, or only on "
                 "another address? Bind to localhost or 0.0.0.0.")
PORT_TAKEN = ("The port is taken. Usually a previous run's connections still hold it: set SO_REUSEADDR on the "
              "listening socket before bind, so a restart can take the port at once. If your server does that "
              "already, another program is using the port: stop it, or choose another with --port.")
STARTER_UNTOUCHED = ("Your program ended without listening. Open app/main.py: create a server socket bound to "
                     "the port, and accept connections in a loop (the starter has this code commented out).")
FOREIGN_LISTENER = ("Two programs listen on port {port}, so the kernel hands some connections to the other one "
                    "and the verdicts would be about it. Usually it is a server of yours from an earlier try, or "
                    "one started by another tester run; a listening socket with SO_REUSEPORT (reuse_port=True) "
                    "lets them share the port without an error. Stop the other program (find it with "
                    "'ss -ltnp' or 'lsof -i :{port}'), or run the tester with --port to use another port.")
BACKGROUND = ("The tester runs ./{script} and treats it as your server: it watches that process, and stops it "
              "when a stage ends. Run the server in the foreground, as the script's last command, with exec "
              "(for example: exec python3 -m app.main \"$@\"), not with a trailing '&', nohup or a daemon.")
SCRIPT_CRLF = ("{script} has Windows line ends (\\r\\n): the shell reads a \\r at the end of every line as part of "
               "the command, so commands and options are not found (exit code 127 is 'command not found'). "
               "Convert the file with  sed -i 's/\\r$//' {script}  and set your editor or git "
               "(core.autocrlf=input) to keep \\n line ends.")
ENDED_BEFORE_LISTENING = "Read your program's last output above: it ended before it accepted any connection."

STATUS = {
    (404, 200): "Your server answers 200 to a path it does not know. Look at the request target (the second "
                "word of the request line) and answer 404 Not Found for anything you do not serve.",
    (200, 404): "Your server answers 404 to a path it should serve. Print the request target you parsed and "
                "compare it with the request shown above.",
}
STATUS_DEFAULT = "Check how your server picks the response for this request target and method."
VERSION = ("Start every status line with HTTP/1.1, the version your server speaks, whatever the request's "
           "version: 'HTTP/1.1 200 OK\\r\\n'.")
REASON = "The reason phrase follows the code exactly, with its capitals: 200 OK, 201 Created, 404 Not Found."
HEADER_MISSING = "Add the header to the response head, as 'Name: value\\r\\n' before the empty line."
HEADER_VALUE = ("The header is there, but with another value: compare the two from the caret on. The value is "
                "everything after the colon and its spaces, up to \\r\\n.")
HEADER_VALUE_CUT = ("The body is the request's {header} value, but your copy of it stops {where}. Header values "
                    "contain spaces, colons, semicolons and commas: take everything after the first ':' of the "
                    "header line (line.split(':', 1)[1]), trimmed of the spaces around it (.strip()), and split "
                    "it no further.")
REQUEST_LIST = ("The request's {header} header is a list: split its value at the commas, trim the spaces around "
                "each item and compare the items one by one, case-insensitively for codings (GZIP is gzip). "
                "Here {item!r} is one of the items, so the response needs '{response}': compare every item, "
                "not the whole value and not only the first item.")
FILE_IN_DIRECTORY = ("The file is in the folder given with --directory: your program was started as {command}, "
                     "and the file {name} is there ({path}). Read the folder from your program's arguments "
                     "(the word after --directory in sys.argv) and open the file at os.path.join(directory, "
                     "name), not in the folder your program runs in.")
FILE_NAME_ENCODED = ("The file {name} is in the --directory folder, and the URL names it percent-encoded, as "
                     "{encoded}: a URL cannot hold spaces or letters outside ASCII, so each byte of them comes "
                     "as %XX. Decode the path (urllib.parse.unquote) before you look for the file, and look in "
                     "the folder given with --directory.")
CONTENT_LENGTH = ("Content-Length is the body's length in bytes, not characters: count the bytes you send, "
                  "after encoding (len(body_bytes), not len(text)) and after compressing, when you compress. "
                  "Send a file's bytes as they are, without decoding them.")
LENGTH_FITS_WRONG_BODY = ("Your Content-Length does count the body you sent: the body itself is not the expected "
                          "one (shown above). Check how your server builds it. A header's value: header names "
                          "are case-insensitive (User-Agent and user-agent are the same header) and headers come "
                          "in any order. A file: send its bytes unchanged, without decoding them as text.")
CONTENT_TYPE = "Send exactly the Content-Type shown, with nothing after it (no '; charset=...')."
ABSENT = "Send this header only when it applies: an unsupported or missing request option gets no such header."
BODY = ("Send exactly the bytes shown as the body: no extra newline, no quotes, no decoding or re-encoding "
        "of the request's bytes.")
FILE_CONTENT = ("Write the request body to the file byte for byte: read exactly Content-Length bytes of body, "
                "which may arrive over several reads, and open the file in binary mode.")
FILE_MISSING = ("Create the file inside the --directory folder given on the command line, named after the "
                "last part of the path, and finish writing it before you respond.")

# Stage and program (issue 11, part D): the restart probe (tester/probes/restart.py)
RESTART_IGNORED_TERM = ("SIGTERM asks a program to stop, and its default action ends the process. Your server "
                        "(or a process it started) caught or ignored it and kept running. If you handle SIGTERM "
                        "(to finish writing data, say), end the process once that is done: sys.exit() after the "
                        "cleanup, and do not wait for idle keep-alive connections or threads that never end "
                        "(make them daemon threads). In your_program.sh, start the server with exec, so the "
                        "signal reaches it directly.")
RESTART_UNKILLABLE = ("Even SIGKILL did not end every process of your program at once: a process stuck in the "
                      "kernel (a hung disk or network file system) cannot be killed. Check what it was doing.")
RESTART_PORT_TAKEN = ("Your program started again but could not take the port its first run had: set SO_REUSEADDR "
                      "on the listening socket before bind, so that connections of the first run still closing "
                      "(TIME_WAIT) do not hold the port.")

BURST_SAME_VALUE = ("Requests handled at the same moment were given the same value. Your server reads shared state "
                    "(a next-id counter, the list of items, a data file) in one step and writes it back in a "
                    "later one, and between the two another thread did the same. Make the read and the write one "
                    "step that only one thread at a time can take: hold a lock (threading.Lock) from reading the "
                    "counter until the item is stored.")

BURST_UNANSWERED = ("This request came at the same moment as several others, and your server did not answer it "
                    "in time, or closed the connection. Is a handler crashing when it runs beside another (an "
                    "exception in a thread ends that connection: look at your program's output above)? Does "
                    "your server accept only a few connections at a time, or hold a lock while it reads from a "
                    "socket, so that one waiting client blocks the rest?")

# --- requests as data: captures, refusals, pipelining, 100-continue (issue 11, part C) ---
CAPTURE_HEADER = ("The stage takes this header's value from your response and uses it in a later request (a "
                  "Location for something just created, say): send the header with the value there.")
CAPTURE_JSON = ("The stage reads this value from your JSON body and uses it in a later request: send valid JSON "
                "(UTF-8 text, keys in double quotes) that has a value at the path shown, and the length of the "
                "bytes you send as Content-Length.")
CAPTURE_BODY = ("The stage finds a value in your body with the pattern shown and uses it in a later request: "
                "your body has to hold the value in that form.")
CAPTURE_NOT_TAKEN = ("An earlier response did not give this value (the connection closed instead), so the request "
                     "that needs it cannot be sent: make the earlier request succeed first.")
PIPELINED = ("The requests came in one write, so a single recv() can hold several of them. After answering one, "
             "look for the next request in the bytes you have already read before reading more from the "
             "socket, and answer the requests in the order they came (RFC 9112 §9.3.2).")

# --- the check language (issue 11, part B): status sets, header rules, body contents, JSON, framing, 100
STATUS_SET = ("Any of the statuses listed will do here, and yours is none of them. Check how your server picks "
              "the response for this request: its method, its target and its headers.")
HEADER_ONE_OF = ("The header's value must be exactly one of the values listed: the same spelling and capitals, "
                 "with nothing added (no parameters such as '; charset=...').")
HEADER_PATTERN = "The header's value must match the pattern shown as a whole, from its first character to its last."
HEADER_TOKENS = ("The header is a comma-separated list that must name exactly the tokens shown, each once and in "
                 "any order (for example 'GET, HEAD'): add the ones missing, remove the others.")
HEADER_DATE = ("An HTTP date has one form, IMF-fixdate, always in GMT: 'Sun, 06 Nov 1994 08:49:37 GMT' (English "
               "day and month names, two-digit day, 24-hour time). In Python: "
               "email.utils.formatdate(timestamp, usegmt=True).")
BODY_CONTAINS = ("The body must contain the text shown, byte for byte (same capitals, same spacing), somewhere in "
                 "it.")
BODY_EXCLUDES = ("This response must not include the bytes shown. Check what your server puts in the body for this "
                 "request: content it must not reveal, or an error text it should not send.")
JSON_SYNTAX = ("The body must be valid JSON: build it with a JSON encoder (json.dumps in Python) rather than by "
               "joining strings, and send it as UTF-8 with a Content-Length that counts its bytes.")
JSON_EMPTY = ("This response must carry a JSON body: send the JSON text (at least {} or []) after the head, with "
              "Content-Length counting its bytes.")
JSON_VALUE = ("Compare your JSON with the expected value at the path shown: keys are exact (spelling and case, "
              "none missing, none extra), numbers are not strings (3 is not \"3\"), and lists keep their order "
              "unless the stage says any order.")
FRAMING = {
    "content-length": "Frame the body with Content-Length: its length in bytes, and no Transfer-Encoding.",
    "chunked": ("Send the body chunked: 'Transfer-Encoding: chunked' and no Content-Length, then each chunk as its "
                "size in hexadecimal, \\r\\n, its bytes, \\r\\n, and 0\\r\\n\\r\\n to end the body."),
    "close": ("Send no Content-Length and no Transfer-Encoding here: the body ends when your server closes the "
              "connection, so close it right after the body."),
}
JSON_DUPLICATE_KEY = ("Give each key once in an object: a client may take the first value or the last, so the "
                      "body means different things to different clients. Build the body from a map (a dict "
                      "in Python) with a JSON encoder, which cannot repeat a key.")

HANG_UP_NOT_REACHED = ("The tester reads this response up to the text shown and then goes away, as a client that "
                       "gives up does. Send the response's first part as soon as it is ready, so it arrives while "
                       "the rest is still being made.")

OUTPUT_MISSING = ("The stage looks for this text in what your program prints, on stdout or stderr. Print it where "
                  "the stage's description says, and flush it (print(..., flush=True), or write to stderr, which "
                  "Python does not hold back).")

STREAMED = ("Write each part of the body to the socket as soon as you have it (as one chunk, for an HTTP/1.1 "
            "client), instead of gathering the parts in a list or a buffer and sending them together: a client "
            "can use the first part while the rest is still being made.")

CONTINUE_MISSING = ("The request said 'Expect: 100-continue' and holds back its body until you answer: once you have "
                    "read its head, write 'HTTP/1.1 100 Continue\\r\\n\\r\\n', then read the body and send the "
                    "final response.")
CONTINUE_UNWANTED = ("Send '100 Continue' only to a request that asks for it with 'Expect: 100-continue', and only "
                     "before you have read its body.")

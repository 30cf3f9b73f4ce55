"""An SMTP server for the benchmark, in its own process (so it does not share the notifier's
CPU time slice): writes "<notice id> <unix time>" per accepted message to a file.

python smtp_sink.py <port> <output file>
"""

import email
import sys
import time
from typing import Any

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, path: str) -> None:
        self.output = open(path, "a", buffering=1)  # noqa: SIM115  (lives as long as the process)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        header = str(email.message_from_bytes(envelope.content)["X-Complaints-Notice-Id"])
        self.output.write(f"{''.join(header.split())} {time.time()}\n")
        return "250 OK"


if __name__ == "__main__":
    controller = Controller(Recorder(sys.argv[2]), hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()

"""The matching in a process of its own, started by the worker: the arguments of match() come pickled on stdin,
its proposal goes back pickled on stdout. The process imports only the matching core, and its GIL is its own, so
the bot's event loop goes on answering while it computes."""

import pickle
import sys

from bot.matching.match import match


def main() -> None:
    arguments = pickle.load(sys.stdin.buffer)
    pickle.dump(match(*arguments), sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    main()

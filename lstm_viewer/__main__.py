"""``python -m lstm_viewer`` and the ``lstm-viewer`` command (``[project.scripts]``)."""
import signal
import sys

_interrupted = False


def _on_ctrl_c(signum, frame):
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; Ctrl+C at any point after Python's own start-up is one line and exit 130.

    While the command's modules are importing (numpy, TensorFlow: seconds), an interrupt can surface
    as another exception: numpy turns a KeyboardInterrupt inside its C import into an ImportError.
    Remembering that Ctrl+C was pressed tells the two apart.
    """
    previous = signal.signal(signal.SIGINT, _on_ctrl_c)  # Python's default, plus the note
    try:
        from .cli import main as run
        return run(argv)
    except KeyboardInterrupt:
        sys.stderr.write("lstm-viewer: interrupted\n")
        return 130
    except Exception:
        if _interrupted:
            sys.stderr.write("lstm-viewer: interrupted\n")
            return 130
        raise
    finally:
        signal.signal(signal.SIGINT, previous)


if __name__ == "__main__":
    sys.exit(main())

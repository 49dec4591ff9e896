"""The command line: (no command) opens the window (on a ``.lstmview`` session if one is given);
train, history, evaluate, inspect, convert, animate.

Every bad input becomes one line on stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from .core.errors import UserError


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _mean_std(text: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        mean, std = (float(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MEAN,STD such as 0.1307,0.3081, got {text!r}") from None
    if not (abs(mean) < float("inf") and 0 < std < float("inf")):
        raise argparse.ArgumentTypeError(f"needs a finite mean and a positive STD, got {text!r}")
    return mean, std


MODEL_HELP = ("a model: .keras or .h5, a TensorFlow 1 checkpoint (its folder or any of its files), a "
              "PyTorch .pt/.pth/.ckpt or .safetensors (default: the shipped model)")


def _add_model_options(parser: argparse.ArgumentParser, dest: str = "model") -> None:
    """--model, --forget-bias and --normalize, for the window and for each command that reads a model."""
    parser.add_argument("--model", dest=dest, help=MODEL_HELP)
    parser.add_argument("--forget-bias", dest=f"{dest}_forget_bias", type=_float, metavar="F",
                        help="TF1 checkpoints: the constant the cells add to f (default: read from the "
                             ".meta graph, else 1.0)")
    parser.add_argument("--normalize", dest=f"{dest}_normalize", type=_mean_std, metavar="MEAN,STD",
                        help="the first layer reads (x - MEAN) / STD, e.g. 0.1307,0.3081 for "
                             "torchvision's Normalize (default: what the file records, else [0, 1])")


class _OneLineParser(argparse.ArgumentParser):
    """Bad options are one line on stderr (no usage dump), like every other error here."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _version() -> str:
    from importlib import metadata
    try:
        return metadata.version("lstm-viewer")
    except metadata.PackageNotFoundError:   # a source tree that was never installed
        return "0+unknown"


COMMANDS = ("train", "history", "evaluate", "inspect", "convert", "animate")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="lstm-viewer",
        description="Watch a stacked LSTM read a handwritten digit one pixel row at a time.")
    _add_model_options(parser)
    parser.add_argument("--version", action="version", version=f"lstm-viewer {_version()}")
    parser.add_argument("--lang", choices=["en", "zh_CN"],
                        help="the window's language (default: the remembered choice, else the system's)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     parser_class=_OneLineParser)

    train = commands.add_parser("train", help="train a model on MNIST and save it")
    train.add_argument("--layers", type=_positive_int, default=3, help="stacked LSTM layers (3)")
    train.add_argument("--units", type=_positive_int, default=256, help="units per layer (256)")
    train.add_argument("--keep-prob", type=_float, default=1.0,
                       help="keep probability of dropout on each layer's output (1.0 = none)")
    train.add_argument("--epochs", type=_positive_int, default=1, help="passes over the data (1)")
    train.add_argument("--batch-size", type=_positive_int, default=64, help="digits per batch (64)")
    train.add_argument("--lr", type=_float, default=1e-3, help="Adam learning rate (0.001)")
    train.add_argument("--schedule", choices=["constant", "cosine"], default="constant",
                       help="learning-rate schedule (constant)")
    train.add_argument("--shift", type=int, default=0,
                       help="augment: shift training digits by up to N pixels (0)")
    train.add_argument("--limit", type=_positive_int, help="train on the first N training digits")
    train.add_argument("--seed", type=int, default=0, help="random seed (0)")
    train.add_argument("--data", help="MNIST folder (IDX files) or mnist.npz")
    train.add_argument("--out", required=True, help="where to save the .keras model")
    train.add_argument("--history", type=int, default=40, metavar="N",
                       help="snapshots of the weights to keep in the model file while training, dense "
                            "early (40; 0 for none): lstm-viewer history, and the app's timeline")

    history = commands.add_parser("history", help="the training history kept in a .keras file")
    history.add_argument("model", metavar="MODEL", help="a .keras file saved by lstm-viewer train")
    history.add_argument("--json", action="store_true",
                         help="JSON lines: one object per snapshot, numbered from 1 as in the window")

    evaluate = commands.add_parser("evaluate", help="test-set accuracy and confusion matrix")
    _add_model_options(evaluate, "sub_model")
    evaluate.add_argument("--data", help="MNIST folder (IDX files) or mnist.npz")
    evaluate.add_argument("--keras", action="store_true",
                          help="evaluate with Keras' own predict instead of the numpy engine (a check of "
                               "the engine); models the app cannot show are refused either way")

    inspect = commands.add_parser("inspect", help="read digits from image files and trace them")
    inspect.add_argument("images", nargs="+", metavar="IMAGE", help="PNG or JPEG files")
    _add_model_options(inspect, "sub_model")
    inspect.add_argument("--json", action="store_true", help="one JSON object per image")
    inspect.add_argument("--out", help="write the trace of one image as .npz (replaced only by a "
                                       "complete new file)")

    convert = commands.add_parser("convert", help="write any model lstm-viewer reads as a standard "
                                                  ".keras file that Keras' load_model reads")
    convert.add_argument("source", metavar="SRC", help=MODEL_HELP)
    convert.add_argument("--out", required=True, help="the .keras file to write (replaced only by a "
                                                      "complete new file)")
    convert.add_argument("--forget-bias", dest="source_forget_bias", type=_float, metavar="F",
                         help="TF1 checkpoints: the constant the cells add to f")
    convert.add_argument("--normalize", dest="source_normalize", type=_mean_std, metavar="MEAN,STD",
                         help="the input scaling, written as a Rescaling layer in front")
    from .gui.export.animate_command import add_parser as add_animate_parser  # imports no Qt
    add_animate_parser(commands)
    return parser


def _model_path(args) -> Path:
    from .core.assets import default_model_path
    chosen = getattr(args, "sub_model", None) or args.model
    return Path(chosen) if chosen else default_model_path()


def _model_options(args) -> dict:
    """--forget-bias and --normalize, given after the command or before it."""
    def pick(name: str):
        value = getattr(args, f"sub_model_{name}", None)
        return value if value is not None else getattr(args, f"model_{name}", None)
    return {"forget_bias": pick("forget_bias"), "normalize": pick("normalize")}


def _load(args):
    from . import load_network
    return load_network(_model_path(args), **_model_options(args))


def _quiet_tensorflow() -> None:
    from .ml.tf_import import quiet_import
    quiet_import(("tensorflow", "keras"))


def cmd_train(args) -> int:
    from .core.atomic import check_can_write
    from .core.cancel import check_event
    from .ml.datasets import load_mnist
    from .ml.progressbar import TextProgress, format_seconds
    from .ml.training import TrainConfig, save_model, train

    config = TrainConfig(layers=args.layers, units=args.units, keep_prob=args.keep_prob,
                         epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, limit=args.limit,
                         seed=args.seed, shift=args.shift, schedule=args.schedule, history=args.history)
    config.validate()
    out = Path(args.out)
    if out.suffix != ".keras":
        raise UserError(f"--out {out}: model files must end in .keras")
    check_can_write(out)  # now, not after the training it would waste
    data = load_mnist(args.data)
    print(f"training {config.layers} × {config.units} LSTM on "
          f"{min(config.limit or len(data.x_train), len(data.x_train))} digits from {data.source}",
          file=sys.stderr)
    _quiet_tensorflow()
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())  # Ctrl+C: stop after this batch
    try:
        result = train(config, data, on_progress=TextProgress(), check=check_event(stop))
    finally:
        signal.signal(signal.SIGINT, previous)
    if result.cancelled:
        raise UserError("training cancelled; nothing saved")
    save_model(result.model, out, history=result.snapshots)
    print(f"test accuracy {result.test_accuracy:.4f}  wall time {format_seconds(result.seconds)} "
          f"({result.seconds:.1f} s); saved {out}")
    return 0


def cmd_history(args) -> int:
    from .core.history import load_history
    history = load_history(args.model)
    rows = history.table()
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    print(f"{args.model}: {len(rows)} snapshots of {history.network(-1).describe()}")
    print(f"{'snapshot':>8} {'step':>7} {'epoch':>7} {'loss':>9} {'accuracy':>9}")
    for row in rows:
        loss = "–" if row["loss"] is None else f"{row['loss']:.4f}"
        print(f"{row['snapshot']:>8} {row['step']:>7} {row['epoch']:>7.3f} {loss:>9} {row['accuracy']:>9.3f}")
    return 0


def cmd_evaluate(args) -> int:
    import numpy as np

    from .core.evaluation import confusion_matrix, format_confusion
    from .ml.datasets import load_test_set

    path = _model_path(args)
    x_test, y_test = load_test_set(args.data)
    images = x_test.astype(np.float32) / 255.0
    if args.keras:
        from .core.readers import find_reader
        from .ml.keras_bridge import load_keras_model, network_from_keras_model
        if find_reader(path)[0].format not in ("Keras model", "Keras 2 HDF5 model"):
            raise UserError(f"{path}: --keras evaluates Keras files; convert this one first "
                            f"(lstm-viewer convert {path} --out model.keras)")
        _quiet_tensorflow()
        model = load_keras_model(path)
        network_from_keras_model(model, source=str(path))  # the same architecture check as the app
        probs = model.predict(images, batch_size=1000, verbose=0)
    else:
        probs = _load(args).predict(images)
    predicted = probs.argmax(axis=1)
    accuracy = float((predicted == y_test).mean())
    print(f"{path}: test accuracy {accuracy:.4f} ({int((predicted == y_test).sum())}/{len(y_test)})")
    print(format_confusion(confusion_matrix(y_test, predicted)))
    return 0


def cmd_inspect(args) -> int:
    from .core.atomic import check_can_write, write_atomically
    from .core.preprocess import load_image, preprocess

    if args.out and len(args.images) != 1:
        raise UserError("--out writes the trace of one image: give exactly one IMAGE")
    out = _npz_name(args.out) if args.out else None
    if out is not None:
        check_can_write(out)
    network = _load(args)
    for name in args.images:
        image = preprocess(load_image(name))
        trace = network.trace(image)
        record = _inspect_record(name, trace, blank=not image.any())
        if record["blank"]:
            # The network still answers for an empty page; that answer is not a reading of a digit.
            print(f"{name}: no ink found: the page looks blank", file=sys.stderr)
        if args.json:
            print(json.dumps(record))
        elif record["blank"]:
            print(f"{name}: blank page, no digit read")
        else:
            print(f"{name}: {record['prediction']} (p = {record['probability']:.4f}), on top from row "
                  f"{record['settled_row']} of 28")
        if out is not None:
            write_atomically(out, lambda tmp, trace=trace: _save_npz(tmp, trace.arrays()))
    return 0


def _inspect_record(name: str, trace, blank: bool) -> dict:
    if blank:
        return {"image": name, "prediction": None, "probability": None, "settled_row": None,
                "blank": True}
    p = trace.prediction
    return {"image": name, "prediction": p, "probability": round(float(trace.probs[-1, p]), 6),
            "settled_row": trace.settled_row() + 1, "blank": False}


def _npz_name(name: str) -> Path:
    """numpy's own rule for savez: a name without .npz gets it."""
    return Path(name if name.endswith(".npz") else name + ".npz")


def _save_npz(target: Path, arrays: dict) -> None:
    import numpy as np

    with open(target, "wb") as fh:  # a file object: numpy would append .npz to a temporary name
        np.savez_compressed(fh, **arrays)


def cmd_convert(args) -> int:
    from . import load_network
    from .core.atomic import check_can_write
    from .core.readers import describe_model

    out = Path(args.out)
    if out.suffix != ".keras":
        raise UserError(f"--out {out}: model files must end in .keras")
    check_can_write(out)
    network = load_network(args.source, forget_bias=args.source_forget_bias,
                           normalize=args.source_normalize)
    print(f"read {args.source}: {describe_model(network)}", file=sys.stderr)
    from .ml.training import save_network_as_keras
    _quiet_tensorflow()
    save_network_as_keras(network, out)
    print(f"saved {out}")
    return 0


def cmd_animate(args) -> int:
    from .gui.export.animate_command import run
    return run(args)


def cmd_window(args) -> int:
    from .gui.app import run_app
    return run_app(args.model, options=_model_options(args), language=args.lang,
                   session=getattr(args, "session", None))


def _session_argument(argv: list[str]) -> tuple[list[str], str | None]:
    """``lstm-viewer FILE.lstmview [options]``: the session file taken out of the arguments (the
    parser's first positional is a command name)."""
    sessions = [a for a in argv if a.endswith(".lstmview") and not a.startswith("-")]
    if not sessions or any(a in COMMANDS for a in argv):
        return argv, None
    if len(sessions) > 1:
        raise UserError("one session file at a time")
    if not Path(sessions[0]).is_file():
        raise UserError(f"{sessions[0]}: no such session file")
    return [a for a in argv if a != sessions[0]], sessions[0]


def _silence_stdout() -> None:
    # Python would otherwise fail again flushing stdout at exit ("Exception ignored ... BrokenPipeError").
    import os
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def main(argv: list[str] | None = None) -> int:
    try:
        argv, session = _session_argument(list(sys.argv[1:] if argv is None else argv))
        args = build_parser().parse_args(argv)
        args.session = session
        handler = {"train": cmd_train, "evaluate": cmd_evaluate, "inspect": cmd_inspect,
                   "convert": cmd_convert, "history": cmd_history, "animate": cmd_animate,
                   None: cmd_window}[args.command]
        return handler(args)
    except UserError as exc:
        print(f"lstm-viewer: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # also while a command's imports (numpy, TensorFlow) are loading
        print("lstm-viewer: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `lstm-viewer ... | head -1`: the reader left; stop quietly, as Unix tools do
        _silence_stdout()
        return 141  # 128 + SIGPIPE, as a shell reports a tool stopped by it

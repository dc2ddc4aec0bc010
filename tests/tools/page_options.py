"""What browser.py (Chromium) and firefox.py (Firefox) share: their command line (a page, the condition to wait for, what to save) and the saving."""
import argparse
import base64
import json


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--until", required=True, help="a JS expression the page must make truthy")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--dom")
    parser.add_argument("--screenshot")
    parser.add_argument("--eval", action="append", default=[])
    parser.add_argument("--size", default="1600,1100")
    return parser.parse_args()


def save(args, evaluate, screenshot):
    """Writes what the tests read: the DOM as it stands, a screenshot (screenshot() gives the PNG in base64), and
    each --eval's value (evaluate(expression)), one JSON value a line on stdout."""
    if args.dom:
        with open(args.dom, "w") as out:
            out.write(evaluate("document.documentElement.outerHTML") or "")
    if args.screenshot:
        with open(args.screenshot, "wb") as out:
            out.write(base64.b64decode(screenshot()))
    for expression in args.eval:
        print(json.dumps(evaluate(expression)))
